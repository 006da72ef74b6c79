#!/usr/bin/env python
"""SLA benchmark: 100,000 open tickets with their clocks on PostgreSQL; the periodic scan
with nothing due and with 1,000 clocks due, one ticket's recomputation, and the inbox with
the SLA column and the "due soonest" sort.

    .venv/bin/python bench/sla.py                  # load (or reuse) the data, then measure
    .venv/bin/python bench/sla.py load [--force]   # only (re)load the data
    .venv/bin/python bench/sla.py measure --write-docs
    .venv/bin/python bench/sla.py measure --only scan --profile   # where the scan's time goes

The data lives in its own database (default karcis_bench_sla, made and reused as
bench/desk.py makes karcis_bench); see bench/README.md.
"""

import argparse
import cProfile
import io
import os
import pstats
import random
import shlex
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:0] = [str(BENCH_DIR), str(ROOT)]

import desk  # noqa: E402  (bench/desk.py: the database, the machine, the docs)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/karcis_bench_sla"
DOCS_START = "<!-- bench/sla.py: start -->"
DOCS_END = "<!-- bench/sla.py: end -->"
PARTS = ("scan", "recompute", "inbox")
# The targets, in ms.
TARGETS = {"idle": 1000.0, "due": 2000.0, "recompute": 2.0}
DUE = 1_000  # clocks made due before each timed scan
RUNNING = ("on_time", "at_risk", "breached")

# Monday–Friday 08:00–17:00 with Friday prayers 11:30–13:00, in minutes; closed at weekends.
WEEK = (
    *([[8 * 60, 17 * 60]],) * 4,
    [[8 * 60, 11 * 60 + 30], [13 * 60, 17 * 60]],
    [],
    [],
)


# --- load ---------------------------------------------------------------------------------------


def setup_django(url: str) -> None:
    # The server's settings (bench/bench_settings.py), for the in-process inbox too.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")
    import warnings

    # WhiteNoise's warning that collectstatic has not run: no static file is served here.
    warnings.filterwarnings("ignore", message="No directory at")
    desk.setup_django(url)


def configure_sla(setup) -> None:
    """The business calendar and the SLA policies, through the services, before any ticket
    exists (a policy's creation recomputes the open tickets: none yet)."""
    from karcis.calendars.services import calendar_create
    from karcis.sla.demo import sla_demo

    t = time.perf_counter()
    print("  business calendar and 4 SLA policies (services)…", end="", flush=True)
    admin = setup.staff["admin@bench.test"]
    calendar_create(
        organisation=setup.organisation,
        name="Jam kerja kantor",
        actor=admin,
        time_zone="Asia/Jakarta",
        weekly=WEEK,
        national_holidays=True,
    )
    sla_demo(organisation=setup.organisation, actor=admin)
    print(f" {time.perf_counter() - t:.1f} s", flush=True)


def compute_clocks(organisation_id: int) -> tuple[int, float]:
    """Every open ticket's clocks through the real code: the loop of
    services.tickets_recompute (500 tickets a transaction), with progress."""
    from django.db import transaction
    from django_scopes import scope

    from karcis.desk import selectors as desk_selectors
    from karcis.sla import services as sla

    done, last = 0, 0
    started = time.perf_counter()
    interactive = sys.stdout.isatty()
    with scope(organisation=organisation_id):
        while True:
            with transaction.atomic():
                tickets = desk_selectors.tickets_for_clocks(
                    organisation_id=organisation_id, after=last, limit=500
                )
                for ticket in tickets:
                    sla.ticket_clocks_compute(ticket=ticket)
            if not tickets:
                break
            done += len(tickets)
            last = tickets[-1].pk
            if done % 10_000 == 0 or interactive:
                elapsed = time.perf_counter() - started
                line = (
                    f"  clocks of {done:>7,} tickets (sla.ticket_clocks_compute) "
                    f"{elapsed:.1f} s, {done / elapsed:,.0f} tickets/s"
                )
                print(
                    "\r" + line if interactive else line,
                    end="" if interactive else "\n",
                    flush=True,
                )
    if interactive:
        print(flush=True)
    return done, time.perf_counter() - started


def sql(query: str, params=None) -> list:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query, params or [])
        return cursor.fetchall() if cursor.description else []


def clock_census() -> dict[str, int]:
    rows = sql("SELECT state, count(*) FROM sla_slaclock GROUP BY state")
    return {state: count for state, count in rows}


BREACHES_MARKED = """
UPDATE sla_slaclock SET breached_at = due_at, state = 'breached', next_check_at = NULL
WHERE next_check_at <= now() AND breached_at IS NULL AND due_at <= now()
"""
WARNINGS_MARKED = """
UPDATE sla_slaclock SET warned_at = warn_at, state = 'at_risk', next_check_at = due_at
WHERE next_check_at <= now() AND breached_at IS NULL AND warned_at IS NULL
  AND warn_at <= now() AND met_at IS NULL
"""


def mark_announced() -> int:
    """What services._announce does to the clock rows already due, without the events:
    a breach first (then nothing is left to check), else the warning (then the due time)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(BREACHES_MARKED)
        marked = cursor.rowcount
        cursor.execute(WARNINGS_MARKED)
        return marked + cursor.rowcount


def ensure_loaded(args) -> dict:
    """Load the data set unless a complete load of the same size is already there."""
    state = desk.bench_state(args.database_url)
    reusable = (
        bool(state)
        and state.get("complete") == "1"
        and state.get("tickets") == str(args.tickets)
        and state.get("contacts") == str(args.contacts)
    )
    if args.force or not reusable:
        print(f"==> creating database {desk._admin_url(args.database_url)[1]}", flush=True)
        desk.recreate_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if not args.force and reusable:
        print(
            f"==> reusing the loaded data ({int(state['tickets']):,} open tickets, "
            f"{int(state['clocks']):,} clocks, loaded {state['loaded_at']})",
            flush=True,
        )
        return state

    import desk_load

    from karcis.sla import services as sla

    print(f"==> loading {args.tickets:,} open tickets × 3 messages", flush=True)
    started = time.perf_counter()
    state = desk_load.load(
        tickets=args.tickets, contacts=args.contacts, unsolved_only=True, configure=configure_sla
    )
    load_seconds = time.perf_counter() - started
    computed, compute_seconds = compute_clocks(int(state["organisation_id"]))
    clocks = sum(clock_census().values())
    print(
        f"  {computed:,} tickets, {clocks:,} clocks in {compute_seconds:.1f} s: "
        f"{computed / compute_seconds:,.0f} tickets/s",
        flush=True,
    )
    # Most open tickets of a year are long past their due times: a running Karcis would have
    # announced each as it came. Announcing ~100,000 through the scan would take a quarter
    # of an hour here, so the clocks are left as the scan leaves an announced clock (its
    # warned_at/breached_at, state and next_check_at; without the events it would have
    # written), set-based; then the real scan announces whatever else is due (none).
    t = desk_load._step("the warnings and breaches already due, marked announced (UPDATE)")
    marked = mark_announced()
    announced = sla.clocks_due_announce()
    desk_load._done(t, f", {marked:,} clocks; then the scan announced {announced:,}")
    t = desk_load._step("VACUUM ANALYZE")
    sql("VACUUM (ANALYZE)")
    desk_load._done(t)
    state.update(
        contacts=args.contacts,
        complete=1,
        loaded_at=datetime.now().astimezone().isoformat(timespec="seconds"),
        load_seconds=f"{load_seconds:.0f}",
        clocks=clocks,
        clock_tickets=computed,
        compute_seconds=f"{compute_seconds:.1f}",
        marked_announced=marked,
    )
    desk.write_bench_state(args.database_url, state)
    print(f"==> loaded in {time.perf_counter() - started:.0f} s", flush=True)
    return {k: str(v) for k, v in state.items()}


# --- measuring ----------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    detail: str
    target: str = ""  # a key of TARGETS
    timings: list[float] = field(default_factory=list)  # ms
    statements: list[int] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # ms of this process's CPU
    note: str = ""

    def pct(self, q: float) -> float:
        ordered = sorted(self.timings)
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]

    @property
    def passed(self) -> bool | None:
        if not self.target:
            return None
        return self.pct(0.95) < TARGETS[self.target]


class Counter:
    """Counts the statements a block sends (an execute wrapper: no SQL kept)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def timed(result: Result, action, *, profile: cProfile.Profile | None = None):
    """Run `action()` once, recording its wall time, CPU and statements."""
    from django.db import connection

    counter = Counter()
    with connection.execute_wrapper(counter):
        cpu, wall = time.process_time(), time.perf_counter()
        if profile is not None:
            profile.enable()
        value = action()
        if profile is not None:
            profile.disable()
        result.timings.append((time.perf_counter() - wall) * 1000)
        result.cpu.append((time.process_time() - cpu) * 1000)
    result.statements.append(counter.count)
    return value


def due_now() -> int:
    return sql("SELECT count(*) FROM sla_slaclock WHERE next_check_at <= now()")[0][0]


def scan_idle(args) -> tuple[Result, str]:
    from karcis.sla import services as sla

    # Whatever time alone brought since the load (or since the last run) is announced first.
    cleared = sla.clocks_due_announce()
    left = due_now()
    plan = sql(
        "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT id, organisation_id, "
        "next_check_at FROM sla_slaclock WHERE next_check_at <= now() "
        "ORDER BY next_check_at, id LIMIT 200"
    )
    result = Result(
        "Scan, nothing due",
        "`clocks_due_announce()` with no `next_check_at` in the past",
        target="idle",
    )
    announced = 0
    for _ in range(args.scans):
        announced += timed(result, sla.clocks_due_announce)
    result.note = (
        f"before: {cleared:,} clocks came due since the last scan and were announced first, "
        f"then {left} had `next_check_at` in the past; the timed scans announced {announced}"
    )
    return result, "\n".join(f"    {row[0]}" for row in plan)


DUE_UPDATE = """
WITH chosen AS (
    SELECT id, row_number() OVER () AS n FROM (
        SELECT id FROM sla_slaclock
        WHERE state = ANY(%(running)s) AND met_at IS NULL AND due_at IS NOT NULL
          AND NOT (id = ANY(%(used)s::bigint[]))
        ORDER BY random() LIMIT %(count)s
    ) AS picked
)
UPDATE sla_slaclock AS c SET
    -- odd rows: the warning has come (due in an hour); even rows: the breach (warned before)
    warn_at = CASE WHEN chosen.n %% 2 = 1 THEN %(past)s ELSE %(past)s - interval '1 hour' END,
    due_at = CASE WHEN chosen.n %% 2 = 1 THEN %(past)s + interval '1 hour' ELSE %(past)s END,
    warned_at = CASE WHEN chosen.n %% 2 = 1 THEN NULL ELSE %(past)s - interval '1 hour' END,
    breached_at = NULL,
    state = CASE WHEN chosen.n %% 2 = 1 THEN 'on_time' ELSE 'at_risk' END,
    next_check_at = %(past)s
FROM chosen WHERE c.id = chosen.id
RETURNING c.id
"""


def make_due(count: int, used: list[int]) -> list[int]:
    """One UPDATE: `count` running clocks never chosen before in this run come due a second
    ago, half of them reaching their warning, half their due time."""
    from django.utils import timezone

    past = timezone.now() - timedelta(seconds=1)
    rows = sql(DUE_UPDATE, {"running": list(RUNNING), "used": used, "count": count, "past": past})
    return [row[0] for row in rows]


def scan_due(args) -> tuple[Result, str]:
    from karcis.sla import services as sla

    result = Result(
        "Scan, 1,000 due",
        "`clocks_due_announce()` after 1,000 clocks came due: 500 warnings, 500 breaches",
        target="due",
    )
    used: list[int] = []
    wrong, cleared = [], 0
    counts = {"sla.warning": 0, "sla.breached": 0}
    for rep in range(args.due_scans + (1 if args.profile else 0)):
        cleared += sla.clocks_due_announce()  # anything time alone brought meanwhile
        chosen = make_due(DUE, used)
        used += chosen
        first_event = sql("SELECT COALESCE(MAX(id), 0) FROM core_event")[0][0]
        profile = None
        target = result
        if args.profile and rep == args.due_scans:
            profile = cProfile.Profile()
            target = Result("profiled", "")
        announced = timed(target, sla.clocks_due_announce, profile=profile)
        if announced != DUE and profile is None:
            wrong.append(announced)
        for type, n in sql(
            "SELECT type, count(*) FROM core_event WHERE id > %s GROUP BY type", [first_event]
        ):
            if type in counts:
                counts[type] += n
            else:
                counts[type] = counts.get(type, 0) + n
    per = statistics.median(result.timings) / DUE
    statements = statistics.median(result.statements)
    result.note = (
        f"each of {args.due_scans} scans announced {DUE:,}"
        + (f" except {wrong}" if wrong else "")
        + f"; {per:.2f} ms and {statements / DUE:.1f} statements an announcement (median); "
        f"events written in all: "
        + ", ".join(f"{n:,} {type}" for type, n in sorted(counts.items()))
        + (f"; {cleared} clocks came due by themselves between scans" if cleared else "")
    )
    report = ""
    if args.profile:
        stream = io.StringIO()
        stats = pstats.Stats(profile, stream=stream)
        stats.sort_stats("cumulative").print_stats(r"karcis|django/db|psycopg", 45)
        stats.sort_stats("tottime").print_stats(20)
        report = stream.getvalue()
    return result, report


def scan_floor(args) -> Result:
    """What 1,000 announcements cannot do without: per clock one INSERT of its event, one
    UPDATE of the clock and one of its ticket, 200 a transaction, as the scan batches them;
    rolled back."""
    from django.db import connection, transaction

    clocks = sql(
        "SELECT id, ticket_id, organisation_id FROM sla_slaclock ORDER BY random() LIMIT %s",
        [DUE],
    )
    result = Result(
        "Floor: 1,000 × (INSERT + 2 UPDATEs)",
        "per clock one event INSERT, one clock UPDATE, one ticket UPDATE; 200 a transaction",
    )

    class Rollback(Exception):
        pass

    def run():
        with connection.cursor() as cursor:
            for start in range(0, len(clocks), 200):
                try:
                    with transaction.atomic():
                        for clock_id, ticket_id, organisation_id in clocks[start : start + 200]:
                            cursor.execute(
                                "INSERT INTO core_event (organisation_id, type, object_type, "
                                "object_id, payload, created_at, tx_id) VALUES (%s, "
                                "'sla.breached', 'desk.ticket', %s, %s, now(), "
                                "txid_current())",
                                [organisation_id, ticket_id, '{"target": "resolution"}'],
                            )
                            cursor.execute(
                                "UPDATE sla_slaclock SET breached_at = now(), state = "
                                "'breached', next_check_at = NULL WHERE id = %s",
                                [clock_id],
                            )
                            cursor.execute(
                                "UPDATE desk_ticket SET sla_state = 'breached' WHERE id = %s",
                                [ticket_id],
                            )
                        raise Rollback
                except Rollback:
                    pass

    for _ in range(args.due_scans):
        timed(result, run)
    return result


HISTORY_SQL = """
SELECT type, created_at, actor_id, actor_contact_id, payload FROM core_event
WHERE object_type = 'desk.ticket' AND object_id = %s AND type = ANY(%s) ORDER BY id
"""


def recompute(args, organisation_id: int) -> tuple[list[Result], str]:
    """ticket_clocks_compute on random open tickets, each in a transaction rolled back; and
    the floor: the history's SELECT and one UPDATE of a clock, the same way, on the same
    ticket, the two taking turns at going first."""
    from django.db import connection, transaction
    from django_scopes import scope

    from karcis.desk import selectors as desk_selectors
    from karcis.sla import services as sla

    ids = [row[0] for row in sql("SELECT id FROM desk_ticket ORDER BY id")]
    chosen = random.Random(10).sample(ids, args.tickets_recomputed + 20)
    computed = Result(
        "Recompute one ticket",
        "`ticket_clocks_compute(ticket=…)` in a transaction that has read the ticket",
        target="recompute",
    )
    floor = Result(
        "Floor: its history SELECT + one UPDATE",
        "the same events query (index `event_subject`) and one clock UPDATE",
    )
    warm = Result("warm-up", "")
    clock_of = dict(sql("SELECT ticket_id, min(id) FROM sla_slaclock GROUP BY ticket_id"))

    class Rollback(Exception):
        pass

    def rolled_back(result: Result, action, ticket_id: int) -> None:
        """Time `action(ticket)` in a transaction that has read the ticket first, as the
        change that recomputes its clocks has (the transaction's BEGIN is the change's),
        then roll it back."""
        try:
            with transaction.atomic():
                ticket = desk_selectors.ticket_get(ticket_id=ticket_id)
                timed(result, lambda: action(ticket))
                raise Rollback
        except Rollback:
            pass

    sample_sql: list[str] = []

    def record(execute, sql_, params, many, context):
        sample_sql.append(sql_)
        return execute(sql_, params, many, context)

    def compute(ticket) -> None:
        sla.ticket_clocks_compute(ticket=ticket)

    def recorded(ticket) -> None:
        with connection.execute_wrapper(record):
            compute(ticket)

    def bare(ticket) -> None:
        with connection.cursor() as cursor:
            cursor.execute(HISTORY_SQL, [ticket.pk, list(sla.HISTORY_TYPES)])
            cursor.fetchall()
            cursor.execute(
                "UPDATE sla_slaclock SET next_check_at = next_check_at WHERE id = %s",
                [clock_of.get(ticket.pk, 0)],
            )

    with scope(organisation=organisation_id):
        for index, ticket_id in enumerate(chosen):
            runs = [(computed, compute), (floor, bare)]
            # Whichever reads a ticket's events first may find them outside PostgreSQL's
            # buffers: each goes first for every other ticket, so both meet the same mix.
            for result, action in runs if index % 2 else reversed(runs):
                if index < 20:
                    rolled_back(warm, action, ticket_id)
                elif index == 20 and action is compute:
                    rolled_back(result, recorded, ticket_id)
                else:
                    rolled_back(result, action, ticket_id)
    ratio = statistics.median(computed.timings) / statistics.median(floor.timings)
    computed.note = (
        f"{args.tickets_recomputed:,} random open tickets; statements per call "
        f"{min(computed.statements)}–{max(computed.statements)} (median "
        f"{statistics.median(computed.statements):.0f}); CPU median "
        f"{statistics.median(computed.cpu):.2f} ms; {ratio:.1f}× the floor's median"
    )
    statements = "\n".join(f"    {n}. {s[:150]}" for n, s in enumerate(sample_sql, 1))
    return [computed, floor], statements


INBOX_PAGES = (
    ("supervisor", "/desk/?view=all", "sorted by last update (the default)"),
    ("supervisor", "/desk/?view=all&sort=due", "sorted by due soonest"),
    ("team agent", "/desk/?view=all", "sorted by last update (the default)"),
    ("team agent", "/desk/?view=all&sort=due", "sorted by due soonest"),
)


def inbox(args) -> list[Result]:
    """The inbox in-process (Django's test client, as bench/desk_pages_inprocess.py): wall
    time, CPU and statements per request."""
    import desk_load
    from django.test import Client

    from karcis.core.models import User

    people = {
        "supervisor": desk_load.SUPERVISOR_EMAIL,
        "team agent": desk_load.TEAM_AGENT_EMAIL,
    }
    results = []
    for who, path, detail in INBOX_PAGES:
        client = Client()
        client.force_login(User.objects.get(email=people[who]))
        result = Result(f"Inbox, {who}", f"`{path}`, {detail}")

        def get(path=path, client=client):
            response = client.get(path)
            if response.status_code != 200 or "badge sla-" not in response.text:
                raise SystemExit(f"{path}: HTTP {response.status_code} or no SLA state shown")

        for _ in range(20):
            get()
        for _ in range(args.requests):
            timed(result, get)
        client.logout()
        results.append(result)
    return results


def vacuum() -> None:
    """The tables earlier runs rewrote (each timed scan and recomputation leaves dead rows),
    vacuumed and analysed first, as autovacuum keeps them on a running desk: otherwise each
    run measures the debris of the last."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("sla_slaclock", "core_event", "desk_ticket"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def measure(args, state: dict) -> tuple[list[Result], dict]:
    organisation_id = int(state["organisation_id"])
    print("==> VACUUM (ANALYZE) of the clocks, events and tickets", flush=True)
    vacuum()
    info: dict = {"load_before": desk.load_average(), "clocks": clock_census()}
    results: list[Result] = []
    parts = [args.only] if args.only else list(PARTS)
    if "scan" in parts:
        print("==> the scan, nothing due", flush=True)
        idle, info["idle_plan"] = scan_idle(args)
        results.append(idle)
        print(f"    p50 {idle.pct(0.5):.1f} ms", flush=True)
        print(f"==> the scan, {DUE:,} due ({args.due_scans} times)", flush=True)
        due, info["profile"] = scan_due(args)
        results.append(due)
        print(f"    p50 {due.pct(0.5):.0f} ms; {due.note}", flush=True)
        results.append(scan_floor(args))
        info["clocks_after"] = clock_census()
    if "recompute" in parts:
        print(f"==> recomputing {args.tickets_recomputed:,} tickets", flush=True)
        found, info["recompute_sql"] = recompute(args, organisation_id)
        results += found
    if "inbox" in parts:
        print("==> the inbox, in-process", flush=True)
        results += inbox(args)
    info["load_after"] = desk.load_average()
    return results, info


# --- report -------------------------------------------------------------------------------------


def target_text(result: Result) -> str:
    if not result.target:
        return ""
    limit = TARGETS[result.target]
    return f"< {limit / 1000:.0f} s" if limit >= 1000 else f"< {limit:.0f} ms"


def table(results: list[Result]) -> str:
    lines = [
        "| measurement | detail | n | p50 ms | p95 ms | max ms | CPU p50 ms | statements "
        "| target | met |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        s = sorted(r.statements)
        statements = f"{s[0]}" if s[0] == s[-1] else f"{s[0]}–{s[-1]}"
        met = "" if r.passed is None else ("yes" if r.passed else "NO")
        digits = 2 if r.pct(0.95) < 10 else 1
        lines.append(
            f"| {r.name} | {r.detail} | {len(r.timings):,} | {r.pct(0.5):.{digits}f} | "
            f"{r.pct(0.95):.{digits}f} | {max(r.timings):.{digits}f} | "
            f"{statistics.median(r.cpu):.{digits}f} | {statements} | {target_text(r)} | {met} |"
        )
    return "\n".join(lines)


def report(args, state: dict, results: list[Result], info: dict, command: str) -> str:
    m = desk.machine()
    census = ", ".join(f"{n:,} {s}" for s, n in sorted(info["clocks"].items()))
    body = [
        DOCS_START,
        "## SLA clocks (`bench/sla.py`)",
        "",
        f"Measured {datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')} on {m['cpus']} "
        f"CPUs ({m['cpu']}), {m['ram']} RAM; PostgreSQL {m['postgres']}; Python {m['python']}, "
        f"Django {m['django']}; {m['os']}. Load average (1, 5, 15 min) before "
        f"{info['load_before']}, after {info['load_after']}.",
        "",
        f"Data: {int(state['tickets']):,} open tickets (new, open, pending, on hold) × 3 "
        f"messages with their events over a year, one organisation (`bench/desk_load.py` "
        f"with `unsolved_only`), a business calendar (Monday–Friday 08:00–17:00 Asia/Jakarta, "
        f"Friday 11:30–13:00 closed, national holidays) and the demo's four SLA policies by "
        f"priority (`karcis.sla.demo`, business time). Clocks: {census}. Loaded in "
        f"{state['load_seconds']} s; the clocks of all {int(state['clock_tickets']):,} "
        f"tickets computed by `ticket_clocks_compute` in {state['compute_seconds']} s "
        f"({int(state['clock_tickets']) / float(state['compute_seconds']):,.0f} tickets/s, "
        f"500 a transaction). The {int(state['marked_announced']):,} clocks already past "
        f"their warning or due time were then marked announced set-based, as "
        f"`services._announce` leaves a clock row (`warned_at`/`breached_at`, state, "
        f"`next_check_at`) but without writing their events, and a real scan found "
        f"nothing left: every clock's `next_check_at` is in the future or null.",
        "",
        table(results),
        "",
        *[f"- {r.name}: {r.note}" for r in results if r.note],
        "",
        "Reproduce:",
        "",
        "```sh",
        command,
        "```",
        DOCS_END,
    ]
    return "\n".join(body)


# --- command line -------------------------------------------------------------------------------


def parse_args(argv: list[str]):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", nargs="?", default="all", choices=["all", "load", "measure"])
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_SLA_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--force", action="store_true", help="reload even if the data is there")
    parser.add_argument("--scans", type=int, default=20, help="timed scans with nothing due")
    parser.add_argument("--due-scans", type=int, default=10, help="timed scans with 1,000 due")
    parser.add_argument("--tickets-recomputed", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--only", choices=PARTS)
    parser.add_argument(
        "--profile", action="store_true", help="cProfile one more scan with 1,000 due"
    )
    parser.add_argument(
        "--write-docs", action="store_true", help=f"update {desk.DOCS.relative_to(ROOT)}"
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    if args.write_docs and args.only:
        raise SystemExit("--write-docs publishes a whole run; leave out --only.")
    state = ensure_loaded(args)
    if args.command == "load":
        return
    results, info = measure(args, state)
    command = ".venv/bin/python bench/sla.py " + shlex.join(argv)
    print("\n" + table(results) + "\n")
    for r in results:
        if r.note:
            print(f"- {r.name}: {r.note}")
    if info.get("idle_plan"):
        print("\nThe scan's query with nothing due:\n" + info["idle_plan"])
    if info.get("recompute_sql"):
        print("\nStatements of one recomputation:\n" + info["recompute_sql"])
    if info.get("profile"):
        print("\nProfile of one scan with 1,000 due:\n" + info["profile"])
    print(f"\nReproduce: {command}")
    if args.write_docs:
        desk.write_docs(
            report(args, state, results, info, command.rstrip()), start=DOCS_START, end=DOCS_END
        )
        print(f"Wrote {desk.DOCS.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
