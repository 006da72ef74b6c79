"""`karcis mailgate [--mailbox ADDRESS | --recipient ADDRESS]`: read one RFC 822 message on
stdin, as an MTA pipes it, store it and turn it into a ticket or a reply.

Postfix (master.cf, with a transport map sending the mailboxes' domain to `karcis`), one
run per recipient, given the envelope recipient:

    karcis unix - n n - 4 pipe flags=R user=karcis argv=/srv/karcis/.venv/bin/karcis
        mailgate --recipient ${recipient}

(and `karcis_destination_recipient_limit = 1` in main.cf). Postfix passes the command
almost no environment, so point argv at a small wrapper that loads Karcis's settings
(KARCIS_SECRET_KEY, DATABASE_URL, …) first: docs/operations.md, "E-mail", has one.
For more than a few messages a minute, deliver over LMTP to `karcis mailserver --lmtp` instead: each run here starts
Python and Django (~0.8 s of CPU).

Exit status (sysexits.h), which the MTA acts on:

    0   stored: processed into a ticket or a reply, rejected with a reason the admins see,
        or already stored by an earlier delivery. The message is safe with us.
    65  EX_DATAERR: larger than KARCIS_MAIL_MAX_BYTES. A permanent failure: the MTA bounces
        it to the sender (Postfix maps 65 to 5.6.0; only 71 and 75 make it retry).
    67  EX_NOUSER: no active mailbox for the address (bounced, 5.1.1).
    75  EX_TEMPFAIL: the message could not be read from stdin or could not be stored (the
        database is unreachable…). The MTA keeps it and tries again later. Used for an
        unreadable stdin too, rather than EX_IOERR (74), which Postfix bounces.

One line on stderr says what happened (the MTA logs it, and puts it in a bounce).
"""

import sys
from typing import BinaryIO, NoReturn

from django.conf import settings
from django.core.management.base import BaseCommand
from django_scopes import scope

from karcis.messaging import services
from karcis.messaging.email.parse import parse_addresses, read_headers
from karcis.messaging.models import InboundSource, InboundState, Mailbox
from karcis.messaging.selectors import mailbox_for_recipient

EX_DATAERR = 65
EX_NOUSER = 67
EX_TEMPFAIL = 75

# The headers that name who the message was delivered to, most reliable first.
RECIPIENT_HEADERS = ("delivered-to", "x-original-to", "to", "cc")
MAX_HEADER_RECIPIENTS = 50
CHUNK = 1 << 16


class MessageTooLarge(Exception):
    pass


def read_message(stream: BinaryIO, limit: int) -> bytes:
    """All of stdin, or MessageTooLarge past `limit` bytes.

    A message over the limit is still read to its end (and dropped): an MTA whose pipe
    closes early reports a write error instead of our exit status.
    """
    raw = stream.read(limit + 1)
    if len(raw) <= limit:
        return raw
    while stream.read(CHUNK):
        pass
    raise MessageTooLarge


def mailbox_from_headers(raw: bytes) -> tuple[Mailbox | None, str]:
    """The first active mailbox named by Delivered-To, X-Original-To, To or Cc, with the
    address that named it."""
    try:
        headers = read_headers(raw, [])
    except Exception:  # unreadable headers name no mailbox
        return None, ""
    for header in RECIPIENT_HEADERS:
        values = [value for name, value in headers if name == header]
        for _name, address in parse_addresses(values)[:MAX_HEADER_RECIPIENTS]:
            mailbox = mailbox_for_recipient(address)
            if mailbox is not None:
                return mailbox, address
    return None, ""


class Command(BaseCommand):
    help = (
        "Store and process one e-mail read from stdin (for an MTA pipe). Exit 0 when stored, "
        "65 when too large, 67 when no mailbox matches, 75 to make the MTA retry later."
    )
    # Run once per message by the MTA: the system checks would cost more than the message.
    requires_system_checks = []
    # call_command("mailgate", stdin=stream): the bench and tests pass the message directly.
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        target = parser.add_mutually_exclusive_group()
        target.add_argument("--mailbox", help="the mailbox's address (bantuan@example.id)")
        target.add_argument(
            "--recipient",
            help="the envelope recipient (Postfix ${recipient}); a ticket's reply address "
            "reaches its mailbox",
        )

    def handle(self, *args, mailbox=None, recipient=None, stdin=None, **options):
        raw = self._read(stdin)
        try:
            target, recipients = self._mailbox(raw, mailbox=mailbox, recipient=recipient)
        except Exception as error:  # the database is unreachable
            self._exit(EX_TEMPFAIL, f"try again later: {type(error).__name__}: {error}")
        if target is None:
            named = mailbox or recipient or "the message's recipients"
            self._exit(EX_NOUSER, f"no such mailbox here: {named}")

        try:
            with scope(organisation=target.organisation_id):
                inbound, created = services.inbound_store(
                    mailbox=target, raw=raw, source=InboundSource.MAILGATE, recipients=recipients
                )
        except Exception as error:  # not stored: the MTA must keep it
            self._exit(EX_TEMPFAIL, f"try again later: {type(error).__name__}: {error}")

        # Stored, so safe with us: from here on nothing may make the MTA bounce or resend it.
        try:
            if inbound.state == InboundState.PENDING:
                with scope(organisation=target.organisation_id):
                    inbound = services.inbound_process(inbound_id=inbound.pk)
            self._say(_outcome(inbound, duplicate=not created))
        except Exception as error:  # the periodic sweep processes what is left waiting
            self._say(
                f"stored as incoming e-mail {inbound.pk}; processing postponed "
                f"({type(error).__name__}: {error})"
            )

    def _read(self, stdin) -> bytes:
        try:
            stream = stdin if stdin is not None else sys.stdin.buffer
            return read_message(stream, settings.KARCIS_MAIL_MAX_BYTES)
        except MessageTooLarge:
            self._exit(
                EX_DATAERR, f"message refused: larger than {settings.KARCIS_MAIL_MAX_BYTES} bytes"
            )
        except (OSError, ValueError, AttributeError) as error:  # closed or missing stdin
            self._exit(EX_TEMPFAIL, f"could not read the message: {error}")

    def _mailbox(self, raw: bytes, *, mailbox, recipient) -> tuple[Mailbox | None, list[str]]:
        if mailbox:
            return mailbox_for_recipient(mailbox), []
        if recipient:
            return mailbox_for_recipient(recipient), [recipient.strip().lower()]
        found, address = mailbox_from_headers(raw)
        return found, [address] if found else []

    def _say(self, line: str) -> None:
        self.stderr.write("karcis mailgate: " + " ".join(line.split()))

    def _exit(self, code: int, line: str) -> NoReturn:
        self._say(line)
        raise SystemExit(code)


def _outcome(inbound, *, duplicate: bool) -> str:
    already = "already stored; " if duplicate else ""
    ticket = inbound.ticket.number if inbound.ticket_id else ""
    if inbound.state == InboundState.PROCESSED:
        return f"{already}{ticket} {inbound.action}".strip()
    if inbound.state == InboundState.REJECTED:
        return f"{already}rejected: {inbound.reason}"
    if inbound.state == InboundState.FAILED:
        # Kept for the admins to run again after a fix; redelivering would not help.
        return f"{already}stored, processing failed: {inbound.reason}"
    return f"{already}stored as incoming e-mail {inbound.pk}, waiting to be processed"
