"""Polling mailboxes over IMAP, against a real Dovecot on 127.0.0.1 (the `dovecot` fixture).

Each test gets its own Dovecot user, so the mail one test delivers is never seen by another.
"""

import imaplib
import os
import signal
import socket
import threading
import time
from contextlib import closing
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone, translation
from django_scopes import scopes_disabled

from conftest import email_bytes
from karcis.core import services as core_services
from karcis.desk.models import Ticket
from karcis.messaging import imap, services
from karcis.messaging.models import (
    Delivery,
    DeliveryKind,
    InboundAction,
    InboundEmail,
    InboundSource,
    InboundState,
)
from tests.mailservers.dovecot import MailUser

pytestmark = pytest.mark.django_db


def mail(n: int, *, text: str = "") -> bytes:
    """Message number n as it travels (CRLF line ends, as IMAP stores and returns it)."""
    return email_bytes(
        sender=f"Warga {n} <warga{n}@example.com>",
        subject=f"Laporan nomor {n}",
        text=text or f"Isi laporan nomor {n}.",
        message_id=f"<laporan-{n}@example.com>",
    ).replace(b"\n", b"\r\n")


@pytest.fixture
def trust_dovecot(settings, dovecot):
    """Verify the test server's certificate against its own CA file (verification on)."""
    settings.KARCIS_IMAP_CA_FILE = str(dovecot.cert_file)


@pytest.fixture
def english_org(org):
    """The organisation reads its mailboxes' errors in English, as the assertions do."""
    org.language = "en"
    org.save(update_fields=["language"])
    return org


@pytest.fixture
def imap_mailbox(english_org, dovecot, imap_user, trust_dovecot):
    """make(...) -> a mailbox polling a Dovecot user over IMAPS unless told otherwise."""
    count = 0

    def make(*, user: MailUser = imap_user, security="ssl", port=None, **fields):
        nonlocal count
        count += 1
        defaults = {
            "imap_host": dovecot.host,
            "imap_port": port or (dovecot.imaps_port if security == "ssl" else dovecot.imap_port),
            "imap_security": security,
            "imap_username": user.name,
            "imap_password": user.password,
        }
        return services.mailbox_create(
            organisation=fields.pop("organisation", english_org),
            address=fields.pop("address", f"kotak{count}@nusantara.test"),
            name=f"Kotak {count}",
            **(defaults | fields),
        )

    return make


def poll(mailbox) -> imap.PollResult:
    result = imap.mailbox_poll(mailbox_id=mailbox.pk)
    mailbox.refresh_from_db()
    return result


def unused_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- fetching ---------------------------------------------------------------------------


def test_new_mail_becomes_tickets_and_stays_unread_on_the_server(dovecot, imap_user, imap_mailbox):
    # given two messages waiting in the INBOX
    first = dovecot.append(imap_user, mail(1))
    second = dovecot.append(imap_user, mail(2))
    mailbox = imap_mailbox()

    result = poll(mailbox)

    assert result == imap.PollResult(fetched=2, stored=2, duplicates=0, error="")
    inbound = list(InboundEmail.objects.filter(mailbox=mailbox).order_by("id"))
    assert [bytes(row.raw) for row in inbound] == [mail(1), mail(2)]
    assert {row.source for row in inbound} == {InboundSource.IMAP}
    assert {row.state for row in inbound} == {InboundState.PROCESSED}
    assert {row.action for row in inbound} == {InboundAction.TICKET_CREATED}
    tickets = Ticket.objects.filter(organisation=mailbox.organisation).order_by("id")
    assert [t.subject for t in tickets] == ["Laporan nomor 1", "Laporan nomor 2"]
    assert [t.requester.email for t in tickets] == ["warga1@example.com", "warga2@example.com"]
    # the resume point and the poll's outcome are kept on the mailbox
    assert mailbox.imap_last_uid == second > first
    assert mailbox.imap_uidvalidity == dovecot.uidvalidity(imap_user)
    assert mailbox.last_polled_at is not None
    assert mailbox.last_error == ""
    # read-only: the people who read this mailbox still see the mail as new
    with dovecot.session(imap_user) as client:
        client.select("INBOX", readonly=True)
        _status, flags = client.uid("FETCH", f"{first}:{second}", "(FLAGS)")
    assert b"\\Seen" not in b" ".join(flags)


def test_a_newly_connected_mailbox_reads_only_its_recent_mail(
    dovecot, imap_user, imap_mailbox, settings
):
    # given a mailbox with years of history and one message from this morning
    settings.KARCIS_IMAP_BACKFILL_DAYS = 7
    long_ago = timezone.now() - timedelta(days=400)
    dovecot.append(imap_user, mail(1), arrived=long_ago)
    dovecot.append(imap_user, mail(2), arrived=timezone.now() - timedelta(days=30))
    recent = dovecot.append(imap_user, mail(3))
    mailbox = imap_mailbox()

    result = poll(mailbox)

    # then only this morning's message becomes a ticket, and polling goes on from there
    assert (result.fetched, result.stored) == (1, 1)
    assert [t.subject for t in Ticket.objects.filter(organisation=mailbox.organisation)] == [
        "Laporan nomor 3"
    ]
    assert mailbox.imap_last_uid == recent


def test_a_newly_connected_mailbox_with_only_old_mail_starts_after_it(
    dovecot, imap_user, imap_mailbox
):
    old = dovecot.append(imap_user, mail(1), arrived=timezone.now() - timedelta(days=90))
    mailbox = imap_mailbox()

    assert poll(mailbox) == imap.PollResult()
    assert mailbox.imap_last_uid == old
    newer = dovecot.append(imap_user, mail(2))
    assert poll(mailbox).stored == 1
    assert mailbox.imap_last_uid == newer


def test_arrival_and_history_come_from_the_server_not_the_date_header(
    dovecot, imap_user, imap_mailbox
):
    # given, before the mailbox is connected, a message that arrived two days ago but whose
    # sender's clock says today, and one from this morning
    two_days_ago = (timezone.now() - timedelta(days=2)).replace(microsecond=0)
    dovecot.append(imap_user, mail(1), arrived=two_days_ago)
    dovecot.append(imap_user, mail(2), arrived=timezone.now() - timedelta(hours=1))
    mailbox = imap_mailbox()

    poll(mailbox)

    # then both are stored with their arrival by the server's word, as the mailbox's
    # history: tickets, but no automatic reply
    rows = list(InboundEmail.objects.filter(mailbox=mailbox).order_by("id"))
    assert rows[0].arrived_at == two_days_ago
    assert all(row.backfill for row in rows)
    assert Ticket.objects.filter(organisation=mailbox.organisation).count() == 2
    assert not Delivery.objects.filter(kind=DeliveryKind.AUTO_REPLY).exists()

    # when a message arrives after the mailbox was connected, from a phone whose clock is
    # years behind
    dovecot.append(
        imap_user,
        email_bytes(
            sender="hp@example.com",
            message_id="<jam-salah@example.com>",
            Date="Thu, 01 Jan 2009 07:00:00 +0700",
        ).replace(b"\n", b"\r\n"),
    )
    poll(mailbox)

    # then it is acknowledged
    newest = InboundEmail.objects.filter(mailbox=mailbox).latest("id")
    assert not newest.backfill
    assert abs(newest.arrived_at - timezone.now()) < timedelta(minutes=5)
    auto_replies = Delivery.objects.filter(kind=DeliveryKind.AUTO_REPLY)
    assert [d.to for d in auto_replies] == [["hp@example.com"]]


def test_mail_that_reached_the_server_long_before_a_poll_gets_no_automatic_reply(
    dovecot, imap_user, imap_mailbox
):
    # given a connected mailbox whose polling was down for three days
    mailbox = imap_mailbox()
    poll(mailbox)
    dovecot.append(imap_user, mail(1), arrived=timezone.now() - timedelta(days=3))

    poll(mailbox)

    assert Ticket.objects.filter(organisation=mailbox.organisation).count() == 1
    assert not InboundEmail.objects.get(mailbox=mailbox).backfill
    assert not Delivery.objects.filter(kind=DeliveryKind.AUTO_REPLY).exists()


def test_a_second_poll_fetches_nothing(dovecot, imap_user, imap_mailbox):
    dovecot.append(imap_user, mail(1))
    mailbox = imap_mailbox()
    poll(mailbox)

    result = poll(mailbox)

    assert result == imap.PollResult()
    assert InboundEmail.objects.filter(mailbox=mailbox).count() == 1


def test_only_mail_that_arrived_after_the_last_poll_is_fetched(dovecot, imap_user, imap_mailbox):
    dovecot.append(imap_user, mail(1))
    mailbox = imap_mailbox()
    poll(mailbox)
    newest = dovecot.append(imap_user, mail(2))

    result = poll(mailbox)

    assert result == imap.PollResult(fetched=1, stored=1)
    assert mailbox.imap_last_uid == newest
    assert InboundEmail.objects.filter(mailbox=mailbox).count() == 2
    assert Ticket.objects.count() == 2


def test_a_poll_that_dies_half_way_resumes_where_it_stopped(
    dovecot, imap_user, imap_mailbox, monkeypatch
):
    uids = [dovecot.append(imap_user, mail(n)) for n in range(1, 5)]
    mailbox = imap_mailbox()
    real_store = services.inbound_store
    calls = 0

    def store_then_crash(**kwargs):
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("disk full")
        return real_store(**kwargs)

    # when storing the third message fails
    monkeypatch.setattr(services, "inbound_store", store_then_crash)
    result = poll(mailbox)

    # then the first two are stored (and made tickets), and polling resumes after them
    assert (result.fetched, result.stored) == (2, 2)
    assert "disk full" in result.error
    assert "disk full" in mailbox.last_error
    assert mailbox.imap_last_uid == uids[1]
    assert Ticket.objects.count() == 2

    # when the next poll runs normally
    monkeypatch.setattr(services, "inbound_store", real_store)
    result = poll(mailbox)

    # then it fetches exactly the rest
    assert result == imap.PollResult(fetched=2, stored=2, duplicates=0)
    assert mailbox.imap_last_uid == uids[3]
    assert mailbox.last_error == ""
    subjects = sorted(Ticket.objects.values_list("subject", flat=True))
    assert subjects == [f"Laporan nomor {n}" for n in range(1, 5)]


def test_a_long_backlog_is_fetched_over_several_polls(
    dovecot, imap_user, imap_mailbox, monkeypatch
):
    # given a poll whose time is up after its first batch of one message
    uids = [dovecot.append(imap_user, mail(n)) for n in (1, 2, 3)]
    mailbox = imap_mailbox()
    monkeypatch.setattr(imap, "BATCH_SIZE", 1)
    monkeypatch.setattr(imap, "TIME_BUDGET", 0)

    results = [poll(mailbox) for _ in range(4)]

    # then each poll makes progress and says nothing is wrong
    assert results == [imap.PollResult(fetched=1, stored=1)] * 3 + [imap.PollResult()]
    assert mailbox.imap_last_uid == uids[2]
    assert mailbox.last_error == ""


def test_a_refused_fetch_stops_the_poll_before_later_messages(
    dovecot, imap_user, imap_mailbox, monkeypatch
):
    # given two messages fetched one per batch, and a server that refuses the first FETCH
    uids = [dovecot.append(imap_user, mail(n)) for n in (1, 2)]
    mailbox = imap_mailbox()
    monkeypatch.setattr(imap, "BATCH_SIZE", 1)
    real_uid, refused = imaplib.IMAP4.uid, []

    def refuse_first_body_fetch(client, command, *args):
        if command == "FETCH" and "BODY.PEEK[]" in args[-1] and not refused:
            refused.append(args)
            return "NO", [b"[SERVERBUG] Internal error occurred."]
        return real_uid(client, command, *args)

    monkeypatch.setattr(imaplib.IMAP4, "uid", refuse_first_body_fetch)
    result = poll(mailbox)

    # then the second message is not stored ahead of the first one
    assert result.fetched == 0
    assert "SERVERBUG" in result.error
    assert mailbox.imap_last_uid == 0
    # and the next poll gets both
    assert poll(mailbox) == imap.PollResult(fetched=2, stored=2)
    assert mailbox.imap_last_uid == uids[1]


def test_a_new_uidvalidity_fetches_the_folder_again_without_duplicates(
    dovecot, imap_user, imap_mailbox
):
    # given a folder (with a space in its name) polled up to its third message
    folder = "Pengaduan Warga"
    dovecot.folder_create(imap_user, folder)
    for n in (1, 2, 3):
        dovecot.append(imap_user, mail(n), folder=folder)
    mailbox = imap_mailbox(imap_folder=folder)
    assert poll(mailbox).stored == 3
    old_uidvalidity, old_last_uid = mailbox.imap_uidvalidity, mailbox.imap_last_uid

    # when the folder is rebuilt on the server: two old messages and a new one, which
    # now carry UIDs 1-3, at or below the old resume point
    new_uidvalidity = dovecot.folder_recreate(imap_user, folder)
    uids = [dovecot.append(imap_user, mail(n), folder=folder) for n in (1, 2, 4)]
    assert new_uidvalidity != old_uidvalidity
    assert max(uids) <= old_last_uid

    result = poll(mailbox)

    # then everything is read again, only the new message is stored
    assert result == imap.PollResult(fetched=3, stored=1, duplicates=2)
    assert mailbox.imap_uidvalidity == new_uidvalidity
    assert mailbox.imap_last_uid == max(uids)
    assert InboundEmail.objects.filter(mailbox=mailbox).count() == 4
    assert Ticket.objects.count() == 4


def test_a_stored_but_unprocessed_message_is_processed_when_fetched_again(
    dovecot, imap_user, imap_mailbox
):
    # a message stored by an earlier run that died before processing it
    dovecot.append(imap_user, mail(1))
    mailbox = imap_mailbox()
    services.inbound_store(mailbox=mailbox, raw=mail(1), source="imap")

    result = poll(mailbox)

    assert result == imap.PollResult(fetched=1, duplicates=1)
    inbound = InboundEmail.objects.get(mailbox=mailbox)
    assert inbound.state == InboundState.PROCESSED
    assert inbound.ticket is not None


def test_mail_over_the_size_limit_stays_on_the_server_and_is_reported(
    dovecot, imap_user, imap_mailbox, settings
):
    settings.KARCIS_MAIL_MAX_BYTES = 2 * 2**20
    dovecot.append(imap_user, mail(1))
    big = dovecot.append(imap_user, mail(2, text="y" * (3 * 2**20)))
    dovecot.append(imap_user, mail(3))
    mailbox = imap_mailbox()

    result = poll(mailbox)

    assert (result.fetched, result.stored) == (2, 2)
    assert f"UID {big} (3 MB)" in result.error
    assert "2 MB" in mailbox.last_error
    assert sorted(InboundEmail.objects.values_list("subject", flat=True)) == [
        "Laporan nomor 1",
        "Laporan nomor 3",
    ]
    # the next poll does not trip over it again
    assert poll(mailbox) == imap.PollResult()


# --- connection security and login ------------------------------------------------------


@pytest.mark.parametrize("security", ["ssl", "starttls", "none"])
def test_each_connection_security_fetches_mail(dovecot, imap_user, imap_mailbox, security):
    dovecot.append(imap_user, mail(1))
    mailbox = imap_mailbox(security=security)

    assert poll(mailbox) == imap.PollResult(fetched=1, stored=1)


def test_a_certificate_the_system_does_not_trust_is_refused(
    dovecot, imap_user, imap_mailbox, settings
):
    # without the test CA, the self-signed certificate must fail verification
    settings.KARCIS_IMAP_CA_FILE = ""
    dovecot.append(imap_user, mail(1))
    mailbox = imap_mailbox(security="ssl")

    result = poll(mailbox)

    assert result.fetched == 0
    assert "certificate" in mailbox.last_error
    assert "could not be verified" in mailbox.last_error
    assert InboundEmail.objects.count() == 0


def test_starttls_with_an_untrusted_certificate_is_refused_too(
    dovecot, imap_user, imap_mailbox, settings
):
    settings.KARCIS_IMAP_CA_FILE = ""
    mailbox = imap_mailbox(security="starttls")

    poll(mailbox)

    assert "could not be verified" in mailbox.last_error


def test_ssl_on_the_plain_port_says_what_to_check(imap_mailbox, dovecot):
    mailbox = imap_mailbox(security="ssl", port=dovecot.imap_port)

    result = poll(mailbox)

    assert "TLS" in result.error
    assert "port" in result.error


def test_a_password_with_non_ascii_characters_logs_in(dovecot, imap_mailbox):
    user = dovecot.user_create(password="kunci-rahasia-é")
    dovecot.append(user, mail(1))
    mailbox = imap_mailbox(user=user)

    assert poll(mailbox) == imap.PollResult(fetched=1, stored=1)


def test_a_missing_folder_is_named_in_the_error(imap_mailbox):
    mailbox = imap_mailbox(imap_folder="Tidak Ada")

    result = poll(mailbox)

    assert "“Tidak Ada”" in result.error
    assert mailbox.last_error == result.error


def test_errors_are_in_the_organisations_language(imap_mailbox, english_org):
    mailbox = imap_mailbox(imap_password="salah")
    refused = "The IMAP server refused the user name or password (%(error)s)."
    server_says = {"error": "[AUTHENTICATIONFAILED] Authentication failed."}

    for language, active in (("id", "en"), ("en", "id")):
        english_org.language = language
        english_org.save(update_fields=["language"])
        # whatever language the process happens to be in
        with translation.override(active):
            poll(mailbox)

        with translation.override(language):
            assert mailbox.last_error == translation.gettext(refused) % server_says


# --- failures never raise ---------------------------------------------------------------


def test_a_closed_port_is_recorded_quickly(imap_mailbox):
    mailbox = imap_mailbox(security="none", port=unused_port())
    started = time.monotonic()

    result = poll(mailbox)

    assert time.monotonic() - started < 3
    assert result.fetched == 0
    assert "refused the connection" in result.error
    assert mailbox.last_error == result.error
    assert mailbox.last_polled_at is not None


def test_a_success_clears_the_last_error(dovecot, imap_user, imap_mailbox):
    mailbox = imap_mailbox(imap_password="salah")
    poll(mailbox)
    assert mailbox.last_error

    services.mailbox_update(mailbox=mailbox, imap_password=imap_user.password)
    poll(mailbox)

    assert mailbox.last_error == ""


def test_a_mailbox_that_does_not_exist_is_an_error_not_an_exception():
    result = imap.mailbox_poll(mailbox_id=987654)

    assert result.error
    assert result.fetched == 0


# --- all mailboxes at once (threads: each uses its own database connection) -------------


@pytest.fixture
def committed_org(transactional_db):
    """An organisation committed to the database, visible to the polling threads."""
    with scopes_disabled():
        return core_services.organisation_create(
            name="Dinas Komunikasi", slug="diskominfo", ticket_prefix="DKI", language="en"
        )


def hanging_server(stop: threading.Event) -> int:
    """A port that accepts connections and never says a word (a stuck server)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.1)
    held = []

    def serve():
        with listener:
            while not stop.is_set():
                try:
                    held.append(listener.accept()[0])
                except TimeoutError:
                    continue
            for connection in held:
                connection.close()

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]


@pytest.fixture
def stuck_port():
    stop = threading.Event()
    yield hanging_server(stop)
    stop.set()


def test_a_failing_mailbox_does_not_stop_the_others(dovecot, imap_mailbox, committed_org):
    # given a mailbox with a wrong password, one that works, and two not to poll
    good_user, other_user = dovecot.user_create(), dovecot.user_create()
    dovecot.append(good_user, mail(1))
    dovecot.append(other_user, mail(2))
    wrong = imap_mailbox(organisation=committed_org, user=good_user, imap_password="salah")
    good = imap_mailbox(organisation=committed_org, user=good_user)
    inactive = imap_mailbox(organisation=committed_org, user=other_user, is_active=False)
    without_imap = services.mailbox_create(
        organisation=committed_org, address="loket@diskominfo.test", name="Loket"
    )

    # one at a time: SQLite's in-memory test database cannot take writers from several
    # threads at once (parallel polling is tested below, on PostgreSQL)
    results = imap.mailboxes_poll(workers=1)

    assert set(results) == {wrong.pk, good.pk}
    assert results[good.pk] == imap.PollResult(fetched=1, stored=1)
    assert "refused the user name or password" in results[wrong.pk].error
    assert "AUTHENTICATIONFAILED" in results[wrong.pk].error
    wrong.refresh_from_db()
    assert wrong.last_error == results[wrong.pk].error
    with scopes_disabled():
        assert InboundEmail.objects.filter(mailbox=good).count() == 1
        assert Ticket.objects.filter(organisation=committed_org).count() == 1
        inactive.refresh_from_db()
        without_imap.refresh_from_db()
    assert inactive.last_polled_at is None
    assert without_imap.last_polled_at is None


def test_mailboxes_are_polled_in_parallel(
    dovecot, imap_mailbox, committed_org, stuck_port, monkeypatch
):
    if connection.vendor != "postgresql":
        # A file-based SQLite queues writers; the in-memory test database fails them.
        pytest.skip("concurrent writers need PostgreSQL (the SQLite test database is in memory)")
    # given three mailboxes whose server hangs, and two that work
    monkeypatch.setattr(imap, "TIMEOUT", 1)
    users = [dovecot.user_create(), dovecot.user_create()]
    for n, user in enumerate(users, start=1):
        dovecot.append(user, mail(n))
    working = [imap_mailbox(organisation=committed_org, user=user) for user in users]
    stuck = [
        imap_mailbox(organisation=committed_org, security="none", port=stuck_port) for _ in range(3)
    ]
    started = time.monotonic()

    results = imap.mailboxes_poll()

    # then the hanging ones time out together (one after the other would take 3 s) and
    # the others are fetched meanwhile
    assert time.monotonic() - started < 2.5
    for mailbox in working:
        assert results[mailbox.pk] == imap.PollResult(fetched=1, stored=1)
    for mailbox in stuck:
        assert "did not answer within 1 second." in results[mailbox.pk].error


# --- folder names -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("folder", "sent"),
    [
        ("INBOX", '"INBOX"'),
        ("Pengaduan Warga", '"Pengaduan Warga"'),
        ("Entwürfe", '"Entw&APw-rfe"'),  # RFC 3501 §5.1.3 style: "ü" in modified UTF-7
        ("台北", '"&U,BTFw-"'),  # the RFC's own example
        ("A&B", '"A&-B"'),
        ('Say "hi"', '"Say \\"hi\\""'),
    ],
)
def test_folder_names_are_quoted_and_encoded_for_imap(folder, sent):
    assert imap.imap_quoted(folder) == sent


# --- the mailpoll command ---------------------------------------------------------------


def test_mailpoll_once_prints_a_line_per_mailbox(dovecot, imap_mailbox, committed_org, monkeypatch):
    if connection.vendor != "postgresql":
        monkeypatch.setattr(imap, "WORKERS", 1)  # see test_a_failing_mailbox_...
    user = dovecot.user_create()
    dovecot.append(user, mail(1))
    dovecot.append(user, mail(2))
    imap_mailbox(organisation=committed_org, user=user, address="bantuan@diskominfo.test")
    imap_mailbox(
        organisation=committed_org, user=user, address="salah@diskominfo.test", imap_password="x"
    )
    out = StringIO()

    call_command("mailpoll", "--once", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == "bantuan@diskominfo.test: 2 fetched, 2 new, 0 already stored"
    assert lines[1].startswith("salah@diskominfo.test: 0 fetched, 0 new, 0 already stored; error:")
    assert "user name or password" in lines[1]
    assert len(lines) == 2


def test_mailpoll_says_when_there_is_nothing_to_poll(db):
    out = StringIO()

    call_command("mailpoll", "--once", stdout=out)

    assert out.getvalue() == "No active mailbox has an IMAP server.\n"


def test_mailpoll_polls_until_interrupted(monkeypatch):
    calls = []

    def poll_then_interrupt(**kwargs):
        calls.append(kwargs)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return {}

    monkeypatch.setattr(imap, "mailboxes_poll", poll_then_interrupt)
    out = StringIO()

    call_command("mailpoll", "--interval", "0.01", stdout=out)

    assert len(calls) == 3
    assert out.getvalue().splitlines()[0] == "Polling IMAP mailboxes every 0.01 s. Ctrl+C stops."
    assert out.getvalue().splitlines()[-1] == "Stopped polling."


def test_mailpoll_refuses_a_useless_interval():
    with pytest.raises(CommandError, match="--interval"):
        call_command("mailpoll", "--interval", "0")


def test_mailpoll_stops_on_sigterm_after_the_poll_under_way(monkeypatch):
    calls = []

    def poll_and_get_terminated(**kwargs):
        calls.append(kwargs)
        os.kill(os.getpid(), signal.SIGTERM)  # as `docker stop` would, mid-poll
        return {}

    monkeypatch.setattr(imap, "mailboxes_poll", poll_and_get_terminated)
    handler_before = signal.getsignal(signal.SIGTERM)
    out = StringIO()

    call_command("mailpoll", "--interval", "30", stdout=out)

    assert len(calls) == 1
    assert out.getvalue().splitlines()[-1] == "Stopped polling."
    assert signal.getsignal(signal.SIGTERM) == handler_before
