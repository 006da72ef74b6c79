"""core.rows.row_insert: a new row as Model.save() would write it, in a statement built once."""

import pytest
from django.db import connection
from django.forms.models import model_to_dict

from karcis.core.models import Contact, Event
from karcis.core.rows import row_insert
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


def test_json_values_and_expressions_are_written(org):
    event = row_insert(
        Event(
            organisation=org,
            type="test.thing",
            object_type="core.contact",
            object_id=1,
            payload={"kata": "halo", "angka": [1, 2]},
            tx_id=_TransactionId(),
        )
    )
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
