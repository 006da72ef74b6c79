"""How the e-mail channel's events read in a ticket's history (core.eventlog describers)."""

from django.utils.translation import gettext as _

from karcis.core.eventlog import Description, Names, describer
from karcis.core.models import Event
from karcis.messaging import events


def _plain(value) -> str:  # type: ignore[no-untyped-def]
    return "—" if value in (None, "", []) else str(value)


@describer(events.DELIVERY_SENT, events.DELIVERY_FAILED)
def _delivery(event: Event, names: Names, actor: str) -> Description:
    payload = event.payload or {}
    what = (
        _("The automatic reply")
        if payload.get("kind") == "auto_reply"
        else _("The notice that the ticket is solved")
    )
    to = ", ".join(payload.get("to", []))
    if event.type == events.DELIVERY_SENT.name:
        return Description(_("%(what)s was e-mailed to %(to)s") % {"what": what, "to": to})
    return Description(
        _("%(what)s could not be e-mailed to %(to)s: %(reason)s")
        % {"what": what, "to": to, "reason": _plain(payload.get("reason"))}
    )
