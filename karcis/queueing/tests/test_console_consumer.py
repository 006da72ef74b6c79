"""The counter console's websocket, through the real ASGI application and channel layer: it
hears its service point's changes, and only staff who may work at the counter get in.

As in the desk's presence tests, each scenario runs with async_to_sync, with scopes on and
no organisation, as a real server would."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django_scopes import scope, scopes_disabled

from karcis.asgi import application
from karcis.core.services import custom_role_create, staff_user_create
from karcis.queueing import services
from karcis.queueing.console_consumers import CLOSE_NOT_ALLOWED, CLOSE_NOT_FOUND

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def point(org, admin_user):
    # No calendar: open around the clock, so a number can be taken at any real moment.
    return services.point_create(organisation=org, actor=admin_user, name="Puskesmas", slug="pk")


@pytest.fixture
def general(point, admin_user):
    return services.service_create(point=point, actor=admin_user, name="Poli Umum", prefix="A")


@pytest.fixture
def counter(point, admin_user, general):
    return services.counter_create(
        point=point, actor=admin_user, name="Loket 1", code="1", services=[general.pk]
    )


def session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def communicator(counter_id: int, session: str | None = None):
    headers = [(b"origin", b"http://testserver")]
    if session:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}".encode()))
    return WebsocketCommunicator(application, f"/ws/queue/counters/{counter_id}/", headers=headers)


def run(scenario) -> None:
    with scope():
        async_to_sync(scenario)()


@database_sync_to_async
def take_number(service):
    with scopes_disabled():
        return services.ticket_take(service=service, channel="kiosk")


@database_sync_to_async
def open_and_call(counter, user):
    with scopes_disabled():
        services.counter_open(counter=counter, actor=user)
        return services.counter_call_next(counter=counter, actor=user)


def test_the_console_hears_its_points_changes(counter, general, agent, admin_user):
    budi = session_of(agent)

    async def scenario():
        console = communicator(counter.pk, budi)
        assert (await console.connect())[0]
        assert await console.receive_nothing()
        await take_number(general)  # a kiosk number joins the line
        assert await console.receive_json_from() == {"changed": "lines"}
        await open_and_call(counter, admin_user)  # the call and the counter's change
        received = [await console.receive_json_from() for _ in range(2)]
        assert received == [{"changed": "lines"}] * 2
        await console.send_json_to({"anything": "ignored"})
        await console.disconnect()

    run(scenario)


def test_only_staff_who_may_work_at_the_counter_get_in(
    counter, org, admin_user, customer, other_org_agent
):
    role = custom_role_create(
        organisation=org,
        name="Analis",
        capabilities=["queueing.analytics.view"],
        actor=admin_user,
    )
    analyst = staff_user_create(
        organisation=org, email="analis@nusantara.test", name="Analis", role=role.key
    )
    cases = [
        (None, CLOSE_NOT_ALLOWED),
        (session_of(customer), CLOSE_NOT_ALLOWED),
        (session_of(other_org_agent), CLOSE_NOT_FOUND),
        (session_of(analyst), CLOSE_NOT_FOUND),
    ]

    async def scenario():
        for session, code in cases:
            console = communicator(counter.pk, session)
            connected, close_code = await console.connect()
            assert not connected and close_code == code, (session, close_code)
        missing = communicator(999_999, session_of_admin)
        connected, close_code = await missing.connect()
        assert not connected and close_code == CLOSE_NOT_FOUND

    session_of_admin = session_of(admin_user)
    run(scenario)
