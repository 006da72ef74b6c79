"""Reads of the messaging app that carry rules."""

import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from karcis.core.caching import forget_when_changed
from karcis.core.models import DeliveryState
from karcis.core.permissions import user_can
from karcis.messaging.addresses import base_address
from karcis.messaging.models import Delivery, DeliveryKind, InboundEmail, Mailbox
from karcis.messaging.permissions import EMAIL_ORIGINAL


def mailbox_for_recipient(address: str) -> Mailbox | None:
    """The active mailbox that mail to this address belongs to, or None.

    bantuan+KRC-000123.1a2b3c4d5e@x.test belongs to bantuan@x.test: a ticket's reply
    address reaches its mailbox. Case does not matter (MTAs change it).

    A known address is answered from the cache (`mailbox_for_recipient_cached`); an
    unknown one is always looked up, so a new mailbox receives from its first message.

    Looks across all organisations on purpose: an incoming message is not in any
    organisation's scope until its recipient says which one it is.
    """
    address = _base(address)
    if not address:
        return None
    mailbox = _cached(address, load=True)
    if mailbox is not None:
        return mailbox
    with scopes_disabled():
        mailbox = Mailbox.objects.filter(address=address, is_active=True).first()
    if mailbox is None:
        return None
    cache.set(recipient_cache_key(address), mailbox.organisation_id, MAILBOXES_CACHE_SECONDS)
    # The organisation's mailboxes cached now, so that its next message is answered from
    # the cache alone (on the mail server's event loop).
    return _mailboxes_of(mailbox.organisation_id).receiving.get(address, mailbox)


def mailbox_for_recipient_cached(address: str) -> Mailbox | None:
    """The active mailbox of this address when the cache knows it, without the database
    (the mail server asks on its event loop); None: ask `mailbox_for_recipient`.

    Which organisation the address belonged to when last looked up is a hint, checked
    against that organisation's cached mailboxes (`_mailboxes_of`, forgotten on every change
    of one of them): the hint needs no forgetting, since an address its organisation no
    longer receives on is looked up again.
    """
    address = _base(address)
    return _cached(address, load=False) if address else None


def _base(address: str) -> str:
    """The mailbox's own address a recipient names; "" for no address."""
    address = (address or "").strip().strip("<>").strip()
    return base_address(address) if "@" in address else ""


def _cached(address: str, *, load: bool) -> Mailbox | None:
    """The hinted organisation's active mailbox of this address; `load`: read the
    organisation's mailboxes from the database when the cache has none."""
    organisation_id = cache.get(recipient_cache_key(address))
    if organisation_id is None:
        return None
    if load:
        mailboxes: _Mailboxes | None = _mailboxes_of(organisation_id)
    else:
        mailboxes = cache.get(mailboxes_cache_key(organisation_id))
    return mailboxes.receiving.get(address) if mailboxes is not None else None


def recipient_cache_key(address: str) -> str:
    # Hashed: an address may hold characters and lengths a cache key may not.
    digest = hashlib.sha256(address.encode()).hexdigest()[:32]
    return f"karcis:messaging:recipient:{digest}"


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
    return set(_mailboxes_of(organisation_id).addresses)


def default_mailbox(*, organisation_id: int) -> Mailbox | None:
    """The address the organisation chose to send from; none while it is switched off."""
    return _mailboxes_of(organisation_id).default


@dataclass(frozen=True)
class _Mailboxes:
    default: Mailbox | None
    addresses: frozenset[str]
    # The active ones by address: those that receive mail (mailbox_for_recipient).
    receiving: dict[str, Mailbox]


MAILBOXES_CACHE_SECONDS = 600


def mailboxes_cache_key(organisation_id: int) -> str:
    # v2: with the receiving mailboxes (an entry cached before them has none).
    return f"karcis:messaging:mailboxes:v2:{organisation_id}"


def _mailboxes_of(organisation_id: int) -> _Mailboxes:
    """The organisation's mailboxes as every new ticket's automatic reply and every
    recipient the mail server accepts need them, read in one query and cached
    (core.caching): they change when an admin edits a mailbox, which forgets them
    (MessagingConfig.ready). The cached mailbox's IMAP polling state (last poll, UIDs) may
    be older than the row's; nothing that reads it here uses that."""
    key = mailboxes_cache_key(organisation_id)
    found: _Mailboxes | None = cache.get(key)
    if found is None:
        # In the organisation's scope: the mail server asks before any scope is entered.
        with scope(organisation=organisation_id):
            mailboxes = list(Mailbox.objects.filter(organisation_id=organisation_id).order_by("pk"))
        found = _Mailboxes(
            default=next((m for m in mailboxes if m.is_default and m.is_active), None),
            addresses=frozenset(m.address for m in mailboxes),
            receiving={m.address: m for m in mailboxes if m.is_active},
        )
        cache.set(key, found, timeout=MAILBOXES_CACHE_SECONDS)
    return found


def forget_on_change() -> None:
    """Forget the organisation's cached mailboxes on every save and delete of a mailbox,
    whoever makes it: the settings pages, the Django admin, a shell."""
    forget_when_changed(
        ("messaging.Mailbox",),
        lambda mailbox: [mailboxes_cache_key(mailbox.organisation_id)],
        uid="messaging-mailboxes",
    )


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


# --- for routing: the mailbox a ticket came in by -------------------------------------------


def mailbox_id_of_inbound(*, inbound_id: int) -> int | None:
    """The mailbox a stored e-mail arrived at."""
    return InboundEmail.objects.filter(pk=inbound_id).values_list("mailbox_id", flat=True).first()


def mailbox_id_of_ticket(*, ticket_id: int) -> int | None:
    """The mailbox of the first stored e-mail that went into this ticket (the one that
    opened it, for a ticket opened by e-mail); None for a ticket that came otherwise."""
    return (
        InboundEmail.objects.filter(ticket_id=ticket_id)
        .order_by("received_at", "pk")
        .values_list("mailbox_id", flat=True)
        .first()
    )


def mailboxes_of(*, organisation_id: int) -> list[Mailbox]:
    """The organisation's mailboxes, by address (for choosing one in a form)."""
    return list(Mailbox.objects.filter(organisation_id=organisation_id).order_by("address"))
