"""/api/contacts/, /api/users/, /api/teams/ and /api/categories/."""

import pytest

from karcis.core import services as core_services
from karcis.core.models import Contact, Event, Role, Team, User
from karcis.desk import services as desk_services
from karcis.desk.models import Category


def assert_flat(client, path, django_assert_num_queries, queries, add_rows, expected_counts):
    """The list's query count is the same with few rows and with more (the token is read by
    a first request; cached, it costs no query after that)."""
    client.get(path)
    with django_assert_num_queries(queries):
        assert client.get(path).json()["count"] == expected_counts[0]
    add_rows()
    with django_assert_num_queries(queries):
        assert client.get(path).json()["count"] == expected_counts[1]


# --- contacts ---------------------------------------------------------------------------


def test_contacts_list_with_identities(api, agent, contact):
    body = api(agent).get("/api/contacts/").json()

    assert body["count"] == 1
    assert body["results"][0] == {
        "id": contact.pk,
        "name": "Andi Pratama",
        "email": "andi@example.com",
        "phone": "+6281234567890",
        "identities": [
            # typed, not proven (decision 0016)
            {"kind": "email", "value": "andi@example.com", "verified_at": None, "verified_by": ""},
            {"kind": "phone", "value": "+6281234567890", "verified_at": None, "verified_by": ""},
        ],
        "notes": "",
        "company": "",
        "vip": False,
        "has_account": False,
        "created_at": body["results"][0]["created_at"],
    }


def test_contacts_list_query_count_does_not_grow(
    api, org, agent, contact, django_assert_num_queries
):
    def more():
        for i in range(5):
            core_services.contact_resolve(organisation=org, name=f"K{i}", email=f"k{i}@x.test")

    # count, page, identities
    assert_flat(api(agent), "/api/contacts/", django_assert_num_queries, 3, more, (1, 6))


@pytest.mark.parametrize(
    "search, found",
    [
        ("andi", True),
        ("ANDI@example", True),
        ("0812-3456", True),
        ("+62812", True),
        ("budi", False),
        ("0899", False),
    ],
)
def test_contacts_search_by_name_email_or_phone(api, agent, contact, search, found):
    body = api(agent).get("/api/contacts/", {"search": search}).json()

    assert body["count"] == (1 if found else 0)


def test_contact_create_retrieve_and_update(api, agent):
    client = api(agent)

    created = client.post(
        "/api/contacts/",
        {
            "name": "Siti Aminah",
            "email": "Siti@Example.com",
            "phone": "0821 0000 1111",
            "notes": "Pelanggan korporat",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    contact_id = created.json()["id"]
    assert created.json()["email"] == "siti@example.com"
    assert created.json()["phone"] == "+6282100001111"
    # entered by staff (through their token): verified
    assert {i["verified_by"] for i in created.json()["identities"]} == {"staff"}

    changed = client.patch(f"/api/contacts/{contact_id}/", {"name": "Siti A."}, format="json")
    assert changed.status_code == 200
    assert changed.json()["name"] == "Siti A."
    assert changed.json()["notes"] == "Pelanggan korporat"
    assert client.get(f"/api/contacts/{contact_id}/").json()["name"] == "Siti A."
    assert set(
        Event.objects.filter(object_id=contact_id, object_type="core.contact").values_list(
            "type", flat=True
        )
    ) == {"core.contact.created", "core.contact.updated"}


def test_contact_create_refuses_a_known_address(api, agent, contact):
    response = api(agent, language="en").post(
        "/api/contacts/",
        {
            "name": "Andi lagi",
            "email": "andi@example.com",
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"email": [f"This address already belongs to contact {contact.pk}."]}
    assert Contact.objects.count() == 1


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"name": "Tanpa alamat"}, "email"),
        ({"name": "X", "email": "bukan-email"}, "email"),
        ({"name": "X", "phone": "12"}, "phone"),
        ({"email": "x@example.com"}, "name"),
    ],
)
def test_contact_create_field_errors(api, agent, payload, field):
    response = api(agent).post("/api/contacts/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert Contact.objects.count() == 0


def test_contacts_are_for_staff_of_the_organisation(api, customer, contact, other_org_agent):
    assert api().get("/api/contacts/").status_code == 401
    assert api(customer).get("/api/contacts/").status_code == 403
    assert api(customer).get(f"/api/contacts/{contact.pk}/").status_code == 403
    assert (
        api(customer)
        .post("/api/contacts/", {"name": "X", "email": "x@x.test"}, format="json")
        .status_code
        == 403
    )
    assert api(other_org_agent).get(f"/api/contacts/{contact.pk}/").status_code == 404
    assert (
        api(other_org_agent)
        .patch(f"/api/contacts/{contact.pk}/", {"name": "X"}, format="json")
        .status_code
        == 404
    )
    assert api(other_org_agent).get("/api/contacts/").json()["count"] == 0


# --- users ------------------------------------------------------------------------------


def test_users_list_shows_staff_only(api, agent, admin_user, customer, team_billing):
    body = api(agent).get("/api/users/").json()

    assert [u["email"] for u in body["results"]] == ["budi@nusantara.test", "admin@nusantara.test"]
    assert body["results"][0]["teams"] == [{"id": team_billing.pk, "name": "Tagihan"}]
    assert api(agent).get(f"/api/users/{customer.pk}/").status_code == 404


def test_users_list_query_count_does_not_grow(
    api, org, agent, team_billing, django_assert_num_queries
):
    def more():
        for i in range(4):
            core_services.staff_user_create(
                organisation=org, email=f"a{i}@x.test", name=f"Agen {i}", teams=[team_billing]
            )

    # count, page, teams
    assert_flat(api(agent), "/api/users/", django_assert_num_queries, 3, more, (1, 5))


def test_admin_creates_an_integration_user_and_changes_it(api, admin_user, team_billing):
    client = api(admin_user)

    created = client.post(
        "/api/users/",
        {
            "email": "crm@nusantara.test",
            "name": "Integrasi CRM",
            "teams": [team_billing.pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    user = User.objects.get(email="crm@nusantara.test")
    assert user.role == Role.AGENT
    assert not user.has_usable_password()
    assert created.json()["teams"] == [{"id": team_billing.pk, "name": "Tagihan"}]

    changed = client.patch(
        f"/api/users/{user.pk}/", {"is_active": False, "teams": []}, format="json"
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["is_active"] is False
    assert changed.json()["teams"] == []


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"email": "budi@nusantara.test", "name": "Dobel"}, "email"),
        ({"email": "x@nusantara.test", "name": "X", "role": "customer"}, "role"),
        ({"email": "x@nusantara.test", "name": "X", "password": "123"}, "password"),
        ({"email": "x@nusantara.test", "name": "X", "teams": [999999]}, "teams"),
    ],
)
def test_user_create_field_errors(api, admin_user, agent, payload, field):
    response = api(admin_user).post("/api/users/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_admin_cannot_demote_themselves(api, admin_user):
    response = api(admin_user).patch(
        f"/api/users/{admin_user.pk}/", {"role": "agent"}, format="json"
    )

    assert response.status_code == 400
    admin_user.refresh_from_db()
    assert admin_user.role == Role.ADMIN


def test_only_admins_write_users(api, agent, tech_agent, customer, other_org_agent, admin_user):
    payload = {"email": "x@nusantara.test", "name": "X"}

    assert api().get("/api/users/").status_code == 401
    assert api(customer).get("/api/users/").status_code == 403
    assert api(agent).post("/api/users/", payload, format="json").status_code == 403
    assert (
        api(agent).patch(f"/api/users/{tech_agent.pk}/", {"name": "Y"}, format="json").status_code
        == 403
    )
    assert api(other_org_agent).get(f"/api/users/{agent.pk}/").status_code == 404
    assert not User.objects.filter(email="x@nusantara.test").exists()


def test_admin_of_another_organisation_gets_404(api, other_org, agent):
    foreign_admin = core_services.staff_user_create(
        organisation=other_org, email="boss@lain.test", name="Boss", role=Role.ADMIN
    )

    response = api(foreign_admin).patch(f"/api/users/{agent.pk}/", {"name": "X"}, format="json")

    assert response.status_code == 404


# --- teams ------------------------------------------------------------------------------


def test_teams_list_and_retrieve(api, agent, team_billing, team_tech):
    client = api(agent)

    body = client.get("/api/teams/").json()

    assert [t["name"] for t in body["results"]] == ["Tagihan", "Teknis"]
    assert body["results"][0]["members"] == [{"id": agent.pk, "name": "Budi Santoso"}]
    assert client.get(f"/api/teams/{team_tech.pk}/").json()["name"] == "Teknis"


def test_teams_list_query_count_does_not_grow(
    api, org, agent, team_billing, django_assert_num_queries
):
    def more():
        for i in range(4):
            core_services.team_create(organisation=org, name=f"Tim {i}", members=[agent])

    # count, page, members
    assert_flat(api(agent), "/api/teams/", django_assert_num_queries, 3, more, (1, 5))


def test_admin_creates_and_renames_a_team(api, admin_user, agent):
    client = api(admin_user)

    created = client.post("/api/teams/", {"name": "Keluhan", "members": [agent.pk]}, format="json")
    assert created.status_code == 201, created.json()
    team_id = created.json()["id"]
    assert created.json()["members"] == [{"id": agent.pk, "name": "Budi Santoso"}]

    renamed = client.patch(f"/api/teams/{team_id}/", {"name": "Pengaduan"}, format="json")
    assert renamed.json()["name"] == "Pengaduan"
    assert client.post("/api/teams/", {"name": "pengaduan"}, format="json").status_code == 400


def test_team_members_must_be_staff_of_the_organisation(api, admin_user, customer, other_org_agent):
    for member in (customer, other_org_agent):
        response = api(admin_user).post(
            "/api/teams/", {"name": f"T{member.pk}", "members": [member.pk]}, format="json"
        )
        assert response.status_code == 400
        assert "members" in response.json()
    assert Team.objects.count() == 0


def test_only_staff_read_and_admins_write_teams(
    api, agent, customer, other_org_agent, team_billing
):
    assert api().get("/api/teams/").status_code == 401
    assert api(customer).get("/api/teams/").status_code == 403
    assert api(agent).post("/api/teams/", {"name": "X"}, format="json").status_code == 403
    assert (
        api(agent).patch(f"/api/teams/{team_billing.pk}/", {"name": "X"}, format="json").status_code
        == 403
    )
    assert api(other_org_agent).get(f"/api/teams/{team_billing.pk}/").status_code == 404


# --- categories -------------------------------------------------------------------------


@pytest.fixture
def categories(org, admin_user):
    billing = desk_services.category_create(organisation=org, name="Tagihan")
    failed = desk_services.category_create(
        organisation=org, name="Pembayaran gagal", parent=billing
    )
    old = desk_services.category_create(organisation=org, name="Lama")
    desk_services.category_update(category=old, actor=admin_user, is_active=False)
    return billing, failed, old


def test_categories_for_staff_and_customers(api, agent, customer, categories):
    billing, failed, old = categories

    staff = api(agent).get("/api/categories/").json()["results"]
    customers = api(customer).get("/api/categories/").json()["results"]

    assert [c["path"] for c in staff] == ["Lama", "Tagihan", "Tagihan › Pembayaran gagal"]
    assert [c["name"] for c in customers] == ["Tagihan", "Pembayaran gagal"]
    assert customers[1] == {
        "id": failed.pk,
        "name": "Pembayaran gagal",
        "path": "Tagihan › Pembayaran gagal",
        "parent": billing.pk,
        "is_active": True,
    }
    assert api(customer).get(f"/api/categories/{old.pk}/").status_code == 404


def test_categories_list_query_count_does_not_grow(
    api, org, customer, categories, django_assert_num_queries
):
    def more():
        for i in range(4):
            desk_services.category_create(organisation=org, name=f"Kategori {i}")

    # count, page
    assert_flat(api(customer), "/api/categories/", django_assert_num_queries, 2, more, (2, 6))


def test_admin_adds_a_category(api, admin_user, agent, categories):
    billing, _failed, _old = categories

    response = api(admin_user).post(
        "/api/categories/", {"name": "Denda", "parent": billing.pk}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["path"] == "Tagihan › Denda"
    assert (
        api(admin_user)
        .post("/api/categories/", {"name": "denda", "parent": billing.pk}, format="json")
        .status_code
        == 400
    )
    assert api(agent).post("/api/categories/", {"name": "X"}, format="json").status_code == 403


def test_categories_of_another_organisation_are_404(api, other_org_agent, categories):
    billing, _failed, _old = categories

    assert api(other_org_agent).get(f"/api/categories/{billing.pk}/").status_code == 404
    assert api().get("/api/categories/").status_code == 401
    assert Category.objects.count() == 3
