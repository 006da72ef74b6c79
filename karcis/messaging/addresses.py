"""Addresses and Message-IDs that lead a reply back to its ticket.

Every e-mail we send carries a reply address of its ticket (bantuan+KRC-000123.1a2b3c4d5e@…)
and a Message-ID of ours. The address carries a signature, so nobody can aim mail at a
ticket by guessing its number.
"""

import hashlib
import hmac
import re
import secrets
from typing import Protocol

from django.conf import settings

from karcis.core.models import Organisation
from karcis.messaging.models import Mailbox


class Numbered(Protocol):
    """What these addresses need of a ticket."""

    number: str
    organisation_id: int


_TOKEN = re.compile(r"^(?P<number>[A-Za-z][A-Za-z0-9]{1,7}-\d{1,12})\.(?P<sig>[0-9a-f]{10})$")


def _signature(organisation_id: int, number: str) -> str:
    message = f"karcis.reply:{organisation_id}:{number.upper()}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:10]


def reply_address(*, mailbox: Mailbox, ticket: Numbered) -> str:
    """The address that threads a reply into this ticket, on the mailbox's own domain."""
    local, domain = mailbox.address.rsplit("@", 1)
    token = f"{ticket.number}.{_signature(ticket.organisation_id, ticket.number)}"
    return f"{local}+{token}@{domain}"


def ticket_number_from_address(*, organisation: Organisation, address: str) -> str | None:
    """The ticket number a reply address of ours names, when its signature is right.

    MTAs may lower-case the local part, so the number is compared case-insensitively.
    """
    local = address.rsplit("@", 1)[0]
    if "+" not in local:
        return None
    match = _TOKEN.match(local.split("+", 1)[1])
    if match is None:
        return None
    number = match["number"].upper()
    expected = _signature(organisation.pk, number)
    return number if hmac.compare_digest(expected, match["sig"].lower()) else None


def base_address(address: str) -> str:
    """bantuan+anything@x.test → bantuan@x.test (which mailbox a reply address belongs to)."""
    local, _at, domain = address.lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}" if local else address.lower()


def message_id_new(*, mailbox: Mailbox, ticket: Numbered) -> str:
    """A fresh Message-ID of ours (without the angle brackets), on the mailbox's domain."""
    domain = mailbox.address.rsplit("@", 1)[1]
    return f"{ticket.number.lower()}.{secrets.token_hex(8)}@{domain}"


def message_id_of_domain(domain: str) -> str:
    """A fresh Message-ID of ours for mail that belongs to no ticket (a sign-up link, a
    notification to staff)."""
    return f"karcis.{secrets.token_hex(12)}@{domain}"
