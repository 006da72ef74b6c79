from datetime import time

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "karcis.core"
    label = "core"
    verbose_name = _("Organisation and staff")

    def ready(self) -> None:
        from karcis.core import eventlog, events, permissions, schedule  # noqa: F401 (declare)
        from karcis.core.selectors import names_of_contacts, names_of_teams, names_of_users

        eventlog.name_resolver("core.user", names_of_users)
        eventlog.name_resolver("core.team", names_of_teams)
        eventlog.name_resolver("core.contact", names_of_contacts)
        schedule.every("events-dispatch", "karcis.core.tasks.events_dispatch_task", seconds=2.0)
        schedule.daily(
            "notifications-purge", "karcis.core.services.notifications_purge", at=time(3, 0)
        )
        post_migrate.connect(_event_cursors_prepare, sender=self)


def _event_cursors_prepare(sender, using, **kwargs) -> None:
    """Each durable consumer gets its cursor once the tables exist. On an installation with
    a history, a consumer that follows only new events starts at its end."""
    from django_scopes import scopes_disabled

    from karcis.core.eventlog import event_cursors_prepare
    from karcis.core.models import Event

    with scopes_disabled():
        event_cursors_prepare(history_exists=Event.objects.using(using).exists())
