"""A ticket's status page, live: its websocket joins the ticket's service group
(live.service_group) and, at each `line.changed`, sends the page's live part again, as
status.json has it (public.status_payload).

Anonymous: the ticket's token in the address is the key, as for the page. A busy line
changes many times a second (numbers taken, called, finished): each socket sends at most
once a second, and the last change always gets through (a send is put off, never dropped).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.http import Http404
from django.utils import timezone, translation
from django_scopes import scope

from karcis.queueing import live, public, selectors

# Close codes (4000–4999 are the application's): the page does not retry on these.
CLOSE_NOT_FOUND = 4404
MIN_SECONDS_BETWEEN_SENDS = 1.0


@database_sync_to_async
def service_of(token: str) -> int | None:
    """The id of the service whose line the ticket is in; None for any other token."""
    try:
        return selectors.ticket_by_token(token).service_id
    except Http404:
        return None


@database_sync_to_async
def payload_of(token: str, language: str) -> dict[str, Any] | None:
    """The status page's live part now, in the page's language (None: the ticket is gone)."""
    try:
        ticket = selectors.ticket_by_token(token)
    except Http404:
        return None
    with (
        scope(organisation=ticket.organisation_id),
        translation.override(language),
        timezone.override(ticket.point.time_zone),
    ):
        return public.status_payload(ticket)


def _language(query_string: bytes) -> str:
    asked = parse_qs(query_string.decode("latin-1")).get("lang", [""])[0]
    known = {code for code, _name in settings.LANGUAGES}
    return asked if asked in known else settings.LANGUAGE_CODE


class TicketStatusConsumer(AsyncJsonWebsocketConsumer):
    group_name = ""

    async def connect(self) -> None:
        self.token = self.scope["url_route"]["kwargs"]["token"]
        service_id = await service_of(self.token)
        if service_id is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.language = _language(self.scope.get("query_string", b""))
        self.last_sent = 0.0
        self.pending: asyncio.Task[None] | None = None
        self.group_name = live.service_group(service_id)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()
        await self.send_status()

    async def disconnect(self, code: int) -> None:
        if self.pending is not None:
            self.pending.cancel()
        if self.group_name:
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """The page says nothing: it asks status.json when it wants the state."""

    async def line_changed(self, event: dict[str, Any]) -> None:
        if self.pending is not None:
            return  # a send is already due, and will read the line as it is then
        wait = self.last_sent + MIN_SECONDS_BETWEEN_SENDS - time.monotonic()
        if wait <= 0:
            await self.send_status()
        else:
            self.pending = asyncio.ensure_future(self._send_later(wait))

    async def _send_later(self, wait: float) -> None:
        await asyncio.sleep(wait)
        self.pending = None
        await self.send_status()

    async def send_status(self) -> None:
        self.last_sent = time.monotonic()
        payload = await payload_of(self.token, self.language)
        if payload is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        await self.send_json(payload)
