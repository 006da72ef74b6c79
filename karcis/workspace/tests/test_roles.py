"""Settings → Roles, and what roles and team grants look like on the other Settings pages."""

import pytest
from django.urls import reverse

from karcis.core import services
from karcis.core.models import CustomRole, Event, Team, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_the_roles_page_shows_built_in_and_own_roles(admin_client, org, admin_user, agent):
    services.custom_role_create(
        organisation=org,
        name="Verifikator",
        description="Memeriksa laporan",
        capabilities=["desk.ticket.view", "desk.ticket.note"],
        actor=admin_user,
    )

    response = admin_client.get(reverse("workspace:settings_roles"))

    assert response.status_code == 200
    names = [role["name"] for role in response.context["roles"]]
    assert [str(name) for name in names[:3]] == ["Administrator", "Supervisor", "Agen"]
    assert "Verifikator" in names
    agents = next(role for role in response.context["roles"] if role["key"] == "agent")
    assert agents["holders"] == 1
    html = response.content.decode()
    assert "Memeriksa laporan" in html


def test_an_admin_creates_edits_and_deletes_a_role(admin_client, org):
    created = admin_client.post(
        reverse("workspace:settings_role_create"),
        {
            "name": "  Petugas   Loket ",
            "description": "Di kantor cabang",
            "capabilities": ["desk.ticket.view", "desk.ticket.create"],
        },
    )
    assert created.status_code == 302
    role = CustomRole.objects.get(organisation=org)
    assert (role.key, role.name, role.capabilities) == (
        "petugas-loket",
        "Petugas Loket",
        ["desk.ticket.create", "desk.ticket.view"],
    )
    assert Event.objects.filter(type="core.role.created").exists()

    edited = admin_client.post(
        reverse("workspace:settings_role_edit", args=[role.pk]),
        {"name": "Loket", "description": "", "capabilities": ["desk.ticket.view"]},
    )
    assert edited.status_code == 302
    role.refresh_from_db()
    assert (role.key, role.name, role.capabilities) == (
        "petugas-loket",
        "Loket",
        ["desk.ticket.view"],
    )

    deleted = admin_client.post(reverse("workspace:settings_role_delete", args=[role.pk]))
    assert deleted.status_code == 302 and not CustomRole.objects.exists()


def test_a_bad_role_is_refused_with_its_reason(admin_client, org, admin_user):
    services.custom_role_create(
        organisation=org, name="Loket", capabilities=["desk.ticket.view"], actor=admin_user
    )
    duplicate = admin_client.post(
        reverse("workspace:settings_role_create"), {"name": "loket", "capabilities": []}
    )
    unknown = admin_client.post(
        reverse("workspace:settings_role_create"),
        {"name": "Aneh", "capabilities": ["desk.ticket.request"]},  # a customer's capability
    )
    assert duplicate.status_code == 400 and "name" in duplicate.context["form"].errors
    assert unknown.status_code == 400 and "capabilities" in unknown.context["form"].errors
    assert CustomRole.objects.count() == 1


def test_a_role_in_use_is_kept_and_the_admin_is_told_why(admin_client, org, admin_user):
    role = services.custom_role_create(
        organisation=org, name="Loket", capabilities=["desk.ticket.view"], actor=admin_user
    )
    services.staff_user_create(
        organisation=org, email="l@nusantara.test", name="Lina", role=role.key, actor=admin_user
    )

    response = admin_client.post(
        reverse("workspace:settings_role_delete", args=[role.pk]), follow=True
    )

    assert CustomRole.objects.filter(pk=role.pk).exists()
    assert "1 orang" in response.content.decode()


def test_own_roles_are_offered_for_agents(admin_client, org, admin_user):
    role = services.custom_role_create(
        organisation=org, name="Loket", capabilities=["desk.ticket.view"], actor=admin_user
    )
    page = admin_client.get(reverse("workspace:settings_agent_create"))
    assert ("loket", "Loket") in page.context["form"].fields["role"].choices

    admin_client.post(
        reverse("workspace:settings_agent_create"),
        {"name": "Lina", "email": "lina@nusantara.test", "role": role.key, "password": ""},
    )

    assert User.objects.get(email="lina@nusantara.test").role == "loket"
    listing = admin_client.get(reverse("workspace:settings_agents")).content.decode()
    assert "Loket" in listing


def test_a_team_grants_its_members_what_they_may_do_for_its_tickets(admin_client, team_billing):
    page = admin_client.get(reverse("workspace:settings_team_edit", args=[team_billing.pk]))
    offered = dict(page.context["form"].fields["capabilities"].choices)
    assert "desk.ticket.reply" in offered and "desk.ticket.view_all" not in offered

    admin_client.post(
        reverse("workspace:settings_team_edit", args=[team_billing.pk]),
        {"name": "Tagihan", "description": "", "capabilities": ["desk.ticket.reply"]},
    )

    assert Team.objects.get(pk=team_billing.pk).capabilities == ["desk.ticket.reply"]


def test_the_settings_overview_lists_only_the_pages_a_person_may_open(client, org, admin_user):
    role = services.custom_role_create(
        organisation=org,
        name="Admin Meja",
        capabilities=["desk.ticket.view", "desk.settings.manage"],
        actor=admin_user,
    )
    desk_admin = services.staff_user_create(
        organisation=org, email="meja@nusantara.test", name="Meja", role=role.key
    )
    client.force_login(desk_admin)

    response = client.get(reverse("workspace:settings"))

    assert response.status_code == 200
    keys = [page["key"] for page in response.context["workspace_settings_pages"]]
    assert keys == ["categories", "fields", "tags"]
    assert client.get(reverse("workspace:settings_roles")).status_code == 403
