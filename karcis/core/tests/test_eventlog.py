"""The event log: declared types, payloads of ids, and durable consumers that resume after a
crash without missing or repeating an effect."""

import threading
import time

import pytest
from django.db import connection, transaction
from django_scopes import scopes_disabled

from karcis.core import eventlog
from karcis.core.content import body_from
from karcis.core.models import Event, EventCursor, Sequence
from karcis.core.services import event_record
from karcis.desk import events as desk_events
from karcis.desk import services as desk_services
from karcis.desk.models import Message

pytestmark = pytest.mark.django_db


# --- declared types ---------------------------------------------------------------------------


def test_a_payload_must_match_its_declaration(org, make_ticket):
    ticket = make_ticket()

    with pytest.raises(ValueError, match="undeclared"):
        event_record(
            organisation=org,
            type=desk_events.ASSIGNED,
            obj=ticket,
            payload={"from": None, "to": 1, "assignee_name": "Budi"},
        )
    with pytest.raises(ValueError, match="missing"):
        event_record(organisation=org, type=desk_events.ASSIGNED, obj=ticket, payload={"to": 1})


def test_declaring_a_type_twice_differently_is_refused():
    with pytest.raises(ValueError, match="declared twice"):
        eventlog.event_type("desk.ticket.assigned", subject="desk.ticket", payload={"x": "y"})


def test_every_event_the_desk_writes_is_declared(
    org, make_ticket, agent, team_billing, contact, admin_user
):
    ticket = make_ticket(team=team_billing, tags=["vip"])
    desk_services.message_add(ticket=ticket, body=body_from(text="Balas"), author_user=agent)
    desk_services.message_add(
        ticket=ticket, body=body_from(text="Catatan @budi"), kind="note", author_user=agent
    )
    desk_services.ticket_update(
        ticket=ticket,
        actor=admin_user,
        priority="high",
        type="incident",
        subject="Baru",
        tags=["vip", "baru"],
        assignee=agent,
    )
    desk_services.ticket_participants_add(ticket=ticket, contacts=[contact])

    declared = eventlog.event_types()
    written = set(Event.objects.values_list("type", flat=True))
    assert written <= set(declared), written - set(declared)


def test_the_created_event_comes_after_the_first_message(org, contact):
    seen = {}

    def reader(event):
        # An in-transaction subscriber: what a reader of the event finds of the ticket.
        seen["messages"] = list(
            Message.objects.filter(ticket_id=event.object_id).values_list("pk", flat=True)
        )
        seen["payload"] = event.payload

    eventlog.subscribe(desk_events.TICKET_CREATED, reader)
    try:
        ticket = desk_services.ticket_create(
            organisation=org,
            requester=contact,
            subject="Internet mati",
            body=body_from(text="Sejak pagi."),
            channel="web",
        )
    finally:
        eventlog._subscribers[desk_events.TICKET_CREATED.name].remove(reader)

    first = Message.objects.get(ticket=ticket)
    assert seen["messages"] == [first.pk]
    assert seen["payload"]["message_id"] == first.pk


def test_payloads_hold_ids_and_the_history_shows_todays_names(
    client, org, make_ticket, admin_user, agent, team_billing, team_tech
):
    from karcis.core.services import team_update

    ticket = make_ticket(team=team_billing)
    desk_services.ticket_update(ticket=ticket, actor=admin_user, team=team_tech, assignee=agent)

    moved = Event.objects.get(type="desk.ticket.team_changed")
    assigned = Event.objects.get(type="desk.ticket.assigned")
    created = Event.objects.get(type="desk.ticket.created")
    assert moved.payload == {"from": team_billing.pk, "to": team_tech.pk}
    assert assigned.payload == {"from": None, "to": agent.pk}
    assert created.payload["team"] == team_billing.pk

    team_update(team=team_tech, actor=admin_user, name="Teknis Lapangan")
    client.force_login(admin_user)
    page = client.get(f"/desk/tickets/{ticket.number}/").content.decode()
    assert "Teknis Lapangan" in page


def test_events_written_before_the_payloads_held_ids_still_read(
    client, org, make_ticket, admin_user
):
    ticket = make_ticket()
    Event.objects.create(
        organisation=org,
        type="desk.ticket.team_changed",
        object_type="desk.ticket",
        object_id=ticket.pk,
        payload={"from": None, "to": "Tim Lama"},
    )
    client.force_login(admin_user)
    page = client.get(f"/desk/tickets/{ticket.number}/").content.decode()
    assert "Tim Lama" in page


# --- durable consumers ------------------------------------------------------------------------


class Crash(BaseException):
    """The process dying half-way (not an Exception: nothing may catch it)."""


@pytest.fixture
def effects_consumer():
    """A consumer of desk.ticket.created whose effect is a row per event: a second effect
    for one event would break the row's unique constraint."""
    behaviour = {"crash_on": None, "fail_on": None, "handled": []}

    def handle(event):
        behaviour["handled"].append(event.pk)
        Sequence.objects.create(organisation_id=event.organisation_id, name=f"effect-{event.pk}")
        if event.pk == behaviour["crash_on"]:
            raise Crash
        if event.pk == behaviour["fail_on"]:
            raise RuntimeError("the consumer has a bug")

    consumer = eventlog.consumer(
        "test.effects", types=[desk_events.TICKET_CREATED], handle=handle, start="beginning"
    )
    yield behaviour
    eventlog._consumers.pop(consumer.name, None)


def effects() -> list[str]:
    return sorted(
        Sequence.objects.filter(name__startswith="effect-").values_list("name", flat=True)
    )


def created_event_ids() -> list[int]:
    return list(
        Event.objects.filter(type="desk.ticket.created").order_by("id").values_list("pk", flat=True)
    )


def test_a_consumer_gets_each_event_once_in_order(org, make_ticket, effects_consumer):
    for n in range(3):
        make_ticket(subject=f"Tiket {n}")

    assert eventlog.events_dispatch(only=["test.effects"]) == 3
    assert eventlog.events_dispatch(only=["test.effects"]) == 0

    assert effects_consumer["handled"] == created_event_ids()
    assert effects() == sorted(f"effect-{pk}" for pk in created_event_ids())


def test_the_dispatch_job_drains_a_backlog_of_several_batches(
    org, make_ticket, effects_consumer, monkeypatch
):
    from karcis.core import tasks

    for n in range(5):
        make_ticket(subject=f"Tiket {n}")
    dispatch = eventlog.events_dispatch
    monkeypatch.setattr(eventlog, "events_dispatch", lambda: dispatch(batch=2))

    tasks.events_dispatch_task()

    assert effects() == sorted(f"effect-{pk}" for pk in created_event_ids())


def test_a_crash_half_way_resumes_without_missing_or_repeating(org, make_ticket, effects_consumer):
    for n in range(5):
        make_ticket(subject=f"Tiket {n}")
    ids = created_event_ids()
    effects_consumer["crash_on"] = ids[2]

    with pytest.raises(Crash):
        eventlog.events_dispatch(only=["test.effects"])
    # The crash took the whole dispatch with it: no effect, and the cursor did not move.
    assert effects() == []

    effects_consumer["crash_on"] = None
    assert eventlog.events_dispatch(only=["test.effects"]) == 5
    assert effects() == sorted(f"effect-{pk}" for pk in ids)


def test_a_failing_event_keeps_what_came_before_and_is_tried_again(
    org, make_ticket, effects_consumer
):
    for n in range(4):
        make_ticket(subject=f"Tiket {n}")
    ids = created_event_ids()
    effects_consumer["fail_on"] = ids[2]

    assert eventlog.events_dispatch(only=["test.effects"]) == 2
    cursor = EventCursor.objects.get(consumer="test.effects")
    assert cursor.position_id == ids[1] and cursor.failures == 1
    assert f"event {ids[2]}" in cursor.last_error and "the consumer has a bug" in cursor.last_error
    assert effects() == sorted(f"effect-{pk}" for pk in ids[:2])
    [status] = [row for row in eventlog.event_cursors_status() if row["consumer"] == "test.effects"]
    assert status["waiting"] == 2 and status["last_error"]

    effects_consumer["fail_on"] = None
    assert eventlog.events_dispatch(only=["test.effects"]) == 2
    assert effects() == sorted(f"effect-{pk}" for pk in ids)
    assert EventCursor.objects.get(consumer="test.effects").last_error == ""


def test_a_consumer_that_starts_now_skips_an_existing_history(org, make_ticket):
    make_ticket(subject="Lama")
    handled = []
    consumer = eventlog.consumer(
        "test.from-now", types=[desk_events.TICKET_CREATED], handle=lambda e: handled.append(e.pk)
    )
    try:
        eventlog.event_cursors_prepare(history_exists=True)
        new = make_ticket(subject="Baru")
        eventlog.events_dispatch(only=["test.from-now"])
    finally:
        eventlog._consumers.pop(consumer.name)

    assert handled == [Event.objects.get(type="desk.ticket.created", object_id=new.pk).pk]


def test_each_event_is_handled_in_its_organisations_scope(org, other_org, make_ticket):
    from django_scopes.state import get_scope

    from karcis.core import services as core_services

    scopes = []
    consumer = eventlog.consumer(
        "test.scopes",
        types=[desk_events.TICKET_CREATED],
        handle=lambda event: scopes.append(
            (event.organisation_id, get_scope().get("organisation"))
        ),
        start="beginning",
    )
    try:
        make_ticket()
        other = core_services.contact_resolve(organisation=other_org, email="x@lain.test")
        desk_services.ticket_create(
            organisation=other_org,
            requester=other,
            subject="Lain",
            body=body_from(text="x"),
            channel="web",
        )
        eventlog.events_dispatch(only=["test.scopes"])
    finally:
        eventlog._consumers.pop(consumer.name)

    assert scopes == [(org.pk, org.pk), (other_org.pk, other_org.pk)]


# --- PostgreSQL: concurrent writers and dispatchers -------------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite runs one writing transaction at a time"
)


def _in_thread(function):
    errors = []

    def run():
        try:
            with scopes_disabled():
                function()
        except BaseException as error:  # noqa: BLE001 (reported to the test)
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_never_hand_an_event_over_twice(org, make_ticket):
    for n in range(20):
        make_ticket(subject=f"Tiket {n}")
    handled = []

    def slow(event):
        handled.append(event.pk)
        Sequence.objects.create(organisation_id=event.organisation_id, name=f"effect-{event.pk}")
        time.sleep(0.01)

    consumer = eventlog.consumer(
        "test.concurrent", types=[desk_events.TICKET_CREATED], handle=slow, start="beginning"
    )
    try:
        runs = [
            _in_thread(lambda: eventlog.events_dispatch(only=["test.concurrent"])) for _ in range(3)
        ]
        for thread, errors in runs:
            thread.join()
            assert errors == []
        eventlog.events_dispatch(only=["test.concurrent"])
    finally:
        eventlog._consumers.pop(consumer.name)

    assert sorted(handled) == created_event_ids()
    assert effects() == sorted(f"effect-{pk}" for pk in created_event_ids())


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_an_event_that_commits_late_is_not_skipped(org, agent, make_ticket):
    slow_ticket, quick_ticket = make_ticket(subject="Lambat"), make_ticket(subject="Cepat")
    handled = []
    consumer = eventlog.consumer(
        "test.late",
        types=[desk_events.NOTE_ADDED],
        handle=lambda event: handled.append(event.object_id),
        start="beginning",
    )
    wrote, release = threading.Event(), threading.Event()

    def slow_writer():
        with transaction.atomic():
            desk_services.message_add(
                ticket=slow_ticket, body=body_from(text="Lambat"), kind="note", author_user=agent
            )
            wrote.set()
            release.wait(10)

    try:
        thread, errors = _in_thread(slow_writer)
        assert wrote.wait(10)
        # Written and committed while the slow transaction, which began first, is still open.
        desk_services.message_add(
            ticket=quick_ticket, body=body_from(text="Cepat"), kind="note", author_user=agent
        )
        eventlog.events_dispatch(only=["test.late"])
        # Nothing may pass the open transaction: it could still commit an earlier event.
        assert handled == []
        release.set()
        thread.join()
        assert errors == []
        eventlog.events_dispatch(only=["test.late"])
    finally:
        eventlog._consumers.pop(consumer.name)

    assert handled == [slow_ticket.pk, quick_ticket.pk]


def test_operators_see_each_consumer_with_its_backlog(org, make_ticket, effects_consumer):
    from io import StringIO

    from django.core.management import call_command

    make_ticket()
    out = StringIO()
    call_command("events", stdout=out)
    assert "test.effects" in out.getvalue() and "desk.notifications" in out.getvalue()
    line = next(row for row in out.getvalue().splitlines() if row.startswith("test.effects"))
    assert line.split()[1] == "1"  # one event waiting

    out = StringIO()
    call_command("events", "--dispatch", stdout=out)
    line = next(row for row in out.getvalue().splitlines() if row.startswith("test.effects"))
    assert line.split()[1:3] == ["0", "1"]
