"""Karcis's URLs plus the floor of the machine, measured by bench/desk.py the same way as
Karcis's own paths: a view that does nothing, and a view that INSERTs one row. Served
only by the benchmark (bench/bench_settings.py), never shipped in karcis/.

Both go through the same middleware as every Karcis page (sessions, CSRF, locale,
authentication, the organisation scope…), so the distance to them is what Karcis's own
work costs.
"""

from django.db import connection
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from karcis.urls import urlpatterns as karcis_urlpatterns

FLOOR_TABLE = "bench_floor_row"


@require_GET
def empty(request):
    return HttpResponse(b"", content_type="text/plain")


@csrf_exempt
@require_POST
def insert(request):
    # One statement in autocommit: the least a request that stores something can cost.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FLOOR_TABLE} (subject, body, created_at) VALUES (%s, %s, now())",
            [request.POST.get("subject", ""), request.POST.get("body", "")],
        )
    return HttpResponse(b"", status=201, content_type="text/plain")


urlpatterns = [
    path("bench/floor/empty/", empty),
    path("bench/floor/insert/", insert),
    *karcis_urlpatterns,
]
