"""Reads of the messaging app that carry rules."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from karcis.core.models import DeliveryState
from karcis.core.permissions import user_can
from karcis.messaging.addresses import base_address
from karcis.messaging.models import Delivery, DeliveryKind, InboundEmail, Mailbox
from karcis.messaging.permissions import EMAIL_ORIGINAL


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
        # Without its organisation: the mail server asks this for every recipient, and its
        # callers need only the organisation's id.
        return Mailbox.objects.filter(address=base_address(address), is_active=True).first()


def original_message_ids(*, ticket: Any) -> set[int]:
    """The ticket's messages that arrived by e-mail and whose original is kept, in one query."""
    return set(
        InboundEmail.objects.filter(
            organisation_id=ticket.organisation_id,
            desk_message__ticket_id=ticket.pk,
            raw_purged_at__isnull=True,
        ).values_list("desk_message_id", flat=True)
    )


def original_links(*, ticket: Any, user: Any) -> dict[int, list[dict[str, Any]]]:
    """The ticket page's "View original e-mail" beside each message that came by e-mail
    (the desk's extension point desk.ticket_page.message_links)."""
    if not user_can(user, EMAIL_ORIGINAL, ticket):
        return {}
    return {
        message_id: [
            {
                "label": _("View original e-mail"),
                "url": reverse("messaging:message_original", args=[message_id]),
                "title": _("The message exactly as it arrived, with all its headers (.eml file)"),
                "download": True,
            }
        ]
        for message_id in original_message_ids(ticket=ticket)
    }


def mailbox_addresses_of(*, organisation_id: int) -> set[str]:
    """Every address of the organisation's mailboxes: mail from them is a loop, and mail is
    never sent to them."""
    return set(
        Mailbox.objects.filter(organisation_id=organisation_id).values_list("address", flat=True)
    )


def default_mailbox(*, organisation_id: int) -> Mailbox | None:
    """The address the organisation chose to send from; none while it is switched off."""
    return Mailbox.objects.filter(
        organisation_id=organisation_id, is_default=True, is_active=True
    ).first()


def acknowledgement_address(*, ticket: Any) -> str:
    """The address the ticket's automatic reply (with its private link) went to, or is
    waiting in the outbox for; "" when none was sent."""
    delivery = (
        Delivery.objects.filter(ticket_id=ticket.pk, kind=DeliveryKind.AUTO_REPLY)
        .exclude(state=DeliveryState.FAILED)
        .values_list("to", flat=True)
        .first()
    )
    return delivery[0] if delivery else ""
