"""Idempotency-Key on POST creates: replay, refusal of a reused key, concurrency, expiry."""

import threading
from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from karcis.api import idempotency
from karcis.api import services as api_services
from karcis.api.models import IdempotencyKey
from karcis.core.models import Contact, Team
from karcis.desk.models import Category, Message, Ticket

TICKET = {
    "subject": "Tagihan dobel",
    "description": "Ditagih dua kali.",
    "requester": {"name": "Wati", "email": "wati@example.com"},
}


def post_ticket(client, key="kunci-1", payload=TICKET):
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return client.post("/api/tickets/", payload, format="json", **headers)


def test_a_retry_replays_the_first_response_and_creates_nothing(api, agent):
    client = api(agent)

    first = post_ticket(client)
    retry = post_ticket(client)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Ticket.objects.count() == 1
    assert Contact.objects.count() == 1


def test_another_key_is_another_ticket(api, agent):
    client = api(agent)

    post_ticket(client, key="a")
    post_ticket(client, key="b")

    assert Ticket.objects.count() == 2


def test_keys_belong_to_one_user(api, agent, admin_user):
    first = post_ticket(api(agent))
    second = post_ticket(api(admin_user))

    assert first.json()["number"] != second.json()["number"]
    assert "Idempotent-Replayed" not in second


@pytest.mark.parametrize(
    "language, message",
    [
        (
            "id",
            "Idempotency-Key ini sudah dipakai untuk permintaan lain. Kirim kunci baru untuk "
            "permintaan baru.",
        ),
        (
            "en",
            "This Idempotency-Key was already used for a different request. Send a new key "
            "with a new request.",
        ),
    ],
)
def test_the_same_key_with_another_body_is_422(api, agent, language, message):
    client = api(agent, language=language)
    post_ticket(client)

    response = post_ticket(client, payload={**TICKET, "subject": "Lain"})

    assert response.status_code == 422
    assert response.json() == {"detail": message}
    assert Ticket.objects.count() == 1


def test_the_same_key_on_another_endpoint_is_422(api, agent):
    client = api(agent)
    post_ticket(client)

    response = client.post("/api/contacts/", TICKET, format="json", HTTP_IDEMPOTENCY_KEY="kunci-1")

    assert response.status_code == 422


def test_a_rejected_request_stores_nothing_and_may_be_corrected(api, agent):
    client = api(agent)

    rejected = post_ticket(client, payload={**TICKET, "subject": ""})
    corrected = post_ticket(client)

    assert rejected.status_code == 400
    assert corrected.status_code == 201
    assert "Idempotent-Replayed" not in corrected


def test_response_and_object_are_saved_together_or_not_at_all(api, agent, monkeypatch):
    def crash(**kwargs):
        raise RuntimeError("the server died here")

    monkeypatch.setattr(api_services, "idempotency_key_store", crash)

    with pytest.raises(RuntimeError):
        post_ticket(api(agent))

    assert Ticket.objects.count() == 0
    assert IdempotencyKey.objects.count() == 0


def test_a_key_stored_meanwhile_rolls_back_the_duplicate_and_replays(api, agent, monkeypatch):
    # Given a first request done, and a retry whose look-up misses it (as in the race
    # the look-up leaves open: the first request committed after the look-up's snapshot
    # was taken): the unique (user, key) constraint stops the retry, which is replayed.
    client = api(agent)
    first = post_ticket(client)
    real_lock_and_find = idempotency._lock_and_find
    missed = []

    def lock_and_miss(**kwargs):
        missed.append(real_lock_and_find(**kwargs))  # takes the lock, finds the record…
        return None  # …and misses it

    monkeypatch.setattr(idempotency, "_lock_and_find", lock_and_miss)

    retry = post_ticket(client)

    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert Ticket.objects.count() == 1
    assert len(missed) == 1 and missed[0] is not None


def test_a_key_costs_two_queries(api, agent):
    # The look-up (with the lock on PostgreSQL) and the stored response; savepoints aside,
    # which only the test's own transaction makes necessary.
    client = api(agent)

    def statements(**kwargs):
        payload = {**TICKET, "requester": {"name": "Wati", "email": kwargs.pop("email")}}
        with CaptureQueriesContext(connection) as captured:
            assert post_ticket(client, payload=payload, **kwargs).status_code == 201
        return [q["sql"] for q in captured if "SAVEPOINT" not in q["sql"]]

    statements(email="pertama@example.com", key=None)  # the first ticket starts the numbering
    without_key = statements(email="satu@example.com", key=None)
    with_key = statements(email="dua@example.com", key="kunci-baru")

    assert len(with_key) == len(without_key) + 2


@pytest.mark.parametrize("key", ["", " ", "x" * 201])
def test_a_bad_key_is_400(api, agent, key):
    response = post_ticket(api(agent), key=key)

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert Ticket.objects.count() == 0


def test_keys_expire_after_a_day(api, agent):
    client = api(agent)
    post_ticket(client)
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))

    again = post_ticket(client)

    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert Ticket.objects.count() == 2


def test_purge_deletes_only_old_keys(api, agent, admin_user):
    post_ticket(api(agent), key="lama")
    post_ticket(api(agent), key="baru")
    IdempotencyKey.objects.filter(key="lama").update(
        created_at=timezone.now() - timedelta(hours=25)
    )

    assert api_services.idempotency_keys_purge() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["baru"]


@pytest.mark.parametrize(
    "path, payload, model",
    [
        ("/api/contacts/", {"name": "Wati", "email": "wati@example.com"}, Contact),
        ("/api/teams/", {"name": "Keluhan"}, Team),
        ("/api/categories/", {"name": "Denda"}, Category),
    ],
)
def test_every_create_is_idempotent(api, admin_user, path, payload, model):
    client = api(admin_user)
    before = model.objects.count()

    first = client.post(path, payload, format="json", HTTP_IDEMPOTENCY_KEY="k")
    retry = client.post(path, payload, format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert first.status_code == 201, first.json()
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert model.objects.count() == before + 1


def test_user_create_is_idempotent(api, admin_user):
    client = api(admin_user)
    payload = {"email": "crm@nusantara.test", "name": "CRM"}

    first = client.post("/api/users/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k")
    retry = client.post("/api/users/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()


def test_a_message_with_a_file_is_posted_once(api, agent, make_ticket, png_upload):
    ticket = make_ticket()
    client = api(agent)
    path = f"/api/tickets/{ticket.number}/messages/"

    first = client.post(
        path,
        {"body": "Lihat", "files": [png_upload()]},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="m",
    )
    retry = client.post(
        path,
        {"body": "Lihat", "files": [png_upload()]},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="m",
    )
    other_file = client.post(
        path,
        {"body": "Lihat", "files": [png_upload("lain.png")]},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="m",
    )

    assert first.status_code == retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert other_file.status_code == 422
    assert Message.objects.count() == 2  # the ticket's first message and this one


# --- concurrency (PostgreSQL) -----------------------------------------------------------

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite runs one write transaction at a time: a duplicate simply waits",
)


@needs_postgresql
def test_a_duplicate_in_flight_is_told_to_retry(api, agent):
    # Given another request holding the lock of this key (its transaction still open)
    settings = connection.settings_dict
    holder = psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        password=settings["PASSWORD"] or None,
        autocommit=True,
    )
    try:
        holder.execute(
            "SELECT pg_advisory_lock(%s)", [idempotency.lock_id(user_id=agent.pk, key="kunci-1")]
        )

        response = post_ticket(api(agent, language="en"))

        assert response.status_code == 409
        assert response.json() == {
            "detail": "A request with this Idempotency-Key is still being "
            "processed; retry in a moment."
        }
        assert Ticket.objects.count() == 0
    finally:
        holder.close()
    assert post_ticket(api(agent)).status_code == 201


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_identical_requests_at_once_make_one_ticket(api, agent):
    clients = [api(agent) for _ in range(6)]
    start = threading.Barrier(len(clients))
    responses = []

    def send(client):
        try:
            start.wait()
            responses.append(post_ticket(client))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Ticket.objects.count() == 1
    codes = [r.status_code for r in responses]
    assert len(codes) == len(clients)
    assert set(codes) <= {201, 409}
    created = [r for r in responses if r.status_code == 201]
    assert sum("Idempotent-Replayed" not in r for r in created) == 1
    assert all(r.json() == created[0].json() for r in created)
