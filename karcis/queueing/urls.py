"""The public queues' pages: the public ones under /antrean/ (booking, kiosk, board, a
ticket's status page), the staff's under /queue/ and /settings/queue/."""

from django.urls import path

from karcis.queueing import board_views

app_name = "queueing"
urlpatterns = [
    path(
        "antrean/suara/<int:ticket>/<int:calls>.wav",
        board_views.call_audio,
        name="call_audio",
    ),
]
