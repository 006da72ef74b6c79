"""The Celery app: background jobs and the periodic schedule.

With KARCIS_CELERY_BROKER_URL set, jobs go to the broker and Celery workers + beat run
them. Without it (the embedded default), a job runs in-process when it is enqueued, and
`karcis scheduler` (started by `make run`) runs the periodic schedule below.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "karcis.settings")

app = Celery("karcis")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# One schedule for both runners: Celery beat at scale, `karcis scheduler` embedded.
app.conf.beat_schedule = {
    "send-due-mail": {"task": "karcis.messaging.tasks.deliveries_send_due_task", "schedule": 30.0},
    "poll-mailboxes": {"task": "karcis.messaging.tasks.mailboxes_poll_task", "schedule": 60.0},
    "process-waiting-mail": {
        "task": "karcis.messaging.tasks.inbound_pending_process_task",
        "schedule": 60.0,
    },
    "purge-idempotency-keys": {
        "task": "karcis.api.tasks.idempotency_keys_purge_task",
        "schedule": 3600.0,
    },
}
