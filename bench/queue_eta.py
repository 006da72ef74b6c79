#!/usr/bin/env python
"""Wait estimates of the public queues, measured: simulated office days, the wait each person
was shown (Karcis' range and the naive "position × average service time") against the wait
they then had.

    .venv/bin/python bench/queue_eta.py                 # every scenario, 8 seeds (~1.5 min)
    .venv/bin/python bench/queue_eta.py --seeds 3 --scenario rush
    .venv/bin/python bench/queue_eta.py --write-docs    # … and update docs/benchmarks.md

No database, no Django: `karcis.queueing.estimate` is pure Python. What is simulated (a
population-registry office, Disdukcapil-like; times in local seconds after midnight):

* Two services, each with its own queue and counters: KTP-el recording (4 counters, services
  of 5 min on average) and family cards and certificates (2 counters, 11 min, more spread).
  Service times are log-normal, slower after noon, with a pace of the day (some days the
  whole office is slower) and a pace of each counter's clerk that day.
* The kiosk hands out numbers from 07:30 to 14:00; arrivals are Poisson with an hourly rate
  that peaks mid-morning, and people queue before the counters open at 08:00. Each counter
  opens a few minutes late, the last one only at 08:30, and every clerk takes a 40-minute
  lunch break from 11:30, staggered so that at least half the counters keep serving, and
  comes back a few minutes late. Counters keep calling until everyone who took a number has
  been called.
* A no-show (10% of numbers on an ordinary day) is called, waited for 30–90 s and skipped.
* What the estimator reads: the counters serving at the moment (busy or not, and for how
  long); the service times of the previous weeks' ordinary days of the same office, tagged
  with weekday and hour and picked by `pick_service_samples`; the pace of the day
  (`day_pace`: today's services of the last 90 minutes against those samples); and the
  no-show share of the service's last 100 calls (today's included).
* The baselines read the same samples' mean.

Scenarios: an ordinary day, a calm day (65% of the arrivals), a rush (140%), a counter of
each service closing unannounced 09:30–11:00, and a day with 25% no-shows.

Each person is shown an estimate when they take their number and again every
`--refresh-minutes` while they wait (the live status page); each estimate is compared with
the time until the number was actually called. Two variants of Karcis' estimate run on the
same snapshots: with the roster of the counters (their lunch breaks and planned openings as
`Counter` windows), and without the pace spread (`pace_spread=0`).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import shlex
import statistics
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from heapq import heappop, heappush
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:0] = [str(BENCH_DIR), str(ROOT)]

import desk  # noqa: E402  (bench/desk.py: the docs file and the load average)

from karcis.queueing.estimate import (  # noqa: E402
    DEFAULT_PACE_SPREAD,
    MAX_PEOPLE_SIMULATED,
    NOMINAL_COVERAGE,
    Counter,
    QueueSnapshot,
    ServiceSample,
    WaitEstimate,
    baseline_wait,
    day_pace,
    estimate_wait,
    pick_service_samples,
)

DOCS_START = "<!-- bench/queue_eta.py: start -->"
DOCS_END = "<!-- bench/queue_eta.py: end -->"

HOUR = 3600
MINUTE = 60
KIOSK_OPENS = 7 * HOUR + 30 * MINUTE
KIOSK_CLOSES = 14 * HOUR
COUNTERS_OPEN = 8 * HOUR
LUNCH_FROM = 11 * HOUR + 30 * MINUTE
LUNCH_MINUTES = 40
# Share of the day's arrivals in each hour (07 is the half hour from 07:30), peaking at 09–10.
HOURLY_SHARE = {7: 0.08, 8: 0.15, 9: 0.20, 10: 0.18, 11: 0.14, 12: 0.10, 13: 0.15}
NO_SHOW_WAIT = (30.0, 90.0)  # seconds a counter waits for a number that does not come
RECENT_CALLS = 100  # the no-show share is that of the service's last 100 calls
DAY_PACE_SPREAD = 0.08  # log-normal sd of the office's pace from day to day
CLERK_PACE_SPREAD = 0.10  # … and of each clerk's pace on a day
AFTERNOON_SLOWER = 1.08
WORKDAYS = 5


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    counters: int
    mean_seconds: float
    cv: float  # coefficient of variation of the service time
    daily_arrivals: float  # on an ordinary day


SERVICES = (
    Service("A", "KTP-el recording", counters=4, mean_seconds=300, cv=0.6, daily_arrivals=230),
    Service("B", "family cards, certificates", 2, 660, 0.9, daily_arrivals=58),
)


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    arrivals: float = 1.0
    no_show_share: float = 0.10
    # An unannounced closing of one counter of each service: (from, until), local seconds.
    closing: tuple[int, int] | None = None


SCENARIOS = (
    Scenario("ordinary", "Ordinary day"),
    Scenario("calm", "Calm day (65% of the arrivals)", arrivals=0.65),
    Scenario("rush", "Rush (140% of the arrivals)", arrivals=1.4),
    Scenario(
        "closing",
        "A counter of each service closes 09:30–11:00, unannounced",
        closing=(9 * HOUR + 30 * MINUTE, 11 * HOUR),
    ),
    Scenario("no-shows", "25% no-shows", no_show_share=0.25),
)
ORDINARY = SCENARIOS[0]


# --- one day at one service ---------------------------------------------------------------------


@dataclass
class Observation:
    """An estimate shown at `at` and what happened."""

    at: float
    when: str  # "arrival" or "waiting"
    people_ahead: int
    karcis: WaitEstimate  # from the counters serving now (what the issue asks)
    planned: WaitEstimate  # … and the counters' plan: breaks, openings
    no_spread: WaitEstimate  # as `karcis` with pace_spread 0
    baseline: int  # position × mean service time
    baseline_per_counter: int  # position × mean service time ÷ counters serving
    micros: float  # the wall time estimate_wait took
    cpu_micros: float  # … and its CPU time
    before_opening: bool  # no counter of the service had opened yet today
    realised: float = math.nan


@dataclass
class Person:
    seq: int
    arrived: float
    no_show: bool
    called_at: float | None = None
    observations: list[Observation] = field(default_factory=list)


@dataclass
class Clerk:
    planned: list[tuple[float, float]]  # when the counter should be open (the roster)
    intervals: list[tuple[float, float]]  # when it is
    pace: float
    open: bool = False
    busy: bool = False
    started: float = 0.0


@dataclass
class History:
    """What the office remembers of a service: service times by weekday and hour, and
    whether each recent call was a no-show."""

    samples: list[ServiceSample] = field(default_factory=list)
    recent_calls: deque[bool] = field(default_factory=lambda: deque(maxlen=RECENT_CALLS))

    def copy(self) -> History:
        return History(list(self.samples), deque(self.recent_calls, maxlen=RECENT_CALLS))


@dataclass
class Settings:
    refresh_seconds: float
    pace_spread: float
    observe: bool


class Day:
    """One service's queue over one day, event by event."""

    def __init__(
        self,
        service: Service,
        scenario: Scenario,
        weekday: int,
        history: History,
        settings: Settings,
        rng: random.Random,
    ):
        self.service = service
        self.scenario = scenario
        self.weekday = weekday
        self.history = history
        self.settings = settings
        self.rng = rng
        self.pace = rng.lognormvariate(0.0, DAY_PACE_SPREAD)
        self.clerks = [self._clerk(index) for index in range(service.counters)]
        self.queue: deque[Person] = deque()
        self.opened = False
        # Today's services, (start, seconds), for the pace of the day.
        self.today: list[tuple[float, float]] = []
        self.people: list[Person] = []
        self.events: list[tuple[float, int, int, Callable[[float], None]]] = []
        self.order = 0
        # The history as it stood this morning is what the estimator reads.
        self.morning_samples = list(history.samples)
        self.samples_by_hour: dict[int, list[float]] = {}

    # -- the day's plan

    def _clerk(self, index: int) -> Clerk:
        """The roster: open at 08:00 (the last counter at 08:30), a 40-minute lunch break
        staggered from 11:30, open until everyone has been called. The clerk comes 0–10
        minutes late in the morning (0–5 at 08:30) and 0–5 minutes late from lunch; in the
        "closing" scenario the first counter also closes unannounced."""
        late_counter = index == self.service.counters - 1
        opens = COUNTERS_OPEN + (30 * MINUTE if late_counter else 0)
        # At most half the counters at lunch at once: with 4, two by two, 20 minutes apart.
        stagger = LUNCH_MINUTES * MINUTE * 2 / self.service.counters
        lunch = LUNCH_FROM + index * stagger
        back = lunch + LUNCH_MINUTES * MINUTE
        planned: list[tuple[float, float]] = [(opens, lunch), (back, math.inf)]
        late = self.rng.uniform(0, (5 if late_counter else 10) * MINUTE)
        intervals = [(opens + late, lunch), (back + self.rng.uniform(0, 5 * MINUTE), math.inf)]
        if self.scenario.closing and index == 0:
            start, end = self.scenario.closing
            intervals = _cut(intervals, start, end)
        return Clerk(planned, intervals, pace=self.rng.lognormvariate(0, CLERK_PACE_SPREAD))

    def _arrivals(self) -> list[float]:
        moments = []
        for hour, share in HOURLY_SHARE.items():
            start = max(hour * HOUR, KIOSK_OPENS)
            end = min((hour + 1) * HOUR, KIOSK_CLOSES)
            rate = self.service.daily_arrivals * self.scenario.arrivals * share / (end - start)
            t = start + self.rng.expovariate(rate)
            while t < end:
                moments.append(t)
                t += self.rng.expovariate(rate)
        return moments

    # -- the event loop

    def at(self, moment: float, priority: int, action: Callable[[float], None]) -> None:
        self.order += 1
        heappush(self.events, (moment, priority, self.order, action))

    def run(self) -> list[Person]:
        for index, clerk in enumerate(self.clerks):
            for start, end in clerk.intervals:
                self.at(start, 0, partial(self._open, index))
                if end < math.inf:
                    self.at(end, 0, partial(self._close, index))
        for moment in self._arrivals():
            self.at(moment, 2, self._arrive)
        while self.events:
            moment, _, _, action = heappop(self.events)
            action(moment)
            self._call(moment)
        return self.people

    def _open(self, index: int, t: float) -> None:
        self.clerks[index].open = True
        self.opened = True

    def _close(self, index: int, t: float) -> None:
        # A clerk leaving for a break finishes the person at the counter first.
        self.clerks[index].open = False

    def _free(self, index: int, t: float) -> None:
        self.clerks[index].busy = False

    def _arrive(self, t: float) -> None:
        person = Person(
            seq=len(self.people),
            arrived=t,
            no_show=self.rng.random() < self.scenario.no_show_share,
        )
        self.people.append(person)
        if self.settings.observe:
            self._observe(person, t, "arrival", people_ahead=len(self.queue))
            self.at(t + self.settings.refresh_seconds, 3, partial(self._refresh, person))
        self.queue.append(person)

    def _refresh(self, person: Person, t: float) -> None:
        if person.called_at is not None:
            return
        self._observe(person, t, "waiting", people_ahead=person.seq - self.queue[0].seq)
        self.at(t + self.settings.refresh_seconds, 3, partial(self._refresh, person))

    def _call(self, t: float) -> None:
        for index, clerk in enumerate(self.clerks):
            if not self.queue:
                return
            if not clerk.open or clerk.busy:
                continue
            person = self.queue.popleft()
            person.called_at = t
            for observation in person.observations:
                observation.realised = t - observation.at
            self.history.recent_calls.append(person.no_show)
            if person.no_show:
                duration = self.rng.uniform(*NO_SHOW_WAIT)
            else:
                duration = self._service_time(clerk, t)
                self.history.samples.append(ServiceSample(self.weekday, int(t // HOUR), duration))
                self.today.append((t, duration))
            clerk.busy, clerk.started = True, t
            self.at(t + duration, 1, partial(self._free, index))

    def _service_time(self, clerk: Clerk, t: float) -> float:
        mean = self.service.mean_seconds * self.pace * clerk.pace
        if t >= 12 * HOUR:
            mean *= AFTERNOON_SLOWER
        sigma = math.sqrt(math.log(1 + self.service.cv**2))
        return self.rng.lognormvariate(math.log(mean) - sigma**2 / 2, sigma)

    # -- what a person is shown

    def _observe(self, person: Person, t: float, when: str, *, people_ahead: int) -> None:
        hour = int(t // HOUR)
        if hour not in self.samples_by_hour:
            self.samples_by_hour[hour] = pick_service_samples(
                self.morning_samples, weekday=self.weekday, hour=hour
            )
        samples = self.samples_by_hour[hour]
        # Today's services that ended in the last 90 minutes: the pace of the day.
        recent = [
            seconds for start, seconds in self.today if t - 90 * MINUTE <= start + seconds <= t
        ]
        calls = self.history.recent_calls
        snapshot = QueueSnapshot(
            people_ahead=people_ahead,
            counters=self._serving(t),
            service_seconds=samples,
            pace=day_pace(recent, samples),
            no_show_share=sum(calls) / len(calls) if calls else 0.0,
            pace_spread=self.settings.pace_spread,
        )
        started, started_cpu = time.perf_counter_ns(), time.process_time_ns()
        karcis = estimate_wait(snapshot)
        cpu_micros = (time.process_time_ns() - started_cpu) / 1000
        micros = (time.perf_counter_ns() - started) / 1000
        planned = estimate_wait(replace(snapshot, counters=self._serving_and_planned(t)))
        mean = statistics.fmean(samples)
        # A naive display divides by the counters it knows of: those open, else the planned.
        dividing = len(snapshot.counters) or self.service.counters
        person.observations.append(
            Observation(
                at=t,
                when=when,
                people_ahead=people_ahead,
                karcis=karcis,
                planned=planned,
                no_spread=estimate_wait(replace(snapshot, pace_spread=0.0)),
                baseline=baseline_wait(people_ahead + 1, mean),
                baseline_per_counter=baseline_wait(people_ahead + 1, mean / dividing),
                micros=micros,
                cpu_micros=cpu_micros,
                before_opening=not self.opened,
            )
        )

    def _serving(self, t: float) -> list[Counter]:
        return [self._now(clerk, t) for clerk in self.clerks if clerk.open]

    @staticmethod
    def _now(clerk: Clerk, t: float, closes_in: float = math.inf) -> Counter:
        elapsed = t - clerk.started if clerk.busy else 0.0
        return Counter(busy=clerk.busy, elapsed_seconds=elapsed, closes_in_seconds=closes_in)

    def _serving_and_planned(self, t: float) -> list[Counter]:
        """The counters serving now with what the roster says of the rest of the day: when
        each will close for its break, and when it will open (a late clerk, or one whose
        break is over but who is not back, is left out: nobody knows when they come)."""
        counters = []
        for clerk in self.clerks:
            for start, end in clerk.planned:
                if end <= t:
                    continue
                if clerk.open and start <= t:
                    counters.append(self._now(clerk, t, closes_in=end - t))
                elif start > t:
                    counters.append(Counter(opens_in_seconds=start - t, closes_in_seconds=end - t))
        return counters


def _cut(
    intervals: list[tuple[float, float]], start: float, end: float
) -> list[tuple[float, float]]:
    """The intervals without [start, end)."""
    kept = []
    for a, b in intervals:
        if b <= start or a >= end:
            kept.append((a, b))
            continue
        if a < start:
            kept.append((a, start))
        if b > end:
            kept.append((end, b))
    return kept


def simulate(
    service: Service,
    scenario: Scenario,
    weekday: int,
    history: History,
    settings: Settings,
    rng: random.Random,
) -> list[Person]:
    return Day(service, scenario, weekday, history, settings, rng).run()


def build_history(service: Service, weeks: int, seed: int) -> History:
    """`weeks` weeks of ordinary working days before the measured day."""
    history = History()
    quiet = Settings(refresh_seconds=math.inf, pace_spread=0.0, observe=False)
    rng = random.Random(f"history-{seed}-{service.code}")
    for _ in range(weeks):
        for weekday in range(WORKDAYS):
            simulate(service, ORDINARY, weekday, history, quiet, rng)
    return history


def run_seed(
    seed: int, scenarios: list[Scenario], settings: Settings, weeks: int
) -> dict[str, list[Observation]]:
    """Every scenario's observations for one seed: one history, then each scenario's day (a
    weekday that turns with the seed) from that history."""
    weekday = seed % WORKDAYS
    found: dict[str, list[Observation]] = {s.name: [] for s in scenarios}
    for service in SERVICES:
        history = build_history(service, weeks, seed)
        for scenario in scenarios:
            rng = random.Random(f"day-{seed}-{service.code}-{scenario.name}")
            people = simulate(service, scenario, weekday, history.copy(), settings, rng)
            found[scenario.name] += [o for p in people for o in p.observations]
    return found


# --- figures ------------------------------------------------------------------------------------


@dataclass
class Range:
    """How one estimator did on the observations where it gave a figure."""

    mae: float  # minutes
    inside: float  # share of realised waits within the range
    below: float  # … shorter than its low end
    above: float  # … longer than its high end
    width: float  # mean width of the range, minutes


@dataclass
class Figures:
    estimates: int  # with a figure
    unknown: int
    realised: float  # mean realised wait, minutes
    karcis: Range
    planned: Range
    no_spread: Range
    baseline_mae: float
    per_counter_mae: float
    unknown_baseline_mae: float  # the per-counter baseline where Karcis said "unknown"
    unknown_before_opening: int


def _mae(pairs: list[tuple[float, float]]) -> float:
    return statistics.fmean(abs(a - b) for a, b in pairs) / MINUTE if pairs else math.nan


def _range(estimates: list[tuple[WaitEstimate, float]]) -> Range:
    known = [(e, realised) for e, realised in estimates if not e.unknown]
    if not known:
        return Range(math.nan, math.nan, math.nan, math.nan, math.nan)
    n = len(known)
    return Range(
        mae=_mae([(e.expected, realised) for e, realised in known]),
        inside=sum(1 for e, r in known if e.low <= r <= e.high) / n,
        below=sum(1 for e, r in known if r < e.low) / n,
        above=sum(1 for e, r in known if r > e.high) / n,
        width=statistics.fmean(e.high - e.low for e, _ in known) / MINUTE,
    )


def figures(observations: list[Observation]) -> Figures:
    """The figures over the observations where Karcis (counters serving now) gave a figure;
    the other estimators are judged on the same ones."""
    known = [o for o in observations if not o.karcis.unknown]
    unknown = [o for o in observations if o.karcis.unknown]
    return Figures(
        estimates=len(known),
        unknown=len(unknown),
        realised=statistics.fmean(o.realised for o in known) / MINUTE if known else math.nan,
        karcis=_range([(o.karcis, o.realised) for o in known]),
        planned=_range([(o.planned, o.realised) for o in known]),
        no_spread=_range([(o.no_spread, o.realised) for o in known]),
        baseline_mae=_mae([(o.baseline, o.realised) for o in known]),
        per_counter_mae=_mae([(o.baseline_per_counter, o.realised) for o in known]),
        unknown_baseline_mae=_mae([(o.baseline_per_counter, o.realised) for o in unknown]),
        unknown_before_opening=sum(1 for o in unknown if o.before_opening),
    )


def percent(value: float) -> str:
    return f"{100 * value:.0f}%"


def coverage(r: Range) -> str:
    return f"{percent(r.inside)} ({percent(r.below)} / {percent(r.above)})"


def results_table(rows: list[tuple[str, Figures]]) -> str:
    lines = [
        "| | estimates | mean realised wait | Karcis MAE | baseline MAE: position × mean "
        "| baseline MAE: ÷ counters serving | inside Karcis' range (below / above) "
        "| range width |",
        "|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for name, f in rows:
        lines.append(
            f"| {name} | {f.estimates:,} | {f.realised:.1f} min | **{f.karcis.mae:.1f} min** | "
            f"{f.baseline_mae:.1f} min | {f.per_counter_mae:.1f} min | {coverage(f.karcis)} | "
            f"{f.karcis.width:.1f} min |"
        )
    return "\n".join(lines)


def variants_table(rows: list[tuple[str, Figures]]) -> str:
    lines = [
        "| | Karcis: MAE, inside, width | with the counters' plan: MAE, inside (below / above), "
        "width | without the pace spread: MAE, inside (below / above), width |",
        "|---|---|---|---|",
    ]
    for name, f in rows:
        cells = [
            f"{r.mae:.1f} min, {coverage(r) if r is not f.karcis else percent(r.inside)}, "
            f"{r.width:.1f} min"
            for r in (f.karcis, f.planned, f.no_spread)
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def bucket_rows(observations: list[Observation]) -> list[tuple[str, Figures]]:
    """The overall figures at arrival vs while waiting, and by how many people were ahead."""
    groups: list[tuple[str, Callable[[Observation], bool]]] = [
        ("at arrival", lambda o: o.when == "arrival"),
        ("later, while waiting", lambda o: o.when == "waiting"),
        ("0–3 people ahead", lambda o: o.people_ahead <= 3),
        ("4–15 people ahead", lambda o: 4 <= o.people_ahead <= 15),
        ("16 or more ahead", lambda o: o.people_ahead >= 16),
    ]
    rows = []
    for name, test in groups:
        chosen = [o for o in observations if test(o)]
        if any(not o.karcis.unknown for o in chosen):
            rows.append((name, figures(chosen)))
    return rows


def _pct(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def timed_calls(snapshot: QueueSnapshot, calls: int) -> tuple[list[float], list[float]]:
    """Wall and CPU times of `calls` estimates of one snapshot, in µs, each sorted."""
    for _ in range(50):
        estimate_wait(snapshot)
    wall, cpu = [], []
    for _ in range(calls):
        started, started_cpu = time.perf_counter_ns(), time.process_time_ns()
        estimate_wait(snapshot)
        cpu.append((time.process_time_ns() - started_cpu) / 1000)
        wall.append((time.perf_counter_ns() - started) / 1000)
    return sorted(wall), sorted(cpu)


def timing(observations: list[Observation], calls: int) -> list[str]:
    """estimate_wait's time, the issue's case (30 people ahead at 4 busy counters) and the
    longest queue simulated one by one, timed apart; then over the bench's own snapshots. Wall
    time and the process's CPU time: on a shared machine the CPU time is the steadier."""
    rng = random.Random(7)
    samples = [rng.lognormvariate(5.5, 0.6) for _ in range(120)]
    counters = [Counter(busy=True, elapsed_seconds=rng.uniform(0, 400)) for _ in range(4)]
    lines = [
        "| `estimate_wait` | calls | wall p50 µs | wall p95 µs | CPU p50 µs | CPU p95 µs |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for ahead in (30, MAX_PEOPLE_SIMULATED):
        snapshot = QueueSnapshot(ahead, counters, samples, no_show_share=0.1)
        wall, cpu = timed_calls(snapshot, calls)
        lines.append(
            f"| {ahead} people ahead, 4 busy counters, 120 samples | {calls:,} | "
            f"{_pct(wall, 0.5):.0f} | {_pct(wall, 0.95):.0f} | {_pct(cpu, 0.5):.0f} | "
            f"{_pct(cpu, 0.95):.0f} |"
        )
    wall = sorted(o.micros for o in observations)
    cpu = sorted(o.cpu_micros for o in observations)
    lines.append(
        f"| the benchmark's snapshots (0–{max(o.people_ahead for o in observations)} people "
        f"ahead) | {len(wall):,} | {_pct(wall, 0.5):.0f} | {_pct(wall, 0.95):.0f} | "
        f"{_pct(cpu, 0.5):.0f} | {_pct(cpu, 0.95):.0f} |"
    )
    return lines


# --- run and report -----------------------------------------------------------------------------


def machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} CPUs ({cpu}); Python {platform.python_version()}; {platform.platform()}"
    )


def measure(args) -> dict:
    scenarios = [s for s in SCENARIOS if not args.scenario or s.name in args.scenario]
    settings = Settings(
        refresh_seconds=args.refresh_minutes * MINUTE,
        pace_spread=DEFAULT_PACE_SPREAD if args.pace_spread is None else args.pace_spread,
        observe=True,
    )
    by_scenario: dict[str, list[Observation]] = {s.name: [] for s in scenarios}
    # Per (scenario, seed): did Karcis' MAE beat both baselines?
    wins: list[tuple[str, int, bool]] = []
    load_before = desk.load_average()
    started = time.perf_counter()
    for seed in range(1, args.seeds + 1):
        found = run_seed(seed, scenarios, settings, args.history_weeks)
        for name, observations in found.items():
            by_scenario[name] += observations
            f = figures(observations)
            wins.append((name, seed, f.karcis.mae < min(f.baseline_mae, f.per_counter_mae)))
        print(f"  seed {seed}: {time.perf_counter() - started:.0f} s", flush=True)
    everything = [o for rows in by_scenario.values() for o in rows]
    rows = [(s.title, figures(by_scenario[s.name])) for s in scenarios]
    rows.append(("**All scenarios**", figures(everything)))
    return {
        "rows": rows,
        "buckets": bucket_rows(everything),
        "wins": wins,
        "timing": timing(everything, args.timed_calls),
        "seconds": time.perf_counter() - started,
        "load": (load_before, desk.load_average()),
        "overall": figures(everything),
        "pace_spread": settings.pace_spread,
    }


def report(args, found: dict, command: str) -> str:
    wins = found["wins"]
    won = sum(1 for *_, w in wins if w)
    lost = [f"{name} (seed {seed})" for name, seed, w in wins if not w]
    overall: Figures = found["overall"]
    services = "; ".join(
        f"{s.name}: {s.counters} counters, {s.mean_seconds / MINUTE:.0f} min mean service "
        f"(cv {s.cv}), {s.daily_arrivals:.0f} arrivals on an ordinary day"
        for s in SERVICES
    )
    body = [
        DOCS_START,
        "## Queue wait estimates (`bench/queue_eta.py`)",
        "",
        f"Measured {datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')} on {machine()}. "
        f"Load average (1, 5, 15 min) before {found['load'][0]}, after {found['load'][1]}. {args.seeds} seeds × "
        f"{len(found['rows']) - 1} scenarios, each seed with its own {args.history_weeks} "
        f"weeks of history; {found['seconds']:.0f} s.",
        "",
        "Simulated office days (see the script's docstring): "
        f"{services}. Numbers from 07:30 to 14:00, counters from 08:00 (each a few minutes "
        "late, one at 08:30), 40-minute lunch breaks from 11:30, staggered so that half "
        "the counters keep serving (back a few "
        "minutes late), 10% no-shows called and skipped after 30–90 s, service times "
        "log-normal with a pace of the day and of each clerk. Every person is shown an "
        f"estimate when they take a number and every {args.refresh_minutes} minutes while "
        "they wait; each is compared with the time until the number was called. Karcis' "
        "figure is `estimate_wait` (`expected`, the median, and the range meant to hold "
        f"{percent(NOMINAL_COVERAGE)} of waits; pace spread {found['pace_spread']}) from the "
        "counters serving at that moment, the service times of the previous weeks by "
        "weekday and hour (`pick_service_samples`), the pace of the day (`day_pace`, today's "
        "last 90 minutes) and the no-show share of the last 100 calls. The baselines use "
        "the same samples' mean: *position × mean* as the issue states it, and *÷ counters "
        "serving*, the same divided by the counters open (the planned number when none is), "
        "a fairer naive display. MAE: mean absolute error of the shown figure against the "
        "realised wait.",
        "",
        results_table(found["rows"]),
        "",
        f"Karcis' mean absolute error is below both baselines' in {won} of {len(wins)} "
        "(scenario, seed) days" + (f"; not in {', '.join(lost)}." if lost else "."),
        f"{overall.unknown:,} estimates (of {overall.estimates + overall.unknown:,}) were "
        f"*unknown*, no counter serving: {overall.unknown_before_opening:,} before the first "
        "counter opened, the rest in the minutes when every counter of a service was away "
        "(a clerk back late from lunch as the other left). The page says so instead of a "
        "figure; the per-counter baseline would have been off by "
        f"{overall.unknown_baseline_mae:.1f} min on average there.",
        "",
        "By queue length and moment, all scenarios:",
        "",
        results_table(found["buckets"]),
        "",
        "Two variants on the same snapshots. *With the counters' plan*: the counters also "
        "carry the roster (`closes_in_seconds` at the start of a clerk's lunch break, and an "
        "entry with `opens_in_seconds` for the counter opening at 08:30 and for each return "
        "from lunch), which the simulated clerks follow only roughly (late by a few "
        "minutes) and the unannounced closing not at all. *Without the pace spread*: "
        "`pace_spread=0`, the range only from the spread of the service times.",
        "",
        variants_table(found["rows"]),
        "",
        "The estimate's own time (the issue asks for < 2 ms at 30 people ahead and 4 counters):",
        "",
        *found["timing"],
        "",
        *desk.reproduce(command),
        DOCS_END,
    ]
    return "\n".join(body)


def parse_args(argv: list[str]):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=8, help="simulated days per scenario")
    parser.add_argument("--history-weeks", type=int, default=4)
    parser.add_argument("--refresh-minutes", type=int, default=10)
    parser.add_argument("--timed-calls", type=int, default=2000)
    parser.add_argument(
        "--scenario", action="append", choices=[s.name for s in SCENARIOS], help="repeatable"
    )
    parser.add_argument(
        "--pace-spread", type=float, help=f"instead of the default {DEFAULT_PACE_SPREAD}"
    )
    parser.add_argument(
        "--write-docs", action="store_true", help=f"update {desk.DOCS.relative_to(ROOT)}"
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    if args.write_docs and (args.scenario or args.pace_spread is not None):
        raise SystemExit("--write-docs publishes a whole run with the defaults.")
    found = measure(args)
    command = ".venv/bin/python bench/queue_eta.py " + shlex.join(argv)
    text = report(args, found, command.rstrip())
    print("\n" + text.split("\n", 2)[2].rsplit("\n", 1)[0])
    if args.write_docs:
        desk.write_docs(text, start=DOCS_START, end=DOCS_END)
        print(f"Wrote {desk.DOCS.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
