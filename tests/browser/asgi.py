"""The project's ASGI application (HTTP and websockets) served by uvicorn in a thread of the
test process, for the journeys whose pages are live: pytest-django's live server is WSGI and
has no websockets."""

import asyncio
import socket
import threading
import time

import uvicorn
from asgiref.sync import sync_to_async
from django_scopes import scopes_disabled


class AsgiServer:
    """karcis.asgi served by uvicorn on 127.0.0.1 in a background thread."""

    def __init__(self):
        from karcis.asgi import application

        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.loop = asyncio.new_event_loop()
        config = uvicorn.Config(application, lifespan="off", log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self):
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.server.serve(sockets=[self.socket]))

    def start(self):
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)

    def stop(self):
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()

    def drop_connections(self):
        """Cut every open connection, as a network blip does."""

        def drop():
            for connection in list(self.server.server_state.connections):
                connection.transport.close()

        self.loop.call_soon_threadsafe(drop)

    def call(self, function, **kwargs):
        """function(**kwargs) run by the server, as one of its requests runs a view."""

        def unscoped():
            with scopes_disabled():
                return function(**kwargs)

        future = asyncio.run_coroutine_threadsafe(sync_to_async(unscoped)(), self.loop)
        return future.result(timeout=30)
