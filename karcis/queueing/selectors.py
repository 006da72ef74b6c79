"""Reads of the public queues: who may see what, where a ticket stands and how long it may
wait, what the board and a counter's console show, which slots still have room.

Visibility: a queue ticket's status page is reached by its unguessable token (the QR code
on the ticket), never by its number; staff see their own organisation's queues, a counter's
console needs the capability to work at a counter; the board shows numbers and counters
only, never a name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from karcis.core.models import Organisation, User, as_member
from karcis.core.permissions import user_can
from karcis.queueing import permissions
from karcis.queueing.models import (
    IN_LINE,
    Counter,
    QueueStatus,
    QueueTicket,
    Service,
    ServiceDay,
    ServicePoint,
)

# --- lookups ------------------------------------------------------------------------------


def organisation_by_slug(slug: str) -> Organisation | None:
    return Organisation.objects.filter(slug=slug).first()


def point_by_slugs(org: str, point: str) -> ServicePoint:
    """The active service point at /antrean/<org>/<point>/ (Http404 otherwise). Call inside
    the organisation's scope."""
    found = (
        ServicePoint.objects.select_related("organisation", "calendar")
        .filter(organisation__slug=org, slug=point, is_active=True)
        .first()
    )
    if found is None:
        raise Http404
    return found


def services_of(point: ServicePoint) -> list[Service]:
    return list(Service.objects.filter(point=point, is_active=True).select_related("point"))


def ticket_by_token(token: str) -> QueueTicket:
    """The ticket whose status page this is (Http404 for any other token); any organisation."""
    with scopes_disabled():
        found = (
            QueueTicket.objects.select_related(
                "service", "point__organisation", "counter", "point__calendar"
            )
            .filter(token=token)
            .first()
        )
    if found is None or not token:
        raise Http404
    return found


def points_visible_to(user: User) -> list[ServicePoint]:
    if not (
        user_can(user, permissions.OPERATE)
        or user_can(user, permissions.MANAGE)
        or user_can(user, permissions.ANALYTICS)
    ):
        return []
    return list(
        ServicePoint.objects.filter(organisation_id=as_member(user).organisation_id).select_related(
            "organisation"
        )
    )


def counter_get_for_user(*, user: User, pk: int) -> Counter:
    """A counter this staff member may work at (Http404 for anyone else's)."""
    if not user_can(user, permissions.OPERATE):
        raise Http404
    found = (
        Counter.objects.select_related("point__organisation", "staff")
        .filter(pk=pk, organisation_id=as_member(user).organisation_id, is_active=True)
        .first()
    )
    if found is None:
        raise Http404
    return found


def ticket_get_for_user(*, user: User, pk: int) -> QueueTicket:
    if not (user_can(user, permissions.OPERATE) or user_can(user, permissions.MANAGE)):
        raise Http404
    found = (
        QueueTicket.objects.select_related("service", "point__organisation", "counter")
        .filter(pk=pk, organisation_id=as_member(user).organisation_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def status_url(ticket: QueueTicket) -> str:
    return reverse("queueing:status", kwargs={"token": ticket.token})


# --- where a ticket stands ----------------------------------------------------------------


def people_ahead(ticket: QueueTicket, now: datetime | None = None) -> int | None:
    """How many in the service's line will be called before this ticket (None: it is not
    in line)."""
    if ticket.status not in IN_LINE or ticket.queued_at is None:
        return None
    before = Q(queued_at__lt=ticket.queued_at) | Q(queued_at=ticket.queued_at, id__lt=ticket.pk)
    return (
        QueueTicket.objects.filter(service_id=ticket.service_id, status__in=IN_LINE, day=ticket.day)
        .filter(Q(counter__isnull=True) | Q(counter_id=ticket.counter_id))
        .filter(before)
        .count()
    )


@dataclass(frozen=True)
class Wait:
    """An estimated wait in seconds, the range holding nominally 80% of waits; `unknown`:
    no estimate (`reason`: no counter serving yet, no history, closing first)."""

    low: int
    high: int
    expected: int
    unknown: bool = False
    reason: str = ""


def estimated_wait(ticket: QueueTicket, ahead: int, now: datetime | None = None) -> Wait | None:
    from karcis.queueing import estimates

    return estimates.wait_for(ticket, ahead, now or timezone.now())


def status_of(ticket: QueueTicket, now: datetime | None = None) -> dict[str, Any]:
    """What the status page and the API say of a ticket."""
    now = now or timezone.now()
    ahead = people_ahead(ticket, now)
    wait = estimated_wait(ticket, ahead, now) if ahead is not None else None
    return {
        "ticket": ticket,
        "number": ticket.number,
        "status": ticket.status,
        "status_label": QueueStatus(ticket.status).label,
        "position": ahead + 1 if ahead is not None else None,
        "ahead": ahead,
        "wait": wait,
        "counter": ticket.counter if ticket.status in (QueueStatus.CALLED,) else None,
        "status_url": status_url(ticket),
    }


# --- the board and the consoles -------------------------------------------------------------


def call_of(ticket: QueueTicket, counter: Counter, *, recall: bool) -> dict[str, Any]:
    """One call as the board shows and speaks it (no name: the board is public)."""
    from karcis.queueing.speech import call_phrase

    return {
        "ticket": ticket.pk,
        "number": ticket.number,
        "counter": counter.code,
        "counter_name": counter.name,
        "service": ticket.service_id,
        "phrase": call_phrase(ticket.number, counter.code, "id"),
        "audio": reverse(
            "queueing:call_audio", kwargs={"ticket": ticket.pk, "calls": ticket.calls}
        ),
        "at": (ticket.called_at or timezone.now()).isoformat(),
        "recall": recall,
    }


RECENT_CALLS = 8


def board_state(point: ServicePoint, now: datetime | None = None) -> dict[str, Any]:
    """Per open counter the number it serves; the last calls; how many wait per service."""
    from karcis.queueing.services import today_at

    now = now or timezone.now()
    today = today_at(point, now)
    counters = list(Counter.objects.filter(point=point, is_active=True).order_by("code", "id"))
    at_counters = {
        ticket.counter_id: ticket
        for ticket in QueueTicket.objects.filter(
            point=point, day=today, status__in=(QueueStatus.CALLED, QueueStatus.SERVING)
        ).order_by("called_at")
    }
    recent = list(
        QueueTicket.objects.filter(point=point, day=today, called_at__isnull=False)
        .exclude(counter__isnull=True)
        .select_related("counter")
        .order_by("-called_at", "-id")[:RECENT_CALLS]
    )
    waiting = dict(
        QueueTicket.objects.filter(point=point, day=today, status__in=IN_LINE)
        .values_list("service_id")
        .annotate(count=Count("id"))
        .values_list("service_id", "count")
    )
    return {
        "point": point,
        "counters": [
            {
                "code": counter.code,
                "name": counter.name,
                "open": counter.is_open,
                "number": at_counters[counter.pk].number if counter.pk in at_counters else "",
            }
            for counter in counters
        ],
        "recent": [
            {
                "number": ticket.number,
                "counter": ticket.counter.code if ticket.counter else "",
                "counter_name": ticket.counter.name if ticket.counter else "",
                "at": ticket.called_at.isoformat() if ticket.called_at else "",
            }
            for ticket in recent
        ],
        "services": [
            {"name": service.name, "prefix": service.prefix, "waiting": waiting.get(service.pk, 0)}
            for service in services_of(point)
        ],
    }


def ticket_by_number_and_phone(
    point: ServicePoint, number: str, phone_end: str, today: date
) -> QueueTicket | None:
    """The kiosk's check-in without the QR code: the point's ticket with this number whose
    phone number ends with these four digits; today's, else the nearest day's (a booking for
    another day is found, to say when to come). None when there is no such number and when
    the digits do not match alike: the kiosk says the same in both cases."""
    if len(phone_end) != 4 or not phone_end.isdigit():
        return None
    found = list(
        QueueTicket.objects.select_related("service", "point__organisation", "counter")
        .filter(
            point=point,
            number=number,
            phone__endswith=phone_end,
            day__gte=today - timedelta(days=7),
            day__lte=today + timedelta(days=91),
        )
        .order_by("day")[:100]
    )
    if not found:
        return None
    return min(found, key=lambda ticket: (abs((ticket.day - today).days), ticket.day < today))


def console_state(counter: Counter, now: datetime | None = None) -> dict[str, Any]:
    """A counter's console: whom it serves, whom it parked, and its services' lines."""
    from karcis.queueing.services import current_of, today_at

    now = now or timezone.now()
    today = today_at(counter.point, now)
    services = {
        service.pk: service
        for service in Service.objects.filter(point=counter.point_id, pk__in=counter.services)
    }
    line = list(
        QueueTicket.objects.filter(day=today, status__in=IN_LINE, service_id__in=list(services))
        .filter(Q(counter__isnull=True) | Q(counter=counter))
        .order_by("queued_at", "id")[:200]
    )
    lines = []
    for service_id in counter.services:
        if service_id not in services:
            continue
        tickets = [ticket for ticket in line if ticket.service_id == service_id]
        lines.append(
            {
                "service": services[service_id],
                "tickets": [
                    {
                        "ticket": ticket,
                        "waited": max(0, int((now - (ticket.queued_at or now)).total_seconds())),
                        "early": ticket.queued_at is not None and ticket.queued_at > now,
                    }
                    for ticket in tickets
                ],
            }
        )
    parked = list(
        QueueTicket.objects.filter(counter=counter, status=QueueStatus.PARKED).order_by(
            "started_at"
        )
    )
    return {
        "counter": counter,
        "current": current_of(counter),
        "parked": parked,
        "lines": lines,
        "services": list(Service.objects.filter(point=counter.point_id, is_active=True)),
        "other_counters": list(
            Counter.objects.filter(point=counter.point_id, is_active=True).exclude(pk=counter.pk)
        ),
    }


# --- the staff's pages --------------------------------------------------------------------


def queue_overview(user: User, now: datetime | None = None) -> list[dict[str, Any]]:
    """/queue/: per active service point of the person's organisation, its counters (open or
    closed, who is signed in, whom each serves now) and how many wait for each service.
    Five statements however many points, counters and tickets."""
    from karcis.queueing.services import today_at

    points = [point for point in points_visible_to(user) if point.is_active]
    if not points:
        return []
    now = now or timezone.now()
    ids = [point.pk for point in points]
    today = {point.pk: today_at(point, now) for point in points}
    days = set(today.values())
    counters = list(
        Counter.objects.filter(point_id__in=ids, is_active=True)
        .select_related("staff")
        .order_by("code", "id")
    )
    serving: dict[int, QueueTicket] = {}
    for ticket in (
        QueueTicket.objects.filter(
            point_id__in=ids,
            day__in=days,
            counter__isnull=False,
            status__in=(QueueStatus.CALLED, QueueStatus.SERVING),
        )
        .select_related("service")
        .order_by("called_at", "id")
    ):
        if ticket.day == today[ticket.point_id]:
            serving[ticket.counter_id] = ticket  # type: ignore[index]  # the latest call wins
    waiting: dict[int, int] = {}
    for point_id, service_id, day, count in (
        QueueTicket.objects.filter(point_id__in=ids, day__in=days, status__in=IN_LINE)
        .values_list("point_id", "service_id", "day")
        .annotate(count=Count("id"))
        .values_list("point_id", "service_id", "day", "count")
    ):
        if day == today[point_id]:
            waiting[service_id] = count
    services = list(Service.objects.filter(point_id__in=ids, is_active=True))
    return [
        {
            "point": point,
            "services": [
                {"service": service, "waiting": waiting.get(service.pk, 0)}
                for service in services
                if service.point_id == point.pk
            ],
            "counters": [
                {"counter": counter, "ticket": serving.get(counter.pk)}
                for counter in counters
                if counter.point_id == point.pk
            ],
        }
        for point in points
    ]


def points_of(organisation_id: int) -> list[ServicePoint]:
    """Settings: every service point, active or not, with how many services and counters."""
    return list(
        ServicePoint.objects.filter(organisation_id=organisation_id)
        .select_related("calendar")
        .annotate(
            service_count=Count("services", distinct=True),
            counter_count=Count("counters", distinct=True),
        )
    )


def point_get(*, organisation_id: int, pk: int) -> ServicePoint:
    """The organisation's service point (Http404 for another organisation's)."""
    found = (
        ServicePoint.objects.select_related("organisation", "calendar")
        .filter(organisation_id=organisation_id, pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def service_get(*, organisation_id: int, pk: int) -> Service:
    found = (
        Service.objects.select_related("point__organisation")
        .filter(organisation_id=organisation_id, pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def counter_get(*, organisation_id: int, pk: int) -> Counter:
    """Settings: the organisation's counter, active or not (Http404 for anyone else's)."""
    found = (
        Counter.objects.select_related("point__organisation")
        .filter(organisation_id=organisation_id, pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def all_services_of(point: ServicePoint) -> list[Service]:
    """Settings: the point's services, active or not, in their order."""
    return list(Service.objects.filter(point=point))


def setup_of(point: ServicePoint) -> dict[str, Any]:
    """Settings: a point's services and counters, active or not, each counter with the
    names of its services in its order."""
    services = all_services_of(point)
    names = {service.pk: service.name for service in services}
    counters = list(Counter.objects.filter(point=point).select_related("staff"))
    return {
        "services": services,
        "counters": [
            {"counter": counter, "serves": [names[pk] for pk in counter.services if pk in names]}
            for counter in counters
        ],
    }


# --- booking: days and slots with room ------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    start: datetime
    label: str
    left: int


def slots_with_room(service: Service, day: date, now: datetime | None = None) -> list[Slot]:
    """The day's slots still in the future, each with the places left (0: full)."""
    from karcis.queueing.services import slot_label, slots_on, zone_of

    now = now or timezone.now()
    counts = ServiceDay.objects.filter(service=service, day=day).first()
    taken = counts.slots if counts is not None else {}
    zone = zone_of(service.point)
    slots = []
    for start in slots_on(service, day):
        if start <= now:
            continue
        label = slot_label(start, zone)
        slots.append(Slot(start, label, max(0, service.slot_capacity - taken.get(label, 0))))
    return slots


def booking_days(service: Service, now: datetime | None = None) -> list[date]:
    from karcis.queueing.services import bookable_days, today_at

    return bookable_days(service, today_at(service.point, now or timezone.now()))
