"""The SMTP/LMTP receiving server, in real sessions: smtplib talks to `MailServerThread` on a
free port of 127.0.0.1, and the server writes to the test database from its own threads
(hence transactional tests)."""

import asyncio
import smtplib
import threading

import pytest
from aiosmtpd.smtp import Envelope
from django.db import OperationalError, connection

from conftest import email_bytes as lf_email_bytes
from karcis.desk.models import Ticket
from karcis.messaging import mailserver, services
from karcis.messaging.addresses import reply_address
from karcis.messaging.mailserver import MailServerThread
from karcis.messaging.models import InboundEmail

pytestmark = pytest.mark.django_db(transaction=True)

SENDER = "siti@example.com"
MAILBOX = "bantuan@nusantara.test"


@pytest.fixture
def mail_server(monkeypatch):
    """mail_server(lmtp=False) starts a server (1 processing worker); all stop afterwards.

    Processing threads wait until the test calls processed(server): SQLite's shared in-memory
    test database refuses a write while another connection writes ("table is locked")
    instead of waiting, as a real database file does.
    """
    servers = []
    go = threading.Event()
    real_process_waiting = mailserver._process_waiting

    def process_when_told():
        go.wait(30)
        return real_process_waiting()

    monkeypatch.setattr(mailserver, "_process_waiting", process_when_told)

    def start(*, lmtp: bool = False, processes: bool = False) -> MailServerThread:
        server = MailServerThread(lmtp=lmtp, workers=1, processes=processes)
        server.start()
        server.go = go
        servers.append(server)
        return server

    yield start
    go.set()
    for server in servers:
        server.stop()


@pytest.fixture
def other_mailbox(other_org):
    return services.mailbox_create(organisation=other_org, address="layanan@lain.test")


def email_bytes(**fields) -> bytes:
    """A message as an MTA puts it on the wire: CRLF line ends (stored byte for byte)."""
    return lf_email_bytes(**fields).replace(b"\n", b"\r\n")


def smtp_client(server: MailServerThread) -> smtplib.SMTP:
    return smtplib.SMTP("127.0.0.1", server.port, timeout=10)


def lmtp_client(server: MailServerThread) -> smtplib.LMTP:
    return smtplib.LMTP("127.0.0.1", server.port, timeout=10)


def lmtp_send(client: smtplib.LMTP, raw: bytes, recipients: list[str]) -> list[tuple[int, bytes]]:
    """One LMTP transaction; the DATA answers, one per accepted recipient (smtplib reads
    only the first by itself)."""
    client.ehlo_or_helo_if_needed()
    assert client.mail(SENDER)[0] == 250
    accepted = [r for r in recipients if client.rcpt(r)[0] == 250]
    replies = [client.data(raw)]
    replies += [client.getreply() for _more in accepted[1:]]
    return replies


def processed(server: MailServerThread) -> None:
    """Let the server process what it stored, and wait until it has."""
    server.go.set()
    assert server.handler.wait_processed(timeout=30)
    server.go.clear()


def test_smtp_message_is_stored_and_becomes_a_ticket(mailbox, mail_server):
    server = mail_server()
    raw = email_bytes()
    with smtp_client(server) as client:
        refused = client.sendmail(SENDER, [MAILBOX], raw)
    assert refused == {}
    processed(server)

    inbound = InboundEmail.objects.get()
    assert (inbound.source, inbound.mailbox, bytes(inbound.raw)) == ("smtp", mailbox, raw)
    assert inbound.envelope_recipients == [MAILBOX]
    assert (inbound.state, inbound.action) == ("processed", "ticket_created")
    assert inbound.ticket.subject == "Internet mati sejak pagi"


def test_the_message_is_committed_before_the_server_answers_250(mailbox, mail_server):
    server = mail_server()
    # When the server has said 250 (processing has not been let go yet)
    with smtp_client(server) as client:
        client.sendmail(SENDER, [MAILBOX], email_bytes())
    # Then the message is in the database, waiting, before any processing happened
    assert InboundEmail.objects.get().state == "pending"
    assert Ticket.objects.count() == 0
    processed(server)
    assert InboundEmail.objects.get().state == "processed"


def test_ehlo_advertises_the_size_limit(mailbox, mail_server, settings):
    settings.KARCIS_MAIL_MAX_BYTES = 5000
    server = mail_server()
    with smtp_client(server) as client:
        client.ehlo()
        assert client.esmtp_features["size"] == "5000"


def test_unknown_recipient_is_refused_with_550(mailbox, mail_server):
    server = mail_server()
    with smtp_client(server) as client, pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        client.sendmail(SENDER, ["nobody@nusantara.test"], email_bytes())
    code, reply = refused.value.recipients["nobody@nusantara.test"]
    assert (code, reply) == (550, b"5.1.1 No such mailbox here")
    assert InboundEmail.objects.count() == 0


def test_an_inactive_mailbox_receives_nothing(mailbox, mail_server):
    services.mailbox_update(mailbox=mailbox, is_active=False)
    server = mail_server()
    with smtp_client(server) as client:
        client.ehlo()
        client.mail(SENDER)
        assert client.rcpt(MAILBOX)[0] == 550


def test_a_reply_address_reaches_its_mailbox_and_ticket(mailbox, mail_server, make_ticket):
    ticket = make_ticket()
    address = reply_address(mailbox=mailbox, ticket=ticket)
    server = mail_server()
    raw = email_bytes(to=address, subject="Re: Tagihan", message_id="<r1@mail.example.com>")
    with smtp_client(server) as client:
        client.sendmail(SENDER, [address.upper()], raw)
    processed(server)

    inbound = InboundEmail.objects.get()
    assert inbound.mailbox == mailbox
    assert (inbound.action, inbound.ticket) == ("message_added", ticket)


def test_a_message_over_the_size_limit_is_refused_with_552(mailbox, mail_server, settings):
    settings.KARCIS_MAIL_MAX_BYTES = 2000
    server = mail_server()
    big = email_bytes(text="Lampiran panjang. " * 400)
    assert len(big) > 2000
    # A client that declares the size is refused at MAIL FROM…
    with smtp_client(server) as client, pytest.raises(smtplib.SMTPSenderRefused) as refused:
        client.sendmail(SENDER, [MAILBOX], big)
    assert refused.value.smtp_code == 552
    # …and one that does not, after the data.
    with smtp_client(server) as client:
        client.ehlo()
        client.mail(SENDER)
        client.rcpt(MAILBOX)
        code, _reply = client.data(big)
    assert code == 552
    assert InboundEmail.objects.count() == 0


def test_the_same_message_twice_is_stored_once_and_makes_one_ticket(mailbox, mail_server):
    server = mail_server()
    raw = email_bytes()
    for _delivery in range(2):
        with smtp_client(server) as client:
            assert client.sendmail(SENDER, [MAILBOX], raw) == {}
        processed(server)
    assert InboundEmail.objects.count() == 1
    assert Ticket.objects.count() == 1


def test_a_database_failure_answers_451_and_stores_nothing(mailbox, mail_server, monkeypatch):
    def outage(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(services, "inbound_store", outage)
    server = mail_server()
    raw = email_bytes()
    with smtp_client(server) as client, pytest.raises(smtplib.SMTPDataError) as failed:
        client.sendmail(SENDER, [MAILBOX], raw)
    assert (failed.value.smtp_code, failed.value.smtp_error) == (451, b"4.3.0 Try again later")
    assert InboundEmail.objects.count() == 0

    # The sending MTA tries again once the database is back: the message arrives.
    monkeypatch.undo()
    with smtp_client(server) as client:
        assert client.sendmail(SENDER, [MAILBOX], raw) == {}
    processed(server)
    assert InboundEmail.objects.get().state == "processed"


def test_smtp_stores_for_every_mailbox_or_for_none(
    mailbox, other_mailbox, mail_server, monkeypatch
):
    # Given a database that fails while storing for the second mailbox
    real_store = services.inbound_store

    def second_fails(*, mailbox, **kwargs):
        if mailbox.address == "layanan@lain.test":
            raise OperationalError("server closed the connection")
        return real_store(mailbox=mailbox, **kwargs)

    monkeypatch.setattr(services, "inbound_store", second_fails)
    server = mail_server()
    with smtp_client(server) as client, pytest.raises(smtplib.SMTPDataError) as failed:
        client.sendmail(SENDER, [MAILBOX, "layanan@lain.test"], email_bytes())
    # Then one answer, 451, and the first mailbox's copy is not left behind
    assert failed.value.smtp_code == 451
    assert InboundEmail.objects.count() == 0


def test_lmtp_answers_once_per_recipient(mailbox, other_mailbox, mail_server):
    server = mail_server(lmtp=True)
    raw = email_bytes(to="bantuan@nusantara.test, layanan@lain.test")
    with lmtp_client(server) as client:
        replies = lmtp_send(client, raw, [MAILBOX, "nobody@lain.test", "layanan@lain.test"])
    processed(server)

    assert [code for code, _text in replies] == [250, 250]
    stored = {i.mailbox.address: i for i in InboundEmail.objects.select_related("mailbox")}
    assert set(stored) == {MAILBOX, "layanan@lain.test"}
    assert {i.source for i in stored.values()} == {"lmtp"}
    assert stored["layanan@lain.test"].envelope_recipients == ["layanan@lain.test"]
    # Each organisation got its own ticket.
    assert stored[MAILBOX].ticket.organisation != stored["layanan@lain.test"].ticket.organisation


def test_lmtp_reports_a_failure_for_its_recipient_only(
    mailbox, other_mailbox, mail_server, monkeypatch
):
    real_store = services.inbound_store

    def first_fails(*, mailbox, **kwargs):
        if mailbox.address == MAILBOX:
            raise OperationalError("deadlock detected")
        return real_store(mailbox=mailbox, **kwargs)

    monkeypatch.setattr(services, "inbound_store", first_fails)
    server = mail_server(lmtp=True)
    with lmtp_client(server) as client:
        replies = lmtp_send(client, email_bytes(), [MAILBOX, "layanan@lain.test"])
    processed(server)

    assert [code for code, _text in replies] == [451, 250]
    assert [i.mailbox.address for i in InboundEmail.objects.all()] == ["layanan@lain.test"]


def test_lmtp_two_addresses_of_one_mailbox_store_one_message(mailbox, mail_server, make_ticket):
    ticket = make_ticket()
    address = reply_address(mailbox=mailbox, ticket=ticket)
    server = mail_server(lmtp=True)
    with lmtp_client(server) as client:
        replies = lmtp_send(client, email_bytes(), [MAILBOX, address])
    processed(server)

    assert [code for code, _text in replies] == [250, 250]
    inbound = InboundEmail.objects.get()
    assert inbound.envelope_recipients == [MAILBOX, address.lower()]
    assert inbound.ticket == ticket


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="worker processes cannot share an in-memory database"
)
def test_worker_processes_process_what_the_server_stored(mailbox, mail_server):
    server = mail_server(lmtp=True, processes=True)
    with lmtp_client(server) as client:
        replies = [
            lmtp_send(client, email_bytes(message_id=f"<p{n}@x.test>"), [MAILBOX]) for n in range(3)
        ]
    processed(server)

    assert [reply[0][0] for reply in replies] == [250, 250, 250]
    assert (
        sorted(InboundEmail.objects.values_list("state", "action"))
        == [("processed", "ticket_created")] * 3
    )


def test_a_message_that_arrives_while_the_server_stops_is_deferred_not_refused(mailbox):
    # A session still open when the server stops: its message must get 4xx (the MTA keeps
    # it), never 5xx (the MTA would bounce it to the sender).
    handler = mailserver.MailIntake(lmtp=True, workers=0)
    handler.shutdown()
    envelope = Envelope()
    envelope.rcpt_tos.append(MAILBOX)
    envelope.karcis_mailboxes = {MAILBOX: mailbox}
    envelope.original_content = email_bytes()

    reply = asyncio.run(handler.handle_DATA(None, None, envelope))

    assert reply == mailserver.REPLY_TRY_LATER
    assert not InboundEmail.objects.exists()
