"""A rush through the API: 40 clients ask for the last places at the same moment, each a
thread with its own database connection, as concurrent requests are. The numbers given are
unique and gapless, no quota or slot takes one more than it holds, and every client turned
away got a 409 saying why (and where there is room).

On PostgreSQL the clients' transactions really run at once and queue on the service day's
row lock. On SQLite they queue on the database's write lock (IMMEDIATE transactions), as in
production; the test suite's in-memory SQLite cannot make writers wait (its shared cache
answers "table is locked" at once), so there the rush runs on a copy of the test database in
a file, set up as production sets SQLite up (WAL, a busy timeout).
"""

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection
from django_scopes import scopes_disabled
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from karcis.api.models import IdempotencyKey
from karcis.calendars.services import calendar_create
from karcis.core import services as core_services
from karcis.core.models import Role
from karcis.queueing import services
from karcis.queueing.models import QueueTicket, ServiceDay

from .conftest import WEEKDAY, monday
from .test_api import clock_set

CLIENTS = 40


@contextmanager
def database_for_threads(folder: Path) -> Iterator[None]:
    """The test and its threads on one database where writers wait for each other: the test
    database itself on PostgreSQL; on SQLite a copy of it in a file, the in-memory one put
    back afterwards (untouched: the flush after the test finds it as it was)."""
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    memory = connection.connection
    path = folder / "rush.sqlite3"
    copy = sqlite3.connect(path)
    memory.backup(copy)
    copy.close()
    # Every thread's connection is made from this same settings dictionary.
    settings = connection.settings_dict
    name = settings["NAME"]
    connection.connection = None  # kept open above: closing it would drop the database
    settings["NAME"] = str(path)
    try:
        yield
    finally:
        connection.close()
        settings["NAME"] = name
        connection.connection = memory


def _office(*, quotas, slot_capacity):
    org = core_services.organisation_create(name="RSUD Rusuh", slug="rusuh", ticket_prefix="RSH")
    admin = core_services.staff_user_create(
        organisation=org, email="admin@rusuh.test", name="Admin", role=Role.ADMIN
    )
    system = core_services.staff_user_create(
        organisation=org, email="simrs@rusuh.test", name="SIMRS", role=Role.AGENT
    )
    hours = calendar_create(
        organisation=org,
        name="Jam layanan",
        actor=admin,
        time_zone="Asia/Jakarta",
        weekly=[*([WEEKDAY] * 5), [], []],
    )
    point = services.point_create(
        organisation=org, actor=admin, name="RSUD", slug="rsud", calendar=hours
    )
    service = services.service_create(
        point=point,
        actor=admin,
        name="Poli Umum",
        prefix="P",
        slot_minutes=30,
        slot_capacity=slot_capacity,
        quotas=quotas,
    )
    return service, Token.objects.create(user=system).key


def _rush(token: str, payloads: list[dict]) -> list[tuple[int, dict]]:
    """Every payload POSTed at once, each by its own client on its own connection."""
    go = threading.Event()
    answers: list[tuple[int, dict]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def client(index: int, payload: dict) -> None:
        try:
            api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
            api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            go.wait(timeout=30)
            response = api.post(
                "/api/queue/tickets/", payload, format="json", HTTP_IDEMPOTENCY_KEY=f"rush-{index}"
            )
            with lock:
                answers.append((response.status_code, response.json()))
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=client, args=(index, payload))
        for index, payload in enumerate(payloads)
    ]
    for thread in threads:
        thread.start()
    go.set()
    for thread in threads:
        thread.join()
    assert errors == []
    return answers


ONLINE_25 = [{"channel": "online", "bucket": "", "limit": 25}]
WALK_IN_30 = [{"channel": "walk_in", "bucket": "", "limit": 30}]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "case, quotas, slot_capacity, given, next_open_date",
    [
        # 40 book the 09:00 slot of Tuesday: the online quota (25) binds before the slot (30);
        # Wednesday is offered.
        ("online quota", ONLINE_25, 30, 25, "2026-12-16"),
        # The slot (12 people) binds first: another slot of the same day is offered.
        ("slot", ONLINE_25, 12, 12, "2026-12-15"),
        # 40 walk-in numbers for today at the staff's desks, a walk-in quota of 30.
        ("walk-in quota", WALK_IN_30, 4, 30, "2026-12-15"),
    ],
)
def test_a_rush_gives_gapless_numbers_within_the_quota(
    case, quotas, slot_capacity, given, next_open_date, tmp_path, monkeypatch
):
    clock_set(monkeypatch, monday(8, 30))
    with database_for_threads(tmp_path), scopes_disabled():
        service, token = _office(quotas=quotas, slot_capacity=slot_capacity)
        if case == "walk-in quota":
            payloads = [
                {"service": service.pk, "channel": "staff", "name": f"Pasien {n}"}
                for n in range(CLIENTS)
            ]
        else:
            payloads = [
                {
                    "service": service.pk,
                    "name": f"Pasien {n}",
                    "phone": f"08123456{n:04d}",
                    "date": "2026-12-15",
                    "slot": "09:00",
                }
                for n in range(CLIENTS)
            ]

        answers = _rush(token, payloads)

        taken = [body for status, body in answers if status == 201]
        refused = [(status, body) for status, body in answers if status != 201]
        assert len(answers) == CLIENTS
        assert len(taken) == given
        # Unique and gapless, in what the callers were told and in what is stored.
        numbers = sorted(body["number"] for body in taken)
        assert numbers == [f"P-{n:03d}" for n in range(1, given + 1)]
        tickets = QueueTicket.objects.filter(service=service)
        assert sorted(tickets.values_list("sequence", flat=True)) == list(range(1, given + 1))
        assert sorted(body["id"] for body in taken) == sorted(tickets.values_list("pk", flat=True))
        # Every one turned away was told why, as a 409, with where there is room.
        assert len(refused) == CLIENTS - given
        for status, body in refused:
            assert status == 409
            assert set(body) == {"detail", "code", "next_open_date"}
            assert body["code"] == "full"
            assert body["next_open_date"] == next_open_date
        # The day's counts are exact.
        day = ServiceDay.objects.get(service=service)
        assert day.last_number == given
        if case == "walk-in quota":
            assert day.used == {"walk_in:": given}
            assert day.slots == {}
        else:
            assert day.used == {"online:": given}
            assert day.slots == {"09:00": given}
        # The answers given are the ones kept for a retry, and only those.
        assert IdempotencyKey.objects.filter(status_code=201).count() == given
        assert IdempotencyKey.objects.count() == given
