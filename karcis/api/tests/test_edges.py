"""The API's edges, as an attacker or a careless integration meets them: bodies nested too
deeply or too large, values of the wrong JSON type, and keys a caller may not set. Every
refusal is a 4xx in JSON, in the shape of every other API error, and nothing is saved."""

import json

import pytest

from karcis.core.models import Contact, Team
from karcis.desk.models import Category, Ticket


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [21, 5_000, 200_000])
def test_a_body_nested_too_deeply_is_400_json(api, agent, depth):
    response = api(agent, language="en").post(
        "/api/tickets/", '{"subject": ' + nested(depth) + "}", content_type="application/json"
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "The request body is nested too deeply (at most 20 levels of objects and arrays)."
    }
    assert Ticket.objects.count() == 0


def test_nesting_within_the_limit_is_read(api, agent, contact):
    response = api(agent).post(
        "/api/tickets/",
        {
            "subject": "Meteran",
            "description": "Angka meteran aneh.",
            "requester_id": contact.pk,
            "custom_fields": {},
        },
        format="json",
    )

    assert response.status_code == 201, response.content


@pytest.mark.parametrize("idempotency_key", [None, "k-1"])
def test_a_body_too_large_is_413_json(api, agent, settings, idempotency_key):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    body = json.dumps({"subject": "x", "description": "y" * (1024 * 1024 + 1)})
    headers = {"HTTP_IDEMPOTENCY_KEY": idempotency_key} if idempotency_key else {}

    response = api(agent, language="en").post(
        "/api/tickets/", body, content_type="application/json", **headers
    )

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "The request body is too large (at most 1 MB)."}
    assert Ticket.objects.count() == 0


def test_a_form_body_too_large_is_413_json_under_api(api, agent, settings, make_ticket):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    ticket = make_ticket()

    response = api(agent, language="en").post(
        f"/api/tickets/{ticket.number}/messages/",
        {"body": "y" * (1024 * 1024 + 1)},
        format="multipart",
    )

    assert response.status_code == 413
    assert response.json()["detail"].startswith("The request body is too large")


# --- types ------------------------------------------------------------------------------

NOT_AN_INTEGER = [1.5, "1.5", True, "satu", {"id": 1}, [1]]


@pytest.mark.parametrize("value", NOT_AN_INTEGER)
@pytest.mark.parametrize("field", ["category", "team", "assignee", "requester_id"])
def test_id_fields_refuse_what_is_not_a_whole_number(api, agent, contact, field, value):
    # 1.5 and true used to be read as id 1 (Django's int()).
    body = {"subject": "S", "description": "D", "requester_id": contact.pk, field: value}

    response = api(agent, language="en").post("/api/tickets/", body, format="json")

    assert response.status_code == 400
    assert response.json()[field] == ["A valid integer is required."]
    assert Ticket.objects.count() == 0


def test_ids_as_digits_in_a_string_still_work(api, agent, contact, team_billing):
    body = {
        "subject": "S",
        "description": "D",
        "requester_id": str(contact.pk),
        "team": str(team_billing.pk),
    }

    assert api(agent).post("/api/tickets/", body, format="json").status_code == 201


@pytest.mark.parametrize("value", [5, 1.5, True, {"a": 1}, ["a"]])
def test_text_fields_refuse_what_is_not_text(api, agent, contact, value):
    body = {"subject": value, "description": "D", "requester_id": contact.pk}

    response = api(agent, language="en").post("/api/tickets/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {"subject": ["Not a valid string."]}


def test_nested_and_list_values_are_checked_too(api, agent):
    body = {
        "subject": "S",
        "description": "D",
        "requester": {"name": 7, "email": "a@example.com"},
        "tags": ["ok", 3],
    }

    response = api(agent, language="en").post("/api/tickets/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "requester": {"name": ["Not a valid string."]},
        "tags": {"1": ["Not a valid string."]},
    }


def test_the_refusal_is_in_the_callers_language(api, agent, contact):
    body = {"subject": 5, "description": "D", "requester_id": contact.pk, "team": 1.5}

    response = api(agent, language="id").post("/api/tickets/", body, format="json")

    assert response.json() == {
        "subject": ["Harus berupa teks."],
        "team": ["Nilai bidang ini harus berupa bilangan bulat."],
    }


# --- keys a caller may not set ------------------------------------------------------------

CANNOT_SET = "This field cannot be set (it is read-only or unknown)."


@pytest.mark.parametrize(
    "url, body, refused",
    [
        (
            "/api/tickets/",
            {"subject": "S", "description": "D", "number": "KRC-9", "status": "closed"},
            ["number", "status"],
        ),
        ("/api/tickets/", {"subject": "S", "description": "D", "prioritas": "high"}, ["prioritas"]),
        ("/api/contacts/", {"name": "Ani", "email": "ani@example.com", "id": 99}, ["id"]),
        ("/api/contacts/", {"name": "Ani", "identities": []}, ["identities"]),
        ("/api/users/", {"email": "b@example.com", "name": "B", "is_active": False}, ["is_active"]),
        ("/api/users/", {"email": "b@example.com", "name": "B", "language": "en"}, ["language"]),
        ("/api/teams/", {"name": "Baru", "id": 5}, ["id"]),
        (
            "/api/categories/",
            {"name": "Baru", "path": "A › B", "is_active": False},
            ["is_active", "path"],
        ),
    ],
)
def test_a_key_the_caller_may_not_set_is_refused_by_name(
    api, admin_user, contact, url, body, refused
):
    if url == "/api/tickets/":
        body["requester_id"] = contact.pk
    before = (Ticket.objects.count(), Contact.objects.count(), Team.objects.count())

    response = api(admin_user, language="en").post(url, body, format="json")

    assert response.status_code == 400
    assert response.json() == {name: [CANNOT_SET] for name in refused}
    assert (Ticket.objects.count(), Contact.objects.count(), Team.objects.count()) == before
    assert not Category.objects.exists()


def test_a_message_refuses_keys_it_does_not_take(api, agent, make_ticket):
    ticket = make_ticket()

    response = api(agent, language="en").post(
        f"/api/tickets/{ticket.number}/messages/",
        {"body": "Halo", "author": {"kind": "user", "id": 1}, "id": 3},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"author": [CANNOT_SET], "id": [CANNOT_SET]}
    assert ticket.messages.count() == 1


def test_a_message_still_takes_files(api, agent, make_ticket, png_upload):
    ticket = make_ticket()

    response = api(agent).post(
        f"/api/tickets/{ticket.number}/messages/",
        {"body": "Lampiran", "files[]": png_upload()},
        format="multipart",
    )

    assert response.status_code == 201, response.content


def test_a_change_refuses_read_only_keys(api, agent, make_ticket):
    ticket = make_ticket()

    response = api(agent, language="en").patch(
        f"/api/tickets/{ticket.number}/",
        {"number": "KRC-1", "priority": "high"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"number": [CANNOT_SET]}
    ticket.refresh_from_db()
    assert ticket.priority == "normal"


def test_directory_updates_refuse_unknown_keys(api, admin_user, agent, team_billing):
    client = api(admin_user, language="en")

    assert client.patch(
        f"/api/users/{agent.pk}/", {"email": "x@example.com"}, format="json"
    ).json() == {"email": [CANNOT_SET]}
    assert client.patch(
        f"/api/teams/{team_billing.pk}/", {"members": [3.5]}, format="json"
    ).json() == {"members": {"0": ["A valid integer is required."]}}


# --- HTML pages meet the same inputs -------------------------------------------------------


def test_a_form_post_too_large_is_a_413_page(client, settings, org):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

    response = client.post("/login/", {"username": "a@example.com", "password": "x" * 2_000_000})

    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "terlalu besar" in response.content.decode()


def test_a_ticket_page_snapshot_nested_too_deeply_is_not_a_500(client, agent, make_ticket):
    # The properties form compares with the page's snapshot of what it showed (JSON).
    ticket = make_ticket()
    client.force_login(agent)

    response = client.post(
        f"/desk/tickets/{ticket.number}/properties/",
        {"status": "open", "priority": "high", "type": "question", "seen": nested(100_000)},
    )

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.priority == "high"


def test_a_request_for_a_host_not_allowed_is_still_a_plain_400(client, db):
    response = client.get("/login/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert "Content-Security-Policy" in response
