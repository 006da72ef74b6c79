"""Background jobs of the core: dispatching the event log and running the calendar jobs.

Both look across organisations on purpose and hand each piece of work to its organisation's
scope (core.eventlog hands each event over in its organisation's scope; core.schedule runs
each organisation's jobs in its scope).
"""

from celery import shared_task

from karcis.core import eventlog, schedule


@shared_task(ignore_result=True)
def events_dispatch_task() -> int:
    """Hand the new events to every durable consumer; safe to run twice at once."""
    return eventlog.events_dispatch()


@shared_task(ignore_result=True)
def calendar_jobs_run_due_task() -> int:
    """Run the daily and weekly jobs whose time has come in each organisation's time zone."""
    return schedule.calendar_jobs_run_due()
