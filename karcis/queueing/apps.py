from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QueueingConfig(AppConfig):
    name = "karcis.queueing"
    label = "queueing"
    verbose_name = _("Public queues")

    def ready(self) -> None:
        from karcis.core import eventlog
        from karcis.queueing import events, notify, permissions  # noqa: F401

        # "Few ahead" e-mails follow the line as it moves (after the commit, exactly once).
        eventlog.consumer(
            notify.CONSUMER, types=notify.MOVES_THE_LINE, handle=notify.few_ahead_notify
        )
