from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API's shared plumbing: errors, tenancy, permissions and idempotent creates."""

    name = "karcis.api"
    label = "api"
    verbose_name = _("API")
