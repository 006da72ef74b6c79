"""What the citizen's public pages show (karcis.queueing.public_views): a service point's day
(its hours, or closed and why), the days and slots a service can be booked on, and a
ticket's status in words, as the status page, its JSON and its websocket send it.

Reads only. The rules (who may see a ticket: whoever holds its token) are the selectors';
this module shapes what they return for people, never with a name or a full phone number:
a status page's address gets shared, and screenshots of it more so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import segno
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from karcis.calendars import selectors as calendars
from karcis.queueing import selectors
from karcis.queueing.models import (
    IN_LINE,
    QueueChannel,
    QueueStatus,
    QueueTicket,
    Service,
    ServiceDay,
    ServicePoint,
)
from karcis.queueing.nik import MASK
from karcis.queueing.services import (
    _booking_open_on,
    _quota_left,
    hours_of_point,
    open_intervals_on,
    slot_label,
    slots_on,
    today_at,
    zone_of,
)

ONLINE = QueueChannel.ONLINE.value

# --- a service point's day ------------------------------------------------------------------


def calendar_of_point(point: ServicePoint) -> Any:
    """The calendar whose hours the point keeps (a calendars.BusinessCalendar): its own, else
    the organisation's default; None: open around the clock."""
    if point.calendar_id is not None:
        return point.calendar
    return calendars.calendar_for(organisation_id=point.organisation_id)


class Closures:
    """Why a point is closed on a day: a holiday's name, or "" for a weekly closed day.
    Holidays are read once per year asked, and only for a closed day that is not a weekly
    closed day (Saturdays and Sundays need no query)."""

    def __init__(self, point: ServicePoint):
        self.point = point
        self._weekly = hours_of_point(point).weekly
        self._calendar: Any = None
        self._years: dict[int, dict[date, str]] = {}

    def reason(self, day: date) -> str:
        if not self._weekly[day.weekday()]:
            return ""
        if day.year not in self._years:
            self._years[day.year] = self._holidays(day.year)
        return self._years[day.year].get(day, "")

    def _holidays(self, year: int) -> dict[date, str]:
        if self._calendar is None:
            self._calendar = calendar_of_point(self.point)
            if self._calendar is None:
                return {}
        return {
            holiday.date: holiday.name
            for holiday in calendars.holidays_of(calendar=self._calendar, year=year)
            if holiday.closed
        }


@dataclass(frozen=True)
class PointDay:
    """A point's opening hours on one day, as "08:00–12:00, 13:00–15:00"; when closed, the
    holiday's name if it is one."""

    day: date
    hours: str
    closed_reason: str = ""
    open_now: bool = False

    @property
    def closed(self) -> bool:
        return not self.hours


def _hours_text(point: ServicePoint, intervals: list[tuple[datetime, datetime]]) -> str:
    zone = zone_of(point)

    def end_label(start: datetime, end: datetime) -> str:
        # An interval open until midnight ends on the next day's 00:00: people say 24:00.
        crosses = end.astimezone(zone).date() > start.astimezone(zone).date()
        return "24:00" if crosses else slot_label(end, zone)

    return ", ".join(
        f"{slot_label(start, zone)}–{end_label(start, end)}" for start, end in intervals
    )


def point_day(point: ServicePoint, now: datetime) -> PointDay:
    """Today at the service point."""
    today = today_at(point, now)
    intervals = open_intervals_on(point, today)
    if not intervals:
        return PointDay(today, "", Closures(point).reason(today))
    open_now = any(start <= now < end for start, end in intervals)
    return PointDay(today, _hours_text(point, intervals), open_now=open_now)


def waiting_by_service(point: ServicePoint, day: date) -> dict[int, int]:
    """How many are in line now, per service id (one query)."""
    rows = (
        QueueTicket.objects.filter(point=point, day=day, status__in=IN_LINE)
        .values_list("service_id")
        .annotate(count=Count("id"))
        .values_list("service_id", "count")
    )
    return dict(rows)


# --- booking: the days and their state ------------------------------------------------------

OPEN, CLOSED, FULL, OVER = "open", "closed", "full", "over"


@dataclass(frozen=True)
class BookingDay:
    """One day of a service's booking window. `state`: open (bookable), closed (the point
    is closed; `reason`: the holiday), full (no place left online), over (booking for the
    day has closed). `left`: places left online, None when no quota or slot limits them."""

    day: date
    state: str
    reason: str = ""
    left: int | None = None

    @property
    def bookable(self) -> bool:
        return self.state == OPEN


def _slot_room(service: Service, day: date, taken: dict[str, int], now: datetime) -> int:
    zone = zone_of(service.point)
    return sum(
        max(0, service.slot_capacity - taken.get(slot_label(start, zone), 0))
        for start in slots_on(service, day)
        if start > now
    )


def places_left(
    service: Service, counts: ServiceDay | None, day: date, now: datetime, bucket: str = ""
) -> int | None:
    """Places left online on a day, by the quotas (of the bucket, if given) and the room
    left in the day's slots that have not started; None: nothing limits them."""
    used = counts.used if counts is not None else {}
    left = _quota_left(service, used, ONLINE, bucket)
    if service.slot_minutes:
        room = _slot_room(service, day, counts.slots if counts is not None else {}, now)
        left = room if left is None else min(left, room)
    return left


def _any_bucket_has_room(service: Service, counts: ServiceDay | None) -> bool:
    if not service.buckets:
        return True
    used = counts.used if counts is not None else {}
    for bucket in service.buckets:
        left = _quota_left(service, used, ONLINE, bucket["key"])
        if left is None or left > 0:
            return True
    return False


def booking_days(service: Service, now: datetime) -> list[BookingDay]:
    """Every day of the service's booking window with its state (one query for the
    counts, and the holidays' names when a working day is closed)."""
    point = service.point
    days = selectors.booking_days(service, now)
    counts = {row.day: row for row in ServiceDay.objects.filter(service=service, day__in=days)}
    closures = Closures(point)
    result = []
    for day in days:
        if not open_intervals_on(point, day):
            result.append(BookingDay(day, CLOSED, closures.reason(day)))
        elif not _booking_open_on(service, day, now):
            result.append(BookingDay(day, OVER))
        else:
            row = counts.get(day)
            left = places_left(service, row, day, now)
            full = (left is not None and left <= 0) or not _any_bucket_has_room(service, row)
            result.append(BookingDay(day, FULL if full else OPEN, left=left))
    return result


@dataclass(frozen=True)
class BucketChoice:
    key: str
    label: str
    left: int | None


def bucket_choices(service: Service, day: date) -> list[BucketChoice]:
    """The service's buckets (JKN, umum…) with the places their quotas leave on a day."""
    if not service.buckets:
        return []
    row = ServiceDay.objects.filter(service=service, day=day).first()
    used = row.used if row is not None else {}
    return [
        BucketChoice(
            bucket["key"], bucket["label"], _quota_left(service, used, ONLINE, bucket["key"])
        )
        for bucket in service.buckets
    ]


def day_label(day: date) -> str:
    """A day as people say it, in the active language: "Senin, 14 Desember 2026"."""
    return formats.date_format(day, "l, j F Y")


# --- a ticket's status page -----------------------------------------------------------------

# Each status in the words of the person holding the number, with what it asks of them.
STATUS_WORDS: dict[str, tuple[Any, Any]] = {
    QueueStatus.BOOKED: (
        gettext_lazy("Booked"),
        gettext_lazy(
            "Come at your time and check in at the kiosk by scanning the QR code below. You "
            "join the line when you check in."
        ),
    ),
    QueueStatus.ARRIVED: (
        gettext_lazy("Checked in"),
        gettext_lazy("You are in line and will be called from your booked time."),
    ),
    QueueStatus.WAITING: (
        gettext_lazy("Waiting"),
        gettext_lazy("You are in line. Keep this page open: it follows the line as it moves."),
    ),
    QueueStatus.CALLED: (gettext_lazy("Called"), gettext_lazy("It is your turn.")),
    QueueStatus.SERVING: (gettext_lazy("Being served"), gettext_lazy("You are being served.")),
    QueueStatus.PARKED: (
        gettext_lazy("Set aside"),
        gettext_lazy(
            "The counter has set your number aside for a moment. Please stay nearby: you "
            "will be called again."
        ),
    ),
    QueueStatus.DONE: (gettext_lazy("Done"), gettext_lazy("Thank you for coming.")),
    QueueStatus.NO_SHOW: (
        gettext_lazy("Missed"),
        gettext_lazy(
            "Your number was called but nobody came. If you are at the office, ask at a "
            "counter or the information desk to be put back in line."
        ),
    ),
    QueueStatus.CANCELLED: (
        gettext_lazy("Cancelled"),
        gettext_lazy("This number is cancelled and is no longer in line."),
    ),
    QueueStatus.TRANSFERRED: (
        gettext_lazy("Transferred"),
        gettext_lazy("You were sent on to another service, with a new number."),
    ),
}

# While a number may still be cancelled (not yet called), and while its QR code is needed
# to check in.
CANCELLABLE = (QueueStatus.BOOKED, *IN_LINE)
NEEDS_CHECK_IN = (QueueStatus.BOOKED,)

WAIT_UNKNOWN = {
    "no_counter": gettext_lazy(
        "No counter is serving this service yet: the estimate appears once one opens."
    ),
    "no_history": gettext_lazy(
        "No estimate yet: this service has no recorded service times to go by."
    ),
    "closing": gettext_lazy(
        "The counters may close before your number is called: please ask at the office."
    ),
}


def _minutes(seconds: int, *, up: bool) -> int:
    whole, part = divmod(max(0, seconds), 60)
    return whole + (1 if up and part else 0)


def wait_text(wait: selectors.Wait | None) -> str:
    """The wait as a sentence: "about 12 min, between 8 and 18 min"; or why there is none."""
    if wait is None:
        return ""
    if wait.unknown:
        return str(WAIT_UNKNOWN.get(wait.reason, _("No estimate now.")))
    high = _minutes(wait.high, up=True)
    if high <= 1:
        return _("any moment now")
    low = _minutes(wait.low, up=False)
    expected = min(max(_minutes(wait.expected, up=False), low), high)
    if low == high:
        return _("about %(expected)d min") % {"expected": expected}
    return _("about %(expected)d min, between %(low)d and %(high)d min") % {
        "expected": expected,
        "low": low,
        "high": high,
    }


def phone_masked(phone: str) -> str:
    """A phone number for display, its middle hidden: +62812•••••890 (a short one shows
    less of itself; one too short to keep anything hidden is masked whole)."""
    size = len(phone)
    head, tail = (6, 3) if size >= 14 else (3, 2) if size >= 8 else (0, 0)
    if not head:
        return MASK * size
    return phone[:head] + MASK * (size - head - tail) + phone[-tail:]


def transferred_to(ticket: QueueTicket) -> QueueTicket | None:
    """The number a transferred ticket became (the same person's, so it may be linked)."""
    if ticket.status != QueueStatus.TRANSFERRED:
        return None
    return (
        QueueTicket.objects.select_related("service")
        .filter(transferred_from=ticket)
        .order_by("-id")
        .first()
    )


def status_view(ticket: QueueTicket, now: datetime | None = None) -> dict[str, Any]:
    """What the status page shows of a ticket, besides its number: the status in words,
    where it stands, the wait, and where to go when called."""
    now = now or timezone.now()
    status = selectors.status_of(ticket, now)
    title, explanation = STATUS_WORDS[ticket.status]
    counter = ticket.counter if ticket.status in (QueueStatus.SERVING, QueueStatus.PARKED) else None
    return {
        **status,
        "title": str(title),
        "explanation": str(explanation),
        "wait_text": wait_text(status["wait"]),
        "called_to": status["counter"],
        "at_counter": counter,
        "moved": transferred_to(ticket),
        "cancellable": ticket.status in CANCELLABLE,
        "needs_check_in": ticket.status in NEEDS_CHECK_IN,
    }


def status_fragment(view: dict[str, Any]) -> str:
    """The live part of the status page, as the page, its JSON and its socket show it
    (in the active language)."""
    return render_to_string("queueing/public/_status_live.html", {"view": view})


def status_payload(ticket: QueueTicket, now: datetime | None = None) -> dict[str, Any]:
    """The status page's JSON (status.json and each websocket message): the figures, and the
    live part of the page rendered."""
    view = status_view(ticket, now)
    wait = view["wait"]
    return {
        "number": ticket.number,
        "status": ticket.status,
        "status_label": view["title"],
        "position": view["position"],
        "ahead": view["ahead"],
        "estimated_wait": None
        if wait is None
        else {
            "low": wait.low,
            "high": wait.high,
            "expected": wait.expected,
            "unknown": wait.unknown,
            "reason": wait.reason,
            "text": view["wait_text"],
        },
        "counter": view["called_to"].code if view["called_to"] is not None else None,
        "cancellable": view["cancellable"],
        "html": status_fragment(view),
    }


def qr_svg(url: str, title: str) -> str:
    """The QR code of a URL as inline SVG (sized by the stylesheet; no style attribute, which
    the Content-Security-Policy refuses)."""
    code = segno.make(url, error="m")
    return code.svg_inline(scale=1, border=2, omitsize=True, svgclass="qr", title=title)
