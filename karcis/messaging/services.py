"""Every write of the messaging app: mailboxes, storing and processing incoming mail, and the
state of outgoing mail.

Incoming mail goes through two steps with a commit between them. `inbound_store` keeps the
bytes as they arrived (once per mailbox and Message-ID), then `inbound_process` turns them
into a ticket or a reply. A crash between the two leaves a waiting row that the periodic
sweep processes. Nothing is lost, and a second delivery of the same message is not stored
twice.
"""

import hashlib
import logging
import mimetypes
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import override, pgettext
from django_scopes import scope, scopes_disabled

from karcis.core.content import Body, CheckedFile, attachment_check, sanitise_html
from karcis.core.eventlog import EventType
from karcis.core.models import (
    Channel,
    Contact,
    ContactIdentity,
    IdentityKind,
    Notification,
    Organisation,
    User,
    Verification,
    as_member,
)
from karcis.core.notifications import recipient_language
from karcis.core.rows import row_insert_unless_taken
from karcis.core.services import contact_resolve, event_record
from karcis.core.tenancy import for_each_organisation, organisation_ids_where
from karcis.core.text import one_line
from karcis.desk import selectors as desk_selectors
from karcis.desk import services as desk
from karcis.messaging import addresses, events, intake, outbound
from karcis.messaging.email.parse import (
    ForwardedMessage,
    ParsedAttachment,
    ParsedEmail,
    email_parse,
    message_id_of,
    repairs_of,
)
from karcis.messaging.models import (
    Delivery,
    DeliveryKind,
    Direction,
    EmailMessageId,
    InboundAction,
    InboundEmail,
    InboundState,
    Mailbox,
)
from karcis.messaging.selectors import mailbox_addresses_of

# Tickets as the desk hands them out (its selectors and services); never its models.
Ticket = Any
Message = Any

logger = logging.getLogger(__name__)

# How many waiting messages the processing worker lists at a time (inbound_waiting_process).
PROCESS_BATCH = 20
# A stored row waits this long for the process that stored it before the sweep takes it.
PENDING_GRACE = timedelta(seconds=30)
# Every person in Cc becomes a participant, up to this many per message: a limit only
# against abuse (a message Cc'ing a whole list), far above any real conversation. Those left
# out are counted on the message for the agent (docs/guide-*.md say the number).
MAX_PARTICIPANTS_PER_MESSAGE = 50
# A message that reached the mailbox longer ago than this when processed gets no automatic
# reply (a poll after an outage, a message run again weeks later). Judged by when it
# arrived (our own clock, or the IMAP server's INTERNALDATE), never by its Date header:
# the sender writes that, and a phone with a wrong clock still deserves its answer.
AUTO_REPLY_MAX_AGE = timedelta(days=1)


# --- mailboxes --------------------------------------------------------------------------

MAILBOX_FIELDS = {
    "name",
    "address",
    "is_default",
    "is_active",
    "auto_reply",
    "imap_host",
    "imap_port",
    "imap_security",
    "imap_username",
    "imap_password",
    "imap_folder",
}


def _mailbox_check(mailbox: Mailbox) -> None:
    mailbox.address = mailbox.address.strip().lower()
    mailbox.name = one_line(mailbox.name, 100) or mailbox.address
    if "+" in mailbox.address.split("@")[0]:
        raise ValidationError(
            {"address": _("Use the plain address, without “+”: reply addresses add it.")}
        )
    # Addresses are unique across organisations, so look beyond the request's scope.
    with scopes_disabled():
        taken = Mailbox.objects.filter(address=mailbox.address).exclude(pk=mailbox.pk).exists()
    if taken:
        raise _address_taken()
    mailbox.full_clean(exclude=["organisation"], validate_unique=False)


def _address_taken() -> ValidationError:
    return ValidationError({"address": _("Another mailbox already uses this address.")})


def _mailbox_save(
    mailbox: Mailbox, *, actor: User | None, event_type: EventType, fields: list[str] | None = None
) -> None:
    try:
        with transaction.atomic():
            mailbox.save(update_fields=fields)
            if mailbox.is_default:
                Mailbox.objects.filter(organisation=mailbox.organisation, is_default=True).exclude(
                    pk=mailbox.pk
                ).update(is_default=False)
            event_record(
                organisation=mailbox.organisation,
                type=event_type,
                obj=mailbox,
                actor=actor,
                payload={"address": mailbox.address},
            )
    except IntegrityError:  # the address was taken between the check and the save
        raise _address_taken() from None


def mailbox_create(
    *, organisation: Organisation, address: str, actor: User | None = None, **fields: Any
) -> Mailbox:
    """A new mailbox; the organisation's first one becomes its default sender."""
    unknown = set(fields) - MAILBOX_FIELDS
    if unknown:
        raise TypeError(f"Unknown mailbox fields: {sorted(unknown)}")
    mailbox = Mailbox(organisation=organisation, address=address, **fields)
    if not Mailbox.objects.filter(organisation=organisation).exists():
        mailbox.is_default = True
    _mailbox_check(mailbox)
    _mailbox_save(mailbox, actor=actor, event_type=events.MAILBOX_CREATED)
    return mailbox


def mailbox_update(*, mailbox: Mailbox, actor: User | None = None, **fields: Any) -> Mailbox:
    """Change a mailbox. A new IMAP server, user or folder starts polling from the beginning
    (already stored messages are recognised and not stored again)."""
    unknown = set(fields) - MAILBOX_FIELDS
    if unknown:
        raise TypeError(f"Unknown mailbox fields: {sorted(unknown)}")
    where = (mailbox.imap_host, mailbox.imap_username, mailbox.imap_folder)
    for name, value in fields.items():
        setattr(mailbox, name, value)
    _mailbox_check(mailbox)
    if (mailbox.imap_host, mailbox.imap_username, mailbox.imap_folder) != where:
        mailbox.imap_uidvalidity, mailbox.imap_last_uid, mailbox.last_error = None, 0, ""
    _mailbox_save(mailbox, actor=actor, event_type=events.MAILBOX_UPDATED)
    return mailbox


def mailbox_poll_recorded(
    *, mailbox_id: int, error: str = "", uidvalidity: int | None = None
) -> None:
    """Note the end of an IMAP poll on the mailbox (its last error, or none)."""
    fields = {"last_polled_at": timezone.now(), "last_error": one_line(error, 1000)}
    if uidvalidity is not None:
        fields["imap_uidvalidity"] = uidvalidity
    Mailbox.objects.filter(pk=mailbox_id).update(**fields)


# --- storing incoming mail --------------------------------------------------------------


def _dedupe_key(raw: bytes, message_id: str) -> str:
    return message_id or "sha256:" + hashlib.sha256(raw).hexdigest()


def inbound_store(
    *,
    mailbox: Mailbox,
    raw: bytes,
    source: str,
    recipients: Iterable[str] = (),
    arrived_at: datetime | None = None,
    backfill: bool = False,
) -> tuple[InboundEmail, bool]:
    """Keep a message exactly as it arrived; (row, True) when it is new for this mailbox.

    A message already stored (a redelivery, a second IMAP fetch) returns the stored row and
    False. Call this before anything else may fail: once it returns, the message is safe.
    `arrived_at`: when it reached the mailbox, when that was before we received it (IMAP's
    INTERNALDATE); `backfill`: it was already in the mailbox when we started reading it.
    """
    message_id = message_id_of(raw)
    key = _dedupe_key(raw, message_id)
    # Insert first, one statement and no savepoint: a new message is the common case, and
    # the unique constraint tells a redelivery (or a parallel delivery of the same
    # message, which PostgreSQL waits for) apart. In autocommit (the mail server, the
    # mail-gate) the statement is its own transaction: the bytes are committed when it returns.
    inbound = row_insert_unless_taken(
        InboundEmail(
            organisation_id=mailbox.organisation_id,
            mailbox=mailbox,
            source=source,
            dedupe_key=key,
            message_id=message_id,
            raw=raw,
            size=len(raw),
            envelope_recipients=[str(r).replace("\x00", "").lower() for r in recipients][:50],
            arrived_at=arrived_at,
            backfill=backfill,
        ),
        unique=("mailbox", "dedupe_key"),
    )
    if inbound is None:  # stored already, by an earlier or a parallel delivery
        return InboundEmail.objects.get(mailbox=mailbox, dedupe_key=key), False
    return inbound, True


def inbound_receive(
    *, mailbox: Mailbox, raw: bytes, source: str, recipients: Iterable[str] = ()
) -> InboundEmail:
    """Store a message, then process it (unless an earlier delivery already did)."""
    inbound, _created = inbound_store(
        mailbox=mailbox, raw=raw, source=source, recipients=recipients
    )
    if inbound.state == InboundState.PENDING:
        inbound = inbound_process(inbound_id=inbound.pk)
    return inbound


def inbound_pending_process(*, grace: timedelta = PENDING_GRACE) -> int:
    """Process what was stored but never processed (the receiver crashed), organisation by
    organisation in its scope; returns how many."""
    before = timezone.now() - grace

    def waiting_rows() -> QuerySet[InboundEmail]:
        return InboundEmail.objects.filter(state=InboundState.PENDING, received_at__lt=before)

    organisations = organisation_ids_where(
        lambda: waiting_rows().values_list("organisation_id", flat=True).distinct()
    )

    def process_waiting(organisation: Organisation) -> int:
        ids = list(waiting_rows().values_list("pk", flat=True)[:500])
        for inbound_id in ids:
            inbound_process(inbound_id=inbound_id)
        return len(ids)

    return sum(for_each_organisation(process_waiting, only=organisations).values())


def inbound_rerun(*, inbound: InboundEmail, actor: User) -> InboundEmail:
    """Process a rejected or failed message again (after a fix, or to let it through)."""
    if inbound.state not in (InboundState.REJECTED, InboundState.FAILED):
        raise ValidationError(_("Only a rejected or failed message can be processed again."))
    if inbound.raw_purged_at is not None:
        raise ValidationError(_("The original of this message was purged: it cannot be run again."))
    with transaction.atomic():
        InboundEmail.objects.filter(pk=inbound.pk).update(
            state=InboundState.PENDING, reason="", action=InboundAction.NONE
        )
        event_record(
            organisation=inbound.organisation,
            type=events.INBOUND_RERUN,
            obj=inbound,
            actor=actor,
            payload={"message_id": inbound.message_id, "previous_reason": inbound.reason},
        )
    return inbound_process(inbound_id=inbound.pk, bypass_rate_limit=True)


# --- keeping raw mail -------------------------------------------------------------------

# Purged in batches: each UPDATE is short, so mail arriving meanwhile never waits long.
RAW_PURGE_BATCH = 500


def inbound_keep_set(*, inbound: InboundEmail, actor: User, keep: bool) -> InboundEmail:
    """Keep a message's original past the retention period (evidence, a parser problem to
    report), or let it go again."""
    if keep and inbound.raw_purged_at is not None:
        raise ValidationError(_("The original of this message was already purged."))
    if inbound.keep == keep:
        return inbound
    with transaction.atomic():
        inbound.keep = keep
        inbound.save(update_fields=["keep"])
        event_record(
            organisation=inbound.organisation,
            type=events.INBOUND_KEEP_CHANGED,
            obj=inbound,
            actor=actor,
            payload={"keep": keep},
        )
    return inbound


def inbound_raw_purge(*, organisation: Organisation, days: int | None = None) -> int:
    """Drop the raw bytes of the organisation's messages received more than `days` ago
    (KARCIS_MAIL_RAW_RETENTION_DAYS; 0 keeps them for ever); returns how many.

    What an admin flagged `keep` stays, and so does mail not processed yet (it would be
    lost). The tickets, messages and attachments made from the mail are untouched: only
    the source goes, and the incoming-mail page says it was purged and when. The daily job
    "purge-raw-mail" calls this inside the organisation's scope.
    """
    days = settings.KARCIS_MAIL_RAW_RETENTION_DAYS if days is None else days
    if days <= 0:
        return 0
    now = timezone.now()
    cutoff = now - timedelta(days=days)
    due = InboundEmail.objects.filter(
        organisation=organisation,
        received_at__lt=cutoff,
        raw_purged_at__isnull=True,
        keep=False,
    ).exclude(state=InboundState.PENDING)
    purged = 0
    while True:
        with transaction.atomic():
            ids = list(due.order_by("received_at").values_list("pk", flat=True)[:RAW_PURGE_BATCH])
            if not ids:
                break
            # Filtered again: a message flagged `keep` since the ids were read stays.
            purged += due.filter(pk__in=ids).update(raw=b"", raw_purged_at=now)
    if purged:
        with transaction.atomic():
            event_record(
                organisation=organisation,
                type=events.INBOUND_RAW_PURGED,
                obj=organisation,
                payload={"count": purged, "received_before": cutoff.isoformat()},
            )
    return purged


# --- processing incoming mail -----------------------------------------------------------


class Rejected(Exception):
    """The message is kept but makes no ticket; the reason is shown to admins."""


@dataclass
class Outcome:
    action: str
    ticket: Ticket | None
    desk_message_id: int | None = None
    note: str = ""


def inbound_process(*, inbound_id: int, bypass_rate_limit: bool = False) -> InboundEmail:
    """Turn a stored message into a new ticket or a reply on one; safe to call twice.

    Never raises for bad mail: the row ends processed, rejected (with the reason) or failed
    (an error of ours, with its message; it can be run again after a fix).
    """
    with transaction.atomic():
        inbound = _locked_rows().get(pk=inbound_id)
        if inbound.state == InboundState.PENDING:
            _process_locked(inbound, bypass_rate_limit=bypass_rate_limit)
    return inbound


def _locked_rows(*, skip_locked: bool = False) -> QuerySet[InboundEmail]:
    # Only the e-mail rows: locking the joined mailbox and organisation too would make a
    # whole organisation's mail wait in line behind each message.
    return InboundEmail.objects.select_for_update(
        of=("self",), skip_locked=skip_locked
    ).select_related("mailbox", "organisation")


def inbound_waiting_process(*, limit: int = PROCESS_BATCH) -> int:
    """Process up to `limit` waiting messages, oldest first; returns how many were waiting.

    One statement lists them; each is then processed in its own transaction, as
    `inbound_process` does, except that a row another worker holds is skipped rather than
    waited for (that worker is processing it). Not one transaction for the batch: opening a
    ticket takes its organisation's numbering lock (decision 0002) until the commit, so two
    workers with batches of two organisations would deadlock, and two with batches of one
    would take turns. Rows of any organisation: each is processed in its own scope.
    """
    with scopes_disabled():
        waiting = list(
            InboundEmail.objects.filter(state=InboundState.PENDING)
            .order_by("id")
            .values_list("pk", "organisation_id")[:limit]
        )
    for inbound_id, organisation_id in waiting:
        with scope(organisation=organisation_id), transaction.atomic():
            inbound = _locked_rows(skip_locked=True).filter(pk=inbound_id).first()
            # None: another worker has it. Not waiting: processed since the list was read.
            if inbound is not None and inbound.state == InboundState.PENDING:
                _process_locked(inbound, bypass_rate_limit=False)
    return len(waiting)


def _process_locked(inbound: InboundEmail, *, bypass_rate_limit: bool) -> None:
    """Process a waiting row, locked by the caller's transaction, and record the outcome."""
    inbound.attempts += 1
    try:
        # A savepoint: a failure undoes the half-made ticket, never the stored message.
        with transaction.atomic():
            outcome = _process(inbound, bypass_rate_limit=bypass_rate_limit)
    except Rejected as rejection:
        inbound.state, inbound.reason = InboundState.REJECTED, str(rejection)
    except ValidationError as error:
        inbound.state = InboundState.REJECTED
        inbound.reason = " ".join(error.messages)
    except Exception as error:  # a bug or an outage of ours: keep the mail, say why
        logger.exception("Processing incoming e-mail %s failed", inbound.pk)
        inbound.state = InboundState.FAILED
        inbound.reason = f"{type(error).__name__}: {error}"[:2000]
    else:
        inbound.state = InboundState.PROCESSED
        inbound.action = outcome.action
        inbound.ticket = outcome.ticket
        inbound.desk_message_id = outcome.desk_message_id
        inbound.reason = outcome.note
    inbound.processed_at = timezone.now()
    inbound.save(
        update_fields=[
            "state",
            "action",
            "reason",
            "ticket",
            "desk_message",
            "attempts",
            "processed_at",
            "from_address",
            "subject",
        ]
    )


def _process(inbound: InboundEmail, *, bypass_rate_limit: bool) -> Outcome:
    parsed = email_parse(bytes(inbound.raw))
    organisation = inbound.organisation
    inbound.from_address = parsed.from_address[:254]
    inbound.subject = one_line(parsed.subject, 200)
    # Rejections are in the organisation's language: its admins read them.
    with override(organisation.language):
        if parsed.is_bounce:
            return _bounce_record(organisation, parsed)
        if not _is_address(parsed.from_address):
            raise Rejected(_("The message has no sender address, so nobody could be answered."))
        ours = mailbox_addresses_of(organisation_id=organisation.pk)  # cached
        if addresses.base_address(parsed.from_address) in ours:
            raise Rejected(_("The message comes from one of our own addresses (a mail loop)."))
        if not bypass_rate_limit:
            _rate_limit_check(inbound)
        with intake.processing(inbound) as current:
            return _thread_in(inbound, parsed, current, ours)


def _is_address(value: str) -> bool:
    """Whether mail could ever be sent to this address (a sender we can answer)."""
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def _rate_limit_check(inbound: InboundEmail) -> None:
    window = timedelta(seconds=settings.KARCIS_MAIL_SENDER_WINDOW)
    limit = settings.KARCIS_MAIL_SENDER_LIMIT
    processed = InboundEmail.objects.filter(
        mailbox_id=inbound.mailbox_id,
        from_address=inbound.from_address,
        state=InboundState.PROCESSED,
        received_at__gte=inbound.received_at - window,
        received_at__lte=inbound.received_at,
    ).order_by()
    # Whether the window holds a limit-th message: a probe that reads at most `limit` rows
    # of the sender's index (inbound_sender), not a count of however many the window holds.
    if not processed.values_list("pk", flat=True)[limit - 1 : limit]:
        return
    raise Rejected(
        _(
            "Held back: %(sender)s sent %(count)d messages within %(minutes)d minutes "
            "(a mail storm or loop). Process it again if it is genuine."
        )
        % {
            "sender": inbound.from_address,
            "count": processed.count() + 1,  # counted only for the admins' reason
            "minutes": window.total_seconds() // 60,
        }
    )


def _bounce_record(organisation: Organisation, parsed: ParsedEmail) -> Outcome:
    delivery = (
        Delivery.objects.filter(
            organisation=organisation, message_id__in=parsed.bounced_message_ids
        )
        .select_related("desk_message__ticket__organisation")
        .first()
        if parsed.bounced_message_ids
        else None
    )
    if delivery is None:
        raise Rejected(_("A delivery failure report about a message we did not send."))
    reason = parsed.bounce_reason or _("The recipient's mail server returned the message.")
    outbound.delivery_mark_failed(delivery=delivery, reason=reason)
    return Outcome(action=InboundAction.BOUNCE, ticket=delivery.ticket)


# --- threading --------------------------------------------------------------------------


@dataclass
class Thread:
    ticket: Ticket | None  # the ticket the message continues, if any
    linked_to: Ticket | None = None  # a ticket a new one should link to (a stranger's tag)


def thread_find(
    *,
    organisation: Organisation,
    parsed: ParsedEmail,
    recipients: Iterable[str] = (),
    known: list[EmailMessageId] | None = None,
) -> Thread:
    """Which ticket a message continues, by the strongest signal it carries.

    1. a Message-ID of ours (or of a message we received) in In-Reply-To / References;
    2. a ticket's signed reply address among its recipients;
    3. the [KRC-000123] tag in the subject — only from the requester or a participant:
       anyone can type a tag, so a stranger's message becomes a new ticket linked to it.

    A ticket merged into another leads to that one; a message split off into a ticket of its
    own leads to that ticket. `known`: the rows of `_message_ids_known`, when the caller has
    them.
    """
    if known is None:
        known = _message_ids_known(organisation, parsed)
    ticket = _ticket_by_message_ids(known, parsed.in_reply_to, parsed.references)
    if ticket is not None:
        return Thread(desk_selectors.ticket_surviving(ticket=ticket))
    ticket = _ticket_by_reply_address(
        organisation,
        [
            *recipients,
            *(address for _name, address in [*parsed.to, *parsed.cc]),
            *parsed.delivered_to,
        ],
    )
    if ticket is not None:
        return Thread(desk_selectors.ticket_surviving(ticket=ticket))
    ticket = desk_selectors.ticket_by_subject_tag(organisation=organisation, subject=parsed.subject)
    if ticket is not None:
        # A merged ticket's number leads to the ticket it went into (merged: never split again).
        ticket = desk_selectors.ticket_surviving(ticket=ticket)
        if _is_participant(ticket, parsed.from_address):
            return Thread(ticket)
        return Thread(None, linked_to=ticket)
    return Thread(None)


def _ticket_by_reply_address(organisation: Organisation, candidates: list[str]) -> Ticket | None:
    for address in candidates:
        number = addresses.ticket_number_from_address(organisation=organisation, address=address)
        if number is not None:
            ticket = desk_selectors.ticket_get_by_number(organisation=organisation, number=number)
            if ticket is not None:
                return ticket
    return None


def _message_ids_known(organisation: Organisation, parsed: ParsedEmail) -> list[EmailMessageId]:
    """The recorded Message-IDs among the message's own and those it refers to, oldest
    first, with their tickets: one lookup on the (organisation, value) index serves both the
    "already received" check and threading."""
    named = [*parsed.in_reply_to, *reversed(parsed.references)][:100]
    wanted = [*named, parsed.message_id] if parsed.message_id else named
    if not wanted:
        return []
    rows = (
        EmailMessageId.objects.filter(organisation=organisation, value__in=wanted)
        # Where the message a Message-ID names is now: it moves with a split or a merge.
        .annotate(message_ticket_id=F("desk_message__ticket_id"))
        .order_by("id")
    )
    if named:
        # Threading will want the ticket. Joined only then: the join costs about as much
        # CPU to build as the statement it saves, and most mail names no earlier message.
        rows = rows.select_related("ticket__organisation", "ticket__requester")
    return list(rows)


def _ticket_by_message_ids(
    known: list[EmailMessageId], in_reply_to: list[str], references: list[str]
) -> Ticket | None:
    # The message replied to first, then the chain from its newest end; the latest record
    # of a value counts.
    by_value = {row.value: row for row in known}
    for value in [*in_reply_to, *reversed(references)]:
        row = by_value.get(value)
        if row is None:
            continue
        moved_to = row.message_ticket_id  # type: ignore[attr-defined]
        if moved_to is not None and moved_to != row.ticket_id:  # split off since
            return desk_selectors.ticket_get(ticket_id=moved_to)
        return row.ticket
    return None


def _is_participant(ticket: Ticket, address: str) -> bool:
    return address.lower() in desk_selectors.ticket_people_emails(ticket=ticket)


def _thread_in(
    inbound: InboundEmail, parsed: ParsedEmail, current: intake.Intake, ours: set[str]
) -> Outcome:
    organisation = inbound.organisation
    known = _message_ids_known(organisation, parsed)
    # One message sent to two of our addresses (To bantuan@, Cc tagihan@) is one request.
    received = next(
        (r for r in known if r.value == parsed.message_id and r.direction == Direction.IN), None
    )
    if received is not None:
        return Outcome(InboundAction.ALREADY_RECEIVED, received.ticket, received.desk_message_id)
    thread = thread_find(
        organisation=organisation,
        parsed=parsed,
        recipients=inbound.envelope_recipients,
        known=known,
    )
    # The mail came from the address: that proves it (the Cc'd addresses below it does not).
    sender = contact_resolve(
        organisation=organisation,
        name=parsed.from_name,
        email=parsed.from_address,
        proven={IdentityKind.EMAIL},
        proof=Verification.INBOUND,
    )
    files, skipped = _attachments_checked(parsed)
    body = _body_of(parsed, skipped)
    note = "; ".join(skipped)
    # An automatic answer (out-of-office) brings nobody into the conversation.
    copied, left_out = ([], 0) if parsed.auto_submitted else _copied_people(parsed, ours)
    intake_notes: list[dict[str, Any]] = list(repairs_of(parsed.defects))
    if left_out:
        intake_notes.append(
            {
                "code": "participants_left_out",
                "count": left_out,
                "limit": MAX_PARTICIPANTS_PER_MESSAGE,
            }
        )
    if thread.ticket is not None and not thread.ticket.is_closed:
        message = desk.message_add(
            ticket=thread.ticket,
            body=body,
            author_contact=sender,
            channel=Channel.EMAIL,
            attachments=files,
            reopen=not parsed.auto_submitted,
            automatic=parsed.auto_submitted,
            intake_notes=intake_notes,
        )
        if parsed.message_id:
            _message_id_record(organisation.pk, parsed.message_id, thread.ticket.pk, message.pk)
        outcome = Outcome(InboundAction.MESSAGE_ADDED, thread.ticket, message.pk, note)
    else:
        # The new ticket's event tells messaging.subscribers where it came from: they record
        # its Message-ID and acknowledge it (the one way a new ticket gets its automatic
        # reply, outbound.ticket_acknowledge), unless the mail was itself automatic or old.
        ticket = desk.ticket_create(
            organisation=organisation,
            requester=sender,
            subject=parsed.subject or _("(no subject)"),
            body=body,
            channel=Channel.EMAIL,
            attachments=files,
            linked_to=thread.ticket or thread.linked_to,
            origin={
                "inbound_email": inbound.pk,
                "acknowledge": not parsed.auto_submitted and _sender_waiting(inbound),
            },
            automatic=parsed.auto_submitted,
            intake_notes=intake_notes,
        )
        action = (
            InboundAction.FOLLOWUP_CREATED
            if thread.ticket is not None and thread.ticket.is_closed
            else InboundAction.TICKET_CREATED
        )
        # The subscriber that recorded the ticket's Message-ID was told its first message.
        first_message_id = current.first_message_id
        if first_message_id is None:
            first = desk_selectors.ticket_first_message(ticket=ticket)
            first_message_id = first.pk if first is not None else None
        outcome = Outcome(action, ticket, first_message_id, note)
    _participants_add(outcome.ticket, sender, copied)
    return outcome


def inbound_ticket_opened(*, inbound_id: int, ticket_id: int, message_id: int) -> None:
    """A ticket was just opened from this stored e-mail: remember its Message-ID, so that the
    answers to it thread into the ticket (call inside the transaction that opens it)."""
    current = intake.of(inbound_id)
    row: tuple[str, int] | None
    if current is not None:  # being processed here: no need to read it again
        current.first_message_id = message_id
        row = (current.inbound.message_id, current.inbound.organisation_id)
    else:
        found = InboundEmail.objects.filter(pk=inbound_id)
        row = found.values_list("message_id", "organisation_id").first()
    if row is None or not row[0]:
        return
    value, organisation_id = row
    _message_id_record(organisation_id, value, ticket_id, message_id)


def _message_id_record(organisation_id: int, value: str, ticket_id: int, message_id: int) -> None:
    """Remember an incoming Message-ID: answers that refer to it thread into the ticket."""
    EmailMessageId.objects.create(
        organisation_id=organisation_id,
        value=value,
        ticket_id=ticket_id,
        desk_message_id=message_id,
        direction=Direction.IN,
    )


def _sender_waiting(inbound: InboundEmail) -> bool:
    """Whether the sender is still waiting for our acknowledgement, judged by when the
    message reached the mailbox, never by its Date header (the sender's clock may be
    wrong). The history read when a mailbox is connected, and a message that arrived long
    ago (a poll after an outage, a message run again weeks later), get no automatic reply."""
    if inbound.backfill:
        return False
    arrived = inbound.arrived_at or inbound.received_at
    return arrived >= timezone.now() - AUTO_REPLY_MAX_AGE


def _copied_people(parsed: ParsedEmail, ours: set[str]) -> tuple[list[tuple[str, str]], int]:
    """The (name, address) of each person in Cc who may follow the ticket, up to
    MAX_PARTICIPANTS_PER_MESSAGE, and how many more there were."""
    people: list[tuple[str, str]] = []
    seen = set(ours) | {parsed.from_address}
    for name, address in parsed.cc:
        if not _is_address(address) or addresses.base_address(address) in ours:
            continue
        if address in seen:
            continue
        seen.add(address)
        people.append((name, address))
    return people[:MAX_PARTICIPANTS_PER_MESSAGE], max(len(people) - MAX_PARTICIPANTS_PER_MESSAGE, 0)


def _participants_add(ticket: Ticket, sender: Contact, copied: list[tuple[str, str]]) -> None:
    people = []
    for name, address in copied:
        try:
            people.append(
                contact_resolve(organisation=ticket.organisation, name=name, email=address)
            )
        except ValidationError:  # not an address we could ever write to
            continue
    if people:
        desk.ticket_participants_add(ticket=ticket, contacts=people, actor_contact=sender)


def _attachments_checked(parsed: ParsedEmail) -> tuple[list[CheckedFile], list[str]]:
    """The attachments that pass the portal's checks, and a line for each one that didn't."""
    files: list[CheckedFile] = []
    skipped: list[str] = []
    limit = settings.KARCIS_ATTACHMENTS_PER_MESSAGE
    for index, part in enumerate(parsed.attachments):
        name = attachment_filename(index, part)
        if len(files) >= limit:
            skipped.append(_("%(name)s: more than %(n)d files") % {"name": name, "n": limit})
            continue
        upload = SimpleUploadedFile(name, part.data, content_type=part.content_type)
        try:
            checked = attachment_check(upload)
        except ValidationError as error:
            skipped.append(" ".join(error.messages))
            continue
        files.append(
            CheckedFile(
                upload=checked.upload,
                filename=checked.filename,
                content_type=checked.content_type,
                size=checked.size,
                content_id=part.content_id,
            )
        )
    return files, skipped


def attachment_filename(index: int, part: ParsedAttachment) -> str:
    """The part's own name, or for a part that has none (an inline avatar, a calendar
    invitation) one with the extension its type implies, so the attachment check can judge it."""
    # Only the last path segment: a sender may name a file "../../x" or "C:\\x".
    name = part.filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if name not in ("", ".", ".."):
        return name
    extension = {"image/jpeg": ".jpg", "text/plain": ".txt"}.get(part.content_type) or (
        mimetypes.guess_extension(part.content_type) or ""
    )
    return f"lampiran-{index + 1}{extension}"


def _body_of(parsed: ParsedEmail, skipped: list[str]) -> Body:
    text, html = parsed.text.strip(), parsed.html
    if not text and not parsed.forwarded:
        text = parsed.subject or _("(no text)")
        html = html or f"<p>{_('(no text)')}</p>"
    for forwarded in parsed.forwarded:
        # Readable on the ticket, not only as its .eml file: the agent acts on what was
        # forwarded. Its parts were sanitised by the parser; the headers are escaped here.
        part_html, part_text = _forwarded_body(forwarded)
        html += part_html
        text = f"{text}\n\n{part_text}".strip()
    if skipped:
        # The agent learns what the sender attached but we refused; the original mail
        # (with every file) stays viewable.
        lines = "\n".join(f"- {line}" for line in skipped)
        text += "\n\n" + _("Files not kept:") + "\n" + lines
        items = "".join(f"<li>{escape(line)}</li>" for line in skipped)
        html += f"<p><em>{escape(_('Files not kept:'))}</em></p><ul>{items}</ul>"
    return Body(html=html, text=text, quoted_html=parsed.quoted_html)


def _forwarded_body(forwarded: ForwardedMessage) -> tuple[str, str]:
    """A forwarded message as (html, text): its headers, then its words."""
    rows = [
        (pgettext("e-mail header", "From"), forwarded.from_),
        (pgettext("e-mail header", "Date"), forwarded.date),
        (pgettext("e-mail header", "Subject"), forwarded.subject),
        (pgettext("e-mail header", "To"), forwarded.to),
        (pgettext("e-mail header", "Cc"), forwarded.cc),
        (pgettext("e-mail header", "Attachments"), ", ".join(forwarded.attachments)),
    ]
    rows = [(label, value) for label, value in rows if value]
    title = _("Forwarded message")
    table = "".join(
        f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>" for label, value in rows
    )
    html = sanitise_html(
        f"<blockquote><p><strong>{escape(title)}</strong></p>"
        f"<table><tbody>{table}</tbody></table>{forwarded.html}</blockquote>"
    )
    lines = [f"---------- {title} ----------", *(f"{label}: {value}" for label, value in rows)]
    return html, "\n".join(lines) + "\n\n" + forwarded.text.strip()


# --- mail to people outside a ticket's conversation --------------------------------------


def email_queue(
    *,
    organisation: Organisation,
    to: list[tuple[str, str]],
    subject: str,
    text: str,
    html: str = "",
    kind: str = DeliveryKind.ACCOUNT,
    language: str = "",
) -> Delivery:
    """Put an e-mail in the outbox for one person (a sign-up link, a notification): it is
    sent after the commit and retried like every other (messaging.outbound)."""
    return outbound.email_queue(
        organisation=organisation,
        to=to,
        subject=subject,
        text=text,
        html=html,
        kind=kind,
        language=language,
    )


def notification_email_queue(notification: Notification, text: str, url: str) -> None:
    """The e-mail channel of notifications (core.notifications): the sentence and its link,
    in the recipient's language, through the outbox."""
    recipient = as_member(notification.recipient)  # staff of the notification's organisation
    if not recipient.email:
        return
    organisation = recipient.organisation
    language = recipient_language(recipient)
    context = {
        "recipient": recipient,
        "text": text,
        "url": url,
        "organisation": organisation,
        "language": language,
        "preferences_url": settings.KARCIS_BASE_URL + reverse("workspace:notification_preferences"),
    }
    with override(language):
        body = render_to_string("messaging/email/staff_notification.txt", context)
        html = render_to_string("messaging/email/staff_notification.html", context)
    email_queue(
        organisation=organisation,
        to=[(recipient.name, recipient.email)],
        subject=text,
        text=body,
        html=html,
        kind=DeliveryKind.STAFF_NOTIFICATION,
        language=language,
    )


def identity_code_email_queue(*, identity: ContactIdentity, code: str) -> None:
    """Deliver a verification code to an e-mail address (core.services.identity_code_send
    finds this through its extension point): only the code and the organisation's name, in
    the organisation's language, through the outbox."""
    organisation = identity.contact.organisation
    context = {"organisation": organisation, "code": code}
    with override(organisation.language):
        subject = _("Your verification code for %(organisation)s") % {
            "organisation": organisation.name
        }
        text = render_to_string("messaging/email/identity_code.txt", context)
    email_queue(
        organisation=organisation,
        to=[("", identity.value)],
        subject=subject,
        text=text,
        language=organisation.language,
    )
