"""Live presence on the ticket page, through the real ASGI application and channel layer.

pytest-asyncio is not used: each test drives its async scenario with async_to_sync. The
scenario runs with scopes enabled and no organisation, as a real server would, so a
consumer that forgot to scope its queries would fail here.
"""

import socket

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django_scopes import scope

from karcis.asgi import application
from karcis.desk.consumers import CLOSE_NOT_ALLOWED, CLOSE_NOT_FOUND

pytestmark = pytest.mark.django_db(transaction=True)


def session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def communicator(number: str, session: str | None = None, origin: bytes = b"http://testserver"):
    headers = [(b"origin", origin)]
    if session:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}".encode()))
    return WebsocketCommunicator(application, f"/ws/desk/tickets/{number}/", headers=headers)


def run(scenario) -> None:
    with scope():  # scopes on, no organisation: like every fresh request
        async_to_sync(scenario)()


@pytest.fixture
def ticket(make_ticket, team_billing):
    return make_ticket(team=team_billing)


def test_viewers_see_each_other_viewing_replying_and_leaving(ticket, agent, admin_user):
    budi, rina = session_of(agent), session_of(admin_user)

    async def scenario():
        first = communicator(ticket.number, budi)
        assert (await first.connect())[0]
        second = communicator(ticket.number.lower(), rina)
        assert (await second.connect())[0]

        assert await first.receive_json_from() == {
            "user": admin_user.pk,
            "name": "Rina Admin",
            "state": "viewing",
        }
        assert await second.receive_nothing()  # nobody hears their own announcement

        # The first viewer re-announces (as the page does every ~20 s): the late joiner learns.
        await first.send_json_to({"state": "viewing"})
        assert await second.receive_json_from() == {
            "user": agent.pk,
            "name": "Budi Santoso",
            "state": "viewing",
        }

        # A greeting, its repeat and typing, all at once: the repeat is dropped, not the change.
        await second.send_json_to({"state": "viewing"})
        await second.send_json_to({"state": "viewing"})
        await second.send_json_to({"state": "replying"})
        assert (await first.receive_json_from())["state"] == "viewing"
        assert (await first.receive_json_from())["state"] == "replying"
        assert await first.receive_nothing()

        await second.send_json_to({"state": "shouting"})  # unknown states are dropped
        await second.send_json_to(["not", "an", "object"])
        assert await first.receive_nothing()

        await second.disconnect()
        assert await first.receive_json_from() == {
            "user": admin_user.pk,
            "name": "Rina Admin",
            "state": "left",
        }
        await first.disconnect()

    run(scenario)


def test_viewers_of_other_tickets_hear_nothing(make_ticket, ticket, agent, admin_user):
    other = make_ticket()
    budi, rina = session_of(agent), session_of(admin_user)

    async def scenario():
        first = communicator(ticket.number, budi)
        assert (await first.connect())[0]
        second = communicator(other.number, rina)
        assert (await second.connect())[0]
        assert await first.receive_nothing()
        await first.disconnect()
        await second.disconnect()

    run(scenario)


@pytest.mark.parametrize(
    "who, code",
    [
        ("anonymous", CLOSE_NOT_ALLOWED),
        ("customer", CLOSE_NOT_ALLOWED),
        ("tech_agent", CLOSE_NOT_FOUND),  # another team's agent
        ("other_org_agent", CLOSE_NOT_FOUND),
    ],
)
def test_who_may_not_see_the_ticket_cannot_connect(request, ticket, who, code):
    session = None if who == "anonymous" else session_of(request.getfixturevalue(who))

    async def scenario():
        connected, close_code = await communicator(ticket.number, session).connect()
        assert not connected
        assert close_code == code

    run(scenario)


def test_unknown_ticket_and_foreign_origin_are_refused(agent):
    budi = session_of(agent)

    async def scenario():
        assert not (await communicator("KRC-999999", budi).connect())[0]
        assert not (
            await communicator("KRC-000001", budi, origin=b"http://evil.example").connect()
        )[0]

    run(scenario)


def _redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_available(), reason="no Redis at 127.0.0.1:6379")
def test_presence_through_redis(settings, ticket, agent, admin_user):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:6379/0"], "prefix": "karcis-test-desk"},
        }
    }
    budi, rina = session_of(agent), session_of(admin_user)

    async def scenario():
        first = communicator(ticket.number, budi)
        assert (await first.connect())[0]
        second = communicator(ticket.number, rina)
        assert (await second.connect())[0]
        assert (await first.receive_json_from(timeout=3))["name"] == "Rina Admin"
        await second.disconnect()
        assert (await first.receive_json_from(timeout=3))["state"] == "left"
        await first.disconnect()

    run(scenario)
