"""The incoming pipeline: store first, then thread into the right ticket or open one."""

from datetime import timedelta
from email.message import EmailMessage

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from conftest import PNG_BYTES, email_bytes
from karcis.core import services as core_services
from karcis.core.models import Event, Notification
from karcis.desk import services as desk_services
from karcis.desk.models import Channel, Message, Status, Ticket
from karcis.desk.notifications import notifications_from
from karcis.messaging import addresses, services
from karcis.messaging.models import (
    Delivery,
    DeliveryKind,
    Direction,
    EmailMessageId,
    InboundAction,
    InboundEmail,
    InboundState,
)

pytestmark = pytest.mark.django_db


def receive(mailbox, raw, recipients=()):
    return services.inbound_receive(
        mailbox=mailbox, raw=raw, source="mailgate", recipients=recipients
    )


def our_message_id(ticket, value="krc.1.out@nusantara.test"):
    """An id of a message we sent about `ticket`, as outgoing mail records it."""
    EmailMessageId.objects.create(
        organisation=ticket.organisation, value=value, ticket=ticket, direction=Direction.OUT
    )
    return value


@pytest.fixture
def email_ticket(mailbox):
    inbound = receive(mailbox, email_bytes())
    return inbound.ticket


# --- storing ----------------------------------------------------------------------------


def test_a_new_message_opens_a_ticket_for_its_sender(mailbox):
    inbound = receive(mailbox, email_bytes())

    assert inbound.state == InboundState.PROCESSED
    assert inbound.action == InboundAction.TICKET_CREATED
    ticket = inbound.ticket
    assert ticket.subject == "Internet mati sejak pagi"
    assert ticket.channel == Channel.EMAIL
    assert ticket.requester.email == "siti@example.com"
    assert ticket.requester.name == "Siti Aminah"
    message = Message.objects.get(ticket=ticket)
    assert "internet di rumah mati" in message.body_text
    assert inbound.desk_message == message
    assert EmailMessageId.objects.filter(
        value="a1@mail.example.com", ticket=ticket, direction=Direction.IN
    ).exists()
    assert bytes(inbound.raw) == email_bytes()


def test_the_same_message_twice_is_stored_and_processed_once(mailbox):
    first = receive(mailbox, email_bytes())
    second = receive(mailbox, email_bytes())

    assert first.pk == second.pk
    assert InboundEmail.objects.count() == 1
    assert Ticket.objects.count() == 1


def test_a_message_without_message_id_is_recognised_by_its_bytes(mailbox):
    raw = email_bytes(message_id=None)
    receive(mailbox, raw)
    receive(mailbox, raw)
    receive(mailbox, email_bytes(message_id=None, text="Another message"))

    assert InboundEmail.objects.count() == 2
    assert all(row.dedupe_key.startswith("sha256:") for row in InboundEmail.objects.all())
    assert Ticket.objects.count() == 2


def test_the_same_message_in_two_mailboxes_is_kept_in_each(org, mailbox):
    other = services.mailbox_create(organisation=org, address="tagihan@nusantara.test")
    receive(mailbox, email_bytes())
    receive(other, email_bytes())

    assert InboundEmail.objects.count() == 2


def test_a_crash_after_storing_loses_nothing(mailbox):
    # Given a message stored by a receiver that died before processing it
    inbound, created = services.inbound_store(mailbox=mailbox, raw=email_bytes(), source="lmtp")
    assert created and inbound.state == InboundState.PENDING
    assert Ticket.objects.count() == 0

    # When the periodic sweep runs, and the MTA (never told "250") delivers it again
    assert services.inbound_pending_process(grace=__import__("datetime").timedelta(0)) == 1
    again = receive(mailbox, email_bytes())

    # Then it made exactly one ticket
    assert again.pk == inbound.pk
    assert Ticket.objects.count() == 1
    assert services.inbound_process(inbound_id=inbound.pk).state == InboundState.PROCESSED
    assert Ticket.objects.count() == 1


def test_a_failure_of_ours_keeps_the_message_and_it_can_be_run_again(
    mailbox, admin_user, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(desk_services, "ticket_create", broken)
    inbound = receive(mailbox, email_bytes())

    assert inbound.state == InboundState.FAILED
    assert "disk full" in inbound.reason
    assert Ticket.objects.count() == 0
    assert Message.objects.count() == 0

    monkeypatch.undo()
    inbound = services.inbound_rerun(inbound=inbound, actor=admin_user)
    assert inbound.state == InboundState.PROCESSED
    assert inbound.ticket is not None
    assert inbound.attempts == 2


def test_only_rejected_or_failed_messages_are_run_again(email_ticket, admin_user):
    inbound = InboundEmail.objects.get()
    with pytest.raises(ValidationError, match="ditolak atau gagal"):
        services.inbound_rerun(inbound=inbound, actor=admin_user)


# --- threading --------------------------------------------------------------------------


def test_a_reply_to_our_message_joins_its_ticket(mailbox, email_ticket):
    ours = our_message_id(email_ticket)
    inbound = receive(
        mailbox,
        email_bytes(
            subject="Re: Internet mati sejak pagi",
            text="Sudah saya restart, tetap mati.",
            message_id="<a2@mail.example.com>",
            In_Reply_To=f"<{ours}>",
            References=f"<a1@mail.example.com> <{ours}>",
        ),
    )

    assert inbound.action == InboundAction.MESSAGE_ADDED
    assert inbound.ticket == email_ticket
    assert Ticket.objects.count() == 1
    assert email_ticket.messages.count() == 2


def test_an_id_deep_in_references_still_threads(mailbox, email_ticket):
    ours = our_message_id(email_ticket)
    inbound = receive(
        mailbox,
        email_bytes(
            subject="Re: Re: Re: sambungan",
            message_id="<a3@mail.example.com>",
            In_Reply_To="<unknown@elsewhere.example>",
            References=f"<{ours}> <x1@elsewhere.example> <unknown@elsewhere.example>",
        ),
    )
    assert inbound.ticket == email_ticket


def test_a_reply_to_the_customers_own_earlier_message_threads(mailbox, email_ticket):
    # Someone replying to the customer's first mail (the id we received) is on the thread too
    inbound = receive(
        mailbox,
        email_bytes(
            sender="Siti Aminah <siti@example.com>",
            message_id="<a4@mail.example.com>",
            In_Reply_To="<a1@mail.example.com>",
        ),
    )
    assert inbound.ticket == email_ticket


def test_the_reply_address_alone_threads(mailbox, email_ticket):
    reply_to = addresses.reply_address(mailbox=mailbox, ticket=email_ticket)
    inbound = receive(
        mailbox,
        email_bytes(subject="Balasan tanpa header", to=reply_to, message_id="<a5@x.example>"),
        recipients=[reply_to],
    )
    assert inbound.action == InboundAction.MESSAGE_ADDED
    assert inbound.ticket == email_ticket


def test_a_reply_address_survives_a_lower_casing_mta(mailbox, email_ticket):
    reply_to = addresses.reply_address(mailbox=mailbox, ticket=email_ticket).lower()
    inbound = receive(mailbox, email_bytes(to=reply_to, message_id="<a6@x.example>"))
    assert inbound.ticket == email_ticket


def test_a_forged_reply_address_opens_a_new_ticket(mailbox, email_ticket):
    forged = f"bantuan+{email_ticket.number}.0123456789@nusantara.test"
    inbound = receive(mailbox, email_bytes(to=forged, message_id="<a7@x.example>"))
    assert inbound.action == InboundAction.TICKET_CREATED
    assert inbound.ticket != email_ticket


def test_the_subject_tag_threads_for_the_requester(mailbox, email_ticket):
    inbound = receive(
        mailbox,
        email_bytes(subject=f"Tambahan [{email_ticket.number}]", message_id="<a8@x.example>"),
    )
    assert inbound.action == InboundAction.MESSAGE_ADDED
    assert inbound.ticket == email_ticket


def test_the_subject_tag_threads_for_a_participant(org, mailbox, email_ticket):
    colleague = core_services.contact_resolve(organisation=org, email="ani@example.com")
    desk_services.ticket_participants_add(ticket=email_ticket, contacts=[colleague])
    inbound = receive(
        mailbox,
        email_bytes(
            sender="ani@example.com",
            subject=f"[{email_ticket.number}] foto meteran",
            message_id="<a9@x.example>",
        ),
    )
    assert inbound.ticket == email_ticket


def test_a_strangers_subject_tag_opens_a_linked_ticket(mailbox, email_ticket):
    inbound = receive(
        mailbox,
        email_bytes(
            sender="orang.lain@example.net",
            subject=f"[{email_ticket.number}] saya juga mengalami",
            message_id="<a10@x.example>",
        ),
    )
    assert inbound.action == InboundAction.TICKET_CREATED
    assert inbound.ticket != email_ticket
    assert inbound.ticket.linked_to == email_ticket
    assert email_ticket.messages.count() == 1


def test_message_ids_outrank_the_subject_tag(mailbox, email_ticket, make_ticket):
    other = make_ticket()
    ours = our_message_id(email_ticket)
    inbound = receive(
        mailbox,
        email_bytes(
            subject=f"Re: [{other.number}]", In_Reply_To=f"<{ours}>", message_id="<a11@x.example>"
        ),
    )
    assert inbound.ticket == email_ticket


def test_another_organisations_ids_and_tags_never_thread(org, other_org, mailbox, email_ticket):
    foreign_box = services.mailbox_create(organisation=other_org, address="halo@lain.test")
    ours = our_message_id(email_ticket)
    inbound = receive(
        foreign_box,
        email_bytes(
            to="halo@lain.test",
            subject=f"Re: [{email_ticket.number}]",
            In_Reply_To=f"<{ours}>",
            message_id="<a12@x.example>",
        ),
    )
    assert inbound.action == InboundAction.TICKET_CREATED
    assert inbound.ticket.organisation == other_org


def test_a_reply_to_a_closed_ticket_opens_a_follow_up(mailbox, email_ticket, agent):
    ours = our_message_id(email_ticket)
    desk_services.ticket_update(ticket=email_ticket, actor=agent, status=Status.SOLVED)
    desk_services.ticket_update(ticket=email_ticket, actor=agent, status=Status.CLOSED)
    inbound = receive(
        mailbox, email_bytes(subject="Re: lagi", In_Reply_To=f"<{ours}>", message_id="<a13@x>")
    )
    assert inbound.action == InboundAction.FOLLOWUP_CREATED
    assert inbound.ticket.linked_to == email_ticket


def test_a_reply_reopens_a_solved_ticket_but_an_out_of_office_does_not(
    mailbox, email_ticket, agent
):
    ours = our_message_id(email_ticket)
    desk_services.ticket_update(ticket=email_ticket, actor=agent, status=Status.SOLVED)
    away = receive(
        mailbox,
        email_bytes(
            subject="Out of office",
            In_Reply_To=f"<{ours}>",
            Auto_Submitted="auto-replied",
            message_id="<a14@x>",
        ),
    )
    email_ticket.refresh_from_db()
    assert away.action == InboundAction.MESSAGE_ADDED
    assert email_ticket.status == Status.SOLVED

    receive(mailbox, email_bytes(subject="Re:", In_Reply_To=f"<{ours}>", message_id="<a15@x>"))
    email_ticket.refresh_from_db()
    assert email_ticket.status == Status.OPEN


def test_an_out_of_office_is_marked_automatic_and_tells_nobody_the_customer_replied(
    mailbox, email_ticket, agent
):
    # given a pending ticket assigned to an agent, and an answer of a vacation responder
    # that says so only in its subject
    ours = our_message_id(email_ticket)
    desk_services.ticket_update(
        ticket=email_ticket, actor=agent, assignee=agent, status=Status.PENDING
    )
    auto_replies = Delivery.objects.filter(kind=DeliveryKind.AUTO_REPLY).count()
    away = receive(
        mailbox,
        email_bytes(
            subject="Automatic reply: Re: Internet mati sejak pagi",
            In_Reply_To=f"<{ours}>",
            Cc="Bos <bos@example.com>",
            message_id="<ooo@x>",
        ),
    )

    # then it is kept, marked automatic, and changes nothing else
    message = away.desk_message
    assert message.automatic
    email_ticket.refresh_from_db()
    assert email_ticket.status == Status.PENDING
    assert not email_ticket.participants.exists()
    assert Delivery.objects.filter(kind=DeliveryKind.AUTO_REPLY).count() == auto_replies
    event = Event.objects.filter(type="desk.message.reply_added").latest("id")
    assert event.payload["automatic"] is True
    notifications_from(event)
    assert not Notification.objects.filter(kind="desk.customer_replied").exists()
    # while a person's answer is not marked, and its assignee hears of it
    person = receive(
        mailbox, email_bytes(subject="Re: x", In_Reply_To=f"<{ours}>", message_id="<p@x>")
    )
    assert not person.desk_message.automatic
    notifications_from(Event.objects.filter(type="desk.message.reply_added").latest("id"))
    assert Notification.objects.filter(kind="desk.customer_replied").count() == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"X_Autoreply": "yes"},
        {"Precedence": "auto_reply"},
        {"subject": "Out of Office: Internet mati"},
        {"subject": "Balasan Otomatis: Internet mati"},
    ],
)
def test_a_new_automatic_message_is_marked_and_gets_no_automatic_reply(mailbox, headers):
    inbound = receive(mailbox, email_bytes(**headers))

    assert inbound.action == InboundAction.TICKET_CREATED
    assert inbound.desk_message.automatic
    assert not Delivery.objects.filter(kind=DeliveryKind.AUTO_REPLY).exists()


# --- participants, attachments ----------------------------------------------------------


def test_every_cc_becomes_a_participant_up_to_a_high_limit_and_the_rest_are_counted(mailbox):
    # given a message copied to more people than the limit
    limit = services.MAX_PARTICIPANTS_PER_MESSAGE
    assert limit >= 50
    cc = ", ".join(f"Warga {n} <warga{n}@example.com>" for n in range(limit + 7))
    inbound = receive(mailbox, email_bytes(Cc=cc))

    # then the first `limit` follow the ticket, and the message says how many did not
    assert inbound.ticket.participants.count() == limit
    message = inbound.desk_message
    assert message.intake_notes == [{"code": "participants_left_out", "count": 7, "limit": limit}]
    with translation.override("en"):
        assert message.intake_note_lines == [
            f"7 more people in Cc were not added to the ticket (at most {limit} per message)."
        ]


def test_thirty_people_in_cc_all_follow_the_ticket(mailbox):
    cc = ", ".join(f"warga{n}@example.com" for n in range(30))
    inbound = receive(mailbox, email_bytes(Cc=cc))

    assert inbound.ticket.participants.count() == 30
    assert inbound.desk_message.intake_notes == []


def test_cc_people_become_participants_but_our_addresses_do_not(mailbox):
    inbound = receive(
        mailbox,
        email_bytes(
            Cc="Ani <ani@example.com>, bantuan+x@nusantara.test, Siti <siti@example.com>",
        ),
    )
    participants = inbound.ticket.participants.select_related("contact")
    assert [p.contact.email for p in participants] == ["ani@example.com"]


def _with_attachments(*files, **headers) -> bytes:
    message = EmailMessage()
    message["From"] = "siti@example.com"
    message["To"] = "bantuan@nusantara.test"
    message["Subject"] = "Bukti pembayaran"
    message["Message-ID"] = headers.get("message_id", "<att@x.example>")
    message.set_content("Terlampir buktinya.")
    for name, data, maintype, subtype in files:
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def test_attachments_pass_the_portals_checks_and_refusals_are_noted(mailbox):
    raw = _with_attachments(
        ("bukti.png", PNG_BYTES, "image", "png"),
        ("invoice.pdf", b"MZ\x90\x00 this is a program", "application", "pdf"),
    )
    inbound = receive(mailbox, raw)

    message = inbound.desk_message
    assert [a.filename for a in message.attachments.all()] == ["bukti.png"]
    assert "invoice.pdf" in message.body_text
    assert "invoice.pdf" in inbound.reason


# --- noise and loops --------------------------------------------------------------------


def test_mail_from_our_own_address_is_a_loop(mailbox):
    inbound = receive(mailbox, email_bytes(sender="bantuan@nusantara.test"))
    assert inbound.state == InboundState.REJECTED
    assert "berputar" in inbound.reason  # the organisation reads Indonesian
    assert Ticket.objects.count() == 0


def test_mail_without_a_sender_is_rejected_but_kept(mailbox):
    inbound = receive(mailbox, email_bytes(sender=None))
    assert inbound.state == InboundState.REJECTED
    assert inbound.reason
    assert InboundEmail.objects.get().size == len(email_bytes(sender=None))


def test_a_mail_storm_is_held_back_and_can_be_let_through(mailbox, admin_user, settings):
    settings.KARCIS_MAIL_SENDER_LIMIT = 3
    results = [
        receive(mailbox, email_bytes(message_id=f"<storm{n}@x>", text=f"pesan {n}"))
        for n in range(5)
    ]
    assert [r.state for r in results] == ["processed"] * 3 + ["rejected"] * 2
    assert Ticket.objects.count() == 3

    let_through = services.inbound_rerun(inbound=results[3], actor=admin_user)
    assert let_through.state == InboundState.PROCESSED
    assert Ticket.objects.count() == 4


def _bounce_of(message_id: str) -> bytes:
    return f"""From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>
To: bantuan@nusantara.test
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce1@mx.example.net>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain; charset=us-ascii

This is the mail system. Your message could not be delivered.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; siti@example.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--b1
Content-Type: message/rfc822

Message-ID: <{message_id}>
From: bantuan@nusantara.test
Subject: Re: [KRC-000001]

Balasan agen
--b1--
""".replace("\n", "\r\n").encode()


def test_a_bounce_marks_the_delivery_failed_and_opens_no_ticket(mailbox, email_ticket, agent):
    reply = desk_services.message_add(
        ticket=email_ticket, body=desk_services.Body("<p>Halo</p>", "Halo"), author_user=agent
    )
    delivery = Delivery.objects.create(
        organisation=email_ticket.organisation,
        mailbox=mailbox,
        ticket=email_ticket,
        desk_message=reply,
        kind=DeliveryKind.REPLY,
        message_id="krc-000001.abc@nusantara.test",
        to=["siti@example.com"],
        subject="Re",
        text="Halo",
        html="<p>Halo</p>",
        state="sent",
    )
    inbound = receive(mailbox, _bounce_of(delivery.message_id))

    assert inbound.state == InboundState.PROCESSED, inbound.reason
    assert inbound.action == InboundAction.BOUNCE
    delivery.refresh_from_db()
    reply.refresh_from_db()
    assert delivery.state == "failed"
    assert reply.delivery_state == "failed"
    assert "550" in reply.delivery_detail
    assert Ticket.objects.count() == 1


def test_one_message_to_two_of_our_mailboxes_is_one_request(org, mailbox):
    billing = services.mailbox_create(organisation=org, address="tagihan@nusantara.test")
    raw = email_bytes(Cc="tagihan@nusantara.test")
    first = receive(mailbox, raw)
    second = receive(billing, raw)

    assert second.state == InboundState.PROCESSED
    assert second.action == InboundAction.ALREADY_RECEIVED
    assert second.ticket == first.ticket
    assert Ticket.objects.count() == 1
    assert Message.objects.count() == 1


def test_a_new_request_gets_an_automatic_reply_whatever_its_date_header_says(mailbox):
    # given a phone whose clock is years behind, and one set far in the future
    receive(mailbox, email_bytes(message_id="<n@x>"))
    receive(
        mailbox,
        email_bytes(
            sender="lama@example.com", message_id="<old@x>", Date="Mon, 02 Jan 2023 08:00:00 +0700"
        ),
    )
    receive(
        mailbox,
        email_bytes(
            sender="nanti@example.com", message_id="<f@x>", Date="Fri, 01 Jan 2100 08:00:00 +0700"
        ),
    )
    # then each sender is acknowledged: the Date header is the sender's word, not ours
    auto_replies = Delivery.objects.filter(kind=DeliveryKind.AUTO_REPLY).order_by("id")
    assert [d.to for d in auto_replies] == [
        ["siti@example.com"],
        ["lama@example.com"],
        ["nanti@example.com"],
    ]


def test_mail_that_reached_the_mailbox_long_ago_gets_no_automatic_reply(mailbox):
    # given a message the IMAP server received three days ago (a poll after an outage),
    # dated today by its sender
    inbound, _created = services.inbound_store(
        mailbox=mailbox,
        raw=email_bytes(message_id="<late@x>"),
        source="imap",
        arrived_at=timezone.now() - timedelta(days=3),
    )
    # and one that arrived just now
    fresh, _created = services.inbound_store(
        mailbox=mailbox,
        raw=email_bytes(sender="baru@example.com", message_id="<fresh@x>"),
        source="imap",
        arrived_at=timezone.now() - timedelta(minutes=5),
    )

    services.inbound_process(inbound_id=inbound.pk)
    services.inbound_process(inbound_id=fresh.pk)

    # then both become tickets, and only the recent one is acknowledged
    assert Ticket.objects.count() == 2
    auto_replies = Delivery.objects.filter(kind=DeliveryKind.AUTO_REPLY)
    assert [d.to for d in auto_replies] == [["baru@example.com"]]


def test_the_history_of_a_newly_connected_mailbox_gets_no_automatic_reply(mailbox):
    # given a message already in the mailbox when it was connected, sent minutes ago
    inbound, _created = services.inbound_store(
        mailbox=mailbox,
        raw=email_bytes(message_id="<history@x>"),
        source="imap",
        arrived_at=timezone.now() - timedelta(minutes=5),
        backfill=True,
    )

    processed = services.inbound_process(inbound_id=inbound.pk)

    assert processed.action == InboundAction.TICKET_CREATED
    assert not Delivery.objects.filter(kind=DeliveryKind.AUTO_REPLY).exists()


def test_a_message_run_again_weeks_later_gets_no_automatic_reply(mailbox):
    inbound, _created = services.inbound_store(
        mailbox=mailbox, raw=email_bytes(message_id="<weeks@x>"), source="mailgate"
    )
    InboundEmail.objects.filter(pk=inbound.pk).update(
        received_at=timezone.now() - timedelta(days=20)
    )

    services.inbound_process(inbound_id=inbound.pk)

    assert not Delivery.objects.filter(kind=DeliveryKind.AUTO_REPLY).exists()


@pytest.mark.parametrize(
    "raw",
    [
        b"From:\x00@A",
        b"From: siti\x00@example.com\nSubject: a\x00b\nMessage-ID: <x\x00y@z>\n\nhai\x00",
        # ... nor from a forwarded message's headers and text
        b'From: a@example.com\nSubject: Fwd\nContent-Type: multipart/mixed; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\nlihat\n--b\nContent-Type: message/rfc822\n\n"
        b"From: c\x00@example.com\nSubject: x\x00y\nDate: 1\x00\n\nisi\x00\n--b--\n",
    ],
)
def test_nul_characters_never_reach_the_database(mailbox, raw):
    # PostgreSQL text cannot hold NUL: found by the property test on PostgreSQL
    inbound = receive(mailbox, raw)

    assert inbound.state in (InboundState.PROCESSED, InboundState.REJECTED), inbound.reason
    assert bytes(inbound.raw) == raw
    assert "\x00" not in inbound.message_id + inbound.from_address + inbound.subject
    if inbound.desk_message is not None:
        assert "\x00" not in inbound.desk_message.body_text + inbound.desk_message.body_html
