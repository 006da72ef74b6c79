"""Mail about a merged or split ticket threads where its conversation went, so nothing
splits again: by Message-ID, by reply address and by the number in the subject."""

import pytest

from conftest import email_bytes
from karcis.core.content import body_from
from karcis.desk import services as desk_services
from karcis.desk.models import Message, Ticket
from karcis.messaging import addresses, services
from karcis.messaging.models import Delivery, InboundAction

pytestmark = pytest.mark.django_db


def receive(mailbox, raw, recipients=()):
    return services.inbound_receive(
        mailbox=mailbox, raw=raw, source="mailgate", recipients=recipients
    )


@pytest.fixture
def merged(mailbox, agent):
    """Siti's e-mail ticket (A), merged into a ticket she opened on the web (B)."""
    source = receive(mailbox, email_bytes()).ticket
    siti = source.requester
    target = desk_services.ticket_create(
        organisation=source.organisation,
        requester=siti,
        subject="Internet mati (telepon)",
        body=body_from(text="Lewat telepon"),
        channel="phone",
    )
    desk_services.ticket_merge(source=source, target=target, actor=agent)
    source.refresh_from_db()
    return source, target


def test_an_answer_to_the_merged_tickets_mail_joins_the_ticket_it_went_into(mailbox, merged):
    source, target = merged
    inbound = receive(
        mailbox,
        email_bytes(
            subject="Re: Internet mati sejak pagi",
            text="Masih mati.",
            message_id="<a2@mail.example.com>",
            In_Reply_To="<a1@mail.example.com>",
        ),
    )
    assert inbound.action == InboundAction.MESSAGE_ADDED
    assert inbound.ticket == target
    assert Ticket.objects.count() == 2


def test_the_merged_tickets_reply_address_and_number_lead_to_the_other(mailbox, merged):
    source, target = merged
    by_address = receive(
        mailbox,
        email_bytes(
            to=addresses.reply_address(mailbox=mailbox, ticket=source),
            subject="Tambahan",
            message_id="<a3@mail.example.com>",
        ),
    )
    by_number = receive(
        mailbox,
        email_bytes(subject=f"Re: [{source.number}] Internet", message_id="<a4@mail.example.com>"),
    )
    assert by_address.ticket == target and by_number.ticket == target
    assert Ticket.objects.count() == 2


def test_an_answer_to_a_split_message_joins_its_new_ticket(mailbox, agent):
    original = receive(mailbox, email_bytes()).ticket
    second = receive(
        mailbox,
        email_bytes(
            subject="Re: Internet mati sejak pagi",
            text="Satu lagi: tagihan saya juga salah.",
            message_id="<b1@mail.example.com>",
            In_Reply_To="<a1@mail.example.com>",
        ),
    )
    message = Message.objects.get(pk=second.desk_message_id)
    split = desk_services.ticket_split(message=message, actor=agent, subject="Tagihan salah")
    # No automatic acknowledgement for a split: the agent's reply tells the requester.
    assert not Delivery.objects.filter(ticket=split).exists()

    answer = receive(
        mailbox,
        email_bytes(
            subject="Re: Internet mati sejak pagi",
            text="Ini bukti tagihannya.",
            message_id="<b2@mail.example.com>",
            In_Reply_To="<b1@mail.example.com>",
        ),
    )
    assert answer.ticket == split
    assert original.pk != split.pk
