"""The TV board's websocket (ws/antrean/papan/<point_id>/): the board's state on connecting,
then every call as it is made, and the state again when the point changes.

The board is public: anyone may listen, and hears only numbers and counters. A burst of
changes (a counter calling while three people take numbers) costs one state read per board
per half second at most: the boards of a busy office must not read the database at the pace
of its changes.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django_scopes import scope, scopes_disabled

from karcis.queueing.board_views import board_snapshot
from karcis.queueing.live import point_group
from karcis.queueing.models import ServicePoint

CLOSE_NOT_FOUND = 4404  # no such board: the page does not retry
STATE_INTERVAL_SECONDS = 0.5
CLOCK_MARGIN_SECONDS = 0.05


@database_sync_to_async
def snapshot_of(point_id: int) -> dict[str, Any] | None:
    """The board's state, None when the point does not exist or is not active."""
    with scopes_disabled():
        point = (
            ServicePoint.objects.select_related("organisation", "calendar")
            .filter(pk=point_id, is_active=True)
            .first()
        )
    if point is None:
        return None
    with scope(organisation=point.organisation_id):
        return board_snapshot(point)


class SharedSnapshots:
    """One state read per point for all the boards of a process that need it: a board that
    must show what was committed at moment t (wall clock) takes any read of the point's
    state that began after t — one in flight, or the last one done — else starts one.
    Fifty boards after a call cost one read, not fifty."""

    def __init__(self) -> None:
        self.reads: dict[int, tuple[float, asyncio.Future[dict[str, Any] | None]]] = {}

    async def get(self, point_id: int, since: float) -> dict[str, Any] | None:
        found = self.reads.get(point_id)
        # A margin for clocks of different machines (the HTTP workers' and this one's).
        if found is None or found[0] < since + CLOCK_MARGIN_SECONDS:
            future = asyncio.ensure_future(snapshot_of(point_id))
            found = (time.time(), future)
            self.reads[point_id] = found
        return await asyncio.shield(found[1])


shared = SharedSnapshots()


class BoardConsumer(AsyncJsonWebsocketConsumer):
    group_name = ""
    point_id = 0
    last_state_at = 0.0
    committed = 0.0  # the latest change heard of (wall clock)
    state_soon: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        self.point_id = int(self.scope["url_route"]["kwargs"]["point_id"])
        # Listen before reading the state: a call made in between is then heard, not lost.
        self.group_name = point_group(self.point_id)
        listening_since = time.time()
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        # Any read that started once this board was listening will do (boards connecting
        # together share it); a change after that read's start reaches the board anyway.
        snapshot = await shared.get(self.point_id, since=listening_since)
        if snapshot is None:
            await self.channel_layer.group_discard(self.group_name, self.channel_name)
            self.group_name = ""
            await self.close(code=CLOSE_NOT_FOUND)
            return
        await self.accept()
        await self._send_state(snapshot)

    async def disconnect(self, code: int) -> None:
        if self.state_soon is not None:
            self.state_soon.cancel()
        if self.group_name:
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        pass  # the board only listens

    async def board_call(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "call", "call": event["call"]})
        # The call changed the counter's number and the lines: the state follows.
        self._state_changed(event.get("committed", 0.0))

    async def point_changed(self, event: dict[str, Any]) -> None:
        self._state_changed(event.get("committed", 0.0))

    def _state_changed(self, committed: float) -> None:
        """Send the state soon (at most twice a second), without holding up the next
        message: a call must never wait behind a state read. A send already waiting covers
        every change committed before its read begins."""
        self.committed = max(self.committed, committed)
        if self.state_soon is not None:
            return
        wait = max(0.0, self.last_state_at + STATE_INTERVAL_SECONDS - time.monotonic())
        self.state_soon = asyncio.ensure_future(self._send_state_after(wait))

    async def _send_state_after(self, wait: float) -> None:
        if wait:
            await asyncio.sleep(wait)
        self.state_soon = None
        await self._send_state()

    async def _send_state(self, snapshot: dict[str, Any] | None = None) -> None:
        self.last_state_at = time.monotonic()
        if snapshot is None:
            snapshot = await shared.get(self.point_id, since=self.committed)
        if snapshot is None:  # the point was switched off
            await self.close(code=CLOSE_NOT_FOUND)
            return
        await self.send_json({"type": "state", "state": snapshot})
