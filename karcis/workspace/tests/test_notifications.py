"""The bell: its panel, the list, following a notification, marking read, a person's
choices, and the live count over the websocket."""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django_scopes import scope

from karcis.core import services
from karcis.core.models import Notification, NotificationPreference
from karcis.core.tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(make_ticket):
    return make_ticket(subject="Tagihan dobel")


def notice_for(user, ticket, **extra):
    return NotificationFactory(
        recipient=user, object_id=ticket.pk, data={"number": ticket.number}, **extra
    )


def test_the_panel_shows_the_latest_and_the_unread_count(client, agent, admin_user, ticket):
    for _ in range(3):
        notice_for(agent, ticket, actor=admin_user)
    notice_for(agent, ticket, actor=admin_user, read_at=timezone.now())
    client.force_login(agent)

    response = client.get("/notifications/panel/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-unread="3"' in html
    assert html.count('class="unread"') == 3
    assert f"{ticket.number} Tagihan dobel" in html and "Rina Admin" in html


def test_the_list_costs_the_same_queries_however_many(
    client, agent, admin_user, ticket, django_assert_num_queries
):
    notice_for(agent, ticket, actor=admin_user)
    client.force_login(agent)
    client.get("/notifications/")
    with django_assert_num_queries(6) as one:
        client.get("/notifications/")
    for _ in range(25):
        notice_for(agent, ticket, actor=admin_user)
    with django_assert_num_queries(len(one)):
        assert client.get("/notifications/").status_code == 200


def test_following_a_notification_reads_it(client, agent, admin_user, ticket):
    notice = notice_for(agent, ticket, actor=admin_user)
    client.force_login(agent)

    response = client.get(f"/notifications/{notice.pk}/")

    assert response.status_code == 302 and response["Location"] == f"/desk/tickets/{ticket.number}/"
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_nobody_follows_or_reads_another_persons_notifications(
    client, agent, tech_agent, admin_user, ticket
):
    notice = notice_for(agent, ticket, actor=admin_user)
    client.force_login(tech_agent)

    assert client.get(f"/notifications/{notice.pk}/").status_code == 404
    client.post("/notifications/read/")
    notice.refresh_from_db()
    assert notice.read_at is None
    assert client.get("/notifications/count/").json() == {"unread": 0}


def test_mark_all_read(client, agent, admin_user, ticket):
    for _ in range(2):
        notice_for(agent, ticket, actor=admin_user)
    client.force_login(agent)
    assert client.get("/notifications/count/").json() == {"unread": 2}

    panel = client.post("/notifications/read/", HTTP_HX_REQUEST="true")

    assert 'data-unread="0"' in panel.content.decode()
    assert client.get("/notifications/count/").json() == {"unread": 0}


def test_customers_and_visitors_have_no_bell(client, customer):
    assert client.get("/notifications/").status_code == 302
    client.force_login(customer)
    assert client.get("/notifications/").status_code == 302


def test_choosing_what_reaches_me(client, agent):
    client.force_login(agent)
    page = client.get("/notifications/preferences/")
    assert page.status_code == 200
    kinds = {row["kind"] for row in page.context["rows"]}
    assert {"desk.assigned", "desk.customer_replied", "desk.mentioned"} <= kinds

    # Everything stays as it was but e-mail about mentions.
    data = {f"{kind}:app": "1" for kind in kinds} | {
        f"{kind}:email": "1" for kind in kinds if kind != "desk.mentioned"
    }
    response = client.post("/notifications/preferences/", data)

    assert response.status_code == 302
    assert list(NotificationPreference.objects.values_list("kind", "channel", "enabled")) == [
        ("desk.mentioned", "email", False)
    ]
    assert services.notification_channels_for(user=agent, kind="desk.mentioned") == {"app"}


def test_read_notifications_are_purged_after_a_while(org, agent, admin_user, ticket):
    old_read = notice_for(agent, ticket, read_at=timezone.now())
    old_unread = notice_for(agent, ticket)
    Notification.objects.filter(pk__in=[old_read.pk, old_unread.pk]).update(
        created_at=timezone.now() - timedelta(days=100)
    )
    recent = notice_for(agent, ticket, read_at=timezone.now())

    assert services.notifications_purge(organisation=org) == 1
    assert set(Notification.objects.values_list("pk", flat=True)) == {old_unread.pk, recent.pk}


@pytest.mark.django_db(transaction=True)
def test_the_bell_learns_its_count_live(org, agent, admin_user, make_ticket):
    ticket = make_ticket()
    browser = Client()
    browser.force_login(agent)
    session = browser.cookies[settings.SESSION_COOKIE_NAME].value

    async def scenario():
        from channels.db import database_sync_to_async

        from karcis.asgi import application

        socket = WebsocketCommunicator(
            application,
            "/ws/notifications/",
            headers=[
                (b"origin", b"http://testserver"),
                (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}".encode()),
            ],
        )
        connected, _code = await socket.connect()
        assert connected
        assert await socket.receive_json_from() == {"unread": 0, "changed": False}

        @database_sync_to_async
        def notify():
            with scope(organisation=org.pk):
                services.notify(
                    recipient=agent,
                    kind="desk.assigned",
                    obj=ticket,
                    actor=admin_user,
                    data={"number": ticket.number},
                )
                services.notifications_changed(user_id=agent.pk)

        await notify()
        assert await socket.receive_json_from(timeout=5) == {"unread": 1, "changed": True}
        await socket.disconnect()

    with scope():
        async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_the_bell_socket_is_for_staff_only(customer):
    browser = Client()
    browser.force_login(customer)
    session = browser.cookies[settings.SESSION_COOKIE_NAME].value

    async def scenario():
        from karcis.asgi import application

        socket = WebsocketCommunicator(
            application,
            "/ws/notifications/",
            headers=[
                (b"origin", b"http://testserver"),
                (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}".encode()),
            ],
        )
        connected, _code = await socket.connect()
        assert not connected

    with scope():
        async_to_sync(scenario)()
