#!/usr/bin/env python
"""Event-log benchmark: how fast durable consumers follow the log (core.eventlog).

    .venv/bin/python bench/events.py                # needs bench/desk.py's data
    .venv/bin/python bench/events.py --write-docs   # … and update docs/benchmarks.md

Copies the desk benchmark's database (100,000 tickets and their events; `bench/desk.py
load` makes it) to its own database (default karcis_bench_events), so the desk's data is
never changed. There, each consumer is handed the newest --events events of its types, as
the scheduler's dispatch job does (`events_dispatch`, batch after batch until none is left):

* **a consumer that does nothing**: the floor of any consumer (reading the log after the
  cursor, a savepoint and the organisation's scope per event, the cursor's advance);
* **desk.notifications**: the real consumer, making the bell's notifications (and their
  e-mails, through the outbox) for assignments and customers' replies.

Each run reports events/s, and the CPU per event of this process and of PostgreSQL.
"""

import argparse
import os
import shlex
import sys
import time
from datetime import datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:0] = [str(BENCH_DIR), str(ROOT)]

from desk import (  # noqa: E402  (bench/desk.py: the same database and machine helpers)
    DOCS,
    _admin_url,
    _connect,
    _cpu_seconds,
    _postgres_pids,
    bench_state,
    load_average,
    machine,
    reproduce,
    setup_django,
    write_docs,
)

SOURCE_URL = "postgres://postgres@127.0.0.1:5432/karcis_bench"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/karcis_bench_events"
DOCS_START = "<!-- bench/events.py: start -->"
DOCS_END = "<!-- bench/events.py: end -->"
NOOP = "bench.noop"


def copy_database(source: str, target: str) -> float:
    """CREATE DATABASE target TEMPLATE source; returns the seconds it took."""
    admin, source_name = _admin_url(source)
    target_name = _admin_url(target)[1]
    if source_name == target_name:
        raise SystemExit("--database-url must name another database than --source-url")
    bench_state(target)  # refuses a database that is not a copy made here (it is dropped)
    started = time.perf_counter()
    with _connect(admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target_name}" WITH (FORCE)')
        # A template must have no other session; the desk benchmark is not running now.
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [source_name],
        )
        conn.execute(f'CREATE DATABASE "{target_name}" TEMPLATE "{source_name}"')
    return time.perf_counter() - started


class Meter:
    """CPU of this process and of PostgreSQL, and the wall time, between start() and stop()."""

    def _sample(self) -> tuple[float, float, float]:
        return _cpu_seconds([os.getpid()]), _cpu_seconds(_postgres_pids()), time.perf_counter()

    def start(self) -> None:
        self.before = self._sample()

    def stop(self) -> tuple[float, float, float]:
        after = self._sample()
        return tuple(a - b for a, b in zip(after, self.before, strict=True))  # type: ignore[return-value]


def cursor_before_newest(name: str, types: frozenset[str], count: int) -> int:
    """Put the consumer's cursor just before the newest `count` events of its types; returns
    how many events it will be handed."""
    from django_scopes import scopes_disabled

    from karcis.core.models import Event, EventCursor

    with scopes_disabled():
        newest = Event.objects.filter(type__in=sorted(types)).order_by("-tx_id", "-id")
        before = newest.values_list("tx_id", "id")[count : count + 1]
        position = before[0] if before else (0, 0)
        waiting = newest.filter(tx_id__gte=position[0]).exclude(
            tx_id=position[0], id__lte=position[1]
        )
        EventCursor.objects.update_or_create(
            consumer=name,
            defaults={
                "position_tx": position[0],
                "position_id": position[1],
                "delivered": 0,
                "failures": 0,
                "last_error": "",
            },
        )
        return waiting.count()


def produced() -> dict[str, int]:
    from django_scopes import scopes_disabled

    from karcis.core.models import Notification
    from karcis.messaging.models import Delivery, DeliveryKind

    with scopes_disabled():
        return {
            "notifications": Notification.objects.count(),
            "e-mails": Delivery.objects.filter(kind=DeliveryKind.STAFF_NOTIFICATION).count(),
        }


def run_consumer(name: str, count: int) -> dict:
    from karcis.core import eventlog

    registered = eventlog.consumers()[name]
    waiting = cursor_before_newest(name, registered.types, count)
    before = produced()
    meter = Meter()
    meter.start()
    handled = batches = 0
    while batch := eventlog.events_dispatch(only=[name]):
        handled += batch
        batches += 1
    own, postgres, wall = meter.stop()
    after = produced()
    status = next(row for row in eventlog.event_cursors_status() if row["consumer"] == name)
    return {
        "name": name,
        "waiting": waiting,
        "handled": handled,
        "batches": batches,
        "wall": wall,
        "own": own,
        "postgres": postgres,
        "made": {key: after[key] - before[key] for key in after},
        "error": status["last_error"],
        "backlog": status["waiting"],
    }


def describe(result: dict) -> str:
    n = result["handled"] or 1
    made = ", ".join(f"{count:,} {what}" for what, count in result["made"].items() if count)
    check = "OK" if result["handled"] == result["waiting"] and not result["error"] else "NOT OK"
    return (
        f"{check}: {result['handled']:,} of {result['waiting']:,} events handed over in "
        f"{result['batches']} batches, {result['backlog']} left"
        + (f", error: {result['error']}" if result["error"] else "")
        + f"; made {made or 'nothing'}. CPU per event: this process "
        f"{result['own'] / n * 1000:.2f} ms, PostgreSQL (all its processes) "
        f"{result['postgres'] / n * 1000:.2f} ms"
    )


def report(args, results: list[dict], info: dict, command: str) -> str:
    m = machine()
    labels = {
        NOOP: "a consumer that does nothing (the floor)",
        "desk.notifications": "desk.notifications (the bell and its e-mails)",
    }
    lines = [
        DOCS_START,
        "## Event log (`bench/events.py`)",
        "",
        f"Measured {datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')} on {m['cpus']} "
        f"CPUs ({m['cpu']}), {m['ram']} RAM; PostgreSQL {m['postgres']}; Python {m['python']}, "
        f"Django {m['django']}.",
        "",
        f"Data: a copy of the desk benchmark's database ({info['tickets']:,} tickets, "
        f"{info['events']:,} events; copied in {info['copy_seconds']:.1f} s). Each consumer is "
        f"handed the newest {args.events:,} events of its types by `events_dispatch` (batches "
        f"of 500), in this process, as the scheduler's dispatch job does; the e-mails are "
        f"sent after each batch's commit to a backend that drops them. Load average before "
        f"the run {info['load_before']}, at its end {info['load_after']}.",
        "",
        "| consumer | events | seconds | events/s | CPU ms/event (dispatcher) | "
        "CPU ms/event (PostgreSQL) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        n = r["handled"] or 1
        lines.append(
            f"| {labels.get(r['name'], r['name'])} | {r['handled']:,} | {r['wall']:.1f} | "
            f"{r['handled'] / r['wall']:,.0f} | {r['own'] / n * 1000:.2f} | "
            f"{r['postgres'] / n * 1000:.2f} |"
        )
    lines += [
        "",
        *[f"- {labels.get(r['name'], r['name'])}: {describe(r)}." for r in results],
        "",
        *reproduce(command),
        DOCS_END,
    ]
    return "\n".join(lines)


def parse_args(argv: list[str]):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--source-url",
        default=os.environ.get("BENCH_DATABASE_URL", SOURCE_URL),
        help="the desk benchmark's database (bench/desk.py load)",
    )
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--events", type=int, default=20_000, help="events per consumer")
    parser.add_argument("--write-docs", action="store_true", help="update docs/benchmarks.md")
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    state = bench_state(args.source_url)
    if not state or state.get("complete") != "1":
        raise SystemExit(
            f"No complete desk data in {args.source_url}: run `.venv/bin/python bench/desk.py "
            "load` first (1–2 min)."
        )
    print(f"==> copying {_admin_url(args.source_url)[1]} to {_admin_url(args.database_url)[1]}")
    copy_seconds = copy_database(args.source_url, args.database_url)
    # The notifications' e-mails are rendered, stored and sent (in this process after each
    # batch's commit, as without a Celery broker), to a backend that drops them.
    os.environ["KARCIS_EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    setup_django(args.database_url)

    from django_scopes import scopes_disabled

    from karcis.core import eventlog
    from karcis.core.models import Event
    from karcis.desk.models import Ticket

    desk_types = [t for t in eventlog.event_types().values() if t.subject == "desk.ticket"]
    eventlog.consumer(NOOP, types=desk_types, handle=lambda event: None, start="beginning")
    with scopes_disabled():
        info = {
            "tickets": Ticket.objects.count(),
            "events": Event.objects.count(),
            "copy_seconds": copy_seconds,
            "load_before": load_average(),
        }
    results = []
    for name in (NOOP, "desk.notifications"):
        print(f"  {name}: the newest {args.events:,} events of its types…", end="", flush=True)
        result = run_consumer(name, args.events)
        print(f" {result['handled'] / result['wall']:,.0f} events/s")
        results.append(result)
    info["load_after"] = load_average()

    command = ".venv/bin/python bench/events.py " + shlex.join(argv)
    section = report(args, results, info, command.strip())
    print()
    print(section)
    if args.write_docs:
        write_docs(section, start=DOCS_START, end=DOCS_END)
        print(f"\n==> wrote {DOCS.relative_to(ROOT)}")
    if any(r["handled"] != r["waiting"] or r["error"] for r in results):
        raise SystemExit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
