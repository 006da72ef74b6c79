from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API's shared plumbing: errors, tenancy, permissions and idempotent creates."""

    name = "karcis.api"
    label = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        from karcis.core import schedule

        schedule.every(
            "purge-idempotency-keys",
            "karcis.api.tasks.idempotency_keys_purge_task",
            seconds=3600,
        )
