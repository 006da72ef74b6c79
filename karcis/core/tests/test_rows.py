"""core.rows: a new row as Model.save() would write it, and a row with those it points to as
select_related would read it, each in a statement built once."""

import pytest
from django.db import connection
from django.forms.models import model_to_dict

from karcis.core.models import Contact, Event
from karcis.core.rows import (
    row_insert,
    row_update,
    row_with_related,
    rows_update,
    rows_upsert,
    values_where,
)
from karcis.core.services import _TransactionId


def test_the_row_is_the_one_save_would_write(org):
    by_save = Contact(organisation=org, name="Ani", notes="catatan")
    by_save.save()
    inserted = row_insert(Contact(organisation=org, name="Ani", notes="catatan"))

    assert inserted.pk and inserted.pk != by_save.pk
    assert not inserted._state.adding
    stored = Contact.objects.get(pk=inserted.pk)
    expected = model_to_dict(Contact.objects.get(pk=by_save.pk), exclude=["id", "created_at"])
    assert model_to_dict(stored, exclude=["id", "created_at"]) == expected
    assert stored.created_at is not None  # the field's default, as save() would


def _event_inserted(org, **fields) -> Event:
    return row_insert(
        Event(
            organisation=org,
            type="test.thing",
            object_type="core.contact",
            object_id=1,
            payload={"kata": "halo", "angka": [1, 2]},
            tx_id=_TransactionId(),
            **fields,
        )
    )


def test_json_values_and_expressions_are_written(org):
    event = _event_inserted(org)
    stored = Event.objects.get(pk=event.pk)
    assert stored.payload == {"kata": "halo", "angka": [1, 2]}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()::text::bigint")
            assert stored.tx_id == cursor.fetchone()[0]  # this transaction's id


def test_a_model_whose_key_is_not_generated_is_refused(db):
    from django.contrib.sessions.models import Session  # its key is chosen by the caller

    with pytest.raises(TypeError, match="needs Model.save"):
        row_insert(Session(session_key="x", session_data="", expire_date=None))


def _fields(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.fields}


def test_a_row_and_its_related_rows_read_as_select_related_reads_them(
    org, contact, django_assert_num_queries
):
    event = _event_inserted(org, actor_contact=contact)
    related = ("organisation", "actor", "actor_contact")
    expected = Event.objects.select_related(*related).get(pk=event.pk)

    read = row_with_related(Event, event.pk, related)

    assert _fields(read) == _fields(expected)  # JSON decoded, dates aware (SQLite too)
    assert read.payload == {"kata": "halo", "angka": [1, 2]}
    assert read.created_at.tzinfo is not None
    assert _fields(read.organisation) == _fields(expected.organisation)
    assert _fields(read.actor_contact) == _fields(expected.actor_contact)
    with django_assert_num_queries(0):
        assert read.actor is None  # NULL: known, not read again
        assert read.organisation.pk == org.pk


def test_no_row_is_none(org):
    assert row_with_related(Event, 987654, ("organisation",)) is None


# --- values_where, row_update, rows_update, rows_upsert --------------------------------------


def test_values_are_those_the_orm_reads(org):
    for number in range(3):
        Event.objects.create(
            organisation=org,
            type="test.thing",
            object_type="core.contact",
            object_id=7,
            payload={"n": number},
        )
    Event.objects.create(
        organisation=org, type="test.thing", object_type="core.contact", object_id=8
    )
    columns = ("type", "created_at", "actor", "payload")
    ours = values_where(Event, columns, where={"object_type": "core.contact", "object_id": 7})
    orm = list(
        Event.objects.filter(object_type="core.contact", object_id=7)
        .order_by("id")
        .values_list("type", "created_at", "actor", "payload")
    )
    assert ours == orm and len(ours) == 3
    assert [row[3] for row in ours] == [{"n": 0}, {"n": 1}, {"n": 2}]


def test_updates_write_what_save_would(org):
    first = Contact.objects.create(organisation=org, name="Ani")
    second = Contact.objects.create(organisation=org, name="Budi")
    first.name, first.vip = "Ani Rahayu", True
    row_update(first, ("name", "vip"))
    second.notes, first.notes = "dua", "satu"
    rows_update([first, second], ("notes",))
    assert list(Contact.objects.order_by("pk").values_list("name", "vip", "notes")) == [
        ("Ani Rahayu", True, "satu"),
        ("Budi", False, "dua"),
    ]


def test_an_upsert_inserts_or_replaces_by_the_unique_fields(org):
    from karcis.core.models import NotificationPreference, User

    user = User.objects.create(organisation=org, email="a@b.test", name="A")
    rows_upsert(
        [
            NotificationPreference(
                organisation=org, user=user, kind="desk.assigned", channel="app", enabled=True
            )
        ],
        unique=("user", "kind", "channel"),
    )
    rows_upsert(
        [
            NotificationPreference(
                organisation=org, user=user, kind="desk.assigned", channel="app", enabled=False
            ),
            NotificationPreference(
                organisation=org, user=user, kind="desk.assigned", channel="email", enabled=True
            ),
        ],
        unique=("user", "kind", "channel"),
    )
    assert sorted(NotificationPreference.objects.values_list("channel", "enabled")) == [
        ("app", False),
        ("email", True),
    ]


def test_an_upsert_leaves_an_unchanged_row_alone(org):
    if connection.vendor != "postgresql":
        pytest.skip("a row version's place (ctid) is PostgreSQL's")
    from karcis.core.models import NotificationPreference, User

    user = User.objects.create(organisation=org, email="a@b.test", name="A")

    def write(enabled: bool) -> None:
        preference = NotificationPreference(
            organisation=org, user=user, kind="desk.assigned", channel="app", enabled=enabled
        )
        rows_upsert([preference], unique=("user", "kind", "channel"))

    def version() -> str:
        with connection.cursor() as cursor:
            # Where the row's current version lies: a rewrite moves it, even in one
            # transaction.
            cursor.execute("SELECT ctid::text FROM core_notificationpreference")
            return cursor.fetchone()[0]

    write(True)
    first = version()
    write(True)
    assert version() == first
    write(False)
    assert version() != first
    assert NotificationPreference.objects.get().enabled is False
