"""`karcis mailgate`: one message on stdin, as an MTA pipe delivers it, and the exit status
the MTA acts on (sysexits: 0 stored, 65 too large, 67 no such mailbox, 75 try again)."""

import io
import sys

import pytest
from django.core.management import call_command
from django.db import OperationalError

from conftest import email_bytes
from karcis.desk.models import Ticket
from karcis.messaging import services
from karcis.messaging.addresses import reply_address
from karcis.messaging.management.commands import mailgate
from karcis.messaging.models import InboundEmail


def run_mailgate(raw: bytes, monkeypatch, *args: str) -> tuple[int, str]:
    """(exit status, the stderr line) of `karcis mailgate ARGS < raw`."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    stderr = io.StringIO()
    try:
        call_command("mailgate", *args, stderr=stderr)
    except SystemExit as exit_:
        return exit_.code, stderr.getvalue()
    return 0, stderr.getvalue()


@pytest.fixture
def other_mailbox(other_org):
    return services.mailbox_create(organisation=other_org, address="layanan@lain.test")


def test_a_message_for_a_recipient_becomes_a_ticket(mailbox, monkeypatch):
    raw = email_bytes()
    status, said = run_mailgate(raw, monkeypatch, "--recipient", "Bantuan@Nusantara.test")

    inbound = InboundEmail.objects.get()
    assert status == 0
    assert said == f"karcis mailgate: {inbound.ticket.number} ticket_created\n"
    assert (inbound.source, inbound.mailbox, bytes(inbound.raw)) == ("mailgate", mailbox, raw)
    assert inbound.envelope_recipients == ["bantuan@nusantara.test"]


def test_the_mailbox_can_be_named_directly(mailbox, monkeypatch):
    status, _said = run_mailgate(email_bytes(), monkeypatch, "--mailbox", "bantuan@nusantara.test")
    assert status == 0
    assert InboundEmail.objects.get().state == "processed"


def test_a_reply_address_threads_into_its_ticket(mailbox, make_ticket, monkeypatch):
    ticket = make_ticket()
    address = reply_address(mailbox=mailbox, ticket=ticket)
    raw = email_bytes(to=address, subject="Re: tagihan", message_id="<r1@mail.example.com>")

    status, said = run_mailgate(raw, monkeypatch, "--recipient", address)

    assert status == 0
    assert said == f"karcis mailgate: {ticket.number} message_added\n"
    assert InboundEmail.objects.get().ticket == ticket


@pytest.mark.parametrize(
    "headers",
    [
        {"Delivered_To": "bantuan+urgent@nusantara.test"},
        {"X_Original_To": "bantuan@nusantara.test"},
        {"to": "Bantuan <BANTUAN@nusantara.test>, Lain <layanan@lain.test>"},
        {"to": "someone@else.test", "Cc": "=?utf-8?q?Bantuan_Pelanggan?= <bantuan@nusantara.test>"},
    ],
    ids=["delivered-to", "x-original-to", "to", "cc"],
)
def test_without_options_the_headers_name_the_mailbox(mailbox, other_mailbox, monkeypatch, headers):
    status, _said = run_mailgate(email_bytes(**headers), monkeypatch)
    assert status == 0
    assert InboundEmail.objects.get().mailbox == mailbox


def test_delivered_to_wins_over_to(mailbox, other_mailbox, monkeypatch):
    raw = email_bytes(to="bantuan@nusantara.test", Delivered_To="layanan@lain.test")
    run_mailgate(raw, monkeypatch)
    assert InboundEmail.objects.get().mailbox == other_mailbox


@pytest.mark.parametrize(
    "args",
    [("--recipient", "tidakada@nusantara.test"), ("--mailbox", "tidakada@nusantara.test"), ()],
    ids=["recipient", "mailbox", "headers"],
)
def test_no_matching_mailbox_exits_67(mailbox, monkeypatch, args):
    raw = email_bytes(to="tidakada@nusantara.test")
    status, said = run_mailgate(raw, monkeypatch, *args)
    assert status == mailgate.EX_NOUSER == 67
    assert said.startswith("karcis mailgate: no such mailbox here")
    assert InboundEmail.objects.count() == 0


def test_an_inactive_mailbox_matches_nothing(mailbox, monkeypatch):
    services.mailbox_update(mailbox=mailbox, is_active=False)
    status, _said = run_mailgate(email_bytes(), monkeypatch, "--recipient", mailbox.address)
    assert status == 67


def test_a_second_delivery_is_safe_and_changes_nothing(mailbox, monkeypatch):
    raw = email_bytes()
    run_mailgate(raw, monkeypatch, "--recipient", mailbox.address)
    status, said = run_mailgate(raw, monkeypatch, "--recipient", mailbox.address)

    ticket = Ticket.objects.get()
    assert status == 0
    assert said == f"karcis mailgate: already stored; {ticket.number} ticket_created\n"
    assert InboundEmail.objects.count() == 1


def test_a_rejected_message_is_kept_and_exits_0(mailbox, monkeypatch):
    # The message is safe with us (admins see it with the reason): the MTA must not bounce it.
    status, said = run_mailgate(email_bytes(sender=""), monkeypatch, "--mailbox", mailbox.address)
    inbound = InboundEmail.objects.get()
    assert status == 0
    assert inbound.state == "rejected" and inbound.reason
    assert said == f"karcis mailgate: rejected: {inbound.reason}\n"
    assert Ticket.objects.count() == 0


def test_a_message_over_the_size_limit_exits_65(mailbox, monkeypatch, settings):
    settings.KARCIS_MAIL_MAX_BYTES = 1000
    stdin = io.BytesIO(email_bytes(text="Lampiran panjang. " * 500))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(stdin))

    with pytest.raises(SystemExit) as exit_:
        call_command("mailgate", "--mailbox", mailbox.address, stderr=io.StringIO())

    assert exit_.value.code == mailgate.EX_DATAERR == 65
    assert stdin.tell() == len(stdin.getvalue())  # read to the end, so the MTA's pipe is not cut
    assert InboundEmail.objects.count() == 0


def test_a_database_failure_while_storing_exits_75(mailbox, monkeypatch):
    def outage(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(services, "inbound_store", outage)
    status, said = run_mailgate(email_bytes(), monkeypatch, "--mailbox", mailbox.address)
    assert status == mailgate.EX_TEMPFAIL == 75
    assert said.startswith("karcis mailgate: try again later: OperationalError")
    monkeypatch.undo()
    assert InboundEmail.objects.count() == 0


def test_an_unreachable_database_exits_75(mailbox, monkeypatch):
    def outage(address):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(mailgate, "mailbox_for_recipient", outage)
    status, _said = run_mailgate(email_bytes(), monkeypatch, "--recipient", mailbox.address)
    assert status == 75


def test_an_unreadable_stdin_exits_75(mailbox):
    class Broken(io.RawIOBase):
        def read(self, size=-1):
            raise OSError("Input/output error")

    with pytest.raises(SystemExit) as exit_:
        call_command("mailgate", "--mailbox", mailbox.address, stdin=Broken(), stderr=io.StringIO())
    assert exit_.value.code == 75


def test_a_missing_stdin_exits_75(mailbox, monkeypatch):
    monkeypatch.setattr(sys, "stdin", None)  # started without stdin
    with pytest.raises(SystemExit) as exit_:
        call_command("mailgate", "--mailbox", mailbox.address, stderr=io.StringIO())
    assert exit_.value.code == 75


def test_stored_but_not_processed_still_exits_0(mailbox, monkeypatch):
    # Stored means safe: the periodic sweep processes what is left waiting.
    def outage(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "inbound_process", outage)
    status, said = run_mailgate(email_bytes(), monkeypatch, "--mailbox", mailbox.address)
    assert status == 0
    assert "processing postponed" in said
    assert InboundEmail.objects.get().state == "pending"


def test_the_message_can_be_passed_as_a_stream(mailbox):
    # How the benchmark feeds messages without a process per message.
    stderr = io.StringIO()
    call_command(
        "mailgate", "--mailbox", mailbox.address, stdin=io.BytesIO(email_bytes()), stderr=stderr
    )
    assert "ticket_created" in stderr.getvalue()
