"""Business hours as pure arithmetic: is a moment open, the next open moment, N business
minutes after a moment, the business time between two moments.

No Django here: the calendars app builds an `Hours` from its tables (selectors.hours_for),
and the SLA clocks, the public queues' opening hours and the tests use it as it is.

The rules (docs/calendars.md):

- The week is 7 lists of half-open intervals [start, end) of local wall-clock minutes after
  midnight, Monday first; an interval ending at 1440 runs to the next midnight. A date in
  `closed` (a holiday) has no open interval at all.
- Daylight saving: each interval boundary is turned into an instant as the local time with
  `fold=0`. A local time that occurs twice (clocks go back) means its first occurrence; a
  local time that does not exist (clocks go forward) is read with the offset in force before
  the change, so it lands that much later on the wall clock (02:30 in a gap from 02:00 to
  03:00 is 03:30). An interval whose end, so converted, is not after its start is dropped.
  The open time is the union of the remaining intervals (where two overlap, they count
  once). Zones without daylight saving (all of Indonesia's) never meet either case.
- Every input is an aware datetime in any zone; every datetime returned is in UTC.
- Durations are exact to the microsecond.

Speed: the open intervals are worked out once per calendar month (in UTC) and kept on the
instance, with running totals, so `add`, `between`, `is_open` and `next_open` are a few
binary searches per month they cross, never a walk minute by minute.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 1440
# How far ahead `add` and `next_open` look for open time before giving up.
SEARCH_MONTHS = 25

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_MINUTE_US = 60_000_000
_DAY = timedelta(days=1)

Interval = tuple[int, int]
Weekly = tuple[tuple[Interval, ...], ...]


def _to_us(moment: datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("Business hours need aware datetimes, not naive ones.")
    return (moment - _EPOCH) // _US


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


@dataclass(frozen=True, slots=True)
class _Month:
    """The open intervals of one UTC calendar month, clipped to it, merged and sorted, as
    microseconds since the epoch; `totals[i]` is the open time before interval i."""

    start: int
    end: int
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    totals: tuple[int, ...]  # len(starts) + 1 entries

    @property
    def total(self) -> int:
        return self.totals[-1]

    def open_before(self, us: int) -> int:
        """Open time in [self.start, us), for self.start <= us <= self.end."""
        i = bisect_right(self.starts, us) - 1
        if i < 0:
            return 0
        return self.totals[i] + min(us, self.ends[i]) - self.starts[i]


def _month_index(us: int) -> int:
    moment = _from_us(us)
    return moment.year * 12 + moment.month - 1


def _month_start(index: int) -> int:
    return _to_us(datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC))


def validate_weekly(weekly: Weekly) -> None:
    """Raise ValueError unless `weekly` is 7 days of sorted, disjoint (touching allowed)
    intervals with 0 <= start < end <= 1440."""
    if len(weekly) != 7:
        raise ValueError("The week needs exactly 7 days of intervals, Monday first.")
    for day, intervals in enumerate(weekly):
        previous_end = 0
        for interval in intervals:
            if not (
                isinstance(interval, tuple)
                and len(interval) == 2
                and all(isinstance(value, int) for value in interval)
            ):
                raise ValueError(f"Day {day}: {interval!r} is not a (start, end) pair of minutes.")
            start, end = interval
            if not 0 <= start < end <= MINUTES_PER_DAY:
                raise ValueError(f"Day {day}: interval ({start}, {end}) is not within a day.")
            if start < previous_end:
                raise ValueError(f"Day {day}: intervals overlap or are not sorted.")
            previous_end = end


@dataclass(frozen=True)
class Hours:
    """Weekly opening hours in a time zone, less whole closed dates (holidays).

    `weekly`: 7 entries, Monday first; each a sorted tuple of disjoint (start, end) local
    minutes after midnight, 0 <= start < end <= 1440, half-open. `closed`: local dates
    closed all day. Immutable and hashable; it caches its worked-out months on itself, so
    keep one instance per calendar (selectors.hours_for does)."""

    zone: ZoneInfo
    weekly: Weekly
    closed: frozenset[date] = frozenset()
    _months: dict[int, _Month] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        validate_weekly(self.weekly)

    # -- the public arithmetic ---------------------------------------------------------

    @property
    def has_open_time(self) -> bool:
        """False when no weekday has an interval (every `add` would search forever)."""
        return any(self.weekly)

    def is_open(self, moment: datetime) -> bool:
        us = _to_us(moment)
        month = self._month(_month_index(us))
        i = bisect_right(month.starts, us) - 1
        return i >= 0 and us < month.ends[i]

    def next_open(self, moment: datetime) -> datetime:
        """The first open instant at or after `moment` (an equal instant when it is open)."""
        self._require_open_time()
        us = _to_us(moment)
        index = _month_index(us)
        for offset in range(SEARCH_MONTHS):
            month = self._month(index + offset)
            i = bisect_right(month.starts, us) - 1
            if i >= 0 and us < month.ends[i]:
                return _from_us(us)
            if i + 1 < len(month.starts):
                return _from_us(month.starts[i + 1])
            us = month.end
        raise self._nothing_open(moment)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant t >= start with between(start, t) == duration; `start`
        itself (in UTC) for a zero duration. With a positive duration the result is inside
        an open interval or exactly at its end, never inside a closed period."""
        if duration < timedelta(0):
            raise ValueError("A business duration cannot be negative.")
        us = _to_us(start)
        remaining = duration // _US
        if remaining == 0:
            return _from_us(us)
        self._require_open_time()
        index = _month_index(us)
        for offset in range(SEARCH_MONTHS):
            month = self._month(index + offset)
            target = month.open_before(us) + remaining
            if target <= month.total:
                j = bisect_left(month.totals, target) - 1
                return _from_us(month.starts[j] + target - month.totals[j])
            remaining = target - month.total
            us = month.end
        raise self._nothing_open(start)

    def between(self, start: datetime, end: datetime) -> timedelta:
        """The open time in [start, end); zero when end <= start."""
        a, b = _to_us(start), _to_us(end)
        if b <= a:
            return timedelta(0)
        first, last = _month_index(a), _month_index(b)
        if first == last:
            month = self._month(first)
            return timedelta(microseconds=month.open_before(b) - month.open_before(a))
        total = self._month(first).total - self._month(first).open_before(a)
        for index in range(first + 1, last):
            total += self._month(index).total
        total += self._month(last).open_before(b)
        return timedelta(microseconds=total)

    def open_intervals(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open periods overlapping [start, end), clipped to it, in order, as UTC
        datetimes (periods that meet are one)."""
        a, b = _to_us(start), _to_us(end)
        pending: tuple[int, int] | None = None
        index = _month_index(a)
        while a < b:
            month = self._month(index)
            i = max(bisect_right(month.starts, a) - 1, 0)
            for s, e in zip(month.starts[i:], month.ends[i:], strict=True):
                if s >= b:
                    break
                s, e = max(s, a), min(e, b)
                if s >= e:
                    continue
                if pending is not None and pending[1] == s:
                    pending = (pending[0], e)
                    continue
                if pending is not None:
                    yield _from_us(pending[0]), _from_us(pending[1])
                pending = (s, e)
            a = month.end
            index += 1
        if pending is not None:
            yield _from_us(pending[0]), _from_us(pending[1])

    # -- working out the intervals -------------------------------------------------------

    def _require_open_time(self) -> None:
        if not self.has_open_time:
            raise ValueError("This calendar has no opening hours on any day of the week.")

    def _nothing_open(self, moment: datetime) -> ValueError:
        return ValueError(
            f"This calendar has no open time within {SEARCH_MONTHS} months after {moment}."
        )

    def _boundary(self, day: date, minute: int) -> int:
        """The instant of a local wall-clock time (fold=0: see the module's docstring)."""
        local = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
        return _to_us(local.replace(tzinfo=self.zone))

    def _month(self, index: int) -> _Month:
        month = self._months.get(index)
        if month is None:
            month = self._months[index] = self._work_out(index)
        return month

    def _work_out(self, index: int) -> _Month:
        lo, hi = _month_start(index), _month_start(index + 1)
        # Every offset lies within +-16 hours, so a local day's intervals lie within 16
        # hours either side of that day taken as UTC: the days below cover the month.
        first = _from_us(lo).date() - 2 * _DAY
        last = _from_us(hi).date() + _DAY
        pieces: list[tuple[int, int]] = []
        day = first
        while day <= last:
            if day not in self.closed:
                for start_minute, end_minute in self.weekly[day.weekday()]:
                    s = max(self._boundary(day, start_minute), lo)
                    e = min(self._boundary(day, end_minute), hi)
                    if s < e:
                        pieces.append((s, e))
            day += _DAY
        pieces.sort()
        starts: list[int] = []
        ends: list[int] = []
        for s, e in pieces:
            if ends and s <= ends[-1]:
                ends[-1] = max(ends[-1], e)
            else:
                starts.append(s)
                ends.append(e)
        totals = [0]
        for s, e in zip(starts, ends, strict=True):
            totals.append(totals[-1] + e - s)
        return _Month(lo, hi, tuple(starts), tuple(ends), tuple(totals))


ALWAYS = ((0, MINUTES_PER_DAY),)


def always_open(zone: ZoneInfo) -> Hours:
    """Open around the clock (calendar time): add() is start + duration."""
    return Hours(zone=zone, weekly=(ALWAYS,) * 7)


def minutes(text: str) -> int:
    """ "08:30" → 510; "24:00" → 1440. ValueError for anything else."""
    hours_text, sep, minutes_text = text.strip().partition(":")
    if not sep or not hours_text.isdigit() or len(minutes_text) != 2 or not minutes_text.isdigit():
        raise ValueError(f"Not a time of day: {text!r}")
    value = int(hours_text) * 60 + int(minutes_text)
    if int(minutes_text) >= 60 or value > MINUTES_PER_DAY:
        raise ValueError(f"Not a time of day: {text!r}")
    return value


def clock(value: int) -> str:
    """510 → "08:30"; 1440 → "24:00"."""
    return f"{value // 60:02d}:{value % 60:02d}"
