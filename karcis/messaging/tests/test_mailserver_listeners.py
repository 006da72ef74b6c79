"""`karcis mailserver --listeners N` (mailserver.ListenerProcesses): listener processes
that speak LMTP and store, and the main process that accepts, hands the connections round
and processes what they stored. Spawned processes share the test database only on
PostgreSQL (SQLite's is in memory)."""

import multiprocessing
import os
import signal
import smtplib
import threading
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from conftest import email_bytes as lf_email_bytes
from karcis.messaging.mailserver import ListenerProcesses
from karcis.messaging.models import InboundEmail

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="listener processes cannot share an in-memory database",
    ),
]

MAILBOX = "bantuan@nusantara.test"


def email_bytes(**fields) -> bytes:
    return lf_email_bytes(**fields).replace(b"\n", b"\r\n")


@pytest.fixture
def listeners():
    """listeners(count=2, workers=0) starts a group on a free port; stopped afterwards
    unless the test stopped it."""
    groups = []

    def start(**options) -> ListenerProcesses:
        group = ListenerProcesses(lmtp=True, **options)
        group.start()
        groups.append(group)
        return group

    yield start
    for group in groups:
        if group.running:
            group.stop()


def send(client: smtplib.LMTP, raw: bytes) -> int:
    client.ehlo_or_helo_if_needed()
    client.mail("siti@example.com")
    client.rcpt(MAILBOX)
    return client.data(raw)[0]


def listener_processes() -> list[multiprocessing.process.BaseProcess]:
    return [p for p in multiprocessing.active_children() if p.name.startswith("karcis-mail-")]


def established_connections(pid: int, port: int) -> int:
    """How many connections to `port` the process holds (Linux: its socket descriptors
    matched with the kernel's table of TCP connections)."""
    ours = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd)
        if target.startswith("socket:["):
            ours.add(target[8:-1])
    count = 0
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01" and fields[9] in ours:
                count += 1
    return count


def until(condition, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_two_listeners_store_and_the_main_process_processes(mailbox, listeners):
    group = listeners(count=2, workers=1)
    clients = [smtplib.LMTP(group.host, group.port, timeout=30) for _n in range(4)]
    codes = [
        send(client, email_bytes(message_id=f"<l{n}.{c}@x.test>"))
        for n in range(3)
        for c, client in enumerate(clients)
    ]

    # the four connections were handed round: two to each listener
    pids = [p.pid for p in listener_processes()]
    assert len(pids) == 2
    assert sorted(established_connections(pid, group.port) for pid in pids) == [2, 2]
    for client in clients:
        client.quit()

    assert codes == [250] * 12
    # each stored message was told to this process, whose worker processed it
    assert until(lambda: InboundEmail.objects.filter(state="processed").count() == 12)
    assert set(InboundEmail.objects.values_list("action", flat=True)) == {"ticket_created"}


def test_stopping_loses_nothing_that_was_acknowledged(mailbox, listeners):
    group = listeners(count=2, workers=0)
    acknowledged: list[bytes] = []
    failures: list[BaseException] = []

    def deliver(client_number: int) -> None:
        # As an MTA: message after message until the server goes away.
        try:
            client = smtplib.LMTP(group.host, group.port, timeout=30)
            for n in range(10_000):
                raw = email_bytes(message_id=f"<stop{client_number}.{n}@x.test>")
                if send(client, raw) != 250:
                    return
                acknowledged.append(raw)
        except (smtplib.SMTPException, OSError):
            return  # the connection closed: the MTA keeps what was not acknowledged
        except BaseException as error:  # noqa: BLE001 (reported below)
            failures.append(error)

    clients = [threading.Thread(target=deliver, args=(n,)) for n in range(3)]
    for client in clients:
        client.start()
    assert until(lambda: len(acknowledged) >= 30)
    group.stop()
    for client in clients:
        client.join(timeout=30)

    assert not failures
    stored = {bytes(raw) for raw in InboundEmail.objects.values_list("raw", flat=True)}
    assert set(acknowledged) <= stored
    assert not listener_processes()  # every listener exited
    with pytest.raises(OSError):
        smtplib.LMTP(group.host, group.port, timeout=5)


def test_a_listener_that_dies_is_reported(mailbox, listeners):
    lost = threading.Event()
    group = listeners(count=2, workers=0, on_lost=lost.set)
    os.kill(listener_processes()[0].pid, signal.SIGKILL)
    assert lost.wait(30)
    # the other one still stores
    with smtplib.LMTP(group.host, group.port, timeout=30) as client:
        assert send(client, email_bytes(message_id="<after@x.test>")) == 250

    # with every listener gone, stopping still returns
    os.kill(listener_processes()[0].pid, signal.SIGKILL)
    stopping = threading.Thread(target=group.stop)
    stopping.start()
    stopping.join(timeout=30)
    assert not stopping.is_alive()


def test_the_command_wants_one_listener_at_least():
    with pytest.raises(CommandError, match="--listeners"):
        call_command("mailserver", listeners=0)
