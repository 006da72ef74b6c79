"""The settings screens: organisation, teams, agents, categories, custom fields and tags."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from karcis.core import services as core_services
from karcis.core.models import Event, Role, Team, User
from karcis.desk import services as desk_services
from karcis.desk.models import Category, CustomField, Tag, Ticket
from karcis.workspace.views import NEW_PASSWORD_SESSION_KEY

LIST_URLS = [
    "workspace:settings",
    "workspace:settings_organisation",
    "workspace:settings_teams",
    "workspace:settings_team_create",
    "workspace:settings_agents",
    "workspace:settings_agent_create",
    "desk:settings_categories",
    "desk:settings_category_create",
    "desk:settings_fields",
    "desk:settings_field_create",
    "desk:settings_tags",
]


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def supervisor(org):
    return core_services.staff_user_create(
        organisation=org,
        email="sinta@nusantara.test",
        name="Sinta Supervisor",
        role=Role.SUPERVISOR,
        password="rahasia-123",
    )


@pytest.fixture
def other_admin(other_org):
    return core_services.staff_user_create(
        organisation=other_org,
        email="admin@lain.test",
        name="Admin Lain",
        role=Role.ADMIN,
        password="rahasia-123",
    )


@pytest.fixture
def category(org, admin_user):
    return desk_services.category_create(organisation=org, name="Tagihan", actor=admin_user)


@pytest.fixture
def custom_field(org, admin_user):
    return desk_services.custom_field_create(
        organisation=org, key="", label="Nomor pelanggan", kind="text", actor=admin_user
    )


@pytest.fixture
def tag(org):
    return desk_services.tags_resolve(organisation=org, names=["vip"])[0]


@pytest.fixture
def object_urls(team_billing, agent, category, custom_field, tag):
    """GET-able URLs of one object of each kind, all of the fixture organisation."""
    return [
        reverse("workspace:settings_team_edit", args=[team_billing.pk]),
        reverse("workspace:settings_agent_edit", args=[agent.pk]),
        reverse("desk:settings_category_edit", args=[category.pk]),
        reverse("desk:settings_field_edit", args=[custom_field.pk]),
        reverse("desk:settings_tag_edit", args=[tag.pk]),
    ]


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def error_text(response) -> str:
    return response.content.decode()


def indonesian(msgid: str) -> str:
    """The Indonesian text of a message, which must really have been translated."""
    with translation.override("id"):
        text = translation.gettext(msgid)
    assert text != msgid, f"not translated: {msgid}"
    return text


# --- who may come in ------------------------------------------------------------------------


def test_overview_links_every_section(admin_client):
    response = admin_client.get(reverse("workspace:settings"))

    assert response.status_code == 200
    for name in LIST_URLS[1:]:
        if not name.endswith("_create"):
            assert reverse(name) in response.content.decode()


@pytest.mark.parametrize("role_fixture", ["agent", "supervisor"])
def test_staff_who_are_not_admins_get_a_friendly_403(client, request, role_fixture, object_urls):
    client.force_login(request.getfixturevalue(role_fixture))

    for url in [*(reverse(name) for name in LIST_URLS), *object_urls]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert indonesian("Only administrators can change settings") in response.content.decode()
        assert reverse("desk:inbox") in response.content.decode()


def test_agent_cannot_post_either(client, agent, team_billing, tag):
    client.force_login(agent)

    create = client.post(reverse("workspace:settings_team_create"), {"name": "Penyusup"})
    rename = client.post(
        reverse("workspace:settings_team_edit", args=[team_billing.pk]), {"name": "X"}
    )
    delete = client.post(reverse("desk:settings_tag_delete", args=[tag.pk]))

    assert (create.status_code, rename.status_code, delete.status_code) == (403, 403, 403)
    assert not Team.objects.filter(name__in=["Penyusup", "X"]).exists()
    assert Tag.objects.filter(pk=tag.pk).exists()


def test_customer_is_sent_to_the_portal(client, customer, org, object_urls):
    client.force_login(customer)
    portal = reverse("portal:my_tickets", kwargs={"org": org.slug})

    for url in [*(reverse(name) for name in LIST_URLS), *object_urls]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == portal


def test_anonymous_visitor_is_sent_to_login(client, object_urls):
    for url in [*(reverse(name) for name in LIST_URLS), *object_urls]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("core:login") + "?next=")

    response = client.post(reverse("workspace:settings_team_create"), {"name": "Anonim"})
    assert response.status_code == 302
    assert not Team.objects.filter(name="Anonim").exists()


def test_admin_of_another_organisation_gets_404_on_every_object(
    client, other_admin, object_urls, category, tag
):
    client.force_login(other_admin)

    for url in object_urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"name": "Dibajak", "label": "Dibajak"}).status_code == 404, url
    toggle = reverse("desk:settings_category_set_active", args=[category.pk])
    assert client.post(toggle, {"is_active": "false"}).status_code == 404
    assert client.post(reverse("desk:settings_tag_delete", args=[tag.pk])).status_code == 404

    category.refresh_from_db()
    assert category.is_active and category.name == "Tagihan"
    assert Tag.objects.filter(pk=tag.pk, name="vip").exists()
    assert not Team.objects.filter(name="Dibajak").exists()


def test_list_pages_show_only_the_admins_organisation(admin_client, other_org, other_org_agent):
    core_services.team_create(organisation=other_org, name="Tim Rahasia")
    desk_services.category_create(organisation=other_org, name="Kategori Rahasia")

    teams = admin_client.get(reverse("workspace:settings_teams")).content.decode()
    agents = admin_client.get(reverse("workspace:settings_agents")).content.decode()
    categories = admin_client.get(reverse("desk:settings_categories")).content.decode()

    assert "Tim Rahasia" not in teams
    assert other_org_agent.email not in agents
    assert "Kategori Rahasia" not in categories


# --- organisation ---------------------------------------------------------------------------


def test_organisation_settings_are_saved_and_prefix_change_warns(admin_client, org, make_ticket):
    old_ticket = make_ticket()

    response = admin_client.post(
        reverse("workspace:settings_organisation"),
        {
            "name": "PT Nusantara Jaya",
            "ticket_prefix": "nsj",
            "time_zone": "Asia/Makassar",
            "language": "en",
            "support_email": "Halo@Nusantara.test",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("workspace:settings_organisation")
    org.refresh_from_db()
    assert (org.name, org.ticket_prefix, org.time_zone, org.language, org.support_email) == (
        "PT Nusantara Jaya",
        "NSJ",
        "Asia/Makassar",
        "en",
        "halo@nusantara.test",
    )
    page = response.content.decode()
    assert "NSJ-" in page and "KRC-" in page  # the warning about existing numbers
    old_ticket.refresh_from_db()
    assert old_ticket.number == "KRC-000001"
    assert make_ticket().number.startswith("NSJ-")
    event = Event.objects.get(type="core.organisation.updated")
    assert event.payload["fields"] == [
        "language",
        "name",
        "support_email",
        "ticket_prefix",
        "time_zone",
    ]


def test_bad_ticket_prefix_is_refused_in_indonesian_and_nothing_saved(admin_client, org):
    response = admin_client.post(
        reverse("workspace:settings_organisation"),
        {
            "name": "Nama Baru",
            "ticket_prefix": "x",
            "time_zone": "Asia/Jakarta",
            "language": "id",
            "support_email": "",
        },
    )

    assert response.status_code == 400
    assert indonesian(
        "Use 2–8 capital letters or digits, starting with a letter (for example KRC)."
    ) in error_text(response)
    assert 'aria-invalid="true"' in error_text(response)
    org.refresh_from_db()
    assert org.name == "PT Nusantara Sejahtera"
    assert org.ticket_prefix == "KRC"
    assert not Event.objects.filter(type="core.organisation.updated").exists()


def test_field_errors_follow_the_users_language(admin_client, settings):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = admin_client.post(
        reverse("workspace:settings_organisation"),
        {"name": "", "ticket_prefix": "x", "time_zone": "Europe/Paris", "language": "id"},
    )

    assert response.status_code == 400
    page = error_text(response)
    assert "Use 2–8 capital letters or digits" in page
    assert "This field is required." in page
    assert "Select a valid choice." in page


def test_unchanged_organisation_form_records_nothing(admin_client, org):
    data = {
        "name": org.name,
        "ticket_prefix": "KRC",
        "time_zone": org.time_zone,
        "language": org.language,
        "support_email": org.support_email,
    }

    response = admin_client.post(reverse("workspace:settings_organisation"), data)

    assert response.status_code == 302
    assert not Event.objects.filter(type="core.organisation.updated").exists()


# --- teams ----------------------------------------------------------------------------------


def test_teams_list_counts_members_in_flat_queries(
    admin_client, org, team_billing, agent, django_assert_max_num_queries
):
    url = reverse("workspace:settings_teams")
    few = queries_for(admin_client, url)
    for number in range(4):
        core_services.team_create(
            organisation=org,
            name=f"Tim {number}",
            members=[agent],
        )

    with django_assert_max_num_queries(few):
        response = admin_client.get(url)

    assert few <= 6
    page = response.content.decode()
    assert "Tim 3" in page and "Tagihan" in page
    assert [team.member_count for team in response.context["teams"]] == [1, 1, 1, 1, 1]


def test_team_create_with_members(admin_client, org, agent, tech_agent):
    response = admin_client.post(
        reverse("workspace:settings_team_create"),
        {
            "name": "  Layanan   Pelanggan ",
            "description": "Pertanyaan umum",
            "members": [agent.pk, tech_agent.pk],
        },
        follow=True,
    )

    team = Team.objects.get(organisation=org, name="Layanan Pelanggan")
    assert set(team.members.all()) == {agent, tech_agent}
    assert "Layanan Pelanggan" in response.content.decode()
    assert Event.objects.filter(type="core.team.created", object_id=team.pk).exists()


def test_duplicate_team_name_is_refused(admin_client, team_billing):
    response = admin_client.post(reverse("workspace:settings_team_create"), {"name": "tagihan"})

    assert response.status_code == 400
    assert indonesian("A team with this name already exists.") in error_text(response)
    assert Team.objects.count() == 1


def test_team_edit_renames_and_changes_members(admin_client, team_billing, agent, tech_agent):
    url = reverse("workspace:settings_team_edit", args=[team_billing.pk])
    assert agent.name in admin_client.get(url).content.decode()

    response = admin_client.post(
        url, {"name": "Tagihan & Pembayaran", "description": "", "members": [tech_agent.pk]}
    )

    assert response.status_code == 302
    team_billing.refresh_from_db()
    assert team_billing.name == "Tagihan & Pembayaran"
    assert list(team_billing.members.all()) == [tech_agent]


def test_team_edit_refuses_a_name_taken_by_another_team(admin_client, team_billing, team_tech):
    response = admin_client.post(
        reverse("workspace:settings_team_edit", args=[team_tech.pk]), {"name": "TAGIHAN"}
    )

    assert response.status_code == 400
    team_tech.refresh_from_db()
    assert team_tech.name == "Teknis"


def test_team_members_must_be_staff_of_the_organisation(admin_client, other_org_agent, customer):
    response = admin_client.post(
        reverse("workspace:settings_team_create"),
        {"name": "Campuran", "members": [other_org_agent.pk]},
    )
    customer_response = admin_client.post(
        reverse("workspace:settings_team_create"), {"name": "Campuran", "members": [customer.pk]}
    )

    assert (response.status_code, customer_response.status_code) == (400, 400)
    assert not Team.objects.filter(name="Campuran").exists()


# --- agents ---------------------------------------------------------------------------------


def test_agents_list_in_flat_queries(
    admin_client, org, agent, team_billing, team_tech, django_assert_max_num_queries
):
    url = reverse("workspace:settings_agents")
    few = queries_for(admin_client, url)
    for number in range(4):
        core_services.staff_user_create(
            organisation=org,
            email=f"agen{number}@nusantara.test",
            name=f"Agen {number}",
            teams=[team_billing, team_tech],
        )

    with django_assert_max_num_queries(few):
        response = admin_client.get(url)

    assert few <= 7
    page = response.content.decode()
    assert "agen3@nusantara.test" in page and "Teknis" in page


def test_agent_create_with_chosen_password(admin_client, client, org, team_billing):
    response = admin_client.post(
        reverse("workspace:settings_agent_create"),
        {
            "name": "Wati Rahayu",
            "email": "Wati@Nusantara.test",
            "role": "supervisor",
            "teams": [team_billing.pk],
            "password": "kopi-tubruk-2024",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="wati@nusantara.test")
    assert (user.organisation, user.role) == (org, Role.SUPERVISOR)
    assert list(user.teams.all()) == [team_billing]
    assert user.check_password("kopi-tubruk-2024")
    assert NEW_PASSWORD_SESSION_KEY not in admin_client.session


def test_agent_create_generates_a_password_shown_once(admin_client):
    response = admin_client.post(
        reverse("workspace:settings_agent_create"),
        {
            "name": "Joko Widodo",
            "email": "joko@nusantara.test",
            "role": "agent",
            "sees_all_tickets": "on",
        },
    )
    assert response.status_code == 302

    first = admin_client.get(reverse("workspace:settings_agents"))
    password = first.context["new_password"]["password"]
    second = admin_client.get(reverse("workspace:settings_agents"))

    user = User.objects.get(email="joko@nusantara.test")
    assert user.sees_all_tickets
    assert user.check_password(password)
    assert len(password) >= 12
    assert password in first.content.decode()
    assert password not in second.content.decode()


def test_duplicate_email_is_refused(admin_client, agent):
    response = admin_client.post(
        reverse("workspace:settings_agent_create"),
        {"name": "Budi Lain", "email": "BUDI@nusantara.test", "role": "agent"},
    )

    assert response.status_code == 400
    assert indonesian("A user with this e-mail address already exists.") in error_text(response)
    assert User.objects.filter(email="budi@nusantara.test").count() == 1


def test_weak_initial_password_is_refused(admin_client):
    response = admin_client.post(
        reverse("workspace:settings_agent_create"),
        {"name": "Ani", "email": "ani@nusantara.test", "role": "agent", "password": "12345"},
    )

    assert response.status_code == 400
    assert not User.objects.filter(email="ani@nusantara.test").exists()


def test_agent_edit_changes_role_teams_and_access(admin_client, agent, team_tech):
    response = admin_client.post(
        reverse("workspace:settings_agent_edit", args=[agent.pk]),
        {"name": "Budi S.", "role": "supervisor", "teams": [team_tech.pk], "is_active": "on"},
    )

    assert response.status_code == 302
    agent.refresh_from_db()
    assert (agent.name, agent.role, agent.sees_all_tickets, agent.is_active) == (
        "Budi S.",
        Role.SUPERVISOR,
        False,
        True,
    )
    assert list(agent.teams.all()) == [team_tech]


def test_agent_can_be_deactivated(admin_client, agent):
    response = admin_client.post(
        reverse("workspace:settings_agent_edit", args=[agent.pk]),
        {"name": agent.name, "role": "agent"},
    )

    assert response.status_code == 302
    agent.refresh_from_db()
    assert not agent.is_active


@pytest.mark.parametrize(
    "change",
    [{"role": "agent", "is_active": "on"}, {"role": "admin"}],
    ids=["demote", "deactivate"],
)
def test_admin_cannot_demote_or_deactivate_themself(admin_client, admin_user, change):
    response = admin_client.post(
        reverse("workspace:settings_agent_edit", args=[admin_user.pk]), {"name": "Rina", **change}
    )

    assert response.status_code == 400
    assert indonesian("You cannot deactivate yourself or change your own role.") in error_text(
        response
    )
    admin_user.refresh_from_db()
    assert (admin_user.name, admin_user.role, admin_user.is_active) == (
        "Rina Admin",
        Role.ADMIN,
        True,
    )


def test_customers_are_not_agents(admin_client, customer):
    url = reverse("workspace:settings_agent_edit", args=[customer.pk])

    assert admin_client.get(url).status_code == 404


# --- categories -----------------------------------------------------------------------------


def test_category_tree_is_indented_in_order_with_counts(
    admin_client, org, make_ticket, django_assert_max_num_queries
):
    url = reverse("desk:settings_categories")
    billing = desk_services.category_create(organisation=org, name="Tagihan")
    few = queries_for(admin_client, url)
    failed = desk_services.category_create(organisation=org, name="Gagal bayar", parent=billing)
    desk_services.category_create(organisation=org, name="Tagihan Air")
    desk_services.category_create(organisation=org, name="Aplikasi")
    make_ticket(category=failed)
    make_ticket(category=failed)

    with django_assert_max_num_queries(few):
        response = admin_client.get(url)

    assert few <= 6
    tree = [(c.name, c.depth, c.ticket_count) for c in response.context["categories"]]
    assert tree == [
        ("Aplikasi", 0, 0),
        ("Tagihan", 0, 0),
        ("Gagal bayar", 1, 2),
        ("Tagihan Air", 0, 0),
    ]


def test_category_create_under_a_parent(admin_client, category):
    form = admin_client.get(reverse("desk:settings_category_create") + f"?parent={category.pk}")
    assert form.context["form"].initial["parent"] == str(category.pk)

    response = admin_client.post(
        reverse("desk:settings_category_create"), {"name": "Gagal bayar", "parent": category.pk}
    )

    assert response.status_code == 302
    child = Category.objects.get(name="Gagal bayar")
    assert (child.parent, child.path) == (category, "Tagihan › Gagal bayar")


def test_duplicate_category_is_refused(admin_client, category):
    response = admin_client.post(reverse("desk:settings_category_create"), {"name": "TAGIHAN"})

    assert response.status_code == 400
    assert indonesian("This category already exists here.") in error_text(response)
    assert Category.objects.count() == 1


def test_category_parent_from_another_organisation_is_refused(admin_client, other_org):
    foreign = desk_services.category_create(organisation=other_org, name="Asing")

    response = admin_client.post(
        reverse("desk:settings_category_create"), {"name": "Anak", "parent": foreign.pk}
    )

    assert response.status_code == 400
    assert not Category.objects.filter(name="Anak").exists()


def test_category_rename_updates_children_paths(admin_client, org, category):
    child = desk_services.category_create(organisation=org, name="Gagal bayar", parent=category)

    response = admin_client.post(
        reverse("desk:settings_category_edit", args=[category.pk]), {"name": "Pembayaran"}
    )

    assert response.status_code == 302
    child.refresh_from_db()
    assert child.path == "Pembayaran › Gagal bayar"


def test_category_rename_refuses_a_sibling_name(admin_client, org, category):
    other = desk_services.category_create(organisation=org, name="Teknis")

    response = admin_client.post(
        reverse("desk:settings_category_edit", args=[other.pk]), {"name": "tagihan"}
    )

    assert response.status_code == 400
    other.refresh_from_db()
    assert other.name == "Teknis"


def test_category_deactivate_and_activate(admin_client, category):
    url = reverse("desk:settings_category_set_active", args=[category.pk])

    assert admin_client.post(url, {"is_active": "false"}).status_code == 302
    category.refresh_from_db()
    assert not category.is_active
    assert admin_client.post(url, {"is_active": "true"}).status_code == 302
    category.refresh_from_db()
    assert category.is_active
    assert Event.objects.filter(type="desk.category.updated").count() == 2
    assert admin_client.post(url, {"is_active": "maybe"}).status_code == 400
    assert admin_client.get(url).status_code == 405


# --- custom fields --------------------------------------------------------------------------


def test_custom_fields_list_in_flat_queries(
    admin_client, org, custom_field, django_assert_max_num_queries
):
    url = reverse("desk:settings_fields")
    few = queries_for(admin_client, url)
    for number in range(4):
        desk_services.custom_field_create(
            organisation=org, key="", label=f"Pilihan {number}", kind="choice", choices=["a", "b"]
        )

    with django_assert_max_num_queries(few):
        response = admin_client.get(url)

    assert few <= 5
    assert "pilihan_3" in response.content.decode()


def test_custom_field_create_choice_with_key_from_label(admin_client, org):
    response = admin_client.post(
        reverse("desk:settings_field_create"),
        {
            "label": "Jenis Layanan",
            "key": "",
            "kind": "choice",
            "choices": "Listrik\r\n\r\n  Air \r\nListrik\r\nGas",
            "required": "on",
            "visible_to_customer": "on",
        },
    )

    assert response.status_code == 302
    field = CustomField.objects.get(organisation=org)
    assert (field.key, field.kind, field.choices) == (
        "jenis_layanan",
        "choice",
        ["Listrik", "Air", "Gas"],
    )
    assert field.required and field.visible_to_customer


def test_choice_field_without_choices_is_refused(admin_client):
    response = admin_client.post(
        reverse("desk:settings_field_create"),
        {"label": "Jenis Layanan", "kind": "choice", "choices": "  \r\n "},
    )

    assert response.status_code == 400
    assert indonesian("A choice field needs at least one choice: one per line.") in error_text(
        response
    )
    assert not CustomField.objects.exists()


def test_duplicate_custom_field_key_is_refused(admin_client, custom_field):
    response = admin_client.post(
        reverse("desk:settings_field_create"), {"label": "Nomor Pelanggan", "kind": "number"}
    )

    assert response.status_code == 400
    assert indonesian("A field with this key already exists.") in error_text(response)
    assert CustomField.objects.count() == 1


def test_custom_field_edit_keeps_key_and_kind(admin_client, custom_field):
    response = admin_client.post(
        reverse("desk:settings_field_edit", args=[custom_field.pk]),
        {"label": "No. pelanggan", "key": "hacked", "kind": "number", "required": "on"},
    )

    assert response.status_code == 302
    custom_field.refresh_from_db()
    assert (custom_field.label, custom_field.key, custom_field.kind) == (
        "No. pelanggan",
        "nomor_pelanggan",
        "text",
    )
    assert custom_field.required and not custom_field.is_active
    event = Event.objects.get(type="desk.custom_field.updated")
    assert event.payload["fields"] == ["is_active", "label", "required"]


def test_custom_field_edit_choices(admin_client, org):
    field = desk_services.custom_field_create(
        organisation=org, key="layanan", label="Layanan", kind="choice", choices=["Air"]
    )
    url = reverse("desk:settings_field_edit", args=[field.pk])

    emptied = admin_client.post(url, {"label": "Layanan", "choices": "", "is_active": "on"})
    changed = admin_client.post(
        url, {"label": "Layanan", "choices": "Air\nListrik", "is_active": "on"}
    )

    assert (emptied.status_code, changed.status_code) == (400, 302)
    field.refresh_from_db()
    assert field.choices == ["Air", "Listrik"]


# --- tags -----------------------------------------------------------------------------------


def test_tags_list_with_usage_counts_in_flat_queries(
    admin_client, org, make_ticket, django_assert_max_num_queries
):
    url = reverse("desk:settings_tags")
    make_ticket(tags=["vip"])
    few = queries_for(admin_client, url)
    make_ticket(tags=["vip", "gangguan-massal"])
    make_ticket(tags=["listrik", "air", "gangguan-massal"])

    with django_assert_max_num_queries(few):
        response = admin_client.get(url)

    assert few <= 5
    counts = {tag.name: tag.ticket_count for tag in response.context["tags"]}
    assert counts == {"air": 1, "gangguan-massal": 2, "listrik": 1, "vip": 2}


def test_tag_rename(admin_client, tag, make_ticket):
    ticket = make_ticket(tags=["vip"])

    response = admin_client.post(
        reverse("desk:settings_tag_edit", args=[tag.pk]), {"name": "Pelanggan VIP"}
    )

    assert response.status_code == 302
    tag.refresh_from_db()
    assert tag.name == "pelanggan-vip"
    assert [t.name for t in ticket.tags.all()] == ["pelanggan-vip"]
    assert Event.objects.get(type="desk.tag.renamed").payload == {
        "from": "vip",
        "to": "pelanggan-vip",
    }


def test_tag_rename_to_an_existing_name_merges(admin_client, org, make_ticket):
    only_old = make_ticket(tags=["gangguan"])
    both = make_ticket(tags=["gangguan", "gangguan-massal"])
    only_new = make_ticket(tags=["gangguan-massal"])
    old = Tag.objects.get(name="gangguan")

    response = admin_client.post(
        reverse("desk:settings_tag_edit", args=[old.pk]), {"name": "Gangguan Massal"}, follow=True
    )

    assert response.status_code == 200
    assert not Tag.objects.filter(pk=old.pk).exists()
    for ticket in (only_old, both, only_new):
        assert [t.name for t in ticket.tags.all()] == ["gangguan-massal"]
    event = Event.objects.get(type="desk.tag.merged")
    assert event.payload["tickets_moved"] == 1


def test_tag_rename_to_nothing_is_refused(admin_client, tag):
    response = admin_client.post(reverse("desk:settings_tag_edit", args=[tag.pk]), {"name": "!!!"})

    assert response.status_code == 400
    tag.refresh_from_db()
    assert tag.name == "vip"


def test_tag_delete_takes_it_off_tickets(admin_client, tag, make_ticket):
    ticket = make_ticket(tags=["vip", "air"])

    response = admin_client.post(reverse("desk:settings_tag_delete", args=[tag.pk]))

    assert response.status_code == 302
    assert not Tag.objects.filter(pk=tag.pk).exists()
    assert Ticket.objects.filter(pk=ticket.pk).exists()
    assert [t.name for t in ticket.tags.all()] == ["air"]
    assert Event.objects.get(type="desk.tag.deleted").payload == {"name": "vip", "tickets": 1}
    assert admin_client.get(reverse("desk:settings_tag_delete", args=[tag.pk])).status_code == 405


def test_saving_unchanged_field_or_tag_records_no_event(admin_client, custom_field, tag):
    admin_client.post(
        reverse("desk:settings_field_edit", args=[custom_field.pk]),
        {"label": custom_field.label, "is_active": "on"},
    )
    admin_client.post(reverse("desk:settings_tag_edit", args=[tag.pk]), {"name": "VIP"})

    assert not Event.objects.filter(
        type__in=["desk.custom_field.updated", "desk.tag.renamed", "desk.tag.merged"]
    ).exists()
