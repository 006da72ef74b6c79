"""What the e-mail channel does, inside the desk's transactions, when the desk changes
(core.eventlog.subscribe): only what must commit with the change, the outbox rows."""

from karcis.core.eventlog import subscribe
from karcis.core.models import Event
from karcis.desk import events as desk_events
from karcis.messaging import outbound, services


def _public_reply_added(event: Event) -> None:
    if event.actor_id is None:  # the requester's own words go to nobody
        return
    outbound.reply_queue(message_id=event.payload["message_id"])


def _ticket_created(event: Event) -> None:
    payload = event.payload
    if "split_from" in payload:
        # An agent split a message off into its own ticket: the agent's next reply tells
        # the requester, not an automatic acknowledgement of a request they sent long ago.
        return
    origin = payload.get("origin") or {}
    if "inbound_email" in origin:
        services.inbound_ticket_opened(
            inbound_id=origin["inbound_email"],
            ticket_id=event.object_id,
            message_id=payload["message_id"],
        )
    outbound.ticket_acknowledge(
        ticket_id=event.object_id, channel=payload["channel"], origin=origin, ticket=event.instance
    )


def _status_changed(event: Event) -> None:
    # A solve that came with a reply is told by that reply's e-mail.
    if event.payload.get("to") == "solved" and "message_id" not in event.payload:
        outbound.solved_notice_queue(ticket_id=event.object_id)


def register() -> None:
    subscribe(desk_events.REPLY_ADDED, _public_reply_added)
    subscribe(desk_events.TICKET_CREATED, _ticket_created)
    subscribe(desk_events.STATUS_CHANGED, _status_changed)
