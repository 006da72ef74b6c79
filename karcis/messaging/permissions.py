"""The e-mail channel's capabilities (core.permissions)."""

from django.utils.translation import gettext_lazy as _

from karcis.core.models import Role
from karcis.core.permissions import capability

SETTINGS_MANAGE = capability(
    "messaging.settings.manage",
    label=_("Manage e-mail"),
    description=_("Mailboxes, automatic replies, and the incoming mail with what became of it."),
    roles=[Role.ADMIN],
)
EMAIL_ORIGINAL = capability(
    "messaging.email.original",
    label=_("Download the original of an e-mail on a ticket"),
    description=_("Every header and every file the message carried, as it arrived."),
    roles=[Role.ADMIN, Role.SUPERVISOR, Role.AGENT],
)
