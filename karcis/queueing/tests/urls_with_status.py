"""The project's URLs with a stand-in for a queue ticket's status page (`queueing:status`),
for the kiosk's tests while that page is not on this branch: the kiosk only links to it."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from karcis import urls as project
from karcis.queueing import urls as queueing


def status_stand_in(request: HttpRequest, token: str) -> HttpResponse:
    return HttpResponse(token)


queueing_patterns = [
    *queueing.urlpatterns,
    path("antrean/tiket/<str:token>/", status_stand_in, name="status"),
]
urlpatterns = [
    *(entry for entry in project.urlpatterns if getattr(entry, "app_name", None) != "queueing"),
    path("", include((queueing_patterns, "queueing"))),
]
