from django.urls import path

from karcis.queueing.status_consumers import TicketStatusConsumer

websocket_urlpatterns = [
    path("ws/antrean/tiket/<str:token>/", TicketStatusConsumer.as_asgi()),
]
