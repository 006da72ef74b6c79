"""The stored e-mail being processed right now, for the code that runs inside its
transaction on its behalf.

Opening a ticket from an e-mail runs the desk's in-transaction subscribers
(messaging.subscribers): they record the e-mail's Message-ID and queue its automatic reply.
They are handed only the ticket's event, and would read the e-mail row and its mailbox
again; processing already holds them, in this process and this transaction. Each reader falls back to the database when the e-mail is not the one being
processed here (a subscriber called from elsewhere), so this only saves statements.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from karcis.messaging.models import InboundEmail


@dataclass
class Intake:
    inbound: InboundEmail  # locked, with its mailbox and organisation
    # The first message of the ticket it opened, as the ticket's event tells the subscriber.
    first_message_id: int | None = None


_current: ContextVar[Intake | None] = ContextVar("karcis_messaging_intake", default=None)


@contextmanager
def processing(inbound: InboundEmail) -> Iterator[Intake]:
    """Mark `inbound` as the e-mail being processed for the duration of the block."""
    token = _current.set(Intake(inbound=inbound))
    try:
        yield _current.get()  # type: ignore[misc]
    finally:
        _current.reset(token)


def of(inbound_id: int) -> Intake | None:
    """The e-mail being processed, if it is this one."""
    intake = _current.get()
    if intake is not None and intake.inbound.pk == inbound_id:
        return intake
    return None
