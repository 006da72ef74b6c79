"""The display board's pages: the board itself, its state for catching up, and the spoken
announcement of each call."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from django_scopes import scopes_disabled

from karcis.queueing import speech
from karcis.queueing.models import QueueTicket

SPEECH_CACHE = settings.VAR_DIR / "speech"


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
