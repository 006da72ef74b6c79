"""The desk's capabilities (core.permissions): who may see, answer and change tickets."""

from django.utils.translation import gettext_lazy as _

from karcis.core.models import SEES_ALL_TICKETS, Role
from karcis.core.permissions import capability

STAFF = [Role.ADMIN, Role.SUPERVISOR, Role.AGENT]

TICKET_VIEW = capability(
    "desk.ticket.view",
    label=_("Work with tickets"),
    description=_(
        "The inbox and the tickets of their teams, those assigned to them and those not yet "
        "routed to a team."
    ),
    roles=STAFF,
)
TICKET_VIEW_ALL = capability(
    SEES_ALL_TICKETS,
    label=_("See every ticket"),
    description=_("Every ticket of the organisation, whatever its team."),
    roles=[Role.ADMIN, Role.SUPERVISOR],
    personal=True,
)
TICKET_CREATE = capability(
    "desk.ticket.create",
    label=_("Open tickets for callers and walk-ins"),
    roles=STAFF,
)
TICKET_REPLY = capability(
    "desk.ticket.reply",
    label=_("Reply to customers"),
    description=_("Public replies, which the requester reads and receives by e-mail."),
    roles=STAFF,
    per_team=True,
)
TICKET_NOTE = capability(
    "desk.ticket.note",
    label=_("Write internal notes"),
    roles=STAFF,
    per_team=True,
)
TICKET_UPDATE = capability(
    "desk.ticket.update",
    label=_("Change tickets"),
    description=_("Status, priority, type, category, team, assignee, tags and fields."),
    roles=STAFF,
    per_team=True,
)
SETTINGS_MANAGE = capability(
    "desk.settings.manage",
    label=_("Manage the desk's settings"),
    description=_("Categories, custom fields and tags."),
    roles=[Role.ADMIN],
)
TICKET_REQUEST = capability(
    "desk.ticket.request",
    label=_("Ask for help and follow one's own tickets"),
    roles=[Role.CUSTOMER],
    staff=False,
)
