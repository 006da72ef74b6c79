"""The bell's live count: a websocket per open workspace page.

The page learns its person's unread count when it connects and whenever it changes: a new
notification pushes "notifications.changed" to the person's group after its commit. That
push crosses processes only on a shared channel layer (Redis); the embedded setup keeps its
layer in memory, and notifications are made by the scheduler's process, so the socket
also looks for itself every POLL_SECONDS (one indexed count).
"""

import asyncio
import contextlib

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django_scopes import scope

from karcis.core.selectors import notifications_unread_count
from karcis.core.services import NOTIFICATIONS_GROUP

CLOSE_NOT_ALLOWED = 4403


@database_sync_to_async
def unread_count(user) -> int:
    with scope(organisation=user.organisation_id):
        return notifications_unread_count(user=user)


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    group_name = ""
    poller: asyncio.Task | None = None

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_staff_member:
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        self.user = user
        self.last_count = -1
        self.group_name = NOTIFICATIONS_GROUP.format(user_id=user.pk)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()
        await self.send_count()
        self.poller = asyncio.ensure_future(self.poll())

    async def disconnect(self, code):
        if self.poller is not None:
            self.poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.poller
        if self.group_name:
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def poll(self) -> None:
        while True:
            await asyncio.sleep(settings.KARCIS_NOTIFICATIONS_POLL_SECONDS)
            await self.send_count()

    async def notifications_changed(self, event) -> None:
        await self.send_count(force=True)

    async def send_count(self, *, force: bool = False) -> None:
        count = await unread_count(self.user)
        if force or count != self.last_count:
            self.last_count = count
            await self.send_json({"unread": count, "changed": force})
