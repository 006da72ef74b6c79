"""The public queues' pages: the public ones under /antrean/ (booking, kiosk, board, a
ticket's status page), the staff's under /queue/ and /settings/queue/."""

from django.urls import path

from karcis.queueing import board_views, public_views

app_name = "queueing"
urlpatterns = [
    path(
        "antrean/suara/<int:ticket>/<int:calls>.wav",
        board_views.call_audio,
        name="call_audio",
    ),
    # A ticket's status page: its token is the only key (before the points' pages, whose
    # two slugs would match "tiket/<token>/" too).
    path("antrean/tiket/<str:token>/", public_views.status_page, name="status"),
    path("antrean/tiket/<str:token>/status.json", public_views.status_json, name="status_json"),
    path("antrean/tiket/<str:token>/batal/", public_views.status_cancel, name="status_cancel"),
    path("antrean/<slug:org>/<slug:point>/", public_views.point_page, name="point"),
    path("antrean/<slug:org>/<slug:point>/<str:prefix>/pesan/", public_views.book, name="book"),
]
