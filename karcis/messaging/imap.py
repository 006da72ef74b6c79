"""Fetching the mail of organisations' mailboxes from their IMAP servers.

A poll logs in, selects the folder read-only, and fetches the messages whose UID is above
the last one stored. Each message is stored and the mailbox's last UID advanced in ONE
transaction, so a poll that dies half-way resumes at the first message it did not store:
nothing is lost and nothing is stored twice. Mail stays on the server as it was (read-only
SELECT, BODY.PEEK leaves \\Seen alone): people may read the same mailbox in their client.

A new UIDVALIDITY means the server renumbered the folder: the poll starts again from the
first message, and storing (idempotent per Message-ID or bytes) skips what it already has.

Each message is stored with its INTERNALDATE (when it reached the mailbox, by the server's
clock), and the messages already in the folder when polling (re)starts are marked as its
history (`backfill`): they become tickets without an automatic reply. Neither depends on
the Date header, which the sender writes.

Problems with the server or the account never raise: they are kept on the mailbox
(`last_error`, in words an admin can act on) and the next poll tries again.
"""

from __future__ import annotations

import base64
import imaplib
import logging
import re
import socket
import ssl
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override
from django_scopes import scope

from karcis.core.tenancy import for_each_organisation, organisation_ids_where
from karcis.messaging import services
from karcis.messaging.models import ImapSecurity, InboundSource, InboundState, Mailbox

logger = logging.getLogger(__name__)

# Seconds one network operation (connect, TLS handshake, a command) may take.
TIMEOUT = 30
# Seconds a poll keeps fetching; a large backlog continues at the next poll, so one busy
# mailbox never keeps the others waiting for long.
TIME_BUDGET = 120
# Messages fetched per FETCH command.
BATCH_SIZE = 20
# Mailboxes polled at the same time by mailboxes_poll().
WORKERS = 4

_UID = re.compile(rb"\bUID (\d+)")
_INTERNALDATE = re.compile(
    rb'INTERNALDATE "\s?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)"'
)
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")


@dataclass(frozen=True)
class PollResult:
    fetched: int = 0  # messages read from the server
    stored: int = 0  # of those, new ones
    duplicates: int = 0  # of those, already stored (a refetch after a UIDVALIDITY change)
    error: str = ""  # why the poll stopped or what it skipped; "" when all went well
    address: str = field(default="", compare=False)  # the mailbox's, for a report


class PollError(Exception):
    """A problem with the server, the account or the folder, said for an admin."""


@dataclass
class _Tally:
    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    skipped: list[str] = field(default_factory=list)  # notes on messages left on the server


def mailbox_poll(*, mailbox_id: int) -> PollResult:
    """Fetch and store the mailbox's new mail, then turn it into tickets. Call inside the
    scope of the mailbox's organisation (mailboxes_poll does).

    Never raises: an error is recorded on the mailbox and returned in the result.
    """
    mailbox = Mailbox.objects.select_related("organisation").filter(pk=mailbox_id).first()
    if mailbox is None:
        return PollResult(error=f"Mailbox {mailbox_id} does not exist.")
    tally = _Tally()
    new_ids: list[int] = []
    # Errors are read by the organisation's admins, in its language.
    with override(mailbox.organisation.language):
        try:
            _fetch_new(mailbox, tally, new_ids)
            error = "; ".join(tally.skipped)
        except PollError as problem:
            error = str(problem)
        except Exception as problem:  # a bug or a database outage of ours
            logger.exception("Polling mailbox %s failed", mailbox.address)
            error = _("Fetching stopped because of an internal error: %(error)s") % {
                "error": f"{type(problem).__name__}: {problem}"
            }
    # What was stored is processed even when the poll stopped half-way.
    _process(new_ids)
    if error:
        logger.warning("IMAP poll of %s: %s", mailbox.address, error)
    services.mailbox_poll_recorded(mailbox_id=mailbox.pk, error=error)
    return PollResult(
        fetched=tally.fetched,
        stored=tally.stored,
        duplicates=tally.duplicates,
        error=error,
        address=mailbox.address,
    )


def mailboxes_poll(*, workers: int | None = None) -> dict[int, PollResult]:
    """Poll every active mailbox that has an IMAP server, several at a time.

    A failing or slow mailbox does not hold up the others: each is polled in its own thread,
    and a single poll is bounded by TIMEOUT per operation and TIME_BUDGET in all.
    """

    def polled_mailboxes():  # type: ignore[no-untyped-def]
        return Mailbox.objects.filter(is_active=True).exclude(imap_host="")

    organisations = organisation_ids_where(
        lambda: polled_mailboxes().values_list("organisation_id", flat=True)
    )
    per_organisation = for_each_organisation(
        lambda organisation: list(polled_mailboxes().order_by("pk").values_list("pk", flat=True)),
        only=organisations,
    )
    targets = [
        (organisation_id, mailbox_id)
        for organisation_id, mailbox_ids in per_organisation.items()
        for mailbox_id in mailbox_ids
    ]
    if not targets:
        return {}
    with ThreadPoolExecutor(
        max_workers=min(workers or WORKERS, len(targets)), thread_name_prefix="imap-poll"
    ) as pool:
        results = pool.map(lambda target: _poll_in_thread(*target), targets)
        return dict(zip([mailbox_id for _org, mailbox_id in targets], results, strict=True))


def _poll_in_thread(organisation_id: int, mailbox_id: int) -> PollResult:
    try:
        with scope(organisation=organisation_id):
            return mailbox_poll(mailbox_id=mailbox_id)
    finally:
        # Each thread has its own database connection; leave none open behind.
        connection.close()


# --- one poll ---------------------------------------------------------------------------


def _fetch_new(mailbox: Mailbox, tally: _Tally, new_ids: list[int]) -> None:
    if not mailbox.imap_host:
        raise PollError(_("No IMAP server is set for this mailbox."))
    deadline = time.monotonic() + TIME_BUDGET
    with _session(mailbox) as client:
        uidvalidity = _select(client, mailbox.imap_folder)
        fresh_start = mailbox.imap_uidvalidity != uidvalidity
        last_uid = _resume_point(client, mailbox, uidvalidity)
        uids = _uids_after(client, last_uid)
        # On a fresh start, everything already in the folder is its history. (A history
        # longer than one poll's TIME_BUDGET continues at the next poll unmarked; its
        # INTERNALDATE, more than AUTO_REPLY_MAX_AGE ago for most of it, still keeps it
        # from being answered.)
        history_until = max(uids, default=0) if fresh_start else 0
        for start in range(0, len(uids), BATCH_SIZE):
            batch = uids[start : start + BATCH_SIZE]
            too_large = _too_large(client, batch)
            messages = _fetch(client, [uid for uid in batch if uid not in too_large])
            # In UID order, so that the resume point never passes a message not stored.
            for uid in batch:
                if uid in messages:
                    raw, arrived_at = messages[uid]
                    _store(
                        mailbox,
                        uidvalidity,
                        uid,
                        raw,
                        tally,
                        new_ids,
                        arrived_at=arrived_at,
                        backfill=uid <= history_until,
                    )
                elif uid in too_large:
                    tally.skipped.append(_too_large_note(uid, too_large[uid]))
                    _advance(mailbox, uidvalidity, uid)
                # else: expunged since the SEARCH; nothing to store
            # Checked after a batch, so that even a slow server sees progress every poll.
            if time.monotonic() > deadline:
                break  # the rest at the next poll, from the last UID stored


def _resume_point(client: imaplib.IMAP4, mailbox: Mailbox, uidvalidity: int) -> int:
    """The last UID stored; on a fresh start (first poll, or the folder's UIDs mean something
    new), the UID just before the mail of the last few days.

    A mailbox connected for the first time may hold years of mail: those are not requests
    waiting for an answer, and each would open a ticket and get an automatic reply.
    """
    if mailbox.imap_uidvalidity == uidvalidity:
        return mailbox.imap_last_uid
    if mailbox.imap_uidvalidity is not None:
        logger.info(
            "UIDVALIDITY of %s changed (%s -> %s): fetching the folder again",
            mailbox.address,
            mailbox.imap_uidvalidity,
            uidvalidity,
        )
    start = _uid_before_recent_mail(client)
    Mailbox.objects.filter(pk=mailbox.pk).update(imap_uidvalidity=uidvalidity, imap_last_uid=start)
    mailbox.imap_uidvalidity, mailbox.imap_last_uid = uidvalidity, start
    return start


IMAP_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _uid_before_recent_mail(client: imaplib.IMAP4) -> int:
    since = (timezone.now() - timedelta(days=settings.KARCIS_IMAP_BACKFILL_DAYS)).date()
    # IMAP dates are "24-Nov-2026" with English month names, whatever the locale.
    month = IMAP_MONTHS[since.month - 1]
    recent = _uid_command(client, "SEARCH", f"SINCE {since.day}-{month}-{since.year}")
    recent_uids = [int(uid) for uid in (recent[0] or b"").split()]
    if recent_uids:
        return min(recent_uids) - 1
    every = _uid_command(client, "SEARCH", "ALL")
    return max((int(uid) for uid in (every[0] or b"").split()), default=0)


def _store(
    mailbox: Mailbox,
    uidvalidity: int,
    uid: int,
    raw: bytes,
    tally: _Tally,
    new_ids: list[int],
    *,
    arrived_at: datetime | None = None,
    backfill: bool = False,
) -> None:
    # Stored and remembered together: a crash in between would either lose the message
    # (UID advanced, row missing) or, harmlessly, fetch it once more.
    with transaction.atomic():
        inbound, created = services.inbound_store(
            mailbox=mailbox,
            raw=raw,
            source=InboundSource.IMAP,
            arrived_at=arrived_at,
            backfill=backfill,
        )
        _advance(mailbox, uidvalidity, uid)
    tally.fetched += 1
    if created:
        tally.stored += 1
    else:
        tally.duplicates += 1
    if inbound.state == InboundState.PENDING:
        new_ids.append(inbound.pk)


def _advance(mailbox: Mailbox, uidvalidity: int, uid: int) -> None:
    # Only forward, and only within the same UIDVALIDITY: a second poll of the same
    # mailbox running at the same moment can never move the resume point back.
    Mailbox.objects.filter(
        pk=mailbox.pk, imap_uidvalidity=uidvalidity, imap_last_uid__lt=uid
    ).update(imap_last_uid=uid)


def _process(inbound_ids: list[int]) -> None:
    for inbound_id in inbound_ids:
        try:
            services.inbound_process(inbound_id=inbound_id)
        except Exception:  # stored safely; the pending sweep tries again
            logger.exception("Processing incoming e-mail %s failed", inbound_id)


# --- talking IMAP -----------------------------------------------------------------------


@contextmanager
def _session(mailbox: Mailbox) -> Iterator[imaplib.IMAP4]:
    """A logged-in connection; any network, TLS or protocol failure becomes a PollError."""
    where = f"{mailbox.imap_host}:{mailbox.imap_port}"
    client = None
    finished = False
    try:
        client = _connect(mailbox)
        _login(client, mailbox)
        yield client
        finished = True
    except PollError:
        raise
    except socket.gaierror as error:
        raise PollError(
            _("The IMAP server name %(host)s could not be found (%(error)s).")
            % {"host": mailbox.imap_host, "error": error.strerror or error}
        ) from error
    except ssl.SSLCertVerificationError as error:
        raise PollError(
            _("The certificate of %(where)s could not be verified: %(error)s.")
            % {"where": where, "error": error.verify_message or error.reason}
        ) from error
    except ssl.SSLError as error:
        raise PollError(
            _(
                "The secure connection (TLS) to %(where)s failed: %(error)s. "
                "Check the security setting and the port."
            )
            % {"where": where, "error": error.reason or error}
        ) from error
    except ConnectionRefusedError as error:
        raise PollError(
            _("%(where)s refused the connection. Check the server name and the port.")
            % {"where": where}
        ) from error
    except TimeoutError as error:
        raise PollError(
            ngettext(
                "%(where)s did not answer within %(seconds)d second.",
                "%(where)s did not answer within %(seconds)d seconds.",
                TIMEOUT,
            )
            % {"where": where, "seconds": TIMEOUT}
        ) from error
    except imaplib.IMAP4.abort as error:
        raise PollError(
            _("%(where)s closed the connection: %(error)s")
            % {"where": where, "error": _text(error)}
        ) from error
    except imaplib.IMAP4.error as error:
        raise PollError(
            _("%(where)s answered with an error: %(error)s")
            % {"where": where, "error": _text(error)}
        ) from error
    except OSError as error:
        raise PollError(
            _("Could not connect to %(where)s: %(error)s")
            % {"where": where, "error": error.strerror or error}
        ) from error
    finally:
        if client is not None and finished:
            _logout(client)
        elif client is not None:
            # After a failure, no polite LOGOUT: a server that stopped answering would
            # keep us waiting for another TIMEOUT.
            with suppress(OSError):
                client.shutdown()


def _tls_context() -> ssl.SSLContext:
    # The system's CAs; KARCIS_IMAP_CA_FILE instead trusts one CA (a private one, or the
    # tests' own server). Verification is never turned off.
    ca_file = settings.KARCIS_IMAP_CA_FILE or None
    return ssl.create_default_context(cafile=ca_file)


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    host, port = mailbox.imap_host, mailbox.imap_port
    if mailbox.imap_security == ImapSecurity.SSL:
        return imaplib.IMAP4_SSL(host, port, ssl_context=_tls_context(), timeout=TIMEOUT)
    client = imaplib.IMAP4(host, port, timeout=TIMEOUT)
    if mailbox.imap_security == ImapSecurity.STARTTLS:
        if "STARTTLS" not in client.capabilities:
            _logout(client)
            raise PollError(
                _("%(host)s:%(port)s does not offer STARTTLS. Choose SSL/TLS (usually port 993).")
                % {"host": host, "port": port}
            )
        client.starttls(ssl_context=_tls_context())
    return client


def _login(client: imaplib.IMAP4, mailbox: Mailbox) -> None:
    user, password = mailbox.imap_username, mailbox.imap_password
    try:
        if user.isascii() and password.isascii():
            client.login(user, password)
        else:
            # LOGIN carries ASCII only; SASL PLAIN carries UTF-8 (RFC 4616).
            client.authenticate("PLAIN", lambda _challenge: f"\0{user}\0{password}".encode())
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as error:
        raise PollError(
            _("The IMAP server refused the user name or password (%(error)s).")
            % {"error": _text(error)}
        ) from error


def _select(client: imaplib.IMAP4, folder: str) -> int:
    """Open the folder read-only (nothing on the server changes); its UIDVALIDITY."""
    status, data = client.select(imap_quoted(folder), readonly=True)
    if status != "OK":
        raise PollError(
            _("The folder “%(folder)s” could not be opened: %(error)s")
            % {"folder": folder, "error": _text(data)}
        )
    _code, values = client.response("UIDVALIDITY")
    if not values or values[0] is None:
        raise PollError(_("The IMAP server did not say the folder's UIDVALIDITY."))
    return int(values[0])


def _uids_after(client: imaplib.IMAP4, last_uid: int) -> list[int]:
    data = _uid_command(client, "SEARCH", f"UID {last_uid + 1}:*")
    # "N:*" also matches the highest UID when it is below N (RFC 3501 §6.4.8): keep only
    # the UIDs that are really new.
    found = (int(uid) for uid in (data[0] or b"").split())
    return sorted(uid for uid in found if uid > last_uid)


def _too_large(client: imaplib.IMAP4, uids: list[int]) -> dict[int, int]:
    """{UID: size} of the messages over KARCIS_MAIL_MAX_BYTES: they stay on the server
    (the poll's error names them) instead of filling memory and the database."""
    limit = settings.KARCIS_MAIL_MAX_BYTES
    data = _uid_command(client, "FETCH", _uid_set(uids), "(UID RFC822.SIZE)")
    sizes = {}
    for item in data:
        line = (item[0] if isinstance(item, tuple) else item) or b""
        uid, size = _UID.search(line), _SIZE.search(line)
        if uid and size and int(size.group(1)) > limit:
            sizes[int(uid.group(1))] = int(size.group(1))
    return sizes


def _too_large_note(uid: int, size: int) -> str:
    return _(
        "Message UID %(uid)d (%(size)d MB) is larger than the limit of %(limit)d MB and was "
        "left on the server."
    ) % {"uid": uid, "size": size // 2**20, "limit": settings.KARCIS_MAIL_MAX_BYTES // 2**20}


def _fetch(client: imaplib.IMAP4, uids: list[int]) -> dict[int, tuple[bytes, datetime | None]]:
    """{UID: (raw message, INTERNALDATE)}; a message expunged meanwhile is simply absent."""
    if not uids:
        return {}
    data = _uid_command(client, "FETCH", _uid_set(uids), "(UID INTERNALDATE BODY.PEEK[])")
    messages = {}
    for index, item in enumerate(data):
        if not isinstance(item, tuple):
            continue  # the closing ")" of a message, or an unsolicited FLAGS update
        header, raw = item
        match = _UID.search(header)
        if match is None and index + 1 < len(data) and isinstance(data[index + 1], bytes):
            match = _UID.search(data[index + 1])  # the server put UID after the literal
        if match is not None:
            messages[int(match.group(1))] = (raw, internaldate(header))
    return messages


def internaldate(line: bytes) -> datetime | None:
    """The INTERNALDATE of a FETCH response line, as an aware datetime; None when absent or
    unreadable (the message then counts as arrived when we stored it)."""
    match = _INTERNALDATE.search(line)
    if match is None:
        return None
    day, month, year, hour, minute, second, sign, off_h, off_m = (
        part.decode("ascii") for part in match.groups()
    )
    try:
        offset = timedelta(hours=int(off_h), minutes=int(off_m))
        zone = dt_timezone(offset if sign == "+" else -offset)
        return datetime(
            int(year),
            IMAP_MONTHS.index(month.capitalize()) + 1,
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=zone,
        )
    except ValueError:  # a month or a time no calendar has
        return None


def _uid_command(client: imaplib.IMAP4, command: str, *args: str) -> list:
    # A refused FETCH must stop the poll: carrying on with the next batch would move the
    # resume point past messages never stored.
    status, data = client.uid(command, *args)
    if status != "OK":
        raise PollError(
            _("The IMAP server refused %(command)s: %(error)s")
            % {"command": command, "error": _text(data)}
        )
    return data


def _logout(client: imaplib.IMAP4) -> None:
    with suppress(imaplib.IMAP4.error, OSError):  # the connection is gone either way
        client.logout()


def _uid_set(uids: list[int]) -> str:
    return ",".join(str(uid) for uid in uids)


def _text(value) -> str:
    """The server's words from an imaplib error or response data, as readable text."""
    if isinstance(value, list):
        value = b" ".join(v for v in value if isinstance(v, bytes))
    if isinstance(value, imaplib.IMAP4.error) and value.args:
        value = value.args[0]
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).strip()


def imap_quoted(folder: str) -> str:
    """A folder name as an IMAP quoted string, non-ASCII in modified UTF-7 (RFC 3501
    §5.1.3): imaplib sends names as given, so "Pengaduan Warga" would be two words."""
    encoded = _modified_utf7(folder)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _modified_utf7(text: str) -> str:
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            data = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(data).decode().rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in text:
        if " " <= char <= "~":
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)
