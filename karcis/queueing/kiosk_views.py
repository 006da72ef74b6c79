"""The kiosk of a service point: a touch screen by the entrance where people take a number
or check in the booking they made online (/antrean/<org>/<point>/kiosk/<kiosk_key>/).

Only the office's own kiosk knows its key, so only it takes walk-in numbers (a wrong key is
a 404). The kiosk is a page left open for days: every screen returns to the start by itself,
the start page reloads itself now and then while nobody uses it (a fresh CSRF token), and a
form sent with a token that has gone stale answers with the kiosk's own "try again" screen,
which returns to the start, rather than with Django's error page, which would strand it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from secrets import compare_digest
from typing import Any
from urllib.parse import urlencode, urlsplit

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST, require_safe

from karcis.core.throttle import Limit, client_of
from karcis.queueing import printing, selectors, services
from karcis.queueing.models import QueueChannel, QueueStatus, QueueTicket, Service, ServicePoint
from karcis.queueing.point_pages import ENGLISH, page_language, point_page

logger = logging.getLogger(__name__)

# Numbers taken from one address. A kiosk serves one person every ten seconds at best; more
# than this is a script that has the kiosk's address, not a queue.
TAKES_PER_CLIENT = Limit("queue-kiosk-take", limit=120, window_seconds=15 * 60)
# Check-ins that found nothing (a number with wrong phone digits, an unknown code): guessing
# the four digits of someone's phone takes many more.
FAILED_CHECK_INS_PER_CLIENT = Limit("queue-kiosk-check-in", limit=20, window_seconds=15 * 60)
# The network printer must answer quickly: the person stands at the kiosk meanwhile.
PRINT_TIMEOUT_SECONDS = 4.0
# How long the receipt and the answers stay on screen before the kiosk starts again.
BACK_TO_START_SECONDS = 15
BACK_AFTER_REFUSAL_SECONDS = 20

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_NUMBER = re.compile(r"^([A-Za-z]{1,3})\s*[-.]?\s*(\d{1,5})$")


# --- what the screens need -----------------------------------------------------------------


def _check_key(point: ServicePoint, key: str) -> None:
    if not point.kiosk_key or not compare_digest(point.kiosk_key.encode(), key.encode()):
        raise Http404


def _url(name: str, point: ServicePoint, key: str, language: str, **kwargs: Any) -> str:
    url = reverse(
        f"queueing:{name}",
        kwargs={"org": point.organisation.slug, "point": point.slug, "key": key, **kwargs},
    )
    return f"{url}?lang={ENGLISH}" if language == ENGLISH else url


def _start_url(point: ServicePoint, key: str) -> str:
    """The start screen, in Bahasa Indonesia: the next person starts from the default."""
    return _url("kiosk", point, key, "")


@dataclass(frozen=True)
class Choice:
    """One button of the start screen: a service, or one bucket of it (JKN, umum)."""

    value: str
    service: Service
    bucket: str = ""
    bucket_label: str = ""


def _choices(point: ServicePoint) -> list[Choice]:
    choices = []
    for service in selectors.services_of(point):
        if not service.buckets:
            choices.append(Choice(str(service.pk), service))
        for bucket in service.buckets:
            value = f"{service.pk}:{bucket['key']}"
            choices.append(Choice(value, service, bucket["key"], bucket["label"]))
    return choices


def _next_opening(point: ServicePoint, now: datetime) -> datetime | None:
    """When the point opens next after `now` (within a fortnight)."""
    today = services.today_at(point, now)
    for offset in range(15):
        for start, _end in services.open_intervals_on(point, today + timedelta(days=offset)):
            if start > now:
                return start
    return None


def _opening_hours_now(point: ServicePoint, now: datetime) -> dict[str, Any]:
    """Whether numbers are taken now (as `ticket_take` decides: an open day, until its
    closing), and when the doors open when that is still to come."""
    intervals = services.open_intervals_on(point, services.today_at(point, now))
    if not intervals or intervals[-1][1] <= now:
        return {"closed": True, "opens": _next_opening(point, now)}
    first_start = intervals[0][0]
    return {"closed": False, "opens": first_start if first_start > now else None}


def _when(moment: datetime | None) -> str:
    """ "Senin, 15 Desember 2026 pukul 08.00" in the page's language and the point's zone."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return _("%(day)s at %(time)s") % {
        "day": date_format(local, "l, j F Y"),
        "time": time_format(local, "TIME_FORMAT"),
    }


def _day(day: date) -> str:
    return date_format(day, "l, j F Y")


def _ahead_text(ahead: int | None) -> str:
    if not ahead:
        return _("Nobody is ahead of you.")
    return ngettext(
        "%(count)s person is ahead of you.", "%(count)s people are ahead of you.", ahead
    ) % {"count": ahead}


def _status_address(ticket: QueueTicket) -> str:
    """The ticket's status page as a phone reaches it: the site's public address, not the
    one the kiosk uses (which may be the office's own network)."""
    return settings.KARCIS_BASE_URL.rstrip("/") + selectors.status_url(ticket)


def _qr_data_uri(text: str) -> str:
    return str(segno.make(text, error="m").svg_data_uri(border=2, dark="#000"))


# --- outcomes ------------------------------------------------------------------------------


def _outcome(
    request: HttpRequest,
    point: ServicePoint,
    key: str,
    *,
    status: int,
    tone: str,
    title: str,
    lines: list[str],
    ticket: QueueTicket | None = None,
    back_after: int = BACK_AFTER_REFUSAL_SECONDS,
) -> HttpResponse:
    """An answer screen: what happened and what to do next, in big friendly text; it returns
    to the start after `back_after` seconds."""
    return render(
        request,
        "queueing/kiosk/outcome.html",
        {
            "point": point,
            "tone": tone,
            "title": title,
            "lines": [line for line in lines if line],
            "ticket": ticket,
            "counter": ticket.counter if ticket is not None else None,
            "start_url": _start_url(point, key),
            "back_after": back_after,
        },
        status=status,
    )


def _too_many(request: HttpRequest, point: ServicePoint, key: str) -> HttpResponse:
    return _outcome(
        request,
        point,
        key,
        status=429,
        tone="error",
        title=_("Please wait a moment"),
        lines=[
            _("This kiosk has been used very often in a short time."),
            _("Please ask the staff at the information desk for help."),
        ],
    )


def _stale_form(request: HttpRequest, point: ServicePoint, key: str) -> HttpResponse:
    return _outcome(
        request,
        point,
        key,
        status=403,
        tone="warn",
        title=_("Please try again"),
        lines=[
            _("The screen had been open for a long time, so nothing was done."),
            _("It starts again now: please make your choice once more."),
        ],
        back_after=3,
    )


def _unused_response(request: HttpRequest) -> HttpResponse:
    return HttpResponse()


def _csrf_refused(request: HttpRequest) -> bool:
    """Django's own CSRF check, run by the view so that a refusal shows the kiosk's screen."""
    checker = CsrfViewMiddleware(_unused_response)
    return checker.process_view(request, _unused_response, (), {}) is not None


def _counted(limit: Limit, request: HttpRequest) -> bool:
    """Count one attempt of this client; False when it had already reached the limit."""
    client = client_of(request)
    if limit.count(client) >= limit.limit:
        return False
    limit.add_one(client)
    return True


# --- the start screen ----------------------------------------------------------------------


@require_safe  # HEAD too: the idle start screen asks whether the server answers
@point_page
def kiosk(request: HttpRequest, point: ServicePoint, key: str) -> HttpResponse:
    """Take a number (one button per service, or per bucket of it), or check in a booking."""
    _check_key(point, key)
    language = page_language(request)
    hours = _opening_hours_now(point, timezone.now())
    return render(
        request,
        "queueing/kiosk/start.html",
        {
            "point": point,
            "choices": _choices(point),
            "closed": hours["closed"],
            "opens": _when(hours["opens"]),
            "take_url": _url("kiosk_take", point, key, language),
            "check_in_url": _url("kiosk_check_in", point, key, language),
            "english_url": _url("kiosk", point, key, ENGLISH),
            "indonesian_url": _start_url(point, key),
            "language": language,
        },
    )


# --- taking a number -----------------------------------------------------------------------


def _chosen(point: ServicePoint, value: str) -> Choice | None:
    return next((choice for choice in _choices(point) if choice.value == value), None)


def _refused(
    request: HttpRequest,
    point: ServicePoint,
    key: str,
    refusal: services.QueueRefused,
    service: Service,
) -> HttpResponse:
    if refusal.code == "closed":
        opens = _next_opening(point, timezone.now())
        title = _("The office is closed now")
        lines = [
            _("Numbers are taken on open days, until closing time."),
            _("We open again on %(when)s.") % {"when": _when(opens)} if opens else "",
            _("You can also book a time online before you come."),
        ]
    elif refusal.code == "full":
        title = _("Today's numbers for %(service)s are all taken") % {"service": service.name}
        lines = [
            _("The quota for today is full: no more numbers can be taken for this service."),
            _("You can book a time online for %(day)s.") % {"day": _day(refusal.next_open_date)}
            if refusal.next_open_date
            else _("Please ask the staff at the information desk what to do."),
        ]
    else:
        title = _("No number was taken")
        lines = [refusal.message, _("Please ask the staff at the information desk for help.")]
    return _outcome(request, point, key, status=409, tone="error", title=title, lines=lines)


def _ticket_lines(ticket: QueueTicket, ahead: int | None) -> printing.TicketPrint:
    return printing.TicketPrint(
        organisation=ticket.point.name,
        service=ticket.service.name,
        number=ticket.number,
        issued=_when(ticket.created_at),
        ahead=_ahead_text(ahead),
        status_url=_status_address(ticket),
        footer=_("Please wait until your number is called."),
    )


def _print(point: ServicePoint, ticket: QueueTicket) -> bool:
    """Send the ticket to the point's receipt printer; False when it could not be printed
    (the number is taken all the same: the screen shows it)."""
    lines = _ticket_lines(ticket, selectors.people_ahead(ticket))
    try:
        printing.print_ticket(
            host=point.printer_host,
            port=point.printer_port,
            lines=lines,
            timeout=PRINT_TIMEOUT_SECONDS,
        )
    except printing.PrinterError as error:
        logger.warning(
            "Queue ticket %s (id %s) was not printed: %s", ticket.number, ticket.pk, error
        )
        return False
    return True


@csrf_exempt  # checked by the view itself (_csrf_refused), to answer with the kiosk's screen
@require_POST
@point_page
def kiosk_take(request: HttpRequest, point: ServicePoint, key: str) -> HttpResponse:
    """Take a number for the chosen service: 303 to its receipt, printed on the point's
    network printer when it has one; 409 when the office is closed or the quota is full."""
    _check_key(point, key)
    if _csrf_refused(request):
        return _stale_form(request, point, key)
    if not _counted(TAKES_PER_CLIENT, request):
        return _too_many(request, point, key)
    choice = _chosen(point, request.POST.get("layanan", ""))
    if choice is None:
        return _outcome(
            request,
            point,
            key,
            status=400,
            tone="error",
            title=_("Choose a service"),
            lines=[_("Tap the button of the service you came for.")],
        )
    try:
        ticket = services.ticket_take(
            service=choice.service, channel=QueueChannel.KIOSK, bucket=choice.bucket
        )
    except services.QueueRefused as refusal:
        return _refused(request, point, key, refusal, choice.service)
    except ValidationError as error:
        return _outcome(
            request,
            point,
            key,
            status=400,
            tone="error",
            title=_("No number was taken"),
            lines=error.messages,
        )
    # ticket_take has committed: the number is kept whatever the printer does next.
    query: dict[str, str] = {}
    if page_language(request) == ENGLISH:
        query["lang"] = ENGLISH
    if point.printer_host:
        query["cetak"] = "ok" if _print(point, ticket) else "gagal"
    receipt = reverse(
        "queueing:kiosk_receipt",
        kwargs={
            "org": point.organisation.slug,
            "point": point.slug,
            "key": key,
            "token": ticket.token,
        },
    )
    response = HttpResponseRedirect(f"{receipt}?{urlencode(query)}" if query else receipt)
    response.status_code = 303
    return response


@require_GET
@point_page
def kiosk_receipt(request: HttpRequest, point: ServicePoint, key: str, token: str) -> HttpResponse:
    """The number just taken, huge, with its service, the people ahead, the time and the QR
    code of its status page; printed by the browser on receipt paper when the point has no
    network printer."""
    _check_key(point, key)
    ticket = selectors.ticket_by_token(token)
    if ticket.point_id != point.pk or ticket.day != services.today_at(point):
        raise Http404
    bucket_label = next(
        (entry["label"] for entry in ticket.service.buckets if entry["key"] == ticket.bucket), ""
    )
    if not point.printer_host:
        printer = "browser"
    else:
        printer = "failed" if request.GET.get("cetak") == "gagal" else "printer"
    address = _status_address(ticket)
    return render(
        request,
        "queueing/kiosk/receipt.html",
        {
            "point": point,
            "ticket": ticket,
            "bucket_label": bucket_label,
            "ahead": _ahead_text(selectors.people_ahead(ticket)),
            "issued": _when(ticket.created_at),
            "qr": _qr_data_uri(address),
            "status_address": address,
            "printer": printer,
            "start_url": _start_url(point, key),
            "back_after": BACK_TO_START_SECONDS,
        },
    )


# --- checking in ---------------------------------------------------------------------------


def token_in(scanned: str) -> str | None:
    """The status page token in what a scanner typed: the page's address or the bare token."""
    text = scanned.strip()
    path = urlsplit(text).path if "/" in text else text
    for part in reversed([part for part in path.split("/") if part]):
        if _TOKEN.match(part):
            return part
    return None


def number_normalised(typed: str) -> str | None:
    """ "a12", "A 012", "A-012" → "A-012" (None when it is not a queue number)."""
    found = _NUMBER.match(typed.strip())
    if found is None:
        return None
    return f"{found.group(1).upper()}-{int(found.group(2)):03d}"


def _found_by_token(point: ServicePoint, scanned: str) -> QueueTicket | None:
    token = token_in(scanned)
    if token is None:
        return None
    try:
        return selectors.ticket_by_token(token)
    except Http404:
        return None


def _not_found(
    request: HttpRequest, point: ServicePoint, key: str, by_number: bool
) -> HttpResponse:
    FAILED_CHECK_INS_PER_CLIENT.add_one(client_of(request))
    if by_number:
        # The same words whether the number exists or not: a number and a guess of four
        # digits must not tell whose booking it is.
        lines = [
            _("No booking matches this number and these digits."),
            _("Check both, or scan the QR code of your booking."),
        ]
    else:
        lines = [
            _("This code is not a queue ticket or a booking."),
            _("Scan the QR code on your ticket or in your booking, or type your number."),
        ]
    return _outcome(
        request,
        point,
        key,
        status=404,
        tone="error",
        title=_("Not found"),
        lines=[*lines, _("The staff at the information desk can help you.")],
    )


def _answer_for(
    request: HttpRequest, point: ServicePoint, key: str, ticket: QueueTicket
) -> HttpResponse:
    """Check the ticket in, queue a returning no-show again, or say where it stands."""
    now = timezone.now()
    today = services.today_at(point, now)

    def done(tone: str, title: str, *lines: str, status: int = 200) -> HttpResponse:
        return _outcome(
            request,
            point,
            key,
            status=status,
            tone=tone,
            title=title,
            lines=list(lines),
            ticket=ticket,
            back_after=BACK_TO_START_SECONDS if status == 200 else BACK_AFTER_REFUSAL_SECONDS,
        )

    if ticket.point_id != point.pk:
        return done(
            "error",
            _("This number is for another office"),
            _("It was taken for %(point)s. Please go there, or take a number here.")
            % {"point": ticket.point.name},
            status=409,
        )
    if ticket.status == QueueStatus.BOOKED and ticket.day != today:
        return done(
            "error",
            _("This booking is for another day"),
            _("Your booking is for %(day)s. Please come back on that day: it stays booked.")
            % {"day": _day(ticket.day)}
            if ticket.day > today
            else _("Your booking was for %(day)s. Please take a new number.")
            % {"day": _day(ticket.day)},
            status=409,
        )
    try:
        if ticket.status == QueueStatus.BOOKED:
            ticket = services.ticket_check_in(ticket=ticket, now=now)
            if ticket.status == QueueStatus.ARRIVED and ticket.slot_start is not None:
                return done(
                    "ok",
                    _("You are checked in"),
                    _("You will be called at your slot time, %(time)s.")
                    % {"time": time_format(timezone.localtime(ticket.slot_start), "TIME_FORMAT")},
                    _("Please wait in the waiting room."),
                )
            return done(
                "ok",
                _("You are checked in"),
                _ahead_text(selectors.people_ahead(ticket, now)),
                _("Please wait until your number is called."),
            )
        if ticket.status == QueueStatus.NO_SHOW and ticket.day == today:
            ticket = services.ticket_requeue(ticket=ticket, now=now)
            return done(
                "ok",
                _("Welcome back: you are in line again"),
                _ahead_text(selectors.people_ahead(ticket, now)),
                _("Please stay close so that you hear your number called."),
            )
    except services.QueueRefused as refusal:
        return done("error", _("Nothing was changed"), refusal.message, status=409)
    if ticket.status in (QueueStatus.ARRIVED, QueueStatus.WAITING):
        return done(
            "info",
            _("You are already in line"),
            _ahead_text(selectors.people_ahead(ticket, now)),
            _("Please wait until your number is called."),
        )
    if ticket.status == QueueStatus.CALLED and ticket.counter is not None:
        return done(
            "info",
            _("Your number is being called"),
            _("Please go to %(counter)s now.") % {"counter": ticket.counter.name},
        )
    if ticket.status in (QueueStatus.SERVING, QueueStatus.PARKED, QueueStatus.CALLED):
        return done(
            "info",
            _("You are being served"),
            _("Please return to your counter."),
        )
    return done(
        "error",
        _("This number is no longer in use"),
        _(
            "It has been served, cancelled or has expired. Please take a new number if you need one."
        ),
        status=409,
    )


@csrf_exempt  # checked by the view itself (_csrf_refused), to answer with the kiosk's screen
@require_POST
@point_page
def kiosk_check_in(request: HttpRequest, point: ServicePoint, key: str) -> HttpResponse:
    """Check in a booking by its QR code (the status page's address or its bare token, as a
    scanner types it) or by its number and the last four digits of its phone number; a
    no-show who comes back is queued again."""
    _check_key(point, key)
    if _csrf_refused(request):
        return _stale_form(request, point, key)
    client = client_of(request)
    if FAILED_CHECK_INS_PER_CLIENT.count(client) >= FAILED_CHECK_INS_PER_CLIENT.limit:
        return _too_many(request, point, key)
    scanned = request.POST.get("kode", "").strip()
    if scanned:
        ticket = _found_by_token(point, scanned)
        if ticket is None:
            return _not_found(request, point, key, by_number=False)
        return _answer_for(request, point, key, ticket)
    number = number_normalised(request.POST.get("nomor", ""))
    phone_end = request.POST.get("hp", "").strip()
    if number is None or len(phone_end) != 4 or not phone_end.isdigit():
        return _outcome(
            request,
            point,
            key,
            status=400,
            tone="error",
            title=_("Check what you typed"),
            lines=[
                _(
                    "Type your queue number, e.g. A-012, and the last 4 digits of your phone number."
                ),
                _("Or scan the QR code of your booking."),
            ],
        )
    found = selectors.ticket_by_number_and_phone(point, number, phone_end, services.today_at(point))
    if found is None:
        return _not_found(request, point, key, by_number=True)
    return _answer_for(request, point, key, found)
