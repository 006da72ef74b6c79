from django.urls import path

from karcis.desk.consumers import TicketPresenceConsumer

websocket_urlpatterns = [
    path("ws/desk/tickets/<str:number>/", TicketPresenceConsumer.as_asgi()),
]
