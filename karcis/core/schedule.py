"""The periodic jobs: one schedule, run by `karcis scheduler` embedded or by Celery beat.

Apps declare their jobs from AppConfig.ready():

* `every(name, task, seconds)`: a Celery task run at an interval (sending due mail,
  dispatching the event log). The task sweeps every organisation itself
  (core.tenancy.for_each_organisation).
* `daily(name, function, at=time(3))` and `weekly(name, function, weekday, at)`: a function
  run once per organisation at a time of day in *that organisation's* time zone (a backlog
  snapshot at midnight in Jakarta is 01:00 in Makassar). `function(organisation=…)` runs
  inside the organisation's scope.

Celery beat cannot keep a different clock per organisation, so the calendar jobs ride on
one interval entry, "calendar-jobs", every minute (`calendar_jobs_run_due`). For each job
and organisation it finds the latest slot that has come, records it as a ScheduledRun
first (the unique slot means two schedulers, or beat and the embedded scheduler by
mistake, run it once), then runs it. A slot missed while nothing was running (the server
was down at 03:00) is still run when the scheduler comes back within CATCH_UP; older ones
are left.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from karcis.core.models import Organisation, ScheduledRun

logger = logging.getLogger(__name__)

CALENDAR_TICK_SECONDS = 60.0
CATCH_UP = timedelta(hours=12)
CALENDAR_TASK = "karcis.core.tasks.calendar_jobs_run_due_task"


@dataclass(frozen=True)
class IntervalJob:
    name: str
    task: str  # a Celery task's name (module path)
    seconds: float


@dataclass(frozen=True)
class CalendarJob:
    """A job run per organisation at a local time: daily, or weekly on `weekdays`."""

    name: str
    function: str  # "module.function", called as function(organisation=…)
    at: time
    weekdays: tuple[int, ...] | None = None  # Monday is 0; None: every day

    def latest_slot(self, now: datetime, zone: ZoneInfo) -> datetime:
        """The newest moment at or before `now` when this job was due, in `zone`'s time."""
        local = now.astimezone(zone)
        day = local.date()
        for _back in range(8):
            slot = datetime.combine(day, self.at, tzinfo=zone)
            if slot <= local and (self.weekdays is None or day.weekday() in self.weekdays):
                return slot
            day -= timedelta(days=1)
        raise ValueError(f"{self.name}: no slot in the last week")


_intervals: dict[str, IntervalJob] = {}
_calendar: dict[str, CalendarJob] = {}


def every(name: str, task: str, *, seconds: float) -> None:
    """Declare a job run every `seconds` seconds."""
    _intervals[name] = IntervalJob(name=name, task=task, seconds=float(seconds))


def daily(name: str, function: str, *, at: time) -> None:
    """Declare `function(organisation)` to run every day at `at` in each organisation's zone."""
    _calendar[name] = CalendarJob(name=name, function=function, at=at)


def weekly(name: str, function: str, *, weekday: int, at: time) -> None:
    """Declare `function(organisation)` to run every week on `weekday` (Monday 0) at `at`."""
    if not 0 <= weekday <= 6:
        raise ValueError("weekday is 0 (Monday) to 6 (Sunday)")
    _calendar[name] = CalendarJob(name=name, function=function, at=at, weekdays=(weekday,))


def interval_jobs() -> dict[str, IntervalJob]:
    return dict(_intervals)


def calendar_jobs() -> dict[str, CalendarJob]:
    return dict(_calendar)


def beat_schedule() -> dict[str, dict[str, Any]]:
    """The schedule as Celery beat reads it (and `karcis scheduler` too)."""
    schedule: dict[str, dict[str, Any]] = {
        job.name: {"task": job.task, "schedule": job.seconds} for job in _intervals.values()
    }
    if _calendar:
        schedule["calendar-jobs"] = {"task": CALENDAR_TASK, "schedule": CALENDAR_TICK_SECONDS}
    return schedule


def _function(path: str) -> Callable[..., Any]:
    module, _dot, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def calendar_jobs_run_due(*, now: datetime | None = None) -> int:
    """Run every calendar job whose latest slot has come for an organisation and has not run
    yet (within CATCH_UP); returns how many runs were started."""
    from django_scopes import scope

    from karcis.core.tenancy import for_each_organisation

    now = now or timezone.now()
    started = 0

    def visit(organisation: Organisation) -> int:
        zone = ZoneInfo(organisation.time_zone)
        ran = 0
        for job in _calendar.values():
            slot = job.latest_slot(now, zone)
            if now - slot > CATCH_UP:
                continue
            run = _claim(job, organisation, slot)
            if run is None:
                continue
            with scope(organisation=organisation.pk):
                _run(job, organisation, run)
            ran += 1
        return ran

    for count in for_each_organisation(visit).values():
        started += count
    return started


def _claim(job: CalendarJob, organisation: Organisation, slot: datetime) -> ScheduledRun | None:
    try:
        with transaction.atomic():
            return ScheduledRun.objects.create(job=job.name, organisation=organisation, slot=slot)
    except IntegrityError:  # this slot ran already, or another scheduler has it
        return None


def _run(job: CalendarJob, organisation: Organisation, run: ScheduledRun) -> None:
    error = ""
    try:
        with transaction.atomic():
            _function(job.function)(organisation=organisation)
    except Exception as problem:
        logger.exception("Scheduled job %s failed for organisation %s", job.name, organisation.pk)
        error = f"{type(problem).__name__}: {problem}"[:2000]
    ScheduledRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), error=error)
