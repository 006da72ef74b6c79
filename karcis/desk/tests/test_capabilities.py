"""What a role allows on the desk, asked of core.permissions everywhere: the ticket page, its
forms, the API, the services and the live presence socket."""

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django_scopes import scope

from karcis.core import services as core_services
from karcis.core.content import body_from
from karcis.desk import services
from karcis.desk.models import Message

pytestmark = pytest.mark.django_db

VIEW, NOTE, REPLY, UPDATE = (
    "desk.ticket.view",
    "desk.ticket.note",
    "desk.ticket.reply",
    "desk.ticket.update",
)


@pytest.fixture
def light_agent(org, admin_user, team_billing):
    """A member of the billing team whose role only views tickets and writes notes."""
    role = core_services.custom_role_create(
        organisation=org, name="Agen Ringan", capabilities=[VIEW, NOTE], actor=admin_user
    )
    return core_services.staff_user_create(
        organisation=org,
        email="ringan@nusantara.test",
        name="Lia Ringan",
        role=role.key,
        teams=[team_billing],
        actor=admin_user,
    )


@pytest.fixture
def billing_ticket(make_ticket, team_billing):
    return make_ticket(team=team_billing)


def test_a_role_without_replies_writes_notes_but_no_replies(client, light_agent, billing_ticket):
    client.force_login(light_agent)
    url = f"/desk/tickets/{billing_ticket.number}/reply/"

    refused = client.post(url, {"kind": "reply", "body": "Halo", "status": billing_ticket.status})
    noted = client.post(url, {"kind": "note", "body": "Cek dulu", "status": billing_ticket.status})

    assert refused.status_code == 403
    assert noted.status_code == 302
    assert list(Message.objects.filter(ticket=billing_ticket).values_list("kind", flat=True)) == [
        "reply",  # the request itself
        "note",
    ]
    with pytest.raises(ValidationError):
        services.message_add(
            ticket=billing_ticket, body=body_from(text="Lewat layanan"), author_user=light_agent
        )


def test_the_ticket_page_offers_only_what_the_role_allows(client, light_agent, billing_ticket):
    client.force_login(light_agent)

    page = client.get(f"/desk/tickets/{billing_ticket.number}/")

    assert page.status_code == 200
    assert page.context["may_note"] and not page.context["may_reply"]
    assert page.context["properties"] is None  # no form to change what it may not change
    html = page.content.decode()
    assert 'value="note"' in html and 'value="reply"' not in html
    refused = client.post(
        f"/desk/tickets/{billing_ticket.number}/properties/", {"priority": "high"}
    )
    assert refused.status_code == 403


def test_a_team_grant_allows_replies_on_the_teams_tickets_only(
    client, admin_user, light_agent, team_billing, team_tech, make_ticket, billing_ticket
):
    core_services.team_update(team=team_billing, actor=admin_user, capabilities=[REPLY])
    unrouted = make_ticket()  # no team: the light agent sees it, without the team's grant
    client.force_login(light_agent)

    on_team = client.post(
        f"/desk/tickets/{billing_ticket.number}/reply/",
        {"kind": "reply", "body": "Sudah kami cek", "status": billing_ticket.status},
    )
    off_team = client.post(
        f"/desk/tickets/{unrouted.number}/reply/",
        {"kind": "reply", "body": "Halo", "status": unrouted.status},
    )

    assert on_team.status_code == 302 and off_team.status_code == 403
    assert Message.objects.filter(ticket=billing_ticket, author_user=light_agent).exists()


def test_bulk_changes_skip_the_tickets_the_role_may_not_change(
    client, org, admin_user, team_billing, make_ticket
):
    role = core_services.custom_role_create(
        organisation=org, name="Triase Tagihan", capabilities=[VIEW], actor=admin_user
    )
    triage = core_services.staff_user_create(
        organisation=org,
        email="triase@nusantara.test",
        name="Tri",
        role=role.key,
        teams=[team_billing],
        actor=admin_user,
    )
    core_services.team_update(team=team_billing, actor=admin_user, capabilities=[UPDATE])
    mine, unrouted = make_ticket(team=team_billing), make_ticket()
    client.force_login(triage)

    response = client.post(
        "/desk/tickets/bulk/",
        {"tickets": [mine.number, unrouted.number], "action": "change", "change": "status:pending"},
        follow=True,
    )

    mine.refresh_from_db()
    unrouted.refresh_from_db()
    assert (mine.status, unrouted.status) == ("pending", "new")
    assert unrouted.number in response.content.decode()


def test_an_agent_who_sees_every_ticket_by_grant(client, admin_user, agent, make_ticket, team_tech):
    elsewhere = make_ticket(team=team_tech)
    client.force_login(agent)
    assert client.get(f"/desk/tickets/{elsewhere.number}/").status_code == 404

    core_services.staff_user_update(user=agent, actor=admin_user, sees_all_tickets=True)

    assert client.get(f"/desk/tickets/{elsewhere.number}/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_live_presence_needs_the_capability_to_work_tickets(org, admin_user, make_ticket):
    role = core_services.custom_role_create(
        organisation=org,
        name="Hanya Pengaturan",
        capabilities=["desk.settings.manage"],
        actor=admin_user,
    )
    settings_only = core_services.staff_user_create(
        organisation=org, email="atur@nusantara.test", name="Atur", role=role.key
    )
    ticket = make_ticket()
    browser = Client()
    browser.force_login(settings_only)
    session = browser.cookies[settings.SESSION_COOKIE_NAME].value

    async def scenario():
        from karcis.asgi import application

        socket = WebsocketCommunicator(
            application,
            f"/ws/desk/tickets/{ticket.number}/",
            headers=[
                (b"origin", b"http://testserver"),
                (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}".encode()),
            ],
        )
        connected, _code = await socket.connect()
        assert not connected

    with scope():
        async_to_sync(scenario)()
