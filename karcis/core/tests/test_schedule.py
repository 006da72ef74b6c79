"""Daily and weekly jobs at a time of day in each organisation's own time zone, once per slot
however many schedulers run, and the same schedule for Celery beat (core.schedule)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_scopes import scope
from django_scopes.state import get_scope

from karcis.core import schedule
from karcis.core.models import ScheduledRun
from karcis.core.services import organisation_update

RUNS = []


def record_run(*, organisation):
    RUNS.append((organisation.slug, get_scope().get("organisation")))


def fail_run(*, organisation):
    raise RuntimeError("the job has a bug")


@pytest.fixture
def calendar(monkeypatch):
    """Only the test's calendar jobs; RUNS emptied."""
    monkeypatch.setattr(schedule, "_calendar", {})
    RUNS.clear()
    return schedule


def test_the_latest_slot_is_in_the_organisations_time_zone():
    job = schedule.CalendarJob(name="x", function="x", at=time(3, 0))
    # 18:30 UTC on 1 Dec is 01:30 on 2 Dec in Jakarta and 03:30 in Jayapura.
    now = datetime(2026, 12, 1, 18, 30, tzinfo=UTC)

    jakarta = job.latest_slot(now, ZoneInfo("Asia/Jakarta"))
    jayapura = job.latest_slot(now, ZoneInfo("Asia/Jayapura"))

    assert jakarta == datetime(2026, 12, 1, 3, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert jayapura == datetime(2026, 12, 2, 3, 0, tzinfo=ZoneInfo("Asia/Jayapura"))


def test_a_weekly_slot_falls_on_its_weekday():
    job = schedule.CalendarJob(name="x", function="x", at=time(7, 30), weekdays=(0,))
    wednesday = datetime(2026, 12, 2, 12, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
    slot = job.latest_slot(wednesday, ZoneInfo("Asia/Jakarta"))
    assert (slot.weekday(), slot.date().isoformat(), slot.time()) == (0, "2026-11-30", time(7, 30))


@pytest.mark.django_db
def test_each_organisation_runs_a_daily_job_once_at_its_own_hour(
    calendar, org, other_org, admin_user
):
    organisation_update(organisation=org, actor=admin_user, time_zone="Asia/Jayapura")
    calendar.daily("test-daily", f"{__name__}.record_run", at=time(3, 0))
    # 19:00 UTC: 04:00 in Jayapura (due), 02:00 in Jakarta (yesterday's slot, 23 h ago: too
    # old to catch up).
    now = datetime(2026, 12, 1, 19, 0, tzinfo=UTC)

    with scope():
        assert calendar.calendar_jobs_run_due(now=now) == 1
        assert calendar.calendar_jobs_run_due(now=now + timedelta(minutes=1)) == 0
        # 20:30 UTC is 03:30 in Jakarta: its turn.
        assert calendar.calendar_jobs_run_due(now=now + timedelta(minutes=90)) == 1

    assert [("nusantara", org.pk), ("lain", other_org.pk)] == RUNS
    assert ScheduledRun.objects.count() == 2


@pytest.mark.django_db
def test_a_slot_missed_while_nothing_ran_runs_once_when_the_scheduler_is_back(calendar, org):
    calendar.daily("test-daily", f"{__name__}.record_run", at=time(3, 0))
    back_at = datetime(2026, 12, 2, 5, 0, tzinfo=ZoneInfo("Asia/Jakarta"))  # two hours late

    with scope():
        assert calendar.calendar_jobs_run_due(now=back_at) == 1
        assert calendar.calendar_jobs_run_due(now=back_at + timedelta(hours=1)) == 0

    assert [slug for slug, _scope in RUNS] == ["nusantara"]


@pytest.mark.django_db
def test_a_failing_job_is_recorded_and_not_run_again_for_its_slot(calendar, org):
    calendar.daily("test-broken", f"{__name__}.fail_run", at=time(3, 0))
    now = datetime(2026, 12, 2, 3, 5, tzinfo=ZoneInfo("Asia/Jakarta"))

    with scope():
        calendar.calendar_jobs_run_due(now=now)
        calendar.calendar_jobs_run_due(now=now)

    run = ScheduledRun.objects.get()
    assert "RuntimeError: the job has a bug" in run.error and run.finished_at is not None


def test_celery_beat_and_the_embedded_scheduler_read_one_schedule():
    from karcis.celery import app

    # As `celery beat` starts: the apps imported, then the app finalized.
    app.loader.import_default_modules()
    app.finalize()
    beat = schedule.beat_schedule()
    assert app.conf.beat_schedule == beat
    assert beat["calendar-jobs"] == {
        "task": "karcis.core.tasks.calendar_jobs_run_due_task",
        "schedule": 60.0,
    }
    assert beat["events-dispatch"]["schedule"] == 2.0
    assert "notifications-purge" in schedule.calendar_jobs()
