"""The clocks' rules on hand-built histories, with answers worked out by hand.

The calendar: Monday to Thursday 08:00–17:00 and Friday 08:00–11:30 and 13:00–17:00 (Friday
prayers), in Asia/Jakarta (WIB, UTC+7, no daylight saving); 2026-12-25 (a Friday) is a
holiday. 2026-12-07 is a Monday.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from karcis.calendars.hours import Hours, always_open
from karcis.sla import clocks
from karcis.sla.clocks import ClockState, History, Rules

WIB = ZoneInfo("Asia/Jakarta")
DAY = ((480, 1020),)
FRIDAY = ((480, 690), (780, 1020))
HOURS = Hours(
    zone=WIB, weekly=(DAY, DAY, DAY, DAY, FRIDAY, (), ()), closed=frozenset({date(2026, 12, 25)})
)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=WIB)


def rules(target: str, minutes: int, pause=("pending", "on_hold")) -> Rules:
    return Rules(
        target=target, minutes=minutes, warning_percent=75, pause_statuses=frozenset(pause)
    )


def opened(day: int, hour: int, minute: int = 0, **more) -> History:
    start = at(day, hour, minute)
    statuses = [(start, "new"), *more.pop("statuses", [])]
    return History(created_at=start, statuses=statuses, **more)


# --- first response -------------------------------------------------------------------------


def test_first_response_due_counts_business_hours_only():
    # Monday 16:30 + 60 business minutes: 30 on Monday, 30 on Tuesday morning.
    clock = clocks.first_response(
        rules("first_response", 60), HOURS, opened(7, 16, 30), at(7, 16, 45)
    )
    assert clock.due_at == at(8, 8, 30)
    # 75% of 60 minutes: 45 minutes, Tuesday 08:15.
    assert clock.warn_at == at(8, 8, 15)
    assert clock.state == ClockState.ON_TIME


def test_friday_prayers_are_not_counted():
    clock = clocks.first_response(rules("first_response", 60), HOURS, opened(11, 11, 0), at(11, 11))
    assert clock.due_at == at(11, 13, 30)


def test_a_holiday_is_skipped():
    # Thursday 24 December 16:00 + 120 minutes: 60 on Thursday; Friday 25 is a holiday,
    # the weekend is closed, so the other 60 end on Monday 28 at 09:00.
    clock = clocks.first_response(rules("first_response", 120), HOURS, opened(24, 16), at(24, 16))
    assert clock.due_at == at(28, 9, 0)


def test_a_reply_in_time_meets_the_target():
    history = opened(7, 9, agent_replies=[at(7, 9, 40)])
    clock = clocks.first_response(rules("first_response", 60), HOURS, history, at(7, 12))
    assert clock.state == ClockState.MET
    assert clock.met_at == at(7, 9, 40)


def test_a_late_reply_leaves_the_target_breached():
    history = opened(7, 9, agent_replies=[at(7, 10, 1)])
    clock = clocks.first_response(rules("first_response", 60), HOURS, history, at(7, 12))
    assert clock.state == ClockState.BREACHED
    assert clock.due_at == at(7, 10)


def test_at_risk_then_breached_as_time_passes():
    history = opened(7, 9)
    rule = rules("first_response", 60)
    assert clocks.first_response(rule, HOURS, history, at(7, 9, 44)).state == ClockState.ON_TIME
    assert clocks.first_response(rule, HOURS, history, at(7, 9, 45)).state == ClockState.AT_RISK
    assert clocks.first_response(rule, HOURS, history, at(7, 10)).state == ClockState.BREACHED


def test_solving_without_a_reply_ends_the_first_response_clock():
    history = opened(7, 9, statuses=[(at(7, 9, 30), "solved")])
    clock = clocks.first_response(rules("first_response", 60), HOURS, history, at(7, 12))
    assert (clock.state, clock.met_at) == (ClockState.MET, at(7, 9, 30))


# --- next response --------------------------------------------------------------------------


def test_no_next_response_clock_before_the_first_answer():
    history = opened(7, 9, customer_messages=[at(7, 9, 10)])
    assert clocks.next_response(rules("next_response", 30), HOURS, history, at(7, 10)) is None


def test_each_customer_message_after_an_answer_starts_a_cycle():
    history = opened(
        7,
        9,
        agent_replies=[at(7, 9, 20), at(7, 10, 0)],
        customer_messages=[at(7, 9, 50), at(7, 9, 55), at(7, 11, 0)],
    )
    clock = clocks.next_response(rules("next_response", 30), HOURS, history, at(7, 11, 5))
    # 09:50 waited (09:55 joined the same wait) and was answered at 10:00; 11:00 is the
    # second wait, due 11:30, still running.
    assert clock is not None
    assert (clock.cycle, clock.started_at, clock.due_at) == (2, at(7, 11), at(7, 11, 30))
    assert clock.state == ClockState.ON_TIME


def test_an_answered_cycle_is_met():
    history = opened(
        7, 9, agent_replies=[at(7, 9, 20), at(7, 10, 0)], customer_messages=[at(7, 9, 50)]
    )
    clock = clocks.next_response(rules("next_response", 30), HOURS, history, at(7, 11))
    assert clock is not None and clock.state == ClockState.MET and clock.met_at == at(7, 10)


# --- resolution -----------------------------------------------------------------------------


def test_pending_pauses_the_resolution_clock():
    # Open 09:00–10:00 (60 min), pending 10:00–14:00, open again from 14:00: 240 minutes
    # are due after 180 more, at 17:00.
    history = opened(7, 9, statuses=[(at(7, 10), "pending"), (at(7, 14), "open")])
    clock = clocks.resolution(rules("resolution", 240), HOURS, history, at(7, 15))
    assert clock.due_at == at(7, 17)
    assert [(p.start, p.end, p.status) for p in clock.pauses] == [(at(7, 10), at(7, 14), "pending")]
    assert clock.state == ClockState.ON_TIME


def test_a_paused_clock_says_how_much_is_left():
    history = opened(7, 9, statuses=[(at(7, 10), "pending")])
    clock = clocks.resolution(rules("resolution", 240), HOURS, history, at(7, 15))
    assert clock.state == ClockState.PAUSED
    assert clock.due_at is None
    assert clock.remaining == timedelta(minutes=180)


def test_reopening_resumes_where_the_clock_stopped():
    # Worked 09:00–11:00 (120 min), solved 11:00, reopened Tuesday 09:00: 120 of 240 left,
    # due Tuesday 11:00; the night between solving and reopening does not count.
    history = opened(7, 9, statuses=[(at(7, 11), "solved"), (at(8, 9), "open")])
    clock = clocks.resolution(rules("resolution", 240), HOURS, history, at(8, 9, 30))
    assert clock.due_at == at(8, 11)
    assert clock.met_at is None


def test_solving_in_time_meets_resolution():
    history = opened(7, 9, statuses=[(at(7, 10), "open"), (at(7, 12), "solved")])
    clock = clocks.resolution(rules("resolution", 240), HOURS, history, at(7, 15))
    assert (clock.state, clock.met_at) == (ClockState.MET, at(7, 12))


def test_a_pause_status_the_policy_does_not_name_runs():
    history = opened(7, 9, statuses=[(at(7, 10), "on_hold")])
    clock = clocks.resolution(
        rules("resolution", 120, pause=("pending",)), HOURS, history, at(7, 12)
    )
    assert clock.state == ClockState.BREACHED and clock.due_at == at(7, 11)


def test_calendar_time_counts_every_minute():
    history = opened(7, 16, 30)
    clock = clocks.first_response(rules("first_response", 60), always_open(WIB), history, at(7, 17))
    assert clock.due_at == at(7, 17, 30)


def test_the_summary_puts_running_clocks_first():
    due = at(7, 12)
    assert clocks.summary_of([("met", None, False), ("at_risk", due, True)]) == ("at_risk", due)
    assert clocks.summary_of([("paused", None, False), ("met", None, False)]) == ("paused", None)
    assert clocks.summary_of([]) == ("", None)
    # Any iterable, read once: a generator of clocks is not taken for no clocks at all.
    assert clocks.summary_of(c for c in [("met", None, False)]) == ("met", None)
