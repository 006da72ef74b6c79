#!/usr/bin/env python
"""The agent pages in-process: statements and CPU per request, without a server.

Django's test client, signed in as bench/desk.py's supervisor and team agent, asks for the
pages `bench/desk.py measure --only pages` times (the inbox, random ticket pages) against
the loaded benchmark database, with the server's settings (bench_settings, KARCIS_DEBUG=0):

    .venv/bin/python bench/desk_pages_inprocess.py            # statements, CPU per request
    .venv/bin/python bench/desk_pages_inprocess.py --queries  # … and each statement
    .venv/bin/python bench/desk_pages_inprocess.py --profile  # … and where they went

CPU is time.process_time per request over --requests requests after 20 warm-up ones, in
--rounds rounds: the least is the figure to compare on a shared machine (the wall time
includes waiting for PostgreSQL and for the CPUs). It reads only; signing in writes a session row, as a browser's sign-in does, and
signing out at the end deletes it.
"""

import argparse
import cProfile
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH_DIR), str(BENCH_DIR.parent)]

PROFILE_FILTER = r"karcis|django/(template|db|forms|contrib|middleware|core/handlers)|psycopg"


def setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")
    os.environ.setdefault("KARCIS_DEBUG", "0")
    os.environ.setdefault("KARCIS_SECRET_KEY", "bench-in-process")
    os.environ.setdefault("KARCIS_ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("KARCIS_LOG_LEVEL", "WARNING")
    import warnings

    import django

    # WhiteNoise's warning that collectstatic has not run: the pages serve no static file.
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()


def ticket_paths(count: int) -> list[str]:
    from django_scopes import scopes_disabled

    from karcis.desk.models import Ticket

    with scopes_disabled():
        numbers = list(Ticket.objects.order_by("id").values_list("number", flat=True))
    return [f"/desk/tickets/{n}/" for n in random.Random(7).sample(numbers, count)]


def run_page(label: str, email: str, paths: list[str], args) -> None:
    from django.db import connection
    from django.test import Client

    from karcis.core.models import User

    client = Client()
    client.force_login(User.objects.get(email=email))
    warm, timed = paths[:20], paths[20:]

    def get(path: str) -> None:
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{label}: {path} answered {response.status_code}")

    for path in warm:
        get(path)
    # Not CaptureQueriesContext: each request resets the connection's query log.
    queries: list[str] = []

    def record(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        get(timed[0])
    # In rounds: on a shared machine the least CPU a round took is the figure least
    # disturbed by the other processes (their cache misses and the CPUs' sharing).
    size = max(1, len(timed) // args.rounds)
    cpus, walls = [], []
    for start in range(0, size * args.rounds, size):
        cpu, wall = time.process_time(), time.perf_counter()
        for path in timed[start : start + size]:
            get(path)
        cpus.append((time.process_time() - cpu) / size * 1000)
        walls.append((time.perf_counter() - wall) / size * 1000)
    # The Python function calls of a request do not depend on the machine's load: the
    # figure that shows a change of a few per cent.
    stats = None
    if not args.no_calls:
        profile = cProfile.Profile(time.process_time)
        profile.enable()
        for path in timed:
            get(path)
        profile.disable()
        stats = pstats.Stats(profile, stream=sys.stdout)
    calls = f"{stats.total_calls / len(timed):,.0f} calls; " if stats else ""
    print(
        f"{label}: {len(queries)} statements; {calls}"
        f"CPU per request, {args.rounds} rounds of {size}: least {min(cpus):.2f} ms, "
        f"median {statistics.median(cpus):.2f} ms; wall median {statistics.median(walls):.2f} ms",
        flush=True,
    )
    if args.queries:
        for number, sql in enumerate(queries, 1):
            print(f"  {number:2}. {sql[:200]}")
    if args.profile and stats:
        stats.sort_stats("cumulative").print_stats(PROFILE_FILTER, args.profile_lines)
    client.logout()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/karcis_bench"
        ),
    )
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=8, help="CPU measured per round")
    parser.add_argument("--page", choices=["inbox", "agent", "ticket"], action="append")
    parser.add_argument("--queries", action="store_true", help="print each statement")
    parser.add_argument("--profile", action="store_true", help="print the cProfile")
    parser.add_argument(
        "--no-calls", action="store_true", help="skip the counting of calls (under valgrind)"
    )
    parser.add_argument("--profile-lines", type=int, default=60)
    args = parser.parse_args(argv)
    setup(args.database_url)
    import desk_load

    inbox = ["/desk/?view=all"] * (args.requests + 20)
    pages = {
        "inbox": ("Inbox, supervisor", desk_load.SUPERVISOR_EMAIL, inbox),
        "agent": ("Inbox, team agent", desk_load.TEAM_AGENT_EMAIL, inbox),
        "ticket": (
            "Ticket page, supervisor",
            desk_load.SUPERVISOR_EMAIL,
            ticket_paths(args.requests + 20),
        ),
    }
    for key in args.page or list(pages):
        label, email, paths = pages[key]
        run_page(label, email, paths, args)


if __name__ == "__main__":
    main(sys.argv[1:])
