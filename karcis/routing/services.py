"""Every write of routing: its settings (rules, team modes, agents' status, capacity and
skills, required skills), routing a new ticket, and giving waiting tickets out.

Locks. Every automatic assignment runs while holding, in this order and only in this
order: the TeamRouting rows of the teams involved (by team id), then the AgentProfile rows
of their online members (by user id). The tickets it changes are either new (not yet
visible to anyone) or waiting ones locked with SKIP LOCKED, so no transaction ever waits
for a lock while holding one taken later in that order: no deadlock, and two tickets that
arrive at once for a team are given out one after the other, the second seeing the first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from karcis.core.models import Channel, Organisation, Team, User
from karcis.core.permissions import user_can
from karcis.core.selectors import teams_of
from karcis.core.services import event_record
from karcis.desk import selectors as desk_selectors
from karcis.desk import services as desk_services
from karcis.messaging import selectors as messaging_selectors
from karcis.routing import events, permissions
from karcis.routing.language import LANGUAGES
from karcis.routing.models import (
    AUTOMATIC_MODES,
    AgentProfile,
    AgentStatus,
    Mode,
    RoutingRule,
    SkillRequirement,
    TeamRouting,
)
from karcis.routing.selectors import (
    TicketFacts,
    assignment_decision,
    config_forget,
    facts_of_ticket,
    mode_of,
    rule_for,
    team_members_profiles,
)

MAX_CONDITION_VALUES = 50
MAX_KEYWORD_LENGTH = 100
MAX_CAPACITY = 500
# How many waiting tickets one pass gives out per team at most (the next pass goes on).
WAITING_BATCH = 200


def _refuse_unless(actor: User, capability: str, message: str) -> None:
    if not user_can(actor, capability):
        raise ValidationError(message)


def _require_settings(actor: User) -> None:
    _refuse_unless(
        actor,
        permissions.SETTINGS_MANAGE,
        _("Only administrators may change routing and assignment."),
    )


# --- rules ----------------------------------------------------------------------------------


def _words(values: Iterable[str], *, field: str, limit: int = MAX_KEYWORD_LENGTH) -> list[str]:
    seen: dict[str, str] = {}
    for raw in values:
        value = " ".join(str(raw).split())
        if not value:
            continue
        if len(value) > limit:
            raise ValidationError(
                {field: _("Each value may be at most %(n)d characters.") % {"n": limit}}
            )
        seen.setdefault(value.casefold(), value)
    if len(seen) > MAX_CONDITION_VALUES:
        raise ValidationError({field: _("At most %(n)d values.") % {"n": MAX_CONDITION_VALUES}})
    return list(seen.values())


def split_values(text: str) -> list[str]:
    """Keywords or companies as people type them: one per line, or separated by commas or |."""
    return [part.strip() for part in re.split(r"[\n,|]", text) if part.strip()]


def _conditions(organisation: Organisation, data: dict[str, Any]) -> dict[str, Any]:
    """Checked condition lists, from those present in `data`."""
    clean: dict[str, Any] = {}
    if "categories" in data:
        wanted = {int(c if isinstance(c, int) else getattr(c, "pk", c)) for c in data["categories"]}
        known = {
            c.pk for c in desk_selectors.categories_of(organisation=organisation, active_only=False)
        }
        if wanted - known:
            raise ValidationError({"categories": _("Choose categories of your organisation.")})
        clean["categories"] = sorted(wanted)
    if "channels" in data:
        channels = sorted(set(data["channels"]))
        if set(channels) - set(Channel.values):
            raise ValidationError({"channels": _("Unknown channel.")})
        clean["channels"] = channels
    if "mailboxes" in data:
        wanted = {int(m if isinstance(m, int) else getattr(m, "pk", m)) for m in data["mailboxes"]}
        known = {m.pk for m in messaging_selectors.mailboxes_of(organisation_id=organisation.pk)}
        if wanted - known:
            raise ValidationError({"mailboxes": _("Choose mailboxes of your organisation.")})
        clean["mailboxes"] = sorted(wanted)
    if "languages" in data:
        languages = sorted(set(data["languages"]))
        if set(languages) - set(LANGUAGES):
            raise ValidationError({"languages": _("Unknown language.")})
        clean["languages"] = languages
    if "keywords" in data:
        clean["keywords"] = _words(data["keywords"], field="keywords")
    if "companies" in data:
        clean["companies"] = _words(data["companies"], field="companies", limit=150)
    return clean


def _check_team(team: Team, organisation: Organisation) -> Team:
    if team is None or team.organisation_id != organisation.pk:
        raise ValidationError({"team": _("Choose a team of your organisation.")})
    return team


def _name(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    if len(name) > 100:
        raise ValidationError({"name": _("At most %(n)d characters.") % {"n": 100}})
    return name


CONDITIONS = ("categories", "channels", "mailboxes", "languages", "keywords", "companies")


def rule_create(
    *,
    organisation: Organisation,
    actor: User,
    name: str,
    team: Team,
    is_active: bool = True,
    **conditions: Any,
) -> RoutingRule:
    """A new rule, tried after the existing ones."""
    _require_settings(actor)
    unknown = set(conditions) - set(CONDITIONS)
    if unknown:
        raise TypeError(f"Unknown conditions: {sorted(unknown)}")
    clean = _conditions(organisation, conditions)
    name = _name(name)
    _check_team(team, organisation)
    with transaction.atomic():
        last = (
            RoutingRule.objects.filter(organisation=organisation)
            .order_by("-position")
            .values_list("position", flat=True)
            .first()
        )
        rule = RoutingRule.objects.create(
            organisation=organisation,
            name=name,
            team=team,
            is_active=is_active,
            position=(last or 0) + 1,
            **clean,
        )
        event_record(
            organisation=organisation,
            type=events.RULE_CREATED,
            obj=rule,
            actor=actor,
            payload={"name": rule.name, "team": team.pk},
        )
        config_forget(organisation.pk)
    return rule


def rule_update(*, rule: RoutingRule, actor: User, **changes: Any) -> RoutingRule:
    """Change a rule's name, team, activity or conditions (only those given)."""
    _require_settings(actor)
    organisation = rule.organisation
    unknown = set(changes) - {"name", "team", "is_active", *CONDITIONS}
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    clean = _conditions(organisation, changes)
    if "name" in changes:
        clean["name"] = _name(changes["name"])
    if "team" in changes:
        clean["team"] = _check_team(changes["team"], organisation)
    if "is_active" in changes:
        clean["is_active"] = bool(changes["is_active"])
    changed = {key: value for key, value in clean.items() if getattr(rule, key) != value}
    if not changed:
        return rule
    with transaction.atomic():
        for key, value in changed.items():
            setattr(rule, key, value)
        rule.save(update_fields=sorted(changed))
        event_record(
            organisation=organisation,
            type=events.RULE_UPDATED,
            obj=rule,
            actor=actor,
            payload={
                "fields": {
                    key: (value.pk if isinstance(value, Team) else value)
                    for key, value in changed.items()
                }
            },
        )
        config_forget(organisation.pk)
    return rule


def rule_delete(*, rule: RoutingRule, actor: User) -> None:
    _require_settings(actor)
    organisation = rule.organisation
    with transaction.atomic():
        event_record(
            organisation=organisation,
            type=events.RULE_DELETED,
            obj=rule,
            actor=actor,
            payload={"name": rule.name},
        )
        rule.delete()
        config_forget(organisation.pk)


def rules_reorder(*, organisation: Organisation, actor: User, order: list[int]) -> None:
    """Put the organisation's rules in this order (every rule's id, once)."""
    _require_settings(actor)
    with transaction.atomic():
        rules = {
            rule.pk: rule
            for rule in RoutingRule.objects.select_for_update().filter(organisation=organisation)
        }
        if sorted(order) != sorted(rules) or len(set(order)) != len(order):
            raise ValidationError(_("The order must name every rule once."))
        for position, rule_id in enumerate(order, start=1):
            rule = rules[rule_id]
            if rule.position != position:
                rule.position = position
                rule.save(update_fields=["position"])
        first = rules[order[0]] if order else None
        if first is not None:
            event_record(
                organisation=organisation,
                type=events.RULES_REORDERED,
                obj=first,
                actor=actor,
                payload={"order": list(order)},
            )
        config_forget(organisation.pk)


def rule_move(*, rule: RoutingRule, actor: User, up: bool) -> None:
    """Move a rule one place up (tried earlier) or down."""
    order = list(
        RoutingRule.objects.filter(organisation_id=rule.organisation_id)
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )
    index = order.index(rule.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
        rules_reorder(organisation=rule.organisation, actor=actor, order=order)
    else:
        _require_settings(actor)


# --- teams and agents -----------------------------------------------------------------------


def team_mode_set(*, team: Team, mode: str, actor: User) -> TeamRouting:
    """How the team's tickets find their agent. Switching to an automatic mode gives the
    team's waiting tickets out at once."""
    _require_settings(actor)
    if mode not in Mode.values:
        raise ValidationError({"mode": _("Unknown assignment mode.")})
    organisation = team.organisation
    with transaction.atomic():
        routing, _created = TeamRouting.objects.select_for_update().get_or_create(
            organisation=organisation, team=team
        )
        if routing.mode != mode:
            old = routing.mode
            routing.mode = mode
            routing.save(update_fields=["mode"])
            event_record(
                organisation=organisation,
                type=events.TEAM_MODE_SET,
                obj=team,
                actor=actor,
                payload={"from": old, "to": mode},
            )
            config_forget(organisation.pk)
    if mode in AUTOMATIC_MODES:
        waiting_tickets_assign(organisation=organisation, team_ids=[team.pk])
    return routing


def _agent_check(agent: User, organisation_id: int | None) -> None:
    if not agent.is_staff_member or agent.organisation_id != organisation_id:
        raise ValidationError(_("Choose an agent of your organisation."))


def agent_status_set(*, agent: User, status: str, actor: User) -> AgentProfile:
    """Online, away or off: an agent sets their own; a supervisor may set anyone's. Going
    online gives the agent's teams' waiting tickets out at once."""
    if status not in AgentStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    _agent_check(agent, actor.organisation_id)
    if agent.pk == actor.pk:
        _refuse_unless(actor, permissions.STATUS_SET, _("Your role does not allow this."))
    else:
        _refuse_unless(
            actor,
            permissions.STATUS_MANAGE,
            _("Only supervisors may set another agent's status."),
        )
    organisation = actor.organisation
    assert organisation is not None
    team_ids = [team.pk for team in agent.teams.all()]
    with transaction.atomic():
        # The order of the module's docstring: the teams first, then the profiles.
        _lock_teams(organisation.pk, team_ids)
        profile = _profile_for_update(agent, organisation.pk)
        if profile.status != status:
            old = profile.status
            profile.status = status
            profile.status_changed_at = timezone.now()
            profile.save(update_fields=["status", "status_changed_at"])
            event_record(
                organisation=organisation,
                type=events.AGENT_STATUS_SET,
                obj=agent,
                actor=actor,
                payload={"from": old, "to": status},
            )
        if status == AgentStatus.ONLINE:
            _assign_waiting_locked(organisation, team_ids)
    return profile


def _profile_for_update(agent: User, organisation_id: int) -> AgentProfile:
    profile = AgentProfile.objects.select_for_update().filter(user=agent).first()
    if profile is None:
        profile, _created = AgentProfile.objects.get_or_create(
            organisation_id=organisation_id, user=agent
        )
    return profile


def _skills(values: Iterable[str]) -> list[str]:
    skills = sorted({slugify(str(v), allow_unicode=True) for v in values} - {""})
    if len(skills) > MAX_CONDITION_VALUES:
        raise ValidationError({"skills": _("At most %(n)d values.") % {"n": MAX_CONDITION_VALUES}})
    if any(len(skill) > 50 for skill in skills):
        raise ValidationError(
            {"skills": _("Each value may be at most %(n)d characters.") % {"n": 50}}
        )
    return skills


def agent_settings_set(
    *,
    agent: User,
    actor: User,
    capacity: int | None = None,
    skills: Iterable[str] | None = None,
) -> AgentProfile:
    """An agent's capacity (unsolved tickets at once, 0–500) and skills (short words). A
    higher capacity gives the agent's teams' waiting tickets out at once."""
    _require_settings(actor)
    _agent_check(agent, actor.organisation_id)
    organisation = actor.organisation
    assert organisation is not None
    changes: dict[str, Any] = {}
    if capacity is not None:
        if not 0 <= int(capacity) <= MAX_CAPACITY:
            raise ValidationError(
                {"capacity": _("Between 0 and %(n)d tickets.") % {"n": MAX_CAPACITY}}
            )
        changes["capacity"] = int(capacity)
    if skills is not None:
        changes["skills"] = _skills(skills)
    team_ids = [team.pk for team in agent.teams.all()]
    with transaction.atomic():
        _lock_teams(organisation.pk, team_ids)
        profile = _profile_for_update(agent, organisation.pk)
        changed = {k: v for k, v in changes.items() if getattr(profile, k) != v}
        if not changed:
            return profile
        grew = changed.get("capacity", 0) > profile.capacity
        for key, value in changed.items():
            setattr(profile, key, value)
        profile.save(update_fields=sorted(changed))
        event_record(
            organisation=organisation,
            type=events.AGENT_UPDATED,
            obj=agent,
            actor=actor,
            payload={"fields": changed},
        )
        if grew or "skills" in changed:
            _assign_waiting_locked(organisation, team_ids)
    return profile


def skills_required_set(
    *,
    organisation: Organisation,
    actor: User,
    skills: Iterable[str],
    category: Any = None,
    language: str = "",
) -> SkillRequirement | None:
    """The skills tickets of a category, or in a language, require (by skill-based teams);
    no skills removes the requirement."""
    _require_settings(actor)
    if (category is None) == (not language):
        raise ValueError("Name a category or a language, not both")
    if category is not None and category.organisation_id != organisation.pk:
        raise ValidationError({"category": _("Choose a category of your organisation.")})
    if language and language not in LANGUAGES:
        raise ValidationError({"language": _("Unknown language.")})
    clean = _skills(skills)
    lookup = {"category": category.pk} if category is not None else {"language": language}
    with transaction.atomic():
        existing = SkillRequirement.objects.filter(organisation=organisation, **lookup).first()
        if existing is not None and existing.skills == clean:
            return existing
        if not clean:
            if existing is None:
                return None
            requirement = existing
        elif existing is None:
            requirement = SkillRequirement.objects.create(
                organisation=organisation, skills=clean, **lookup
            )
        else:
            requirement = existing
            requirement.skills = clean
            requirement.save(update_fields=["skills"])
        event_record(
            organisation=organisation,
            type=events.SKILLS_REQUIRED_SET,
            obj=requirement,
            actor=actor,
            payload={
                "category": category.pk if category is not None else None,
                "language": language,
                "skills": clean,
            },
        )
        if not clean:
            requirement.delete()
            return None
    return requirement


# --- routing and assignment -----------------------------------------------------------------


@dataclass
class Routed:
    """What routing did to a ticket: the rule that chose its team, the agent it went to."""

    rule_id: int | None = None
    team_id: int | None = None
    assignee_id: int | None = None
    waits: bool = False


def _by_rule(rule_id: int, name: str) -> dict[str, Any]:
    return {"app": "routing", "kind": "rule", "id": rule_id, "name": name}


def _by_assignment(team: Team, mode: str, organisation: Organisation) -> dict[str, Any]:
    with translation.override(organisation.language):
        name = f"{team.name}: {Mode(mode).label}"
    return {"app": "routing", "kind": "assignment", "id": team.pk, "name": name}


def ticket_route(
    *, ticket: Any, origin: dict[str, Any] | None = None, now: datetime | None = None
) -> Routed:
    """Route a ticket: a team by the first matching active rule when it has none, then an
    agent by the team's mode when it has none. Inside the caller's transaction (a new
    ticket's: routing commits with it). The ticket given is brought up to date, so that
    whoever holds it (the service that created it, the API's answer) sees the outcome."""
    routed = Routed(team_id=ticket.team_id, assignee_id=ticket.assignee_id)
    organisation = ticket.organisation
    facts = facts_of_ticket(ticket, origin=origin)
    current = ticket
    if ticket.team_id is None:
        rule = rule_for(facts=facts)
        if rule is None:
            return routed
        team = teams_of(organisation=organisation).filter(pk=rule.team_id).first()
        if team is None:
            return routed
        current = desk_services.ticket_update_by_rule(
            ticket=ticket, by=_by_rule(rule.id, rule.name), team=team
        )
        RoutingRule.objects.filter(pk=rule.id).update(
            match_count=F("match_count") + 1, last_matched_at=timezone.now()
        )
        routed.rule_id, routed.team_id = rule.id, team.pk
    if current.assignee_id is None and current.team_id is not None:
        mode = mode_of(organisation_id=organisation.pk, team_id=current.team_id)
        state = (
            _lock_teams(organisation.pk, [current.team_id]).get(current.team_id)
            if mode in AUTOMATIC_MODES
            else None
        )
        if state is not None and state.mode in AUTOMATIC_MODES:
            current, assignee = _assign_one(
                ticket=current, state=state, facts=facts, now=now or timezone.now()
            )
            routed.assignee_id = assignee.pk if assignee else None
            routed.waits = assignee is None
    if current is not ticket:
        # Every column as the changes left it (the team and agent, the status, and what
        # other apps keep on the ticket, such as its SLA summary), and none of the related
        # rows read before routing (the SLA's clocks were computed for the team it had).
        for field in type(ticket)._meta.concrete_fields:
            setattr(ticket, field.attname, getattr(current, field.attname))
        for name in ("team", "assignee"):
            setattr(ticket, name, getattr(current, name))
        ticket.__dict__.pop("_prefetched_objects_cache", None)
    return routed


def _lock_teams(organisation_id: int, team_ids: Iterable[int]) -> dict[int, TeamRouting]:
    """The teams' routing rows, locked in team order (see the module's docstring)."""
    rows = (
        TeamRouting.objects.select_for_update(of=("self",))
        .select_related("team__organisation")
        .filter(organisation_id=organisation_id, team_id__in=sorted(set(team_ids)))
        .order_by("team_id")
    )
    return {row.team_id: row for row in rows}


def _lock_online_profiles(organisation_id: int, user_ids: Iterable[int]) -> None:
    """Lock the profiles of these agents, in user order: nobody else gives them a ticket
    (from another team) until this transaction ends, so their counts stay true."""
    list(
        AgentProfile.objects.select_for_update()
        .filter(organisation_id=organisation_id, user_id__in=sorted(set(user_ids)))
        .order_by("user_id")
        .values_list("pk", flat=True)
    )


def _assign_one(
    *,
    ticket: Any,
    state: TeamRouting,
    facts: TicketFacts | None,
    now: datetime,
    members: Any = None,
) -> tuple[Any, User | None]:
    """Give one ticket to the agent the team's mode picks: (the ticket as changed, the
    agent), with None when nobody can take it. Call holding the team's routing row (`_lock_teams`)."""
    team = state.team
    if members is None:
        members = team_members_profiles(team=team, online_only=True)
        _lock_online_profiles(team.organisation_id, [user.pk for user, _p in members])
    decision = assignment_decision(
        team=team,
        mode=state.mode,
        facts=facts,
        now=now,
        last_assignee_id=state.last_assignee_id,
        members=members,
    )
    if decision.chosen is None:
        return ticket, None
    agent = decision.chosen.user
    ticket = desk_services.ticket_update_by_rule(
        ticket=ticket,
        by=_by_assignment(team, state.mode, team.organisation),
        assignee=agent,
    )
    state.last_assignee = agent
    state.assigned_count += 1
    state.save(update_fields=["last_assignee", "assigned_count"])
    return ticket, agent


def _assign_waiting_locked(organisation: Organisation, team_ids: Iterable[int]) -> int:
    """Give out the waiting tickets of these teams, oldest first, while someone can take
    them. Call inside a transaction; takes the locks in the module's order."""
    states = _lock_teams(organisation.pk, team_ids)
    automatic = [state for state in states.values() if state.mode in AUTOMATIC_MODES]
    if not automatic:
        return 0
    per_team = {
        state.team_id: team_members_profiles(team=state.team, online_only=True)
        for state in automatic
    }
    _lock_online_profiles(
        organisation.pk, [user.pk for members in per_team.values() for user, _p in members]
    )
    now = timezone.now()
    given = 0
    for state in automatic:
        waiting = desk_selectors.tickets_waiting_in(
            organisation_id=organisation.pk, team_id=state.team_id, limit=WAITING_BATCH
        )
        for ticket in waiting:
            ticket.organisation = organisation
            facts = facts_of_ticket(ticket) if state.mode == Mode.SKILLS else None
            _ticket, agent = _assign_one(
                ticket=ticket, state=state, facts=facts, now=now, members=per_team[state.team_id]
            )
            if agent is None:
                if state.mode != Mode.SKILLS:
                    break  # nobody can take any: the rest wait too
                continue  # another ticket may need other skills
            given += 1
    return given


def waiting_tickets_assign(
    *, organisation: Organisation, team_ids: Iterable[int] | None = None
) -> int:
    """Give out the waiting tickets (unsolved, in a team, nobody holds them) of these teams,
    or of every team that assigns automatically, oldest first; returns how many went out.
    Called when capacity or availability appears: an agent goes online, an agent's ticket
    is solved, closed or given to someone else, working hours begin (a periodic job)."""
    if team_ids is None:
        team_ids = list(
            TeamRouting.objects.filter(
                organisation=organisation, mode__in=AUTOMATIC_MODES
            ).values_list("team_id", flat=True)
        )
    team_ids = list(team_ids)
    if not team_ids:
        return 0
    with transaction.atomic():
        return _assign_waiting_locked(organisation, team_ids)


def waiting_tickets_assign_everywhere() -> int:
    """The periodic pass: every organisation's automatic teams (working hours began, or a
    change the event consumer has not handled yet)."""
    from karcis.core.tenancy import for_each_organisation, organisation_ids_where

    organisations = organisation_ids_where(
        lambda: TeamRouting.objects.filter(mode__in=AUTOMATIC_MODES).values_list(
            "organisation_id", flat=True
        )
    )
    results = for_each_organisation(
        lambda organisation: waiting_tickets_assign(organisation=organisation),
        only=organisations,
    )
    return sum(results.values())
