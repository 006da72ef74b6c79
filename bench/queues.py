#!/usr/bin/env python
"""Public queues benchmark on PostgreSQL: numbers taken per second through the API by 16
concurrent clients (no duplicate, no gap, a quota never exceeded), and the delay from a
counter's "call next" to the boards showing it, with 50 boards connected.

    .venv/bin/python bench/queues.py                       # measure both
    .venv/bin/python bench/queues.py --only take --seconds 10
    .venv/bin/python bench/queues.py --write-docs

As production serves them (decision 0006): HTTP by gunicorn's sync workers on karcis.wsgi,
websockets by uvicorn on karcis.asgi, the two joined by Redis (channel layer). Each run
starts from a new database (default karcis_bench_queue) with one organisation, one service
point open around the clock, its services and counters.
"""

import argparse
import asyncio
import json
import shlex
import statistics
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:0] = [str(BENCH_DIR), str(ROOT)]

import desk  # noqa: E402  (bench/desk.py: servers, clients, the machine, the docs)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/karcis_bench_queue"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
DOCS_START = "<!-- bench/queues.py: start -->"
DOCS_END = "<!-- bench/queues.py: end -->"
TARGETS = {"take": 300.0, "board": 1000.0}  # numbers/s; ms (p95)
ADMIN = "admin@queue.bench.test"
QUOTA = 1_000  # the quota-exactness run's online quota


# --- the data -----------------------------------------------------------------------------------


def prepare(url: str) -> dict:
    """A new database with the organisation, its point, services and counters."""
    desk.recreate_database(url)
    desk.setup_django(url)
    from django.core.management import call_command
    from django_scopes import scope

    from karcis.core import services as core
    from karcis.core.models import Role
    from karcis.queueing import services

    print("==> migrating a new database", flush=True)
    call_command("migrate", verbosity=0)
    organisation = core.organisation_create(name="Bench Kota", slug="bench", ticket_prefix="BN")
    with scope(organisation=organisation.pk):
        admin = core.staff_user_create(
            organisation=organisation, email=ADMIN, name="Admin", role=Role.ADMIN
        )
        # No calendar: open around the clock, so the bench runs at any hour.
        point = services.point_create(
            organisation=organisation, actor=admin, name="Kantor", slug="kantor"
        )
        free = services.service_create(point=point, actor=admin, name="Layanan", prefix="A",
                                       slot_minutes=0)  # fmt: skip
        limited = services.service_create(
            point=point,
            actor=admin,
            name="Kuota",
            prefix="Q",
            slot_minutes=0,
            quotas=[{"channel": "online", "bucket": "", "limit": QUOTA}],
        )
        counter = services.counter_create(
            point=point, actor=admin, name="Loket 1", code="1", services=[free.pk]
        )
    desk.write_bench_state(url, {"complete": 1})
    return {
        "token": desk.api_token(ADMIN),
        "point": point.pk,
        "free": free.pk,
        "limited": limited.pk,
        "counter": counter.pk,
    }


def numbers_of(service_id: int) -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sequence FROM queueing_queueticket WHERE service_id = %s ORDER BY sequence",
            [service_id],
        )
        return [row[0] for row in cursor.fetchall()]


def check_numbers(service_id: int, answered: list[str], prefix: str) -> str:
    stored = numbers_of(service_id)
    gapless = stored == list(range(1, len(stored) + 1))
    distinct = len(set(answered)) == len(answered)
    same = sorted(answered) == sorted(f"{prefix}-{n:03d}" for n in stored)
    ok = gapless and distinct and same
    return (
        f"{'OK' if ok else 'WRONG'}: {len(stored):,} stored, numbers 1–{len(stored):,} "
        f"{'without' if gapless else 'WITH'} gaps, {len(answered) - len(set(answered))} "
        f"duplicates among the {len(answered):,} answered, "
        f"answers {'match' if same else 'DO NOT match'} the stored numbers"
    )


# --- taking numbers -------------------------------------------------------------------------


def take_numbers(server, data: dict, *, clients: int, seconds: float) -> desk.Result:
    result = desk.Result(
        "Take a number",
        f"POST /api/queue/tickets/, {clients} concurrent clients",
        target="take",
        unit="numbers/s",
    )

    def prepare_client(http):
        http.headers["Authorization"] = f"Token {data['token']}"
        return True

    def send(http, rng, _prepared):
        response = http.post(
            "/api/queue/tickets/", json={"service": data["free"], "channel": "api"}
        )
        if response.status_code != 201:
            return False, f"HTTP {response.status_code}", None
        return True, "", response.json()["number"]

    meter = desk.CpuMeter(server.process.pid)
    meter.start()
    numbers = desk.run_clients(
        result, base=server.base, clients=clients, seconds=seconds, prepare=prepare_client,
        send=send,
    )  # fmt: skip
    meter.stop(result, len(numbers), "number")
    result.passed = bool(result.rate and result.rate >= TARGETS["take"] and not result.errors)
    result.note += ". Check: " + check_numbers(data["free"], numbers, "A")
    return result


def quota_rush(base: str, data: dict, *, clients: int) -> desk.Result:
    """Clients take numbers of a service whose online quota is QUOTA until every one of them
    has been refused: exactly QUOTA taken, every refusal a 409 saying the quota is full."""
    result = desk.Result(
        "Quota rush",
        f"POST /api/queue/tickets/ to a quota of {QUOTA:,}, {clients} clients until refused",
        unit="numbers/s",
    )
    import httpx

    lock = threading.Lock()
    taken: list[str] = []
    refusals: dict[str, int] = {}

    def client() -> None:
        with httpx.Client(base_url=base, timeout=30) as http:
            http.headers["Authorization"] = f"Token {data['token']}"
            while True:
                started = time.perf_counter()
                response = http.post(
                    "/api/queue/tickets/",
                    json={"service": data["limited"], "channel": "api", "name": "x"},
                )
                with lock:
                    result.timings.append((time.perf_counter() - started) * 1000)
                if response.status_code == 201:
                    with lock:
                        taken.append(response.json()["number"])
                    continue
                body = response.json() if response.content else {}
                reason = f"HTTP {response.status_code} {body.get('code', '')}".strip()
                with lock:
                    refusals[reason] = refusals.get(reason, 0) + 1
                return

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    result.rate = len(taken) / wall
    exact = len(taken) == QUOTA and set(refusals) == {"HTTP 409 full"}
    result.passed = exact
    result.note = (
        f"{'OK' if exact else 'WRONG'}: {len(taken):,} taken of a quota of {QUOTA:,}; "
        f"refusals: {', '.join(f'{k} ×{v}' for k, v in refusals.items())}. "
        + check_numbers(data["limited"], taken, "Q")
    )
    return result


# --- the boards -----------------------------------------------------------------------------


async def _boards(ws_base: str, point: int, boards: int, calls: list, received: list) -> None:
    """`boards` websocket clients on the point's board; each records when it hears each
    called number (received: (number, monotonic time))."""
    import websockets

    url = f"{ws_base}/ws/antrean/papan/{point}/"
    origin = ws_base.replace("ws://", "http://")
    ready = asyncio.Event()
    connected = [0]

    async def board() -> None:
        try:
            await listen()
        except Exception as error:  # reported, and the board counts as missing its calls
            print(f"    a board failed: {type(error).__name__}: {error}", flush=True)
            raise

    async def listen() -> None:
        async with websockets.connect(url, origin=origin, max_size=2**22) as socket:
            connected[0] += 1
            if connected[0] == boards:
                ready.set()
            async for raw in socket:
                now = time.monotonic()
                try:
                    message = json.loads(raw)
                except ValueError:
                    continue
                call = message.get("call") if isinstance(message, dict) else None
                if isinstance(call, dict) and call.get("number"):
                    received.append((call["number"], now))

    tasks = [asyncio.create_task(board()) for _ in range(boards)]
    await asyncio.wait_for(ready.wait(), timeout=60)
    calls.append("ready")
    while "done" not in calls:
        await asyncio.sleep(0.1)
    await asyncio.sleep(2)  # late messages
    for task in tasks:
        task.cancel()


def board_delay(base: str, ws_base: str, data: dict, *, boards: int, calls: int) -> desk.Result:
    import httpx

    result = desk.Result(
        "Call to board",
        f"POST /api/queue/counters/<id>/call-next/ until {boards} connected boards show it",
        target="board",
    )
    sent: dict[str, float] = {}
    received: list = []
    signals: list = []
    listener = threading.Thread(
        target=lambda: asyncio.run(_boards(ws_base, data["point"], boards, signals, received))
    )
    listener.start()
    with httpx.Client(base_url=base, timeout=30) as http:
        http.headers["Authorization"] = f"Token {data['token']}"
        for _ in range(calls + 1):
            http.post("/api/queue/tickets/", json={"service": data["free"], "channel": "api"})
        opened = http.post(f"/api/queue/counters/{data['counter']}/open/")
        if opened.status_code >= 400:
            raise SystemExit(f"Could not open the counter: HTTP {opened.status_code}")
        while "ready" not in signals:
            time.sleep(0.1)
        for _ in range(calls):
            started = time.monotonic()
            response = http.post(f"/api/queue/counters/{data['counter']}/call-next/")
            body = response.json()
            ticket = body.get("ticket", body) if isinstance(body, dict) else None
            number = (ticket or {}).get("number")
            if response.status_code != 200 or not number:
                result.errors += 1
                continue
            sent[number] = started
            time.sleep(0.3)
    signals.append("done")
    listener.join()
    heard: dict[str, int] = {}
    for number, at in received:
        if number in sent:
            result.timings.append((at - sent[number]) * 1000)
            heard[number] = heard.get(number, 0) + 1
    missing = sum(boards - heard.get(number, 0) for number in sent)
    result.errors += missing
    result.passed = bool(result.timings) and not missing and result.pct(0.95) < TARGETS["board"]
    result.note = (
        f"{len(sent)} calls × {boards} boards: {len(result.timings):,} deliveries, "
        f"{missing} missing"
    )
    return result


# --- report -------------------------------------------------------------------------------


def table(results: list[desk.Result]) -> str:
    lines = [
        "| measurement | detail | n | p50 ms | p95 ms | max ms | rate | errors | target | met |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        if not r.timings:
            lines.append(f"| {r.name} | {r.detail} | 0 | | | | | {r.errors} | | NO |")
            continue
        rate = f"{r.rate:,.0f} {r.unit}" if r.rate is not None else ""
        target = (
            f"≥ {TARGETS['take']:.0f}/s, 0 errors"
            if r.target == "take"
            else f"p95 < {TARGETS['board']:.0f} ms"
            if r.target == "board"
            else "exact"
        )
        met = "" if r.passed is None else ("yes" if r.passed else "NO")
        lines.append(
            f"| {r.name} | {r.detail} | {len(r.timings):,} | {r.pct(0.5):.1f} | "
            f"{r.pct(0.95):.1f} | {max(r.timings):.1f} | {rate} | {r.errors} | {target} | {met} |"
        )
    return "\n".join(lines)


def report(results: list[desk.Result], command: str, workers: int) -> str:
    facts = desk.machine()
    lines = [
        DOCS_START,
        "## Public queues (`bench/queues.py`)",
        "",
        f"Measured {datetime.now().astimezone():%Y-%m-%d %H:%M %Z} on {facts['cpus']} CPUs "
        f"({facts['cpu']}), {facts['ram']} RAM; PostgreSQL {facts['postgres']}; Python "
        f"{facts['python']}, Django {facts['django']}. HTTP: gunicorn, {workers} sync workers "
        "(karcis.wsgi); websockets: uvicorn, one worker (karcis.asgi); channel layer: Redis. "
        f"Load average before: {desk.load_average()}.",
        "",
        table(results),
        "",
        *[f"- {r.name}: {r.note}" for r in results if r.note],
        "",
        *desk.reproduce(command),
        DOCS_END,
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--only", choices=("take", "board"))
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--boards", type=int, default=50)
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--port", type=int, default=8797)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args(argv)
    command = ".venv/bin/python bench/queues.py " + " ".join(shlex.quote(a) for a in argv)
    import os

    os.environ["REDIS_URL"] = args.redis_url
    # The bench's own Redis database, emptied: boards of an earlier run that did not say
    # goodbye stay members of the point's group (channels-redis forgets them after a day),
    # and every call would be sent to them too.
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    data = prepare(args.database_url)
    http = desk.Server(
        url=args.database_url, port=args.port, workers=args.workers, settings="bench_settings"
    )
    sockets = None
    results: list[desk.Result] = []
    try:
        http.wait_ready()
        if args.only in (None, "take"):
            print(f"==> taking numbers: {args.clients} clients, {args.seconds:.0f} s", flush=True)
            results.append(take_numbers(http, data, clients=args.clients, seconds=args.seconds))
            print(f"==> a rush on a quota of {QUOTA:,}", flush=True)
            results.append(quota_rush(http.base, data, clients=args.clients))
        if args.only in (None, "board"):
            sockets = desk.Server(
                url=args.database_url,
                port=args.port + 1,
                workers=1,
                settings="bench_settings",
                asgi=True,
            )
            sockets.wait_ready()
            print(f"==> {args.calls} calls to {args.boards} boards", flush=True)
            results.append(
                board_delay(
                    http.base,
                    sockets.base.replace("http://", "ws://"),
                    data,
                    boards=args.boards,
                    calls=args.calls,
                )
            )
    finally:
        http.stop()
        if sockets is not None:
            sockets.stop()
    section = report(results, command, args.workers)
    print("\n" + section)
    if args.write_docs:
        desk.write_docs(section, start=DOCS_START, end=DOCS_END)
    print("\nspread:", [f"{statistics.median(r.timings):.1f}" for r in results if r.timings])


if __name__ == "__main__":
    main(sys.argv[1:])
