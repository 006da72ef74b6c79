"""A real SMTP server (aiosmtpd) on 127.0.0.1 for tests: it receives what Karcis sends.

    with smtp_sink_running() as sink:
        ...send through host sink.host, port sink.port...
        [envelope] = sink.messages
        envelope.mail_from, envelope.rcpt_tos, envelope.message  # parsed e-mail

It accepts everything by default. `sink.answer_data = "451 ..."` (a temporary failure) or
"550 ..." (a permanent one) makes it refuse the message at the end of DATA;
`sink.answer_rcpt` does the same for every recipient. Tests use it through the
`smtp_sink` fixture (karcis/messaging/tests/conftest.py).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


@dataclass(frozen=True)
class ReceivedEnvelope:
    """One message the sink accepted: the SMTP envelope and the bytes as they arrived."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.sink.answer_rcpt:
            return self.sink.answer_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.sink.answer_data:
            self.sink.refused += 1
            return self.sink.answer_data
        raw = envelope.original_content or envelope.content
        with self.sink.lock:
            self.sink.messages.append(
                ReceivedEnvelope(
                    mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos), raw=raw
                )
            )
        return "250 Message accepted for delivery"


class SmtpSink:
    """What the running server received, and how it answers the next message."""

    host = HOST

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[ReceivedEnvelope] = []
        self.refused = 0
        # An SMTP reply line such as "451 4.3.0 Try again later"; "" accepts.
        self.answer_data = ""
        self.answer_rcpt = ""
        self.lock = threading.Lock()

    def accept(self) -> None:
        """Accept everything again (after a test made it refuse)."""
        self.answer_data = self.answer_rcpt = ""

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
        self.refused = 0

    def email_settings(self) -> dict:
        """Django settings that send through this server."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": self.host,
            "EMAIL_PORT": self.port,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_TIMEOUT": 10,
        }


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (a mail server that is down)."""
    return free_port()


@contextmanager
def smtp_sink_running() -> Iterator[SmtpSink]:
    """Start an SMTP server on a free port of 127.0.0.1; stop it on exit."""
    last_error: Exception | None = None
    for _attempt in range(5):  # another process may take the free port before we bind it
        sink = SmtpSink(free_port())
        controller = Controller(_Handler(sink), hostname=HOST, port=sink.port)
        try:
            controller.start()
        except (OSError, RuntimeError) as error:
            last_error = error
            continue
        try:
            yield sink
        finally:
            controller.stop()
        return
    raise RuntimeError(f"could not start the SMTP sink: {last_error}")
