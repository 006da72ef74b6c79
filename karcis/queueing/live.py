"""Live pages hear of the queues' changes after they commit (Django Channels groups).

- `queueing.point.<id>`: the board and the counter consoles of a service point;
- `queueing.service.<id>`: the status pages of the people in a service's line.

Messages say what changed, not the whole state: a page that missed one (a network blip)
asks for the state again when it reconnects, and every page also asks now and then, so
nothing depends on a message arriving. With the in-memory channel layer (`make run`) the
pages served by the same process hear everything; across processes it takes Redis.
"""

from __future__ import annotations

import time
from typing import Any

from django.db import transaction


def point_group(point_id: int) -> str:
    return f"queueing.point.{point_id}"


def service_group(service_id: int) -> str:
    return f"queueing.service.{service_id}"


def _send(group: str, message: dict[str, Any]) -> None:
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is not None:
        # When the change was committed (wall clock, shared by every process): a page may
        # take any state read that began after it (karcis.queueing.board_consumers).
        async_to_sync(layer.group_send)(group, {**message, "committed": time.time()})


def _after_commit(group: str, message: dict[str, Any]) -> None:
    transaction.on_commit(lambda: _send(group, message), robust=True)


def line_changed(ticket: Any) -> None:
    """A ticket joined, left or moved in its line, or changed at a counter."""
    _after_commit(service_group(ticket.service_id), {"type": "line.changed"})
    _after_commit(point_group(ticket.point_id), {"type": "point.changed"})


def counters_changed(counter: Any) -> None:
    _after_commit(point_group(counter.point_id), {"type": "point.changed"})


def called(ticket: Any, counter: Any, *, recall: bool) -> None:
    """A number called (or called again) to a counter: the board shows and speaks it."""
    from karcis.queueing.selectors import call_of

    message = {"type": "board.call", "call": call_of(ticket, counter, recall=recall)}
    _after_commit(point_group(ticket.point_id), message)
    _after_commit(service_group(ticket.service_id), {"type": "line.changed"})
