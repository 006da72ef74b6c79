"""Who may open a workspace page: one guard, asking core.permissions.

`capability_required(*capabilities)` lets in the organisation's staff who hold any of the
capabilities (for the whole organisation or for one of their teams; pages then check
each object). Everybody else is turned away in the way that fits them: a visitor signs in,
a customer goes to their portal, a colleague without the capability sees a friendly 403.
The page then runs in the organisation's time zone.

The guard records its capabilities on the view (`view.capabilities`): the denial tests
walk every URL and refuse each one to a person without them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeGuard

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect

from karcis.core.permissions import capability_of, user_can_somewhere
from karcis.core.selectors import home_url_of

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from karcis.core.models import OrganisationMember, User

View = Callable[..., HttpResponseBase]


class StaffRequest(HttpRequest):
    """What a guarded view is given, as type checkers should see it: the guard let in only a
    signed-in member of an organisation's staff, and django-htmx's middleware set `htmx`.
    Django still calls the view with its own request; this class only names what it holds."""

    user: OrganisationMember
    htmx: HtmxDetails


def is_staff_member(user: User) -> TypeGuard[OrganisationMember]:
    """`user.is_staff_member`, telling type checkers that such a user has an organisation."""
    return user.is_staff_member


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    # htmx would swap the login page into a fragment; make the browser go there instead.
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)


def forbidden(request: HttpRequest, *, settings_page: bool = False) -> HttpResponse:
    """The friendly 403: what the person may not do, and the way back to their work."""
    context = {
        "section": "settings" if settings_page else "",
        "settings_page": settings_page,
        "home_url": home_url_of(request.user),
    }
    return render(request, "workspace/forbidden.html", context, status=403)


def capability_required(*capabilities: str, settings_page: bool = False) -> Callable[[View], View]:
    """Staff who hold any of these capabilities; `settings_page` words the refusal for
    Settings ("only administrators…")."""
    for name in capabilities:
        capability_of(name)  # a typo fails at import, not at the first request

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return _redirect(request, redirect_to_login(request.get_full_path()).url)
            if not is_staff_member(user):
                return _redirect(request, home_url_of(user))
            if not user_can_somewhere(user, *capabilities):
                return forbidden(request, settings_page=settings_page)
            with timezone.override(user.organisation.time_zone):
                return view(request, *args, **kwargs)

        guarded.capabilities = capabilities  # type: ignore[attr-defined]
        return guarded

    return decorate


def staff_required(view: View) -> View:
    """Any of the organisation's staff (a page every role has, such as notifications)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return _redirect(request, redirect_to_login(request.get_full_path()).url)
        if not is_staff_member(user):
            return _redirect(request, home_url_of(user))
        with timezone.override(user.organisation.time_zone):
            return view(request, *args, **kwargs)

    guarded.capabilities = ()  # type: ignore[attr-defined]
    return guarded
