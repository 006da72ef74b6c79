"""The SLA in the REST API: `sla` on every ticket, policies for admins only."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from karcis.sla import services

WIB = ZoneInfo("Asia/Jakarta")


def test_every_ticket_representation_has_its_sla(api, agent, policy, make_ticket):
    created = datetime.now(WIB).replace(microsecond=0) - timedelta(minutes=5)
    ticket = make_ticket(created_at=created, team=agent.teams.first())
    body = api(agent).get(f"/api/tickets/{ticket.number}/").json()
    first, resolution = body["sla"]
    assert first == {
        "target": "first_response",
        "due_at": (created + timedelta(minutes=60)).astimezone(WIB).isoformat(),
        "state": "on_time",
        "met_at": None,
        "breached_at": None,
        "policy": policy.pk,
    }
    assert resolution["target"] == "resolution"
    listed = api(agent).get("/api/tickets/").json()["results"][0]
    assert listed["sla"] == body["sla"]


def test_the_created_ticket_answers_with_its_sla(api, agent, policy, django_assert_num_queries):
    client = api(agent)
    payload = {"subject": "Halo", "description": "Tolong", "requester": {"email": "a@b.test"}}
    client.post("/api/tickets/", payload, format="json")
    answer = client.post("/api/tickets/", payload, format="json").json()
    assert [clock["target"] for clock in answer["sla"]] == ["first_response", "resolution"]
    assert answer["sla"][0]["state"] == "on_time"


def test_customers_do_not_see_the_sla(api, customer, policy, make_ticket):
    make_ticket(requester=customer.contact)
    body = api(customer).get("/api/tickets/").json()
    assert body["results"][0]["sla"] == []


def test_the_list_reads_clocks_in_one_query(
    api, admin_user, policy, make_ticket, django_assert_num_queries
):
    client = api(admin_user)
    client.get("/api/tickets/")
    make_ticket()
    # the page's count, the tickets, the requesters' addresses, the tags, the clocks
    with django_assert_num_queries(5) as first:
        client.get("/api/tickets/")
    for _ in range(5):
        make_ticket()
    with django_assert_num_queries(len(first.captured_queries)):
        assert len(client.get("/api/tickets/").json()["results"]) == 6


# --- policies -------------------------------------------------------------------------------

NEW_POLICY = {
    "name": "Mendesak",
    "priorities": ["urgent"],
    "first_response_minutes": 30,
    "next_response_minutes": 60,
    "resolution_minutes": 240,
    "business_time": True,
    "warning_percent": 80,
    "on_breach": {"notify": True, "tag": "sla-dilanggar"},
}


def test_admin_manages_policies(api, admin_user, team_billing):
    client = api(admin_user)
    created = client.post("/api/sla-policies/", NEW_POLICY, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["position"] == 1
    assert body["on_breach"] == {
        "notify": True,
        "raise_priority": False,
        "team": None,
        "tag": "sla-dilanggar",
    }
    changed = client.patch(
        f"/api/sla-policies/{body['id']}/", {"teams": [team_billing.pk]}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["teams"] == [team_billing.pk]
    assert client.get("/api/sla-policies/").json()["results"][0]["name"] == "Mendesak"
    # Order: a second policy put first.
    second = client.post(
        "/api/sla-policies/",
        {"name": "VIP", "vip": True, "first_response_minutes": 15, "position": 1},
        format="json",
    ).json()
    assert second["position"] == 1
    names = [p["name"] for p in client.get("/api/sla-policies/").json()["results"]]
    assert names == ["VIP", "Mendesak"]
    moved = client.patch(f"/api/sla-policies/{body['id']}/", {"position": 1}, format="json")
    assert moved.json()["position"] == 1
    assert client.delete(f"/api/sla-policies/{body['id']}/").status_code == 204


def test_bad_policy_input_is_refused_by_field(api, admin_user):
    client = api(admin_user)
    answer = client.post(
        "/api/sla-policies/",
        {"name": "X", "first_response_minutes": 0, "teams": [999999], "colour": "red"},
        format="json",
    )
    assert answer.status_code == 400
    assert "colour" in str(answer.json())
    answer = client.post(
        "/api/sla-policies/", {"name": "X", "first_response_minutes": 0}, format="json"
    )
    assert answer.status_code == 400
    assert "first_response_minutes" in str(answer.json())
    answer = client.post("/api/sla-policies/", {"name": "X", "teams": [999999]}, format="json")
    assert answer.status_code == 400


@pytest.mark.parametrize("who", ["agent", "anonymous", "other_org_admin"])
def test_only_the_organisations_admins_reach_policies(api, who, agent, other_org, policy):
    from karcis.core.models import Role
    from karcis.core.services import staff_user_create

    if who == "agent":
        client = api(agent)
    elif who == "anonymous":
        client = api()
    else:
        stranger = staff_user_create(
            organisation=other_org,
            email="adm@lain.test",
            name="Admin Lain",
            role=Role.ADMIN,
            password="rahasia-123",
        )
        client = api(stranger)
        assert client.get(f"/api/sla-policies/{policy.pk}/").status_code == 404
        assert client.get("/api/sla-policies/").json()["count"] == 0
        return
    expected = 403 if who == "agent" else 401
    assert client.get("/api/sla-policies/").status_code == expected
    assert client.post("/api/sla-policies/", NEW_POLICY, format="json").status_code == expected
    assert client.delete(f"/api/sla-policies/{policy.pk}/").status_code == expected


def test_policies_are_in_the_schema(api, admin_user):
    schema = api(admin_user).get("/api/schema/", HTTP_ACCEPT="application/json")
    text = schema.content.decode()
    assert "/api/sla-policies/" in text
    assert "SlaClock" in text


def test_a_ticket_routed_on_creation_answers_with_its_teams_policy(
    api, agent, admin_user, org, team_billing
):
    """Routing gives the new ticket a team in the same transaction; the answer's `sla` is
    the one of the team's policy, not the one computed before routing."""
    from karcis.routing import services as routing

    services.policy_create(
        organisation=org,
        actor=admin_user,
        name="Tim Tagihan",
        teams=[team_billing.pk],
        first_response_minutes=15,
        business_time=False,
    )
    other = services.policy_create(
        organisation=org,
        actor=admin_user,
        name="Lainnya",
        first_response_minutes=90,
        business_time=False,
    )
    routing.rule_create(
        organisation=org,
        actor=admin_user,
        name="Semua ke Tagihan",
        team=team_billing,
        keywords=["tagihan"],
    )
    payload = {
        "subject": "Tagihan ganda",
        "description": "Tagihan saya dobel",
        "requester": {"email": "a@b.test"},
    }
    answer = api(agent).post("/api/tickets/", payload, format="json").json()
    assert answer["team"]["id"] == team_billing.pk
    assert [clock["policy"] for clock in answer["sla"]] != [other.pk]
    stored = api(agent).get(f"/api/tickets/{answer['number']}/").json()
    assert answer["sla"] == stored["sla"]
