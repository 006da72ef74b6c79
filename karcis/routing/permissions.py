"""Routing's capabilities (core.permissions)."""

from django.utils.translation import gettext_lazy as _

from karcis.core.models import Role
from karcis.core.permissions import capability

SETTINGS_MANAGE = capability(
    "routing.settings.manage",
    label=_("Manage routing and assignment"),
    description=_(
        "Routing rules, each team's assignment mode, agents' capacity and skills, and the "
        "skills categories and languages require."
    ),
    roles=[Role.ADMIN],
)
STATUS_SET = capability(
    "routing.status.set",
    label=_("Set one's own availability"),
    description=_("Online, away or off: only online agents get tickets automatically."),
    roles=[Role.ADMIN, Role.SUPERVISOR, Role.AGENT],
)
STATUS_MANAGE = capability(
    "routing.status.manage",
    label=_("Set other agents' availability"),
    roles=[Role.ADMIN, Role.SUPERVISOR],
)
