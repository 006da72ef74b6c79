"""The public queues' capabilities (core.permissions)."""

from django.utils.translation import gettext_lazy as _

from karcis.core.models import Role
from karcis.core.permissions import capability

MANAGE = capability(
    "queueing.manage",
    label=_("Manage public queues"),
    description=_("Service points, their services, quotas, slots and counters."),
    roles=[Role.ADMIN],
)
OPERATE = capability(
    "queueing.counter.operate",
    label=_("Work at a counter"),
    description=_("Sign in at a counter, call the next number, serve, transfer."),
    roles=[Role.ADMIN, Role.SUPERVISOR, Role.AGENT],
)
ANALYTICS = capability(
    "queueing.analytics.view",
    label=_("See queue analytics"),
    description=_("Waiting and service times, no-shows, quota use and staffing advice."),
    roles=[Role.ADMIN, Role.SUPERVISOR],
)
