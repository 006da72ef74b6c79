"""The SLA's capabilities (core.permissions)."""

from django.utils.translation import gettext_lazy as _

from karcis.core.models import Role
from karcis.core.permissions import capability

POLICIES_MANAGE = capability(
    "sla.policies.manage",
    label=_("Manage SLA policies"),
    description=_("Service-level targets, their conditions and escalations."),
    roles=[Role.ADMIN],
)
