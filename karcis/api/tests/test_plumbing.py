"""What every endpoint shares: errors in the caller's language, the OpenAPI document and its
offline docs page, and API tokens."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

from karcis.api.authentication import TokenAuthentication
from karcis.core.models import Role
from karcis.desk.models import Ticket


@pytest.mark.parametrize(
    "language, message",
    [
        (
            "id",
            "Isi permintaan bukan JSON yang sah (baris 1, kolom 13). Kirim sebuah objek JSON, "
            'misalnya {"subject": "…"}.',
        ),
        (
            "en",
            "The request body is not valid JSON (line 1, column 13). Send a JSON object, e.g. "
            '{"subject": "…"}.',
        ),
    ],
)
def test_malformed_json_is_400_in_the_callers_language(api, agent, language, message):
    response = api(agent, language=language).post(
        "/api/tickets/", '{"subject": x}', content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {"detail": message}
    assert Ticket.objects.count() == 0


def test_indonesian_is_the_default_language(api, agent):
    client = api(agent)
    client.defaults.pop("HTTP_ACCEPT_LANGUAGE")

    response = client.post("/api/tickets/", "{", content_type="application/json")

    assert response.json()["detail"].startswith("Isi permintaan bukan JSON yang sah")


@pytest.mark.parametrize("body", ["NaN", b"\xff\xfe{}"])
def test_json_that_is_not_json_is_400(api, agent, body):
    response = api(agent).post("/api/tickets/", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"detail": "Isi permintaan bukan JSON yang sah."}


def test_a_json_list_instead_of_an_object_is_400(api, agent):
    response = api(agent, language="en").post(
        "/api/tickets/", "[1, 2]", content_type="application/json"
    )

    assert response.status_code == 400
    assert "Expected a dictionary" in str(response.json())


def test_an_unsupported_content_type_is_415(api, agent):
    response = api(agent).post("/api/tickets/", "subject=x", content_type="text/plain")

    assert response.status_code == 415


def test_anonymous_is_told_to_authenticate_in_indonesian(db, api):
    response = api().get("/api/tickets/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Data autentikasi tidak diberikan."}


def test_a_signed_in_browser_session_works_too(client, agent, make_ticket):
    make_ticket()
    client.force_login(agent)

    response = client.get("/api/tickets/")

    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_the_api_root_lists_the_endpoints(api, agent):
    body = api(agent).get("/api/").json()

    assert set(body) == {
        "tickets",
        "contacts",
        "users",
        "teams",
        "categories",
        "business-calendars",
        "sla-policies",
        "routing-rules",
        "queue/points",
        "queue/services",
        "queue/counters",
        "queue/tickets",
    }


# --- OpenAPI ----------------------------------------------------------------------------


def test_the_openapi_document_validates_without_warnings(db, tmp_path):
    # --fail-on-warn turns every warning of drf-spectacular (a type it had to guess, a
    # name clash) into a failure; --validate checks the result against the OpenAPI 3 schema.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))


def test_the_schema_is_served_and_documents_idempotency(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    creates = [
        operation
        for path in schema["paths"].values()
        for method, operation in path.items()
        # Actions on a ticket (merge, links) and a queue counter's are POSTs that create
        # nothing.
        if method == "post" and operation["operationId"].endswith("_create")
    ]
    assert len(creates) == 13
    for operation in creates:
        assert "Idempotency-Key" in [p["name"] for p in operation.get("parameters", [])]
        assert {"201", "409", "422"} <= set(operation["responses"])
    assert "api_token" in schema["components"]["securitySchemes"]["tokenAuth"]["description"]


def test_the_schema_says_which_capabilities_may_call_each_action(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    ticket_change = schema["paths"]["/api/tickets/{number}/"]["patch"]["description"]
    user_create = schema["paths"]["/api/users/"]["post"]["description"]
    assert "**Who may call:** a role or grant with `desk.ticket.update`." in ticket_change
    assert "`core.staff.manage`" in user_create
    # Every operation of the API says it: no endpoint is open without naming who may use it.
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method in {"get", "post", "patch", "put", "delete"}:
                assert "Who may call" in operation.get("description", ""), (method, path)


def test_the_docs_page_loads_everything_from_our_own_server(client, db):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, "the page loads Swagger UI from somewhere"
    # Every file from this server: the static files, and the page's settings script (?script)
    # served beside it (no inline script under the Content-Security-Policy).
    assert all(asset.startswith(("/static/", "/api/docs/?script")) for asset in assets), assets
    assert "cdn" not in html.lower()
    assert "<style" not in html and "<script>" not in html
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        if "?script" in asset:  # no badge fetched from validator.swagger.io
            assert b'"validatorUrl": null' in response.content


# --- tokens -----------------------------------------------------------------------------


def test_api_token_prints_the_same_token_until_rotated(agent, api):
    def run(*args):
        out = StringIO()
        call_command("api_token", *args, stdout=out)
        return out.getvalue().strip()

    first = run("BUDI@nusantara.test")
    again = run("budi@nusantara.test")
    rotated = run("budi@nusantara.test", "--rotate")

    assert first == again
    assert len(first) == 40
    assert rotated != first
    assert Token.objects.get(user=agent).key == rotated
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {rotated}")
    assert client.get("/api/tickets/").status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert client.get("/api/tickets/").status_code == 401


def test_api_token_refuses_unknown_and_deactivated_users(db, agent, admin_user):
    with pytest.raises(CommandError, match="No user"):
        call_command("api_token", "siapa@nusantara.test", stdout=StringIO())
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    with pytest.raises(CommandError, match="deactivated"):
        call_command("api_token", agent.email, stdout=StringIO())


# --- the cached token look-up -----------------------------------------------------------


def token_of(client) -> str:
    return client._credentials["HTTP_AUTHORIZATION"].split()[1]


def test_a_token_is_read_once_then_served_from_the_cache(api, agent, django_assert_num_queries):
    client = api(agent)
    client.get("/api/tickets/")
    with django_assert_num_queries(0):
        user, _token = TokenAuthentication().authenticate_credentials(token_of(client))
    assert user == agent
    assert user.organisation == agent.organisation


def test_a_rotated_token_stops_working_at_once(api, agent):
    client = api(agent)
    assert client.get("/api/tickets/").status_code == 200  # now cached
    call_command("api_token", agent.email, "--rotate", stdout=StringIO())
    assert client.get("/api/tickets/").status_code == 401


def test_a_deactivated_user_is_refused_at_once(api, agent):
    client = api(agent)
    assert client.get("/api/tickets/").status_code == 200
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert client.get("/api/tickets/").status_code == 401


def test_a_changed_role_applies_to_the_next_request(api, admin_user):
    client = api(admin_user)
    assert client.post("/api/teams/", {"name": "Tim Baru"}, format="json").status_code == 201
    admin_user.role = Role.AGENT
    admin_user.save(update_fields=["role"])
    assert client.post("/api/teams/", {"name": "Tim Lain"}, format="json").status_code == 403


def test_a_changed_organisation_is_read_again(api, agent, org):
    client = api(agent)
    client.get("/api/tickets/")
    org.ticket_prefix = "ADU"
    org.save(update_fields=["ticket_prefix"])
    user, _token = TokenAuthentication().authenticate_credentials(token_of(client))
    assert user.organisation.ticket_prefix == "ADU"
