"""Outgoing e-mail against a real SMTP server (aiosmtpd on 127.0.0.1): agent replies and
automatic replies, their headers and parts, retries and failures, and replies to them
threading back into the same ticket."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import PNG_BYTES, email_bytes
from karcis.core import services as core_services
from karcis.core.content import attachment_check, body_from
from karcis.core.models import Event, Verification
from karcis.core.services import contact_resolve
from karcis.desk import selectors as desk_selectors
from karcis.desk import services as desk_services
from karcis.desk.models import Message, MessageKind, Status, Ticket
from karcis.messaging import addresses, outbound, services
from karcis.messaging.models import (
    Delivery,
    DeliveryKind,
    DeliveryState,
    Direction,
    EmailMessageId,
    InboundAction,
)
from karcis.settings import smtp_settings
from tests.mailservers.smtp import closed_port

pytestmark = pytest.mark.django_db

FROM_SITI = "Siti Aminah <siti@example.com>"


@pytest.fixture
def email_ticket(mailbox, smtp_sink, django_capture_on_commit_callbacks):
    """A ticket opened by Siti's e-mail with Rudi in Cc; its auto-reply already sent."""
    with django_capture_on_commit_callbacks(execute=True):
        inbound = services.inbound_receive(
            mailbox=mailbox,
            raw=email_bytes(sender=FROM_SITI, Cc="Rudi Hartono <rudi@example.com>"),
            source="mailgate",
        )
    assert inbound.action == InboundAction.TICKET_CREATED
    smtp_sink.clear()
    return inbound.ticket


def agent_reply(ticket, agent, capture, text="Sudah kami cek, silakan coba lagi.", **kwargs):
    with capture(execute=True):
        return desk_services.message_add(
            ticket=ticket, body=body_from(text=text), author_user=agent, **kwargs
        )


def parts(message):
    """(text, html) of a received e-mail."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def tracking_link_in(text, ticket) -> str:
    """The portal link in an e-mail's text, checked to open `ticket`."""
    match = re.search(r"http://127\.0\.0\.1:8000/portal/nusantara/t/([^/\s]+)/", text)
    assert match is not None
    found = desk_selectors.ticket_get_by_tracking_token(
        organisation=ticket.organisation, token=match.group(1)
    )
    assert found == ticket
    return match.group(0)


def ids(header_value) -> list[str]:
    return str(header_value).split()


# --- an agent's reply -------------------------------------------------------------------


def test_an_agent_reply_goes_to_the_requester_and_participants_threaded(
    email_ticket, mailbox, agent, smtp_sink, django_capture_on_commit_callbacks
):
    auto_reply = Delivery.objects.get(ticket=email_ticket, kind=DeliveryKind.AUTO_REPLY)

    reply = agent_reply(email_ticket, agent, django_capture_on_commit_callbacks)

    [envelope] = smtp_sink.messages
    assert envelope.mail_from == "bantuan@nusantara.test"
    assert sorted(envelope.rcpt_tos) == ["rudi@example.com", "siti@example.com"]
    sent = envelope.message
    delivery = Delivery.objects.get(desk_message=reply)
    number = email_ticket.number
    assert sent["From"] == "Bantuan <bantuan@nusantara.test>"
    assert sent["To"] == FROM_SITI
    assert sent["Cc"] == "Rudi Hartono <rudi@example.com>"
    assert sent["Subject"] == f"Re: [{number}] Internet mati sejak pagi"
    assert sent["Message-ID"] == f"<{delivery.message_id}>"
    assert sent["In-Reply-To"] == "<a1@mail.example.com>"
    assert ids(sent["References"]) == ["<a1@mail.example.com>", f"<{auto_reply.message_id}>"]
    assert sent["Reply-To"] == addresses.reply_address(mailbox=mailbox, ticket=email_ticket)
    assert sent["Auto-Submitted"] is None
    # Known as ours before an answer can arrive.
    assert EmailMessageId.objects.filter(
        value=delivery.message_id, ticket=email_ticket, desk_message=reply, direction=Direction.OUT
    ).exists()
    reply.refresh_from_db()
    assert reply.delivery_state == "sent"
    delivery.refresh_from_db()
    assert (delivery.to, delivery.cc) == (["siti@example.com"], ["rudi@example.com"])
    assert delivery.state == DeliveryState.SENT
    assert delivery.attempts == 1
    assert delivery.sent_at is not None


def test_a_reply_from_the_desk_page_goes_out(
    client, email_ticket, admin_user, smtp_sink, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/desk/tickets/{email_ticket.number}/reply/",
            {"kind": "reply", "body": "Teknisi kami datang besok pagi.", "status": "pending"},
        )

    assert response.status_code == 302
    [envelope] = smtp_sink.messages
    text, _html = parts(envelope.message)
    assert "Teknisi kami datang besok pagi." in text
    assert "\r\nRina\r\n" in text and "Rina Admin" not in text  # first name, as on the portal
    reply = Message.objects.filter(ticket=email_ticket).last()
    assert reply.delivery_state == "sent"


def test_the_reply_is_written_in_indonesian_for_an_indonesian_organisation(
    email_ticket, agent, smtp_sink, django_capture_on_commit_callbacks
):
    agent_reply(email_ticket, agent, django_capture_on_commit_callbacks)

    text, html = parts(smtp_sink.messages[0].message)
    link = tracking_link_in(text, email_ticket)
    for part in (text, html):
        assert "Sudah kami cek, silakan coba lagi." in part
        assert f"Tiket {email_ticket.number} · status: " in part
        assert "Balas e-mail ini untuk menjawab." in part
        assert "Budi" in part and "Budi Santoso" not in part
    assert f"Lihat tiket ini dan seluruh percakapannya: {link}" in text
    assert f'href="{link}"' in html
    assert 'lang="id"' in html


def test_the_reply_is_written_in_english_for_an_english_organisation(
    org, email_ticket, agent, smtp_sink, django_capture_on_commit_callbacks
):
    org.language = "en"
    org.save(update_fields=["language"])
    email_ticket.organisation.language = "en"

    agent_reply(email_ticket, agent, django_capture_on_commit_callbacks)

    text, html = parts(smtp_sink.messages[0].message)
    for part in (text, html):
        assert f"Ticket {email_ticket.number} · status: " in part
        assert "Reply to this e-mail to answer." in part
    assert 'lang="en"' in html


def test_the_reply_shows_the_status_it_leaves_the_ticket_in(
    email_ticket, agent, smtp_sink, django_capture_on_commit_callbacks
):
    # The first answer opens a new ticket; an agent may also set a status with the reply.
    agent_reply(email_ticket, agent, django_capture_on_commit_callbacks)
    agent_reply(email_ticket, agent, django_capture_on_commit_callbacks, status=Status.PENDING)

    first, second = (parts(envelope.message)[0] for envelope in smtp_sink.messages)
    assert f"Tiket {email_ticket.number} · status: Terbuka" in first
    assert f"Tiket {email_ticket.number} · status: Menunggu" in second


def test_the_reply_quotes_the_earlier_public_messages_but_no_notes(
    email_ticket, agent, smtp_sink, django_capture_on_commit_callbacks
):
    desk_services.message_add(
        ticket=email_ticket,
        body=body_from(text="Catatan internal: pelanggan VIP"),
        author_user=agent,
        kind=MessageKind.NOTE,
    )
    agent_reply(email_ticket, agent, django_capture_on_commit_callbacks, text="Balasan pertama")
    smtp_sink.clear()

    agent_reply(email_ticket, agent, django_capture_on_commit_callbacks, text="Balasan kedua")

    text, html = parts(smtp_sink.messages[0].message)
    assert "<blockquote" in html
    assert html.index("Balasan kedua") < html.index("Balasan pertama")
    assert html.index("Balasan pertama") < html.index("internet di rumah mati")
    assert "menulis:" in html
    assert "> Balasan pertama" in text
    assert "VIP" not in html
    assert "VIP" not in text


def test_the_reply_comes_from_the_mailbox_the_customer_wrote_to(
    org, mailbox, agent, smtp_sink, django_capture_on_commit_callbacks
):
    sales = services.mailbox_create(organisation=org, address="penjualan@nusantara.test")
    with django_capture_on_commit_callbacks(execute=True):
        inbound = services.inbound_receive(
            mailbox=sales, raw=email_bytes(to="penjualan@nusantara.test"), source="mailgate"
        )
    smtp_sink.clear()

    agent_reply(inbound.ticket, agent, django_capture_on_commit_callbacks)

    sent = smtp_sink.messages[0].message
    assert sent["From"] == "PT Nusantara Sejahtera <penjualan@nusantara.test>"
    assert sent["Reply-To"].startswith("penjualan+")
    assert smtp_sink.messages[0].mail_from == "penjualan@nusantara.test"


def test_a_web_ticket_is_answered_from_the_default_mailbox(
    mailbox, make_ticket, agent, smtp_sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(channel="phone")  # no acknowledgement for a phone call
    assert smtp_sink.messages == []

    agent_reply(ticket, agent, django_capture_on_commit_callbacks)

    [envelope] = smtp_sink.messages
    assert envelope.rcpt_tos == ["pelapor@example.com"]
    assert envelope.message["From"] == "Bantuan <bantuan@nusantara.test>"
    # A conversation that began on the web has no incoming id to answer.
    assert envelope.message["In-Reply-To"] is None


def test_an_internal_note_sends_nothing(
    email_ticket, agent, smtp_sink, django_capture_on_commit_callbacks
):
    note = agent_reply(
        email_ticket, agent, django_capture_on_commit_callbacks, kind=MessageKind.NOTE
    )

    assert smtp_sink.messages == []
    assert not Delivery.objects.filter(desk_message=note).exists()
    note.refresh_from_db()
    assert note.delivery_state == ""


def test_the_customers_own_reply_sends_nothing(
    email_ticket, smtp_sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = desk_services.message_add(
            ticket=email_ticket,
            body=body_from(text="Masih mati."),
            author_contact=email_ticket.requester,
        )

    assert smtp_sink.messages == []
    message.refresh_from_db()
    assert message.delivery_state == ""


def test_a_customer_users_reply_sends_nothing(
    org, customer, mailbox, smtp_sink, django_capture_on_commit_callbacks
):
    # A customer who signs in is a user, but not staff.
    with django_capture_on_commit_callbacks(execute=True):
        ticket = desk_services.ticket_create(
            organisation=org,
            requester=customer.contact,
            subject="Akun terkunci",
            body=body_from(text="Tidak bisa masuk"),
            channel="email",
        )
        message = desk_services.message_add(
            ticket=ticket, body=body_from(text="Masih terkunci"), author_user=customer
        )

    assert smtp_sink.messages == []
    assert outbound.reply_queue(message_id=message.pk) is None


def test_nobody_to_write_to_sends_nothing(
    org, mailbox, agent, smtp_sink, make_ticket, django_capture_on_commit_callbacks
):
    caller = core_services.contact_resolve(organisation=org, name="Pak Joko", phone="08123456789")
    ticket = make_ticket(requester=caller, channel="phone")

    reply = agent_reply(ticket, agent, django_capture_on_commit_callbacks)

    assert smtp_sink.messages == []
    reply.refresh_from_db()
    assert reply.delivery_state == ""


def test_a_phone_callers_ticket_writes_to_its_participants(
    org, mailbox, agent, smtp_sink, make_ticket, django_capture_on_commit_callbacks
):
    caller = core_services.contact_resolve(organisation=org, name="Pak Joko", phone="08123456789")
    ticket = make_ticket(requester=caller, channel="phone")
    colleague = core_services.contact_resolve(
        organisation=org, name="Bu Ani", email="ani@example.com"
    )
    desk_services.ticket_participants_add(ticket=ticket, contacts=[colleague])

    agent_reply(ticket, agent, django_capture_on_commit_callbacks)

    [envelope] = smtp_sink.messages
    assert envelope.message["To"] == "Bu Ani <ani@example.com>"
    assert envelope.message["Cc"] is None


def test_our_own_addresses_are_never_recipients(
    org, mailbox, agent, smtp_sink, make_ticket, django_capture_on_commit_callbacks
):
    ticket = make_ticket()
    ourselves = core_services.contact_resolve(
        organisation=org, name="Bantuan", email="bantuan@nusantara.test"
    )
    desk_services.ticket_participants_add(ticket=ticket, contacts=[ourselves])

    agent_reply(ticket, agent, django_capture_on_commit_callbacks)

    assert smtp_sink.messages[0].rcpt_tos == ["pelapor@example.com"]


def test_without_a_mailbox_no_mail_is_sent(
    make_ticket, agent, smtp_sink, django_capture_on_commit_callbacks
):
    ticket = make_ticket()

    reply = agent_reply(ticket, agent, django_capture_on_commit_callbacks)

    assert smtp_sink.messages == []
    assert not Delivery.objects.exists()
    reply.refresh_from_db()
    assert reply.delivery_state == ""


def test_a_reply_rolled_back_leaves_no_delivery(email_ticket, agent, smtp_sink):
    with pytest.raises(RuntimeError):
        from django.db import transaction

        with transaction.atomic():
            desk_services.message_add(
                ticket=email_ticket, body=body_from(text="Tidak jadi"), author_user=agent
            )
            raise RuntimeError("the request failed after the reply was stored")

    assert not Delivery.objects.filter(kind=DeliveryKind.REPLY).exists()
    assert smtp_sink.messages == []


def test_attachments_go_out_with_the_reply(
    email_ticket, agent, smtp_sink, png_upload, django_capture_on_commit_callbacks
):
    agent_reply(
        email_ticket,
        agent,
        django_capture_on_commit_callbacks,
        attachments=[attachment_check(png_upload("struk.png"))],
    )

    sent = smtp_sink.messages[0].message
    [attachment] = list(sent.iter_attachments())
    assert attachment.get_filename() == "struk.png"
    assert attachment.get_content_type() == "image/png"
    assert attachment.get_content() == PNG_BYTES
    assert "Sudah kami cek" in parts(sent)[0]


def test_an_attachment_with_a_unicode_name_goes_out_under_that_name(
    email_ticket, agent, smtp_sink, django_capture_on_commit_callbacks
):
    name = "Struk – Café 領収書.txt"
    agent_reply(
        email_ticket,
        agent,
        django_capture_on_commit_callbacks,
        attachments=[attachment_check(SimpleUploadedFile(name, b"isi", "text/plain"))],
    )

    [attachment] = list(smtp_sink.messages[0].message.iter_attachments())
    assert attachment.get_filename() == name


def test_references_keep_the_first_and_the_latest_ids(
    email_ticket, agent, smtp_sink, django_capture_on_commit_callbacks
):
    for index in range(30):
        EmailMessageId.objects.create(
            organisation=email_ticket.organisation,
            value=f"old{index}@mail.example.com",
            ticket=email_ticket,
            direction=Direction.IN,
        )

    agent_reply(email_ticket, agent, django_capture_on_commit_callbacks)

    sent = smtp_sink.messages[0].message
    references = ids(sent["References"])
    assert len(references) == outbound.MAX_REFERENCES
    assert references[0] == "<a1@mail.example.com>"
    assert references[-1] == "<old29@mail.example.com>"
    assert sent["In-Reply-To"] == "<old29@mail.example.com>"
    # Folded into lines an SMTP server accepts.
    assert all(len(line) <= 998 for line in smtp_sink.messages[0].raw.split(b"\r\n"))


def test_the_sender_is_the_organisation_when_the_mailbox_has_no_name_of_its_own(
    org, mailbox, agent, smtp_sink, django_capture_on_commit_callbacks
):
    services.mailbox_update(mailbox=mailbox, name="")
    with django_capture_on_commit_callbacks(execute=True):
        services.inbound_receive(mailbox=mailbox, raw=email_bytes(), source="mailgate")

    [envelope] = smtp_sink.messages
    assert envelope.message["From"] == "PT Nusantara Sejahtera <bantuan@nusantara.test>"


def test_names_with_commas_and_accents_survive_the_headers(
    org, mailbox, agent, smtp_sink, django_capture_on_commit_callbacks
):
    services.mailbox_update(mailbox=mailbox, name="Dinas Kominfo, Kota Medan (Pusat)")
    with django_capture_on_commit_callbacks(execute=True):
        inbound = services.inbound_receive(
            mailbox=mailbox,
            raw=email_bytes(sender="Ñoman Çahya Putri <noman@example.com>"),
            source="mailgate",
        )
    smtp_sink.clear()

    agent_reply(inbound.ticket, agent, django_capture_on_commit_callbacks)

    [envelope] = smtp_sink.messages
    assert envelope.mail_from == "bantuan@nusantara.test"
    assert envelope.rcpt_tos == ["noman@example.com"]
    [sender] = envelope.message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (
        "Dinas Kominfo, Kota Medan (Pusat)",
        "bantuan@nusantara.test",
    )
    [recipient] = envelope.message["To"].addresses
    assert (recipient.display_name, recipient.addr_spec) == (
        "Ñoman Çahya Putri",
        "noman@example.com",
    )
    header_block = envelope.raw.split(b"\r\n\r\n", 1)[0]
    assert header_block.isascii()  # names travel RFC 2047-encoded


def test_reply_prefixes_of_the_original_subject_are_not_repeated(
    mailbox, agent, smtp_sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        inbound = services.inbound_receive(
            mailbox=mailbox,
            raw=email_bytes(subject="RE: Fwd: Pindah alamat pemasangan"),
            source="mailgate",
        )
    ticket = inbound.ticket
    agent_reply(ticket, agent, django_capture_on_commit_callbacks)

    auto_reply, reply = (envelope.message for envelope in smtp_sink.messages)
    assert auto_reply["Subject"] == f"[{ticket.number}] Pindah alamat pemasangan"
    assert reply["Subject"] == f"Re: [{ticket.number}] Pindah alamat pemasangan"


# --- retries and failures ---------------------------------------------------------------


def test_a_temporary_refusal_is_retried_later(
    email_ticket, agent, smtp_sink, django_capture_on_commit_callbacks
):
    smtp_sink.answer_data = "451 4.3.0 Mailbox busy, try again later"

    reply = agent_reply(email_ticket, agent, django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get(desk_message=reply)
    assert delivery.state == DeliveryState.QUEUED
    assert delivery.attempts == 1
    wait = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=50) < wait <= timedelta(minutes=1)
    assert delivery.last_error == "451 4.3.0 Mailbox busy, try again later"
    reply.refresh_from_db()
    assert reply.delivery_state == "queued"
    assert "451" in reply.delivery_detail
    assert smtp_sink.messages == []

    # Not yet due: the sweep leaves it alone.
    smtp_sink.accept()
    assert outbound.deliveries_send_due() == 0
    assert smtp_sink.messages == []

    # A minute later the server accepts it.
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    assert outbound.deliveries_send_due() == 1

    [envelope] = smtp_sink.messages
    assert envelope.message["Message-ID"] == f"<{delivery.message_id}>"
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("sent", 2, "")
    reply.refresh_from_db()
    assert (reply.delivery_state, reply.delivery_detail) == ("sent", "")


def test_the_wait_grows_after_each_temporary_failure(email_ticket, agent, smtp_sink):
    smtp_sink.answer_data = "421 4.7.0 Too many connections"
    reply = desk_services.message_add(
        ticket=email_ticket, body=body_from(text="Halo"), author_user=agent
    )
    delivery = Delivery.objects.get(desk_message=reply)
    waits = []
    for _attempt in range(outbound.MAX_ATTEMPTS - 1):
        before = timezone.now()
        outbound.delivery_send(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        waits.append(round((delivery.next_attempt_at - before).total_seconds() / 60))
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert waits == [1, 5, 15, 60, 240]
    assert delivery.state == DeliveryState.QUEUED

    # The sixth attempt is the last.
    outbound.delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED
    assert delivery.attempts == 6
    assert "421 4.7.0 Too many connections" in delivery.last_error
    assert "berhenti mencoba setelah 6 kali" in delivery.last_error
    reply.refresh_from_db()
    assert reply.delivery_state == "failed"


def test_a_permanent_refusal_fails_with_the_servers_words(
    email_ticket, agent, smtp_sink, django_capture_on_commit_callbacks
):
    smtp_sink.answer_data = "550 5.7.1 Message rejected as spam"

    reply = agent_reply(email_ticket, agent, django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get(desk_message=reply)
    assert delivery.state == DeliveryState.FAILED
    assert delivery.attempts == 1
    assert delivery.last_error == "550 5.7.1 Message rejected as spam"
    reply.refresh_from_db()
    assert reply.delivery_state == "failed"
    assert reply.delivery_detail == "550 5.7.1 Message rejected as spam"
    event = Event.objects.get(type="desk.message.delivery_failed")
    assert event.payload["message_id"] == reply.pk
    # Failed is final: the sweep does not send it again.
    smtp_sink.accept()
    assert outbound.deliveries_send_due() == 0
    assert smtp_sink.messages == []


def test_recipients_refused_for_good_fail_the_delivery(
    email_ticket, agent, smtp_sink, django_capture_on_commit_callbacks
):
    smtp_sink.answer_rcpt = "550 5.1.1 No such user here"

    reply = agent_reply(email_ticket, agent, django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get(desk_message=reply)
    assert delivery.state == DeliveryState.FAILED
    assert "siti@example.com: 550 5.1.1 No such user here" in delivery.last_error


def test_recipients_refused_for_now_are_retried(
    email_ticket, agent, smtp_sink, django_capture_on_commit_callbacks
):
    smtp_sink.answer_rcpt = "450 4.2.1 Mailbox temporarily unavailable"

    reply = agent_reply(email_ticket, agent, django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get(desk_message=reply)
    assert (delivery.state, delivery.attempts) == (DeliveryState.QUEUED, 1)
    assert "450 4.2.1" in delivery.last_error


def test_a_server_that_is_down_is_retried(
    email_ticket, agent, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_PORT = closed_port()

    reply = agent_reply(email_ticket, agent, django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get(desk_message=reply)
    assert (delivery.state, delivery.attempts) == (DeliveryState.QUEUED, 1)
    assert "ConnectionRefusedError" in delivery.last_error


def test_a_broker_that_is_down_does_not_fail_the_reply(
    email_ticket, agent, smtp_sink, monkeypatch, settings, django_capture_on_commit_callbacks
):
    from karcis.messaging import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("broker at 127.0.0.1:6379 is down")

    settings.CELERY_TASK_ALWAYS_EAGER = False  # a broker is configured…
    monkeypatch.setattr(tasks.delivery_send_task, "delay", broker_down)  # …and down

    reply = agent_reply(email_ticket, agent, django_capture_on_commit_callbacks)

    # The reply is stored and queued; the periodic sweep sends it.
    delivery = Delivery.objects.get(desk_message=reply)
    assert delivery.state == DeliveryState.QUEUED
    assert outbound.deliveries_send_due() == 1
    assert len(smtp_sink.messages) == 1


def test_with_a_broker_the_job_sends_after_the_commit(
    email_ticket, agent, smtp_sink, monkeypatch, settings, django_capture_on_commit_callbacks
):
    from karcis.messaging import tasks

    queued = []
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(tasks.delivery_send_task, "delay", lambda *ids: queued.append(ids))

    reply = agent_reply(email_ticket, agent, django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get(desk_message=reply)
    assert queued == [(delivery.organisation_id, delivery.pk)]  # for a worker
    assert (delivery.state, smtp_sink.messages) == (DeliveryState.QUEUED, [])
    assert tasks.delivery_send_task(*queued[0]) == DeliveryState.SENT
    assert len(smtp_sink.messages) == 1


def test_a_delivery_that_no_longer_exists_is_nothing_to_send(org):
    from karcis.messaging.tasks import delivery_send_task

    assert outbound.delivery_send(delivery_id=987654) is None
    assert delivery_send_task(org.pk, 987654) == ""


def test_a_sweep_stops_at_a_server_that_is_down(
    email_ticket, agent, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # queued, not yet tried
        for text in ("Satu", "Dua", "Tiga"):
            desk_services.message_add(
                ticket=email_ticket, body=body_from(text=text), author_user=agent
            )
    settings.EMAIL_PORT = closed_port()

    assert outbound.deliveries_send_due() == 1

    attempts = list(
        Delivery.objects.filter(kind=DeliveryKind.REPLY)
        .order_by("id")
        .values_list("attempts", flat=True)
    )
    # The first tells us the server is down; the others keep their turn, untried.
    assert attempts == [1, 0, 0]


def test_sending_is_idempotent(email_ticket, agent, smtp_sink, django_capture_on_commit_callbacks):
    reply = agent_reply(email_ticket, agent, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(desk_message=reply)

    again = outbound.delivery_send(delivery_id=delivery.pk)

    assert again.state == DeliveryState.SENT
    assert again.attempts == 1
    assert len(smtp_sink.messages) == 1


def test_a_delivery_being_sent_is_not_claimed_twice(
    email_ticket, agent, smtp_sink, django_capture_on_commit_callbacks
):
    # Queued but not yet sent (its commit-time job is held back here).
    with django_capture_on_commit_callbacks(execute=False):
        reply = desk_services.message_add(
            ticket=email_ticket, body=body_from(text="Halo"), author_user=agent
        )
    delivery = Delivery.objects.get(desk_message=reply)
    claimed = outbound._claim(delivery.pk)
    assert claimed is not None

    # While the first sender talks to the server, nobody else takes it.
    assert outbound._claim(delivery.pk) is None
    assert outbound.deliveries_send_due() == 0
    assert smtp_sink.messages == []


def test_a_sender_that_crashed_is_replaced_after_the_lease_with_the_same_message(
    email_ticket, agent, smtp_sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        reply = desk_services.message_add(
            ticket=email_ticket, body=body_from(text="Halo"), author_user=agent
        )
    delivery = Delivery.objects.get(desk_message=reply)
    outbound._claim(delivery.pk)  # …and the process died here

    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    assert outbound.deliveries_send_due() == 1

    [envelope] = smtp_sink.messages
    assert envelope.message["Message-ID"] == f"<{delivery.message_id}>"


# --- automatic replies ------------------------------------------------------------------


def test_a_new_ticket_by_e_mail_gets_an_automatic_reply(
    mailbox, smtp_sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        inbound = services.inbound_receive(
            mailbox=mailbox, raw=email_bytes(sender=FROM_SITI), source="mailgate"
        )

    ticket = inbound.ticket
    [envelope] = smtp_sink.messages
    sent = envelope.message
    delivery = Delivery.objects.get(ticket=ticket)
    assert envelope.rcpt_tos == ["siti@example.com"]
    assert delivery.kind == DeliveryKind.AUTO_REPLY
    assert delivery.state == DeliveryState.SENT
    assert delivery.desk_message is None
    assert sent["Subject"] == f"[{ticket.number}] Internet mati sejak pagi"
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["X-Auto-Response-Suppress"] == "All"
    assert sent["In-Reply-To"] == "<a1@mail.example.com>"
    assert sent["References"] == "<a1@mail.example.com>"
    assert sent["Reply-To"] == addresses.reply_address(mailbox=mailbox, ticket=ticket)
    assert sent["From"] == "Bantuan <bantuan@nusantara.test>"
    text, html = parts(sent)
    for part in (text, html):
        assert "Halo Siti Aminah," in part
        assert "Permintaan Anda sudah kami terima." in part
        assert f"tercatat sebagai tiket {ticket.number}" in part
        assert "Pesan ini dikirim secara otomatis." in part
    assert f'href="{tracking_link_in(text, ticket)}"' in html
    assert EmailMessageId.objects.filter(
        value=delivery.message_id, ticket=ticket, direction=Direction.OUT
    ).exists()
    # The customer's first message is not marked as sent by us.
    assert Message.objects.get(ticket=ticket).delivery_state == ""


def test_the_automatic_reply_can_be_switched_off_per_mailbox(
    mailbox, smtp_sink, django_capture_on_commit_callbacks
):
    services.mailbox_update(mailbox=mailbox, auto_reply=False)

    with django_capture_on_commit_callbacks(execute=True):
        inbound = services.inbound_receive(mailbox=mailbox, raw=email_bytes(), source="mailgate")

    assert inbound.action == InboundAction.TICKET_CREATED
    assert smtp_sink.messages == []
    assert not Delivery.objects.exists()


def test_no_automatic_reply_to_an_automatic_message(
    mailbox, smtp_sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.inbound_receive(
            mailbox=mailbox,
            raw=email_bytes(Auto_Submitted="auto-replied", subject="Out of office"),
            source="mailgate",
        )

    assert smtp_sink.messages == []


def test_a_ticket_from_the_web_form_is_acknowledged_by_e_mail(
    org, mailbox, make_ticket, smtp_sink, django_capture_on_commit_callbacks
):
    org.language = "en"
    org.save(update_fields=["language"])

    # An address proven before (mail came from it) gets the full acknowledgement.
    requester = contact_resolve(
        organisation=org,
        name="Pelapor",
        email="pelapor@example.com",
        proven={"email"},
        proof=Verification.INBOUND,
    )
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(channel="web", requester=requester)

    [envelope] = smtp_sink.messages
    sent = envelope.message
    assert envelope.rcpt_tos == ["pelapor@example.com"]
    assert sent["Subject"] == f"[{ticket.number}] Tagihan bulan ini salah"
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["In-Reply-To"] is None
    text, _html = parts(sent)
    assert "Your request has been received." in text


def test_the_portal_form_acknowledges_by_e_mail_repeating_nothing_typed(
    client, org, mailbox, smtp_sink, django_capture_on_commit_callbacks
):
    # Given a visitor who types somebody's address, a name and a subject with a link
    org.language = "en"
    org.save(update_fields=["language"])
    form = {
        "name": "Menang hadiah http://spam.example",
        "email": "korban@example.com",
        "subject": "Klik http://spam.example/hadiah sekarang",
        "description": "Hadiah menunggu di http://spam.example",
        "website": "",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/portal/{org.slug}/new/", form)

    # Then the unproven address gets the number and our tracking link, and nothing typed
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    [envelope] = smtp_sink.messages
    assert envelope.rcpt_tos == ["korban@example.com"]
    assert envelope.message["Subject"] == f"[{ticket.number}] Your request has been received"
    assert "spam" not in envelope.message["To"] and "Menang" not in envelope.message["To"]
    text, html = parts(envelope.message)
    tracking_link_in(text, ticket)
    for typed in ("spam.example", "Menang", "Klik", "Hadiah"):
        assert typed not in text and typed not in html


def test_the_portal_form_acknowledges_a_proven_address_in_full(
    client, org, mailbox, smtp_sink, django_capture_on_commit_callbacks
):
    contact_resolve(
        organisation=org, email="andi@example.com", proven={"email"}, proof=Verification.INBOUND
    )
    form = {
        "name": "Andi Pratama",
        "email": "andi@example.com",
        "subject": "Listrik padam sejak pagi",
        "description": "Sejak jam 7 pagi listrik di rumah saya padam.",
        "website": "",
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/portal/{org.slug}/new/", form)

    ticket = Ticket.objects.get()
    [envelope] = smtp_sink.messages
    assert envelope.message["Subject"] == f"[{ticket.number}] Listrik padam sejak pagi"


def test_other_channels_are_not_acknowledged_here(mailbox, make_ticket, smtp_sink):
    ticket = make_ticket(channel="phone")

    assert outbound.ticket_acknowledge(ticket_id=ticket.pk, channel="phone") is None
    assert outbound.ticket_acknowledge(ticket_id=ticket.pk, channel="email") is None
    assert not Delivery.objects.exists()


def test_a_web_ticket_without_a_mailbox_is_not_acknowledged(make_ticket, smtp_sink):
    ticket = make_ticket(channel="web")

    assert Delivery.objects.count() == 0
    assert outbound.ticket_acknowledge(ticket_id=ticket.pk, channel="web") is None


def test_an_inactive_mailbox_sends_no_automatic_reply(mailbox, make_ticket, smtp_sink):
    services.mailbox_update(mailbox=mailbox, is_active=False)
    ticket = make_ticket(channel="email")

    assert outbound.auto_reply_queue(ticket=ticket, mailbox=mailbox) is None


# --- answers to what we sent thread back --------------------------------------------------


def test_an_answer_to_our_reply_threads_into_the_same_ticket(
    email_ticket, mailbox, agent, smtp_sink, django_capture_on_commit_callbacks
):
    agent_reply(email_ticket, agent, django_capture_on_commit_callbacks)
    ours = smtp_sink.messages[0].message

    answer = email_bytes(
        sender=FROM_SITI,
        subject="Masih belum bisa",  # the client dropped the subject and its tag
        message_id="<b2@mail.example.com>",
        In_Reply_To=ours["Message-ID"],
        References=f"<a1@mail.example.com> {ours['Message-ID']}",
    )
    with django_capture_on_commit_callbacks(execute=True):
        inbound = services.inbound_receive(mailbox=mailbox, raw=answer, source="mailgate")

    assert inbound.action == InboundAction.MESSAGE_ADDED
    assert inbound.ticket == email_ticket
    assert Ticket.objects.count() == 1
    # An answer from the customer is not acknowledged automatically.
    assert len(smtp_sink.messages) == 1


def test_the_reply_address_alone_threads_back(
    email_ticket, mailbox, agent, smtp_sink, django_capture_on_commit_callbacks
):
    agent_reply(email_ticket, agent, django_capture_on_commit_callbacks)
    reply_to = smtp_sink.messages[0].message["Reply-To"]

    answer = email_bytes(
        sender="Orang Lain <lain@example.org>",
        to=reply_to,
        subject="Tanpa nomor tiket",
        message_id="<c3@mail.example.org>",
    )
    with django_capture_on_commit_callbacks(execute=True):
        inbound = services.inbound_receive(
            mailbox=mailbox, raw=answer, source="lmtp", recipients=[reply_to]
        )

    assert inbound.action == InboundAction.MESSAGE_ADDED
    assert inbound.ticket == email_ticket


def test_the_next_reply_answers_the_customers_newest_message(
    email_ticket, mailbox, agent, smtp_sink, django_capture_on_commit_callbacks
):
    agent_reply(email_ticket, agent, django_capture_on_commit_callbacks)
    first = smtp_sink.messages[0].message
    answer = email_bytes(
        sender=FROM_SITI,
        subject=f"Re: {first['Subject']}",
        message_id="<b2@mail.example.com>",
        In_Reply_To=first["Message-ID"],
    )
    services.inbound_receive(mailbox=mailbox, raw=answer, source="mailgate")
    smtp_sink.clear()

    agent_reply(email_ticket, agent, django_capture_on_commit_callbacks, text="Sudah beres")

    second = smtp_sink.messages[0].message
    assert second["In-Reply-To"] == "<b2@mail.example.com>"
    references = ids(second["References"])
    assert references[0] == "<a1@mail.example.com>"
    assert references[-2:] == [first["Message-ID"], "<b2@mail.example.com>"]


# --- settings ---------------------------------------------------------------------------


def test_smtp_url_with_starttls():
    assert smtp_settings("smtp://bantuan%40dinas.go.id:p%40ss@mail.dinas.go.id:587?starttls=1") == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "mail.dinas.go.id",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "bantuan@dinas.go.id",
        "EMAIL_HOST_PASSWORD": "p@ss",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
    }


def test_smtps_url_defaults_to_port_465():
    values = smtp_settings("smtps://user:secret@smtp.example.co.id")
    assert (values["EMAIL_PORT"], values["EMAIL_USE_SSL"], values["EMAIL_USE_TLS"]) == (
        465,
        True,
        False,
    )


def test_plain_smtp_url_without_credentials():
    values = smtp_settings("smtp://127.0.0.1:2525")
    assert (values["EMAIL_HOST"], values["EMAIL_PORT"], values["EMAIL_HOST_USER"]) == (
        "127.0.0.1",
        2525,
        "",
    )
    assert not values["EMAIL_USE_TLS"]


@pytest.mark.parametrize(
    "url",
    [
        "http://mail.example.com",
        "smtp://",
        "smtps://mail.example.com:465?starttls=1",
        "smtp://mail.example.com:notaport",
    ],
)
def test_a_wrong_smtp_url_is_refused_clearly(url):
    with pytest.raises(ImproperlyConfigured):
        smtp_settings(url)


# --- the solved notice ------------------------------------------------------------------


def test_solving_without_a_reply_tells_the_requester_and_a_reply_reopens(
    email_ticket, mailbox, agent, smtp_sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        desk_services.ticket_update(ticket=email_ticket, actor=agent, status=Status.SOLVED)

    [envelope] = smtp_sink.messages
    sent = envelope.message
    assert sorted(envelope.rcpt_tos) == ["rudi@example.com", "siti@example.com"]
    assert sent["Subject"] == f"Re: [{email_ticket.number}] Internet mati sejak pagi"
    assert sent["In-Reply-To"] == "<a1@mail.example.com>"
    assert sent["Reply-To"] == addresses.reply_address(mailbox=mailbox, ticket=email_ticket)
    text, _html = parts(sent)
    assert f"Tiket {email_ticket.number}" in text and "sudah kami tandai selesai" in text
    tracking_link_in(text, email_ticket)
    notice = Delivery.objects.get(kind=DeliveryKind.NOTIFICATION)
    assert notice.state == DeliveryState.SENT

    # the requester answers the notice: the same ticket opens again
    answer = email_bytes(
        sender=FROM_SITI,
        subject=f"Re: [{email_ticket.number}] Internet mati sejak pagi",
        text="Maaf, ternyata masih mati.",
        message_id="<a9@mail.example.com>",
        In_Reply_To=f"<{notice.message_id}>",
    )
    inbound = services.inbound_receive(mailbox=mailbox, raw=answer, source="mailgate")
    email_ticket.refresh_from_db()
    assert inbound.ticket == email_ticket
    assert email_ticket.status == Status.OPEN


def test_a_reply_that_solves_is_the_only_mail(
    email_ticket, agent, smtp_sink, django_capture_on_commit_callbacks
):
    agent_reply(email_ticket, agent, django_capture_on_commit_callbacks, status=Status.SOLVED)

    assert len(smtp_sink.messages) == 1
    assert not Delivery.objects.filter(kind=DeliveryKind.NOTIFICATION).exists()
    text, _html = parts(smtp_sink.messages[0].message)
    assert "status: Selesai" in text


def test_the_automatic_replys_fate_shows_in_the_tickets_history(email_ticket, agent, client):
    client.force_login(agent)
    page = client.get(f"/desk/tickets/{email_ticket.number}/", HTTP_ACCEPT_LANGUAGE="id")

    assert "Balasan otomatis terkirim lewat e-mail ke siti@example.com, rudi@example.com" not in (
        page.content.decode()
    )  # the automatic reply goes to the requester alone
    assert "Balasan otomatis terkirim lewat e-mail ke siti@example.com" in page.content.decode()
