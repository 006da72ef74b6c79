from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QueueingConfig(AppConfig):
    name = "karcis.queueing"
    label = "queueing"
    verbose_name = _("Public queues")

    def ready(self) -> None:
        from karcis.queueing import events, permissions  # noqa: F401
