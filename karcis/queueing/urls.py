"""The public queues' pages: the public ones under /antrean/ (booking, kiosk, board, a
ticket's status page), the staff's under /queue/ and /settings/queue/."""

from django.urls import path

from karcis.queueing import analytics_views, board_views

app_name = "queueing"
urlpatterns = [
    path(
        "antrean/suara/<int:ticket>/<int:calls>.wav",
        board_views.call_audio,
        name="call_audio",
    ),
    # The managers' analytics.
    path("queue/analytics/", analytics_views.analytics_page, name="analytics"),
    path("queue/analytics/services.csv", analytics_views.analytics_csv, name="analytics_csv"),
]
