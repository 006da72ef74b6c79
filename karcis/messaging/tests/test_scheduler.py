"""`karcis scheduler`: the periodic jobs the apps declare (core.schedule) run in-process, each
at its interval, a failing one never stopping the others."""

import signal
import threading
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from conftest import email_bytes
from karcis.celery import app
from karcis.core.content import body_from
from karcis.core.management.commands.scheduler import Job, Scheduler, jobs_from
from karcis.desk import services as desk_services
from karcis.messaging import outbound, services
from karcis.messaging.models import Delivery, DeliveryState, InboundEmail, InboundState

pytestmark = pytest.mark.django_db


def scheduler_run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("scheduler", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def due_delivery(mailbox, make_ticket, agent, django_capture_on_commit_callbacks):
    """An agent's reply waiting to be sent (its commit-time job never ran)."""
    ticket = make_ticket(channel="phone")
    with django_capture_on_commit_callbacks(execute=False):
        reply = desk_services.message_add(
            ticket=ticket, body=body_from(text="Sudah kami perbaiki."), author_user=agent
        )
    return Delivery.objects.get(desk_message=reply)


@pytest.fixture
def waiting_inbound(mailbox):
    """A message stored by a receiver that crashed before processing it."""
    inbound, _created = services.inbound_store(
        mailbox=mailbox, raw=email_bytes(), source="mailgate"
    )
    InboundEmail.objects.filter(pk=inbound.pk).update(
        received_at=timezone.now() - timedelta(minutes=5)
    )
    return inbound


def test_the_schedule_names_tasks_that_exist():
    from karcis.core.schedule import beat_schedule

    app.loader.import_default_modules()
    app.finalize()

    jobs = jobs_from(beat_schedule(), app.tasks)
    # Celery beat reads the same schedule.
    assert app.conf.beat_schedule == beat_schedule()

    assert {job.name for job in jobs} >= {"send-due-mail", "poll-mailboxes", "process-waiting-mail"}
    assert {job.name: job.interval for job in jobs}["send-due-mail"] == 30.0


def test_once_runs_every_job_and_reports_what_they_did(due_delivery, waiting_inbound, smtp_sink):
    out, err = scheduler_run("--once")

    assert "send-due-mail: 1" in out
    assert "process-waiting-mail: 1" in out
    # Nothing to poll and no keys to purge: jobs that did nothing print nothing.
    assert "poll-mailboxes" not in out
    assert "purge-idempotency-keys" not in out
    assert err == ""
    due_delivery.refresh_from_db()
    assert due_delivery.state == DeliveryState.SENT
    assert len(smtp_sink.messages) == 1
    waiting_inbound.refresh_from_db()
    assert waiting_inbound.state == InboundState.PROCESSED


def test_a_failing_job_is_reported_and_the_others_still_run(
    due_delivery, waiting_inbound, smtp_sink, monkeypatch
):
    def broken():
        raise RuntimeError("database on fire")

    monkeypatch.setattr(outbound, "deliveries_send_due", broken)

    out, err = scheduler_run("--once")

    assert "send-due-mail: failed: RuntimeError: database on fire" in err
    assert "process-waiting-mail: 1" in out
    waiting_inbound.refresh_from_db()
    assert waiting_inbound.state == InboundState.PROCESSED


@pytest.fixture
def beat_schedule(monkeypatch):
    """Replace the schedule the apps declare, for one test: `beat_schedule({...})`."""
    from karcis.core import schedule

    return lambda value: monkeypatch.setattr(schedule, "beat_schedule", lambda: value)


def test_an_unknown_task_in_the_schedule_is_refused_clearly(beat_schedule):
    beat_schedule({"typo": {"task": "karcis.nothing_task", "schedule": 10.0}})

    with pytest.raises(CommandError, match="unknown task 'karcis.nothing_task'"):
        scheduler_run("--once")


def test_a_crontab_schedule_is_refused_clearly():
    from celery.schedules import crontab

    with pytest.raises(CommandError, match="celery -A karcis beat"):
        jobs_from({"nightly": {"task": "x", "schedule": crontab(hour=2)}}, {"x": print})


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_each_job_runs_first_at_once_then_at_its_interval():
    clock = FakeClock()
    runs = []
    jobs = [
        Job(name="often", task=lambda: runs.append("often"), interval=30),
        Job(name="seldom", task=lambda: runs.append("seldom"), interval=60),
    ]
    scheduler = Scheduler(jobs, report=lambda line, failed: None, clock=clock)

    scheduler.run_due()
    assert runs == ["often", "seldom"]
    assert scheduler.seconds_until_next() == 30

    clock.now += 29
    assert scheduler.run_due() == 0
    clock.now += 1
    scheduler.run_due()
    assert runs == ["often", "seldom", "often"]

    clock.now += 30
    scheduler.run_due()
    assert runs == ["often", "seldom", "often", "often", "seldom"]


def test_a_job_that_overruns_runs_again_once_not_to_catch_up():
    clock = FakeClock()
    runs = []

    def slow():
        runs.append(clock.now)
        clock.now += 100  # takes longer than its interval

    scheduler = Scheduler(
        [Job(name="slow", task=slow, interval=30)], report=lambda *a: None, clock=clock
    )

    scheduler.run_due()
    scheduler.run_due()
    scheduler.run_due()

    assert runs == [1000.0, 1100.0, 1200.0]


def test_lines_only_for_runs_that_did_something():
    lines = []
    results = iter([0, 3])
    scheduler = Scheduler(
        [Job(name="count", task=lambda: next(results), interval=1)],
        report=lambda line, failed: lines.append((line, failed)),
        clock=FakeClock(),
    )

    scheduler.run(scheduler.jobs[0])
    scheduler.run(scheduler.jobs[0])

    assert lines == [("count: 3", False)]


def test_sigterm_stops_the_scheduler_cleanly(beat_schedule, monkeypatch):
    ran = threading.Event()

    def send_due():
        ran.set()
        return 0

    monkeypatch.setattr(outbound, "deliveries_send_due", send_due)
    beat_schedule(
        {"tick": {"task": "karcis.messaging.tasks.deliveries_send_due_task", "schedule": 3600}}
    )
    previous = signal.getsignal(signal.SIGTERM)

    def terminate():
        ran.wait(10)
        time.sleep(0.3)  # the scheduler is asleep now, for an hour
        # Delivered to this thread, not the main one: the sleep must end all the same.
        signal.pthread_kill(threading.get_ident(), signal.SIGTERM)

    sender = threading.Thread(target=terminate)
    sender.start()
    # Returns only when the SIGTERM ended the hour-long sleep after the first run.
    out, _err = scheduler_run()
    sender.join()

    assert ran.is_set()
    assert "tick every 3600s" in out
    assert out.rstrip().endswith("Scheduler stopped.")
    # The process's own handler is back.
    assert signal.getsignal(signal.SIGTERM) == previous
