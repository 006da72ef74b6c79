#!/usr/bin/env python
"""Service-desk benchmark: 100,000 tickets on PostgreSQL, agent pages, ticket creation through
the API and the portal's form, and the floor of the machine (an empty view, one INSERT).

    .venv/bin/python bench/desk.py                 # load (or reuse) the data, then measure
    .venv/bin/python bench/desk.py load [--force]  # only (re)load the data
    .venv/bin/python bench/desk.py measure --write-docs
    .venv/bin/python bench/desk.py diagnose        # queries per page, EXPLAIN ANALYZE of the slow ones

The data lives in its own database (default karcis_bench); see bench/README.md.
"""

import argparse
import os
import platform
import random
import re
import secrets
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:0] = [str(BENCH_DIR), str(ROOT)]

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/karcis_bench"
# karcis.settings with the floor views and the portal's per-client limit raised (see it).
DEFAULT_SETTINGS = "bench_settings"
DOCS = ROOT / "docs" / "benchmarks.md"
DOCS_START = "<!-- bench/desk.py: start -->"
DOCS_END = "<!-- bench/desk.py: end -->"

# The targets of the issue, in ms (pages, p95) and tickets/s (creation).
TARGETS = {"inbox": 25.0, "ticket": 25.0, "search": 100.0, "create": 300.0, "portal": 250.0}
PARTS = ("pages", "api", "portal", "floor")
# The portal run's tickets get their automatic reply from this mailbox, made for the run
# (the loaded organisation has none) and removed with the tickets.
BENCH_MAILBOX = "bantuan@bench.karcis.test"


# --- the database, before Django is set up ------------------------------------------------


def _admin_url(url: str) -> tuple[str, str]:
    """(URL of the server's 'postgres' database, name of the bench database)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name:
        raise SystemExit(f"No database name in {url}")
    return urlunsplit(parts._replace(path="/postgres")), name


def _connect(url: str):
    import psycopg

    return psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)


class NotABenchDatabase(SystemExit):
    pass


def bench_state(url: str) -> dict | None:
    """What an earlier load recorded (bench_state table), None when there is no such database.

    Refuses a database without bench_state: bench/desk.py did not make it (the table is
    written as soon as the database is created), and the loader would drop it.
    """
    import psycopg

    try:
        conn = _connect(url)
    except psycopg.OperationalError as error:
        if "does not exist" in str(error):
            return None
        raise
    with conn:
        if conn.execute("SELECT to_regclass('bench_state') IS NOT NULL").fetchone()[0]:
            return dict(conn.execute("SELECT key, value FROM bench_state").fetchall())
    raise NotABenchDatabase(
        f"Database {_admin_url(url)[1]} exists but was not made by bench/desk.py, which would "
        "drop it. Choose another --database-url, or drop it yourself."
    )


def write_bench_state(url: str, state: dict) -> None:
    with _connect(url) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_state (key text PRIMARY KEY, value text)")
        conn.execute("DELETE FROM bench_state")
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO bench_state (key, value) VALUES (%s, %s)",
                [(k, str(v)) for k, v in state.items()],
            )


def recreate_database(url: str) -> None:
    admin, name = _admin_url(url)
    with _connect(admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    # Marks the database as the benchmark's at once, so a load that fails half-way is
    # still recognised (and replaced) by the next run.
    write_bench_state(url, {"complete": 0})


def setup_django(url: str) -> None:
    # The bench process talks to the database like the server does, but never logs SQL.
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "karcis.settings")
    os.environ.setdefault("KARCIS_DEBUG", "0")
    os.environ.setdefault("KARCIS_SECRET_KEY", "bench-" + secrets.token_hex(16))
    os.environ.setdefault("KARCIS_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    os.environ.setdefault("KARCIS_LOG_LEVEL", "WARNING")
    import django

    django.setup()


# --- load -------------------------------------------------------------------------------------


def ensure_loaded(args) -> dict:
    """Load the data set unless a complete load of the same size is already there."""
    state = bench_state(args.database_url)
    reusable = (
        bool(state)
        and state.get("complete") == "1"
        and state.get("tickets") == str(args.tickets)
        and state.get("contacts") == str(args.contacts)
    )
    if args.force or not reusable:
        print(f"==> creating database {_admin_url(args.database_url)[1]}", flush=True)
        recreate_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if not args.force and reusable:
        print(
            f"==> reusing the loaded data ({int(state['tickets']):,} tickets, loaded "
            f"{state['loaded_at']} in {state['load_seconds']} s)",
            flush=True,
        )
        return state

    import desk_load

    print(f"==> loading {args.tickets:,} tickets × 3 messages", flush=True)
    started = time.perf_counter()
    state = desk_load.load(tickets=args.tickets, contacts=args.contacts)
    state.update(
        contacts=args.contacts,
        complete=1,
        loaded_at=datetime.now().astimezone().isoformat(timespec="seconds"),
        load_seconds=f"{time.perf_counter() - started:.0f}",
    )
    write_bench_state(args.database_url, state)
    print(f"==> loaded in {state['load_seconds']} s", flush=True)
    return {k: str(v) for k, v in state.items()}


def restore_loaded_state(state: dict) -> int:
    """Delete what earlier measurements created: tickets (with everything that cascades
    from them: messages, automatic replies…), their events, new contacts and the portal
    run's mailbox; put the number sequence back."""
    from django.db import transaction
    from django_scopes import scopes_disabled

    from karcis.core.models import Contact, Event, Sequence
    from karcis.desk import services as desk_services
    from karcis.desk.models import Ticket
    from karcis.messaging.models import Mailbox

    with transaction.atomic(), scopes_disabled():
        # Through the ORM, so rows of tables added later that point at tickets go too.
        deleted = Ticket.objects.filter(pk__gt=int(state["max_ticket_id"])).delete()[1]
        Event.objects.filter(pk__gt=int(state["max_event_id"])).delete()
        Contact.objects.filter(pk__gt=int(state["max_contact_id"])).delete()
        Mailbox.objects.filter(address=BENCH_MAILBOX).delete()
        Sequence.objects.filter(
            organisation_id=int(state["organisation_id"]), name=desk_services.TICKET_SEQUENCE
        ).update(last_value=int(state["tickets"]))
    return deleted.get(Ticket._meta.label, 0)


# --- the server -------------------------------------------------------------------------------


def worker_class() -> str:
    try:
        import uvicorn_worker  # noqa: F401

        return "uvicorn_worker.UvicornWorker"
    except ImportError:
        # Deprecated in uvicorn in favour of the uvicorn-worker package, but still shipped.
        return "uvicorn.workers.UvicornWorker"


def server_command(
    port: int, workers: int, asgi: bool = False, cpu_profile: bool = False, threads: int = 1
) -> list[str]:
    # HTTP as production serves it (docs/decisions/0006): gunicorn's sync workers on
    # karcis.wsgi. --asgi compares uvicorn workers on karcis.asgi, which production uses
    # for websockets only; --threads N, gunicorn's gthread workers with N threads each.
    # --cpu-profile serves karcis.wsgi through bench/desk_sampler.py.
    threaded = []
    if asgi:
        app, worker = "karcis.asgi:application", worker_class()
    else:
        app = "desk_sampler:application" if cpu_profile else "karcis.wsgi:application"
        worker = "gthread" if threads > 1 else "sync"
        threaded = ["--threads", str(threads)] if threads > 1 else []
    return [
        str(Path(sys.executable).parent / "gunicorn"),
        app,
        "-k",
        worker,
        "-w",
        str(workers),
        *threaded,
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--graceful-timeout",
        "5",
    ]


def server_env(url: str, settings: str) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE=settings,
        # bench/ on the path: an experiment's settings module may live there.
        PYTHONPATH=os.pathsep.join([str(ROOT), str(BENCH_DIR), env.get("PYTHONPATH", "")]),
        KARCIS_DEBUG="0",
        KARCIS_SECRET_KEY="bench-" + secrets.token_hex(16),
        KARCIS_ALLOWED_HOSTS="127.0.0.1,localhost",
        KARCIS_LOG_LEVEL="WARNING",
        # Plain http on 127.0.0.1: the client must get its session and CSRF cookies back.
        KARCIS_SECURE_COOKIES="0",
        PYTHONWARNINGS="ignore::DeprecationWarning",
    )
    return env


class Server:
    """gunicorn (sync workers, or uvicorn workers with --asgi), started and stopped by the
    benchmark."""

    def __init__(
        self,
        *,
        url: str,
        port: int,
        workers: int,
        settings: str,
        asgi: bool = False,
        cpu_profile: bool = False,
        threads: int = 1,
    ):
        self.command = server_command(port, workers, asgi, cpu_profile, threads)
        self.base = f"http://127.0.0.1:{port}"
        env = server_env(url, settings)
        self.samples = None
        if cpu_profile:
            self.samples = tempfile.mkdtemp(prefix="karcis-bench-samples-")
            env["KARCIS_BENCH_SAMPLES"] = self.samples
        # Kept open for the server's lifetime; closed in stop().
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix="karcis-bench-server-", suffix=".log", delete=False
        )
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"The server exited; see {self.log.name}")
            try:
                if httpx.get(self.base + "/login/", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"The server did not answer within {timeout} s; see {self.log.name}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        # Keep the server's output only when it has something to say.
        if "Traceback" in Path(self.log.name).read_text(errors="replace"):
            print(f"==> the server logged errors: {self.log.name}", flush=True)
        else:
            os.unlink(self.log.name)


def cpu_profile_report(folder: str) -> str:
    """The workers' CPU samples (bench/desk_sampler.py), merged: shares by package and by
    the Karcis function that led there."""
    import json
    from collections import Counter

    packages: Counter = Counter()
    karcis: Counter = Counter()
    for path in Path(folder).glob("*.json"):
        data = json.loads(path.read_text())
        packages.update(data["package"])
        karcis.update(data["karcis"])
        path.unlink()
    os.rmdir(folder)
    total = sum(packages.values())
    if not total:
        return "no CPU samples (did the workers exit cleanly?)"
    lines = [
        f"Server CPU, {total:,} samples of the workers (SIGPROF, ~4 ms each):",
        "",
        "by package:",
    ]
    lines += [f"  {n / total * 100:5.1f}%  {name}" for name, n in packages.most_common(12)]
    lines += ["", "by the innermost Karcis function on the stack:"]
    lines += [f"  {n / total * 100:5.1f}%  {name}" for name, n in karcis.most_common(20)]
    return "\n".join(lines)


# --- measuring --------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    detail: str
    target: str = ""
    timings: list[float] = field(default_factory=list)  # ms
    errors: int = 0
    note: str = ""
    rate: float | None = None  # concurrent runs: successes/s
    unit: str = "tickets/s"
    server_cpu_ms: float | None = None  # concurrent runs: the server's CPU per success
    passed: bool | None = None

    def pct(self, q: float) -> float:
        ordered = sorted(self.timings)
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def login(base: str, email: str, password: str):
    """A client signed in through the login form, as a browser would."""
    import httpx

    client = httpx.Client(base_url=base, timeout=30, follow_redirects=False)
    client.get("/login/")
    response = client.post(
        "/login/",
        data={
            "username": email,
            "password": password,
            "csrfmiddlewaretoken": client.cookies.get("csrftoken", ""),
        },
        headers={"Referer": base + "/login/"},
    )
    if response.status_code != 302 or "sessionid" not in client.cookies:
        raise SystemExit(f"Could not sign in as {email}: HTTP {response.status_code}")
    return client


def measure_pages(
    client, name: str, detail: str, paths: list[str], *, warmup: int, expect: str | None = None
) -> Result:
    """Sequential GETs; each timing covers the whole response, body included."""
    result = Result(name, detail)
    for path in paths[:warmup]:
        client.get(path)
    for path in paths[warmup:]:
        started = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200 or (expect and expect not in response.text):
            result.errors += 1
            if result.errors == 1:
                print(f"    {path}: HTTP {response.status_code}", flush=True)
        result.timings.append(elapsed)
    return result


def run_clients(result: Result, *, base: str, clients: int, seconds: float, prepare, send) -> list:
    """The harness of every concurrent measurement: `clients` threads, each with its own
    HTTP client (cookies kept), call `prepare(http)` once before the clock starts (a
    browser's first GET, say), then `send(http, rng, prepared)` until `seconds` have passed.
    `send` returns (ok, reason, value); returns the values of the successes, and fills
    `result` with every timing, the errors by reason and the rate of successes."""
    import httpx

    lock = threading.Lock()
    values: list = []
    failures: dict[str, int] = {}
    # The clock starts when every client is ready (its prepare done), not before.
    deadline = [0.0]
    barrier = threading.Barrier(
        clients + 1, action=lambda: deadline.__setitem__(0, time.monotonic() + seconds)
    )

    def failed(reason: str) -> None:
        with lock:
            result.errors += 1
            failures[reason] = failures.get(reason, 0) + 1

    def client_loop(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=base, timeout=30, follow_redirects=False) as http:
            try:
                prepared = prepare(http)
            except Exception as error:  # counted, and this client sends nothing
                failed(f"prepare: {error}")
                prepared = None
            barrier.wait()
            while prepared is not None and time.monotonic() < deadline[0]:
                started = time.perf_counter()
                try:
                    ok, reason, value = send(http, rng, prepared)
                except httpx.HTTPError as error:
                    ok, reason, value = False, type(error).__name__, None
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    result.timings.append(elapsed)
                    if ok:
                        values.append(value)
                if not ok:
                    failed(reason)

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    result.rate = len(values) / wall
    result.note = f"{len(values):,} {result.unit.split('/')[0]} in {wall:.1f} s"
    if failures:
        result.note += "; failures: " + ", ".join(f"{k} ×{v}" for k, v in failures.items())
    return values


def create_tickets(
    base: str, token: str, *, clients: int, seconds: float, requesters: list[str]
) -> tuple[Result, list[str]]:
    """`clients` threads POST tickets for `seconds`; returns timings and the numbers created."""
    result = Result("API: create ticket", f"POST /api/tickets/, {clients} concurrent clients")

    def prepare(http):
        http.headers["Authorization"] = f"Token {token}"
        return True

    def send(http, rng, _prepared):
        response = http.post("/api/tickets/", json=ticket_payload(rng, requesters))
        ok = response.status_code == 201
        return ok, f"HTTP {response.status_code}", response.json().get("number", "") if ok else ""

    numbers = run_clients(
        result, base=base, clients=clients, seconds=seconds, prepare=prepare, send=send
    )
    return result, numbers


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def submit_portal_form(
    base: str, slug: str, *, clients: int, seconds: float, categories: list[int]
) -> tuple[Result, list[str]]:
    """`clients` visitors, each as a browser: GET the form (its cookies, the CSRF token),
    then POST new requests, each from a new e-mail address with its own subject, for
    `seconds`. Returns timings and the subjects accepted (a 302 to the
    receipt; the receipt itself is not fetched)."""
    path = f"/portal/{slug}/new/"
    result = Result(
        "Portal: submit the form",
        f"POST {path}, {clients} concurrent visitors, a new address each time",
        unit="tickets/s",
    )

    def prepare(http):
        page = http.get(path)
        token = CSRF_INPUT.search(page.text)
        if page.status_code != 200 or token is None or "csrftoken" not in http.cookies:
            raise RuntimeError(
                f"the form did not come with its CSRF token (HTTP {page.status_code})"
            )
        return token.group(1)

    def send(http, rng, token):
        form = portal_form(rng, categories)
        response = http.post(
            path,
            data={**form, "csrfmiddlewaretoken": token},
            headers={"Referer": base + path},
        )
        ok = response.status_code == 302 and "/submitted/" in response.headers.get("location", "")
        return ok, f"HTTP {response.status_code}", form["subject"]

    subjects = run_clients(
        result, base=base, clients=clients, seconds=seconds, prepare=prepare, send=send
    )
    return result, subjects


def portal_form(rng: random.Random, categories: list[int]) -> dict:
    from desk_text import TextMaker

    text = TextMaker(rng)
    topic = text.topic()
    name = text.person_name()
    tag = uuid.uuid4().hex[:12]
    return {
        "name": name,
        "email": f"portal.{tag}@contoh.co.id",
        "phone": "",
        # Half the visitors choose a topic.
        "category": str(rng.choice(categories)) if categories and rng.random() < 0.5 else "",
        # Unique, so the check can match every accepted submission with its ticket.
        "subject": f"{text.subject(topic, name)} ({tag})"[:200],
        "description": text.request(topic, name),
        "website": "",  # the bot trap, left empty as people leave it
    }


FLOORS = {
    # name: (method, path, status expected, what it does)
    "empty": ("GET", "/bench/floor/empty/", 200, "an empty Django view"),
    "insert": ("POST", "/bench/floor/insert/", 201, "a Django view that INSERTs one row"),
}


def floor_requests(base: str, kind: str, *, clients: int, seconds: float) -> Result:
    method, path, expected, what = FLOORS[kind]
    result = Result(
        f"Floor: {what}", f"{method} {path}, {clients} concurrent clients", unit="requests/s"
    )

    def send(http, rng, _prepared):
        if method == "GET":
            response = http.get(path)
        else:
            response = http.post(path, data={"subject": f"floor {rng.random()}", "body": "x" * 200})
        return response.status_code == expected, f"HTTP {response.status_code}", None

    run_clients(
        result, base=base, clients=clients, seconds=seconds, prepare=lambda http: True, send=send
    )
    return result


def ticket_payload(rng: random.Random, requesters: list[str]) -> dict:
    from desk_text import TextMaker

    text = TextMaker(rng)
    topic = text.topic()
    name = text.person_name()
    # Most API tickets come from known customers; some from new ones.
    if rng.random() < 0.7:
        email = rng.choice(requesters)
    else:
        email = f"baru.{uuid.uuid4().hex[:12]}@contoh.co.id"
    return {
        "subject": text.subject(topic, name),
        "description": text.request(topic, name),
        "requester": {"name": name, "email": email},
        "channel": "api",
        "priority": rng.choice(["low", "normal", "normal", "high"]),
    }


def _new_tickets(state: dict) -> dict:
    """What the creation runs stored: tickets, distinct numbers, duplicate numbers in the
    whole organisation, tickets with exactly one message."""
    from django.db.models import Count

    from karcis.desk.models import Message, Ticket

    new = Ticket.objects.filter(pk__gt=int(state["max_ticket_id"]))
    one_message = (
        Message.objects.filter(ticket__in=new)
        .values("ticket")
        .annotate(n=Count("id"))
        .filter(n=1)
        .count()
    )
    return {
        "tickets": new,
        "stored": new.count(),
        "distinct": new.values("number").distinct().count(),
        "duplicates": Ticket.objects.values("organisation", "number")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count(),
        "with_message": min(one_message, new.filter(message_count=1).count()),
    }


def check_created(state: dict, numbers: list[str]) -> str:
    """Every success is one new ticket; numbers unique. Returns a line for the report."""
    from django_scopes import scopes_disabled

    with scopes_disabled():
        new = _new_tickets(state)
        answered_as_stored = set(new["tickets"].values_list("number", flat=True)) == set(numbers)
    ok = (
        new["stored"] == len(numbers) == new["distinct"] == len(set(numbers)) == new["with_message"]
        and answered_as_stored
        and not new["duplicates"]
    )
    line = (
        f"{len(numbers):,} successes, {new['stored']:,} new tickets stored, {new['distinct']:,} "
        f"distinct numbers (the numbers the API answered: "
        f"{'same' if answered_as_stored else 'DIFFERENT'}), {new['with_message']:,} with their "
        f"first message, {new['duplicates']} duplicate numbers"
    )
    return ("OK: " if ok else "MISMATCH: ") + line


def check_submitted(state: dict, subjects: list[str]) -> str:
    """Every accepted submission is one new web ticket with its message and a unique number,
    and one automatic reply waiting in (or sent from) the outbox. A line for the report."""
    from django_scopes import scopes_disabled

    from karcis.messaging.models import Delivery, DeliveryKind

    with scopes_disabled():
        new = _new_tickets(state)
        web = new["tickets"].filter(channel="web").count()
        as_submitted = set(new["tickets"].values_list("subject", flat=True)) == set(subjects)
        replies = Delivery.objects.filter(ticket__in=new["tickets"], kind=DeliveryKind.AUTO_REPLY)
        replied = replies.values("ticket").distinct().count()
        reply_rows = replies.count()
    ok = (
        new["stored"] == len(subjects) == len(set(subjects)) == new["distinct"] == web
        and new["with_message"] == replied == reply_rows == new["stored"]
        and as_submitted
        and not new["duplicates"]
    )
    line = (
        f"{len(subjects):,} accepted, {new['stored']:,} new tickets stored ({web:,} from the web "
        f"form, subjects {'the same' if as_submitted else 'DIFFERENT'}), {new['distinct']:,} "
        f"distinct numbers, {new['with_message']:,} with their first message, {reply_rows:,} "
        f"automatic replies in the outbox for {replied:,} tickets, {new['duplicates']} "
        "duplicate numbers"
    )
    return ("OK: " if ok else "MISMATCH: ") + line


def sample_paths(state: dict, rng: random.Random, count: int) -> dict[str, list[str]]:
    from django_scopes import scopes_disabled

    from karcis.core.models import ContactIdentity
    from karcis.desk.models import Ticket

    org = int(state["organisation_id"])
    with scopes_disabled():
        numbers = list(
            Ticket.objects.filter(
                organisation_id=org, pk__lte=int(state["max_ticket_id"])
            ).values_list("number", flat=True)
        )
        emails = list(
            ContactIdentity.objects.filter(organisation_id=org, kind="email")
            .order_by("id")
            .values_list("value", flat=True)[:5000]
        )
    return {
        "tickets": [f"/desk/tickets/{n}/" for n in rng.sample(numbers, count)],
        "requesters": emails,
    }


def db_connections() -> int:
    """Connections to the bench database, this process's excepted."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (those that have exited count 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def _process_tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except FileNotFoundError:
            continue
        todo.extend(int(child) for child in children)
    return pids


def _postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return pids


def _postgres_cpu_seconds() -> float:
    """CPU time of PostgreSQL: its live processes, plus what its backends that have exited
    used (the postmaster waits for them, so the kernel counts theirs in its children's
    time). Without the latter, connections closed during a run make the figure fall."""
    pids = _postgres_pids()
    total = _cpu_seconds(pids) * CLOCK_TICKS
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            if Path(f"/proc/{fields[1]}/comm").read_text().strip() != "postgres":
                total += int(fields[13]) + int(fields[14])  # the postmaster's children
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / CLOCK_TICKS


class CpuMeter:
    """CPU spent by the server, PostgreSQL and this client between start() and stop()."""

    def __init__(self, server_pid: int):
        self.server_pid = server_pid

    def _sample(self) -> tuple[float, float, float, float, float]:
        # user nice system idle iowait irq softirq steal: waiting for the disk is idle too.
        times = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:9]]
        return (
            _cpu_seconds(_process_tree(self.server_pid)),
            _postgres_cpu_seconds(),
            _cpu_seconds([os.getpid()]),
            sum(times) / CLOCK_TICKS,
            (times[3] + times[4]) / CLOCK_TICKS,
        )

    def start(self) -> None:
        self.before = self._sample()

    def stop(self, result: Result, count: int, what: str = "ticket") -> None:
        """Add the CPU per `what` (of `count`) to the result: its note, its server_cpu_ms."""
        server, pg, client, total, idle = (
            a - b for a, b in zip(self._sample(), self.before, strict=True)
        )
        if not count:
            return
        cpus = os.cpu_count() or 1
        busy = total - idle
        ours = server + pg + client
        # All of the machine for server, database and client: the most this box allows.
        ceiling = cpus * count / ours if ours else 0
        result.server_cpu_ms = server / count * 1000
        result.note += (
            f"; CPU per {what}: server {server / count * 1000:.1f} ms, PostgreSQL (all its "
            f"processes) {pg / count * 1000:.1f} ms, this client {client / count * 1000:.1f} "
            f"ms, together {ours / count * 1000:.1f} ms (at most ~{ceiling:.0f} {what}s/s on "
            f"{cpus} CPUs); everything else on the machine (other processes, the kernel) "
            f"{max(busy - ours, 0) / count * 1000:.1f} ms; the machine was "
            f"{busy / total * 100:.0f}% busy"
        )


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def api_token(email: str) -> str:
    from rest_framework.authtoken.models import Token

    from karcis.core.models import User

    token, _created = Token.objects.get_or_create(user=User.objects.get(email=email))
    return token.key


def measure_all_pages(base: str, samples: dict, *, n: int, warm: int) -> list[Result]:
    """Each agent page: warm-up, then `n` sequential requests by a signed-in client."""
    import desk_load

    results: list[Result] = []
    supervisor = login(base, desk_load.SUPERVISOR_EMAIL, desk_load.PASSWORD)
    agent = login(base, desk_load.TEAM_AGENT_EMAIL, desk_load.PASSWORD)

    def run(result_name, detail, target, client, paths):
        print(f"  {result_name} ({detail})…", end="", flush=True)
        # Every page lists or shows tickets: a page without a number is an error page.
        result = measure_pages(client, result_name, detail, paths, warmup=warm, expect="KRC-")
        result.target = target
        results.append(result)
        print(f" p50 {result.pct(0.5):.1f} ms, p95 {result.pct(0.95):.1f} ms", flush=True)

    inbox = ["/desk/?view=all"] * (n + warm)
    run(
        "Inbox",
        "first page of unsolved tickets + counts, supervisor (sees all)",
        "inbox",
        supervisor,
        inbox,
    )
    run("Inbox", "first page of unsolved tickets + counts, team agent", "inbox", agent, inbox)
    run(
        "Ticket page",
        f"{n} random tickets, supervisor",
        "ticket",
        supervisor,
        samples["tickets"],
    )
    for word, share in ((desk_load.COMMON_WORD, "10%"), (desk_load.RARE_WORD, "0.1%")):
        run(
            "Search",
            f"'{word}', in {share} of tickets, supervisor",
            "search",
            supervisor,
            [f"/desk/search/?q={word}"] * (n + warm),
        )
    run(
        "Search",
        f"'{desk_load.COMMON_WORD}', team agent",
        "search",
        agent,
        [f"/desk/search/?q={desk_load.COMMON_WORD}"] * (n + warm),
    )
    supervisor.close()
    agent.close()

    return results


def measure_api(args, server: "Server", state: dict, samples: dict) -> Result:
    import desk_load

    token = api_token(desk_load.API_AGENT_EMAIL)
    print(f"  API creation ({args.clients} clients, {args.seconds:.0f} s)…", end="", flush=True)
    meter = CpuMeter(server.process.pid)
    meter.start()
    created, numbers = create_tickets(
        server.base,
        token,
        clients=args.clients,
        seconds=args.seconds,
        requesters=samples["requesters"],
    )
    meter.stop(created, len(numbers))
    created.target = "create"
    created.note += f"; server's connections to the database afterwards: {db_connections()}"
    print(f" {created.rate:.0f} tickets/s, {created.errors} errors", flush=True)
    check = check_created(state, numbers)
    return _checked(created, check, state)


def measure_portal(args, server: "Server", state: dict) -> Result:
    import desk_load

    categories = portal_ready(state)
    print(f"  portal form ({args.clients} visitors, {args.seconds:.0f} s)…", end="", flush=True)
    meter = CpuMeter(server.process.pid)
    meter.start()
    submitted, subjects = submit_portal_form(
        server.base,
        desk_load.ORG_SLUG,
        clients=args.clients,
        seconds=args.seconds,
        categories=categories,
    )
    meter.stop(submitted, len(subjects))
    submitted.target = "portal"
    print(f" {submitted.rate:.0f} tickets/s, {submitted.errors} errors", flush=True)
    check = check_submitted(state, subjects)
    return _checked(submitted, check, state)


def _checked(result: Result, check: str, state: dict) -> Result:
    """A creation run's result with its check; what it created is deleted."""
    print(f"  {check}", flush=True)
    result.note += f". Check: {check}"
    result.passed = (
        result.rate >= TARGETS[result.target] and result.errors == 0 and check.startswith("OK")
    )
    restore_loaded_state(state)
    return result


def portal_ready(state: dict) -> list[int]:
    """Give the organisation a mailbox that answers new tickets (removed afterwards by
    restore_loaded_state); returns the ids of its active categories, for the form."""
    from karcis.core.models import Organisation
    from karcis.desk.selectors import categories_of
    from karcis.messaging import services as messaging

    organisation = Organisation.objects.get(pk=int(state["organisation_id"]))
    messaging.mailbox_create(organisation=organisation, address=BENCH_MAILBOX, name="Bantuan")
    return list(categories_of(organisation=organisation).values_list("pk", flat=True))


def measure_floors(args, server: "Server") -> list[Result]:
    """The floor, served and loaded like Karcis's own paths (bench/bench_urls.py)."""
    from bench_urls import FLOOR_TABLE
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {FLOOR_TABLE} (id bigserial PRIMARY KEY, "
            "subject text NOT NULL, body text NOT NULL, created_at timestamptz NOT NULL)"
        )
    results = []
    try:
        for kind in FLOORS:
            print(f"  floor: {FLOORS[kind][3]} ({args.clients} clients)…", end="", flush=True)
            meter = CpuMeter(server.process.pid)
            meter.start()
            result = floor_requests(server.base, kind, clients=args.clients, seconds=args.seconds)
            meter.stop(result, len(result.timings) - result.errors, "request")
            print(f" {result.rate:.0f} requests/s, {result.errors} errors", flush=True)
            results.append(result)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")
    return results


def measure(args, state: dict) -> tuple[list[Result], dict]:
    rng = random.Random(7)
    parts = [args.only] if args.only else list(PARTS)
    info = {"load_before": load_average()}
    removed = restore_loaded_state(state)
    if removed:
        print(f"==> removed {removed:,} tickets left by an earlier run", flush=True)
    n, warm = args.requests, args.warmup
    samples = sample_paths(state, rng, n + warm)

    server = Server(
        url=args.database_url,
        port=args.port,
        workers=args.workers,
        settings=args.settings,
        asgi=args.asgi,
        cpu_profile=args.cpu_profile,
        threads=args.threads,
    )
    info["server"] = " ".join(server.command[1:])
    info["server"] += f"` with `DJANGO_SETTINGS_MODULE={args.settings}"
    print(f"==> server: {shlex.join(server.command)}", flush=True)
    print(f"==> load average before: {info['load_before']}", flush=True)
    results: list[Result] = []
    try:
        server.wait_ready()
        if "pages" in parts:
            results += measure_all_pages(server.base, samples, n=n, warm=warm)
            for result in results:
                result.passed = result.pct(0.95) < TARGETS[result.target] and result.errors == 0
        if "api" in parts:
            results.append(measure_api(args, server, state, samples))
        if "portal" in parts:
            results.append(measure_portal(args, server, state))
        if "floor" in parts:
            results += measure_floors(args, server)
    finally:
        info["load_after"] = load_average()
        server.stop()
        if server.samples:
            print("\n" + cpu_profile_report(server.samples) + "\n", flush=True)
        restore_loaded_state(state)
    return results, info


# --- report -------------------------------------------------------------------------------------


def machine() -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]
    import django

    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "ram": f"{mem_kb / 1024 / 1024:.0f} GiB",
        "postgres": f"{pg} (shared_buffers {buffers}, on the same machine)",
        "python": platform.python_version(),
        "django": django.get_version(),
        "os": platform.platform(),
    }


def target_text(result: Result) -> str:
    if not result.target:
        return "(the floor)"
    if result.target in ("create", "portal"):
        return f"≥ {TARGETS[result.target]:.0f}/s, 0 errors"
    return f"p95 < {TARGETS[result.target]:.0f} ms"


def met_text(result: Result) -> str:
    if result.passed is None:
        return ""
    return "yes" if result.passed else "NO"


def table(results: list[Result]) -> str:
    lines = [
        "| measurement | detail | n | p50 ms | p95 ms | max ms | rate | errors | target | met |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        rate = f"{r.rate:.0f} {r.unit}" if r.rate is not None else ""
        lines.append(
            f"| {r.name} | {r.detail} | {len(r.timings):,} | {r.pct(0.5):.1f} | "
            f"{r.pct(0.95):.1f} | {max(r.timings):.1f} | {rate} | {r.errors} | "
            f"{target_text(r)} | {met_text(r)} |"
        )
    return "\n".join(lines)


def distance_from_floor(results: list[Result]) -> list[str]:
    """How far each write path is from the one-INSERT floor, in rate and in server CPU per
    request, both measured the same way in the same run."""
    floor = next((r for r in results if r.name.startswith("Floor") and "INSERT" in r.name), None)
    paths = [r for r in results if r.target in ("create", "portal")]
    if floor is None or not floor.rate or not floor.server_cpu_ms or not paths:
        return []
    lines = [
        f"Distance from the floor (the one-INSERT view: {floor.rate:.0f} requests/s, "
        f"{floor.server_cpu_ms:.2f} ms of server CPU each):",
        "",
    ]
    for r in paths:
        if r.rate and r.server_cpu_ms:
            lines.append(
                f"- {r.name}: {r.rate:.0f} tickets/s, {floor.rate / r.rate:.1f}× fewer; "
                f"{r.server_cpu_ms:.2f} ms of server CPU per ticket, "
                f"{r.server_cpu_ms / floor.server_cpu_ms:.1f}× the floor's"
            )
    return [*lines, ""]


def report(args, state: dict, results: list[Result], info: dict, command: str) -> str:
    m = machine()
    notes = [r for r in results if r.note]
    body = [
        DOCS_START,
        "## Service desk (`bench/desk.py`)",
        "",
        f"Measured {datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')} on {m['cpus']} "
        f"CPUs ({m['cpu']}), {m['ram']} RAM; PostgreSQL {m['postgres']}; Python {m['python']}, "
        f"Django {m['django']}; {m['os']}.",
        "",
        f"Data: {int(state['tickets']):,} tickets × 3 messages (one organisation, 3 teams, "
        f"8 staff, {int(state['contacts']):,} contacts), about a third unsolved; loaded by "
        f"`bench/desk.py load` in {state['load_seconds']} s. Server: `gunicorn {info['server']}` "
        f"(KARCIS_DEBUG=0, `bench/bench_settings.py`: karcis.settings with the floor views and "
        f"the portal's per-client limit raised), on the same machine as the client and the "
        f"database. Creation and floor runs: {args.clients} concurrent clients for "
        f"{args.seconds:.0f} s each. Pages: "
        f"{args.requests} sequential requests each after {args.warmup} warm-up requests, timed "
        f"by the client (httpx) from request to last byte. Load average (1, 5, 15 min) before "
        f"the run {info['load_before']}, at its end {info['load_after']}.",
        "",
        table(results),
        "",
        *[f"- {r.name} ({r.detail}): {r.note}" for r in notes],
        "",
        *distance_from_floor(results),
        *reproduce(command),
        DOCS_END,
    ]
    return "\n".join(body)


def reproduce(command: str) -> list[str]:
    """The lines of a report that say how to run it again."""
    return ["Reproduce:", "", "```sh", command, "```"]


def write_docs(section: str, *, start: str = DOCS_START, end: str = DOCS_END) -> None:
    """Put a benchmark's section (between its start and end markers) into docs/benchmarks.md,
    in place of the one there, or at the end."""
    text = (
        DOCS.read_text()
        if DOCS.exists()
        else (
            "# Benchmarks\n\nFigures measured with the scripts in `bench/`. Each section says "
            "when, on what machine and with which command.\n\n"
        )
    )
    if start in text and end in text:
        head, rest = text.split(start, 1)
        tail = rest.split(end, 1)[1]
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOCS.write_text(text)


# --- diagnose -------------------------------------------------------------------------------------


class QueryTimer:
    """Records every query of a block with its own wall time (perf_counter, not ms-rounded)."""

    def __init__(self, connection):
        self.connection = connection
        self.queries: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            try:
                text = self.connection.ops.last_executed_query(context["cursor"], sql, params)
            except Exception:  # the text is only for reading
                text = sql
            self.queries.append((elapsed, text))

    def __enter__(self):
        self.queries = []
        self._wrapper = self.connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)


def diagnose(args, state: dict) -> None:
    """Each page in-process with the test client: wall and SQL time (medians of 20 requests),
    its queries, EXPLAIN ANALYZE of the slow ones and, with --profile, a cProfile."""
    import desk_load
    from django.db import connection
    from django.test import Client

    from karcis.core.models import User

    rng = random.Random(11)
    samples = sample_paths(state, rng, 3)
    pages = [
        (desk_load.SUPERVISOR_EMAIL, "GET /desk/?view=all"),
        (desk_load.TEAM_AGENT_EMAIL, "GET /desk/?view=all"),
        (desk_load.SUPERVISOR_EMAIL, f"GET {samples['tickets'][0]}"),
        (desk_load.SUPERVISOR_EMAIL, f"GET /desk/search/?q={desk_load.COMMON_WORD}"),
        (desk_load.SUPERVISOR_EMAIL, f"GET /desk/search/?q={desk_load.RARE_WORD}"),
        (desk_load.TEAM_AGENT_EMAIL, f"GET /desk/search/?q={desk_load.COMMON_WORD}"),
        (desk_load.API_AGENT_EMAIL, "POST /api/tickets/"),
    ]
    token = api_token(desk_load.API_AGENT_EMAIL)
    restore_loaded_state(state)
    timer = QueryTimer(connection)
    for email, label in pages:
        if args.page and args.page not in label:
            continue
        method, path = label.split()
        if method == "POST":
            client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {token}")
            payloads = random.Random(3)

            def request(path=path, client=client, payloads=payloads):
                payload = ticket_payload(payloads, samples["requesters"])
                return client.post(path, payload, content_type="application/json")
        else:
            client = Client(raise_request_exception=False)
            client.force_login(User.objects.get(email=email))

            def request(path=path, client=client):
                return client.get(path)

        for _ in range(3):  # warm caches
            request()
        walls, sqls = [], []
        for _ in range(20):
            with timer:
                started = time.perf_counter()
                response = request()
                walls.append((time.perf_counter() - started) * 1000)
            sqls.append(sum(ms for ms, _sql in timer.queries))
        print(
            f"\n== {email} {label}: HTTP {response.status_code}; median of 20: "
            f"{statistics.median(walls):.1f} ms, of which SQL {statistics.median(sqls):.1f} ms "
            f"in {len(timer.queries)} queries"
        )
        for i, (ms, sql) in enumerate(timer.queries, 1):
            print(f"  {i:2}. {ms:6.2f} ms  {sql[:150]}")
        for ms, sql in timer.queries:
            if ms >= args.slow_ms and sql.lstrip().upper().startswith("SELECT"):
                print(f"\n  EXPLAIN (ANALYZE, BUFFERS) of the {ms:.1f} ms query:\n  {sql}")
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    for (line,) in cursor.fetchall():
                        print("    " + line)
        if args.profile:
            profile_request(request)
    restore_loaded_state(state)


args_profile_filter = r"karcis|django/(template|db|forms|contrib)|rest_framework|nh3|psycopg"


def profile_request(request, repeat: int = 20) -> None:
    """Where the Python time of a page goes: the functions with the most cumulative time."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        request()
    profiler.disable()
    print(f"\n  cProfile, {repeat} requests, top functions by cumulative time:")
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(args_profile_filter, 30)


# --- command line ---------------------------------------------------------------------------------


def parse_args(argv: list[str]):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "command", nargs="?", default="all", choices=["all", "load", "measure", "diagnose"]
    )
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--force", action="store_true", help="reload even if the data is there")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument(
        "--clients", type=int, default=8, help="concurrent clients (API, portal, floor)"
    )
    parser.add_argument(
        "--seconds", type=float, default=20, help="length of each API, portal and floor run"
    )
    parser.add_argument(
        "--settings",
        default=DEFAULT_SETTINGS,
        help="the server's settings module, for experiments (bench/ is on its path)",
    )
    parser.add_argument(
        "--asgi",
        action="store_true",
        help="serve karcis.asgi with uvicorn workers instead of karcis.wsgi with sync workers",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per worker: more than 1 serves with gunicorn's gthread workers",
    )
    parser.add_argument(
        "--cpu-profile",
        action="store_true",
        help="sample the server's CPU (bench/desk_sampler.py) and print where it went",
    )
    parser.add_argument(
        "--only",
        choices=PARTS,
        help="measure only the agent pages, the API creation, the portal form or the floor",
    )
    parser.add_argument(
        "--write-docs", action="store_true", help=f"update {DOCS.relative_to(ROOT)}"
    )
    parser.add_argument(
        "--slow-ms", type=float, default=5, help="diagnose: EXPLAIN queries this slow"
    )
    parser.add_argument("--profile", action="store_true", help="diagnose: cProfile each page")
    parser.add_argument("--page", default="", help="diagnose: only paths containing this")
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    if args.write_docs and (args.only or args.cpu_profile):
        raise SystemExit(
            "--write-docs publishes a whole, unprofiled run; leave out --only and --cpu-profile."
        )
    if args.cpu_profile and args.asgi:
        raise SystemExit("--cpu-profile samples the WSGI server; leave out --asgi.")
    state = ensure_loaded(args)
    if args.command == "load":
        return
    from django_scopes import scopes_disabled

    if args.command == "diagnose":
        with scopes_disabled():
            diagnose(args, state)
        return
    with scopes_disabled():
        results, info = measure(args, state)
    # Run from the repository root, like every command in the docs.
    command = ".venv/bin/python bench/desk.py " + shlex.join(argv)
    section = report(args, state, results, info, command.rstrip())
    print("\n" + table(results) + "\n")
    for r in results:
        if r.note:
            print(f"- {r.name}: {r.note}")
    print("", *distance_from_floor(results), sep="\n")
    print(f"Reproduce: {command}")
    if args.write_docs:
        write_docs(section)
        print(f"Wrote {DOCS.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
