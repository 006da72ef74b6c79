"""Routing's pages and endpoints: what they show, what they change, who is refused, and
the queries each list costs."""

import pytest
from django.urls import reverse

from conftest import login
from karcis.core import services as core_services
from karcis.core.models import Event
from karcis.routing import services
from karcis.routing.models import AgentProfile, RoutingRule, TeamRouting

pytestmark = pytest.mark.django_db

SETTINGS_PAGES = [
    ("routing:settings_rules", {}),
    ("routing:settings_rule_create", {}),
    ("routing:settings_assignment", {}),
    ("routing:settings_skills", {}),
    ("routing:settings_preview", {}),
]


@pytest.fixture
def rule(org, admin_user, team_billing):
    return services.rule_create(
        organisation=org, actor=admin_user, name="Tagihan", team=team_billing, keywords=["tagihan"]
    )


def test_the_rules_list_costs_the_same_queries_however_many_rules(
    client, org, admin_user, team_billing, team_tech, django_assert_num_queries
):
    login(client, admin_user)
    services.rule_create(organisation=org, actor=admin_user, name="A", team=team_billing)
    client.get(reverse("routing:settings_rules"))
    with django_assert_num_queries(4) as few:
        response = client.get(reverse("routing:settings_rules"))
    for index in range(5):
        services.rule_create(
            organisation=org, actor=admin_user, name=f"R{index}", team=team_tech, channels=["web"]
        )
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse("routing:settings_rules"))
    assert response.status_code == 200
    assert "R4" in response.content.decode()


def test_the_assignment_page_costs_the_same_queries_however_many_agents(
    client, org, admin_user, team_billing, make_agents, django_assert_num_queries
):
    login(client, admin_user)
    make_agents(team_billing, 1)
    client.get(reverse("routing:settings_assignment"))
    with django_assert_num_queries(8) as few:
        client.get(reverse("routing:settings_assignment"))
    make_agents(team_billing, 4, prefix="lagi")
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse("routing:settings_assignment"))
    assert response.status_code == 200


def test_an_admin_creates_edits_moves_and_deletes_a_rule(client, org, admin_user, team_billing):
    login(client, admin_user)
    response = client.post(
        reverse("routing:settings_rule_create"),
        {
            "name": "Gangguan",
            "team": team_billing.pk,
            "is_active": "on",
            "keywords": "gangguan, internet mati",
        },
    )
    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert rule.keywords == ["gangguan", "internet mati"]
    second = services.rule_create(organisation=org, actor=admin_user, name="Dua", team=team_billing)
    client.post(reverse("routing:settings_rule_move", args=[second.pk]), {"direction": "up"})
    assert list(RoutingRule.objects.order_by("position").values_list("name", flat=True)) == [
        "Dua",
        "Gangguan",
    ]
    response = client.post(
        reverse("routing:settings_rule_edit", args=[rule.pk]),
        {"name": "Gangguan jaringan", "team": team_billing.pk, "channels": ["email"]},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.channels, rule.is_active) == ("Gangguan jaringan", ["email"], False)
    client.post(reverse("routing:settings_rule_delete", args=[rule.pk]))
    assert not RoutingRule.objects.filter(pk=rule.pk).exists()


def test_a_bad_rule_is_a_400_in_the_users_language_and_nothing_is_saved(
    client, admin_user, team_billing
):
    login(client, admin_user)
    response = client.post(
        reverse("routing:settings_rule_create"),
        {"name": "", "team": team_billing.pk, "channels": ["fax"]},
        HTTP_ACCEPT_LANGUAGE="id",
    )
    assert response.status_code == 400
    assert "Belum ada yang disimpan" in response.content.decode()
    assert not RoutingRule.objects.exists()


def test_team_mode_agent_settings_and_required_skills(client, org, admin_user, agent, team_billing):
    from karcis.desk import services as desk_services

    category = desk_services.category_create(organisation=org, name="Pajak", actor=admin_user)
    login(client, admin_user)
    client.post(
        reverse("routing:settings_team_mode", args=[team_billing.pk]), {"mode": "least_open"}
    )
    assert TeamRouting.objects.get(team=team_billing).mode == "least_open"
    response = client.post(
        reverse("routing:settings_team_mode", args=[team_billing.pk]), {"mode": "x"}
    )
    assert response.status_code == 302 and TeamRouting.objects.get().mode == "least_open"
    client.post(
        reverse("routing:settings_agent", args=[agent.pk]), {"capacity": 3, "skills": "pajak"}
    )
    assert AgentProfile.objects.values_list("capacity", "skills").get() == (3, ["pajak"])
    response = client.post(reverse("routing:settings_agent", args=[agent.pk]), {"capacity": 999})
    assert response.status_code == 400
    client.post(
        reverse("routing:settings_skills"),
        {f"category-{category.pk}": "pajak", "language-en": "english"},
    )
    assert Event.objects.filter(type="routing.skills.required_set").count() == 2


def test_the_preview_shows_rule_team_and_whom_the_mode_picks(
    client, org, admin_user, rule, team_billing, make_agents, make_ticket
):
    agent = make_agents(team_billing, 1)[0]
    services.team_mode_set(team=team_billing, mode="round_robin", actor=admin_user)
    login(client, admin_user)
    response = client.get(
        reverse("routing:settings_preview"), {"subject": "Tagihan salah", "channel": "web"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Tagihan" in page and agent.name in page
    ticket = make_ticket(subject="Pertanyaan umum")
    response = client.get(reverse("routing:settings_preview"), {"number": ticket.number})
    assert response.status_code == 200 and ticket.number in response.content.decode()
    response = client.get(reverse("routing:settings_preview"), {"number": "KRC-999999"})
    assert response.status_code == 400


def test_an_agent_sets_their_own_status_from_any_page(client, agent):
    login(client, agent)
    inbox = client.get(reverse("desk:inbox")).content.decode()
    assert reverse("routing:status") in inbox
    fragment = client.get(reverse("routing:status"), HTTP_HX_REQUEST="true")
    assert 'name="status"' in fragment.content.decode()
    response = client.post(reverse("routing:status"), {"status": "online"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert AgentProfile.objects.get(user=agent).status == "online"
    response = client.post(reverse("routing:status"), {"status": "busy"})
    assert response.status_code == 400
    response = client.post(reverse("routing:status"), {"status": "away"})
    assert response.status_code == 302
    assert AgentProfile.objects.get(user=agent).status == "away"


@pytest.mark.parametrize("name,kwargs", SETTINGS_PAGES)
def test_settings_pages_refuse_everyone_but_administrators(
    client, name, kwargs, agent, customer, other_org_agent
):
    url = reverse(name, kwargs=kwargs)
    assert client.get(url).status_code == 302  # anonymous: to sign in
    login(client, agent)
    assert client.get(url).status_code == 403
    login(client, customer)
    assert client.get(url).status_code == 302  # to their portal


def test_another_organisations_rule_and_agent_are_404(
    client, rule, agent, other_org, other_org_agent
):
    other_admin = core_services.staff_user_create(
        organisation=other_org,
        email="admin@lain.test",
        name="Admin Lain",
        role="admin",
        password="rahasia-123",
    )
    login(client, other_admin)
    assert client.get(reverse("routing:settings_rule_edit", args=[rule.pk])).status_code == 404
    assert client.post(reverse("routing:settings_rule_delete", args=[rule.pk])).status_code == 404
    assert client.get(reverse("routing:settings_agent", args=[agent.pk])).status_code == 404
    assert RoutingRule.objects.filter(pk=rule.pk).exists()


def test_the_status_page_refuses_anonymous_and_customers(client, customer):
    assert client.get(reverse("routing:status")).status_code == 302
    login(client, customer)
    assert client.post(reverse("routing:status"), {"status": "online"}).status_code == 302
    assert not AgentProfile.objects.exists()


# --- API ------------------------------------------------------------------------------------


def test_the_rules_api(api, org, admin_user, team_billing, team_tech, django_assert_num_queries):
    client = api(admin_user)
    created = client.post(
        "/api/routing-rules/",
        {"name": "Gangguan", "team": team_tech.pk, "keywords": ["gangguan"], "channels": ["email"]},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["team"], body["keywords"], body["position"]) == (team_tech.pk, ["gangguan"], 1)
    second = client.post(
        "/api/routing-rules/",
        {"name": "Lain", "team": team_billing.pk, "position": 1},
        format="json",
    )
    assert second.json()["position"] == 1
    with django_assert_num_queries(2):
        listed = client.get("/api/routing-rules/").json()
    assert [r["name"] for r in listed["results"]] == ["Lain", "Gangguan"]
    changed = client.patch(f"/api/routing-rules/{body['id']}/", {"is_active": False}, format="json")
    assert changed.status_code == 200 and changed.json()["is_active"] is False
    bad = client.patch(f"/api/routing-rules/{body['id']}/", {"languages": ["fr"]}, format="json")
    assert bad.status_code == 400
    assert client.delete(f"/api/routing-rules/{body['id']}/").status_code == 204


def test_the_rules_api_refuses_agents_and_other_organisations(api, rule, agent, other_org_agent):
    assert api().get("/api/routing-rules/").status_code == 401
    assert api(agent).get("/api/routing-rules/").status_code == 403
    assert api(other_org_agent).get(f"/api/routing-rules/{rule.pk}/").status_code == 403


def test_my_status_api(api, agent, customer):
    client = api(agent)
    assert client.get("/api/agents/me/status/").json()["status"] == "off"
    answer = client.put("/api/agents/me/status/", {"status": "online"}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "online"
    assert (
        client.put("/api/agents/me/status/", {"status": "busy"}, format="json").status_code == 400
    )
    assert api().get("/api/agents/me/status/").status_code == 401
    assert (
        api(customer).put("/api/agents/me/status/", {"status": "online"}, format="json").status_code
        == 403
    )


def test_the_api_is_in_the_schema(client, admin_user):
    login(client, admin_user)
    schema = client.get("/api/schema/").content.decode()
    assert "/api/routing-rules/" in schema and "/api/agents/me/status/" in schema
