"""The public queues' websockets (wired in karcis/asgi.py)."""

from django.urls import path

from karcis.queueing.board_consumers import BoardConsumer

websocket_urlpatterns = [
    path("ws/antrean/papan/<int:point_id>/", BoardConsumer.as_asgi()),
]
