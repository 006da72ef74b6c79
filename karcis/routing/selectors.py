"""Reads of routing: which rule a ticket matches, and whom a team's mode would pick.

`rule_for` and `assignment_decision` are the one place these decisions are made: the
services call them under the team's lock to act, the preview page calls them to explain.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from karcis.core.caching import forget, forget_when_changed
from karcis.core.models import Organisation, Team, User
from karcis.core.selectors import staff_of, teams_of
from karcis.desk import selectors as desk_selectors
from karcis.messaging import selectors as messaging_selectors
from karcis.routing import hours
from karcis.routing.language import ticket_language
from karcis.routing.models import (
    DEFAULT_CAPACITY,
    AgentProfile,
    AgentStatus,
    Mode,
    RoutingRule,
    SkillRequirement,
    TeamRouting,
)

# --- the facts a rule is matched against ----------------------------------------------------


@dataclass
class TicketFacts:
    """What rules and skills look at, read only when a rule asks for it (a new ticket pays
    for its first message's text only when some rule names keywords or languages)."""

    organisation_id: int
    channel: str
    category_id: int | None
    company: str = ""
    account_language: str = ""
    default_language: str = "id"
    load_text: Callable[[], str] = field(default=lambda: "", repr=False)
    load_mailbox_id: Callable[[], int | None] = field(default=lambda: None, repr=False)

    @cached_property
    def text(self) -> str:
        return self.load_text()

    @cached_property
    def mailbox_id(self) -> int | None:
        return self.load_mailbox_id()

    @cached_property
    def language(self) -> str:
        return ticket_language(
            account_language=self.account_language, text=self.text, default=self.default_language
        )


def facts_of_ticket(ticket: Any, *, origin: dict[str, Any] | None = None) -> TicketFacts:
    """The facts of a stored ticket (its requester and organisation at hand)."""
    requester = ticket.requester
    account = requester.user if requester.user_id else None

    def text() -> str:
        message = desk_selectors.ticket_first_message(ticket=ticket)
        return f"{ticket.subject}\n{message.body_text if message else ''}"

    def mailbox_id() -> int | None:
        inbound = (origin or {}).get("inbound_email")
        if inbound is not None:
            return messaging_selectors.mailbox_id_of_inbound(inbound_id=inbound)
        if ticket.channel != "email":
            return None
        return messaging_selectors.mailbox_id_of_ticket(ticket_id=ticket.pk)

    return TicketFacts(
        organisation_id=ticket.organisation_id,
        channel=ticket.channel,
        category_id=ticket.category_id,
        company=requester.company,
        account_language=account.language if account else "",
        default_language=ticket.organisation.language,
        load_text=text,
        load_mailbox_id=mailbox_id,
    )


# --- rules ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A routing rule as matching needs it (cached per organisation)."""

    id: int
    name: str
    team_id: int
    categories: frozenset[int]
    channels: frozenset[str]
    mailboxes: frozenset[int]
    languages: frozenset[str]
    keywords: tuple[str, ...]
    companies: frozenset[str]

    @cached_property
    def keyword_pattern(self) -> re.Pattern[str] | None:
        return keyword_pattern(self.keywords)

    def matches(self, facts: TicketFacts) -> bool:
        # Cheapest first: the text is read only when the rest already matched.
        if self.channels and facts.channel not in self.channels:
            return False
        if self.categories and facts.category_id not in self.categories:
            return False
        if self.companies and facts.company.strip().casefold() not in self.companies:
            return False
        if self.mailboxes and facts.mailbox_id not in self.mailboxes:
            return False
        if self.languages and facts.language not in self.languages:
            return False
        pattern = self.keyword_pattern
        return pattern is None or pattern.search(facts.text) is not None


def keyword_pattern(keywords: Iterable[str]) -> re.Pattern[str] | None:
    """Any of the keywords as whole words, without regard to case; a keyword of several
    words matches them with any spacing ("internet  mati")."""
    parts = [
        r"\s+".join(re.escape(word) for word in keyword.split())
        for keyword in keywords
        if keyword.strip()
    ]
    if not parts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class RoutingConfig:
    """An organisation's active rules in order and its teams' modes, read together and
    cached: every new ticket asks, and they change only when an admin edits them."""

    rules: tuple[Rule, ...]
    modes: dict[int, str]


CONFIG_CACHE_SECONDS = 600


def config_cache_key(organisation_id: int) -> str:
    return f"karcis:routing:config:v1:{organisation_id}"


def config_of(*, organisation_id: int) -> RoutingConfig:
    key = config_cache_key(organisation_id)
    found: RoutingConfig | None = cache.get(key)
    if found is None:
        rules = tuple(
            Rule(
                id=row.pk,
                name=row.name,
                team_id=row.team_id,
                categories=frozenset(row.categories),
                channels=frozenset(row.channels),
                mailboxes=frozenset(row.mailboxes),
                languages=frozenset(row.languages),
                keywords=tuple(row.keywords),
                companies=frozenset(c.strip().casefold() for c in row.companies),
            )
            for row in RoutingRule.objects.filter(
                organisation_id=organisation_id, is_active=True
            ).order_by("position", "id")
        )
        modes = dict(
            TeamRouting.objects.filter(organisation_id=organisation_id)
            .exclude(mode=Mode.MANUAL)
            .values_list("team_id", "mode")
        )
        found = RoutingConfig(rules=rules, modes=modes)
        cache.set(key, found, timeout=CONFIG_CACHE_SECONDS)
    return found


def config_forget(organisation_id: int) -> None:
    forget(config_cache_key(organisation_id))


def forget_on_change() -> None:
    forget_when_changed(
        ("routing.RoutingRule", "routing.TeamRouting"),
        lambda row: [config_cache_key(row.organisation_id)],
        uid="routing-config",
    )


def rule_for(*, facts: TicketFacts) -> Rule | None:
    """The first active rule, in order, that the ticket matches."""
    for rule in config_of(organisation_id=facts.organisation_id).rules:
        if rule.matches(facts):
            return rule
    return None


def mode_of(*, organisation_id: int, team_id: int) -> str:
    return config_of(organisation_id=organisation_id).modes.get(team_id, Mode.MANUAL)


# --- whom a team's mode picks ---------------------------------------------------------------


@dataclass
class Candidate:
    """A member of the team as assignment sees them, and why they can or cannot take it."""

    user: User
    status: str
    capacity: int
    load: int
    skills: frozenset[str]
    refusal: str = ""  # empty: may take the ticket

    @property
    def eligible(self) -> bool:
        return not self.refusal


@dataclass
class Decision:
    mode: str
    candidates: list[Candidate]
    chosen: Candidate | None
    reason: str
    required_skills: frozenset[str] = frozenset()

    @property
    def mode_label(self) -> str:
        """The mode in words, in the reader's language."""
        try:
            return str(Mode(self.mode).label)
        except ValueError:
            return self.mode


def required_skills_for(*, organisation_id: int, facts: TicketFacts) -> frozenset[str]:
    """The skills the ticket's category and its language require (their union)."""
    rows = SkillRequirement.objects.filter(organisation_id=organisation_id)
    wanted: set[str] = set()
    for row in rows:
        if (row.category is not None and row.category == facts.category_id) or (
            row.language and row.language == facts.language
        ):
            wanted.update(row.skills)
    return frozenset(wanted)


def team_members_profiles(
    *, team: Team, online_only: bool
) -> list[tuple[User, AgentProfile | None]]:
    """The team's active staff with their profile (None: never set one, so off)."""
    members = staff_of(organisation=team.organisation).filter(teams=team).order_by("pk")
    if online_only:
        members = members.filter(agent_profile__status=AgentStatus.ONLINE)
    profiles = {
        profile.user_id: profile
        for profile in AgentProfile.objects.filter(
            organisation_id=team.organisation_id, user__in=members
        )
    }
    return [(user, profiles.get(user.pk)) for user in members]


def assignment_decision(
    *,
    team: Team,
    mode: str,
    facts: TicketFacts | None,
    now: datetime,
    last_assignee_id: int | None,
    members: list[tuple[User, AgentProfile | None]] | None = None,
    loads: dict[int, int] | None = None,
) -> Decision:
    """Whom `mode` picks among the team's members now, and why; nobody → the ticket waits.

    Only an agent who is online, inside the team's working hours, under their capacity
    (unsolved tickets held, in any team) and, by skill, holding every required skill, may
    take it. Round-robin: the next such agent after the last one given a ticket, in a
    fixed order; least open: the fewest unsolved tickets, ties broken in round-robin
    order; skill-based: least open among the agents with the skills.
    """
    if members is None:
        members = team_members_profiles(team=team, online_only=False)
    if loads is None:
        loads = desk_selectors.unsolved_counts_of(
            organisation_id=team.organisation_id, user_ids=[user.pk for user, _p in members]
        )
    required = (
        required_skills_for(organisation_id=team.organisation_id, facts=facts)
        if mode == Mode.SKILLS and facts is not None
        else frozenset()
    )
    open_now = hours.inside_working_hours(
        organisation_id=team.organisation_id, team_id=team.pk, now=now
    )
    candidates: list[Candidate] = []
    for user, profile in members:
        candidate = Candidate(
            user=user,
            status=profile.status if profile else AgentStatus.OFF,
            capacity=profile.capacity if profile else DEFAULT_CAPACITY,
            load=loads.get(user.pk, 0),
            skills=frozenset(profile.skills) if profile else frozenset(),
        )
        if candidate.status != AgentStatus.ONLINE:
            candidate.refusal = _("Not online (%(status)s).") % {
                "status": AgentStatus(candidate.status).label
            }
        elif not open_now:
            candidate.refusal = _("Outside the team's working hours.")
        elif candidate.load >= candidate.capacity:
            candidate.refusal = _("At capacity (%(load)d of %(capacity)d).") % {
                "load": candidate.load,
                "capacity": candidate.capacity,
            }
        elif required and not required <= candidate.skills:
            candidate.refusal = _("Lacks the skills: %(skills)s.") % {
                "skills": ", ".join(sorted(required - candidate.skills))
            }
        candidates.append(candidate)
    decision = Decision(
        mode=mode, candidates=candidates, chosen=None, reason="", required_skills=required
    )
    if mode == Mode.MANUAL:
        decision.reason = _("The team assigns by hand: the ticket stays unassigned.")
        return decision
    eligible = [c for c in candidates if c.eligible]
    if not eligible:
        decision.reason = _("Nobody can take it now: the ticket waits for an available agent.")
        return decision
    # The round's order: members after the last one given a ticket, then from the start.
    after = last_assignee_id or 0
    in_round = sorted(eligible, key=lambda c: (c.user.pk <= after, c.user.pk))
    if mode == Mode.ROUND_ROBIN:
        decision.chosen = in_round[0]
        decision.reason = _("Next in the round among the available agents.")
    else:
        decision.chosen = min(in_round, key=lambda c: c.load)  # min keeps the first of ties
        decision.reason = _("Fewest unsolved tickets (%(load)d) among the available agents.") % {
            "load": decision.chosen.load
        }
    return decision


def team_routing_of(*, team: Team) -> TeamRouting | None:
    return TeamRouting.objects.filter(team=team).first()


# --- settings pages -------------------------------------------------------------------------


def rules_of(*, organisation: Organisation) -> QuerySet[RoutingRule]:
    return RoutingRule.objects.filter(organisation=organisation).select_related("team")


def agent_profiles_of(*, organisation: Organisation) -> dict[int, AgentProfile]:
    return {
        profile.user_id: profile
        for profile in AgentProfile.objects.filter(organisation=organisation)
    }


def agent_profile_of(*, user: User) -> AgentProfile | None:
    return AgentProfile.objects.filter(user=user).first()


def skill_requirements_of(*, organisation: Organisation) -> QuerySet[SkillRequirement]:
    return SkillRequirement.objects.filter(organisation=organisation).order_by(
        "language", "category"
    )


@dataclass
class Preview:
    """What routing would do with a ticket now: the rule, the team, whom the team's mode
    would pick and why."""

    facts: TicketFacts
    rule: Rule | None
    team: Team | None
    decision: Decision | None
    ticket: Any = None


def routing_preview(
    *, organisation: Organisation, facts: TicketFacts, now: datetime, ticket: Any = None
) -> Preview:
    rule = rule_for(facts=facts)
    team_id = rule.team_id if rule else None
    if ticket is not None and ticket.team_id is not None:
        team_id = ticket.team_id
    team = (
        teams_of(organisation=organisation)
        .select_related("organisation")
        .filter(pk=team_id)
        .first()
        if team_id
        else None
    )
    decision = None
    if team is not None:
        state = team_routing_of(team=team)
        decision = assignment_decision(
            team=team,
            mode=state.mode if state else Mode.MANUAL,
            facts=facts,
            now=now,
            last_assignee_id=state.last_assignee_id if state else None,
        )
    return Preview(facts=facts, rule=rule, team=team, decision=decision, ticket=ticket)


def facts_typed(
    *,
    organisation: Organisation,
    subject: str,
    text: str,
    channel: str,
    category_id: int | None,
    company: str,
    account_language: str,
) -> TicketFacts:
    """The facts of a ticket described in the preview's form."""
    return TicketFacts(
        organisation_id=organisation.pk,
        channel=channel,
        category_id=category_id,
        company=company,
        account_language=account_language,
        default_language=organisation.language,
        load_text=lambda: f"{subject}\n{text}",
    )


def team_routings_of(*, organisation: Organisation) -> QuerySet[TeamRouting]:
    return TeamRouting.objects.filter(organisation=organisation)
