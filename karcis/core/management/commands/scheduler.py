"""`karcis scheduler`: run the periodic jobs (the schedule the apps declare, core.schedule) in
this process.

The embedded setup has no Celery workers and no beat: `make run` starts this command beside
the web server, and it calls each job itself at its interval, starting with one run of every
job. The daily and weekly jobs, each at its time in each organisation's time zone, ride on
the "calendar-jobs" entry, every minute. With a broker configured it works the same way (the
jobs still run here, not on the workers); a deployment with workers may run
`celery -A karcis beat` instead — both read the one schedule, so run one of them, not both.

Jobs run with no organisation in scope: each works for its organisations in their scopes
(core.tenancy), and a query that forgets one fails loudly.

A job that raises is logged and the others carry on; its next run comes at its interval.
SIGTERM or Ctrl+C lets a running job finish, then stops (jobs are bounded: SMTP and IMAP
have timeouts).
"""

from __future__ import annotations

import logging
import select
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from celery.schedules import schedule as interval_schedule
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone

logger = logging.getLogger("karcis.scheduler")

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass
class Job:
    name: str
    task: Callable
    interval: float  # seconds between the starts of two runs
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    next_run: float = 0.0  # on the scheduler's monotonic clock


def _interval_seconds(name: str, value) -> float:
    if type(value) is interval_schedule:  # not crontab or solar: those are not intervals
        value = value.run_every  # type: ignore[attr-defined]  # celery-types lacks it
    if isinstance(value, timedelta):
        value = value.total_seconds()
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return float(value)
    raise CommandError(
        f"Schedule entry {name!r}: only intervals (seconds or a timedelta) run in-process; "
        "for crontab schedules run `celery -A karcis beat` with a broker."
    )


def jobs_from(beat_schedule: dict, tasks) -> list[Job]:
    """The schedule's entries with their task functions; an unknown task is refused."""
    jobs = []
    for name, entry in beat_schedule.items():
        try:
            task = tasks[entry["task"]]
        except KeyError:
            raise CommandError(f"Schedule entry {name!r}: unknown task {entry['task']!r}") from None
        jobs.append(
            Job(
                name=name,
                task=task,
                interval=_interval_seconds(name, entry["schedule"]),
                args=tuple(entry.get("args", ())),
                kwargs=dict(entry.get("kwargs", {})),
            )
        )
    return jobs


def _connections_refresh() -> None:
    """A process that lives for days drops database connections that broke or aged, as
    Django does around each request (never inside a transaction: a test runs in one)."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


class Scheduler:
    """Runs jobs when due; `clock` is monotonic seconds (replaceable in tests).

    Stopping: `stop()` (the SIGINT/SIGTERM handler) lets the running job finish. The sleep
    between runs waits on `wakeup`, the socket Python writes each signal's number to
    (signal.set_wakeup_fd), so a signal that the kernel hands to another thread (a database
    pool's, an IMAP worker's) still ends the sleep at once.
    """

    def __init__(
        self,
        jobs: list[Job],
        *,
        report: Callable[[str, bool], None],
        clock: Callable[[], float] = time.monotonic,
        wakeup: socket.socket | None = None,
    ):
        self.jobs = jobs
        self.report = report
        self.clock = clock
        self.wakeup = wakeup
        self.stopping = False
        start = clock()
        for job in jobs:
            job.next_run = start  # every job runs once right away

    def due(self) -> list[Job]:
        now = self.clock()
        return [job for job in self.jobs if job.next_run <= now]

    def seconds_until_next(self) -> float:
        return max(0.0, min(job.next_run for job in self.jobs) - self.clock())

    def run_due(self) -> int:
        """Run every due job once; returns how many ran."""
        ran = 0
        for job in self.due():
            if self.stopping:
                break
            self.run(job)
            ran += 1
        return ran

    def run(self, job: Job) -> None:
        # Measured from the start, so a job runs every `interval` seconds however long it
        # takes; one that overruns runs again at once, never twice to catch up.
        job.next_run = self.clock() + job.interval
        _connections_refresh()
        try:
            result = job.task(*job.args, **job.kwargs)
        except Exception as error:
            logger.exception("Periodic job %s failed", job.name)
            self.report(f"{job.name}: failed: {type(error).__name__}: {error}", True)
        else:
            if result:
                self.report(f"{job.name}: {result}", False)
        finally:
            _connections_refresh()

    def run_forever(self) -> None:
        while not self.stopping:
            self.run_due()
            if not self.stopping:
                self.sleep(self.seconds_until_next())

    def sleep(self, seconds: float) -> None:
        if self.wakeup is None:
            time.sleep(seconds)
            return
        readable, _writable, _failed = select.select([self.wakeup], [], [], seconds)
        if readable and any(number in STOP_SIGNALS for number in self.wakeup.recv(64)):
            self.stopping = True

    def stop(self, signum=None, frame=None) -> None:
        """Signal handler: stop after the running job, if any."""
        self.stopping = True


class Command(BaseCommand):
    help = "Run the periodic jobs (sending due mail, polling mailboxes, …) in this process."

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Run every job once, then exit (for cron)."
        )

    def handle(self, *args, **options):
        from karcis.celery import app
        from karcis.core.schedule import beat_schedule

        app.loader.import_default_modules()  # registers every app's tasks
        jobs = jobs_from(beat_schedule(), app.tasks)
        if not jobs:
            raise CommandError("No app declares a periodic job (core.schedule).")
        scheduler = Scheduler(jobs, report=self._report)
        if options["once"]:
            scheduler.run_due()
            return
        names = ", ".join(f"{job.name} every {job.interval:g}s" for job in jobs)
        self.stdout.write(f"Scheduler: {names}. Ctrl+C stops.")
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            self.stdout.write(
                "A Celery broker is configured: the jobs still run in this process "
                "(or run `celery -A karcis beat` instead of this command, not both)."
            )
        self._run_until_stopped(scheduler)
        self.stdout.write("Scheduler stopped.")

    def _run_until_stopped(self, scheduler: Scheduler) -> None:
        wakeup, writer = socket.socketpair()
        writer.setblocking(False)
        previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
        previous = {number: signal.signal(number, scheduler.stop) for number in STOP_SIGNALS}
        scheduler.wakeup = wakeup
        try:
            scheduler.run_forever()
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
            signal.set_wakeup_fd(previous_fd)
            wakeup.close()
            writer.close()

    def _report(self, line: str, failed: bool) -> None:
        stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
        stream = self.stderr if failed else self.stdout
        stream.write(f"{stamp} {line}")
        stream.flush()
