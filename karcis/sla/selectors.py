"""Every read of the SLA with rules: clocks of tickets, the explanation of a due time, the
panel on the ticket page, the policies an admin manages."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from karcis.core.models import Channel, Organisation, User
from karcis.core.permissions import user_can
from karcis.desk.permissions import TICKET_VIEW
from karcis.sla import clocks as clockwork
from karcis.sla import permissions
from karcis.sla.models import ClockState, SlaClock, SlaPolicy, Target
from karcis.sla.services import (
    history_of,
    hours_of_policy,
    policy_for_ticket,
    rules_of,
)


def names_of_policies(ids: set[int]) -> dict[int, str]:
    return dict(SlaPolicy.objects.filter(pk__in=ids).values_list("pk", "name"))


def policies_of(*, organisation: Organisation) -> QuerySet[SlaPolicy]:
    """Every policy of the organisation, active or not, first match first."""
    return SlaPolicy.objects.filter(organisation=organisation).order_by("position", "id")


def policy_get(*, organisation: Organisation, policy_id: int) -> SlaPolicy | None:
    return policies_of(organisation=organisation).filter(pk=policy_id).first()


def clocks_of_tickets(*, ticket_ids: Iterable[int]) -> dict[int, list[SlaClock]]:
    """Each ticket's clocks (first response, next response, resolution), in one query."""
    found: dict[int, list[SlaClock]] = defaultdict(list)
    order = {target: index for index, target in enumerate(Target.values)}
    rows = SlaClock.objects.filter(ticket_id__in=list(ticket_ids)).only(
        "ticket_id",
        "target",
        "policy_id",
        "due_at",
        "warn_at",
        "state",
        "met_at",
        "breached_at",
        "warned_at",
        "cycle",
        "remaining_seconds",
        "target_minutes",
        "business_time",
        "started_at",
    )
    for clock in sorted(rows, key=lambda c: (c.ticket_id, order[c.target])):
        found[clock.ticket_id].append(clock)
    return found


def clock_state_now(clock: SlaClock, now: datetime | None = None) -> str:
    """The clock's state at this moment: time may have brought a warning or a breach that
    the scan has not yet announced (it runs every few seconds)."""
    now = now or timezone.now()
    if clock.state in (ClockState.ON_TIME, ClockState.AT_RISK) and clock.met_at is None:
        if clock.due_at is not None and clock.due_at <= now:
            return ClockState.BREACHED
        warn_at = clock.warn_at if clock.warned_at is None else None
        if clock.state == ClockState.ON_TIME and warn_at is not None and warn_at <= now:
            return ClockState.AT_RISK
    return clock.state


# --- words for durations --------------------------------------------------------------------


def duration_words(span: timedelta) -> str:
    """A duration as people read it: "2 d 3 h", "3 h 20 min", "12 min"."""
    minutes = max(int(span.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return ngettext("%(minutes)d min", "%(minutes)d min", minutes) % {"minutes": minutes}


# --- the explanation of a ticket's due times --------------------------------------------


@dataclass
class Explanation:
    """Why a ticket's clocks say what they say: the policy and why it matched, the hours
    counted, and for each target the stretches counted and the pauses between them."""

    policy: SlaPolicy | None
    conditions: list[str]
    hours_label: str
    clocks: list[dict[str, Any]] = field(default_factory=list)


def _conditions_of(policy: SlaPolicy, ticket: Any) -> list[str]:
    said = []
    if policy.priorities:
        said.append(_("priority is %(value)s") % {"value": ticket.get_priority_display()})
    if policy.categories:
        said.append(_("category is %(value)s") % {"value": ticket.category or "—"})
    if policy.teams:
        said.append(_("team is %(value)s") % {"value": ticket.team or "—"})
    if policy.channels:
        said.append(_("channel is %(value)s") % {"value": Channel(ticket.channel).label})
    if policy.companies:
        said.append(
            _("the requester's organisation is %(value)s") % {"value": ticket.requester.company}
        )
    if policy.vip is not None:
        said.append(_("the requester is a VIP") if policy.vip else _("the requester is not a VIP"))
    return said or [_("the policy has no conditions: it applies to every ticket")]


def _hours_label(policy: SlaPolicy, ticket: Any) -> str:
    if not policy.business_time:
        return _("Calendar time: every minute counts (%(zone)s).") % {
            "zone": ticket.organisation.time_zone
        }
    from karcis.calendars import selectors as calendars

    calendar = policy.calendar or calendars.calendar_for(
        organisation_id=ticket.organisation_id, team_id=ticket.team_id
    )
    if calendar is None:
        return _(
            "Business time, but the organisation has no business calendar yet: every minute "
            "counts (%(zone)s)."
        ) % {"zone": ticket.organisation.time_zone}
    return _("Business hours of the calendar “%(name)s” (%(zone)s), holidays closed.") % {
        "name": calendar.name,
        "zone": calendar.time_zone,
    }


def explanation_of(*, ticket: Any, now: datetime | None = None) -> Explanation:
    """Recompute the ticket's clocks as they stand, keeping the working (nothing is
    written)."""
    now = now or timezone.now()
    policy = policy_for_ticket(ticket)
    if policy is None:
        return Explanation(policy=None, conditions=[], hours_label="")
    hours = hours_of_policy(policy, organisation=ticket.organisation, team_id=ticket.team_id)
    history, _announced = history_of(
        ticket_id=ticket.pk, created_at=ticket.created_at, status=ticket.status
    )
    stored = {c.target: c for c in SlaClock.objects.filter(ticket_id=ticket.pk)}
    explained = Explanation(
        policy=policy,
        conditions=_conditions_of(policy, ticket),
        hours_label=_hours_label(policy, ticket),
    )
    for clock in clockwork.clocks_of(rules_of(policy), hours, history, now):
        kept = stored.get(clock.target)
        explained.clocks.append(
            {
                "target": Target(clock.target).label,
                "code": clock.target,
                "cycle": clock.cycle,
                "minutes": clock.target_minutes,
                "goal": duration_words(timedelta(minutes=clock.target_minutes)),
                "started_at": clock.started_at,
                "due_at": clock.due_at,
                "warn_at": clock.warn_at,
                "met_at": clock.met_at,
                "state": ClockState(kept.state if kept else clock.state).label,
                "state_code": kept.state if kept else clock.state,
                "used": duration_words(clock.used),
                "left": duration_words(timedelta(minutes=clock.target_minutes) - clock.used),
                "segments": [
                    {
                        "start": segment.start,
                        "end": segment.end,
                        "counted": duration_words(segment.counted),
                    }
                    for segment in clock.segments
                ],
                "pauses": clock.pauses,
            }
        )
    return explained


# --- the panel on the ticket page -----------------------------------------------------------


def _left_words(clock: SlaClock, state: str, now: datetime) -> str:
    if clock.met_at is not None:
        return _("met %(when)s") % {"when": _local(clock.met_at)}
    if state == ClockState.PAUSED:
        left = timedelta(seconds=clock.remaining_seconds or 0)
        return _("paused, %(left)s left") % {"left": duration_words(left)}
    if clock.due_at is None:
        return ""
    if clock.due_at <= now:
        return _("overdue by %(late)s") % {"late": duration_words(now - clock.due_at)}
    return _("%(left)s left") % {"left": duration_words(clock.due_at - now)}


def _local(moment: datetime) -> str:
    from django.utils import formats

    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def ticket_panel(*, ticket: Any, user: User) -> str:
    """The SLA card of the ticket page: each target's due time, time left and state."""
    if not user_can(user, TICKET_VIEW, ticket):
        return ""
    clocks = (
        clocks_of_tickets(ticket_ids=[ticket.pk]).get(ticket.pk, []) if ticket.sla_state else []
    )
    now = timezone.now()
    rows = []
    for clock in clocks:
        state = clock_state_now(clock, now)
        rows.append(
            {
                "target": Target(clock.target).label,
                "code": clock.target,
                "state": state,
                "state_label": ClockState(state).label,
                "due_at": clock.due_at,
                "left": _left_words(clock, state, now),
                "business_time": clock.business_time,
            }
        )
    return render_to_string(
        "sla/panel.html",
        {
            "rows": rows,
            "ticket": ticket,
            "may_manage": user_can(user, permissions.POLICIES_MANAGE),
        },
    )
