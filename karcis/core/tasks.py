"""Background jobs of the core: dispatching the event log and running the calendar jobs.

Both look across organisations on purpose and hand each piece of work to its organisation's
scope (core.eventlog hands each event over in its organisation's scope; core.schedule runs
each organisation's jobs in its scope).
"""

import time

from celery import shared_task

from karcis.core import eventlog, schedule

# How long one run of the dispatch job keeps going while a backlog remains: a rush drains
# in a few runs, and the embedded scheduler's other jobs (sending mail) still get their turn.
DISPATCH_DRAIN_SECONDS = 5.0


@shared_task(ignore_result=True)
def events_dispatch_task() -> int:
    """Hand the new events to every durable consumer, batch after batch while a backlog
    remains (up to DISPATCH_DRAIN_SECONDS); safe to run twice at once."""
    deadline = time.monotonic() + DISPATCH_DRAIN_SECONDS
    handled = 0
    while True:
        batch = eventlog.events_dispatch()
        handled += batch
        if batch == 0 or time.monotonic() >= deadline:
            return handled


@shared_task(ignore_result=True)
def calendar_jobs_run_due_task() -> int:
    """Run the daily and weekly jobs whose time has come in each organisation's time zone."""
    return schedule.calendar_jobs_run_due()
