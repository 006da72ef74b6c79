from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API's shared plumbing: errors, tenancy, permissions and idempotent creates."""

    name = "karcis.api"
    label = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save
        from rest_framework.authtoken.models import Token

        from karcis.api import signals
        from karcis.core import schedule
        from karcis.core.models import Organisation, User

        for signal in (post_save, post_delete):
            signal.connect(signals.token_changed, sender=Token)
            signal.connect(signals.user_changed, sender=User)
            signal.connect(signals.organisation_changed, sender=Organisation)

        schedule.every(
            "purge-idempotency-keys",
            "karcis.api.tasks.idempotency_keys_purge_task",
            seconds=3600,
        )
