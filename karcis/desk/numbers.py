"""Ticket numbers: the one formatter and the one parser (KRC-000123)."""

import re

from karcis.core.models import Organisation

DIGITS = 6


def ticket_number_format(*, prefix: str, value: int) -> str:
    """The number of the `value`-th ticket: KRC-000123."""
    return f"{prefix}-{value:0{DIGITS}d}"


def ticket_number_parse(*, organisation: Organisation, raw: str) -> str | None:
    """A ticket number as people type it, as stored: "501", "#501", "krc 501", "KRC-501" →
    "KRC-000501"; None when the text is not a ticket number of this organisation."""
    text = raw.strip().upper().lstrip("#")
    prefix = re.escape(organisation.ticket_prefix)
    digits = re.fullmatch(rf"(?:{prefix}[\s-]*)?0*(\d{{1,12}})", text)
    if digits is None:
        return None
    return ticket_number_format(prefix=organisation.ticket_prefix, value=int(digits.group(1)))


def ticket_number_in_subject(*, organisation: Organisation, subject: str) -> str | None:
    """The number of a ticket tag in an e-mail subject ("Re: [KRC-000123] …"), as stored."""
    prefix = re.escape(organisation.ticket_prefix)
    match = re.search(rf"\[\s*({prefix})[-\s#]*(\d{{1,12}})\s*\]", subject, re.IGNORECASE)
    if match is None:
        return None
    return ticket_number_format(prefix=organisation.ticket_prefix, value=int(match.group(2)))
