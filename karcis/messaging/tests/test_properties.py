"""Property: whatever bytes reach the mail-gate, the message is kept byte for byte and ends in
exactly one outcome — a new ticket, a message on an existing ticket, a bounce recorded, or a
rejection with a reason — and the command never crashes. A row left 'failed' is a bug of ours.

Each example runs inside a savepoint that is rolled back, so every example starts from the
same state: one ticket made from an e-mail (replies can thread into it) and one message we
sent (bounces can name it).
"""

import base64
import io
import os
import quopri
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from conftest import email_bytes
from karcis.desk.models import Message, Ticket
from karcis.messaging import services
from karcis.messaging.models import Delivery, DeliveryState, InboundEmail

pytestmark = pytest.mark.django_db

MAILBOX = "bantuan@nusantara.test"
SEED_ID = "seed-1@mail.example.com"
SENT_ID = "krc-000001.0a1b2c3d@nusantara.test"

PROPERTY_SETTINGS = settings(
    # KARCIS_PROPERTY_EXAMPLES=5000 for a long hunt on a quiet machine.
    max_examples=int(os.environ.get("KARCIS_PROPERTY_EXAMPLES", 150)),
    deadline=None,
    database=None,  # no .hypothesis/ directory in the checkout
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass
class World:
    ticket: Ticket
    delivery: Delivery
    seed_inbound: InboundEmail


@pytest.fixture
def world(mailbox, org) -> World:
    seed = services.inbound_receive(
        mailbox=mailbox,
        raw=email_bytes(message_id=f"<{SEED_ID}>"),
        source="mailgate",
    )
    assert seed.action == "ticket_created"
    delivery = Delivery.objects.create(
        organisation=org,
        mailbox=mailbox,
        ticket=seed.ticket,
        kind="reply",
        message_id=SENT_ID,
        to=["siti@example.com"],
        subject=f"[{seed.ticket.number}] Internet mati sejak pagi",
        text="Sudah kami periksa.",
        html="<p>Sudah kami periksa.</p>",
    )
    return World(ticket=seed.ticket, delivery=delivery, seed_inbound=seed)


# --- e-mail-like bytes ------------------------------------------------------------------------

CHARSETS = [
    "utf-8",
    "UTF-8",
    "iso-8859-1",
    "windows-1252",
    "iso-8859-15",
    "koi8-r",
    "gb2312",
    "shift_jis",
    "utf-16",
    "utf-7",
    "x-unknown",
    "bogus-charset",
    "base64",
    "",
]
TRANSFER_ENCODINGS = ["7bit", "8bit", "base64", "quoted-printable", "binary", "x-uuencode", ""]
SENDERS = [
    "Siti Aminah <siti@example.com>",
    "budi@example.co.id",
    '"Pratama, Andi" <andi@example.com>',
    "=?utf-8?b?V2F5YW4gU3VkaXJtYW4=?= <wayan@example.com>",
    "=?iso-8859-1?q?Jos=E9?= <jose@example.com>",
    "Mail Delivery System <MAILER-DAEMON@mx.example.com>",
    "postmaster@example.com",
    "Bantuan <bantuan@nusantara.test>",  # our own address: a loop
    "undisclosed-recipients:;",
    "<>",
    "no address at all",
    "",
]
SUBJECTS = [
    "Internet mati",
    "Re: Internet mati sejak pagi",
    "[KRC-000001] masih mati",
    "Fwd: tagihan",
]


def _header_text(draw, name: str) -> str:
    """A header value: plain, 8-bit, or RFC 2047-encoded in a random charset."""
    text = draw(st.text(max_size=60))
    charset = draw(st.sampled_from(CHARSETS)) or "utf-8"
    how = draw(st.sampled_from(["plain", "raw", "b", "q", "broken"]))
    if how == "plain":
        return text.encode("ascii", "replace").decode()
    if how == "raw":
        return text  # 8-bit in a header, encoded as UTF-8 below
    data = text.encode("utf-8", "surrogatepass")
    if how == "b":
        return f"=?{charset}?B?{base64.b64encode(data).decode()}?="
    if how == "q":
        return f"=?{charset}?Q?{quopri.encodestring(data, header=True).decode()}?="
    return f"=?{charset}?X?{text[:10]}"


def _encode_body(draw, data: bytes) -> tuple[str, bytes]:
    encoding = draw(st.sampled_from(TRANSFER_ENCODINGS))
    if encoding == "base64" and draw(st.booleans()):
        return encoding, base64.encodebytes(data)
    if encoding == "quoted-printable" and draw(st.booleans()):
        return encoding, quopri.encodestring(data)
    return encoding, data  # declared but not applied: a lying header


def _body_bytes(draw) -> bytes:
    charset = draw(st.sampled_from(CHARSETS))
    text = draw(st.text(max_size=300))
    html = draw(st.booleans())
    if html:
        text = f"<html><body><p>{text}</p><blockquote>{text[:40]}</blockquote></body></html>"
    try:
        data = text.encode(charset or "utf-8", "replace")
    except LookupError:
        data = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        data += draw(st.binary(max_size=80))
    return data


@st.composite
def part(draw, depth: int = 0) -> bytes:
    """One MIME entity (headers + body), possibly multipart with broken boundaries."""
    kind = draw(
        st.sampled_from(
            ["text/plain", "text/html", "application/pdf", "image/png", "message/rfc822"]
            + (
                ["multipart/mixed", "multipart/alternative", "multipart/related"]
                if depth < 2
                else []
            )
        )
    )
    charset = draw(st.sampled_from(CHARSETS))
    headers = [f"Content-Type: {kind}" + (f'; charset="{charset}"' if charset else "")]
    if kind.startswith("multipart/"):
        boundary = draw(st.sampled_from(["b1", "==_x_==", "", "a b", "'quoted'"])) + str(depth)
        headers[0] = f'Content-Type: {kind}; boundary="{boundary}"'
        children = draw(st.lists(part(depth + 1), max_size=3))
        used = boundary if draw(st.integers(0, 4)) else "other"  # sometimes the wrong one
        body = b"".join(b"--" + used.encode() + b"\n" + child + b"\n" for child in children)
        if draw(st.booleans()):
            body += b"--" + used.encode() + b"--\n"
        return "\n".join(headers).encode() + b"\n\n" + body
    if kind == "message/rfc822":
        inner = email_bytes(message_id=draw(st.sampled_from([f"<{SENT_ID}>", "<x@y>", ""])))
        return "\n".join(headers).encode() + b"\n\n" + inner
    if draw(st.booleans()):
        name = _header_text(draw, "filename")
        headers.append(
            f'Content-Disposition: {draw(st.sampled_from(["attachment", "inline", "x"]))}; filename="{name}"'
        )
    if draw(st.booleans()):
        headers.append("Content-ID: <img1@example>")
    encoding, body = _encode_body(draw, _body_bytes(draw))
    if encoding:
        headers.append(f"Content-Transfer-Encoding: {encoding}")
    return "\n".join(headers).encode("utf-8", "surrogatepass") + b"\n\n" + body


@st.composite
def email_like(draw) -> bytes:
    headers: list[str] = []
    if draw(st.integers(0, 5)):
        headers.append("From: " + draw(st.sampled_from(SENDERS + [_header_text(draw, "from")])))
    headers.append(
        "To: " + draw(st.sampled_from([MAILBOX, f"Bantuan <{MAILBOX}>", "x@y.test", ""]))
    )
    if draw(st.booleans()):
        headers.append(
            "Cc: " + draw(st.sampled_from(["dewi@example.com", f"{MAILBOX}, a@b.c", "??"]))
        )
    subject = draw(st.sampled_from(SUBJECTS + [_header_text(draw, "subject")]))
    headers.append("Subject: " + subject)
    message_id = draw(
        st.one_of(
            st.none(),
            st.from_regex(r"<[a-z0-9.]{1,20}@[a-z]{1,10}\.test>", fullmatch=True),
            st.text(max_size=40),
        )
    )
    if message_id is not None:
        headers.append(f"Message-ID: {message_id}")
    reference = draw(
        st.sampled_from([None, f"<{SEED_ID}>", f"<{SENT_ID}>", "<unknown@x.test>", "junk"])
    )
    if reference:
        headers.append(f"In-Reply-To: {reference}")
        if draw(st.booleans()):
            headers.append(f"References: <older@x.test> {reference}")
    for name, values in (
        ("Auto-Submitted", ["auto-replied", "no", "auto-generated"]),
        ("Precedence", ["bulk", "list", "junk", "first-class"]),
        ("Date", ["Tue, 24 Nov 2026 08:00:00 +0700", "kemarin", ""]),
        ("MIME-Version", ["1.0", "2.0"]),
    ):
        if draw(st.booleans()):
            headers.append(f"{name}: {draw(st.sampled_from(values))}")
    if draw(st.integers(0, 9)) == 0:
        # A delivery status report about the message we sent.
        headers.append('Content-Type: multipart/report; report-type=delivery-status; boundary="R"')
        body = (
            b"--R\nContent-Type: text/plain\n\nDelivery failed.\n--R\n"
            b"Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.com\n\n"
            b"Final-Recipient: rfc822; siti@example.com\nAction: failed\nStatus: 5.1.1\n"
            + draw(st.binary(max_size=40))
            + b"\n--R\nContent-Type: text/rfc822-headers\n\nMessage-ID: <"
            + SENT_ID.encode()
            + b">\n--R--\n"
        )
    else:
        entity = draw(part())
        head, _sep, body = entity.partition(b"\n\n")
        headers.extend(head.decode("utf-8", "surrogateescape").split("\n"))
    head_bytes = "\n".join(headers).encode("utf-8", "surrogateescape")
    raw = head_bytes + b"\n\n" + body
    if draw(st.booleans()):
        raw = raw.replace(b"\n", b"\r\n")
    return raw


# --- the property -----------------------------------------------------------------------------


def assert_one_outcome(world: World, raw: bytes) -> None:
    existing_tickets = Ticket.objects.count()
    on_existing = Message.objects.filter(ticket=world.ticket).count()

    stderr = io.StringIO()
    # Anything but a normal return (an exception, a non-zero exit) fails the example.
    call_command("mailgate", "--mailbox", MAILBOX, stdin=io.BytesIO(raw), stderr=stderr)

    inbound = InboundEmail.objects.exclude(pk=world.seed_inbound.pk).get()
    assert bytes(inbound.raw) == raw
    assert inbound.state not in ("failed", "pending"), f"{inbound.state}: {inbound.reason}"
    new_tickets = Ticket.objects.count() - existing_tickets
    added = Message.objects.filter(ticket=world.ticket).count() - on_existing
    world.delivery.refresh_from_db()
    bounced = world.delivery.state == DeliveryState.FAILED
    if inbound.state == "rejected":
        assert inbound.reason.strip()
        outcome = "rejected"
    else:
        outcome = inbound.action
    event(outcome)  # --hypothesis-show-statistics shows how often each outcome came up
    # Exactly one outcome, and nothing else changed.
    assert (outcome, new_tickets, added, bounced) in {
        ("ticket_created", 1, 0, False),
        ("followup_created", 1, 0, False),
        ("message_added", 0, 1, False),
        ("bounce", 0, 0, True),
        ("rejected", 0, 0, False),
    }, (outcome, new_tickets, added, bounced, inbound.reason)
    if outcome in ("ticket_created", "followup_created"):
        assert inbound.ticket.messages.count() >= 1
    if outcome == "message_added":
        assert inbound.desk_message.ticket == world.ticket


def check_in_savepoint(world: World, raw: bytes) -> None:
    with transaction.atomic():
        assert_one_outcome(world, raw)
        transaction.set_rollback(True)


# Random bytes, and random bytes behind a header block that starts like mail.
ANY_BYTES = st.one_of(
    st.binary(max_size=3000),
    st.builds(
        bytes.__add__,
        st.sampled_from(
            [
                b"From: siti@example.com\n",
                b"From: siti@example.com\r\nSubject: ",
                b"From: siti@example.com\nContent-Type: multipart/mixed; boundary=x\n\n--x\n",
                b"From: siti@example.com\nContent-Transfer-Encoding: base64\n\n",
            ]
        ),
        st.binary(max_size=3000),
    ),
)


@PROPERTY_SETTINGS
@given(raw=ANY_BYTES)
@example(raw=b"")
@example(raw=b"\xff\xfe\x00")
@example(raw=b"From: a@b.c\n\n")
@example(raw=b"From: a@b.c\r\nSubject: =?x?q?\r\n\r\nhai")
def test_any_bytes_end_in_exactly_one_outcome(world, raw):
    check_in_savepoint(world, raw)


@PROPERTY_SETTINGS
@given(raw=email_like())
# Found by this test: an attachment named "/" (or "..", "a/") left the row 'failed'.
@example(raw=b'From: siti@example.com\nContent-Disposition: attachment; filename="/"\n\nhai')
def test_any_email_like_message_ends_in_exactly_one_outcome(world, raw):
    check_in_savepoint(world, raw)
