from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from karcis.core.models import Event
from karcis.queueing import services
from karcis.queueing.models import QueueStatus, ServiceDay
from karcis.queueing.selectors import people_ahead

from .conftest import MONDAY, at, monday

pytestmark = pytest.mark.django_db


def take(service, *, now, channel="kiosk", **kwargs):
    return services.ticket_take(service=service, channel=channel, now=now, **kwargs)


def book(service, person, *, day, slot, now, channel="online", **kwargs):
    return services.ticket_take(
        service=service, channel=channel, person=person, day=day, slot=slot, now=now, **kwargs
    )


# --- numbers ------------------------------------------------------------------------------


def test_walk_in_numbers_are_gapless_per_service_and_day(ktp, kk):
    first = take(ktp, now=monday(8, 1))
    second = take(ktp, now=monday(8, 2))
    other = take(kk, now=monday(8, 3))
    tomorrow = take(ktp, now=monday(8, 1) + timedelta(days=1))
    assert [first.number, second.number, other.number, tomorrow.number] == [
        "A-001",
        "A-002",
        "B-001",
        "A-001",
    ]
    assert first.status == QueueStatus.WAITING
    assert first.queued_at == monday(8, 1)
    assert Event.objects.filter(type="queueing.ticket.created").count() == 4


def test_no_number_on_a_closed_day_and_the_next_open_date_is_offered(ktp):
    saturday = monday(9) - timedelta(days=2)
    with pytest.raises(services.QueueRefused) as refused:
        take(ktp, now=saturday)
    assert refused.value.code == "closed"
    assert refused.value.next_open_date == date(2026, 12, 14)
    assert not ServiceDay.objects.exists()


def test_no_walk_in_number_after_closing(ktp):
    with pytest.raises(services.QueueRefused):
        take(ktp, now=monday(15, 0))


# --- bookings -----------------------------------------------------------------------------


def test_a_booking_takes_a_slot_and_a_number(ktp, person):
    now = monday(7)
    ticket = book(ktp, person, day=MONDAY.date(), slot=monday(9), now=now)
    assert ticket.number == "A-001"
    assert ticket.status == QueueStatus.BOOKED
    assert ticket.queued_at is None
    assert ticket.phone == "+6281234567890"
    counts = ServiceDay.objects.get()
    assert counts.slots == {"09:00": 1}
    assert counts.used == {"online:": 1}


def test_a_full_slot_is_refused_but_the_day_is_offered_again(ktp, person):
    now = monday(7)
    for n in range(2):
        book(ktp, services.Person(name=f"P{n}", phone=f"08123456780{n}"), day=MONDAY.date(),
             slot=monday(9), now=now)  # fmt: skip
    with pytest.raises(services.QueueRefused) as refused:
        book(ktp, person, day=MONDAY.date(), slot=monday(9), now=now)
    assert refused.value.code == "full"
    assert refused.value.next_open_date == MONDAY.date()  # other slots still have room
    assert ServiceDay.objects.get().last_number == 2


def test_a_full_quota_offers_the_next_open_date_skipping_the_weekend(ktp):
    friday = date(2026, 12, 18)
    now = monday(7)
    for n in range(10):
        slot = at(friday, f"{8 + n // 2:02d}:{'30' if n % 2 else '00'}")
        book(ktp, services.Person(name=f"P{n}", phone=f"0812345678{n:02d}"), day=friday,
             slot=slot, now=now)  # fmt: skip
    with pytest.raises(services.QueueRefused) as refused:
        book(ktp, services.Person(name="X", phone="081299999999"), day=friday,
             slot=at(friday, "13:00"), now=now)  # fmt: skip
    assert refused.value.code == "full"
    assert refused.value.next_open_date == date(2026, 12, 21)  # Monday, after the weekend


def test_one_live_booking_per_person_per_service_and_day(ktp, person):
    now = monday(7)
    book(ktp, person, day=MONDAY.date(), slot=monday(9), now=now)
    with pytest.raises(services.QueueRefused) as refused:
        book(ktp, services.Person(name="Siti", phone="+62 812-3456-7890"), day=MONDAY.date(),
             slot=monday(10), now=now)  # fmt: skip
    assert refused.value.code == "duplicate"


def test_the_same_nik_is_the_same_person_whatever_the_phone(ktp):
    now = monday(7)
    nik = "3171015505900001"
    book(ktp, services.Person(name="A", phone="081211111111", nik=nik), day=MONDAY.date(),
         slot=monday(9), now=now)  # fmt: skip
    with pytest.raises(services.QueueRefused):
        book(ktp, services.Person(name="B", phone="081222222222", nik=nik), day=MONDAY.date(),
             slot=monday(10), now=now)  # fmt: skip
    ticket = book(ktp, services.Person(name="C", phone="081233333333",
                  nik="3171010101900002"), day=MONDAY.date(), slot=monday(10), now=now)  # fmt: skip
    assert ticket.nik_masked == "3171••••••••0002"
    assert "3171010101900002" not in ticket.nik_hash


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"person": services.Person(name="", phone="0812 3456 7890")}, "name"),
        ({"person": services.Person(name="A", phone="12")}, "phone"),
        ({"person": services.Person(name="A", phone="", nik="1234")}, "nik"),
        ({"slot": None}, "slot"),
        ({"day": date(2027, 1, 30)}, "date"),
        ({"channel": "fax"}, "channel"),
        ({"bucket": "jkn"}, "bucket"),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_is_written(ktp, person, change, field):
    kwargs = {"person": person, "day": MONDAY.date(), "slot": monday(9), "channel": "online"}
    kwargs.update(change)
    with pytest.raises(ValidationError) as refused:
        services.ticket_take(service=ktp, now=monday(7), **kwargs)
    assert field in refused.value.message_dict
    assert not ServiceDay.objects.exists()


def test_a_slot_must_be_one_of_the_days_slots(ktp, person):
    with pytest.raises(ValidationError) as refused:
        book(ktp, person, day=MONDAY.date(), slot=monday(9, 10), now=monday(7))
    assert "slot" in refused.value.message_dict


def test_booking_closes_at_the_hour_set(ktp, person, admin_user):
    from datetime import time

    services.service_update(service=ktp, actor=admin_user, booking_closes_at=time(12))
    with pytest.raises(services.QueueRefused) as refused:
        book(ktp, person, day=MONDAY.date(), slot=monday(13), now=monday(12, 5))
    assert refused.value.code == "closed"
    assert refused.value.next_open_date == date(2026, 12, 15)


def test_cancel_frees_the_quota_and_the_slot_but_not_the_number(ktp, person):
    now = monday(7)
    ticket = book(ktp, person, day=MONDAY.date(), slot=monday(9), now=now)
    services.ticket_cancel(ticket=ticket, now=now)
    counts = ServiceDay.objects.get()
    assert counts.used == {"online:": 0} and counts.slots == {"09:00": 0}
    again = book(ktp, person, day=MONDAY.date(), slot=monday(9), now=now)
    assert again.number == "A-002"


# --- check-in and the line ----------------------------------------------------------------


def test_check_in_before_the_slot_keeps_the_slots_place(ktp, person):
    ticket = book(ktp, person, day=MONDAY.date(), slot=monday(9), now=monday(7))
    walk_in = take(ktp, now=monday(8, 40))
    ticket = services.ticket_check_in(ticket=ticket, now=monday(8, 30))
    assert ticket.status == QueueStatus.ARRIVED and ticket.queued_at == monday(9)
    later = take(ktp, now=monday(9, 5))
    assert people_ahead(ticket) == 1  # the walk-in came at 08:40, before the 09:00 slot
    assert people_ahead(later.__class__.objects.get(pk=later.pk)) == 2
    assert people_ahead(walk_in) == 0


def test_check_in_after_the_slot_joins_at_the_back(ktp, person):
    ticket = book(ktp, person, day=MONDAY.date(), slot=monday(9), now=monday(7))
    ticket = services.ticket_check_in(ticket=ticket, now=monday(9, 45))
    assert ticket.status == QueueStatus.WAITING and ticket.queued_at == monday(9, 45)


def test_check_in_on_another_day_is_refused(ktp, person):
    ticket = book(ktp, person, day=MONDAY.date() + timedelta(days=1),
                  slot=monday(9) + timedelta(days=1), now=monday(7))  # fmt: skip
    with pytest.raises(services.QueueRefused):
        services.ticket_check_in(ticket=ticket, now=monday(8))


# --- counters ------------------------------------------------------------------------------


def test_a_closed_counter_calls_no_one(counter, agent, ktp):
    take(ktp, now=monday(8))
    with pytest.raises(services.CounterRefused):
        services.counter_call_next(counter=counter, actor=agent, now=monday(8, 1))


def test_call_next_follows_the_counters_service_order(
    counter, counter2, agent, ktp, kk, admin_user
):
    a1 = take(ktp, now=monday(8, 0))
    b1 = take(kk, now=monday(8, 1))
    a2 = take(ktp, now=monday(8, 2))
    services.counter_open(counter=counter, actor=agent, now=monday(8, 5))
    services.counter_open(counter=counter2, actor=admin_user, now=monday(8, 5))
    assert services.counter_call_next(counter=counter, actor=agent, now=monday(8, 6)) == a1
    assert services.counter_call_next(counter=counter2, actor=admin_user, now=monday(8, 6)) == b1
    called = services.counter_call_next(counter=counter, actor=agent, now=monday(8, 10))
    assert called == a2
    a1.refresh_from_db()
    assert a1.status == QueueStatus.DONE  # calling next finished the one before
    assert a1.started_at == monday(8, 6) and a1.finished_at == monday(8, 10)
    assert services.counter_call_next(counter=counter, actor=agent, now=monday(8, 20)) is None
    event = Event.objects.filter(type="queueing.ticket.called").order_by("id").first()
    assert event.payload["waited"] == 6 * 60 and event.payload["counter"] == counter.pk


def test_an_early_arrival_is_called_only_when_nobody_else_waits(counter, agent, ktp, person):
    booked = book(ktp, person, day=MONDAY.date(), slot=monday(10), now=monday(7))
    services.ticket_check_in(ticket=booked, now=monday(8))
    walk_in = take(ktp, now=monday(8, 30))
    services.counter_open(counter=counter, actor=agent, now=monday(8, 30))
    assert services.counter_call_next(counter=counter, actor=agent, now=monday(8, 31)) == walk_in
    assert services.counter_call_next(counter=counter, actor=agent, now=monday(8, 40)) == booked


def test_recall_no_show_and_return_after_the_next_calls(counter, agent, ktp, admin_user):
    services.service_update(service=ktp, actor=admin_user, requeue_after=2)
    tickets = [take(ktp, now=monday(8, n)) for n in range(5)]
    services.counter_open(counter=counter, actor=agent, now=monday(8, 5))
    first = services.counter_call_next(counter=counter, actor=agent, now=monday(8, 6))
    services.counter_recall(counter=counter, actor=agent, now=monday(8, 7))
    gone = services.counter_no_show(counter=counter, actor=agent, now=monday(8, 8))
    assert first == tickets[0] and gone.status == QueueStatus.NO_SHOW and gone.calls == 2
    back = services.ticket_requeue(ticket=gone, now=monday(8, 9))
    assert people_ahead(back) == 2  # behind the next two
    order = [
        services.counter_call_next(counter=counter, actor=agent, now=monday(8, 10 + n)).number
        for n in range(4)
    ]
    assert order == ["A-002", "A-003", "A-001", "A-004"]


def test_start_park_resume_finish(counter, agent, ktp):
    one, two = take(ktp, now=monday(8)), take(ktp, now=monday(8, 1))
    services.counter_open(counter=counter, actor=agent, now=monday(8, 2))
    services.counter_call_next(counter=counter, actor=agent, now=monday(8, 3))
    services.counter_start(counter=counter, actor=agent, now=monday(8, 4))
    parked = services.counter_park(counter=counter, actor=agent, now=monday(8, 5))
    assert parked == one and parked.status == QueueStatus.PARKED
    assert services.counter_call_next(counter=counter, actor=agent, now=monday(8, 6)) == two
    with pytest.raises(services.CounterRefused):
        services.counter_resume(counter=counter, actor=agent, ticket=one, now=monday(8, 7))
    services.counter_finish(counter=counter, actor=agent, now=monday(8, 8))
    resumed = services.counter_resume(counter=counter, actor=agent, ticket=one, now=monday(8, 9))
    assert resumed.status == QueueStatus.SERVING
    done = services.counter_finish(counter=counter, actor=agent, now=monday(8, 12))
    assert done.status == QueueStatus.DONE
    finished = Event.objects.filter(type="queueing.ticket.finished").order_by("id")
    assert [event.payload["served"] for event in finished] == [2 * 60, 8 * 60]


def test_transfer_keeps_the_persons_place_in_time(counter, counter2, agent, admin_user, ktp, kk):
    a1 = take(ktp, now=monday(8))
    b1 = take(kk, now=monday(8, 5))
    services.counter_open(counter=counter, actor=agent, now=monday(8, 6))
    services.counter_call_next(counter=counter, actor=agent, now=monday(8, 7))
    moved = services.counter_transfer(
        counter=counter, actor=agent, service=kk, to_counter=counter2, now=monday(8, 9)
    )
    a1.refresh_from_db()
    assert a1.status == QueueStatus.TRANSFERRED and moved.number == "B-002"
    assert moved.transferred_from == a1 and moved.queued_at == monday(8)
    services.counter_open(counter=counter2, actor=admin_user, now=monday(8, 10))
    assert (
        services.counter_call_next(counter=counter2, actor=admin_user, now=monday(8, 11)) == moved
    )
    assert services.counter_call_next(counter=counter2, actor=admin_user, now=monday(8, 12)) == b1


def test_a_ticket_sent_to_one_counter_is_not_called_by_another(counter, counter2, agent,
                                                              admin_user, ktp, kk):  # fmt: skip
    take(ktp, now=monday(8))
    services.counter_open(counter=counter, actor=agent, now=monday(8, 1))
    services.counter_call_next(counter=counter, actor=agent, now=monday(8, 2))
    services.counter_transfer(counter=counter, actor=agent, service=kk, to_counter=counter2,
                              now=monday(8, 3))  # fmt: skip
    # Loket 1 serves KK too, but the transferred person waits for Loket 2.
    assert services.counter_call_next(counter=counter, actor=agent, now=monday(8, 4)) is None


def test_signing_in_at_a_counter_signs_out_of_the_other(counter, counter2, agent):
    services.counter_open(counter=counter, actor=agent, now=monday(8))
    services.counter_open(counter=counter2, actor=agent, now=monday(8, 1))
    counter.refresh_from_db()
    counter2.refresh_from_db()
    assert not counter.is_open and counter2.is_open and counter2.staff == agent


def test_only_staff_who_may_work_at_a_counter_can(counter, customer, other_org_agent):
    for actor in (customer, other_org_agent):
        with pytest.raises(ValidationError):
            services.counter_open(counter=counter, actor=actor)


def test_only_admins_manage_the_queues(point, agent):
    with pytest.raises(ValidationError):
        services.service_create(point=point, actor=agent, name="X", prefix="X")


def test_service_settings_are_checked(point, admin_user, ktp):
    with pytest.raises(ValidationError) as refused:
        services.service_create(
            point=point,
            actor=admin_user,
            name="Poli",
            prefix="p",
            quotas=[{"channel": "online", "bucket": "jkn", "limit": 5}],
        )
    assert set(refused.value.message_dict) == {"quotas"}
    with pytest.raises(ValidationError) as refused:
        services.service_create(point=point, actor=admin_user, name="Poli", prefix="A")
    assert set(refused.value.message_dict) == {"prefix"}


def test_buckets_have_their_own_quotas(point, admin_user):
    poli = services.service_create(
        point=point,
        actor=admin_user,
        name="Poli Umum",
        prefix="P",
        slot_minutes=0,
        buckets=[{"key": "jkn", "label": "JKN"}, {"key": "umum", "label": "Umum"}],
        quotas=[{"channel": "walk_in", "bucket": "jkn", "limit": 1}],
    )
    take(poli, now=monday(8), bucket="jkn")
    with pytest.raises(services.QueueRefused):
        take(poli, now=monday(8, 1), bucket="jkn")
    assert take(poli, now=monday(8, 2), bucket="umum").number == "P-002"
    with pytest.raises(ValidationError):
        take(poli, now=monday(8, 3))  # the bucket must be chosen
