"""The display board's pages: the board itself, its state for catching up, and the spoken
announcement of each call.

The board is public (a TV in the waiting room): it shows numbers and counters, never a name.
It hears of calls over a websocket (board_consumers.py) and asks for its whole state again
whenever it reconnects and every minute, so a network blip costs it nothing but the sound of
the calls it missed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET
from django_scopes import scopes_disabled

from karcis.queueing import selectors, speech
from karcis.queueing.models import QueueTicket, ServicePoint
from karcis.queueing.point_pages import ENGLISH, page_language, point_page

SPEECH_CACHE = settings.VAR_DIR / "speech"


def board_snapshot(point: ServicePoint, now: datetime | None = None) -> dict[str, Any]:
    """The board's whole state as JSON: what the page shows when it (re)connects."""
    now = now or timezone.now()
    state = selectors.board_state(point, now)
    return {
        "point": {"name": point.name, "time_zone": point.time_zone},
        "now": now.isoformat(),
        "counters": state["counters"],
        "recent": state["recent"],
        "services": state["services"],
    }


@require_GET
@point_page
def board(request: HttpRequest, point: ServicePoint) -> HttpResponse:
    """The TV board: per open counter the number it serves, the latest call big, the last
    calls, how many wait per service, and the clock; live, and spoken."""
    state = selectors.board_state(point)
    language = page_language(request)
    path = request.path
    return render(
        request,
        "queueing/board.html",
        {
            "point": point,
            "counters": [counter for counter in state["counters"] if counter["open"]],
            "latest": state["recent"][0] if state["recent"] else None,
            "recent": state["recent"],
            "services": state["services"],
            "language": language,
            "state_url": reverse(
                "queueing:board_state", kwargs={"org": point.organisation.slug, "point": point.slug}
            ),
            "socket_path": f"/ws/antrean/papan/{point.pk}/",
            "other_language_url": path if language == ENGLISH else f"{path}?lang={ENGLISH}",
        },
    )


@require_GET
@never_cache
@point_page
def board_state(request: HttpRequest, point: ServicePoint) -> JsonResponse:
    """The board's state, which the page fetches on every (re)connection and every minute."""
    return JsonResponse(board_snapshot(point))


@require_GET
@cache_control(public=True, max_age=3600)
def call_audio(request: HttpRequest, ticket: int, calls: int) -> FileResponse:
    """The announcement of a call ("Nomor antrean A nol dua belas, silakan ke loket tiga"),
    synthesised offline once per phrase. Only a ticket that has been called to a counter
    has one: nothing else is synthesised on request."""
    with scopes_disabled():
        found = (
            QueueTicket.objects.select_related("counter")
            .filter(pk=ticket, called_at__isnull=False, counter__isnull=False)
            .first()
        )
    if found is None or found.counter is None:
        raise Http404
    phrase = speech.call_phrase(found.number, found.counter.code, "id")
    path = speech.announcement_audio(phrase, language="id", cache_dir=SPEECH_CACHE)
    if path is None:
        raise Http404  # no speech synthesiser installed: the board shows the call silently
    return FileResponse(path.open("rb"), content_type="audio/wav")
