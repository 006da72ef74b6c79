"""What the messaging app does when the desk changes (see core/events.py)."""

from karcis.core import events
from karcis.core.models import Event
from karcis.messaging import outbound


def _public_reply_added(event: Event) -> None:
    if event.actor_id is None:  # the requester's own words go to nobody
        return
    outbound.reply_queue(message_id=event.payload["message_id"])


def _ticket_created(event: Event) -> None:
    outbound.web_ticket_auto_reply(ticket_id=event.object_id, channel=event.payload["channel"])


def _status_changed(event: Event) -> None:
    # A solve that came with a reply is told by that reply's e-mail.
    if event.payload.get("to") == "solved" and "message_id" not in event.payload:
        outbound.solved_notice_queue(ticket_id=event.object_id)


def register() -> None:
    events.subscribe("desk.message.reply_added", _public_reply_added)
    events.subscribe("desk.ticket.created", _ticket_created)
    events.subscribe("desk.ticket.status_changed", _status_changed)
