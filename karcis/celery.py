"""The Celery app: background jobs and the periodic schedule.

With KARCIS_CELERY_BROKER_URL set, jobs go to the broker and Celery workers + beat run
them. Without it (the embedded default), a job runs in-process when it is enqueued, and
`karcis scheduler` (started by `make run`) runs the periodic schedule.

The schedule is declared by the apps (core.schedule) and read by both runners, so Celery
beat at scale runs exactly what the embedded scheduler runs.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "karcis.settings")

app = Celery("karcis")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _schedule_from_the_apps(sender: Celery, **kwargs) -> None:
    # After finalize: Django's apps are ready and have declared their jobs.
    from karcis.core import schedule

    sender.conf.beat_schedule = schedule.beat_schedule()
