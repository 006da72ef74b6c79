from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QueueingConfig(AppConfig):
    name = "karcis.queueing"
    label = "queueing"
    verbose_name = _("Public queues")

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from karcis.core import eventlog
        from karcis.queueing import events, notify, permissions  # noqa: F401
        from karcis.workspace import navigation

        # "Few ahead" e-mails follow the line as it moves (after the commit, exactly once).
        eventlog.consumer(
            notify.CONSUMER, types=notify.MOVES_THE_LINE, handle=notify.few_ahead_notify
        )
        # Counter staff, managers and those who read the analytics all start from /queue/.
        navigation.section(
            "queue",
            label=_("Queues"),
            url_name="queueing:staff_overview",
            capability=(permissions.OPERATE, permissions.MANAGE, permissions.ANALYTICS),
            order=20,
        )
        navigation.settings_page(
            "queue",
            label=_("Public queues"),
            description=_(
                "Service points, their services with quotas and time slots, and the counters "
                "that call the numbers; the links of the kiosk, the board and online booking."
            ),
            url_name="queueing:settings_points",
            capability=permissions.MANAGE,
            order=46,
        )
