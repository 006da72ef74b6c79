"""The SMTP/LMTP receiving server: the MTA (Postfix, Exim…) delivers our mailboxes' mail here.

An accepted message is never lost: its bytes are committed to the database before we answer
250, and when they cannot be (the database is down) we answer 451, so the sending MTA keeps
the message and tries again later. A message delivered twice is stored once
(`inbound_store` is idempotent).

Processing (parsing, threading, the ticket) happens after the answer, in a bounded pool of
threads — or of processes (`processes=True`): processing is Python-bound, and the threads
of one process share one CPU — so a slow ticket never holds up the MTA. Each worker takes
the waiting rows a batch at a time (`services.inbound_waiting_process`, each message in its
own transaction, rows another worker holds skipped) until none is left. A row left waiting because the process
died is processed by the periodic sweep (`services.inbound_pending_process`).

Storing is one process's work by default: its event loop speaks SMTP for every session and
one CPU is all it uses. `listeners=N` (`karcis mailserver --listeners N`) runs N listener
processes that speak SMTP and store, each on the connections this process accepts and
hands it in turn (`ListenerProcesses`); this process keeps the port, the processing
workers (told of each stored message through a pipe) and the signals. On SIGTERM or
SIGINT it accepts no more, each listener finishes what it is storing and exits, then the
workers finish their batch (decision 0017).

The server neither relays nor authenticates: it must listen on 127.0.0.1 (or a private
address only the MTA can reach). Anyone who can connect to it can open tickets.

Postfix hands a domain's mail to it with a transport map entry such as
`dinas.go.id lmtp:inet:127.0.0.1:2525` (for `karcis mailserver --lmtp`); unknown
recipients are refused at RCPT (550 5.1.1), messages over KARCIS_MAIL_MAX_BYTES with 552.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any, cast

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django_scopes import scope

# Processing processes import this module before Django is set up (to find their start-up
# function), so the models are imported where they are used.
if TYPE_CHECKING:
    from karcis.messaging.models import Mailbox

logger = logging.getLogger(__name__)

# One message to more of our addresses than this is a list explosion, not a request.
MAX_RECIPIENTS = 100
# Threads that look up recipients and store messages; they only wait for the database.
INTAKE_THREADS = 4

REPLY_STORED = "250 2.0.0 OK: stored"
REPLY_RECIPIENT_OK = "250 2.1.5 OK"
REPLY_NO_MAILBOX = "550 5.1.1 No such mailbox here"
REPLY_TRY_LATER = "451 4.3.0 Try again later"
REPLY_TOO_MANY_RECIPIENTS = "452 4.5.3 Too many recipients"


def _with_connection(function: Callable, *args):
    """Run a database job in a pool thread.

    Pool threads live long and Django only tidies connections around web requests, so each
    job drops a broken or expired connection before it starts and after it ends (with
    PostgreSQL's pool, "closing" hands the connection back to the pool).
    """
    close_old_connections()
    try:
        return function(*args)
    finally:
        close_old_connections()


def _process_waiting_job() -> bool:
    return _with_connection(_process_waiting)


def _worker_process_start(settings_module: str, database_name: str) -> None:
    """A processing process: Django set up on the parent's settings and database."""
    # The parent decides when to stop: Ctrl+C or SIGTERM must not break a ticket in half.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _django_start(settings_module, database_name)


def _django_start(settings_module: str, database_name: str) -> None:
    """Django in a spawned process, on the parent's settings and database."""
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django

    django.setup()
    connections["default"].settings_dict["NAME"] = database_name


def _django_of_this_process() -> tuple[str, str]:
    """What a spawned process needs to set Django up as this one is (_django_start)."""
    return (
        # The environment's module: settings overridden at run time (tests) report none.
        os.environ.get("DJANGO_SETTINGS_MODULE") or settings.SETTINGS_MODULE,
        connections["default"].settings_dict["NAME"],
    )


def _process_waiting() -> bool:
    """Process one batch of waiting rows; whether more may be waiting (the batch was full)."""
    from karcis.messaging import services

    try:
        return services.inbound_waiting_process() == services.PROCESS_BATCH
    except Exception:  # the database went away: the rows stay waiting for the sweep
        logger.exception("Processing incoming e-mail failed; the sweep will retry")
        return False


class MailIntake:
    """The aiosmtpd handler for SMTP and LMTP sessions.

    RCPT accepts only addresses of an active mailbox (reply addresses included); DATA
    stores the message once per mailbox, then hands the stored rows to the processing pool.
    """

    def __init__(
        self,
        *,
        lmtp: bool = False,
        workers: int = 2,
        processes: bool = False,
        on_stored: Callable[[], None] | None = None,
    ):
        """`workers`: threads (or processes) that process what is stored; 0 stores only,
        leaving the processing to the periodic sweep or to another server. `on_stored`:
        called (from a pool thread) for each stored message that waits to be processed,
        in place of this handler's own workers (a listener process tells its parent)."""
        self.lmtp = lmtp
        self.on_stored = on_stored
        self.source = "lmtp" if lmtp else "smtp"
        self.workers, self.processes = workers, processes
        self._intake = ThreadPoolExecutor(INTAKE_THREADS, thread_name_prefix="karcis-intake")
        self._processing = self._processing_pool()
        # Workers draining the waiting rows, at most one per worker; messages stored so far
        # (a worker that started before the latest ones were stored is followed by another).
        self._draining = 0
        self._stored = 0
        self._closing = False
        self._idle = threading.Condition()

    def _processing_pool(self) -> Executor | None:
        if not self.workers:
            return None
        if not self.processes:
            return ThreadPoolExecutor(self.workers, thread_name_prefix="karcis-process")
        # Spawned, not forked: this process has threads (and database connections).
        return ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_worker_process_start,
            initargs=_django_of_this_process(),
        )

    # --- the SMTP conversation (runs on the event loop) -----------------------------------

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options
    ) -> str:
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return REPLY_TOO_MANY_RECIPIENTS
        from karcis.messaging.selectors import (
            mailbox_for_recipient,
            mailbox_for_recipient_cached,
        )

        loop = asyncio.get_running_loop()
        try:
            # A known address from the cache, here on the event loop (no thread to hand it
            # to and back); the database, in a pool thread.
            mailbox = mailbox_for_recipient_cached(address) or await loop.run_in_executor(
                self._intake, _with_connection, mailbox_for_recipient, address
            )
        except Exception:
            logger.exception("Looking up the mailbox of %s failed", address)
            return REPLY_TRY_LATER
        if mailbox is None:
            return REPLY_NO_MAILBOX
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        _mailboxes(envelope)[address] = mailbox
        return REPLY_RECIPIENT_OK

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = cast(bytes, envelope.original_content)  # aiosmtpd sets it before this hook
        groups = _recipients_by_mailbox(envelope)
        if not self.lmtp:
            # One answer for the whole message: stored for every mailbox, or for none.
            return await self._store_in_pool(groups, raw)
        # LMTP answers once per recipient, in the order of the RCPT commands.
        status: dict[str, str] = {}
        for mailbox, recipients in groups:
            reply = await self._store_in_pool([(mailbox, recipients)], raw)
            status.update(dict.fromkeys(recipients, reply))
        return "\r\n".join(status[address] for address in envelope.rcpt_tos)

    async def _store_in_pool(self, groups: list[tuple[Mailbox, list[str]]], raw: bytes) -> str:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._intake, self._store, groups, raw)
        except RuntimeError:  # shutting down: the pool takes no more, the MTA tries again
            return REPLY_TRY_LATER

    # --- storing and processing (pool threads) -------------------------------------------

    def _store(self, groups: list[tuple[Mailbox, list[str]]], raw: bytes) -> str:
        try:
            waiting = _with_connection(self._store_all, groups, raw)
        except Exception:  # the database, or a bug: either way the sender must keep it
            logger.exception("Storing an incoming e-mail failed; answered 451")
            return REPLY_TRY_LATER
        # Here rather than on the event loop: if the client hangs up before our answer, the
        # stored message is still processed now, not by the sweep later.
        if waiting:
            (self.on_stored or self.process_later)()
        return REPLY_STORED

    def _store_all(self, groups: list[tuple[Mailbox, list[str]]], raw: bytes) -> list[int]:
        from karcis.messaging import services

        stored = []
        # For two mailboxes or more, one transaction: stored for every one, or for none. For
        # one (nearly all mail), inbound_store's own transaction is the whole of it.
        with transaction.atomic() if len(groups) > 1 else contextlib.nullcontext():
            for mailbox, recipients in groups:
                with scope(organisation=mailbox.organisation_id):
                    inbound, _created = services.inbound_store(
                        mailbox=mailbox, raw=raw, source=self.source, recipients=recipients
                    )
                stored.append(inbound)
        # A redelivery of a message processed long ago needs nothing more.
        return [i.pk for i in stored if i.state == "pending"]

    def process_later(self) -> None:
        """Messages were stored (here, or by a listener process): make sure a worker will
        claim them."""
        if not self.workers:
            return
        with self._idle:
            self._stored += 1
            if self._draining < self.workers:
                self._drain_start()

    def _drain_start(self) -> None:
        """Hand the pool one more drain of the waiting rows (call holding self._idle)."""
        if self._closing:  # the sweep processes what is left waiting
            return
        stored_before = self._stored
        try:
            future = self._submit()
        except RuntimeError:  # the pool is shutting down
            return
        self._draining += 1
        future.add_done_callback(lambda done: self._drained(done, stored_before))

    def _drained(self, future: Future, stored_before: int) -> None:
        more = not future.cancelled() and future.exception() is None and future.result()
        with self._idle:
            self._draining -= 1
            # A full batch leaves more waiting; and messages stored after this batch began
            # may have been committed after its claim looked: another batch takes them.
            if more or self._stored != stored_before:
                self._drain_start()
            if not self._draining:
                self._idle.notify_all()

    def _submit(self) -> Future:
        pool = self._processing
        assert pool is not None  # only with workers
        try:
            return pool.submit(_process_waiting_job)
        except BrokenProcessPool:
            # A worker process died (killed, out of memory): start a new pool, once.
            logger.error("A mail processing process died; starting new ones")
            if self._processing is pool:
                self._processing = pool = self._processing_pool()
            return pool.submit(_process_waiting_job)  # type: ignore[union-attr]

    def wait_processed(self, timeout: float | None = None) -> bool:
        """Block until every stored message handed to the pool is processed (True), or
        the timeout passes (False)."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._draining, timeout)

    def shutdown(self) -> None:
        """Finish the messages being stored and the batch being processed; leave the rest
        waiting (stored, state pending) for the sweep."""
        self._intake.shutdown(wait=True)
        with self._idle:
            self._closing = True
        if self._processing is not None:
            self._processing.shutdown(wait=True, cancel_futures=True)


def _mailboxes(envelope: Envelope) -> dict[str, Mailbox]:
    # The mailbox each accepted recipient maps to, kept on the envelope (RSET makes a new one).
    carrier: Any = envelope  # an attribute of ours, which aiosmtpd's Envelope does not declare
    if not hasattr(carrier, "karcis_mailboxes"):
        carrier.karcis_mailboxes = {}
    return carrier.karcis_mailboxes


def _recipients_by_mailbox(envelope: Envelope) -> list[tuple[Mailbox, list[str]]]:
    """The accepted recipients grouped by mailbox (bantuan@ and a reply address bantuan+…@
    are one mailbox: one stored message), in the order they were given."""
    groups: dict[int, tuple[Mailbox, list[str]]] = {}
    for address in envelope.rcpt_tos:
        mailbox = _mailboxes(envelope)[address]
        group = groups.setdefault(mailbox.pk, (mailbox, []))
        if address not in group[1]:
            group[1].append(address)
    return list(groups.values())


def protocol(handler: MailIntake, *, loop: asyncio.AbstractEventLoop | None = None) -> SMTP:
    """One session's protocol object: LMTP or SMTP, advertising and enforcing the size limit
    (552 over it)."""
    server_class = LMTP if handler.lmtp else SMTP
    return server_class(
        handler,
        data_size_limit=settings.KARCIS_MAIL_MAX_BYTES,
        enable_SMTPUTF8=True,
        hostname=socket.gethostname(),
        ident="Karcis",
        loop=loop,
    )


async def serve(
    *,
    host: str,
    port: int,
    lmtp: bool = False,
    workers: int = 2,
    processes: bool = False,
    listeners: int = 1,
    on_ready: Callable[[str, int], None] | None = None,
) -> None:
    """Receive mail until SIGINT or SIGTERM; then finish what is being stored or processed.

    `listeners` > 1: that many listener processes receive and store (ListenerProcesses);
    raises ListenerLost when one of them stops by itself."""
    if listeners > 1:
        await _serve_with_listeners(
            host=host,
            port=port,
            lmtp=lmtp,
            workers=workers,
            processes=processes,
            listeners=listeners,
            on_ready=on_ready,
        )
        return
    handler = MailIntake(lmtp=lmtp, workers=workers, processes=processes)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: protocol(handler, loop=loop), host=host, port=port)
    stop = _stop_on_signals(loop)
    if on_ready is not None:
        bound_host, bound_port = server.sockets[0].getsockname()[:2]
        on_ready(bound_host, bound_port)
    try:
        await stop.wait()
    finally:
        server.close()
        await server.wait_closed()
        await loop.run_in_executor(None, handler.shutdown)


def _stop_on_signals(loop: asyncio.AbstractEventLoop) -> asyncio.Event:
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


# --- listener processes ---------------------------------------------------------------

# What a listener process tells its parent, over their pipe.
LISTENER_READY = b"ready"
LISTENER_STORED = b"stored"


class ListenerLost(Exception):
    """A listener process stopped by itself (killed, out of memory)."""


class ListenerProcesses:
    """`count` listener processes that speak SMTP/LMTP and store, and in this process the
    listening socket and the workers that process what they store: `start()` (returns the
    address and port), then `stop()`.

    This process accepts each connection and hands it (its file descriptor, over the
    listener's pipe) to the listeners in turn, so that a few long-lived connections, as an
    MTA keeps, are shared evenly; a socket per listener on one port (SO_REUSEPORT) leaves
    that to a hash of the client's address and port, which put all four of the bench's
    connections on one listener one time in eight. A listener tells this process of each
    message it stored that waits to be processed, and stops when told (SIGTERM) or when
    this process is gone (its pipe closes).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        lmtp: bool = False,
        workers: int = 2,
        processes: bool = False,
        count: int = 2,
        on_lost: Callable[[], None] | None = None,
    ):
        self.lmtp, self.count, self.on_lost = lmtp, count, on_lost
        self._socket = _listening_socket(host, port)
        self.host, self.port = self._socket.getsockname()[:2]
        self.handler = MailIntake(lmtp=lmtp, workers=workers, processes=processes)
        self._listeners: list[tuple[multiprocessing.process.BaseProcess, Connection]] = []
        self._turn = 0
        # stop() wakes the thread that accepts, which then accepts no more.
        self._wake, self._woken = socket.socketpair()
        self._not_accepting = threading.Event()
        self._thread: threading.Thread | None = None
        self.running = False  # from a successful start() to stop()

    def start(self) -> tuple[str, int]:
        try:
            self._spawn()
        except BaseException:
            self.stop()
            raise
        self._thread = threading.Thread(target=self._run, name="karcis-listeners", daemon=True)
        self._thread.start()
        self.running = True
        return self.host, self.port

    def _spawn(self) -> None:
        """Start the listeners and wait until each is ready (or says why it is not)."""
        context = multiprocessing.get_context("spawn")  # this process has threads
        for number in range(self.count):
            ours, theirs = context.Pipe()
            process = context.Process(
                target=_listener_main,
                args=(*_django_of_this_process(), self.lmtp, self.handler.workers > 0, theirs),
                name=f"karcis-mail-listener-{number}",
            )
            process.start()
            theirs.close()
            self._listeners.append((process, ours))
        for listener, ours in self._listeners:
            try:
                said = ours.recv_bytes().decode()
            except EOFError:
                listener.join()
                said = f"exited with code {listener.exitcode}"
            if said != LISTENER_READY.decode():
                raise OSError(f"a mail listener process did not start: {said}")

    def _run(self) -> None:
        """Hand each new connection to the next listener, and the workers each message a
        listener stored, until every listener is gone."""
        pipes = {pipe: process for process, pipe in self._listeners}
        try:
            while pipes:
                accepting = not self._not_accepting.is_set()
                ready = wait([*pipes, self._socket, self._woken] if accepting else list(pipes))
                if self._woken in ready:
                    self._socket.close()
                    self._not_accepting.set()
                elif self._socket in ready:
                    self._hand_over(list(pipes))
                for pipe in ready:
                    if pipe in pipes:
                        self._heard(pipe, pipes)
        finally:  # every listener gone (or this thread broke): stop() waits for nothing
            self._not_accepting.set()

    def _hand_over(self, pipes: list[Connection]) -> None:
        try:
            connection, _address = self._socket.accept()
        except BlockingIOError:  # the client gave up before we accepted
            return
        with connection:  # this process's copy, closed once the listener has its own
            for _attempt in pipes:
                pipe = pipes[self._turn % len(pipes)]
                self._turn += 1
                try:
                    with socket.fromfd(pipe.fileno(), socket.AF_UNIX, socket.SOCK_STREAM) as s:
                        socket.send_fds(s, [b"c"], [connection.fileno()])
                    return
                except OSError:  # that listener is gone (its pipe's end is read next)
                    continue

    def _heard(self, pipe: Connection, pipes: dict) -> None:
        try:
            pipe.recv_bytes()
        except (EOFError, OSError):  # the listener exited
            process = pipes.pop(pipe)
            process.join()
            if self.running:
                logger.error(
                    "Mail listener %s stopped (exit code %s)", process.name, process.exitcode
                )
                if self.on_lost is not None:
                    self.on_lost()
            return
        self.handler.process_later()

    def stop(self) -> None:
        """Accept no more; every listener finishes what it is storing and exits; then the
        workers finish their batch (MailIntake.shutdown)."""
        self.running = False
        if self._thread is not None:
            self._wake.send(b"x")
            self._not_accepting.wait()
        for process, _pipe in self._listeners:
            if process.is_alive():
                process.terminate()  # SIGTERM: the listener's own orderly stop
        for process, _pipe in self._listeners:
            process.join()
        if self._thread is not None:
            self._thread.join()  # the last "stored" of each listener handed on
        for _process, pipe in self._listeners:
            pipe.close()
        self.handler.shutdown()
        for each in (self._socket, self._wake, self._woken):
            each.close()


def _listening_socket(host: str, port: int) -> socket.socket:
    """A listening socket on the host's first address (port 0: a free port)."""
    family, kind, proto, _name, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    listening = socket.socket(family, kind, proto)
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind(address)
        listening.listen(100)
        listening.setblocking(False)
    except OSError:
        listening.close()
        raise
    return listening


async def _serve_with_listeners(
    *,
    host: str,
    port: int,
    lmtp: bool,
    workers: int,
    processes: bool,
    listeners: int,
    on_ready: Callable[[str, int], None] | None,
) -> None:
    loop = asyncio.get_running_loop()
    stop = _stop_on_signals(loop)
    lost = threading.Event()

    def on_lost() -> None:
        lost.set()
        loop.call_soon_threadsafe(stop.set)

    group = ListenerProcesses(
        host=host,
        port=port,
        lmtp=lmtp,
        workers=workers,
        processes=processes,
        count=listeners,
        on_lost=on_lost,
    )
    await loop.run_in_executor(None, group.start)  # stops what it started when it fails
    if on_ready is not None:
        on_ready(group.host, group.port)
    try:
        await stop.wait()
    finally:
        await loop.run_in_executor(None, group.stop)
    if lost.is_set():
        raise ListenerLost("a mail listener process stopped; the others were stopped too")


def _listener_main(
    settings_module: str, database_name: str, lmtp: bool, tell: bool, parent: Connection
) -> None:
    """A listener process: speak SMTP/LMTP on the connections the parent hands over and
    store, until SIGTERM (or the parent is gone); `tell`: each stored message that waits is
    told to the parent (which has workers to process it)."""
    # Ctrl+C reaches the whole process group: the parent decides, and stops accepting first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _django_start(settings_module, database_name)
    try:
        asyncio.run(_listen(lmtp=lmtp, tell=tell, parent=parent))
    finally:
        parent.close()


async def _listen(*, lmtp: bool, tell: bool, parent: Connection) -> None:
    loop = asyncio.get_running_loop()
    telling = threading.Lock()  # the intake threads share the pipe

    def stored() -> None:
        try:
            with telling:
                parent.send_bytes(LISTENER_STORED)
        except OSError:  # the parent is gone: the periodic sweep processes what waits
            logger.warning("The mail server's main process is gone; stored mail waits")

    handler = MailIntake(lmtp=lmtp, workers=0, on_stored=stored if tell else None)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    sessions: set[asyncio.Task] = set()

    def take() -> None:
        """A connection handed over by the parent (EOF: the parent is gone)."""
        try:
            with socket.fromfd(parent.fileno(), socket.AF_UNIX, socket.SOCK_STREAM) as s:
                _message, fds, _flags, _address = socket.recv_fds(s, 1, 1)
        except OSError:
            fds = []
        if not fds:
            stop.set()
            return
        connection = socket.socket(fileno=fds[0])
        task = loop.create_task(
            loop.connect_accepted_socket(lambda: protocol(handler, loop=loop), connection)
        )
        sessions.add(task)  # referenced until it has started the session
        task.add_done_callback(sessions.discard)

    loop.add_reader(parent.fileno(), take)
    parent.send_bytes(LISTENER_READY)
    try:
        await stop.wait()
    finally:
        loop.remove_reader(parent.fileno())
        await loop.run_in_executor(None, handler.shutdown)


class MailServerThread(Controller):
    """The server on its own event loop in a thread (for tests and embedding):
    `start()`, then `stop()`; `.handler` is the MailIntake."""

    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, lmtp=False, workers=2, processes=False
    ):
        handler = MailIntake(lmtp=lmtp, workers=workers, processes=processes)
        super().__init__(handler, hostname=host, port=port)

    def factory(self) -> SMTP:
        return protocol(self.handler, loop=self.loop)

    def _create_server(self):
        # Port 0 picks a free port; remember which, before start() connects to it.
        async def create():
            server = await self.loop.create_server(
                self._factory_invoker, host=self.hostname, port=self.port
            )
            self.port = server.sockets[0].getsockname()[1]
            return server

        return create()

    def stop(self, no_assert: bool = False) -> None:
        super().stop(no_assert=no_assert)
        self.handler.shutdown()
