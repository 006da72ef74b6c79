"""The calendars' capabilities (core.permissions)."""

from django.utils.translation import gettext_lazy as _

from karcis.core.models import Role
from karcis.core.permissions import capability

CALENDARS_MANAGE = capability(
    "calendars.manage",
    label=_("Manage business calendars"),
    description=_("Opening hours, time zones and holidays, for the organisation and its teams."),
    roles=[Role.ADMIN],
)
