"""The citizen's pages of the public queues, under /antrean/: a service point's page, the
online booking of a service, and a ticket's status page (with its JSON and its cancel).

Visitors are anonymous: a service point's pages run inside its organisation's scope and its
time zone, entered from the slugs in the URL (`point_view`); a status page inside its
ticket's, found by the ticket's unguessable token, which is the only key to it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_scopes import scope

from karcis.core.accounts import account_email_queue
from karcis.core.throttle import Limit, client_of
from karcis.queueing import public, selectors, services
from karcis.queueing.models import QueueChannel, QueueTicket, Service, ServicePoint
from karcis.queueing.point_pages import point_view
from karcis.queueing.public_forms import BookingForm, once_token


@require_GET
@point_view
def point_page(request: HttpRequest, point: ServicePoint) -> HttpResponse:
    """The service point: today's hours, its services with how many wait, and where to book."""
    now = timezone.now()
    today = public.point_day(point, now)
    waiting = public.waiting_by_service(point, today.day)
    rows = [
        {"service": service, "waiting": waiting.get(service.pk, 0)}
        for service in selectors.services_of(point)
    ]
    return render(
        request, "queueing/public/point.html", {"point": point, "today": today, "rows": rows}
    )


# --- booking -------------------------------------------------------------------------------

# Bookings made from one client address an hour, and booking e-mails to one address: each
# booking holds a place somebody else could have had, and may mail the address typed. A
# deployment changes them by name in KARCIS_PORTAL_LIMITS, like the portal's own limits
# (a kiosk-like shared computer: {"queue-booking": 200}).
BOOKINGS_PER_CLIENT = ("queue-booking", 10)
BOOKINGS_PER_ADDRESS = ("queue-booking-address", 5)
LIMIT_WINDOW_SECONDS = 60 * 60
# A form's one-time token is remembered this long after it booked.
ONCE_SECONDS = 24 * 60 * 60

TOO_MANY = gettext_lazy(
    "Too many bookings were made from here in a short time. Nothing was booked now: please "
    "try again in an hour."
)
ALREADY_SENT = gettext_lazy(
    "This form has already been sent, and the booking was made: its link was shown then "
    "(and sent by e-mail if an address was given). To book again, start from the date."
)


def _limit(name_and_default: tuple[str, int]) -> Limit:
    name, default = name_and_default
    limit = getattr(settings, "KARCIS_PORTAL_LIMITS", {}).get(name, default)
    return Limit(name, limit, LIMIT_WINDOW_SECONDS)


def _throttled(request: HttpRequest, email: str) -> bool:
    by_client = _limit(BOOKINGS_PER_CLIENT)
    if by_client.count(client_of(request)) >= by_client.limit:
        return True
    by_address = _limit(BOOKINGS_PER_ADDRESS)
    return bool(email) and by_address.count(email.lower()) >= by_address.limit


def _booked_count(request: HttpRequest, email: str) -> None:
    _limit(BOOKINGS_PER_CLIENT).add_one(client_of(request))
    if email:
        _limit(BOOKINGS_PER_ADDRESS).add_one(email.lower())


def _once_key(token: str) -> str:
    return f"karcis:queueing:booking-once:{token}"


def _once_claim(token: str) -> bool:
    """Take the form's one-time token for this sending; False when it was taken already
    (the same form sent twice: a double click, a reload, a second tab)."""
    return bool(cache.add(_once_key(token), "1", ONCE_SECONDS))


def _once_release(token: str) -> None:
    """The sending booked nothing: the form may be corrected and sent again."""
    cache.delete(_once_key(token))


def _bookable_service(point: ServicePoint, prefix: str) -> Service:
    for service in selectors.services_of(point):
        if service.prefix == prefix.upper() and service.online_booking:
            service.point = point  # the one in hand, with its calendar and organisation
            return service
    raise Http404


def _parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


def _first_bookable(days: list[public.BookingDay]) -> date | None:
    return next((day.day for day in days if day.bookable), None)


def _asked_day(days: list[public.BookingDay], value: str | None, *, bookable: bool) -> date | None:
    """The day asked for, if it is in the booking window (and bookable, when asked so)."""
    asked = _parse_day(value)
    for day in days:
        if day.day == asked and (day.bookable or not bookable):
            return asked
    return None


class BookingPage:
    """The booking page of one service for one day: what it offers, and its form."""

    def __init__(self, request: HttpRequest, point: ServicePoint, service: Service):
        self.request, self.point, self.service = request, point, service
        self.now = timezone.now()
        self.days = public.booking_days(service, self.now)
        self.buckets: list[public.BucketChoice] = []

    def form_for(self, day: date | None, data: Any = None, initial: Any = None) -> BookingForm:
        if day is None:
            self.buckets = []
            return BookingForm(data, initial=initial)
        slots = (
            selectors.slots_with_room(self.service, day, self.now)
            if self.service.slot_minutes
            else None
        )
        self.buckets = public.bucket_choices(self.service, day)
        return BookingForm(data, initial=initial, slots=slots, buckets=self.buckets)

    def render(
        self,
        form: BookingForm,
        day: date | None,
        *,
        once: str,
        status: int = 200,
        **context: Any,
    ) -> HttpResponse:
        return render(
            self.request,
            "queueing/public/book.html",
            {
                "point": self.point,
                "service": self.service,
                "days": self.days,
                "chosen": day,
                "chosen_label": public.day_label(day) if day else "",
                "form": form,
                "slots": list(form.slots.values()),
                "buckets": self.buckets,
                "once": once,
                **context,
            },
            status=status,
        )


@require_http_methods(["GET", "POST"])
@point_view
def book(request: HttpRequest, point: ServicePoint, prefix: str) -> HttpResponse:
    """Online booking: a date (closed and full days shown with why), a slot with the places
    left, a bucket if the service has them, and the person. A booking made answers 303 to
    its status page; bad input 400 (the form again, by field); a refusal 409 (the reason,
    and the next date that has room)."""
    page = BookingPage(request, point, _bookable_service(point, prefix))
    if request.method == "GET":
        day = _asked_day(page.days, request.GET.get("date"), bookable=True)
        day = day or _first_bookable(page.days)
        return page.render(page.form_for(day), day, once=once_token())

    once = str(request.POST.get("once") or "")
    shown = _asked_day(page.days, request.POST.get("show_date"), bookable=True)
    if shown is not None:
        # "Book that date instead": the form for the next open date, the details kept.
        kept = {key: request.POST.get(key, "") for key in ("name", "phone", "email", "nik")}
        kept["notify_ahead"] = request.POST.get("notify_ahead", "0")
        return page.render(page.form_for(shown, initial=kept), shown, once=once or once_token())

    day = _asked_day(page.days, request.POST.get("date"), bookable=False)
    form = page.form_for(day, data=request.POST)
    if day is None:
        form.is_valid()
        form.add_error(None, _("Choose one of the dates below."))
        return page.render(form, _first_bookable(page.days), once=once_token(), status=400)
    if not form.is_valid():
        return page.render(form, day, once=once_token() if form.once_refused else once, status=400)
    data = form.cleaned_data
    if _throttled(request, data["email"]):
        form.add_error(None, TOO_MANY)
        return page.render(form, day, once=once, status=429)
    if not _once_claim(once):
        return page.render(
            page.form_for(day), day, once=once_token(), status=409, already=ALREADY_SENT
        )
    try:
        ticket = _book(request, page, form, day)
    except ValidationError as error:
        _once_release(once)
        form.add_service_errors(error)
        return page.render(form, day, once=once, status=400)
    except services.QueueRefused as refused:
        _once_release(once)
        return page.render(
            form,
            day,
            once=once,
            status=409,
            refused=refused,
            refused_message=_refusal_message(refused, day, form.cleaned_data.get("slot") or ""),
            next_label=public.day_label(refused.next_open_date) if refused.next_open_date else "",
        )
    _booked_count(request, data["email"])
    return _see_other(selectors.status_url(ticket))


def _refusal_message(refused: services.QueueRefused, day: date, slot: str) -> str:
    """The refusal in the visitor's words, with the day as people say it (the service's
    own message names it in ISO form)."""
    label = public.day_label(day)
    if refused.code == "duplicate":
        return _("A number is already booked for this phone number or NIK on %(day)s.") % {
            "day": label
        }
    if refused.code == "full" and slot and refused.next_open_date == day:
        return _("The %(slot)s time on %(day)s has just filled up: choose another time.") % {
            "slot": slot,
            "day": label,
        }
    if refused.code == "full":
        return _("%(day)s is fully booked.") % {"day": label}
    if refused.code == "closed":
        return _("Booking for %(day)s has closed.") % {"day": label}
    return refused.message


def _book(request: HttpRequest, page: BookingPage, form: BookingForm, day: date) -> QueueTicket:
    data = form.cleaned_data
    slot = form.chosen_slot()
    with transaction.atomic():
        ticket = services.ticket_take(
            service=page.service,
            channel=QueueChannel.ONLINE,
            person=services.Person(
                name=data["name"], phone=data["phone"], email=data["email"], nik=data["nik"]
            ),
            bucket=data.get("bucket") or "",
            day=day,
            slot=slot.start if slot is not None else None,
            notify_ahead=data["notify_ahead"] or 0,
            now=page.now,
        )
        if ticket.email:
            _booking_mail(request, page.point, ticket)
    return ticket


def _booking_mail(request: HttpRequest, point: ServicePoint, ticket: QueueTicket) -> None:
    """The booking's link by e-mail, in the visitor's language, through the outbox (sent
    after the commit): the page it leads to is the only way back to the booking."""
    link = request.build_absolute_uri(selectors.status_url(ticket))
    context = {
        "ticket": ticket,
        "point": point,
        "link": link,
        "day": public.day_label(ticket.day),
        "slot": services.slot_label(ticket.slot_start, services.zone_of(point))
        if ticket.slot_start
        else "",
    }
    account_email_queue(
        organisation=point.organisation,
        to=[(ticket.name, ticket.email)],
        subject=_("Your queue number %(number)s at %(point)s")
        % {"number": ticket.number, "point": point.name},
        text=render_to_string("queueing/email/booked.txt", context),
    )


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303  # after a POST: the browser GETs the new page
    return response


# --- a ticket's status page ------------------------------------------------------------------


def _private(response: HttpResponse) -> HttpResponse:
    """A status page is one person's: kept out of search engines and shared caches."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    add_never_cache_headers(response)
    return response


def _status_page(
    request: HttpRequest, ticket: QueueTicket, now: datetime, *, status: int = 200, **extra: Any
) -> HttpResponse:
    view = public.status_view(ticket, now)
    link = request.build_absolute_uri(selectors.status_url(ticket))
    qr = public.qr_svg(link, _("QR code of queue number %(number)s") % {"number": ticket.number})
    context = {
        "ticket": ticket,
        "point": ticket.point,
        "view": view,
        "qr": qr if view["needs_check_in"] else "",
        "link": link,
        "day": public.day_label(ticket.day),
        "slot": services.slot_label(ticket.slot_start, services.zone_of(ticket.point))
        if ticket.slot_start
        else "",
        "phone": public.phone_masked(ticket.phone) if ticket.phone else "",
        **extra,
    }
    return _private(render(request, "queueing/public/status.html", context, status=status))


def _in_ticket_scope(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve a ticket's page from its token (404 for any other), in its organisation's
    scope and its service point's time zone."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str) -> HttpResponse:
        ticket = selectors.ticket_by_token(token)
        with scope(organisation=ticket.organisation_id), timezone.override(ticket.point.time_zone):
            return view(request, ticket)

    return wrapper


@require_GET
@_in_ticket_scope
def status_page(request: HttpRequest, ticket: QueueTicket) -> HttpResponse:
    """The number, where it stands and the wait, live; the QR code to check in a booking."""
    return _status_page(request, ticket, timezone.now())


@require_GET
@_in_ticket_scope
def status_json(request: HttpRequest, ticket: QueueTicket) -> HttpResponse:
    """The status page's live part, for the page to poll (every 30 s, and each time its
    websocket connects again: a dropped connection loses nothing)."""
    return _private(JsonResponse(public.status_payload(ticket, timezone.now())))


@require_POST
@_in_ticket_scope
def status_cancel(request: HttpRequest, ticket: QueueTicket) -> HttpResponse:
    """Cancel the number (the page asks to confirm first); only before it is called."""
    now = timezone.now()
    try:
        services.ticket_cancel(ticket=ticket, now=now)
    except services.QueueRefused as refused:
        ticket.refresh_from_db()
        return _status_page(request, ticket, now, status=409, refused=refused)
    return _see_other(selectors.status_url(ticket))
