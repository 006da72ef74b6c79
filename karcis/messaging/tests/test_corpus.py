"""Every message of the corpus through the whole pipeline, with the outcome it must have.

The corpus (corpus/*.eml, expectations in corpus/expected.toml) holds the shapes real
clients, notification senders, lists, auto-responders and bounce senders produce. Each runs
against the same starting state: ticket KRC-000001 of budi@example.com, followed by
ani@example.com, to which we sent a message with a known Message-ID.
"""

import tomllib
from pathlib import Path

import pytest

from karcis.core import services as core_services
from karcis.core.content import body_from
from karcis.desk import services as desk_services
from karcis.desk.models import Status, Ticket
from karcis.messaging import addresses, services
from karcis.messaging.models import (
    Delivery,
    DeliveryKind,
    DeliveryState,
    Direction,
    EmailMessageId,
    InboundAction,
    InboundState,
)

CORPUS = Path(__file__).parent / "corpus"
EXPECTED = tomllib.loads((CORPUS / "expected.toml").read_text()) if CORPUS.exists() else {}
OUR_MESSAGE_ID = "krc.1.1.fixture@nusantara.test"

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(org, mailbox, agent):
    """KRC-000001 with a reply we sent (its Message-ID known) and a participant."""
    budi = core_services.contact_resolve(organisation=org, name="Budi", email="budi@example.com")
    ticket = desk_services.ticket_create(
        organisation=org,
        requester=budi,
        subject="Tagihan bulan November",
        body=body_from(text="Tagihan saya dobel."),
        channel="email",
    )
    ani = core_services.contact_resolve(organisation=org, name="Ani", email="ani@example.com")
    desk_services.ticket_participants_add(ticket=ticket, contacts=[ani])
    reply = desk_services.message_add(
        ticket=ticket, body=body_from(text="Sedang kami periksa."), author_user=agent
    )
    Delivery.objects.filter(ticket=ticket).delete()  # ours below has the fixed id
    Delivery.objects.create(
        organisation=org,
        mailbox=mailbox,
        ticket=ticket,
        desk_message=reply,
        kind=DeliveryKind.REPLY,
        message_id=OUR_MESSAGE_ID,
        to=["budi@example.com"],
        cc=["ani@example.com"],
        subject=f"Re: [{ticket.number}] {ticket.subject}",
        text="Sedang kami periksa.",
        html="<p>Sedang kami periksa.</p>",
        state=DeliveryState.SENT,
    )
    EmailMessageId.objects.create(
        organisation=org,
        value=OUR_MESSAGE_ID,
        ticket=ticket,
        desk_message=reply,
        direction=Direction.OUT,
    )
    assert ticket.number == "KRC-000001"
    return ticket


def _raw(name: str, mailbox, ticket) -> bytes:
    raw = (CORPUS / name).read_bytes()
    raw = raw.replace(b"{{OUR_MESSAGE_ID}}", OUR_MESSAGE_ID.encode())
    reply_address = addresses.reply_address(mailbox=mailbox, ticket=ticket)
    return raw.replace(b"{{REPLY_ADDRESS}}", reply_address.encode())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_message(name, mailbox, thread, agent):
    expected = EXPECTED[name]
    if expected.get("scenario") == "closed_ticket":
        desk_services.ticket_update(ticket=thread, actor=agent, status=Status.SOLVED)
        desk_services.ticket_update(ticket=thread, actor=agent, status=Status.CLOSED)
    tickets_before = Ticket.objects.count()
    auto_replies_before = Delivery.objects.filter(kind=DeliveryKind.AUTO_REPLY).count()

    inbound = services.inbound_receive(
        mailbox=mailbox, raw=_raw(name, mailbox, thread), source="mailgate"
    )

    outcome = expected["outcome"]
    assert inbound.state != InboundState.FAILED, inbound.reason
    if outcome == "reject":
        assert inbound.state == InboundState.REJECTED
        assert inbound.reason
        assert Ticket.objects.count() == tickets_before
        return
    assert inbound.state == InboundState.PROCESSED, inbound.reason
    if outcome == "bounce":
        assert inbound.action == InboundAction.BOUNCE
        assert Delivery.objects.get(message_id=OUR_MESSAGE_ID).state == DeliveryState.FAILED
        assert Ticket.objects.count() == tickets_before
        return
    if outcome == "append":
        assert inbound.action == InboundAction.MESSAGE_ADDED
        assert inbound.ticket == thread
    elif outcome == "followup":
        assert inbound.action == InboundAction.FOLLOWUP_CREATED
        assert inbound.ticket.linked_to == thread
    elif outcome == "linked_new":
        assert inbound.action == InboundAction.TICKET_CREATED
        assert inbound.ticket.linked_to == thread
    else:
        assert outcome == "new", f"unknown outcome {outcome!r} in expected.toml"
        assert inbound.action == InboundAction.TICKET_CREATED
        assert inbound.ticket != thread
        assert inbound.ticket.linked_to is None

    message = inbound.desk_message
    assert message.author_contact.email == expected.get("from", message.author_contact.email)
    for fragment in expected.get("text_contains", []):
        assert fragment in message.body_text
    for fragment in expected.get("text_excludes", []):
        assert fragment not in message.body_text
    if "attachments" in expected:
        kept = sorted(a.filename for a in message.attachments.all())
        assert kept == sorted(expected["attachments"])
    if expected.get("quoted"):
        assert message.quoted_html
    for address in expected.get("cc", []):
        assert inbound.ticket.participants.filter(contact__identities__value=address).exists(), (
            address
        )
    if "participants" in expected:
        assert inbound.ticket.participants.count() == expected["participants"]
    for fragment in expected.get("body_contains", []):
        assert fragment in message.body_text, fragment
    for fragment in expected.get("body_excludes", []):
        assert fragment not in message.body_html, fragment
        assert fragment not in message.body_text, fragment
    # What the agent is told about how the message came in
    assert message.automatic == expected["auto_submitted"]
    notes = [note["code"] for note in message.intake_notes]
    left_out = expected.get("left_out", 0)
    assert notes == expected.get("repairs", []) + (["participants_left_out"] if left_out else [])
    if left_out:
        assert message.intake_notes[-1]["count"] == left_out

    # An automatic reply for each ticket a person's e-mail opens, whatever its Date header
    # says (every corpus message is dated years ago); none to an automatic message.
    auto_replies = Delivery.objects.filter(kind=DeliveryKind.AUTO_REPLY).count()
    opens_a_ticket = outcome in ("new", "followup", "linked_new")
    acknowledged = opens_a_ticket and not expected["auto_submitted"]
    assert auto_replies == auto_replies_before + int(acknowledged)
