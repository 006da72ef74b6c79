"""Live presence on the ticket page: who else is viewing or replying to this ticket.

Nothing is stored: each open ticket page holds a websocket, joins the ticket's group and
tells the others its state. Browsers re-announce themselves every ~20 s, so a late
joiner learns of earlier viewers, and forget anyone silent for ~45 s.
"""

import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404
from django_scopes import scope

from karcis.desk.selectors import ticket_get_for_user

# Close codes (4000–4999 are the application's): the page does not retry on these.
CLOSE_NOT_ALLOWED = 4403
CLOSE_NOT_FOUND = 4404

STATES = {"viewing", "replying"}
MIN_SECONDS_BETWEEN_REPEATS = 0.5


@database_sync_to_async
def visible_ticket_id(user, number: str) -> int | None:
    """The ticket's id if this staff member may see it; the same rule as the ticket page."""
    with scope(organisation=user.organisation_id):
        try:
            return ticket_get_for_user(user=user, number=number).pk
        except Http404:
            return None


class TicketPresenceConsumer(AsyncJsonWebsocketConsumer):
    group_name = ""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_staff_member:
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        number = self.scope["url_route"]["kwargs"]["number"]
        ticket_id = await visible_ticket_id(user, number)
        if ticket_id is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.user_id = user.pk
        self.user_name = user.name
        self.last_state, self.last_update = "viewing", 0.0
        self.group_name = f"desk.ticket.{ticket_id}"
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()
        await self.announce("viewing")

    async def receive_json(self, content, **kwargs):
        state = content.get("state") if isinstance(content, dict) else None
        if state not in STATES:
            return
        now = time.monotonic()
        if state == self.last_state and now - self.last_update < MIN_SECONDS_BETWEEN_REPEATS:
            return  # a repeat from a chatty page; a change of state always gets through
        self.last_state, self.last_update = state, now
        await self.announce(state)

    async def disconnect(self, code):
        if self.group_name:
            await self.announce("left")
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def announce(self, state: str) -> None:
        await self.channel_layer.group_send(
            self.group_name,
            {
                "type": "presence.update",
                "user": self.user_id,
                "name": self.user_name,
                "state": state,
                "sender": self.channel_name,
            },
        )

    async def presence_update(self, event):
        if event["sender"] == self.channel_name:
            return
        await self.send_json(
            {"user": event["user"], "name": event["name"], "state": event["state"]}
        )
