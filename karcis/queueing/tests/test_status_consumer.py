"""A status page's websocket, through the real ASGI application and channel layer: the
ticket's token is the key, each change of its service's line sends the page's live part
again, at most once a second and never losing the last change.

pytest-asyncio is not used: each scenario runs with async_to_sync, with scopes enabled and
no organisation, as a real server would (see karcis/desk/tests/test_consumers.py)."""

import time

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from karcis.asgi import application
from karcis.queueing import services
from karcis.queueing.status_consumers import CLOSE_NOT_FOUND, MIN_SECONDS_BETWEEN_SENDS

from .conftest import MONDAY, monday

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _clock(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: monday(8))


@pytest.fixture
def booked(ktp):
    return services.ticket_take(
        service=ktp,
        channel="online",
        person=services.Person(name="Siti", phone="0812 3456 7890"),
        day=MONDAY.date(),
        slot=monday(9),
        now=monday(7),
    )


def communicator(token: str, *, lang: str = "id", origin: bytes = b"http://testserver"):
    return WebsocketCommunicator(
        application, f"/ws/antrean/tiket/{token}/?lang={lang}", headers=[(b"origin", origin)]
    )


def run(scenario) -> None:
    with scope():  # scopes on, no organisation: like every fresh request
        async_to_sync(scenario)()


@database_sync_to_async
def in_db(function, *args, **kwargs):
    with scopes_disabled():
        return function(*args, **kwargs)


def test_the_socket_sends_the_status_then_each_change(booked):
    async def scenario():
        socket = communicator(booked.token)
        assert (await socket.connect())[0]
        first = await socket.receive_json_from(timeout=3)
        assert first["number"] == "A-001" and first["status"] == "booked"
        assert "Dipesan" in first["html"] and "Siti" not in first["html"]

        await in_db(services.ticket_cancel, ticket=booked, now=monday(8))
        changed = await socket.receive_json_from(timeout=3)
        assert changed["status"] == "cancelled" and "Dibatalkan" in changed["html"]
        assert changed["cancellable"] is False
        await socket.disconnect()

    run(scenario)


def test_a_burst_of_changes_sends_once_a_second_with_the_last_state(booked, ktp):
    async def scenario():
        socket = communicator(booked.token)
        assert (await socket.connect())[0]
        await socket.receive_json_from(timeout=3)
        started = time.monotonic()
        for minute in range(5):  # five numbers taken at once in the same line
            await in_db(services.ticket_take, service=ktp, channel="kiosk", now=monday(8, minute))
        await in_db(services.ticket_cancel, ticket=booked, now=monday(8, 6))
        last = await socket.receive_json_from(timeout=3)
        assert time.monotonic() - started >= MIN_SECONDS_BETWEEN_SENDS * 0.9
        assert last["status"] == "cancelled"  # the send put off read the line as it is then
        assert await socket.receive_nothing(timeout=MIN_SECONDS_BETWEEN_SENDS * 1.5)
        await socket.disconnect()

    run(scenario)


def test_another_service_s_changes_send_nothing(booked, kk):
    async def scenario():
        socket = communicator(booked.token)
        assert (await socket.connect())[0]
        await socket.receive_json_from(timeout=3)
        await in_db(services.ticket_take, service=kk, channel="kiosk", now=monday(8))
        assert await socket.receive_nothing(timeout=1.5)
        await socket.disconnect()

    run(scenario)


def test_the_page_s_language_is_kept(booked):
    async def scenario():
        socket = communicator(booked.token, lang="en")
        assert (await socket.connect())[0]
        assert "Booked" in (await socket.receive_json_from(timeout=3))["html"]
        await socket.disconnect()
        unknown = communicator(booked.token, lang="xx")  # the default language, then
        assert (await unknown.connect())[0]
        assert "Dipesan" in (await unknown.receive_json_from(timeout=3))["html"]
        await unknown.disconnect()

    run(scenario)


def test_a_wrong_token_and_a_foreign_origin_are_refused(booked):
    async def scenario():
        connected, code = await communicator("bukan-token").connect()
        assert not connected and code == CLOSE_NOT_FOUND
        assert not (await communicator(booked.token, origin=b"http://evil.example").connect())[0]

    run(scenario)
