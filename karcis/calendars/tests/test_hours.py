"""The business-hours arithmetic (karcis.calendars.hours): examples people can check by hand,
then properties against a brute-force reference that walks minute by minute.

No database: Hours is pure Python.
"""

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from karcis.calendars.hours import Hours, always_open, clock, minutes, validate_weekly

JAKARTA = ZoneInfo("Asia/Jakarta")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
H = timedelta(hours=1)
M = timedelta(minutes=1)

OFFICE = (
    ((480, 1020),),  # Monday 08:00-17:00
    ((480, 1020),),
    ((480, 1020),),
    ((480, 1020),),
    ((480, 690), (780, 1020)),  # Friday: a break for Friday prayers 11:30-13:00
    (),
    (),
)


def office(closed=frozenset()):
    return Hours(zone=JAKARTA, weekly=OFFICE, closed=frozenset(closed))


def wib(*args):
    return datetime(*args, tzinfo=JAKARTA)


# -- examples -------------------------------------------------------------------------------


def test_adding_business_hours_skips_the_friday_break_and_the_weekend():
    hours = office()
    # Friday 10:00: 1.5 h before the break, 4 h after it, 2.5 h on Monday.
    assert hours.add(wib(2026, 3, 6, 10, 0), 8 * H) == wib(2026, 3, 9, 10, 30)
    assert hours.add(wib(2026, 3, 6, 11, 45), 30 * M) == wib(2026, 3, 6, 13, 30)
    assert hours.between(wib(2026, 3, 6, 11, 0), wib(2026, 3, 6, 14, 0)) == 90 * M
    assert hours.between(wib(2026, 3, 6, 14, 0), wib(2026, 3, 6, 11, 0)) == timedelta(0)
    # Results are in UTC, whatever zone the input came in.
    assert hours.add(wib(2026, 3, 6, 10, 0), 8 * H).tzinfo is UTC


def test_add_lands_at_the_end_of_an_interval_not_at_the_next_start():
    hours = office()
    # The earliest moment with 1.5 h of business time after Friday 10:00 is 11:30, not 13:00.
    assert hours.add(wib(2026, 3, 6, 10, 0), 90 * M) == wib(2026, 3, 6, 11, 30)
    assert hours.add(wib(2026, 3, 6, 10, 0), timedelta(0)) == wib(2026, 3, 6, 10, 0)
    # Zero from a closed moment stays there.
    assert hours.add(wib(2026, 3, 7, 10, 0), timedelta(0)) == wib(2026, 3, 7, 10, 0)


def test_is_open_and_next_open():
    hours = office()
    assert hours.is_open(wib(2026, 3, 6, 11, 29, 59))
    assert not hours.is_open(wib(2026, 3, 6, 11, 30))
    assert hours.is_open(wib(2026, 3, 6, 13, 0))
    assert hours.next_open(wib(2026, 3, 6, 12, 0)) == wib(2026, 3, 6, 13, 0)
    assert hours.next_open(wib(2026, 3, 6, 9, 15, 7)) == wib(2026, 3, 6, 9, 15, 7)
    assert hours.next_open(wib(2026, 3, 7, 9, 0)) == wib(2026, 3, 9, 8, 0)
    assert hours.next_open(wib(2026, 3, 6, 17, 0)) == wib(2026, 3, 9, 8, 0)


def test_a_holiday_is_closed_all_day():
    hours = office(closed={date(2026, 3, 19)})  # Nyepi, a Thursday
    # Wednesday 16:00: one hour that day, none on Thursday, one on Friday morning.
    assert hours.add(wib(2026, 3, 18, 16, 0), 2 * H) == wib(2026, 3, 20, 9, 0)
    assert not hours.is_open(wib(2026, 3, 19, 10, 0))
    assert hours.next_open(wib(2026, 3, 19, 10, 0)) == wib(2026, 3, 20, 8, 0)
    assert hours.between(wib(2026, 3, 16), wib(2026, 3, 21)) == 3 * 9 * H + (7 * H + 30 * M)


def test_an_interval_ending_at_midnight_runs_into_the_next_day():
    night = ((1320, 1440),), ((0, 360),), (), (), (), (), ()  # Mon 22:00 - Tue 06:00
    hours = Hours(zone=JAKARTA, weekly=night)
    monday = wib(2026, 3, 9, 0, 0)
    assert list(hours.open_intervals(monday, monday + 7 * 24 * H)) == [
        (wib(2026, 3, 9, 22, 0), wib(2026, 3, 10, 6, 0))
    ]
    assert hours.add(wib(2026, 3, 9, 23, 0), 2 * H) == wib(2026, 3, 10, 1, 0)
    assert hours.is_open(wib(2026, 3, 10, 0, 0))
    assert not hours.is_open(wib(2026, 3, 10, 6, 0))


def test_open_intervals_are_clipped_to_the_window():
    hours = office()
    assert list(hours.open_intervals(wib(2026, 3, 6, 9, 0), wib(2026, 3, 9, 9, 0))) == [
        (wib(2026, 3, 6, 9, 0), wib(2026, 3, 6, 11, 30)),
        (wib(2026, 3, 6, 13, 0), wib(2026, 3, 6, 17, 0)),
        (wib(2026, 3, 9, 8, 0), wib(2026, 3, 9, 9, 0)),
    ]


def test_other_indonesian_zones_are_their_own_wall_clock():
    makassar = Hours(zone=ZoneInfo("Asia/Makassar"), weekly=OFFICE)
    jayapura = Hours(zone=ZoneInfo("Asia/Jayapura"), weekly=OFFICE)
    # Monday 08:00 in Jakarta is 09:00 in Makassar and 10:00 in Jayapura: both already open.
    assert makassar.next_open(wib(2026, 3, 9, 7, 0)) == wib(2026, 3, 9, 7, 0)
    assert jayapura.next_open(wib(2026, 3, 9, 5, 0)) == wib(2026, 3, 9, 6, 0)


def test_business_days_across_the_american_autumn_change():
    weekdays = (((540, 1020),),) * 5 + ((), ())
    hours = Hours(zone=NEW_YORK, weekly=weekdays)
    friday = datetime(2026, 10, 30, 16, 0, tzinfo=NEW_YORK)  # EDT; Sunday 1 Nov turns to EST
    assert hours.add(friday, 2 * H) == datetime(2026, 11, 2, 10, 0, tzinfo=NEW_YORK)
    assert hours.add(friday, 2 * H) == datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


def test_spring_forward_gap_follows_the_fold_0_rule():
    sunday = datetime(2026, 3, 29)  # Berlin: 02:00 CET becomes 03:00 CEST
    weekly = ((), (), (), (), (), (), ((60, 120), (120, 150), (150, 180), (180, 240)))
    hours = Hours(zone=BERLIN, weekly=weekly)
    utc = [
        (a.astimezone(UTC).time(), b.astimezone(UTC).time())
        for a, b in hours.open_intervals(
            sunday.replace(tzinfo=UTC) - 2 * H, sunday.replace(tzinfo=UTC) + 6 * H
        )
    ]
    # 01:00-02:00 CET is 00:00-01:00 UTC. 02:00-02:30 does not exist: read with CET, it is
    # 01:00-01:30 UTC (03:00-03:30 CEST). 02:30-03:00 becomes 01:30-01:00 UTC: dropped.
    # 03:00-04:00 CEST is 01:00-02:00 UTC, overlapping the previous piece: counted once.
    assert utc == [(time(0, 0), time(2, 0))]


def test_fall_back_repeated_hour_means_its_first_occurrence():
    weekly = ((), (), (), (), (), (), ((150, 165), (180, 240)))
    hours = Hours(zone=BERLIN, weekly=weekly)
    sunday = datetime(2026, 10, 25, tzinfo=UTC)  # 03:00 CEST becomes 02:00 CET
    got = list(hours.open_intervals(sunday - 4 * H, sunday + 6 * H))
    assert got == [
        # 02:30-02:45 at its first occurrence, in CEST.
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 0, 45, tzinfo=UTC)),
        (datetime(2026, 10, 25, 2, 0, tzinfo=UTC), datetime(2026, 10, 25, 3, 0, tzinfo=UTC)),
    ]


def test_always_open_is_calendar_time_even_across_daylight_saving():
    hours = always_open(BERLIN)
    # (Aware arithmetic in Python is wall-clock arithmetic: add in UTC to mean real time.)
    start = datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN).astimezone(UTC)
    assert hours.add(start, 24 * H) == start + 24 * H
    assert hours.add(start, 24 * H) == datetime(2026, 3, 29, 13, 0, tzinfo=BERLIN)
    assert (
        hours.between(datetime(2026, 3, 29, tzinfo=BERLIN), datetime(2026, 3, 30, tzinfo=BERLIN))
        == 23 * H
    )
    assert hours.next_open(start) == start
    assert list(hours.open_intervals(start, start + 72 * H)) == [(start, start + 72 * H)]


def test_a_week_without_hours_or_a_year_of_closed_days_raises():
    empty = Hours(zone=JAKARTA, weekly=((),) * 7)
    with pytest.raises(ValueError, match="no opening hours"):
        empty.add(wib(2026, 1, 1), H)
    with pytest.raises(ValueError, match="no opening hours"):
        empty.next_open(wib(2026, 1, 1))
    assert empty.between(wib(2026, 1, 1), wib(2027, 1, 1)) == timedelta(0)
    assert not empty.is_open(wib(2026, 1, 1))

    mondays_only = ((480, 1020),), (), (), (), (), (), ()
    first = date(2026, 1, 5)
    closed = frozenset(first + timedelta(weeks=n) for n in range(200))
    hours = Hours(zone=JAKARTA, weekly=mondays_only, closed=closed)
    with pytest.raises(ValueError, match="no open time within"):
        hours.add(wib(2026, 1, 1), H)
    with pytest.raises(ValueError, match="no open time within"):
        hours.next_open(wib(2026, 1, 1))


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        Hours(zone=JAKARTA, weekly=((),) * 6)
    with pytest.raises(ValueError):
        Hours(zone=JAKARTA, weekly=(((600, 540),),) + ((),) * 6)
    with pytest.raises(ValueError):
        Hours(zone=JAKARTA, weekly=(((480, 700), (690, 800)),) + ((),) * 6)
    with pytest.raises(ValueError):
        Hours(zone=JAKARTA, weekly=(((0, 1441),),) + ((),) * 6)
    with pytest.raises(ValueError, match="pair"):
        Hours(zone=JAKARTA, weekly=((540, 1020),) * 5 + ((), ()))
    validate_weekly((((0, 60), (60, 1440)),) + ((),) * 6)  # touching intervals are fine
    with pytest.raises(ValueError, match="aware"):
        office().add(datetime(2026, 3, 6, 10, 0), H)
    with pytest.raises(ValueError, match="negative"):
        office().add(wib(2026, 3, 6, 10, 0), -H)


def test_time_of_day_text():
    assert minutes("08:30") == 510
    assert minutes("24:00") == 1440
    assert clock(1440) == "24:00"
    assert clock(510) == "08:30"
    for bad in ("8", "08:5", "24:01", "07:60", "ab:cd", ""):
        with pytest.raises(ValueError):
            minutes(bad)


def test_work_is_done_month_by_month_not_minute_by_minute():
    hours = office()
    start = wib(2026, 3, 6, 10, 0)
    hours.add(start, 8 * H)
    hours.between(start, start + timedelta(weeks=3))
    # Each call worked out at most the months it touched (kept for the next calls).
    assert len(hours._months) <= 2


# -- the brute-force reference --------------------------------------------------------------

MINUTE_US = 60_000_000
DAY_US = 86_400_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def us_of(moment):
    return (moment - EPOCH) // timedelta(microseconds=1)


def moment_of(us):
    return EPOCH + timedelta(microseconds=us)


class Reference:
    """The same rule, written the plain way: each local day's intervals, each boundary the
    wall-clock time with fold=0 (aware arithmetic on the day's midnight), an interval kept
    only if its end is after its start; a minute is open when any kept interval holds it.
    Every boundary falls on a whole UTC minute (every offset of these zones is whole
    minutes), so a minute is open or closed as a whole."""

    def __init__(self, zone, weekly, closed):
        self.zone, self.weekly, self.closed = zone, weekly, closed
        self._near = {}

    def day_intervals(self, day):
        if day in self.closed:
            return []
        midnight = datetime.combine(day, time(), tzinfo=self.zone)  # fold=0
        kept = []
        for start, end in self.weekly[day.weekday()]:
            a = us_of((midnight + timedelta(minutes=start)).astimezone(UTC))
            b = us_of((midnight + timedelta(minutes=end)).astimezone(UTC))
            if b > a:
                kept.append((a, b))
        return kept

    def near(self, day_index):
        # The intervals of the local days that could reach into this UTC day.
        if day_index not in self._near:
            utc_day = date(1970, 1, 1) + timedelta(days=day_index)
            self._near[day_index] = [
                interval
                for shift in range(-2, 3)
                for interval in self.day_intervals(utc_day + timedelta(days=shift))
            ]
        return self._near[day_index]

    def minute_open(self, us):
        us -= us % MINUTE_US
        return any(a <= us < b for a, b in self.near(us // DAY_US))

    def add(self, start_us, duration_us, limit=400_000):
        t, remaining = start_us, duration_us
        if remaining == 0:
            return t
        for _ in range(limit):
            minute_end = t - t % MINUTE_US + MINUTE_US
            if self.minute_open(t):
                if remaining <= minute_end - t:
                    return t + remaining
                remaining -= minute_end - t
            t = minute_end
        raise AssertionError("the reference walked too far")

    def between(self, a, b):
        total, t = 0, a
        while t < b:
            minute_end = min(t - t % MINUTE_US + MINUTE_US, b)
            if self.minute_open(t):
                total += minute_end - t
            t = minute_end
        return total

    def next_open(self, t, limit=400_000):
        for _ in range(limit):
            if self.minute_open(t):
                return t
            t = t - t % MINUTE_US + MINUTE_US
        raise AssertionError("the reference walked too far")


# -- strategies -----------------------------------------------------------------------------

ZONES = [
    "Asia/Jakarta",
    "Asia/Makassar",
    "Asia/Jayapura",
    "UTC",
    "Asia/Kathmandu",  # +05:45
    "Europe/Berlin",  # changes at 02:00 / 03:00
    "America/New_York",
    "Australia/Lord_Howe",  # a 30-minute change
    "America/Havana",  # changes at midnight
    "America/Santiago",  # changes at 24:00, southern hemisphere
]
INPUT_ZONES = [UTC, ZoneInfo("Asia/Tokyo"), ZoneInfo("America/Los_Angeles")]


def _transitions(zone):
    """The dates in 2025-2027 on which the zone's offset changes (empty without DST)."""
    found, day = [], date(2025, 1, 1)
    previous = datetime.combine(day, time(12), tzinfo=zone).utcoffset()
    while day < date(2028, 1, 1):
        day += timedelta(days=1)
        offset = datetime.combine(day, time(12), tzinfo=zone).utcoffset()
        if offset != previous:
            found.append(datetime.combine(day, time(), tzinfo=UTC))
        previous = offset
    return found


TRANSITIONS = {name: _transitions(ZoneInfo(name)) for name in ZONES}
# Boundaries near midnight and the small hours (where clocks change) come up often.
MINUTE = st.one_of(
    st.integers(0, 1440),
    st.sampled_from([0, 30, 60, 90, 120, 150, 180, 240, 480, 690, 780, 1020, 1380, 1410, 1440]),
)


@st.composite
def day_intervals(draw):
    points = sorted(draw(st.lists(MINUTE, max_size=6)))
    pairs = [(points[i], points[i + 1]) for i in range(0, len(points) - 1, 2)]
    return tuple((a, b) for a, b in pairs if a < b)


@dataclass
class Case:
    hours: Hours
    reference: Reference
    start: datetime
    weekly_minutes: int


@st.composite
def cases(draw):
    name = draw(st.sampled_from(ZONES))
    zone = ZoneInfo(name)
    weekly = tuple(draw(day_intervals()) for _ in range(7))
    weekly_minutes = sum(b - a for day in weekly for a, b in day)
    assume(weekly_minutes > 0)
    if TRANSITIONS[name] and draw(st.booleans()):
        base = draw(st.sampled_from(TRANSITIONS[name]))
        start_us = us_of(base) + draw(st.integers(-4 * DAY_US, 4 * DAY_US))
    else:
        start_us = draw(
            st.integers(
                us_of(datetime(2025, 1, 1, tzinfo=UTC)), us_of(datetime(2027, 6, 1, tzinfo=UTC))
            )
        )
    if draw(st.booleans()):
        start_us -= start_us % 1_000_000  # whole seconds, sometimes
    start = moment_of(start_us).astimezone(draw(st.sampled_from([*INPUT_ZONES, zone])))
    first = start.astimezone(zone).date()
    closed = frozenset(
        first + timedelta(days=n) for n in draw(st.lists(st.integers(-2, 40), max_size=6))
    )
    return Case(
        Hours(zone=zone, weekly=weekly, closed=closed),
        Reference(zone, weekly, closed),
        start,
        weekly_minutes,
    )


def durations(case_minutes, cap_days=3):
    """Up to a few days of business time, and at most about two weeks of the schedule (so
    that the reference's walk stays short)."""
    cap = min(cap_days * 1440, 2 * case_minutes) * MINUTE_US
    return st.integers(0, cap).map(lambda us: timedelta(microseconds=us))


PROPERTIES = settings(
    max_examples=int(os.environ.get("KARCIS_PROPERTY_EXAMPLES", 80)),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@PROPERTIES
@given(data=st.data(), case=cases())
def test_add_matches_the_reference_and_lands_in_open_time(data, case):
    duration = data.draw(durations(case.weekly_minutes))
    got = case.hours.add(case.start, duration)
    expected = case.reference.add(us_of(case.start), duration // timedelta(microseconds=1))
    assert us_of(got) == expected
    assert case.hours.between(case.start, got) == duration
    if duration > timedelta(0):
        # Inside an open interval or exactly at its end: the instant before is open.
        before = got - timedelta(microseconds=1)
        assert case.reference.minute_open(us_of(before))
        assert case.hours.is_open(before)


@PROPERTIES
@given(data=st.data(), case=cases())
def test_between_matches_the_reference(data, case):
    span = data.draw(st.integers(-DAY_US, 10 * DAY_US))
    end = case.start + timedelta(microseconds=span)
    got = case.hours.between(case.start, end)
    assert got // timedelta(microseconds=1) == max(
        case.reference.between(us_of(case.start), us_of(end)), 0
    )
    assert got == sum((b - a for a, b in case.hours.open_intervals(case.start, end)), timedelta(0))


@PROPERTIES
@given(data=st.data(), case=cases())
def test_add_is_monotonic_and_additive(data, case):
    a = data.draw(durations(case.weekly_minutes))
    b = data.draw(durations(case.weekly_minutes))
    first, second = sorted([a, b])
    assert case.hours.add(case.start, first) <= case.hours.add(case.start, second)
    assert case.hours.add(case.hours.add(case.start, a), b) == case.hours.add(case.start, a + b)


@PROPERTIES
@given(case=cases())
def test_next_open_is_open_and_nothing_before_it_is(case):
    got = case.hours.next_open(case.start)
    assert us_of(got) == case.reference.next_open(us_of(case.start))
    assert case.hours.is_open(got)
    assert got >= case.start
    assert case.hours.between(case.start, got) == timedelta(0)
    assert case.hours.is_open(case.start) == (got == case.start)


@PROPERTIES
@given(data=st.data(), case=cases())
def test_open_intervals_are_open_disjoint_and_clipped(data, case):
    end = case.start + timedelta(microseconds=data.draw(st.integers(0, 8 * DAY_US)))
    intervals = list(case.hours.open_intervals(case.start, end))
    previous_end = None
    for a, b in intervals:
        assert case.start <= a < b <= end
        assert previous_end is None or previous_end < a  # periods that meet are merged
        assert case.reference.minute_open(us_of(a))
        assert case.reference.minute_open(us_of(b) - 1)
        assert a.tzinfo is UTC
        previous_end = b
