"""How a ticket's SLA clocks follow from its history: pure functions, no database.

The rules (docs/sla.md states them for people):

* **First response** runs from the moment the ticket was opened until the first public reply
  by an agent. Internal notes, automatic messages (an out-of-office) and changes made by
  rules do not answer. Solving or closing the ticket before anyone answered ends the clock
  at that moment (as Zendesk does): there is nobody left to answer.
* **Next response** runs after each customer message that arrives once the first response
  was given and while no earlier message is waiting, until the next public agent reply (or
  solving). Each such wait is a cycle of its own, with its own warning and breach.
* **Resolution** runs from the opening until the ticket is solved or closed. It pauses
  while the ticket is in one of the policy's pause statuses (pending and on hold unless
  the policy says otherwise). Reopening a solved ticket resumes it where it stopped: the
  time between solving and reopening does not count, the time before does.
* Time is counted on the policy's hours: business hours of a calendar, or every minute
  (calendar time). A target is **breached** once the time counted reaches it, **at risk**
  once it reaches the policy's warning share, **met** when it stopped before its due time,
  **paused** while a resolution clock does not run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from django.db import models
from django.utils.translation import gettext_lazy as _


class Target(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")


class ClockState(models.TextChoices):
    ON_TIME = "on_time", _("On time")
    AT_RISK = "at_risk", _("At risk")
    BREACHED = "breached", _("Breached")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")


SOLVED = "solved"
CLOSED = "closed"
FINISHED = (SOLVED, CLOSED)


class Clockwork(Protocol):
    """The hours a clock counts (karcis.calendars.hours.Hours)."""

    def add(self, start: datetime, duration: timedelta) -> datetime: ...

    def between(self, start: datetime, end: datetime) -> timedelta: ...


@dataclass(frozen=True)
class History:
    """What of a ticket's events the clocks read, in order of time.

    `statuses`: (when, status) for the status the ticket opened with and each change.
    `customer_messages`: public messages of the requester's side after the first one (not
    automatic). `agent_replies`: public replies by agents (not by rules).
    """

    created_at: datetime
    statuses: Sequence[tuple[datetime, str]]
    customer_messages: Sequence[datetime] = ()
    agent_replies: Sequence[datetime] = ()


@dataclass(frozen=True)
class Rules:
    """What a policy says of one target."""

    target: str
    minutes: int
    warning_percent: int
    pause_statuses: frozenset[str] = frozenset()


@dataclass
class Segment:
    """A stretch of time during which a clock ran; `end` None: it runs still."""

    start: datetime
    end: datetime | None
    counted: timedelta = timedelta(0)


@dataclass
class Pause:
    start: datetime
    end: datetime | None
    status: str


@dataclass
class Clock:
    """One target's clock at a moment (`now`), with what it was computed from."""

    target: str
    cycle: int
    started_at: datetime
    target_minutes: int
    state: str
    due_at: datetime | None
    warn_at: datetime | None
    met_at: datetime | None
    remaining: timedelta | None
    used: timedelta
    segments: list[Segment] = field(default_factory=list)
    pauses: list[Pause] = field(default_factory=list)

    @property
    def running(self) -> bool:
        return bool(self.segments) and self.segments[-1].end is None


def _crossing(hours: Clockwork, segments: Sequence[Segment], amount: timedelta) -> datetime | None:
    """The moment the time counted over `segments` reaches `amount`, if it does."""
    used = timedelta(0)
    for segment in segments:
        if segment.end is None:
            return hours.add(segment.start, amount - used)
        if used + segment.counted >= amount:
            return hours.add(segment.start, amount - used)
        used += segment.counted
    return None


def _clock(
    rules: Rules,
    hours: Clockwork,
    *,
    cycle: int,
    started_at: datetime,
    segments: list[Segment],
    stopped_at: datetime | None,
    now: datetime,
    pauses: list[Pause] | None = None,
) -> Clock:
    for segment in segments:
        segment.counted = hours.between(segment.start, segment.end or now)
    goal = timedelta(minutes=rules.minutes)
    warning = timedelta(seconds=rules.minutes * 60 * rules.warning_percent // 100)
    due_at = _crossing(hours, segments, goal)
    warn_at = _crossing(hours, segments, warning)
    used = sum((segment.counted for segment in segments), timedelta(0))
    running = bool(segments) and segments[-1].end is None
    remaining = None
    if stopped_at is not None:
        state = (
            ClockState.BREACHED if due_at is not None and due_at < stopped_at else ClockState.MET
        )
    elif not running:
        if due_at is not None:
            state = ClockState.BREACHED
        else:
            state = ClockState.PAUSED
            remaining = goal - used
    elif due_at is not None and due_at <= now:
        state = ClockState.BREACHED
    elif warn_at is not None and warn_at <= now:
        state = ClockState.AT_RISK
    else:
        state = ClockState.ON_TIME
    return Clock(
        target=rules.target,
        cycle=cycle,
        started_at=started_at,
        target_minutes=rules.minutes,
        state=state,
        due_at=due_at,
        warn_at=warn_at,
        met_at=stopped_at,
        remaining=remaining,
        used=used,
        segments=segments,
        pauses=pauses or [],
    )


def _finished_moments(history: History) -> list[datetime]:
    return [when for when, status in history.statuses if status in FINISHED]


def first_response(rules: Rules, hours: Clockwork, history: History, now: datetime) -> Clock:
    ends = [*history.agent_replies[:1], *_finished_moments(history)[:1]]
    stopped_at = min(ends) if ends else None
    return _clock(
        rules,
        hours,
        cycle=1,
        started_at=history.created_at,
        segments=[Segment(history.created_at, stopped_at)],
        stopped_at=stopped_at,
        now=now,
    )


def next_response(rules: Rules, hours: Clockwork, history: History, now: datetime) -> Clock | None:
    """The latest cycle of the next-response clock, or None when no customer message has
    waited for an answer since the first response."""
    answers = sorted([*history.agent_replies, *_finished_moments(history)])
    if not answers:
        return None  # the first response is still awaited: its own clock covers it
    first_answer = answers[0]
    cycle, waiting_since, stopped_at = 0, None, None
    timeline = sorted(
        [(when, "customer") for when in history.customer_messages if when > first_answer]
        + [(when, "answer") for when in answers if when > first_answer]
    )
    for when, kind in timeline:
        if kind == "customer" and (waiting_since is None or stopped_at is not None):
            cycle, waiting_since, stopped_at = cycle + 1, when, None
        elif kind == "answer" and waiting_since is not None and stopped_at is None:
            stopped_at = when
    if waiting_since is None:
        return None
    return _clock(
        rules,
        hours,
        cycle=cycle,
        started_at=waiting_since,
        segments=[Segment(waiting_since, stopped_at)],
        stopped_at=stopped_at,
        now=now,
    )


def resolution(rules: Rules, hours: Clockwork, history: History, now: datetime) -> Clock:
    segments: list[Segment] = []
    pauses: list[Pause] = []
    stopped_at: datetime | None = None
    for index, (when, status) in enumerate(history.statuses):
        following = history.statuses[index + 1][0] if index + 1 < len(history.statuses) else None
        if following is not None and following <= when:
            continue  # replaced at the same moment
        if status in FINISHED:
            stopped_at = when if following is None else None
        elif status in rules.pause_statuses:
            pauses.append(Pause(when, following, status))
        elif segments and segments[-1].end == when:
            segments[-1].end = following  # e.g. new → open: one stretch
        else:
            segments.append(Segment(when, following))
    return _clock(
        rules,
        hours,
        cycle=1,
        started_at=history.created_at,
        segments=segments,
        stopped_at=stopped_at,
        now=now,
        pauses=pauses,
    )


def clocks_of(
    rules: Iterable[Rules], hours: Clockwork, history: History, now: datetime
) -> list[Clock]:
    """Every target's clock the rules ask for, as the history leaves it at `now`."""
    compute = {
        Target.FIRST_RESPONSE: first_response,
        Target.NEXT_RESPONSE: next_response,
        Target.RESOLUTION: resolution,
    }
    clocks = []
    for rule in rules:
        clock = compute[Target(rule.target)](rule, hours, history, now)
        if clock is not None:
            clocks.append(clock)
    return clocks


# How a ticket's clocks add up to one state for lists (the inbox's column): a running clock
# speaks first, the worst of them; then a paused one; then the finished ones.
_SUMMARY_ORDER: dict[str, int] = {
    ClockState.BREACHED: 0,
    ClockState.AT_RISK: 1,
    ClockState.ON_TIME: 2,
    ClockState.PAUSED: 3,
    ClockState.MET: 4,
}


def summary_of(clocks: Iterable[tuple[str, datetime | None, bool]]) -> tuple[str, datetime | None]:
    """(state, soonest due time) of a ticket from its clocks' (state, due_at, running)."""
    clocks = list(clocks)
    running = [(state, due) for state, due, is_running in clocks if is_running]
    rest = [(state, due) for state, due, is_running in clocks if not is_running]
    if running:
        state = min((s for s, _due in running), key=lambda s: _SUMMARY_ORDER[s])
        return state, min(due for _s, due in running if due is not None)
    if rest:
        states = [s for s, _due in rest]
        if ClockState.PAUSED in states:
            return ClockState.PAUSED, None
        if ClockState.BREACHED in states:
            return ClockState.BREACHED, None
        return ClockState.MET, None
    return "", None
