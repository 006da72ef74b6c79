"""The public queues' pages: the public ones under /antrean/ (booking, kiosk, board, a
ticket's status page), the staff's under /queue/ and /settings/queue/."""

from django.urls import path

from karcis.queueing import board_views, kiosk_views

app_name = "queueing"
urlpatterns = [
    path(
        "antrean/suara/<int:ticket>/<int:calls>.wav",
        board_views.call_audio,
        name="call_audio",
    ),
    # The kiosk by the entrance (its key in the address) and the TV board.
    path("antrean/<slug:org>/<slug:point>/kiosk/<str:key>/", kiosk_views.kiosk, name="kiosk"),
    path(
        "antrean/<slug:org>/<slug:point>/kiosk/<str:key>/ambil/",
        kiosk_views.kiosk_take,
        name="kiosk_take",
    ),
    path(
        "antrean/<slug:org>/<slug:point>/kiosk/<str:key>/nomor/<str:token>/",
        kiosk_views.kiosk_receipt,
        name="kiosk_receipt",
    ),
    path(
        "antrean/<slug:org>/<slug:point>/kiosk/<str:key>/check-in/",
        kiosk_views.kiosk_check_in,
        name="kiosk_check_in",
    ),
    path("antrean/<slug:org>/<slug:point>/papan/", board_views.board, name="board"),
    path(
        "antrean/<slug:org>/<slug:point>/papan/state.json",
        board_views.board_state,
        name="board_state",
    ),
]
