"""Reads of the messaging app that carry rules."""

from django_scopes import scopes_disabled

from karcis.desk.models import Ticket
from karcis.messaging.addresses import base_address
from karcis.messaging.models import InboundEmail, Mailbox


def mailbox_for_recipient(address: str) -> Mailbox | None:
    """The active mailbox that mail to this address belongs to, or None.

    bantuan+KRC-000123.1a2b3c4d5e@x.test belongs to bantuan@x.test: a ticket's reply
    address reaches its mailbox. Case does not matter (MTAs change it).

    Looks across all organisations on purpose: an incoming message is not in any
    organisation's scope until its recipient says which one it is.
    """
    address = (address or "").strip().strip("<>").strip()
    if "@" not in address:
        return None
    with scopes_disabled():
        return (
            Mailbox.objects.filter(address=base_address(address), is_active=True)
            .select_related("organisation")
            .first()
        )


def original_message_ids(*, ticket: Ticket) -> set[int]:
    """The ticket's messages that arrived by e-mail and whose original is kept, in one query
    (the ticket page links those to their original)."""
    return set(
        InboundEmail.objects.filter(
            organisation_id=ticket.organisation_id, desk_message__ticket_id=ticket.pk
        ).values_list("desk_message_id", flat=True)
    )


def mailbox_addresses_of(*, organisation_id: int) -> set[str]:
    """Every address of the organisation's mailboxes: mail from them is a loop, and mail is
    never sent to them."""
    return set(
        Mailbox.objects.filter(organisation_id=organisation_id).values_list("address", flat=True)
    )
