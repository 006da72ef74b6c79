"""What every public page of one service point (/antrean/<org>/<point>/...) needs: the point
named by the slugs in the URL, served in its organisation's scope, in its time zone, and in
Bahasa Indonesia unless the page asks for English.

The kiosk and the board are shared screens, not one visitor's: their language is not the
browser's (a TV set up in English still speaks to an Indonesian waiting room) but the page's
own, `?lang=en` for English, Bahasa Indonesia otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone, translation
from django_scopes import scope

from karcis.queueing import selectors

ENGLISH = "en"
INDONESIAN = "id"


def page_language(request: HttpRequest) -> str:
    return ENGLISH if request.GET.get("lang") == ENGLISH else INDONESIAN


def point_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Call `view(request, point, **kwargs)` for the active service point at
    /antrean/<org>/<point>/ (404 for any other), inside its organisation's scope, its time
    zone and the page's language."""

    @wraps(view)
    def wrapper(request: HttpRequest, org: str, point: str, **kwargs: Any) -> HttpResponse:
        organisation = selectors.organisation_by_slug(org)
        if organisation is None:
            raise Http404
        with scope(organisation=organisation.pk):
            found = selectors.point_by_slugs(org, point)
            language = page_language(request)
            with timezone.override(found.time_zone), translation.override(language):
                return view(request, found, **kwargs)

    return wrapper
