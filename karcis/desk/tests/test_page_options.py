"""The inbox's and the ticket page's option lists (agents, teams, categories, custom fields),
cached per organisation (desk.selectors.page_options_of): a change shows at once, no
organisation sees another's, and what a form saves never comes from the cache."""

import pytest
from django.core.cache import cache

from conftest import login
from karcis.core import services as core_services
from karcis.core.models import Role, User
from karcis.desk import services
from karcis.desk.models import Ticket
from karcis.desk.selectors import Agent, page_options_of

INBOX = "/desk/?view=all"


def ticket_url(ticket, suffix=""):
    return f"/desk/tickets/{ticket.number}/{suffix}"


@pytest.fixture
def ticket(make_ticket, team_billing, contact):
    return make_ticket(requester=contact, subject="Tagihan ganda bulan Mei", team=team_billing)


def pages(client, ticket) -> tuple[str, str]:
    """The inbox and the ticket page, as the signed-in agent sees them now."""
    return (
        client.get(INBOX).content.decode(),
        client.get(ticket_url(ticket)).content.decode(),
    )


def test_the_cache_holds_names_not_accounts(org, agent, admin_user):
    options = page_options_of(organisation=org)
    assert {type(person) for person in options.agents} == {Agent}
    assert {(a.pk, a.name) for a in options.agents} == {
        (agent.pk, "Budi Santoso"),
        (admin_user.pk, "Rina Admin"),
    }
    assert not any(hasattr(person, "password") for person in options.agents)


def test_staff_changes_show_at_once(client, org, admin_user, agent, tech_agent, ticket):
    login(client, agent)
    for page in pages(client, ticket):  # both pages have cached the options now
        assert "Sari Wulandari" in page
    assert cache.get(f"karcis:desk:page-options:{org.pk}") is not None

    # when an admin deactivates one colleague and takes on another
    core_services.staff_user_update(user=tech_agent, actor=admin_user, is_active=False)
    core_services.staff_user_create(
        organisation=org,
        email="wayan@nusantara.test",
        name="Wayan Putra",
        role=Role.AGENT,
        password="rahasia-123",
    )

    # then neither page offers the one and both offer the other, on the next request
    for page in pages(client, ticket):
        assert "Sari Wulandari" not in page
        assert "Wayan Putra" in page


def test_teams_categories_and_fields_changes_show_at_once(
    client, org, admin_user, agent, team_tech, ticket
):
    category = services.category_create(organisation=org, name="Gangguan")
    field = services.custom_field_create(
        organisation=org, key="meter", label="Nomor meter", kind="text"
    )
    login(client, agent)
    inbox, page = pages(client, ticket)
    assert "Gangguan" in inbox and "Gangguan" in page and "Nomor meter" in page

    core_services.team_update(team=team_tech, actor=admin_user, name="Jaringan")
    services.category_update(category=category, actor=admin_user, is_active=False)
    services.custom_field_update(field=field, actor=admin_user, is_active=False)
    services.category_create(organisation=org, name="Pasang baru")

    inbox, page = pages(client, ticket)
    for html in (inbox, page):
        assert "Teknis" not in html and "Jaringan" in html
        assert "Gangguan" not in html and "Pasang baru" in html
    assert "Nomor meter" not in page


def test_an_inactive_category_stays_on_the_ticket_that_has_it(
    client, org, admin_user, agent, ticket
):
    category = services.category_create(organisation=org, name="Gangguan")
    services.ticket_update(ticket=ticket, actor=agent, category=category)
    services.category_update(category=category, actor=admin_user, is_active=False)
    login(client, agent)
    inbox, page = pages(client, ticket)
    assert "Gangguan" not in inbox  # no longer a filter
    assert f'<option value="{category.pk}" selected>Gangguan</option>' in page


def test_an_organisation_never_sees_anothers_options(
    client, org, other_org, agent, other_org_agent, ticket, make_ticket
):
    core_services.team_create(organisation=other_org, name="Tim Rahasia")
    services.category_create(organisation=other_org, name="Kategori Rahasia")
    services.custom_field_create(
        organisation=other_org, key="nik", label="Medan Rahasia", kind="text"
    )
    # The other organisation's pages are shown first, so its options are cached.
    login(client, other_org_agent)
    assert "Tim Rahasia" in client.get(INBOX).content.decode()

    login(client, agent)
    for page in pages(client, ticket):
        for secret in ("Tim Rahasia", "Kategori Rahasia", "Medan Rahasia", "Agen Lain"):
            assert secret not in page


def test_a_submission_is_checked_against_the_database_not_the_cache(
    client, org, agent, tech_agent, ticket
):
    login(client, agent)
    client.get(ticket_url(ticket))  # the options, tech_agent among them, are cached
    # Deactivated behind the cache's back (an update() sends no signal): the cache is stale.
    User.objects.filter(pk=tech_agent.pk).update(is_active=False)
    assert tech_agent.pk in {a.pk for a in page_options_of(organisation=org).agents}

    form = {"status": ticket.status, "priority": ticket.priority, "type": ticket.type}
    assert client.post(ticket_url(ticket, "properties/"), form).status_code == 302

    response = client.post(ticket_url(ticket, "properties/"), {**form, "assignee": tech_agent.pk})

    assert response.status_code == 400
    assert Ticket.objects.get(pk=ticket.pk).assignee is None
    bulk = client.post(
        "/desk/tickets/bulk/",
        {"tickets": [ticket.number], "action": "change", "change": f"assignee:{tech_agent.pk}"},
    )
    assert bulk.status_code == 400
    assert Ticket.objects.get(pk=ticket.pk).assignee is None
