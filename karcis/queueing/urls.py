"""The public queues' pages: the public ones under /antrean/ (booking, kiosk, board, a
ticket's status page), the staff's under /queue/ and /settings/queue/."""

from django.urls import path

from karcis.queueing import (
    analytics_views,
    board_views,
    kiosk_views,
    public_views,
    settings_views,
    staff_views,
)

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
    # The staff's pages: the overview and the counters' consoles.
    path("queue/", staff_views.overview, name="staff_overview"),
    path("queue/counters/<int:pk>/", staff_views.console, name="counter_console"),
    path("queue/counters/<int:pk>/lines/", staff_views.console_lines, name="counter_lines"),
    path(
        "queue/counters/<int:pk>/<slug:action>/",
        staff_views.counter_action,
        name="counter_action",
    ),
    # Settings: service points, their services and counters.
    path("settings/queue/", settings_views.points, name="settings_points"),
    path("settings/queue/new/", settings_views.point_create, name="settings_point_create"),
    path("settings/queue/<int:pk>/", settings_views.point_edit, name="settings_point"),
    path(
        "settings/queue/<int:pk>/kiosk-key/",
        settings_views.point_kiosk_key_renew,
        name="settings_point_kiosk_key",
    ),
    path(
        "settings/queue/<int:pk>/services/new/",
        settings_views.service_create,
        name="settings_service_create",
    ),
    path("settings/queue/services/<int:pk>/", settings_views.service_edit, name="settings_service"),
    path(
        "settings/queue/<int:pk>/counters/new/",
        settings_views.counter_create,
        name="settings_counter_create",
    ),
    path("settings/queue/counters/<int:pk>/", settings_views.counter_edit, name="settings_counter"),
    # The managers' analytics.
    path("queue/analytics/", analytics_views.analytics_page, name="analytics"),
    path("queue/analytics/services.csv", analytics_views.analytics_csv, name="analytics_csv"),
]
