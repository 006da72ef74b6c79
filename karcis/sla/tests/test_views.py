"""The SLA's pages: the ticket's clocks and their explanation, the inbox column and sort,
the policies in Settings; who may see what."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import login
from karcis.sla import services
from karcis.sla.models import SlaPolicy


def test_the_ticket_page_shows_due_times_and_explains_them(client, agent, policy, make_ticket):
    ticket = make_ticket(team=agent.teams.first())
    login(client, agent)
    page = client.get(f"/desk/tickets/{ticket.number}/").content.decode()
    assert "sla-panel" in page and "First response" in page or "Respons pertama" in page
    explain = client.get(f"/desk/tickets/{ticket.number}/sla/")
    assert explain.status_code == 200
    text = explain.content.decode()
    assert "Standar" in text
    assert "sla-explain-clock" in text


def test_the_explanation_follows_the_tickets_visibility(
    client, tech_agent, policy, make_ticket, team_billing
):
    ticket = make_ticket(team=team_billing)
    login(client, tech_agent)
    assert client.get(f"/desk/tickets/{ticket.number}/sla/").status_code == 404


def test_the_explanation_needs_a_staff_sign_in(client, customer, policy, make_ticket):
    ticket = make_ticket(requester=customer.contact)
    assert client.get(f"/desk/tickets/{ticket.number}/sla/").status_code in (302, 403)
    login(client, customer)
    assert client.get(f"/desk/tickets/{ticket.number}/sla/").status_code in (302, 403, 404)


def test_the_inbox_shows_the_due_column_and_sorts_by_it(
    client, admin_user, policy, make_ticket, django_assert_num_queries
):
    now = timezone.now()
    later = make_ticket(subject="Nanti", created_at=now - timedelta(minutes=1))
    sooner = make_ticket(subject="Segera", created_at=now - timedelta(minutes=50))
    make_ticket(subject="Tanpa SLA", priority="low")
    SlaPolicy.objects.filter(pk=policy.pk).update(priorities=["normal", "high", "urgent"])
    services.forget_policies(policy.organisation_id)
    login(client, admin_user)
    client.get("/desk/?view=all")
    page = client.get("/desk/?view=all&sort=due").content.decode()
    assert page.index(sooner.number) < page.index(later.number)
    assert "sla-due-cell" in page
    # at risk: 50 of 60 minutes used (75% at 45)
    assert "sla-at_risk" in page or "sla-on_time" in page
    with django_assert_num_queries(len_queries(client, "/desk/?view=all&sort=due")):
        client.get("/desk/?view=all&sort=due")


def len_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return len(captured.captured_queries)


def test_admin_creates_edits_and_orders_policies(client, admin_user, org):
    login(client, admin_user)
    assert client.get("/settings/sla/").status_code == 200
    assert client.get("/settings/sla/new/").status_code == 200
    answer = client.post(
        "/settings/sla/new/",
        {
            "name": "Mendesak",
            "is_active": "on",
            "priorities": ["urgent"],
            "first_response_minutes": "30",
            "resolution_minutes": "240",
            "business_time": "on",
            "warning_percent": "75",
            "pause_statuses": ["pending", "on_hold"],
            "breach_notify": "on",
            "breach_tag": "sla-dilanggar",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    urgent = SlaPolicy.objects.get(name="Mendesak")
    assert urgent.on_breach == {
        "notify": True,
        "raise_priority": False,
        "team": None,
        "tag": "sla-dilanggar",
    }
    second = services.policy_create(
        organisation=org, actor=admin_user, name="Lain", resolution_minutes=60
    )
    assert client.post(f"/settings/sla/{second.pk}/move/", {"position": "1"}).status_code == 302
    second.refresh_from_db()
    assert second.position == 1
    edit = client.get(f"/settings/sla/{urgent.pk}/")
    assert edit.status_code == 200 and "Mendesak" in edit.content.decode()


def test_bad_policy_input_shows_the_form_again(client, admin_user):
    login(client, admin_user)
    answer = client.post(
        "/settings/sla/new/", {"name": "", "first_response_minutes": "-5", "warning_percent": "200"}
    )
    assert answer.status_code == 400
    assert not SlaPolicy.objects.exists()


@pytest.mark.parametrize("path", ["/settings/sla/", "/settings/sla/new/"])
def test_agents_may_not_manage_policies(client, agent, path):
    login(client, agent)
    assert client.get(path).status_code == 403


def test_another_organisations_policy_is_not_found(client, other_org, policy):
    from karcis.core.models import Role
    from karcis.core.services import staff_user_create

    stranger = staff_user_create(
        organisation=other_org,
        email="adm@lain.test",
        name="Admin Lain",
        role=Role.ADMIN,
        password="rahasia-123",
    )
    login(client, stranger)
    assert client.get(f"/settings/sla/{policy.pk}/").status_code == 404
    assert client.post(f"/settings/sla/{policy.pk}/delete/").status_code == 404


def test_the_policy_list_query_count_is_flat(client, admin_user, org, django_assert_num_queries):
    login(client, admin_user)
    services.policy_create(organisation=org, actor=admin_user, name="A", resolution_minutes=60)
    count = len_queries(client, "/settings/sla/")
    for name in "BCDE":
        services.policy_create(organisation=org, actor=admin_user, name=name, resolution_minutes=60)
    with django_assert_num_queries(count):
        client.get("/settings/sla/")
