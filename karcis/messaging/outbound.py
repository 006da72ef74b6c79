"""Outgoing e-mail: agent replies and automatic replies, queued with the change that asks for
them and sent by a background job after the commit.

Queueing (`reply_queue`, `auto_reply_queue`, `web_ticket_auto_reply`) runs inside the
transaction that stores the reply or the ticket. It renders the whole message then — subject,
text, HTML and headers — into a Delivery row, so every retry sends the same message with the
same Message-ID, and the delivery commits or rolls back with the reply itself.

Sending (`delivery_send`) is at-least-once: a row is claimed under a short lock, the SMTP
conversation happens outside any lock, and the outcome is recorded afterwards. A crash after
the server accepted the message but before we recorded it sends it again when the claim's
lease runs out, with the same Message-ID, so the recipient's client shows it once.
"""

import enum
import logging
import re
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.utils import format_datetime, parseaddr
from mimetypes import guess_type
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, prefetch_related_objects
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scope

from karcis.core.eventlog import EventType
from karcis.core.models import Channel, Contact, ContactIdentity, IdentityKind, Organisation
from karcis.core.rows import row_insert, row_with_related
from karcis.core.services import event_record
from karcis.core.tenancy import for_each_organisation, organisation_ids_where
from karcis.core.text import one_line
from karcis.desk import selectors as desk_selectors
from karcis.desk import services as desk
from karcis.messaging import addresses, events, intake
from karcis.messaging.models import (
    Delivery,
    DeliveryKind,
    DeliveryState,
    Direction,
    EmailMessageId,
    InboundEmail,
    Mailbox,
)
from karcis.messaging.selectors import default_mailbox, mailbox_addresses_of

logger = logging.getLogger(__name__)

# Waits after the 1st, 2nd, … temporary failure; the attempt after the last wait is final.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=4),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# A claimed delivery is not claimed again for this long: longer than any SMTP conversation
# (EMAIL_TIMEOUT per step), short enough that a crashed sender's mail goes out soon.
SEND_LEASE = timedelta(minutes=5)
# References name the conversation's first message and the latest ones, not all of them.
MAX_REFERENCES = 20
# How many earlier public messages a reply quotes below itself.
QUOTED_MESSAGES = 3
QUOTE_MAX_CHARS = 2000
# One sweep sends at most this many; the next sweep takes the rest.
SEND_DUE_BATCH = 200


# --- queueing ----------------------------------------------------------------------------


def reply_queue(*, message_id: int) -> Delivery | None:
    """Queue the e-mail for an agent's public reply; None when it goes to nobody.

    Call inside the transaction that stores the reply. Only a public reply written by a
    staff member is sent, from the mailbox the conversation came to (else the
    organisation's default), to the requester with the participants in Cc.
    """
    message = desk_selectors.message_get(message_id=message_id)
    if message is None or not message.is_public:
        return None
    author = message.author_user
    if author is None or not author.is_staff_member:
        return None
    delivery = _conversation_mail_queue(
        ticket=message.ticket,
        kind=DeliveryKind.REPLY,
        template="reply",
        context={"message": message, "author_name": _signature_name(author.name)},
        desk_message=message,
    )
    if delivery is None:
        return None
    desk.message_delivery_set(message=message, state=DeliveryState.QUEUED)
    return delivery


def ticket_acknowledge(
    *, ticket_id: int, channel: str, origin: dict[str, Any] | None = None, ticket: Any = None
) -> Delivery | None:
    """The one way a new ticket gets its automatic reply (its number and tracking link).

    Called for every new ticket (messaging.subscribers). A ticket from the web form is
    acknowledged from the organisation's default mailbox; one from an e-mail from the
    mailbox it came to, as an answer to it, unless the e-mail was itself automatic or was
    written too long ago for its sender to be waiting (its `origin`, set by the incoming
    pipeline, says so). Other channels start no e-mail conversation. `ticket`: the new
    ticket itself, when the caller has it (the event's subscriber does), else it is read.
    """
    origin = origin or {}
    if ticket is None or ticket.pk != ticket_id:
        ticket = None
    in_reply_to = ""
    if channel == Channel.WEB:
        ticket = ticket or desk_selectors.ticket_get(ticket_id=ticket_id)
        mailbox = _default_mailbox(ticket.organisation_id) if ticket else None
    elif channel == Channel.EMAIL and "inbound_email" in origin:
        if not origin.get("acknowledge", False):
            return None
        current = intake.of(origin["inbound_email"])
        inbound: InboundEmail | None
        if current is not None:  # being processed here: no need to read it again
            inbound = current.inbound
        else:
            inbound = (
                InboundEmail.objects.select_related("mailbox")
                .filter(pk=origin["inbound_email"])
                .first()
            )
        if inbound is None:
            return None
        ticket = ticket or desk_selectors.ticket_get(ticket_id=ticket_id)
        mailbox, in_reply_to = inbound.mailbox, inbound.message_id
    else:
        return None
    if ticket is None or mailbox is None:
        return None
    return auto_reply_queue(ticket=ticket, mailbox=mailbox, in_reply_to=in_reply_to)


def auto_reply_queue(*, ticket: Any, mailbox: Mailbox, in_reply_to: str = "") -> Delivery | None:
    """Queue the automatic answer to a new ticket (its number and tracking link).

    Call inside the transaction that creates the ticket. Nothing when the mailbox is off or
    does not answer automatically, or the requester has no e-mail address.
    """
    if not (mailbox.is_active and mailbox.auto_reply):
        return None
    ours = mailbox_addresses_of(organisation_id=ticket.organisation_id)  # cached
    found = _requester_address(ticket, ours)
    if found is None:
        return None
    requester, address = found
    to = [(requester.name, address.value)]
    in_reply_to = in_reply_to.strip().strip("<>")
    if address.is_verified:
        subject = f"[{ticket.number}] {_subject_without_tag(ticket)}"
        template = "auto_reply"
    else:
        # Anybody can type anybody's address into the portal: an answer to an address not
        # proven yet repeats nothing the visitor typed (no name, subject or text), so the
        # form cannot relay their words, or links, from our address (decision 0016).
        to = [("", to[0][1])]
        with translation.override(ticket.organisation.language):
            subject = f"[{ticket.number}] " + _("Your request has been received")
        template = "auto_reply_unverified"
    delivery = _delivery_build(
        mailbox=mailbox,
        ticket=ticket,
        kind=DeliveryKind.AUTO_REPLY,
        to=to,
        cc=[],
        subject=subject,
        template=template,
        context={"requester": ticket.requester},
        in_reply_to=in_reply_to,
        references=[in_reply_to] if in_reply_to else [],
        extra_headers=AUTOMATIC,
    )
    _queue(delivery)
    return delivery


# RFC 3834: an automatic message; well-behaved responders do not answer it (and
# X-Auto-Response-Suppress is Exchange/Outlook's own switch for the same thing).
AUTOMATIC = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}


def solved_notice_queue(*, ticket_id: int) -> Delivery | None:
    """Tell the requester (and Cc) that their ticket is solved and that a reply reopens it.

    Call inside the transaction that solves the ticket without a reply; a solve that comes
    with a public reply is told by that reply's e-mail.
    """
    ticket = desk_selectors.ticket_get(ticket_id=ticket_id)
    if ticket is None:
        return None
    return _conversation_mail_queue(
        ticket=ticket,
        kind=DeliveryKind.NOTIFICATION,
        template="solved",
        context={"requester": ticket.requester},
    )


def _conversation_mail_queue(
    *,
    ticket: Any,
    kind: str,
    template: str,
    context: dict[str, Any],
    desk_message: Any = None,
) -> Delivery | None:
    """Queue a message of the ticket's conversation: from the mailbox it came to, to the
    requester with the participants in Cc, threaded after what was said before."""
    mailbox = _mailbox_for_ticket(ticket)
    if mailbox is None:
        return None
    to, cc = _recipients(ticket)
    if not to:
        return None
    in_reply_to, references = _thread_ids(ticket)
    delivery = _delivery_build(
        mailbox=mailbox,
        ticket=ticket,
        kind=kind,
        to=to,
        cc=cc,
        subject=f"Re: [{ticket.number}] {_subject_without_tag(ticket)}",
        template=template,
        context=context,
        in_reply_to=in_reply_to,
        references=references,
        desk_message=desk_message,
    )
    _queue(delivery)
    return delivery


def email_queue(
    *,
    organisation: Organisation,
    to: list[tuple[str, str]],
    subject: str,
    text: str,
    html: str = "",
    kind: str,
    language: str = "",
) -> Delivery:
    """Queue an e-mail to a person that belongs to no ticket's conversation: a sign-up
    link, a notification to staff. It comes from the organisation's default mailbox (else
    the installation's sender) and is marked automatic, so nobody's auto-responder answers.

    Call inside the transaction of the change that calls for it; it is sent after the commit.
    """
    mailbox = _default_mailbox(organisation.pk)
    sender = (
        _formatted(_sender_name(mailbox, organisation), mailbox.address)
        if mailbox is not None
        else _formatted(organisation.name, _installation_sender())
    )
    message_id = addresses.message_id_of_domain(
        (mailbox.address if mailbox else _installation_sender()).rsplit("@", 1)[-1]
    )
    headers = {
        "From": sender,
        "To": ", ".join(_formatted(name, address) for name, address in to),
        "Message-ID": f"<{message_id}>",
        "Date": format_datetime(timezone.now()),
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
    }
    if language:
        headers["Content-Language"] = language
    delivery = Delivery.objects.create(
        organisation=organisation,
        mailbox=mailbox,
        kind=kind,
        message_id=message_id,
        to=[address for _name, address in to],
        cc=[],
        subject=" ".join(subject.split())[:255],
        text=text,
        html=html,
        headers=headers,
    )
    _queue(delivery)
    return delivery


def _installation_sender() -> str:
    """The address mail goes out from when the organisation has no mailbox of its own."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "karcis@localhost"


def _queue(delivery: Delivery) -> None:
    from karcis.messaging.tasks import delivery_send_task

    organisation_id, delivery_id = delivery.organisation_id, delivery.pk
    # robust: a broker that is down, or a failure while sending here, must not fail the
    # request whose reply is already committed; the periodic sweep sends what is still queued.
    if settings.CELERY_TASK_ALWAYS_EAGER:
        transaction.on_commit(lambda: _send_here(organisation_id, delivery_id), robust=True)
    else:
        transaction.on_commit(
            lambda: delivery_send_task.delay(organisation_id, delivery_id), robust=True
        )


def _send_here(organisation_id: int, delivery_id: int) -> None:
    """No broker (the embedded default): this process sends what its transaction has just
    queued. Called directly rather than through Celery's eager apply, which cost more CPU
    than the sending itself (2.7 ms of a portal submission's 18), and without the job's
    check that the organisation still exists: the delivery's row was committed in it a
    moment ago, and were it deleted since, its deliveries went with it (nothing to claim)."""
    with scope(organisation=organisation_id):
        delivery_send(delivery_id=delivery_id)


# --- who and from where ------------------------------------------------------------------


def _default_mailbox(organisation_id: int) -> Mailbox | None:
    return default_mailbox(organisation_id=organisation_id)


def _mailbox_for_ticket(ticket: Any) -> Mailbox | None:
    """The mailbox the conversation last came to, so the answer comes from the address the
    customer wrote to; else the organisation's default sender."""
    latest = (
        InboundEmail.objects.filter(ticket=ticket, mailbox__is_active=True)
        .select_related("mailbox")
        .order_by("-received_at", "-id")
        .first()
    )
    if latest is not None:
        return latest.mailbox
    return _default_mailbox(ticket.organisation_id)


def _formatted(name: str, address: str) -> str:
    """'Siti Aminah <siti@example.com>', quoted where the name needs it."""
    try:
        # One line: a header never carries a line break from a name typed into a form.
        return str(Address(display_name=" ".join((name or "").split()), addr_spec=address))
    except (ValueError, IndexError):  # a name or address the header syntax cannot carry
        return address


# (name, address): a recipient, written "Siti Aminah <siti@example.com>" in the headers.
Recipient = tuple[str, str]


def _requester_address(ticket: Any, ours: set[str]) -> tuple[Contact, ContactIdentity] | None:
    """The requester and their e-mail address, unless they have none or it is one of ours."""
    # The ticket's requester, as the ticket was read (ticket_get joins it), and its addresses.
    requester = ticket.requester
    prefetch_related_objects([requester], "identities")
    address = requester.identity_of(IdentityKind.EMAIL)
    if address is None or addresses.base_address(address.value) in ours:
        return None
    return requester, address


def _requester_recipients(ticket: Any, ours: set[str]) -> list[Recipient]:
    found = _requester_address(ticket, ours)
    if found is None:
        return []
    requester, address = found
    return [(requester.name, address.value)]


def _recipients(ticket: Any) -> tuple[list[Recipient], list[Recipient]]:
    """(To, Cc): the requester, and the participants; never one of our own mailboxes.

    When the requester has no e-mail address (a phone caller), the participants who do are
    written to directly.
    """
    ours = mailbox_addresses_of(organisation_id=ticket.organisation_id)
    to = _requester_recipients(ticket, ours)
    seen = {address.lower() for _name, address in to}
    cc: list[Recipient] = []
    for contact in desk_selectors.ticket_participants(ticket=ticket):
        address = contact.email
        if not address or address.lower() in seen or addresses.base_address(address) in ours:
            continue
        seen.add(address.lower())
        cc.append((contact.name, address))
    if not to:
        return cc[:1], cc[1:]
    return to, cc


def _thread_ids(ticket: Any) -> tuple[str, list[str]]:
    """(In-Reply-To, References) for the next message of a ticket.

    In-Reply-To names the customer's newest message (else our newest, for a conversation
    that started on the web); References the chain oldest to newest, capped at the first
    and the latest ids so that the header stays a sane length.
    """
    rows = list(
        EmailMessageId.objects.filter(ticket=ticket)
        .order_by("id")
        .values_list("value", "direction")
    )
    chain = list(dict.fromkeys(value for value, _direction in rows))
    if len(chain) > MAX_REFERENCES:
        chain = [chain[0], *chain[-(MAX_REFERENCES - 1) :]]
    incoming = [value for value, direction in rows if direction == Direction.IN]
    in_reply_to = incoming[-1] if incoming else (chain[-1] if chain else "")
    return in_reply_to, chain


# "Re:", "Fwd:", "AW:", "Bls:" … (and "Re[2]:") that a ticket opened by an e-mail reply
# keeps in its subject; ours gets one "Re:" of its own.
_REPLY_PREFIXES = re.compile(
    r"^(?:\s*(?:re|fwd?|aw|wg|tr|sv|vs|bls|balas)\s*(?:\[\d+\])?\s*:)+\s*", re.IGNORECASE
)


def _subject_without_tag(ticket: Any) -> str:
    # A ticket opened by a reply to an old e-mail may carry a tag already; one is enough.
    subject = " ".join(ticket.subject.replace(f"[{ticket.number}]", " ").split())
    return _REPLY_PREFIXES.sub("", subject) or subject


# --- rendering ---------------------------------------------------------------------------


@dataclass
class Quoted:
    author: str
    created_at: datetime
    html: str
    text: str


def _signature_name(full_name: str) -> str:
    # Agents sign with their first name only, as on the portal: customers need a person,
    # not a staff list.
    return (full_name or "").split(" ")[0]


def _sender_name(mailbox: Mailbox, organisation: Organisation) -> str:
    """The mailbox's name ("Bantuan NusaNet") when it has one, else the organisation's."""
    if mailbox.name and mailbox.name != mailbox.address:
        return mailbox.name
    return organisation.name


def _previous_public(message: Any) -> list[Quoted]:
    """The public messages before this one, newest first, for the reply to quote."""
    quoted = []
    for item in desk_selectors.messages_public_before(message=message, limit=QUOTED_MESSAGES):
        if item.author_user is not None:  # no query without an author_user_id
            author = _signature_name(item.author_user.name)
        else:
            author = item.author_contact.name if item.author_contact is not None else ""
        text = item.body_text
        if len(text) > QUOTE_MAX_CHARS:
            text = text[:QUOTE_MAX_CHARS].rstrip() + " …"
        quoted.append(
            Quoted(
                author=author,
                created_at=item.created_at,
                html=item.body_html,
                text="\n".join(f"> {line}" if line else ">" for line in text.splitlines()),
            )
        )
    return quoted


def tracking_url(*, ticket: Any) -> str:
    """The link that shows the ticket on the portal to whoever has the e-mail."""
    token = desk_selectors.tracking_token(ticket=ticket)
    path = reverse("portal:ticket", args=[ticket.organisation.slug, token])
    return settings.KARCIS_BASE_URL + path


def _render(template: str, context: dict, organisation: Organisation) -> tuple[str, str]:
    """(text, html) in the organisation's language and time zone: the customer reads the
    organisation's e-mail, not the agent's screen."""
    with translation.override(organisation.language), timezone.override(organisation.time_zone):
        ticket = context["ticket"]
        context = {**context, "status": ticket.get_status_display()}
        text = render_to_string(f"messaging/email/{template}.txt", context)
        html = render_to_string(f"messaging/email/{template}.html", context)
    return text, html


def _delivery_build(
    *,
    mailbox: Mailbox,
    ticket: Any,
    kind: str,
    to: list[Recipient],
    cc: list[Recipient],
    subject: str,
    template: str,
    context: dict,
    in_reply_to: str,
    references: list[str],
    extra_headers: dict | None = None,
    desk_message: Any = None,
) -> Delivery:
    organisation = ticket.organisation
    message_id = addresses.message_id_new(mailbox=mailbox, ticket=ticket)
    context = {
        **context,
        "previous": _previous_public(desk_message) if desk_message is not None else [],
        "organisation": organisation,
        "ticket": ticket,
        "tracking_url": tracking_url(ticket=ticket),
        "language": organisation.language,
    }
    text, html = _render(template, context, organisation)
    headers = {
        "From": _formatted(_sender_name(mailbox, organisation), mailbox.address),
        "To": ", ".join(_formatted(name, address) for name, address in to),
        "Reply-To": addresses.reply_address(mailbox=mailbox, ticket=ticket),
        "Message-ID": f"<{message_id}>",
        # Fixed now, like the rest: a retry is the same message, not a new one.
        "Date": format_datetime(timezone.now()),
        **(extra_headers or {}),
    }
    if cc:
        headers["Cc"] = ", ".join(_formatted(name, address) for name, address in cc)
    if in_reply_to:
        headers["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        headers["References"] = " ".join(f"<{value}>" for value in references)
    # row_insert: every new ticket's automatic reply writes these two rows (core.rows).
    delivery = row_insert(
        Delivery(
            organisation=organisation,
            mailbox=mailbox,
            ticket=ticket,
            desk_message=desk_message,
            kind=kind,
            message_id=message_id,
            to=[address for _name, address in to],
            cc=[address for _name, address in cc],
            subject=" ".join(subject.split())[:255],
            text=text,
            html=html,
            headers=headers,
        )
    )
    # Known before it is sent: an answer can arrive before the sender records success.
    row_insert(
        EmailMessageId(
            organisation=organisation,
            value=message_id,
            ticket=ticket,
            desk_message=desk_message,
            direction=Direction.OUT,
        )
    )
    return delivery


# --- delivery state ---------------------------------------------------------------------


def delivery_mark_failed(*, delivery: Delivery, reason: str) -> None:
    """A message we sent did not arrive (refused for good, or bounced later)."""
    reason = one_line(reason, 1000)
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.FAILED, last_error=reason
        )
        delivery.state, delivery.last_error = DeliveryState.FAILED, reason
        if delivery.desk_message is not None:
            desk.message_delivery_set(
                message=delivery.desk_message, state=DeliveryState.FAILED, detail=reason
            )
        else:
            _delivery_event(delivery, events.DELIVERY_FAILED, reason=reason)


def delivery_mark_sent(*, delivery: Delivery) -> None:
    now = timezone.now()
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.SENT, sent_at=now, last_error=""
        )
        delivery.state, delivery.sent_at, delivery.last_error = DeliveryState.SENT, now, ""
        if delivery.desk_message is not None:
            desk.message_delivery_set(message=delivery.desk_message, state=DeliveryState.SENT)
        else:
            _delivery_event(delivery, events.DELIVERY_SENT)


def _delivery_event(delivery: Delivery, type: EventType, reason: str = "") -> None:
    """An automatic reply or notice is no message of the conversation: its fate shows in the
    ticket's history instead. Mail of no ticket (a sign-up link) keeps its state on its row."""
    if delivery.ticket is None:
        return
    payload: dict[str, Any] = {
        "kind": delivery.kind,
        "to": [*delivery.to, *delivery.cc],
        "delivery_id": delivery.pk,
    }
    if type == events.DELIVERY_FAILED:
        payload["reason"] = reason
    event_record(
        organisation=delivery.organisation, type=type, obj=delivery.ticket, payload=payload
    )


# --- sending -----------------------------------------------------------------------------


class _Permanent(Exception):
    """The server refused the message for good (5xx): retrying sends nothing."""


class _Temporary(Exception):
    """Try again later: a 4xx answer, a server that is down, a timeout, a failure of ours."""


class _Unreachable(_Temporary):
    """Our SMTP server could not be reached or would not talk to us: no message can go."""


def delivery_send(*, delivery_id: int) -> Delivery | None:
    """Send one queued delivery now, if it is due and nobody else is sending it.

    Safe to call twice or from two workers: only one claims it, a sent or failed delivery is
    left alone. Returns the delivery as it stands afterwards; None when it no longer exists
    (its ticket was deleted before the job ran).
    """
    _outcome, delivery = _send_if_due(delivery_id)
    return delivery or Delivery.objects.filter(pk=delivery_id).first()


@dataclass
class _Sweep:
    tried: int = 0
    unreachable: bool = False


def deliveries_send_due() -> int:
    """Send every queued delivery whose time has come, organisation by organisation (each in
    its scope); returns how many were tried.

    When the SMTP server cannot be reached, the sweep stops at the first failure: the rest
    would wait out the same timeout one by one and gain nothing. They keep their turn (no
    attempt is counted for them) and go with the next sweep.
    """
    now = timezone.now()
    waiting = organisation_ids_where(
        lambda: (
            Delivery.objects.filter(state=DeliveryState.QUEUED, next_attempt_at__lte=now)
            .values_list("organisation_id", flat=True)
            .distinct()
        )
    )
    sweeps = for_each_organisation(
        lambda organisation: _send_due_of(now),
        only=waiting,
        stop_when=lambda sweep: sweep.unreachable,
    )
    return sum(sweep.tried for sweep in sweeps.values())


def _send_due_of(now: datetime) -> _Sweep:
    """Send the active organisation's due deliveries (call inside its scope)."""
    due = list(
        Delivery.objects.filter(state=DeliveryState.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:SEND_DUE_BATCH]
    )
    sweep = _Sweep()
    for delivery_id in due:
        outcome, _delivery = _send_if_due(delivery_id)
        if outcome is not _Outcome.SKIPPED:
            sweep.tried += 1
        if outcome is _Outcome.SERVER_UNREACHABLE:
            sweep.unreachable = True
            break
    return sweep


class _Outcome(enum.Enum):
    SKIPPED = "skipped"  # not due any more, or another sender has it
    DONE = "done"  # sent, failed for good, or rescheduled
    SERVER_UNREACHABLE = "server_unreachable"  # rescheduled: our SMTP server is down


def _send_if_due(delivery_id: int) -> tuple[_Outcome, Delivery | None]:
    """Claim and send; the outcome, and the delivery as it now stands (None if not claimed)."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return _Outcome.SKIPPED, None
    try:
        _smtp_send(delivery)
    except _Permanent as refusal:
        delivery_mark_failed(delivery=delivery, reason=str(refusal))
    except _Temporary as problem:
        _retry_later(delivery, str(problem))
        if isinstance(problem, _Unreachable):
            return _Outcome.SERVER_UNREACHABLE, delivery
    else:
        delivery_mark_sent(delivery=delivery)
    return _Outcome.DONE, delivery


def _claim(delivery_id: int) -> Delivery | None:
    """Take a due delivery for sending: count the attempt and hold it for SEND_LEASE.

    No lock is held during the SMTP conversation: the lease keeps the periodic sweep and
    other workers away meanwhile.
    """
    now = timezone.now()
    # One UPDATE claims it: the row lock makes a concurrent claimer wait, re-check the WHERE
    # and find the delivery no longer due.
    claimed = Delivery.objects.filter(
        pk=delivery_id, state=DeliveryState.QUEUED, next_attempt_at__lte=now
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + SEND_LEASE)
    if not claimed:
        return None
    # Read with what sending needs, by a statement built once (core.rows): Django took
    # longer to compose this join than to send an automatic reply. The reply's ticket and
    # organisation are those of the delivery, not read a second time through the message.
    delivery = row_with_related(Delivery, delivery_id, _SENDING_NEEDS)
    if delivery is None:  # deleted since the claim (its ticket was)
        return None
    _same_rows_linked(delivery)
    if delivery.desk_message is not None:
        prefetch_related_objects([delivery.desk_message], "attachments")
    return delivery


_SENDING_NEEDS = ("mailbox", "organisation", "ticket", "desk_message")


def _same_rows_linked(delivery: Delivery) -> None:
    ticket, message = delivery.ticket, delivery.desk_message
    if ticket is not None and ticket.organisation_id == delivery.organisation_id:
        ticket.organisation = delivery.organisation
    if message is not None and ticket is not None and message.ticket_id == ticket.pk:
        message.ticket = ticket


def _retry_later(delivery: Delivery, reason: str) -> None:
    """A temporary failure: wait longer after each one; after the last attempt, give up."""
    if delivery.attempts >= MAX_ATTEMPTS:
        with translation.override(delivery.organisation.language):
            reason = _("%(reason)s (gave up after %(attempts)d attempts)") % {
                "reason": reason,
                "attempts": delivery.attempts,
            }
        delivery_mark_failed(delivery=delivery, reason=reason)
        return
    wait = BACKOFF[min(delivery.attempts, len(BACKOFF)) - 1]
    delivery.next_attempt_at = timezone.now() + wait
    delivery.last_error = reason[:1000]
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.QUEUED).update(
            next_attempt_at=delivery.next_attempt_at, last_error=delivery.last_error
        )
        if delivery.desk_message is not None:
            # Still queued, but the agent sees why it has not gone yet.
            desk.message_delivery_set(
                message=delivery.desk_message, state=DeliveryState.QUEUED, detail=reason
            )


def _smtp_send(delivery: Delivery) -> None:
    """One SMTP conversation through Django's mail API; raises _Permanent or _Temporary."""
    try:
        mail = _email_of(delivery)
    except Exception as error:  # storage down, a file gone: ours to fix, so retry
        logger.exception("Building outgoing e-mail %s failed", delivery.pk)
        raise _Temporary(f"{type(error).__name__}: {error}") from error
    try:
        mail.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as error:
        answers = list(error.recipients.values())
        reason = "; ".join(
            f"{parseaddr(address)[1] or address}: {_smtp_text(code, text)}"
            for address, (code, text) in error.recipients.items()
        )
        if answers and all(code >= 500 for code, _text in answers):
            raise _Permanent(reason) from error
        raise _Temporary(reason) from error
    except smtplib.SMTPAuthenticationError as error:
        # Our credentials, not the message: fixing the settings should deliver it.
        with translation.override(delivery.organisation.language):
            reason = _("The SMTP server refused our login: %(answer)s") % {
                "answer": _smtp_text(error.smtp_code, error.smtp_error)
            }
        raise _Unreachable(reason) from error
    except (smtplib.SMTPConnectError, smtplib.SMTPHeloError) as error:
        # The server turned us away before the message was named: not the message's fault.
        raise _Unreachable(_smtp_text(error.smtp_code, error.smtp_error)) from error
    except smtplib.SMTPResponseException as error:
        # SMTPSenderRefused, SMTPDataError: the code decides.
        reason = _smtp_text(error.smtp_code, error.smtp_error)
        if error.smtp_code >= 500:
            raise _Permanent(reason) from error
        raise _Temporary(reason) from error
    except (smtplib.SMTPException, OSError) as error:
        # Disconnected, refused connection, timeout, TLS failure: the server may come back.
        raise _Unreachable(f"{type(error).__name__}: {error}".rstrip(": ")) from error
    except Exception as error:
        logger.exception("Sending outgoing e-mail %s failed", delivery.pk)
        raise _Temporary(f"{type(error).__name__}: {error}") from error


def _smtp_text(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return f"{code} {' '.join(str(text).split())}"


def _email_of(delivery: Delivery) -> EmailMultiAlternatives:
    # The envelope is the plain addresses (bounces come back to the mailbox); the headers,
    # stored when queued, carry the names.
    mail = EmailMultiAlternatives(
        subject=delivery.subject,
        body=delivery.text,
        from_email=(
            delivery.mailbox.address if delivery.mailbox is not None else _installation_sender()
        ),
        to=list(delivery.to),
        cc=list(delivery.cc),
        headers=dict(delivery.headers),
        connection=get_connection(fail_silently=False),
    )
    if delivery.html:
        mail.attach_alternative(delivery.html, "text/html")
    if delivery.desk_message is not None:
        for attachment in delivery.desk_message.attachments.all():
            with attachment.file.open("rb") as handle:
                data = handle.read()
            content_type = (
                attachment.content_type
                or guess_type(attachment.filename)[0]
                or "application/octet-stream"
            )
            mail.attach(attachment.filename, data, content_type)
    return mail
