"""How long until a queue number is called: a range, not a single made-up figure.

Pure Python (no Django, no numpy), so the live status page, the API and `bench/queue_eta.py`
all call the same function. The caller reads the state of one service's queue into a
`QueueSnapshot`; `estimate_wait` turns it into a `WaitEstimate` in seconds.

The model (what the estimate assumes):

* The counters serving this service work in parallel and call the waiting people in order,
  each counter calling the next number as soon as it is free (first come, first served; a
  counter that is open but idle calls at once). A counter may come with a window: it opens
  only in so many seconds (a clerk back from a break at an announced time, a counter planned
  to open), or it calls nobody after so many seconds (a planned break, the end of a shift);
  by default it serves now and stays.
* Each person ahead needs a service time drawn from the recent service times of this
  service (the empirical distribution, `service_seconds`, which the caller picks by weekday
  and hour with `pick_service_samples`), scaled by the pace of the day (`pace`, see
  `day_pace`), or, with the recent no-show share, is a no-show: called, waited for
  `no_show_seconds` and skipped.
* A busy counter finishes its current service after the remaining time of a service that
  has already run `elapsed_seconds`: drawn from the recent services that lasted longer than
  that, less what has run. When fewer than `TAIL_SAMPLES` recent services lasted that long
  (an unusually long service), from how far the longest recent services ran past the next
  longest one (a "peaks over a threshold" estimate of the tail).
* The pace of the whole queue is uncertain too: the clerks may be slower or faster than the
  samples say, and a counter may open or close unannounced while the person waits. Each
  simulated run draws its own pace factor (log-normal, `pace_spread`, default 0.15: a run
  one standard deviation slow takes 16% longer per person). Without it the range covers
  only the luck of the draw of service times, and holds too few of the realised waits
  (`bench/queue_eta.py` shows by how much).

The wait is the moment the person's own number is called: when a counter is free to call
after the people ahead have all been called.

**Range and coverage.** `low` and `high` are the 10th and 90th percentiles of the simulated
waits: nominally 80% of realised waits fall inside. `expected` is the median, not the mean:
it is the figure that is off by the least on average (it minimises the mean absolute
error), and "about N minutes, between L and H" reads right only if half the waits are
longer. `bench/queue_eta.py` measures the share of realised waits inside the range and the
mean absolute error of `expected` on simulated office days; docs/benchmarks.md has the
figures.

**Why a Monte Carlo and not a formula.** The wait is an order statistic of sums of skewed
service times over a few parallel counters, with the in-progress services' remaining times
conditioned on how long they have run. A normal approximation of those sums is fair for long
queues and wrong where people look most, a few places from the front, where the wait is the
minimum of a few skewed remaining times. A small simulation is exact for the model at any
queue length, and counter windows cost it nothing to add. It is deterministic: the random
numbers are drawn once, when the module is imported, from a fixed seed, and every estimate
reuses them. So the same snapshot always gives the same range; and one more person ahead
never shortens any simulated run, nor does one more counter serving for good lengthen one,
so the quantiles keep those orders too. It runs `RUNS` = 256 simulations, each drawing the
people ahead by one table look-up: 30 people ahead at 4 counters take about a millisecond
(`bench/queue_eta.py` times it; docs/benchmarks.md has the figure). The pools of random
numbers cost about 10 ms once, at import.
"""

from __future__ import annotations

import math
import random
import statistics
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from heapq import heapify, heapreplace
from typing import NamedTuple

RUNS = 256
# The quantiles of the simulated waits shown as the range.
LOW_QUANTILE = 0.10
HIGH_QUANTILE = 0.90
NOMINAL_COVERAGE = HIGH_QUANTILE - LOW_QUANTILE
# A service that has run longer than all but this many recent services is in the tail: its
# remaining time is drawn from how far the longest services ran past the next one.
TAIL_SAMPLES = 5
# The people ahead beyond this many are not simulated one by one (see `estimate_wait`).
MAX_PEOPLE_SIMULATED = 200
DEFAULT_NO_SHOW_SECONDS = 60.0
DEFAULT_PACE_SPREAD = 0.15
# How much the mean service time of a day differs from another's (`day_pace`).
DAY_TO_DAY_SPREAD = 0.10

# The people ahead are drawn from a table of this many quantiles of what a person costs a
# counter, indexed by a fixed pool of random indices: one look-up per draw. Column-major: the
# draws of the j-th person ahead in every run come before the (j+1)-th's, so one more person
# ahead adds draws and moves none.
_TABLE_BITS = 10
_TABLE_SIZE = 1 << _TABLE_BITS
_SEED = 20_260_101
_rng = random.Random(_SEED)
_PERSON_POOL = [_rng.getrandbits(_TABLE_BITS) for _ in range(RUNS * MAX_PEOPLE_SIMULATED)]
_PACE_DEVIATES = [_rng.gauss(0.0, 1.0) for _ in range(RUNS)]


def _uniforms(index: int) -> list[float]:
    """The uniform numbers for the counter at `index` of a snapshot, one per run, from its own
    seed: one more counter moves nobody else's draws."""
    row = random.Random(_SEED + 1 + index)
    return [row.random() for _ in range(RUNS)]


_COUNTERS_POOLED = 32
_COUNTER_POOL = [_uniforms(index) for index in range(_COUNTERS_POOLED)]


# --- input and output ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Counter:
    """A counter of the service. `busy`: it has called someone and not finished;
    `elapsed_seconds`: how long ago it called them (the current service has run that long).

    The window, when known: `opens_in_seconds` > 0 for a counter not serving yet that will
    (a clerk back from a break at an announced time; not busy); `closes_in_seconds` for a
    counter that will call nobody after that (it finishes the person at the counter). A
    counter that closes for a break and reopens is two entries: one closing, one opening."""

    busy: bool = False
    elapsed_seconds: float = 0.0
    opens_in_seconds: float = 0.0
    closes_in_seconds: float = math.inf

    @property
    def serving_now(self) -> bool:
        return self.opens_in_seconds == 0 and self.closes_in_seconds > 0


@dataclass(frozen=True)
class QueueSnapshot:
    """One service's queue as a person sees it at one moment.

    `people_ahead`: the numbers waiting to be called before this person's (not those already
    called). `counters`: the counters serving this service now, with their windows if known,
    and those announced to open (paused and closed counters without an announced return left
    out). `service_seconds`: recent service times of this service, each from a call to the
    counter's next call, no-shows left out (see `pick_service_samples`). `pace`: how much
    slower (> 1) or faster today's services run than those samples (`day_pace`).
    `no_show_share`: the recent share of called numbers that did not come (0–1).
    `no_show_seconds`: how long a counter waits for a number that does not come before it
    calls the next. `pace_spread`: the uncertainty of the queue's pace (the standard
    deviation of the log of a factor on every simulated run; 0 trusts the samples fully).
    """

    people_ahead: int
    counters: Sequence[Counter]
    service_seconds: Sequence[float]
    pace: float = 1.0
    no_show_share: float = 0.0
    no_show_seconds: float = DEFAULT_NO_SHOW_SECONDS
    pace_spread: float = DEFAULT_PACE_SPREAD


class Unknown:
    """Why a wait has no estimate (`WaitEstimate.reason`)."""

    NO_COUNTER = "no_counter"  # no counter serves the service now: "no counter open yet"
    NO_HISTORY = "no_history"  # no service time recorded for the service yet
    CLOSING = "closing"  # the counters close before this number is likely to be called


@dataclass(frozen=True)
class WaitEstimate:
    """The wait until a number is called, in whole seconds: `expected` (the median) within
    the range `low`–`high` (nominally 80% of waits). When `unknown` is true there is no
    estimate (`reason`, an `Unknown` value, says why) and the three figures are 0 and mean
    nothing: show the reason, not a number."""

    low: int
    expected: int
    high: int
    unknown: bool = False
    reason: str = ""


def _unknown(reason: str) -> WaitEstimate:
    return WaitEstimate(low=0, expected=0, high=0, unknown=True, reason=reason)


# --- choosing the samples -----------------------------------------------------------------------


class ServiceSample(NamedTuple):
    """One recorded service time with when it started: weekday 0 = Monday, hour 0–23 (local)."""

    weekday: int
    hour: int
    seconds: float


class SampleWindow(NamedTuple):
    """Which samples a window takes: weekdays and hours (local)."""

    weekdays: frozenset[int]
    hours: frozenset[int]


ALL_WEEKDAYS = frozenset(range(7))
ALL_HOURS = frozenset(range(24))
MIN_SAMPLES = 30


def sample_windows(weekday: int, hour: int) -> Iterator[SampleWindow]:
    """The windows of recorded service times to try for a moment, narrowest first:

    1. the same weekday and hour (Monday 09:00–10:00 is not Friday 09:00 nor Monday 13:00);
    2. the same weekday, the hour before and after too;
    3. every weekday, the same hour;
    4. every weekday, the hour before and after too;
    5. everything.

    A selector can turn each window into a query; `pick_service_samples` applies them to
    samples in memory."""
    near = frozenset(h for h in (hour - 1, hour, hour + 1) if 0 <= h < 24)
    yield SampleWindow(frozenset({weekday}), frozenset({hour}))
    yield SampleWindow(frozenset({weekday}), near)
    yield SampleWindow(ALL_WEEKDAYS, frozenset({hour}))
    yield SampleWindow(ALL_WEEKDAYS, near)
    yield SampleWindow(ALL_WEEKDAYS, ALL_HOURS)


def pick_service_samples(
    samples: Iterable[ServiceSample], *, weekday: int, hour: int, minimum: int = MIN_SAMPLES
) -> list[float]:
    """The service times (seconds) of the narrowest window of `sample_windows` that holds at
    least `minimum` samples; all of them when none does (possibly fewer than `minimum`, or
    none: `estimate_wait` then says the wait is unknown).

    The caller passes the recent samples of one service (e.g. the last four weeks): the
    windows narrow them to the weekday and hour, widening where the history is thin."""
    pool = list(samples)
    for window in sample_windows(weekday, hour):
        chosen = [
            s.seconds for s in pool if s.weekday in window.weekdays and s.hour in window.hours
        ]
        if len(chosen) >= minimum:
            return chosen
    return [s.seconds for s in pool]


def day_pace(
    today_seconds: Sequence[float],
    usual_seconds: Sequence[float],
    between_days: float = DAY_TO_DAY_SPREAD,
) -> float:
    """How much slower (> 1) or faster (< 1) today's services run than usual: the mean of
    today's recent service times (e.g. those that ended in the last hour and a half) over the
    mean of the usual ones (the samples the estimate reads), shrunk towards 1.

    Today's mean counts for n / (n + n0) of the answer, n0 = (cv / `between_days`)², where cv
    is the usual samples' coefficient of variation: n0 is the number of services whose mean
    is as uncertain as days differ from one another (`between_days`, about 10%). So a few long
    services move the pace little, and less for a service whose times vary much. 1 without
    samples of either kind."""
    if not today_seconds or not usual_seconds:
        return 1.0
    usual = statistics.fmean(usual_seconds)
    if usual <= 0:
        return 1.0
    prior = (statistics.pstdev(usual_seconds) / usual / between_days) ** 2
    today = statistics.fmean(today_seconds)
    count = len(today_seconds)
    return (count * today + prior * usual) / ((count + prior) * usual)


# --- the estimate -------------------------------------------------------------------------------


def baseline_wait(position: int, mean_service_seconds: float) -> int:
    """The naive estimate most queue displays show: position × average service time, in
    seconds. `position` is 1 for the next number to be called. Kept for comparison
    (`bench/queue_eta.py`); it ignores the counters, the services in progress and no-shows."""
    return round(position * mean_service_seconds)


def estimate_wait(snapshot: QueueSnapshot) -> WaitEstimate:
    """The wait until this person's number is called, as a range holding nominally 80% of
    waits (10th–90th percentile) around the median, from `RUNS` deterministic simulations of
    the model in the module's docstring.

    Unknown when no counter serves the service now (even if one is announced: nobody can
    promise it opens on time), when no service time has been recorded, and when in more than
    10% of the runs the counters close before this number is called. Known and zero when an
    idle counter serving now waits for each person ahead and for this one. Beyond
    `MAX_PEOPLE_SIMULATED` people ahead, the simulation covers that many and the rest is
    added at the average pace of the counters that stay open (the wait of a queue that long
    is a long sum, close to its average)."""
    _check(snapshot)
    counters = snapshot.counters
    if not any(counter.serving_now for counter in counters):
        return _unknown(Unknown.NO_COUNTER)
    idle = sum(1 for counter in counters if counter.serving_now and not counter.busy)
    if snapshot.people_ahead < idle:
        return WaitEstimate(low=0, expected=0, high=0)
    if not snapshot.service_seconds:
        return _unknown(Unknown.NO_HISTORY)
    services = sorted(float(s) * snapshot.pace for s in snapshot.service_seconds)
    waits = _simulated_waits(snapshot, services)
    high = _quantile(waits, HIGH_QUANTILE)
    if math.isinf(high):
        return _unknown(Unknown.CLOSING)
    return WaitEstimate(
        low=round(_quantile(waits, LOW_QUANTILE)),
        expected=round(_quantile(waits, 0.5)),
        high=round(high),
    )


def _check(snapshot: QueueSnapshot) -> None:
    if snapshot.people_ahead < 0:
        raise ValueError("people_ahead must not be negative")
    if not 0.0 <= snapshot.no_show_share <= 1.0:
        raise ValueError("no_show_share must be between 0 and 1")
    if not (0 <= snapshot.no_show_seconds < math.inf and 0 <= snapshot.pace_spread < math.inf):
        raise ValueError("no_show_seconds and pace_spread must be finite and not negative")
    if not 0 < snapshot.pace < math.inf:
        raise ValueError("pace must be positive and finite")
    if any(not math.isfinite(s) or s < 0 for s in snapshot.service_seconds):
        raise ValueError("service times must be finite and not negative")
    for counter in snapshot.counters:
        if not (math.isfinite(counter.elapsed_seconds) and counter.elapsed_seconds >= 0):
            raise ValueError("elapsed_seconds must be finite and not negative")
        if not (math.isfinite(counter.opens_in_seconds) and counter.opens_in_seconds >= 0):
            raise ValueError("opens_in_seconds must be finite and not negative")
        if counter.busy and counter.opens_in_seconds:
            raise ValueError("a counter that is not open yet cannot be busy")
        if math.isnan(counter.closes_in_seconds):
            raise ValueError("closes_in_seconds must be a number")


def _simulated_waits(snapshot: QueueSnapshot, services: list[float]) -> list[float]:
    """The wait of each simulated run, sorted; infinite in a run where every counter closed
    before this person's turn."""
    simulated = min(snapshot.people_ahead, MAX_PEOPLE_SIMULATED)
    table = _draw_table(services, snapshot.no_show_share, snapshot.no_show_seconds)
    draws = list(map(table.__getitem__, _PERSON_POOL[: RUNS * simulated]))
    paces = [math.exp(snapshot.pace_spread * z) for z in _PACE_DEVIATES]
    counters = snapshot.counters
    starts = _first_calls(counters, services, paces)
    if all(math.isinf(counter.closes_in_seconds) for counter in counters):
        waits = _runs_without_closing(starts, draws, paces)
    else:
        closes = [counter.closes_in_seconds for counter in counters]
        waits = _runs_with_closing(starts, closes, draws, paces)
    beyond = snapshot.people_ahead - simulated
    if beyond:
        staying = sum(1 for counter in counters if math.isinf(counter.closes_in_seconds))
        if not staying:
            return [math.inf] * RUNS
        mean_draw = sum(table) / len(table)
        waits = [
            wait + beyond * mean_draw * pace / staying
            for wait, pace in zip(waits, paces, strict=True)
        ]
    waits.sort()
    return waits


def _runs_without_closing(
    starts: list[list[float]], draws: list[float], paces: list[float]
) -> list[float]:
    # Each run is simulated in its own time unit, 1/pace of a second, so that its draws need no
    # scaling: the wait is then multiplied back.
    replace = heapreplace  # a local name: this loop is the estimate's hot spot
    waits = []
    for run, pace in enumerate(paces):
        free_at = [row[run] for row in starts]
        if len(free_at) == 1:
            waits.append((free_at[0] + sum(draws[run::RUNS])) * pace)
            continue
        heapify(free_at)
        for seconds in draws[run::RUNS]:
            replace(free_at, free_at[0] + seconds)
        waits.append(free_at[0] * pace)
    return waits


def _runs_with_closing(
    starts: list[list[float]], closes: list[float], draws: list[float], paces: list[float]
) -> list[float]:
    """As `_runs_without_closing`, but a counter free only at or after its closing calls
    nobody more: it is free "never" (infinity)."""
    waits = []
    for run, pace in enumerate(paces):
        free_at = []
        for row, close in zip(starts, closes, strict=True):
            at, close = row[run], close / pace
            free_at.append((at if at < close else math.inf, close))
        heapify(free_at)
        for seconds in draws[run::RUNS]:
            at, close = free_at[0]
            if math.isinf(at):
                break
            end = at + seconds
            heapreplace(free_at, (end if end < close else math.inf, close))
        waits.append(free_at[0][0] * pace)
    return waits


def _draw_table(services: list[float], no_show_share: float, no_show_seconds: float) -> list[float]:
    """`_TABLE_SIZE` evenly spaced quantiles of what a person ahead costs a counter: the
    no-show wait with the no-show share, else a service time (from the sorted samples)."""
    no_shows = round(no_show_share * _TABLE_SIZE)
    shown = _TABLE_SIZE - no_shows
    count = len(services)
    return [no_show_seconds] * no_shows + [services[i * count // shown] for i in range(shown)]


def _first_calls(
    counters: Sequence[Counter], services: list[float], paces: list[float]
) -> list[list[float]]:
    """For each counter, in every run (in the run's time unit, 1/pace of a second), when it
    can first call someone: now if idle, when it opens if announced, after the remaining time
    of its current service if busy."""
    rows = []
    for index, counter in enumerate(counters):
        if counter.opens_in_seconds or not counter.busy:
            rows.append([counter.opens_in_seconds / pace for pace in paces])
            continue
        remaining = _remaining_times(services, counter.elapsed_seconds)
        count = len(remaining)
        uniforms = _COUNTER_POOL[index] if index < _COUNTERS_POOLED else _uniforms(index)
        rows.append([remaining[int(u * count)] for u in uniforms])
    return rows


def _remaining_times(services: list[float], elapsed: float) -> list[float]:
    """The remaining times of a service that has run `elapsed` seconds, as equally likely
    values: those of the recent services longer than that, or (in the tail) how far the
    longest ran past the next longest one."""
    longer = services[bisect_right(services, elapsed) :]
    if len(longer) >= TAIL_SAMPLES:
        return [s - elapsed for s in longer]
    if len(services) <= TAIL_SAMPLES:
        return services
    threshold = services[-TAIL_SAMPLES - 1]
    return [s - threshold for s in services[-TAIL_SAMPLES:]]


def _quantile(ordered: Sequence[float], q: float) -> float:
    """The nearest-rank quantile of sorted values."""
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]
