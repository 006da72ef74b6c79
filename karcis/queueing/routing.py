"""The public queues' websockets (wired in karcis/asgi.py)."""

from django.urls import path

from karcis.queueing.console_consumers import CounterConsoleConsumer

websocket_urlpatterns = [
    path("ws/queue/counters/<int:pk>/", CounterConsoleConsumer.as_asgi()),
]
