#!/usr/bin/env python
"""Mail intake benchmark: 10,000 realistic messages through the mail-gate and through the LMTP
server, on PostgreSQL, with every message accounted for.

    .venv/bin/python bench/mail.py                 # both paths (~10 min on 2 CPUs)
    .venv/bin/python bench/mail.py --only gate     # or --only lmtp
    .venv/bin/python bench/mail.py --write-docs    # … and update docs/benchmarks.md

Each path starts from an empty, freshly migrated database (default karcis_bench_mail), sends
the same seeded corpus, measures messages/s from the first message sent to the last one
processed, then checks: every message stored once with its bytes unchanged, in the state
its content calls for (a new ticket, a reply on its parent's ticket, or a rejection), and
a re-sent sample changes nothing. See bench/README.md.
"""

import argparse
import hashlib
import multiprocessing
import os
import queue
import random
import resource
import secrets
import shlex
import signal
import smtplib
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:0] = [str(BENCH_DIR), str(ROOT)]

import desk as desk_bench  # noqa: E402  (the service-desk benchmark's machine/CPU helpers)
from desk_text import CITIES, FIRST_NAMES, LAST_NAMES, TextMaker  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/karcis_bench_mail"
DOCS = ROOT / "docs" / "benchmarks.md"
DOCS_START = "<!-- bench/mail.py: start -->"
DOCS_END = "<!-- bench/mail.py: end -->"
KARCIS = str(Path(sys.executable).parent / "karcis")
TARGET_RATE = 200.0  # messages/s, the target on 2 CPUs

# Our mailboxes: (organisation slug, address, share of the traffic).
MAILBOXES = [
    ("nusantara", "bantuan@nusantara.test", 0.70),
    ("nusantara", "tagihan@nusantara.test", 0.15),
    ("dinas", "pengaduan@dinas-kominfo.test", 0.15),
]
SENDER_DOMAINS = [
    "gmail.com",
    "yahoo.co.id",
    "outlook.com",
    "ymail.com",
    "telkom.net.id",
    "ptmaju.co.id",
    "ui.ac.id",
    "pemkot-bandung.go.id",
]
MAILERS = [
    "Microsoft Outlook 16.0",
    "Apple Mail (2.3774)",
    "Mozilla Thunderbird 115.6",
    "Gmail",
    "K-9 Mail for Android",
    "Roundcube Webmail/1.6.5",
]
# A reply is sent at least this many messages after the one it answers, so that with a few
# messages in flight at once (clients, workers) its parent has always been processed.
REPLY_GAP = 200
# Under the sender rate limit (KARCIS_MAIL_SENDER_LIMIT, 20 per 10 min per mailbox).
MAX_PER_SENDER = 12


# --- the corpus ----------------------------------------------------------------------------------


@dataclass
class Mail:
    index: int
    kind: str  # new, html, attachment, latin1, no_id, bulk, reply, out_of_office, …
    recipient: str  # the envelope recipient: one of our mailboxes
    sender: str  # the envelope sender ("" for a bounce)
    raw: bytes  # LF line ends, as an MTA pipes it to the mail-gate
    message_id: str  # without brackets, "" when the message has none
    expect: str  # ticket_created, message_added or rejected
    parent: int | None = None

    @property
    def wire(self) -> bytes:
        """As LMTP carries it: CRLF line ends, and a CRLF at the end (the client adds one
        before the final dot when it is missing)."""
        wire = self.raw.replace(b"\n", b"\r\n")
        return wire if wire.endswith(b"\r\n") else wire + b"\r\n"


def png_bytes(rng: random.Random, width: int, height: int) -> bytes:
    """A real (noisy, so barely compressible) RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + rng.randbytes(width * 3) for _row in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 6))
        + chunk(b"IEND", b"")
    )


def pdf_bytes(rng: random.Random, size: int) -> bytes:
    return b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + rng.randbytes(size) + b"\n%%EOF\n"


class CorpusMaker:
    """Seeded, so every run sends the same 10,000 messages."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.text = TextMaker(self.rng)
        self.sent_per_sender: Counter = Counter()
        self.people = [self._person(n) for n in range(4000)]
        self.name_of = {address: name for name, address in self.people}
        # Messages old enough to be answered (see REPLY_GAP), in order.
        self.answerable: list[Mail] = []
        # Dated an hour ago, not on a fixed day: mail that looks recent gets its automatic
        # reply under any version of the rule that decides it, so versions compare fairly.
        self.start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(
            hours=1
        )

    def _person(self, n: int) -> tuple[str, str]:
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        domain = self.rng.choice(SENDER_DOMAINS)
        return f"{first} {last}", f"{first}.{last}{n}@{domain}".lower()

    def _sender(self, mailbox: str) -> tuple[str, str]:
        while True:
            name, address = self.rng.choice(self.people)
            if self.sent_per_sender[(address, mailbox)] < MAX_PER_SENDER:
                self.sent_per_sender[(address, mailbox)] += 1
                return name, address

    def _mailbox(self) -> str:
        roll, total = self.rng.random(), 0.0
        for _slug, address, share in MAILBOXES:
            total += share
            if roll < total:
                return address
        return MAILBOXES[0][1]

    def _headers(self, message, *, index: int, name: str, address: str, to: str, subject):
        message["Received"] = (
            f"from mail-{self.rng.randint(1, 99)}.{address.split('@')[1]} "
            f"(mail-{self.rng.randint(1, 99)}.{address.split('@')[1]} "
            f"[203.0.113.{self.rng.randint(1, 254)}]) by mx.nusantara.test (Postfix) with "
            f"ESMTPS id {self.rng.randbytes(5).hex().upper()} for <{to}>; "
            f"{format_datetime(self.start + timedelta(seconds=index))}"
        )
        message["From"] = formataddr((name, address)) if name else address
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = format_datetime(self.start + timedelta(seconds=index))
        message["X-Mailer"] = self.rng.choice(MAILERS)

    def _message_id(self, index: int, address: str) -> str:
        return f"{self.rng.randbytes(8).hex()}.{index}@{address.split('@')[1]}"

    def make(self, count: int) -> list[Mail]:
        mails: list[Mail] = []
        for index in range(count):
            old = index - REPLY_GAP
            if old >= 0 and mails[old].expect == "ticket_created" and mails[old].message_id:
                self.answerable.append(mails[old])
            mails.append(self._one(index))
        return mails

    def _one(self, index: int) -> Mail:
        roll = self.rng.random()
        recent = self.answerable[-3000:]
        if roll < 0.28 and recent:
            return self._reply(index, self.rng.choice(recent))
        if roll < 0.30 and recent:
            return self._out_of_office(index, self.rng.choice(recent))
        if roll < 0.31:
            return self._rejected(index, "no_sender")
        if roll < 0.32:
            return self._rejected(index, "loop")
        if roll < 0.33:
            return self._rejected(index, "dsn")
        return self._new(index)

    def _new(self, index: int) -> Mail:
        to = self._mailbox()
        name, address = self._sender(to)
        topic = self.text.topic()
        subject = self.text.subject(topic, name)
        body = self.text.request(topic, name)
        roll = self.rng.random()
        kind = "new"
        if roll < 0.04:
            kind = "attachment"
            message = MIMEMultipart("mixed")
            message.attach(MIMEText(body, "plain", "utf-8"))
            if self.rng.random() < 0.5:
                data = png_bytes(self.rng, self.rng.randint(40, 120), self.rng.randint(40, 90))
                part = MIMEImage(data, "png", name="layar.png")
                part.add_header("Content-Disposition", "attachment", filename="tangkapan-layar.png")
            else:
                data = pdf_bytes(self.rng, self.rng.randint(8_000, 60_000))
                part = MIMEApplication(data, "pdf", name="bukti-transfer.pdf")
                part.add_header("Content-Disposition", "attachment", filename="bukti-transfer.pdf")
            message.attach(part)
        elif roll < 0.24:
            kind = "html"
            message = MIMEMultipart("alternative")
            message.attach(MIMEText(body, "plain", "utf-8"))
            paragraphs = "".join(f"<p>{line}</p>" for line in body.split("\n") if line)
            html = (
                '<html><head><meta charset="utf-8"><style>p{margin:0}</style></head><body>'
                f'<div dir="ltr">{paragraphs}</div><div class="gmail_signature">--<br>'
                f"{name}<br>{self.rng.choice(CITIES)}</div></body></html>"
            )
            message.attach(MIMEText(html, "html", "utf-8"))
        elif roll < 0.34:
            kind = "latin1"
            charset = self.rng.choice(["iso-8859-1", "windows-1252"])
            name = name.replace("a", "á", 1)
            # Windows-1252 has the dash and the euro sign that ISO-8859-1 lacks.
            dash = "–" if charset == "windows-1252" else "-"
            body = body.replace("Mohon", "Mohon (café «Kopi»)", 1) + f"\n{dash} dikirim dari kantor"
            message = MIMEText(body, "plain", charset)
            subject = Header(f"{subject} {dash} penting, größe", charset)
        else:
            message = MIMEText(body, "plain", "utf-8")
        if self.rng.random() < 0.08:
            _cc_name, cc = self.rng.choice(self.people)
            message["Cc"] = cc
        self._headers(message, index=index, name=name, address=address, to=to, subject=subject)
        message_id = ""
        if self.rng.random() < 0.98:
            message_id = self._message_id(index, address)
            message["Message-ID"] = f"<{message_id}>"
        else:
            kind = "no_id"
        if self.rng.random() < 0.03:
            kind = "bulk"
            message["Precedence"] = "bulk"
            message["List-Unsubscribe"] = f"<mailto:unsubscribe@{address.split('@')[1]}>"
        return Mail(index, kind, to, address, message.as_bytes(), message_id, "ticket_created")

    def _reply(self, index: int, parent: Mail) -> Mail:
        name, address = self.name_of.get(parent.sender, ""), parent.sender
        self.sent_per_sender[(address, parent.recipient)] += 1
        quoted = "\n".join(f"> {line}" for line in _text_of(parent).split("\n")[:12])
        body = (
            f"{self.text.customer_follow_up(name)}\n\nPada {format_datetime(self.start)}, "
            f"{parent.sender} menulis:\n{quoted}\n"
        )
        message = MIMEText(body, "plain", "utf-8")
        self._headers(
            message,
            index=index,
            name=name,
            address=address,
            to=parent.recipient,
            subject="Re: " + _subject_of(parent),
        )
        message_id = self._message_id(index, address)
        message["Message-ID"] = f"<{message_id}>"
        message["In-Reply-To"] = f"<{parent.message_id}>"
        message["References"] = f"<{parent.message_id}>"
        raw = message.as_bytes()
        return Mail(
            index,
            "reply",
            parent.recipient,
            address,
            raw,
            message_id,
            "message_added",
            parent.index,
        )

    def _out_of_office(self, index: int, parent: Mail) -> Mail:
        mail = self._reply(index, parent)
        raw = mail.raw.replace(
            b"Subject: Re: ", b"Auto-Submitted: auto-replied\nSubject: Di luar kantor: Re: ", 1
        )
        mail.kind, mail.raw = "out_of_office", raw
        return mail

    def _rejected(self, index: int, kind: str) -> Mail:
        to = self._mailbox()
        message = MIMEText(self.text.request(self.text.topic(), "Anonim"), "plain", "utf-8")
        message_id = self._message_id(index, "postmaster@mx.example.net")
        message["Message-ID"] = f"<{message_id}>"
        message["To"] = to
        message["Date"] = format_datetime(self.start + timedelta(seconds=index))
        sender = "anonim@example.net"
        if kind == "no_sender":
            message["Subject"] = "Tanpa pengirim"
        elif kind == "loop":
            message["From"] = to
            message["Subject"] = "Pemberitahuan otomatis"
            sender = to
        else:  # a bounce about a message we never sent, as Postfix writes one
            boundary = f"{self.rng.randbytes(6).hex()}.bounce"
            raw = (
                f"Message-ID: <{message_id}>\nTo: {to}\nDate: {message['Date']}\n"
                "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n"
                "Subject: Undelivered Mail Returned to Sender\nAuto-Submitted: auto-replied\n"
                "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status;"
                f'\n boundary="{boundary}"\n\n--{boundary}\nContent-Type: text/plain\n\n'
                "This is the mail system at host mx.example.net.\nYour message could not be "
                f"delivered.\n\n--{boundary}\nContent-Type: message/delivery-status\n\n"
                "Reporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; x@example.net\n"
                f"Action: failed\nStatus: 5.1.1\n\n--{boundary}\n"
                "Content-Type: text/rfc822-headers\n\n"
                f"Message-ID: <never-sent-{index}@{to.split('@')[1]}>\n\n--{boundary}--\n"
            )
            return Mail(index, kind, to, "", raw.encode(), message_id, "rejected")
        return Mail(index, kind, to, sender, message.as_bytes(), message_id, "rejected")


def _subject_of(mail: Mail) -> str:
    for line in mail.raw.split(b"\n"):
        if line.startswith(b"Subject: "):
            return line[9:].decode("ascii", "replace")
    return ""


def _text_of(mail: Mail) -> str:
    from email import message_from_bytes

    message = message_from_bytes(mail.raw)
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return ""


# --- the database -----------------------------------------------------------------------------


def bench_state_exists(url: str) -> bool | None:
    """True when the database is ours, False when it exists but is not, None when absent."""
    import psycopg

    try:
        conn = desk_bench._connect(url)
    except psycopg.OperationalError as error:
        if "does not exist" in str(error):
            return None
        raise
    with conn:
        row = conn.execute("SELECT to_regclass('bench_mail_state')").fetchone()
    return row[0] is not None


def recreate_database(url: str) -> None:
    owned = bench_state_exists(url)
    admin, name = desk_bench._admin_url(url)
    if owned is False:
        raise SystemExit(
            f"Database {name} exists but was not made by bench/mail.py, which would drop it. "
            "Choose another --database-url, or drop it yourself."
        )
    with desk_bench._connect(admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    with desk_bench._connect(url) as conn:
        conn.execute("CREATE TABLE bench_mail_state (key text PRIMARY KEY, value text)")


def bench_env(url: str) -> dict:
    """What the bench, its workers and the servers it starts share: one database, one secret
    key (reply addresses are signed with it), no mail actually sent."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="karcis.settings",
        KARCIS_DEBUG="0",
        KARCIS_SECRET_KEY=os.environ.get("KARCIS_SECRET_KEY") or "bench-" + secrets.token_hex(16),
        KARCIS_ALLOWED_HOSTS="127.0.0.1,localhost",
        KARCIS_LOG_LEVEL="WARNING",
        # Auto-replies are rendered, stored and "sent" (by the embedded default, in-process
        # after the commit), to a backend that drops them.
        KARCIS_EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        PYTHONWARNINGS="ignore::DeprecationWarning",
    )
    return env


def setup_django(url: str) -> None:
    os.environ.update(bench_env(url))
    import django

    django.setup()


def fresh_data() -> None:
    """An empty, migrated database with the organisations and mailboxes."""
    from django.core.management import call_command
    from django.db import connection
    from django_scopes import scopes_disabled

    from karcis.core import services as core_services
    from karcis.messaging import services as messaging

    call_command("migrate", verbosity=0)
    # Tables only (bench_mail_state is not Django's), ids and ticket numbers from 1 again.
    call_command("flush", interactive=False, verbosity=0)
    with scopes_disabled():
        organisations = {
            "nusantara": core_services.organisation_create(
                name="PT Nusantara Sejahtera", slug="nusantara", ticket_prefix="KRC"
            ),
            "dinas": core_services.organisation_create(
                name="Dinas Kominfo", slug="dinas", ticket_prefix="ADU"
            ),
        }
        for slug, address, _share in MAILBOXES:
            messaging.mailbox_create(
                organisation=organisations[slug], address=address, name=address.split("@")[0]
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- checks ---------------------------------------------------------------------------------


def dedupe_key(mail: Mail, raw: bytes) -> str:
    return mail.message_id or "sha256:" + hashlib.sha256(raw).hexdigest()


def check_stored(mails: list[Mail], *, wire: bool) -> tuple[bool, str]:
    """Every message stored once, byte for byte, with the outcome its content calls for."""
    from django_scopes import scopes_disabled

    from karcis.desk.models import Ticket
    from karcis.messaging.models import InboundEmail

    with scopes_disabled():
        rows = list(
            InboundEmail.objects.values_list(
                "mailbox__address",
                "dedupe_key",
                "raw",
                "state",
                "action",
                "ticket_id",
                "desk_message_id",
                "reason",
            )
        )
        tickets = Ticket.objects.count()
    by_key = {(r[0], r[1]): r for r in rows}
    problems: list[str] = []
    ticket_of: dict[int, int] = {}
    outcome = Counter()
    lost = changed = 0
    for mail in mails:
        raw = mail.wire if wire else mail.raw
        row = by_key.get((mail.recipient, dedupe_key(mail, raw)))
        if row is None:
            lost += 1
            problems.append(f"#{mail.index} ({mail.kind}) not stored")
            continue
        if bytes(row[2]) != raw:
            changed += 1
            problems.append(f"#{mail.index} stored bytes differ")
        state, action, ticket_id = row[3], row[4], row[5]
        got = "rejected" if state == "rejected" else action or state
        outcome[got] += 1
        ticket_of[mail.index] = ticket_id
        if got != mail.expect:
            problems.append(f"#{mail.index} ({mail.kind}): {got}, expected {mail.expect} {row[7]}")
        elif got == "rejected" and not row[7].strip():
            problems.append(f"#{mail.index} rejected without a reason")
    for mail in mails:
        threaded = mail.expect == "message_added" and mail.index in ticket_of
        if threaded and ticket_of[mail.index] != ticket_of.get(mail.parent):
            problems.append(f"#{mail.index} threaded into another ticket than #{mail.parent}")
    expected_tickets = sum(1 for m in mails if m.expect == "ticket_created")
    duplicated = len(rows) - len(mails)
    desk_messages = [r[6] for r in rows if r[6] is not None]
    if tickets != expected_tickets:
        problems.append(f"{tickets} tickets, expected {expected_tickets}")
    if len(desk_messages) != len(set(desk_messages)):
        problems.append("two stored e-mails point at the same desk message")
    summary = (
        f"{len(mails):,} sent, {len(rows):,} stored ({lost} lost, {max(duplicated, 0)} "
        f"duplicated, {changed} with changed bytes); {outcome['ticket_created']:,} new tickets, "
        f"{outcome['message_added']:,} threaded into their parent's ticket, "
        f"{outcome['rejected']:,} rejected with a reason; {tickets:,} tickets in all "
        f"(expected {expected_tickets:,})"
    )
    if problems:
        return False, "FAILED: " + summary + "; " + "; ".join(problems[:10])
    return True, "OK: " + summary


def counts() -> tuple[int, int, int]:
    from django_scopes import scopes_disabled

    from karcis.desk.models import Message, Ticket
    from karcis.messaging.models import InboundEmail

    with scopes_disabled():
        return InboundEmail.objects.count(), Ticket.objects.count(), Message.objects.count()


def wait_processed(total: int, timeout: float = 1800) -> float:
    """Until `total` messages are stored and none waits; returns when (perf_counter)."""
    from django_scopes import scopes_disabled

    from karcis.messaging.models import InboundEmail

    deadline = time.monotonic() + timeout
    with scopes_disabled():
        while time.monotonic() < deadline:
            stored = InboundEmail.objects.count()
            waiting = InboundEmail.objects.filter(state="pending").count()
            if stored >= total and not waiting:
                return time.perf_counter()
            time.sleep(0.1)
    raise SystemExit(f"Not all messages were processed within {timeout:.0f} s")


# --- CPU accounting -------------------------------------------------------------------------------


def process_tree(pid: int) -> list[int]:
    """The process and its descendants, including those started by any of its threads
    (a process pool starts its workers from the thread that submits)."""
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo.extend(int(child) for child in (task / "children").read_text().split())
            except (FileNotFoundError, ProcessLookupError):
                continue
    return pids


class Meter:
    """CPU of the intake processes, PostgreSQL and this process between start() and stop().

    The intake is either processes alive at stop() (`pids`, with their children), or, with
    children=True, this process's children that have exited meanwhile (a process per message).
    """

    def __init__(self, *, children: bool = False):
        self.children = children
        self.pids: set[int] = set()

    def _intake_cpu(self) -> float:
        if self.children:
            usage = resource.getrusage(resource.RUSAGE_CHILDREN)
            return usage.ru_utime + usage.ru_stime
        tree = [each for pid in self.pids for each in process_tree(pid)]
        return desk_bench._cpu_seconds(tree)

    def _sample(self):
        times = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:9]]
        return (
            self._intake_cpu(),
            desk_bench._cpu_seconds(desk_bench._postgres_pids()),
            desk_bench._cpu_seconds([os.getpid()]),
            sum(times) / desk_bench.CLOCK_TICKS,
            (times[3] + times[4]) / desk_bench.CLOCK_TICKS,
        )

    def start(self) -> None:
        self.before = self._sample()

    def stop(self, count: int, intake_name: str) -> str:
        intake, pg, client, total, idle = (
            a - b for a, b in zip(self._sample(), self.before, strict=True)
        )
        busy = total - idle
        ours = intake + pg + client
        per = 1000 / count
        return (
            f"CPU per message: {intake_name} {intake * per:.1f} ms, PostgreSQL {pg * per:.1f} ms, "
            f"the bench process {client * per:.1f} ms, together {ours * per:.1f} ms (at most "
            f"~{(os.cpu_count() or 1) * count / ours:.0f} messages/s with every CPU busy); "
            f"everything else on the machine {max(busy - ours, 0) * per:.1f} ms; the machine "
            f"was {busy / total * 100:.0f}% busy"
        )


# --- the mail-gate ---------------------------------------------------------------------------------


def gate_spawned(mails: list[Mail], env: dict, *, concurrency: int) -> list[str]:
    """`karcis mailgate --recipient R < message`, a new process per message, as a pipe
    transport (Postfix pipe(8)) runs it; `concurrency` at once. Returns the problems."""
    problems: list[str] = []
    todo: queue.Queue = queue.Queue()
    for mail in mails:
        todo.put(mail)

    def run() -> None:
        while True:
            try:
                mail = todo.get_nowait()
            except queue.Empty:
                return
            process = subprocess.Popen(
                [KARCIS, "mailgate", "--recipient", mail.recipient],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=env,
                cwd=ROOT,
            )
            _out, err = process.communicate(mail.raw)
            if process.returncode != 0:
                problems.append(f"#{mail.index}: exit {process.returncode} {err.decode()[-300:]}")

    threads = [threading.Thread(target=run) for _n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return problems


def gate_worker(folder: str, todo, done, ready) -> None:
    """One mail-gate worker process: Django set up once, then the command's handler for each
    message it is given, stdin being the message's file (as an MTA pipe would give it)."""
    import io

    import django

    django.setup()
    from django.core.management import call_command

    from karcis.messaging.management.commands.mailgate import Command  # noqa: F401 (warm)

    ready.put(os.getpid())
    while True:
        item = todo.get()
        if item is None:
            done.put(None)
            return
        index, recipient = item
        with open(Path(folder) / f"{index:05d}.eml", "rb") as stdin:
            err = io.StringIO()
            try:
                call_command("mailgate", recipient=recipient, stdin=stdin, stderr=err)
                code = 0
            except SystemExit as exit_:
                code = exit_.code
        done.put((index, code, err.getvalue()))


def gate_in_process(
    mails: list[Mail], folder: str, *, workers: int
) -> tuple[float, list[str], list[str], str]:
    """The messages through `workers` long-lived processes; (seconds, problems, outputs,
    CPU note)."""
    meter = Meter()
    context = multiprocessing.get_context("spawn")
    todo, done, ready = context.Queue(), context.Queue(), context.Queue()
    processes = [
        context.Process(target=gate_worker, args=(folder, todo, done, ready), daemon=True)
        for _n in range(workers)
    ]
    for process in processes:
        process.start()
    for _process in processes:
        meter.pids.add(ready.get(timeout=120))
    meter.start()
    started = time.perf_counter()
    for mail in mails:
        todo.put((mail.index, mail.recipient))
    for _process in processes:
        todo.put(None)
    problems, outputs, finished = [], [], 0
    while finished < workers:
        item = done.get(timeout=600)
        if item is None:
            finished += 1
            continue
        index, code, err = item
        outputs.append(err)
        if code != 0:
            problems.append(f"#{index}: exit {code} {err[-300:]}")
    elapsed = time.perf_counter() - started
    note = meter.stop(len(mails), "mail-gate workers")  # before they are reaped
    for process in processes:
        process.join(timeout=30)
    return elapsed, problems, outputs, note


# --- LMTP ------------------------------------------------------------------------------------------


class MailServer:
    """`karcis mailserver`, started for one run and stopped after it."""

    def __init__(
        self, env: dict, *, port: int, workers: int, processes: bool, lmtp: bool, listeners: int = 1
    ):
        self.options = ["--port", str(port), "--workers", str(workers)]
        if lmtp:
            self.options.insert(0, "--lmtp")
        if processes:
            self.options.append("--processes")
        if listeners > 1:
            self.options += ["--listeners", str(listeners)]
        # As the report shows them: without the bench's port.
        self.shown = " ".join(o for o in self.options if o not in ("--port", str(port)))
        self.command = [KARCIS, "mailserver", *self.options]
        self.port = port
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed in stop())
            prefix="karcis-bench-mailserver-", suffix=".log", delete=False
        )
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=self.log, text=True
        )
        line = self.process.stdout.readline()
        if "Karcis mail server:" not in line:
            self.stop()
            raise SystemExit(f"The mail server did not start: {line!r}; see {self.log.name}")

    def metered(self) -> "Meter":
        """A meter of the CPU of the server's processes, started now."""
        meter = Meter()
        meter.pids.add(self.process.pid)
        meter.start()
        return meter

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        text = Path(self.log.name).read_text(errors="replace")
        if "Traceback" in text or "ERROR" in text:
            print(f"==> the mail server logged errors: {self.log.name}", flush=True)
        else:
            os.unlink(self.log.name)


def mail_send(
    mails: list[Mail], *, port: int, clients: int, lmtp: bool = True
) -> tuple[list[str], int]:
    """Deliver over `clients` concurrent LMTP (or SMTP) connections, in order, one message
    per transaction, retrying 4xx answers as an MTA would; (problems, retries)."""
    todo: queue.Queue = queue.Queue()
    for mail in mails:
        todo.put(mail)
    problems: list[str] = []
    retries = Counter()

    def client_loop() -> None:
        client = (smtplib.LMTP if lmtp else smtplib.SMTP)("127.0.0.1", port, timeout=120)
        client.ehlo_or_helo_if_needed()
        try:
            while True:
                try:
                    mail = todo.get_nowait()
                except queue.Empty:
                    return
                for attempt in range(6):
                    client.mail(mail.sender)
                    code, reply = client.rcpt(mail.recipient)
                    if code == 250:
                        code, reply = client.data(mail.wire)
                    else:
                        client.rset()
                    if code == 250 or code >= 500:
                        break
                    retries["4xx"] += 1
                    time.sleep(0.2 * (attempt + 1))
                if code != 250:
                    problems.append(f"#{mail.index}: {code} {reply!r}")
        finally:
            client.quit()

    threads = [threading.Thread(target=client_loop) for _n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return problems, retries["4xx"]


# --- the runs ---------------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    detail: str
    messages: int
    seconds: float
    ok: bool
    check: str
    note: str = ""
    target: bool = True
    extra: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


def run_gate(args, mails: list[Mail], folder: str, env: dict) -> list[Result]:
    fresh_data()
    results = []
    spawned, rest = mails[: args.spawn], mails[args.spawn :]

    print(f"  mail-gate, a process per message ({len(spawned)} messages)…", end="", flush=True)
    meter = Meter(children=True)
    meter.start()
    started = time.perf_counter()
    problems = gate_spawned(spawned, env, concurrency=args.gate_workers)
    seconds = time.perf_counter() - started
    note = meter.stop(len(spawned), "mail-gate processes")
    ok, check = check_stored(spawned, wire=False)
    ok = ok and not problems
    results.append(
        Result(
            "Mail-gate, process per message",
            f"`karcis mailgate --recipient …` spawned per message, {args.gate_workers} at a time",
            len(spawned),
            seconds,
            ok,
            check + ("; " + "; ".join(problems[:5]) if problems else ""),
            note,
            target=False,
        )
    )
    print(f" {results[-1].rate:.1f} messages/s", flush=True)

    print(
        f"  mail-gate in-process ({len(rest):,} messages, {args.gate_workers} workers)…",
        end="",
        flush=True,
    )
    seconds, problems, _outputs, note = gate_in_process(rest, folder, workers=args.gate_workers)
    ok, check = check_stored(mails, wire=False)
    ok = ok and not problems
    results.append(
        Result(
            "Mail-gate, in-process",
            f"the command's handler in {args.gate_workers} worker processes, stdin a file per "
            "message",
            len(rest),
            seconds,
            ok,
            check + ("; " + "; ".join(problems[:5]) if problems else ""),
            note,
        )
    )
    print(f" {results[-1].rate:.0f} messages/s", flush=True)

    sample = random.Random(args.seed + 1).sample(mails, min(args.resend, len(mails)))
    before = counts()
    _seconds, problems, outputs, _note = gate_in_process(sample, folder, workers=args.gate_workers)
    after = counts()
    not_dup = [o for o in outputs if "already stored" not in o]
    resend_ok = before == after and not problems and not not_dup
    results[-1].extra.append(
        f"Re-sent {len(sample)} messages: "
        + (
            "OK, every one answered 'already stored', nothing added "
            f"(e-mails, tickets, desk messages: {after[0]:,}, {after[1]:,}, {after[2]:,})"
            if resend_ok
            else f"FAILED: before {before}, after {after}, {problems[:3]} {not_dup[:3]}"
        )
    )
    results[-1].ok = results[-1].ok and resend_ok
    return results


def run_server(args, mails: list[Mail], env: dict, *, lmtp: bool, processes: bool) -> list[Result]:
    """The mail server processing what it stores: messages/s from the first message sent
    to the last one processed."""
    protocol = "LMTP" if lmtp else "SMTP"
    server = server_started(
        args, env, protocol, len(mails), workers=args.lmtp_workers, processes=processes, lmtp=lmtp
    )
    options = server.shown
    try:
        meter = server.metered()
        started = time.perf_counter()
        problems, retries = mail_send(mails, port=args.port, clients=args.lmtp_clients, lmtp=lmtp)
        accepted = time.perf_counter() - started
        seconds = wait_processed(len(mails)) - started
        note = meter.stop(len(mails), "mail server")
        ok, check = check_stored(mails, wire=True)
        result = Result(
            f"{protocol} server, processing " + ("processes" if processes else "threads"),
            f"`karcis mailserver {options}`, {args.lmtp_clients} concurrent {protocol} connections",
            len(mails),
            seconds,
            ok and not problems,
            check + ("; " + "; ".join(problems[:5]) if problems else ""),
            f"All {len(mails):,} answered 250 after {accepted:.1f} s "
            f"({len(mails) / accepted:.0f} messages/s accepted), {retries} 4xx answers retried; "
            + note,
        )
        print(f" {result.rate:.0f} messages/s", flush=True)
        resend_check(args, mails, result, lmtp=lmtp)
    finally:
        server.stop()
    return [result]


def server_started(
    args,
    env: dict,
    label: str,
    count: int,
    *,
    workers: int,
    processes: bool,
    lmtp: bool,
    listeners: int = 1,
) -> MailServer:
    """A fresh database, and the mail server started on it."""
    fresh_data()
    server = MailServer(
        env, port=args.port, workers=workers, processes=processes, lmtp=lmtp, listeners=listeners
    )
    print(
        f"  {label} ({count:,} messages, {args.lmtp_clients} client connections, "
        f"`karcis mailserver {server.shown}`)…",
        end="",
        flush=True,
    )
    return server


def resend_check(args, mails: list[Mail], result: "Result", *, lmtp: bool) -> None:
    """Send a sample again: every one answered 250, nothing added."""
    sample = random.Random(args.seed + 2).sample(mails, min(args.resend, len(mails)))
    before = counts()
    problems, _retries = mail_send(sample, port=args.port, clients=args.lmtp_clients, lmtp=lmtp)
    time.sleep(1)
    wait_processed(len(mails))
    after = counts()
    resend_ok = before == after and not problems
    result.extra.append(
        f"Re-sent {len(sample)} messages: "
        + (
            "OK, every one answered 250, nothing added (e-mails, tickets, desk messages: "
            f"{after[0]:,}, {after[1]:,}, {after[2]:,})"
            if resend_ok
            else f"FAILED: before {before}, after {after}, {problems[:3]}"
        )
    )
    result.ok = result.ok and resend_ok


def run_store_only(args, mails: list[Mail], env: dict) -> list[Result]:
    """The raw store alone: `karcis mailserver --lmtp --workers 0 --listeners 2` stores each
    message and answers 250 once its bytes are committed, with no processing competing for
    the CPUs; two listener processes on one port, as the floor has two. The rate is from
    the first message sent to the last 250. Then the stored backlog is processed here,
    batch after batch (inbound_waiting_process, as a server's worker does), so the usual
    checks hold on this path too."""
    from karcis.messaging import services

    server = server_started(
        args,
        env,
        "store only",
        len(mails),
        workers=0,
        processes=False,
        lmtp=True,
        listeners=args.store_listeners,
    )
    options = server.shown
    try:
        meter = server.metered()
        started = time.perf_counter()
        problems, retries = mail_send(mails, port=args.port, clients=args.lmtp_clients)
        seconds = time.perf_counter() - started
        note = meter.stop(len(mails), "mail server")
        stored = counts()[0]
        print(f" {len(mails) / seconds:.0f} messages/s", flush=True)
        print("    processing the stored backlog in this process…", end="", flush=True)
        cpu, drain_started = time.process_time(), time.perf_counter()
        while services.inbound_waiting_process():
            pass
        drain_seconds = time.perf_counter() - drain_started
        drain_cpu = time.process_time() - cpu
        print(f" {len(mails) / drain_seconds:.0f} messages/s", flush=True)
        ok, check = check_stored(mails, wire=True)
        result = Result(
            "LMTP server, storing only",
            f"`karcis mailserver {options}`"
            + (
                f" ({args.store_listeners} listener processes on one port, as the floor's 2)"
                if args.store_listeners > 1
                else ""
            )
            + f", {args.lmtp_clients} concurrent LMTP connections; "
            "250 after the bytes are committed",
            len(mails),
            seconds,
            ok and not problems and stored == len(mails),
            check + ("; " + "; ".join(problems[:5]) if problems else ""),
            f"{stored:,} rows stored when the last 250 came, {retries} 4xx answers retried; {note}",
            target=False,
        )
        result.extra.append(
            f"The backlog processed afterwards in one process, batch after batch: "
            f"{len(mails) / drain_seconds:.0f} messages/s, {drain_cpu * 1000 / len(mails):.1f} "
            "ms of CPU per message in that process (the auto-replies sent in it too)"
        )
        resend_check(args, mails, result, lmtp=True)
    finally:
        server.stop()
    return [result]


# --- the floor: Python's parser and one INSERT, over the same LMTP client ---------------------

FLOOR_TABLE = "bench_mail_floor"


def floor_server(url: str, port: int, ready) -> None:
    """One process of the floor: an aiosmtpd LMTP server whose DATA parses the message with
    Python's `email` package (the Message-ID read, so the headers are parsed) and INSERTs
    the raw bytes, committed, before answering 250. No mailbox lookup, no deduplication."""
    import asyncio
    import email
    import email.policy

    from aiosmtpd.lmtp import LMTP

    conn = desk_bench._connect(url)
    conn.autocommit = True

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            raw = envelope.original_content
            message = email.message_from_bytes(raw, policy=email.policy.default)
            conn.execute(
                f"INSERT INTO {FLOOR_TABLE} (message_id, raw) VALUES (%s, %s)",
                (str(message.get("Message-ID", "")), raw),
            )
            return "250 2.0.0 OK: stored"

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        await loop.create_server(
            lambda: LMTP(Handler(), loop=loop), host="127.0.0.1", port=port, reuse_port=True
        )
        ready.put(os.getpid())
        await asyncio.Event().wait()

    asyncio.run(serve())


def run_floor(args, mails: list[Mail]) -> list[Result]:
    """The floor measured as the store path is: the same client and connections, a server of
    2 processes sharing the port (SO_REUSEPORT), each parsing and INSERTing."""
    with desk_bench._connect(args.database_url) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")
        conn.execute(
            f"CREATE TABLE {FLOOR_TABLE} (id bigserial PRIMARY KEY, message_id text, raw bytea)"
        )
    context = multiprocessing.get_context("spawn")
    ready = context.Queue()
    processes = [
        context.Process(
            target=floor_server, args=(args.database_url, args.port, ready), daemon=True
        )
        for _n in range(2)
    ]
    for process in processes:
        process.start()
    meter = Meter()
    for _process in processes:
        meter.pids.add(ready.get(timeout=60))
    try:
        print(f"  floor ({len(mails):,} messages, 2 server processes)…", end="", flush=True)
        meter.start()
        started = time.perf_counter()
        problems, retries = mail_send(mails, port=args.port, clients=args.lmtp_clients)
        seconds = time.perf_counter() - started
        note = meter.stop(len(mails), "floor server")
        print(f" {len(mails) / seconds:.0f} messages/s", flush=True)
    finally:
        for process in processes:
            process.terminate()
            process.join(timeout=10)
    with desk_bench._connect(args.database_url) as conn:
        rows = conn.execute(f"SELECT raw FROM {FLOOR_TABLE}").fetchall()
    stored = Counter(bytes(row[0]) for row in rows)
    lost = sum(1 for mail in mails if not stored[mail.wire])
    ok = not problems and len(rows) == len(mails) and not lost
    return [
        Result(
            "Floor: Python's email parser + one INSERT",
            f"2 aiosmtpd LMTP processes on one port, {args.lmtp_clients} concurrent LMTP "
            "connections; 250 after the INSERT commits",
            len(mails),
            seconds,
            ok,
            f"{'OK' if ok else 'FAILED'}: {len(rows):,} rows for {len(mails):,} sent, "
            f"{lost} not found byte for byte"
            + ("; " + "; ".join(problems[:5]) if problems else ""),
            f"{retries} 4xx answers retried; {note}",
            target=False,
        )
    ]


def run_in_process(args, mails: list[Mail]) -> list[Result]:
    """Store every message, then process them one after another in this process: the CPU
    and the statements of processing alone, without a server, a client or a second process
    competing (`time.process_time`, stable on a busy machine), with cProfile on request."""
    import cProfile

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_scopes import scope, scopes_disabled

    from karcis.messaging import services
    from karcis.messaging.models import Mailbox

    fresh_data()
    with scopes_disabled():
        mailbox_of = {m.address: m for m in Mailbox.objects.select_related("organisation")}
    print(f"  in-process ({len(mails):,} messages, one process)…", flush=True)
    meter = Meter()  # this process is "the bench process"
    meter.start()
    cpu, started = time.process_time(), time.perf_counter()
    stored = []
    for mail in mails:
        mailbox = mailbox_of[mail.recipient]
        with scope(organisation=mailbox.organisation_id):
            inbound, _created = services.inbound_store(
                mailbox=mailbox, raw=mail.raw, source="mailgate", recipients=[mail.recipient]
            )
        stored.append((inbound.pk, mailbox.organisation_id, mail.expect))
    store_cpu, store_seconds = time.process_time() - cpu, time.perf_counter() - started
    store_note = meter.stop(len(mails), "-")

    statements: dict[str, list[int]] = {}
    # CPU time, not wall time: on a shared machine the wall clock measures the neighbours.
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    meter.start()
    cpu, started = time.process_time(), time.perf_counter()
    for inbound_id, organisation_id, expect in stored:
        connection.queries_log.clear()  # a bounded deque: a full one counts nothing
        with CaptureQueriesContext(connection) as queries, scope(organisation=organisation_id):
            if profiler is not None:
                profiler.enable()
            services.inbound_process(inbound_id=inbound_id)
            if profiler is not None:
                profiler.disable()
        statements.setdefault(expect, []).append(len(queries.captured_queries))
    process_cpu, process_seconds = time.process_time() - cpu, time.perf_counter() - started
    process_note = meter.stop(len(mails), "-")
    if profiler is not None:
        profiler.dump_stats(args.profile)
        print(f"    profile written to {args.profile}", flush=True)
    ok, check = check_stored(mails, wire=False)
    per_kind = ", ".join(
        f"{kind} {sum(counts) / len(counts):.1f}" for kind, counts in sorted(statements.items())
    )
    result = Result(
        "In-process, processing alone",
        "`inbound_process` for each stored message, one after another in one process",
        len(mails),
        process_seconds,
        ok,
        check,
        f"CPU per message (time.process_time): {process_cpu * 1000 / len(mails):.2f} ms "
        f"processing, {store_cpu * 1000 / len(mails):.2f} ms storing "
        f"({len(mails) / store_seconds:.0f} stored/s); statements per message by outcome: "
        f"{per_kind}; processing: {process_note}",
        target=False,
    )
    result.extra.append(f"Storing: {store_note}")
    print(f"    {result.note}", flush=True)
    return [result]


# --- report ---------------------------------------------------------------------------------------


def corpus_summary(mails: list[Mail]) -> str:
    kinds = Counter(m.kind for m in mails)
    size = sum(len(m.raw) for m in mails)
    names = {
        "new": "plain-text requests",
        "html": "HTML + text",
        "latin1": "ISO-8859-1/Windows-1252",
        "attachment": "with a PNG or PDF attachment",
        "no_id": "without Message-ID",
        "bulk": "bulk/newsletter",
        "reply": "replies (In-Reply-To an earlier message)",
        "out_of_office": "auto-replies to an earlier message",
        "no_sender": "without From (rejected)",
        "loop": "from our own address (rejected)",
        "dsn": "bounces about mail we never sent (rejected)",
    }
    parts = ", ".join(f"{kinds[k]:,} {names[k]}" for k in names if kinds[k])
    return f"{len(mails):,} messages, {size / len(mails) / 1024:.1f} KiB on average: {parts}"


def table(results: list[Result]) -> str:
    lines = [
        "| path | how | messages | seconds | messages/s | target | checks |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for r in results:
        target = f"≥ {TARGET_RATE:.0f}/s: {'met' if r.rate >= TARGET_RATE else 'NOT met'}"
        lines.append(
            f"| {r.name} | {r.detail} | {r.messages:,} | {r.seconds:.1f} | {r.rate:.1f} | "
            f"{target if r.target else '(not a target)'} | {'OK' if r.ok else 'FAILED'} |"
        )
    return "\n".join(lines)


def report(args, mails, results, info, command) -> str:
    m = desk_bench.machine()
    notes = []
    for r in results:
        notes.append(f"- {r.name}: {r.check}. {r.note}.")
        notes += [f"  {line}" for line in r.extra]
    return "\n".join(
        [
            DOCS_START,
            "## Mail intake (`bench/mail.py`)",
            "",
            f"Measured {datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')} on "
            f"{m['cpus']} CPUs ({m['cpu']}), {m['ram']} RAM; PostgreSQL {m['postgres']}; "
            f"Python {m['python']}, Django {m['django']}. Load average before the run "
            f"{info['load_before']}, after {info['load_after']}.",
            "",
            f"Corpus (seed {args.seed}): {corpus_summary(mails)}. Three mailboxes of two "
            "organisations. Each path starts from an empty, freshly migrated database; a "
            "message counts when it is processed (ticket, reply or rejection committed), and "
            "auto-replies are rendered, stored and handed to a mail backend that drops them.",
            "",
            table(results),
            "",
            *notes,
            "",
            *desk_bench.reproduce(command),
            DOCS_END,
        ]
    )


# --- command line ---------------------------------------------------------------------------------


def parse_args(argv: list[str]):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_MAIL_DATABASE_URL", DEFAULT_DATABASE_URL),
    )
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--only", choices=["gate", "lmtp", "smtp", "store", "floor", "inprocess"])
    parser.add_argument("--profile", help="with --only inprocess: write a cProfile here")
    parser.add_argument(
        "--spawn", type=int, default=300, help="messages sent through a process per message"
    )
    parser.add_argument("--gate-workers", type=int, default=2)
    parser.add_argument("--lmtp-clients", type=int, default=4)
    parser.add_argument("--lmtp-workers", type=int, default=2)
    parser.add_argument(
        "--store-listeners",
        type=int,
        default=2,
        help="`karcis mailserver --listeners` of the storing-only path (the floor has 2)",
    )
    parser.add_argument("--port", type=int, default=2524)
    parser.add_argument("--resend", type=int, default=500, help="messages re-sent at the end")
    parser.add_argument(
        "--write-docs", action="store_true", help=f"update {DOCS.relative_to(ROOT)}"
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    if args.write_docs and args.only:
        raise SystemExit("--write-docs publishes a whole run; leave out --only.")
    print(f"==> making {args.messages:,} messages (seed {args.seed})", flush=True)
    mails = CorpusMaker(args.seed).make(args.messages)
    print(f"    {corpus_summary(mails)}", flush=True)
    print(f"==> creating database {desk_bench._admin_url(args.database_url)[1]}", flush=True)
    recreate_database(args.database_url)
    setup_django(args.database_url)
    env = bench_env(args.database_url)
    info = {"load_before": desk_bench.load_average()}
    results: list[Result] = []
    from django_scopes import scopes_disabled

    with tempfile.TemporaryDirectory(prefix="karcis-bench-mail-") as folder, scopes_disabled():
        for mail in mails:
            (Path(folder) / f"{mail.index:05d}.eml").write_bytes(mail.raw)
        if args.only in (None, "gate"):
            print("==> mail-gate", flush=True)
            results += run_gate(args, mails, folder, env)
        if args.only == "inprocess":
            print("==> in-process", flush=True)
            results += run_in_process(args, mails)
        if args.only in (None, "lmtp"):
            print("==> LMTP server", flush=True)
            for processes in (False, True):
                results += run_server(args, mails, env, lmtp=True, processes=processes)
        if args.only in (None, "smtp"):
            print("==> SMTP server", flush=True)
            results += run_server(args, mails, env, lmtp=False, processes=True)
        if args.only in (None, "store"):
            print("==> the raw store alone", flush=True)
            results += run_store_only(args, mails, env)
        if args.only in (None, "floor"):
            print("==> the floor", flush=True)
            results += run_floor(args, mails)
        info["load_after"] = desk_bench.load_average()
        command = (".venv/bin/python bench/mail.py " + shlex.join(argv)).rstrip()
        section = report(args, mails, results, info, command)
    print("\n" + table(results) + "\n")
    for r in results:
        print(f"- {r.name}: {r.check}\n  {r.note}")
        for line in r.extra:
            print(f"  {line}")
    print(f"\nReproduce: {command}")
    if args.write_docs:
        desk_bench.write_docs(section, start=DOCS_START, end=DOCS_END)
        print(f"Wrote {DOCS.relative_to(ROOT)}")
    if not all(r.ok for r in results):
        raise SystemExit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
