"""Every write of the SLA: policies, the clocks of a ticket, and what time alone brings.

A ticket's clocks are recomputed from its event history (karcis.sla.clocks) inside the
transaction of each change that can move them (an in-transaction subscriber of the desk's
events, decision 0023): the ticket and its due times commit together, so the page and the
API that show the change show its due times too. The periodic scan (`clocks_due_announce`,
every 20 seconds) announces what time alone brings: a clock at risk, a clock breached,
exactly once per cycle however many schedulers run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from karcis.calendars import selectors as calendars
from karcis.calendars.hours import Hours
from karcis.core.caching import forget, read_through
from karcis.core.models import Channel, Contact, Event, Organisation, Team, User
from karcis.core.permissions import user_can
from karcis.core.rows import row_update, rows_update, rows_upsert, values_where
from karcis.core.services import event_record
from karcis.desk import events as desk_events
from karcis.desk import selectors as desk_selectors
from karcis.desk import services as desk
from karcis.sla import clocks as clockwork
from karcis.sla import events, permissions
from karcis.sla.models import RUNNING_STATES, ClockState, SlaClock, SlaPolicy, Target

SCAN_SECONDS = 20.0
SCAN_BATCH = 200

# --- policies, as the clocks read them -----------------------------------------------------


def _policies_key(organisation_id: int) -> str:
    return f"sla:policies:{organisation_id}"


def policies_of(*, organisation_id: int) -> list[SlaPolicy]:
    """The organisation's active policies, first match first; cached until one changes."""
    return read_through(  # type: ignore[no-any-return]
        _policies_key(organisation_id),
        lambda: list(
            SlaPolicy.objects.filter(organisation_id=organisation_id, is_active=True)
            .select_related("calendar")
            .order_by("position", "id")
        ),
        timeout=3600,
    )


def forget_policies(organisation_id: int) -> list[str]:
    return [_policies_key(organisation_id)]


def policy_matches(
    policy: SlaPolicy,
    *,
    priority: str,
    category_id: int | None,
    team_id: int | None,
    channel: str,
    requester: Callable[[], Contact],
) -> bool:
    """Whether every condition of the policy holds for a ticket with these properties
    (`requester()` is asked only by a condition on the requester)."""
    if policy.priorities and priority not in policy.priorities:
        return False
    if policy.categories and category_id not in policy.categories:
        return False
    if policy.teams and team_id not in policy.teams:
        return False
    if policy.channels and channel not in policy.channels:
        return False
    if policy.companies:
        company = requester().company.casefold()
        if company not in {name.casefold() for name in policy.companies}:
            return False
    return policy.vip is None or policy.vip == requester().vip


def policy_for_ticket(ticket: Any) -> SlaPolicy | None:
    """The first active policy whose conditions hold for the ticket as it is now."""
    for policy in policies_of(organisation_id=ticket.organisation_id):
        if policy_matches(
            policy,
            priority=ticket.priority,
            category_id=ticket.category_id,
            team_id=ticket.team_id,
            channel=ticket.channel,
            requester=lambda: ticket.requester,
        ):
            return policy
    return None


def hours_of_policy(policy: SlaPolicy, *, organisation: Organisation, team_id: int | None) -> Hours:
    """The hours a policy's clocks count: calendar time in the organisation's zone, or the
    business hours of the policy's calendar, else of the team's, else the organisation's."""
    if not policy.business_time:
        return calendars.hours_around_the_clock(organisation.time_zone)
    if policy.calendar is not None:
        return calendars.hours_of(calendar=policy.calendar)
    return calendars.hours_for(organisation_id=organisation.pk, team_id=team_id)


TARGETS = tuple(Target.values)


def rules_of(policy: SlaPolicy) -> list[clockwork.Rules]:
    pause = frozenset(policy.pause_statuses or ())
    return [
        clockwork.Rules(
            target=target,
            minutes=minutes,
            warning_percent=policy.warning_percent,
            pause_statuses=pause if target == Target.RESOLUTION else frozenset(),
        )
        for target in TARGETS
        if (minutes := policy.minutes_for(target))
    ]


# --- a ticket's history and clocks --------------------------------------------------------

HISTORY_TYPES = frozenset(
    {
        desk_events.TICKET_CREATED.name,
        desk_events.STATUS_CHANGED.name,
        desk_events.REPLY_ADDED.name,
        desk_events.MERGED.name,
        events.WARNING.name,
        events.BREACHED.name,
    }
)
# What the scan announced of each target's cycle: (warned_at, breached_at).
Announced = dict[tuple[str, int], tuple[datetime | None, datetime | None]]


def history_of(
    *, ticket_id: int, created_at: datetime, status: str
) -> tuple[clockwork.History, Announced]:
    """What the clocks read of the ticket's event history, and what the scan has announced
    of each cycle (its own sla.warning and sla.breached events are in the same history):
    one statement over the ticket's events (index event_subject), built once."""
    rows = [
        row
        for row in values_where(
            Event,
            ("type", "created_at", "actor", "actor_contact", "payload"),
            where={"object_type": "desk.ticket", "object_id": ticket_id},
        )
        if row[0] in HISTORY_TYPES
    ]
    statuses: list[tuple[datetime, str]] = []
    customer: list[datetime] = []
    agent: list[datetime] = []
    announced: Announced = {}
    opened_with: str | None = None
    for type, when, actor_id, contact_id, payload in rows:
        payload = payload or {}
        if type == desk_events.STATUS_CHANGED.name:
            if opened_with is None:
                opened_with = payload.get("from")
            statuses.append((when, payload.get("to", "")))
        elif type == desk_events.MERGED.name:
            statuses.append((when, "closed"))
        elif type == desk_events.REPLY_ADDED.name:
            if actor_id is not None and "by" not in payload:
                agent.append(when)
            elif contact_id is not None and not payload.get("automatic"):
                customer.append(when)
        else:  # the scan's announcements
            key = (payload.get("target", ""), payload.get("cycle", 1))
            warned_at, breached_at = announced.get(key, (None, None))
            if type == events.WARNING.name:
                warned_at = when
            else:
                breached_at = _moment(payload.get("due_at")) or when
            announced[key] = (warned_at, breached_at)
    # The status it opened with: the first change says where it came from; without any
    # change, it is the status it has.
    statuses.insert(0, (created_at, opened_with or status))
    history = clockwork.History(
        created_at=created_at, statuses=statuses, customer_messages=customer, agent_replies=agent
    )
    return history, announced


def _moment(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


# How long after a late answer its breach is still announced: long enough for a scheduler
# that was down to catch up (core.schedule's window), not so long that a policy changed
# today announces answers given weeks ago.
LATE_ANSWER_ANNOUNCED = timedelta(hours=12)


def _next_check(clock: SlaClock, now: datetime) -> datetime | None:
    """When time alone will next change what this clock says (the scan's index)."""
    if clock.breached_at is not None or clock.due_at is None:
        return None
    if clock.state in (ClockState.MET, ClockState.PAUSED):
        return None
    if clock.met_at is not None:
        # Answered late: the breach is still to be announced, if the answer is recent.
        return clock.due_at if now - clock.met_at <= LATE_ANSWER_ANNOUNCED else None
    if clock.warned_at is None and clock.warn_at is not None and clock.warn_at < clock.due_at:
        return clock.warn_at
    return clock.due_at


def ticket_clocks_compute(
    *, ticket: Any, now: datetime | None = None, new: bool = False
) -> list[SlaClock]:
    """Recompute a ticket's clocks from its history and the policy that matches it now;
    keep its summary on the ticket. Call inside the transaction of the change. `new`: the
    ticket was opened in this transaction (no clocks yet, no history but its opening).

    A warning or a breach already announced in a cycle stays announced (the history holds
    the announcements): a later change (a lower priority, a longer target) moves the due
    time, never the past. The clocks are written in one statement, whatever stood before
    (16 columns a clock: three clocks stay under psycopg's 50 parameters for a statement
    whose parsing it keeps).
    """
    now = now or timezone.now()
    policy = policy_for_ticket(ticket)
    if policy is None:
        if ticket.sla_state:  # it had clocks: none applies any more
            SlaClock.objects.filter(ticket_id=ticket.pk).delete()
            desk.ticket_sla_summary_set(ticket=ticket, state="", due_at=None)
        return []
    hours = hours_of_policy(policy, organisation=ticket.organisation, team_id=ticket.team_id)
    announced: Announced = {}
    if new:
        history = clockwork.History(
            created_at=ticket.created_at, statuses=[(ticket.created_at, ticket.status)]
        )
    else:
        history, announced = history_of(
            ticket_id=ticket.pk, created_at=ticket.created_at, status=ticket.status
        )
    rules = rules_of(policy)
    kept = []
    for result in clockwork.clocks_of(rules, hours, history, now):
        warned_at, breached_at = announced.get((result.target, result.cycle), (None, None))
        clock = SlaClock(
            organisation_id=ticket.organisation_id,
            ticket_id=ticket.pk,
            target=result.target,
            policy=policy,
            cycle=result.cycle,
            target_minutes=result.target_minutes,
            business_time=policy.business_time,
            started_at=result.started_at,
            due_at=result.due_at,
            warn_at=result.warn_at,
            met_at=result.met_at,
            remaining_seconds=(
                int(result.remaining.total_seconds()) if result.remaining is not None else None
            ),
            warned_at=warned_at,
            breached_at=breached_at,
            # An announced breach stands; the state otherwise follows from the history.
            state=ClockState.BREACHED if breached_at is not None else result.state,
        )
        clock.next_check_at = _next_check(clock, now)
        kept.append(clock)
    # The clocks, and the ticket's summary when it moved: one statement on PostgreSQL.
    state, due_at = _summary_of(kept)
    summary = None
    if state != ticket.sla_state or due_at != ticket.sla_due_at:
        ticket.sla_state, ticket.sla_due_at = state, due_at
        summary = (ticket, desk.SLA_SUMMARY_FIELDS)
    rows_upsert(kept, unique=("ticket", "target"), then=summary)
    if len(rules) < len(TARGETS) and not new:
        # A target this policy does not set may stand from another policy. (With every
        # target set, nothing can: a target once computed is computed again, the history
        # only growing.)
        SlaClock.objects.filter(ticket_id=ticket.pk).exclude(
            target__in=[clock.target for clock in kept]
        ).delete()
    return kept


def _summary_of(kept: Sequence[SlaClock]) -> tuple[str, datetime | None]:
    return clockwork.summary_of(
        (clock.state, clock.due_at, clock.met_at is None and clock.state in RUNNING_STATES)
        for clock in kept
    )


def recompute_on(event: Event) -> None:
    """In-transaction subscriber: a change that can move the clocks recomputes them."""
    ticket = event.instance
    if ticket is None or getattr(ticket, "pk", None) != event.object_id:
        ticket = desk_selectors.ticket_get(ticket_id=event.object_id)
        if ticket is None:
            return
    new = event.type == desk_events.TICKET_CREATED.name
    kept = ticket_clocks_compute(ticket=ticket, now=event.created_at, new=new)
    if new:
        remember_clocks(ticket, kept)


def remember_clocks(ticket: Any, clocks: list[SlaClock]) -> None:
    """Leave the clocks on the ticket as a prefetch would: the answer that shows the new
    ticket (the API's 201) reads them without asking the database again."""
    known = SlaClock.objects.none()
    known._result_cache = list(clocks)
    setattr(known, "_prefetch_done", True)  # noqa: B010 (not in the stubs)
    ticket.__dict__.setdefault("_prefetched_objects_cache", {})["sla_clocks"] = known


RECOMPUTE_ON = (
    desk_events.TICKET_CREATED,
    desk_events.STATUS_CHANGED,
    desk_events.REPLY_ADDED,
    desk_events.PRIORITY_CHANGED,
    desk_events.CATEGORY_CHANGED,
    desk_events.TEAM_CHANGED,
    desk_events.MERGED,
)


def tickets_recompute(*, organisation: Organisation, batch: int = 500) -> int:
    """Recompute the clocks of every unsolved ticket of the organisation (after a policy or
    a calendar changed); returns how many tickets. Each batch commits on its own."""
    done = 0
    last = 0
    while True:
        with transaction.atomic():
            tickets = desk_selectors.tickets_for_clocks(
                organisation_id=organisation.pk, after=last, limit=batch
            )
            for ticket in tickets:
                ticket_clocks_compute(ticket=ticket)
        if not tickets:
            return done
        done += len(tickets)
        last = tickets[-1].pk


# --- what time alone brings -----------------------------------------------------------------


def clocks_due_announce(*, now: datetime | None = None, batch: int = SCAN_BATCH) -> int:
    """Announce every warning and breach whose moment has come; returns how many.

    Two schedulers may run this at once: each clock is locked and checked again before it
    is announced, and `warned_at`/`breached_at` are set in the same transaction as the
    event, so each is announced once.
    """
    now = now or timezone.now()
    announced = 0
    last_seen: tuple[datetime | None, int] | None = None
    while True:
        with scopes_disabled():
            due = SlaClock.objects.filter(next_check_at__lte=now)
            if last_seen is not None:
                moment, pk = last_seen
                due = due.filter(next_check_at__gte=moment).exclude(
                    next_check_at=moment, pk__lte=pk
                )
            rows = list(
                due.order_by("next_check_at", "pk").values_list(
                    "pk", "organisation_id", "next_check_at"
                )[:batch]
            )
        if not rows:
            return announced
        by_organisation: dict[int, list[int]] = {}
        for pk, organisation_id, _moment in rows:
            by_organisation.setdefault(organisation_id, []).append(pk)
        for organisation_id, pks in by_organisation.items():
            with scope(organisation=organisation_id):
                announced += _announce_batch(pks, now=now)
        last_seen = (rows[-1][2], rows[-1][0])


def _announce_batch(pks: list[int], *, now: datetime) -> int:
    announced = 0
    with transaction.atomic():
        # The tickets first, then their clocks: the order in which every change of a
        # ticket takes them (the ticket's row, then its clocks' rows), so a scan and an
        # agent's reply never wait for each other in a circle. The batch's tickets are read
        # in that one statement.
        ticket_ids = list(
            SlaClock.objects.filter(pk__in=pks).values_list("ticket_id", flat=True).distinct()
        )
        tickets = desk_selectors.tickets_locked(ticket_ids=ticket_ids)
        # Only the clocks' rows ("of self"): FOR UPDATE over the join would lock the
        # organisation's row too, and every write that refers to it (a new ticket, a
        # message, an event) would wait for the batch's commit.
        clocks = list(
            SlaClock.objects.select_for_update(of=("self",))
            .select_related("policy", "organisation")
            .filter(pk__in=pks, next_check_at__lte=now)
            .order_by("pk")
        )
        touched: set[int] = set()
        written: list[SlaClock] = []  # announced clocks, written together at the end
        for clock in clocks:
            ticket = tickets.get(clock.ticket_id)
            if ticket is None:  # deleted meanwhile
                continue
            actions = _announce(clock, ticket, now=now)
            if actions is None:
                continue
            announced += 1
            touched.add(ticket.pk)
            changes = _escalation_changes(ticket, actions)
            if not changes:
                written.append(clock)
                continue
            # An escalation that raises the priority or moves the team recomputes the
            # ticket's clocks from its history (this announcement's event included): the
            # clock is written first, and the recomputation has the last word.
            row_update(clock, ANNOUNCED_FIELDS)
            by = {"app": "sla", "kind": "policy", "id": clock.policy_id, "name": clock.policy.name}
            tickets[ticket.pk] = desk.ticket_update_by_rule(ticket=ticket, by=by, at=now, **changes)
        rows_update(written, ANNOUNCED_FIELDS)
        _summaries_keep(tickets, touched)
    return announced


ANNOUNCED_FIELDS = ("warned_at", "breached_at", "state", "next_check_at")


def _summaries_keep(tickets: dict[int, Any], touched: set[int]) -> None:
    """Each announced ticket's summary, from its clocks as they now stand (one query, of
    the three columns a summary reads), written together."""
    if not touched:
        return
    by_ticket: dict[int, list[tuple[str, datetime | None, bool]]] = {}
    rows = SlaClock.objects.filter(ticket_id__in=touched).values_list(
        "ticket_id", "state", "due_at", "met_at"
    )
    for ticket_id, state, due_at, met_at in rows:
        running = met_at is None and state in RUNNING_STATES
        by_ticket.setdefault(ticket_id, []).append((state, due_at, running))
    changed = []
    for ticket_id in sorted(touched):
        ticket = tickets[ticket_id]
        state, due_at = clockwork.summary_of(by_ticket.get(ticket_id, []))
        if state != ticket.sla_state or due_at != ticket.sla_due_at:
            changed.append((ticket, state, due_at))
    desk.tickets_sla_summary_set(summaries=changed)


def _announce(clock: SlaClock, ticket: Any, *, now: datetime) -> dict[str, Any] | None:
    """Announce what has come for one locked clock of the locked `ticket`, its warning or
    its breach: the event, and the clock's new values (written by the caller). Returns
    what the policy asks to do about it ({} for nothing), or None when nothing was due."""
    policy = clock.policy
    payload = {
        "target": clock.target,
        "policy": policy.pk,
        "cycle": clock.cycle,
        "due_at": clock.due_at.isoformat() if clock.due_at else None,
    }
    actions: dict[str, Any] | None = None
    if clock.breached_at is None and clock.due_at is not None and clock.due_at <= now:
        clock.breached_at = clock.due_at
        clock.state = ClockState.BREACHED
        event_record(
            organisation=clock.organisation,
            type=events.BREACHED,
            obj=ticket,
            payload=payload,
            at=now,
        )
        # A late answer already came: nothing left to speed up.
        actions = (policy.on_breach or {}) if clock.met_at is None else {}
    elif (
        clock.warned_at is None
        and clock.breached_at is None
        and clock.warn_at is not None
        and clock.warn_at <= now
        and clock.met_at is None
    ):
        clock.warned_at = now  # when it was said (as the history's event says)
        clock.state = ClockState.AT_RISK
        event_record(
            organisation=clock.organisation,
            type=events.WARNING,
            obj=ticket,
            payload={**payload, "percent": policy.warning_percent},
            at=now,
        )
        actions = policy.on_warning or {}
    if clock.met_at is not None and clock.breached_at is not None:
        clock.state = ClockState.BREACHED
    clock.next_check_at = _next_check(clock, now)
    return actions


def _escalation_changes(ticket: Any, actions: dict[str, Any]) -> dict[str, Any]:
    """What the policy's actions would change on the ticket: raise the priority one step,
    move it to a team, add a tag (notifying is the notifications consumer's part: it reads
    the event)."""
    if ticket.is_closed or not actions:
        return {}
    changes: dict[str, Any] = {}
    if actions.get("raise_priority"):
        order = desk.Priority.values  # lowest first
        if ticket.priority in order and ticket.priority != order[-1]:
            changes["priority"] = order[order.index(ticket.priority) + 1]
    team_id = actions.get("team")
    if team_id and team_id != ticket.team_id:
        team = Team.objects.filter(pk=team_id, organisation_id=ticket.organisation_id).first()
        if team is not None:
            changes["team"] = team
    tag = (actions.get("tag") or "").strip()
    if tag:
        names = {t.name for t in ticket.tags.all()}
        if tag not in names:
            changes["tags"] = sorted(names | {tag})
    return changes


# --- managing policies ----------------------------------------------------------------------

TARGET_FIELDS = ("first_response_minutes", "next_response_minutes", "resolution_minutes")
# The statuses a policy may name as pausing: the unsolved ones, with their labels.
PAUSABLE_STATUSES = [
    (value, label)
    for value, label in desk.Status.choices
    if value in desk_selectors.UNSOLVED_STATUSES
]
ESCALATION_KEYS = {"notify", "raise_priority", "team", "tag"}
MAX_MINUTES = 366 * 24 * 60


def _require(actor: User | None) -> None:
    if actor is not None and not user_can(actor, permissions.POLICIES_MANAGE):
        raise ValidationError(
            _("Your role does not allow managing SLA policies."), code="permission"
        )


def _clean_list(
    value: Any, allowed: Iterable[Any], field: str, errors: dict[str, Any]
) -> list[Any]:
    allowed = set(allowed)
    items = list(dict.fromkeys(value or []))
    wrong = [item for item in items if item not in allowed]
    if wrong:
        errors[field] = _("Unknown values: %(values)s.") % {
            "values": ", ".join(str(item) for item in wrong)
        }
    return items


def _clean_escalation(
    value: Any, field: str, *, team_ids: set[int], errors: dict[str, Any]
) -> dict[str, Any]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict) or set(value) - ESCALATION_KEYS:
        errors[field] = _("Escalation takes notify, raise_priority, team and tag.")
        return {}
    team = value.get("team")
    if team not in (None, "") and team not in team_ids:
        errors[field] = _("Unknown team: %(team)s.") % {"team": team}
    tag = str(value.get("tag") or "").strip()[:50]
    return {
        "notify": bool(value.get("notify")),
        "raise_priority": bool(value.get("raise_priority")),
        "team": team or None,
        "tag": tag,
    }


def _clean(organisation: Organisation, data: dict[str, Any]) -> dict[str, Any]:
    """Validated policy fields from `data` (only those present); ValidationError names each
    wrong field in the user's language."""
    errors: dict[str, Any] = {}
    clean: dict[str, Any] = {}
    team_ids = set(Team.objects.filter(organisation=organisation).values_list("pk", flat=True))
    if "name" in data:
        name = " ".join(str(data["name"] or "").split())[:100]
        if not name:
            errors["name"] = _("A name is required.")
        clean["name"] = name
    if "description" in data:
        clean["description"] = str(data["description"] or "")[:300]
    if "is_active" in data:
        clean["is_active"] = bool(data["is_active"])
    if "priorities" in data:
        clean["priorities"] = _clean_list(
            data["priorities"], desk.Priority.values, "priorities", errors
        )
    if "channels" in data:
        clean["channels"] = _clean_list(data["channels"], Channel.values, "channels", errors)
    if "teams" in data:
        clean["teams"] = _clean_list(data["teams"], team_ids, "teams", errors)
    if "categories" in data:
        clean["categories"] = _clean_list(
            data["categories"],
            desk_selectors.category_ids_of(organisation=organisation),
            "categories",
            errors,
        )
    if "companies" in data:
        clean["companies"] = [
            " ".join(str(c).split())[:150] for c in data["companies"] or [] if str(c).strip()
        ]
    if "vip" in data:
        clean["vip"] = None if data["vip"] is None else bool(data["vip"])
    for field in TARGET_FIELDS:
        if field in data:
            value = data[field]
            if value in (None, ""):
                clean[field] = None
                continue
            try:
                minutes = int(value)
            except (TypeError, ValueError):
                minutes = -1
            if not 1 <= minutes <= MAX_MINUTES:
                errors[field] = _("A target is a whole number of minutes, from 1 to %(max)d.") % {
                    "max": MAX_MINUTES
                }
            clean[field] = minutes
    if "business_time" in data:
        clean["business_time"] = bool(data["business_time"])
    if "calendar" in data:
        calendar = data["calendar"]
        if calendar in (None, ""):
            clean["calendar"] = None
        else:
            calendar_id = calendar.pk if hasattr(calendar, "pk") else calendar
            found = calendars.calendar_of(organisation_id=organisation.pk, pk=calendar_id)
            if found is None:
                errors["calendar"] = _("Unknown calendar.")
            clean["calendar"] = found
    if "warning_percent" in data:
        try:
            percent = int(data["warning_percent"])
        except (TypeError, ValueError):
            percent = 0
        if not 1 <= percent <= 99:
            errors["warning_percent"] = _("The warning comes at 1 to 99 percent of the target.")
        clean["warning_percent"] = percent
    if "pause_statuses" in data:
        clean["pause_statuses"] = _clean_list(
            data["pause_statuses"],
            [value for value, _label in PAUSABLE_STATUSES],
            "pause_statuses",
            errors,
        )
    for field in ("on_warning", "on_breach"):
        if field in data:
            clean[field] = _clean_escalation(data[field], field, team_ids=team_ids, errors=errors)
    if errors:
        raise ValidationError(errors)
    return clean


def _changed(organisation_id: int) -> None:
    forget(*forget_policies(organisation_id))


def policy_create(*, organisation: Organisation, actor: User | None, **data: Any) -> SlaPolicy:
    """A new policy, last in the order unless `position` is given."""
    _require(actor)
    clean = _clean(organisation, {"is_active": True, **data})
    if not clean.get("name"):
        raise ValidationError({"name": _("A name is required.")})
    if not any(clean.get(field) for field in TARGET_FIELDS):
        raise ValidationError(
            {
                "first_response_minutes": _(
                    "Set at least one target: first response, next response or resolution."
                )
            }
        )
    with transaction.atomic():
        last = (
            SlaPolicy.objects.filter(organisation=organisation)
            .order_by("-position")
            .values_list("position", flat=True)
            .first()
        )
        policy = SlaPolicy.objects.create(
            organisation=organisation, position=(last or 0) + 1, **clean
        )
        event_record(organisation=organisation, type=events.POLICY_CREATED, obj=policy, actor=actor)
        _changed(organisation.pk)
        recompute_after(organisation)
    return policy


def policy_update(*, policy: SlaPolicy, actor: User | None, **data: Any) -> SlaPolicy:
    _require(actor)
    clean = _clean(policy.organisation, data)
    changed = sorted(field for field, value in clean.items() if getattr(policy, field) != value)
    if not changed:
        return policy
    after = {field: clean[field] for field in changed}
    if not any(after.get(field, getattr(policy, field)) for field in TARGET_FIELDS):
        raise ValidationError(
            {
                "first_response_minutes": _(
                    "Set at least one target: first response, next response or resolution."
                )
            }
        )
    with transaction.atomic():
        for field in changed:
            setattr(policy, field, clean[field])
        policy.updated_at = timezone.now()
        policy.save(update_fields=[*changed, "updated_at"])
        event_record(
            organisation=policy.organisation,
            type=events.POLICY_UPDATED,
            obj=policy,
            actor=actor,
            payload={"fields": changed},
        )
        _changed(policy.organisation_id)
        recompute_after(policy.organisation)
    return policy


def policy_move(*, policy: SlaPolicy, actor: User | None, position: int) -> SlaPolicy:
    """Put a policy at `position` (1 is tried first) and renumber the others."""
    _require(actor)
    with transaction.atomic():
        ordered = list(
            SlaPolicy.objects.select_for_update()
            .filter(organisation_id=policy.organisation_id)
            .order_by("position", "id")
        )
        ordered = [p for p in ordered if p.pk != policy.pk]
        index = min(max(int(position), 1), len(ordered) + 1) - 1
        ordered.insert(index, policy)
        old = policy.position
        for number, item in enumerate(ordered, start=1):
            if item.position != number:
                item.position = number
                SlaPolicy.objects.filter(pk=item.pk).update(position=number)
        policy.position = index + 1
        if old != policy.position:
            event_record(
                organisation=policy.organisation,
                type=events.POLICY_MOVED,
                obj=policy,
                actor=actor,
                payload={"from": old, "to": policy.position},
            )
            recompute_after(policy.organisation)
        _changed(policy.organisation_id)
    return policy


def policy_delete(*, policy: SlaPolicy, actor: User | None) -> None:
    """Delete a policy no clock has used; one that has served tickets is deactivated
    instead (their clocks say which policy set them)."""
    _require(actor)
    if SlaClock.objects.filter(policy=policy).exists():
        raise ValidationError(
            _("Tickets have run on this policy. Deactivate it instead of deleting it.")
        )
    with transaction.atomic():
        event_record(
            organisation=policy.organisation,
            type=events.POLICY_DELETED,
            obj=policy,
            actor=actor,
            payload={"name": policy.name},
        )
        policy.delete()
        _changed(policy.organisation_id)


def recompute_on_calendar_change(event: Event) -> None:
    """A durable consumer's handler: a business calendar changed (hours, holidays, teams),
    so the open tickets' due times follow."""
    recompute_after(event.organisation)


def recompute_after(organisation: Organisation) -> None:
    """After a policy or a calendar changed: the open tickets' due times follow, after the
    change commits (in the background with Celery workers)."""
    from karcis.sla.tasks import tickets_recompute_task

    transaction.on_commit(lambda: tickets_recompute_task.delay(organisation.pk))
