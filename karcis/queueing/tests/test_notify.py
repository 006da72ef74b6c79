""" "Few ahead" e-mails: one per ticket that asked, when the line comes within its number,
through the outbox, however often the events are handed over."""

import pytest

from karcis.core.eventlog import events_dispatch
from karcis.core.models import Event
from karcis.messaging.models import Delivery
from karcis.queueing import notify, services
from karcis.queueing.models import QueueTicket

from .conftest import MONDAY, monday

pytestmark = pytest.mark.django_db


def dispatch() -> int:
    return events_dispatch(only=[notify.CONSUMER])


def walk_ins(service, n, *, minute=0):
    return [
        services.ticket_take(
            service=service,
            channel="kiosk",
            person=services.Person(phone=f"0813 1111 {minute:02d}{i:02d}"),
            now=monday(8, minute + i),
        )
        for i in range(n)
    ]


@pytest.fixture
def line(ktp, counter, admin_user):
    """Four people ahead of Siti, who asked to be told when two are ahead of her; a counter
    open to call them."""
    walk_ins(ktp, 4)
    siti = services.ticket_take(
        service=ktp,
        channel="online",  # a number for today taken from home
        person=services.Person(name="Siti", phone="0812 3456 7890", email="siti@example.com"),
        notify_ahead=2,
        now=monday(8, 10),
    )
    services.counter_open(counter=counter, actor=admin_user, now=monday(8, 30))
    return siti


def call(counter, admin_user, times=1):
    for _ in range(times):
        services.counter_call_next(counter=counter, actor=admin_user, now=monday(9))


def test_one_mail_when_the_line_comes_within_the_number_asked(line, counter, admin_user):
    call(counter, admin_user)  # three ahead: not yet
    dispatch()
    assert not Delivery.objects.exists()

    call(counter, admin_user)  # two ahead: now
    dispatch()
    mail = Delivery.objects.get()
    assert mail.to == ["siti@example.com"]
    assert mail.subject == f"Nomor antrean {line.number}: tinggal 2 orang di depan Anda"
    assert "sekarang tinggal 2 orang di depan Anda" in mail.text
    assert f"http://127.0.0.1:8000/antrean/tiket/{line.token}/" in mail.text
    line.refresh_from_db()
    assert line.notified_at is not None

    call(counter, admin_user)  # one ahead: already told
    dispatch()
    assert Delivery.objects.count() == 1


def test_an_event_handed_over_again_sends_nothing_more(line, counter, admin_user):
    call(counter, admin_user, times=2)
    dispatch()
    event = Event.objects.filter(type="queueing.ticket.called").last()
    assert event is not None
    notify.few_ahead_notify(event)  # a second worker, or a redelivery after a crash
    notify.few_ahead_notify(event)
    assert Delivery.objects.count() == 1


def test_only_the_worker_whose_update_sets_notified_at_sends(line):
    # Two workers read the same candidates; each claims before it sends.
    first = QueueTicket.objects.get(pk=line.pk)
    second = QueueTicket.objects.get(pk=line.pk)
    assert notify.mark_notified(first, monday(9)) is True
    assert notify.mark_notified(second, monday(9)) is False


def test_nobody_is_told_who_did_not_ask_or_gave_no_address(ktp, counter, admin_user):
    services.ticket_take(
        service=ktp, channel="online", person=services.Person(email="a@example.com"),
        now=monday(8),
    )  # fmt: skip
    services.ticket_take(
        service=ktp, channel="online", person=services.Person(phone="0812 2222 3333"),
        notify_ahead=5, now=monday(8, 1),
    )  # fmt: skip
    walk_ins(ktp, 2, minute=5)
    services.counter_open(counter=counter, actor=admin_user, now=monday(8, 30))
    call(counter, admin_user)
    dispatch()
    assert not Delivery.objects.exists()


def test_a_booking_not_yet_checked_in_is_not_in_line_and_not_told(ktp, counter, admin_user):
    services.ticket_take(
        service=ktp,
        channel="online",
        person=services.Person(name="Budi", phone="0812 4444 5555", email="b@example.com"),
        day=MONDAY.date(),
        slot=monday(10),
        notify_ahead=20,
        now=monday(7),
    )
    walk_ins(ktp, 2)
    services.counter_open(counter=counter, actor=admin_user, now=monday(8, 30))
    call(counter, admin_user)
    dispatch()
    assert not Delivery.objects.exists()


def test_a_cancellation_ahead_also_brings_the_message(line, counter, admin_user):
    first_two = QueueTicket.objects.filter(service=line.service, status="waiting").order_by(
        "queued_at"
    )[:2]
    for ticket in list(first_two):
        services.ticket_cancel(ticket=ticket, now=monday(8, 40))
    dispatch()
    assert Delivery.objects.count() == 1
