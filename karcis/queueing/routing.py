"""The public queues' websockets (wired in karcis/asgi.py)."""

from django.urls import path

from karcis.queueing.board_consumers import BoardConsumer
from karcis.queueing.console_consumers import CounterConsoleConsumer
from karcis.queueing.status_consumers import TicketStatusConsumer

websocket_urlpatterns = [
    path("ws/antrean/tiket/<str:token>/", TicketStatusConsumer.as_asgi()),
    path("ws/antrean/papan/<int:point_id>/", BoardConsumer.as_asgi()),
    path("ws/queue/counters/<int:pk>/", CounterConsoleConsumer.as_asgi()),
]
