"""How many statements processing one e-mail takes (issue 9), pinned so the gain does not
erode: a change that adds one says why in the list beside the number.

Counted in the test's transaction, so each message's transaction shows as a savepoint
(in production it is BEGIN … COMMIT, which Django does not log). Through the worker's
batch (`inbound_waiting_process`), which lists the waiting rows first; `inbound_process`
(mail-gate, IMAP) is the same less that statement."""

import pytest
from django.db import connection

from conftest import email_bytes
from karcis.messaging import services
from karcis.messaging.models import Direction, EmailMessageId, InboundAction, InboundEmail

pytestmark = pytest.mark.django_db


def stored(mailbox, raw) -> InboundEmail:
    inbound, _created = services.inbound_store(mailbox=mailbox, raw=raw, source="lmtp")
    return inbound


@pytest.fixture
def earlier_ticket(mailbox):
    """A ticket opened from an earlier e-mail (the organisation's ticket counter exists,
    as it does after the first ticket), and a Message-ID we sent about it."""
    inbound = services.inbound_process(inbound_id=stored(mailbox, email_bytes()).pk)
    assert inbound.action == InboundAction.TICKET_CREATED
    EmailMessageId.objects.create(
        organisation=inbound.organisation,
        value="out1@nusantara.test",
        ticket=inbound.ticket,
        direction=Direction.OUT,
    )
    return inbound.ticket


# Processing one stored e-mail, by messaging (m), by core's contact_resolve and event_record
# (c), and by the desk's ticket_create / message_add (d):
#  m  SELECT the waiting rows' ids (once per batch of up to 20)
#  m  SAVEPOINT: the message's transaction (BEGIN in production)
#  m  SELECT … FOR UPDATE SKIP LOCKED: lock its row, with mailbox and organisation
#  m  SAVEPOINT: a failure undoes its ticket, not the row's "failed"
#  m  SELECT the sender's 20th processed message in the window (the rate-limit probe)
#  m  SELECT the Message-IDs it has and names, with their tickets (received? threading)
#  c  SELECT the sender's e-mail identity (contact_resolve)
#  …  what the ticket or the reply costs (listed in each test)
#  m  RELEASE this message's savepoint
#  m  UPDATE the stored row: processed, its ticket and message
#  m  RELEASE the message's transaction (COMMIT in production)
# (The organisation's mailbox addresses come from the cache: messaging.selectors.)
PROCESSING = 10


def on_sqlite(extra: int) -> int:
    """The desk's statements that only SQLite needs: PostgreSQL advances the ticket counter
    with UPDATE … RETURNING and keeps the search document in the ticket's own row."""
    return extra if connection.vendor == "sqlite" else 0


def test_an_email_from_a_new_sender_opening_a_ticket(
    mailbox, earlier_ticket, django_assert_num_queries
):
    inbound = stored(mailbox, email_bytes(sender="Budi <budi@example.com>", message_id="<b1@x>"))
    # c  INSERT contact, INSERT identity unless taken (the new sender)
    # d  UPDATE the ticket counter (+ SELECT it, SQLite), INSERT ticket, INSERT message,
    #    (INSERT the search document, SQLite), INSERT event
    # m  (the event's subscriber) INSERT its Message-ID
    # m  (the event's subscriber, the automatic reply) INSERT the Delivery, INSERT its
    #    Message-ID: the ticket and its requester's addresses come with the event
    # Before issue 9 (per message, no list): 28 on PostgreSQL, 30 on SQLite (the e-mail row
    # read twice more, the mailbox addresses once more, the first message, the ticket and
    # the requester again, the ids in two lookups).
    with django_assert_num_queries(PROCESSING + 2 + 4 + on_sqlite(2) + 1 + 2):
        assert services.inbound_waiting_process() == 1
    inbound.refresh_from_db()
    assert inbound.action == InboundAction.TICKET_CREATED
    assert inbound.desk_message.ticket == inbound.ticket


def test_a_reply_threading_into_its_ticket(mailbox, earlier_ticket, django_assert_num_queries):
    inbound = stored(
        mailbox,
        email_bytes(
            subject="Re: Internet mati sejak pagi",
            message_id="<a2@mail.example.com>",
            In_Reply_To="<out1@nusantara.test>",
        ),
    )
    # d  SAVEPOINT, SELECT … FOR UPDATE the ticket, INSERT message, UPDATE message count,
    #    UPDATE updated_at, INSERT event, SELECT the texts, UPDATE the search document
    #    (SQLite: DELETE + INSERT), RELEASE
    # m  INSERT its Message-ID
    # Before issue 9 (per message, no list): 22 on PostgreSQL, 23 on SQLite (the ticket read after the Message-ID
    # lookup, and the "already received" check a lookup of its own).
    with django_assert_num_queries(PROCESSING + 9 + on_sqlite(1) + 1):
        assert services.inbound_waiting_process() == 1
    inbound.refresh_from_db()
    assert (inbound.action, inbound.ticket) == (InboundAction.MESSAGE_ADDED, earlier_ticket)


def test_the_worker_takes_waiting_mail_oldest_first_and_a_failure_stays_its_own(
    mailbox, monkeypatch
):
    first = stored(mailbox, email_bytes(sender="a@example.com", message_id="<w1@x>"))
    broken = stored(mailbox, email_bytes(sender="b@example.com", message_id="<w2@x>"))
    last = stored(mailbox, email_bytes(sender="c@example.com", message_id="<w3@x>"))
    real_thread_in = services._thread_in

    def thread_in(inbound, *args):
        if inbound.pk == broken.pk:
            raise RuntimeError("a bug of ours")
        return real_thread_in(inbound, *args)

    monkeypatch.setattr(services, "_thread_in", thread_in)

    assert services.inbound_waiting_process(limit=2) == 2
    assert services.inbound_waiting_process(limit=2) == 1
    assert services.inbound_waiting_process(limit=2) == 0

    states = dict(InboundEmail.objects.values_list("pk", "state"))
    assert states == {first.pk: "processed", broken.pk: "failed", last.pk: "processed"}
    assert InboundEmail.objects.get(pk=broken.pk).ticket is None


# Storing one e-mail (the mail server's DATA, the mail-gate, IMAP): one INSERT … ON CONFLICT
# DO NOTHING, its own transaction in autocommit; no savepoint, no SELECT before it.
def test_storing_an_email_is_one_statement(mailbox, django_assert_num_queries):
    with django_assert_num_queries(1) as captured:
        inbound, created = services.inbound_store(
            mailbox=mailbox, raw=email_bytes(message_id="<s1@x>"), source="lmtp"
        )
    assert created and inbound.pk
    assert "ON CONFLICT" in captured.captured_queries[0]["sql"]


def test_storing_an_email_again_adds_the_read_of_the_stored_row(mailbox, django_assert_num_queries):
    first = stored(mailbox, email_bytes(message_id="<s2@x>"))
    # the INSERT that finds it taken, and the SELECT of the row stored before
    with django_assert_num_queries(2):
        again, created = services.inbound_store(
            mailbox=mailbox, raw=email_bytes(message_id="<s2@x>"), source="lmtp"
        )
    assert not created and again.pk == first.pk
