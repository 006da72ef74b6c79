"""The counter console's live line: a websocket per open console, in its service point's
group (live.point_group). It only says "changed"; the page then fetches its lines again
(debounced), so a missed message costs nothing but the wait for the page's 20 s poll.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404
from django_scopes import scope

from karcis.queueing import live
from karcis.queueing.selectors import counter_get_for_user

# Close codes (4000–4999 are the application's): the page does not retry on these.
CLOSE_NOT_ALLOWED = 4403
CLOSE_NOT_FOUND = 4404


@database_sync_to_async
def point_of_counter(user: Any, pk: int) -> int | None:
    """The counter's service point, if this staff member may work at it (the console page's
    own rule); None otherwise."""
    with scope(organisation=user.organisation_id):
        try:
            return counter_get_for_user(user=user, pk=pk).point_id
        except Http404:
            return None


class CounterConsoleConsumer(AsyncJsonWebsocketConsumer):
    group_name = ""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_staff_member:
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        point_id = await point_of_counter(user, self.scope["url_route"]["kwargs"]["pk"])
        if point_id is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.group_name = live.point_group(point_id)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group_name:
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        return  # the console only listens

    async def point_changed(self, event: dict[str, Any]) -> None:
        await self.send_json({"changed": "lines"})

    async def board_call(self, event: dict[str, Any]) -> None:
        # A call moved someone out of a line; the board's own details are not the console's.
        await self.send_json({"changed": "lines"})
