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
from karcis.queueing.models import ServicePoint

ENGLISH = "en"
INDONESIAN = "id"


def page_language(request: HttpRequest) -> str:
    return ENGLISH if request.GET.get("lang") == ENGLISH else INDONESIAN


def point_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Call `view(request, point, **kwargs)` for the active service point at
    /antrean/<org>/<point>/ (404 for any other), inside its organisation's scope and its
    time zone."""

    @wraps(view)
    def wrapper(request: HttpRequest, org: str, point: str, **kwargs: Any) -> HttpResponse:
        organisation = selectors.organisation_by_slug(org)
        if organisation is None:
            raise Http404
        with scope(organisation=organisation.pk):
            found = selectors.point_by_slugs(organisation.slug, point)
            with timezone.override(found.time_zone):
                return view(request, found, **kwargs)

    return wrapper


def point_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """point_view for the office's own screens (kiosk, board): Bahasa Indonesia unless the
    address asks for English (`?lang=en`), whatever the device's browser says."""

    @wraps(view)
    def in_language(request: HttpRequest, point: ServicePoint, **kwargs: Any) -> HttpResponse:
        with translation.override(page_language(request)):
            return view(request, point, **kwargs)

    return point_view(in_language)
