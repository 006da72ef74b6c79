"""The TV board: its page and its state (public, numbers and counters only), and its
websocket, through the real ASGI application and channel layer."""

import json
import re
import time

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from karcis.asgi import application
from karcis.queueing import board_consumers, services
from karcis.queueing.board_consumers import CLOSE_NOT_FOUND
from karcis.queueing.live import point_group

from .conftest import monday


class Clock:
    def __init__(self, moment):
        self.moment = moment


@pytest.fixture
def clock(monkeypatch):
    """The time every view, service and consumer reads: Monday 09:00 in Jakarta."""
    clock = Clock(monday(9))
    monkeypatch.setattr(timezone, "now", lambda: clock.moment)
    return clock


@pytest.fixture
def busy(point, ktp, kk, counter, counter2, agent, admin_user, person, clock):
    """Loket 1 has called A-001 (Siti, a booking); B-001 and B-002 wait; Loket 2 is closed."""
    booking = services.ticket_take(
        service=ktp, channel="online", person=person, day=monday(9).date(), slot=monday(9),
        now=monday(7),
    )  # fmt: skip
    services.ticket_check_in(ticket=booking, now=monday(8, 50))
    for minute in (1, 2):
        services.ticket_take(service=kk, channel="kiosk", now=monday(8, minute))
    services.counter_open(counter=counter, actor=agent, now=monday(8, 55))
    called = services.counter_call_next(counter=counter, actor=agent, now=monday(9))
    assert called is not None and called.number == "A-001"
    return called


def board_url(point, name="board"):
    return reverse(f"queueing:{name}", kwargs={"org": point.organisation.slug, "point": point.slug})


@pytest.mark.django_db
def test_the_board_shows_numbers_and_counters_never_names(
    client, point, busy, django_assert_num_queries
):
    client.get(board_url(point))  # the opening hours are read once, then kept in the cache
    # organisation, point; counters, their tickets, the last calls, the lines, the services
    with django_assert_num_queries(7):
        response = client.get(board_url(point))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Disdukcapil Kota" in html
    assert "Nomor dipanggil" in html and "Panggilan terakhir" in html
    latest = re.search(r"data-latest-number>([^<]+)<", html)[1]
    assert latest == "A-001"
    assert re.search(r'data-code="1">\s*<span class="board-counter-name">Loket 1</span>', html)
    assert 'data-code="2"' not in html  # closed counters are not shown
    assert "2 menunggu" in html  # Kartu Keluarga's line
    assert "Siti" not in html and "7890" not in html
    assert f'data-socket-path="/ws/antrean/papan/{point.pk}/"' in html
    assert 'data-state-url="' + board_url(point, "board_state") + '"' in html


@pytest.mark.django_db
def test_the_board_in_english(client, point, busy):
    html = client.get(board_url(point) + "?lang=en").content.decode()
    assert "Now calling" in html and "2 waiting" in html
    assert "Bahasa Indonesia" in html


@pytest.mark.django_db
def test_the_state_for_catching_up(client, point, busy, django_assert_num_queries):
    client.get(board_url(point, "board_state"))
    with django_assert_num_queries(7):
        response = client.get(board_url(point, "board_state"))

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    state = response.json()
    assert state["point"] == {"name": "Disdukcapil Kota", "time_zone": "Asia/Jakarta"}
    assert state["now"] == monday(9).isoformat()
    assert state["counters"] == [
        {"code": "1", "name": "Loket 1", "open": True, "number": "A-001"},
        {"code": "2", "name": "Loket 2", "open": False, "number": ""},
    ]
    assert [(call["number"], call["counter"]) for call in state["recent"]] == [("A-001", "1")]
    assert [(service["prefix"], service["waiting"]) for service in state["services"]] == [
        ("A", 0),
        ("B", 2),
    ]
    assert "Siti" not in response.content.decode()


@pytest.mark.django_db
def test_no_board_for_an_unknown_or_switched_off_point(client, point, admin_user, clock):
    assert client.get(board_url(point).replace("/dukcapil/", "/lain/")).status_code == 404
    assert client.get(board_url(point).replace("/nusantara/", "/lain/")).status_code == 404
    services.point_update(point=point, actor=admin_user, is_active=False)
    assert client.get(board_url(point)).status_code == 404
    assert client.get(board_url(point, "board_state")).status_code == 404


# --- the websocket ----------------------------------------------------------------------------


def board_socket(point_id: int):
    return WebsocketCommunicator(
        application, f"/ws/antrean/papan/{point_id}/", headers=[(b"origin", b"http://testserver")]
    )


def run(scenario, *args) -> None:
    with scope():  # scopes on, no organisation: like every fresh connection
        async_to_sync(scenario)(*args)


def unscoped(function):
    """A service called from the scenario as another request would: in its own thread."""

    @database_sync_to_async
    def call(**kwargs):
        with scopes_disabled():
            return function(**kwargs)

    return call


@pytest.mark.django_db(transaction=True)
def test_the_board_gets_its_state_then_each_call_after_commit(
    point, ktp, kk, counter, agent, clock
):
    services.ticket_take(service=kk, channel="kiosk", now=monday(8, 30))
    services.counter_open(counter=counter, actor=agent, now=monday(8, 40))

    async def scenario():
        board = board_socket(point.pk)
        assert (await board.connect())[0]
        first = await board.receive_json_from()
        assert first["type"] == "state"
        assert first["state"]["counters"][0] == {
            "code": "1",
            "name": "Loket 1",
            "open": True,
            "number": "",
        }
        assert first["state"]["services"][1]["waiting"] == 1

        # When Loket 1 calls the next number (committed: the board hears it after commit)
        await unscoped(services.counter_call_next)(counter=counter, actor=agent, now=monday(9))
        call = await board.receive_json_from()
        assert call["type"] == "call"
        assert call["call"]["number"] == "B-001"
        assert call["call"]["counter"] == "1"
        assert call["call"]["phrase"] == "Nomor antrean B nol nol satu, silakan ke loket satu."
        assert call["call"]["audio"] == reverse(
            "queueing:call_audio", kwargs={"ticket": call["call"]["ticket"], "calls": 1}
        )
        assert call["call"]["recall"] is False
        # …and then the state, with the counter's number and the shorter line.
        state = await board.receive_json_from(timeout=2)
        assert state["type"] == "state"
        assert state["state"]["counters"][0]["number"] == "B-001"
        assert state["state"]["services"][1]["waiting"] == 0

        # A recall is a call again.
        await unscoped(services.counter_recall)(counter=counter, actor=agent, now=monday(9, 1))
        recall = await board.receive_json_from(timeout=2)
        assert recall["type"] == "call" and recall["call"]["recall"] is True
        assert recall["call"]["audio"].endswith("/2.wav")
        await board.disconnect()

    run(scenario)


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_changes_costs_at_most_two_states_a_second(point, kk, clock, monkeypatch):
    reads = []
    snapshot_of = board_consumers.snapshot_of

    async def counted(point_id):
        reads.append(point_id)
        return await snapshot_of(point_id)

    monkeypatch.setattr(board_consumers, "snapshot_of", counted)

    async def scenario():
        board = board_socket(point.pk)
        assert (await board.connect())[0]
        assert (await board.receive_json_from())["type"] == "state"
        for _ in range(5):
            # As the group delivers it: with the moment the change was committed.
            await board.send_input({"type": "point.changed", "committed": time.time()})
        state = await board.receive_json_from(timeout=2)
        assert state["type"] == "state"
        assert await board.receive_nothing(timeout=0.8)
        await board.disconnect()

    run(scenario)
    # On connecting, then once for the whole burst (it came within half a second).
    assert len(reads) == 2


@pytest.mark.django_db(transaction=True)
def test_the_board_hears_the_changes_of_its_own_point_only(point, org, kk, admin_user, clock):
    other = services.point_create(organisation=org, actor=admin_user, name="Cabang", slug="cabang")
    other_service = services.service_create(
        point=other, actor=admin_user, name="Umum", prefix="U", slot_minutes=0
    )

    async def scenario():
        board = board_socket(point.pk)
        assert (await board.connect())[0]
        await board.receive_json_from()
        await unscoped(services.ticket_take)(service=other_service, channel="kiosk")
        assert await board.receive_nothing(timeout=0.7)
        await unscoped(services.ticket_take)(service=kk, channel="kiosk")
        state = await board.receive_json_from(timeout=2)
        assert state["state"]["services"] == [
            {"name": "Kartu Keluarga", "prefix": "B", "waiting": 1}
        ]
        await board.disconnect()

    run(scenario)


@pytest.mark.django_db(transaction=True)
def test_no_socket_for_an_unknown_or_switched_off_board(point, admin_user, clock):
    async def refused(point_id):
        board = board_socket(point_id)
        connected, code = await board.connect()
        assert not connected and code == CLOSE_NOT_FOUND
        # A refused socket leaves the point's group (seen in the in-memory layer; Redis's,
        # when the suite runs with REDIS_URL, does not list its groups' members).
        layer = get_channel_layer()
        if hasattr(layer, "groups"):
            assert not layer.groups.get(point_group(point_id))

    run(refused, point.pk + 100)
    services.point_update(point=point, actor=admin_user, is_active=False)
    run(refused, point.pk)


@pytest.mark.django_db
def test_the_snapshot_is_plain_json(point, busy):
    from karcis.queueing.board_views import board_snapshot

    assert json.loads(json.dumps(board_snapshot(point)))["recent"][0]["number"] == "A-001"
