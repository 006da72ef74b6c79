"""Every write of the public queues: service points, services and counters; taking and
booking numbers; what a counter does with them (docs/queueing.md, decision 0025).

Numbers and quotas: every new ticket of a service's day takes the lock of that day's
`ServiceDay` row, then checks the quotas, the slot and the one-booking-per-person rule
against the counts on that row, and writes the new counts with the ticket. Concurrent
takers queue on the lock, so numbers are gapless and no quota is exceeded; a refusal
writes nothing.

Calling: a counter takes the first ticket in line of its first service that has one; on
PostgreSQL `FOR UPDATE SKIP LOCKED`, so two counters calling at the same instant never get
the same person. Live pages (the board, the status pages, the consoles) hear of each change
after it commits.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from karcis.calendars import selectors as calendars
from karcis.calendars.hours import Hours
from karcis.core.models import Organisation, User
from karcis.core.permissions import user_can
from karcis.core.services import event_record, normalise_email, validate_phone
from karcis.queueing import events, live, permissions
from karcis.queueing.models import (
    IN_LINE,
    LIVE,
    QUOTA_CHANNEL,
    Counter,
    QueueChannel,
    QueueStatus,
    QueueTicket,
    Service,
    ServiceDay,
    ServicePoint,
)
from karcis.queueing.nik import nik_masked, nik_normalised, nik_problem

# --- time: a service point's days, hours and slots ----------------------------------------


def zone_of(point: ServicePoint) -> ZoneInfo:
    return ZoneInfo(point.time_zone)


def today_at(point: ServicePoint, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(zone_of(point)).date()


def hours_of_point(point: ServicePoint) -> Hours:
    """The point's opening hours and holidays: its calendar, else the organisation's
    default calendar, else open around the clock in its time zone."""
    if point.calendar_id is not None:
        return calendars.hours_of(calendar=point.calendar)  # type: ignore[arg-type]
    hours = calendars.hours_for(organisation_id=point.organisation_id)
    if (
        not hours.has_open_time
        or calendars.calendar_for(organisation_id=point.organisation_id) is None
    ):
        return calendars.hours_around_the_clock(point.time_zone)
    return hours


def open_intervals_on(point: ServicePoint, day: date) -> list[tuple[datetime, datetime]]:
    """The point's open periods on a local day (none: closed, a holiday)."""
    zone = zone_of(point)
    start = datetime.combine(day, time.min, zone)
    end = datetime.combine(day + timedelta(days=1), time.min, zone)
    return list(hours_of_point(point).open_intervals(start, end))


def slots_on(service: Service, day: date) -> list[datetime]:
    """The slot starts a service offers on a local day: every `slot_minutes` from the start
    of each open period, each slot ending by the period's end."""
    if not service.slot_minutes:
        return []
    length = timedelta(minutes=service.slot_minutes)
    starts = []
    for start, end in open_intervals_on(service.point, day):
        moment = start
        while moment + length <= end:
            starts.append(moment)
            moment += length
    return starts


def slot_label(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M")


# --- refusals ---------------------------------------------------------------------------


class QueueRefused(Exception):
    """A number cannot be had as asked, though the request was well formed: the quota or
    the slot is full, the person already has one, the office is closed. `next_open_date`:
    the first later date that still has room, when there is one."""

    def __init__(self, message: str, *, code: str, next_open_date: date | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.next_open_date = next_open_date


class CounterRefused(Exception):
    """A counter action that does not fit the counter's state (nothing called to start)."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


# --- admin: service points, services, counters ------------------------------------------

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_PREFIX = re.compile(r"^[A-Z]{1,3}$")
_BUCKET = re.compile(r"^[a-z0-9_]{1,30}$")


def _require(actor: User | None, capability: str = permissions.MANAGE) -> None:
    if actor is not None and not user_can(actor, capability):
        raise ValidationError(_("You may not manage the public queues."), code="permission")


def _changed(instance: Any, data: dict[str, Any]) -> list[str]:
    changed = []
    for name, value in data.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return sorted(changed)


def _text(
    data: dict[str, Any], name: str, errors: dict[str, str], *, required: bool, limit: int
) -> None:
    if name not in data:
        return
    value = str(data[name] or "").strip()
    if required and not value:
        errors[name] = _("This field is required.")
    elif len(value) > limit:
        errors[name] = _("At most %(limit)s characters.") % {"limit": limit}
    data[name] = value


def _point_clean(
    organisation: Organisation, data: dict[str, Any], pk: int | None
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    _text(data, "name", errors, required=True, limit=150)
    _text(data, "address", errors, required=False, limit=2000)
    _text(data, "printer_host", errors, required=False, limit=200)
    if "slug" in data:
        slug = str(data["slug"] or "").strip().lower()
        taken = ServicePoint.objects.filter(organisation=organisation, slug=slug)
        if pk is not None:
            taken = taken.exclude(pk=pk)
        if not _SLUG.match(slug) or len(slug) > 60:
            errors["slug"] = _("Use lowercase letters, digits and dashes, e.g. dukcapil-pusat.")
        elif taken.exists():
            errors["slug"] = _("Another service point has this short name.")
        data["slug"] = slug
    if "time_zone" in data:
        from karcis.calendars.services import time_zone_clean

        try:
            data["time_zone"] = time_zone_clean(str(data["time_zone"] or ""))
        except ValidationError as error:
            errors["time_zone"] = " ".join(error.messages)
    if "calendar" in data and data["calendar"] is not None:
        calendar = calendars.calendar_of(
            organisation_id=organisation.pk, pk=getattr(data["calendar"], "pk", data["calendar"])
        )
        if calendar is None:
            errors["calendar"] = _("Choose one of your business calendars.")
        data["calendar"] = calendar
    if "printer_port" in data:
        port = data["printer_port"]
        if not isinstance(port, int) or not 1 <= port <= 65535:
            errors["printer_port"] = _("A port between 1 and 65535, usually 9100.")
    if errors:
        raise ValidationError(errors)
    return data


POINT_FIELDS = (
    "name", "slug", "address", "time_zone", "calendar", "printer_host", "printer_port", "is_active"
)  # fmt: skip


def point_create(*, organisation: Organisation, actor: User | None, **data: Any) -> ServicePoint:
    _require(actor)
    data = {key: value for key, value in data.items() if key in POINT_FIELDS}
    data.setdefault("time_zone", organisation.time_zone or "Asia/Jakarta")
    for required in ("name", "slug"):
        data.setdefault(required, "")
    data = _point_clean(organisation, data, None)
    with transaction.atomic():
        point = ServicePoint.objects.create(
            organisation=organisation, kiosk_key=secrets.token_urlsafe(24), **data
        )
        event_record(organisation=organisation, type=events.POINT_CREATED, obj=point, actor=actor)
    return point


def point_update(*, point: ServicePoint, actor: User | None, **data: Any) -> ServicePoint:
    _require(actor)
    data = {key: value for key, value in data.items() if key in POINT_FIELDS}
    data = _point_clean(point.organisation, data, point.pk)
    with transaction.atomic():
        changed = _changed(point, data)
        if changed:
            point.save(update_fields=changed)
            event_record(
                organisation=point.organisation,
                type=events.POINT_UPDATED,
                obj=point,
                actor=actor,
                payload={"fields": changed},
            )
    return point


def point_kiosk_key_renew(*, point: ServicePoint, actor: User | None) -> ServicePoint:
    """A new kiosk address: the old one stops taking numbers (a kiosk link that leaked)."""
    _require(actor)
    point.kiosk_key = secrets.token_urlsafe(24)
    with transaction.atomic():
        point.save(update_fields=["kiosk_key"])
        event_record(
            organisation=point.organisation,
            type=events.POINT_UPDATED,
            obj=point,
            actor=actor,
            payload={"fields": ["kiosk_key"]},
        )
    return point


def _buckets_clean(value: Any, errors: dict[str, str]) -> list[dict[str, str]]:
    buckets = []
    if not isinstance(value, list):
        errors["buckets"] = _("A list of buckets, each with a key and a label.")
        return []
    for entry in value:
        key = str((entry or {}).get("key", "")).strip().lower() if isinstance(entry, dict) else ""
        label = str(entry.get("label", "")).strip() if isinstance(entry, dict) else ""
        if not _BUCKET.match(key) or not label or len(label) > 60:
            errors["buckets"] = _(
                "Each bucket needs a key (lowercase letters, digits, _) and a label, e.g. "
                "jkn / JKN."
            )
            return []
        buckets.append({"key": key, "label": label})
    if len({bucket["key"] for bucket in buckets}) != len(buckets):
        errors["buckets"] = _("Two buckets have the same key.")
    return buckets


def _quotas_clean(
    value: Any, buckets: list[dict[str, str]], errors: dict[str, str]
) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        errors["quotas"] = _("A list of quotas, each with a channel, a bucket and a limit.")
        return []
    keys = {bucket["key"] for bucket in buckets}
    quotas = []
    for entry in value:
        if not isinstance(entry, dict):
            errors["quotas"] = _("Each quota has a channel, a bucket and a limit.")
            return []
        channel = entry.get("channel")
        bucket = str(entry.get("bucket") or "")
        limit = entry.get("limit")
        if channel not in ("online", "walk_in"):
            errors["quotas"] = _("A quota's channel is online or walk_in.")
            return []
        if bucket and bucket not in keys:
            errors["quotas"] = _(
                "A quota names a bucket the service does not have: %(bucket)s."
            ) % {"bucket": bucket}
            return []
        if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= 100_000:
            errors["quotas"] = _("A quota's limit is a whole number from 0 to 100,000.")
            return []
        quotas.append({"channel": channel, "bucket": bucket, "limit": limit})
    if len({(quota["channel"], quota["bucket"]) for quota in quotas}) != len(quotas):
        errors["quotas"] = _("Two quotas are for the same channel and bucket.")
    return quotas


def _whole(data: dict[str, Any], name: str, errors: dict[str, str], low: int, high: int) -> None:
    if name in data:
        value = data[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[name] = _("A whole number from %(low)s to %(high)s.") % {
                "low": low,
                "high": high,
            }


SERVICE_FIELDS = (
    "name", "prefix", "description", "buckets", "quotas", "slot_minutes", "slot_capacity",
    "booking_days_ahead", "booking_closes_at", "requeue_after", "online_booking", "position",
    "is_active",
)  # fmt: skip


def _service_clean(
    point: ServicePoint, data: dict[str, Any], service: Service | None
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    _text(data, "name", errors, required=True, limit=150)
    _text(data, "description", errors, required=False, limit=300)
    if "prefix" in data:
        prefix = str(data["prefix"] or "").strip().upper()
        taken = Service.objects.filter(point=point, prefix=prefix)
        if service is not None:
            taken = taken.exclude(pk=service.pk)
        if not _PREFIX.match(prefix):
            errors["prefix"] = _("One to three letters, e.g. A.")
        elif taken.exists():
            errors["prefix"] = _("Another service of this point uses this prefix.")
        data["prefix"] = prefix
    buckets = service.buckets if service is not None else []
    if "buckets" in data:
        buckets = data["buckets"] = _buckets_clean(data["buckets"], errors)
    if "quotas" in data or "buckets" in data:
        quotas = data.get("quotas", service.quotas if service is not None else [])
        data["quotas"] = _quotas_clean(quotas, buckets, errors)
    _whole(data, "slot_minutes", errors, 0, 480)
    _whole(data, "slot_capacity", errors, 1, 10_000)
    _whole(data, "booking_days_ahead", errors, 0, 90)
    _whole(data, "requeue_after", errors, 0, 100)
    _whole(data, "position", errors, 0, 10_000)
    if data.get("booking_closes_at") is not None and not isinstance(
        data["booking_closes_at"], time
    ):
        errors["booking_closes_at"] = _("A local time such as 14:00.")
    if errors:
        raise ValidationError(errors)
    return data


def service_create(*, point: ServicePoint, actor: User | None, **data: Any) -> Service:
    _require(actor)
    data = {key: value for key, value in data.items() if key in SERVICE_FIELDS}
    data.setdefault("name", "")
    data.setdefault("prefix", "")
    data = _service_clean(point, data, None)
    with transaction.atomic():
        service = Service.objects.create(organisation_id=point.organisation_id, point=point, **data)
        event_record(
            organisation=point.organisation, type=events.SERVICE_CREATED, obj=service, actor=actor
        )
    return service


def service_update(*, service: Service, actor: User | None, **data: Any) -> Service:
    _require(actor)
    data = {key: value for key, value in data.items() if key in SERVICE_FIELDS}
    data = _service_clean(service.point, data, service)
    with transaction.atomic():
        changed = _changed(service, data)
        if changed:
            service.save(update_fields=changed)
            event_record(
                organisation=service.point.organisation,
                type=events.SERVICE_UPDATED,
                obj=service,
                actor=actor,
                payload={"fields": changed},
            )
    return service


COUNTER_FIELDS = ("name", "code", "services", "is_active")


def _counter_clean(
    point: ServicePoint, data: dict[str, Any], counter: Counter | None
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    _text(data, "name", errors, required=True, limit=100)
    if "code" in data:
        code = str(data["code"] or "").strip()
        taken = Counter.objects.filter(point=point, code=code)
        if counter is not None:
            taken = taken.exclude(pk=counter.pk)
        if not code or len(code) > 20:
            errors["code"] = _("How the board calls it, e.g. 3 (spoken: loket tiga).")
        elif taken.exists():
            errors["code"] = _("Another counter of this point is called so.")
        data["code"] = code
    if "services" in data:
        wanted = data["services"]
        ids = [getattr(item, "pk", item) for item in wanted or []]
        known = set(Service.objects.filter(point=point, pk__in=ids).values_list("pk", flat=True))
        if any(not isinstance(pk, int) or pk not in known for pk in ids) or len(set(ids)) != len(
            ids
        ):
            errors["services"] = _("Choose services of this service point, each once.")
        data["services"] = ids
    if errors:
        raise ValidationError(errors)
    return data


def counter_create(*, point: ServicePoint, actor: User | None, **data: Any) -> Counter:
    _require(actor)
    data = {key: value for key, value in data.items() if key in COUNTER_FIELDS}
    data.setdefault("name", "")
    data.setdefault("code", "")
    data = _counter_clean(point, data, None)
    with transaction.atomic():
        counter = Counter.objects.create(organisation_id=point.organisation_id, point=point, **data)
        event_record(
            organisation=point.organisation, type=events.COUNTER_CREATED, obj=counter, actor=actor
        )
    return counter


def counter_update(*, counter: Counter, actor: User | None, **data: Any) -> Counter:
    _require(actor)
    data = {key: value for key, value in data.items() if key in COUNTER_FIELDS}
    data = _counter_clean(counter.point, data, counter)
    with transaction.atomic():
        changed = _changed(counter, data)
        if changed:
            counter.save(update_fields=changed)
            event_record(
                organisation=counter.point.organisation,
                type=events.COUNTER_UPDATED,
                obj=counter,
                actor=actor,
                payload={"fields": changed},
            )
    return counter


# --- taking a number ----------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    name: str = ""
    phone: str = ""
    email: str = ""
    nik: str = ""


def _person_clean(person: Person, *, required: bool) -> Person:
    errors: dict[str, str] = {}
    name = person.name.strip()
    if len(name) > 150:
        errors["name"] = _("At most %(limit)s characters.") % {"limit": 150}
    if required and not name:
        errors["name"] = _("Enter the name of the person who will come.")
    phone = ""
    try:
        phone = validate_phone(person.phone or "")
    except ValidationError as error:
        errors["phone"] = " ".join(error.messages)
    email = normalise_email(person.email or "")
    if email:
        from django.core.validators import validate_email

        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("Enter a valid e-mail address.")
    nik = nik_normalised(person.nik or "") if person.nik else ""
    if nik:
        problem = nik_problem(nik)
        if problem:
            errors["nik"] = problem
    if required and not (phone or nik):
        errors["phone"] = _("Enter a phone number (or a NIK) so that the booking is yours.")
    if errors:
        raise ValidationError(errors)
    return Person(name=name, phone=phone, email=email, nik=nik)


def nik_hash(nik: str) -> str:
    return salted_hmac("karcis.queueing.nik", nik, algorithm="sha256").hexdigest()


def _quota_keys(channel: str, bucket: str) -> list[str]:
    kind = QUOTA_CHANNEL[QueueChannel(channel)]
    return [f"{kind}:", f"{kind}:{bucket}"] if bucket else [f"{kind}:"]


def _quota_left(service: Service, used: dict[str, int], channel: str, bucket: str) -> int | None:
    """How many more tickets the quotas allow through this channel and bucket (None: no
    quota applies)."""
    kind = QUOTA_CHANNEL[QueueChannel(channel)]
    left = None
    for quota in service.quotas:
        if quota["channel"] != kind or quota["bucket"] not in ("", bucket):
            continue
        room = quota["limit"] - used.get(f"{kind}:{quota['bucket']}", 0)
        left = room if left is None else min(left, room)
    return left


def _service_day_locked(service: Service, day: date) -> ServiceDay:
    """The service's row for the day, locked until the transaction ends (made if new)."""
    rows = ServiceDay.objects.filter(service=service, day=day)
    found = rows.select_for_update().first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            ServiceDay.objects.create(
                organisation_id=service.organisation_id, service=service, day=day
            )
    except IntegrityError:
        pass  # made by a concurrent taker: lock theirs
    return rows.select_for_update().get()


def bookable_days(service: Service, today: date) -> list[date]:
    """Today and the days up to `booking_days_ahead` ahead."""
    return [today + timedelta(days=n) for n in range(service.booking_days_ahead + 1)]


def _booking_open_on(service: Service, day: date, now: datetime) -> bool:
    """Whether online booking still takes this day: an open day, inside the booking window,
    before the hour booking closes (and before closing) when it is today."""
    point = service.point
    today = today_at(point, now)
    if day < today or day > today + timedelta(days=service.booking_days_ahead):
        return False
    intervals = open_intervals_on(point, day)
    if not intervals:
        return False
    if day == today:
        if intervals[-1][1] <= now:
            return False
        if service.booking_closes_at is not None:
            closes = datetime.combine(day, service.booking_closes_at, zone_of(point))
            if now >= closes:
                return False
    return True


def _room_on(
    service: Service, day: date, channel: str, bucket: str, now: datetime, counts: ServiceDay | None
) -> bool:
    used = counts.used if counts is not None else {}
    left = _quota_left(service, used, channel, bucket)
    if left is not None and left <= 0:
        return False
    if channel == QueueChannel.ONLINE or channel == QueueChannel.API:
        slots = [s for s in slots_on(service, day) if s > now]
        if service.slot_minutes:
            taken = counts.slots if counts is not None else {}
            zone = zone_of(service.point)
            return any(
                taken.get(slot_label(slot, zone), 0) < service.slot_capacity for slot in slots
            )
    return True


def next_open_date(
    service: Service, *, after: date, channel: str, bucket: str = "", now: datetime | None = None
) -> date | None:
    """The first date after `after`, within the booking window, that is open and still has
    room for this channel and bucket (holidays and full days skipped)."""
    now = now or timezone.now()
    today = today_at(service.point, now)
    days = [day for day in bookable_days(service, today) if day > after]
    counts = {row.day: row for row in ServiceDay.objects.filter(service=service, day__in=days)}
    for day in days:
        if _booking_open_on(service, day, now) and _room_on(
            service, day, channel, bucket, now, counts.get(day)
        ):
            return day
    return None


def _refuse_full(
    service: Service, day: date, channel: str, bucket: str, message: str, now: datetime
) -> None:
    raise QueueRefused(
        message,
        code="full",
        next_open_date=next_open_date(service, after=day, channel=channel, bucket=bucket, now=now),
    )


def ticket_take(
    *,
    service: Service,
    channel: str,
    person: Person = Person(),
    bucket: str = "",
    day: date | None = None,
    slot: datetime | None = None,
    actor: User | None = None,
    notify_ahead: int = 0,
    now: datetime | None = None,
) -> QueueTicket:
    """A new number in the service's line.

    Without `day`: a number for today, in line at once (kiosk, staff, or a remote taker).
    With `day` (and `slot` when the service has slots): a booking, checked in on arrival.
    Raises ValidationError (bad input, by field) or QueueRefused (full, closed, already
    booked); either way nothing is written."""
    now = now or timezone.now()
    point = service.point
    if channel not in QueueChannel.values:
        raise ValidationError({"channel": _("Choose online, kiosk, staff, api or whatsapp.")})
    if not service.is_active or not point.is_active:
        raise ValidationError({"service": _("This service takes no numbers now.")})
    keys = {entry["key"] for entry in service.buckets}
    if bucket and bucket not in keys:
        raise ValidationError({"bucket": _("Choose one of the service's buckets.")})
    if keys and not bucket:
        raise ValidationError({"bucket": _("Choose a bucket, e.g. JKN or umum.")})
    booking = day is not None
    person = _person_clean(person, required=booking)
    today = today_at(point, now)
    zone = zone_of(point)
    if not booking:
        day = today
        intervals = open_intervals_on(point, day)
        if not intervals or intervals[-1][1] <= now:
            raise QueueRefused(
                _("%(point)s is closed now; numbers are taken on open days until closing.")
                % {"point": point.name},
                code="closed",
                next_open_date=next_open_date(
                    service, after=day, channel=channel, bucket=bucket, now=now
                ),
            )
    else:
        assert day is not None
        if not service.online_booking and channel in (QueueChannel.ONLINE, QueueChannel.WHATSAPP):
            raise ValidationError({"service": _("This service is not booked online.")})
        if day < today or day > today + timedelta(days=service.booking_days_ahead):
            raise ValidationError(
                {
                    "date": _("Book from today up to %(days)s days ahead.")
                    % {"days": service.booking_days_ahead}
                }
            )
        if not _booking_open_on(service, day, now):
            raise QueueRefused(
                _("Booking for %(day)s is closed; choose another date.") % {"day": day},
                code="closed",
                next_open_date=next_open_date(
                    service, after=day, channel=channel, bucket=bucket, now=now
                ),
            )
        if service.slot_minutes:
            if slot is None:
                raise ValidationError({"slot": _("Choose a time slot.")})
            if slot not in slots_on(service, day) or slot <= now:
                raise ValidationError({"slot": _("Choose one of the day's time slots.")})
        else:
            slot = None
    assert day is not None
    with transaction.atomic():
        counts = _service_day_locked(service, day)
        _one_per_person(service, day, person)
        left = _quota_left(service, counts.used, channel, bucket)
        if left is not None and left <= 0:
            _refuse_full(
                service,
                day,
                channel,
                bucket,
                _("The quota for %(day)s is full.") % {"day": day},
                now,
            )
        label = slot_label(slot, zone) if slot is not None else ""
        if label and counts.slots.get(label, 0) >= service.slot_capacity:
            raise QueueRefused(
                _("The %(slot)s slot is full; choose another.") % {"slot": label},
                code="full",
                next_open_date=day
                if _room_on(service, day, channel, bucket, now, counts)
                else next_open_date(service, after=day, channel=channel, bucket=bucket, now=now),
            )
        counts.last_number += 1
        for key in _quota_keys(channel, bucket):
            counts.used[key] = counts.used.get(key, 0) + 1
        if label:
            counts.slots[label] = counts.slots.get(label, 0) + 1
        counts.save(update_fields=["last_number", "used", "slots"])
        ticket = QueueTicket.objects.create(
            organisation_id=service.organisation_id,
            point=point,
            service=service,
            day=day,
            sequence=counts.last_number,
            number=f"{service.prefix}-{counts.last_number:03d}",
            channel=channel,
            bucket=bucket,
            status=QueueStatus.BOOKED if booking else QueueStatus.WAITING,
            name=person.name,
            phone=person.phone,
            email=person.email,
            nik_hash=nik_hash(person.nik) if person.nik else "",
            nik_masked=nik_masked(person.nik) if person.nik else "",
            slot_start=slot,
            queued_at=None if booking else now,
            arrived_at=None if booking else now,
            token=secrets.token_urlsafe(18),
            notify_ahead=max(0, min(notify_ahead, 50)),
            created_at=now,
        )
        payload: dict[str, Any] = {
            "number": ticket.number,
            "service": service.pk,
            "status": ticket.status,
            "channel": channel,
            "day": day.isoformat(),
        }
        if slot is not None:
            payload["slot"] = slot.isoformat()
        if bucket:
            payload["bucket"] = bucket
        event_record(
            organisation=point.organisation,
            type=events.TICKET_CREATED,
            obj=ticket,
            actor=actor,
            payload=payload,
            at=now,
        )
        live.line_changed(ticket)
    return ticket


def _one_per_person(service: Service, day: date, person: Person) -> None:
    """One live ticket per person (the NIK, else the phone number) per service and day;
    checked under the day's lock."""
    same = None
    if person.nik:
        same = Q(nik_hash=nik_hash(person.nik))
    elif person.phone:
        same = Q(phone=person.phone)
    if same is None:
        return
    if QueueTicket.objects.filter(same, service=service, day=day, status__in=LIVE).exists():
        raise QueueRefused(
            _("This person already has a number for this service on %(day)s.") % {"day": day},
            code="duplicate",
        )


def _record(
    ticket: QueueTicket, type: Any, actor: User | None, now: datetime, **extra: Any
) -> None:
    payload = {"number": ticket.number, "service": ticket.service_id, "status": ticket.status}
    payload.update(extra)
    event_record(
        organisation=ticket.point.organisation,
        type=type,
        obj=ticket,
        actor=actor,
        payload=payload,
        at=now,
    )


def _locked(ticket: QueueTicket) -> QueueTicket:
    return (
        QueueTicket.objects.select_for_update()
        .select_related("point__organisation", "service")
        .get(pk=ticket.pk)
    )


def ticket_check_in(
    *, ticket: QueueTicket, actor: User | None = None, now: datetime | None = None
) -> QueueTicket:
    """A booked person has arrived: into the line. Within the slot (or before it) they keep
    the slot's place; after the slot has ended they join as a walk-in would. Before the
    slot's start the status is `arrived`: in line, called at the slot's time (or earlier,
    when no one else is waiting)."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _locked(ticket)
        if ticket.status != QueueStatus.BOOKED:
            raise QueueRefused(_("This number is already checked in."), code="state")
        if ticket.day != today_at(ticket.point, now):
            raise QueueRefused(
                _("This booking is for %(day)s; check in on that day.") % {"day": ticket.day},
                code="not_today",
            )
        slot = ticket.slot_start
        length = timedelta(minutes=ticket.service.slot_minutes or 0)
        if slot is not None and now < slot:
            ticket.status, ticket.queued_at = QueueStatus.ARRIVED, slot
        elif slot is not None and now < slot + length:
            ticket.status, ticket.queued_at = QueueStatus.WAITING, slot
        else:
            ticket.status, ticket.queued_at = QueueStatus.WAITING, now
        ticket.arrived_at = now
        ticket.save(update_fields=["status", "queued_at", "arrived_at"])
        _record(ticket, events.CHECKED_IN, actor, now)
        live.line_changed(ticket)
    return ticket


def ticket_cancel(
    *, ticket: QueueTicket, actor: User | None = None, now: datetime | None = None
) -> QueueTicket:
    """Cancel a number not yet called: its place in the quota and the slot is free again
    (the number itself is not reused)."""
    now = now or timezone.now()
    with transaction.atomic():
        counts = _service_day_locked(ticket.service, ticket.day)
        ticket = _locked(ticket)
        if ticket.status not in (QueueStatus.BOOKED, *IN_LINE):
            raise QueueRefused(_("Only a number not yet called can be cancelled."), code="state")
        for key in _quota_keys(ticket.channel, ticket.bucket):
            counts.used[key] = max(0, counts.used.get(key, 0) - 1)
        if ticket.slot_start is not None:
            label = slot_label(ticket.slot_start, zone_of(ticket.point))
            counts.slots[label] = max(0, counts.slots.get(label, 0) - 1)
        counts.save(update_fields=["used", "slots"])
        ticket.status, ticket.queued_at, ticket.finished_at = QueueStatus.CANCELLED, None, now
        ticket.save(update_fields=["status", "queued_at", "finished_at"])
        _record(ticket, events.CANCELLED, actor, now)
        live.line_changed(ticket)
    return ticket


def ticket_requeue(
    *, ticket: QueueTicket, actor: User | None = None, now: datetime | None = None
) -> QueueTicket:
    """A no-show who came back: in line again behind the next `requeue_after` people of
    the service (or last, when fewer wait)."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _locked(ticket)
        if ticket.status != QueueStatus.NO_SHOW or ticket.day != today_at(ticket.point, now):
            raise QueueRefused(_("Only today's no-shows can be queued again."), code="state")
        after = ticket.service.requeue_after
        ahead = [
            moment
            for moment in QueueTicket.objects.filter(
                service=ticket.service_id, status__in=IN_LINE, queued_at__lte=now
            )
            .order_by("queued_at", "id")
            .values_list("queued_at", flat=True)[: max(after, 1)]
            if moment is not None
        ]
        if after == 0:
            place = (ahead[0] - timedelta(microseconds=1)) if ahead else now
        elif len(ahead) >= after:
            place = ahead[after - 1] + timedelta(microseconds=1)
        else:
            place = now
        ticket.status, ticket.queued_at, ticket.counter = QueueStatus.WAITING, place, None
        ticket.finished_at = None
        ticket.save(update_fields=["status", "queued_at", "counter", "finished_at"])
        _record(ticket, events.REQUEUED, actor, now, after=after)
        live.line_changed(ticket)
    return ticket


# --- counters -------------------------------------------------------------------------------


def _require_operate(actor: User, counter: Counter) -> None:
    if not user_can(actor, permissions.OPERATE):
        raise ValidationError(_("You may not work at a counter."), code="permission")
    if counter.organisation_id != actor.organisation_id or actor.organisation_id is None:
        raise ValidationError(_("You may not work at this counter."), code="permission")


def counter_open(*, counter: Counter, actor: User, now: datetime | None = None) -> Counter:
    """Sign in at a counter (and out of any other): it starts calling."""
    _require_operate(actor, counter)
    now = now or timezone.now()
    with transaction.atomic():
        for other in Counter.objects.select_for_update().filter(staff=actor).exclude(pk=counter.pk):
            _counter_close(other, actor, now)
        counter = (
            Counter.objects.select_for_update()
            .select_related("point__organisation")
            .get(pk=counter.pk)
        )
        counter.staff, counter.signed_in_at, counter.is_open = actor, now, True
        counter.save(update_fields=["staff", "signed_in_at", "is_open"])
        event_record(
            organisation=counter.point.organisation,
            type=events.COUNTER_OPENED,
            obj=counter,
            actor=actor,
            payload={"staff": actor.pk},
            at=now,
        )
        live.counters_changed(counter)
    return counter


def counter_close(*, counter: Counter, actor: User, now: datetime | None = None) -> Counter:
    _require_operate(actor, counter)
    with transaction.atomic():
        counter = (
            Counter.objects.select_for_update()
            .select_related("point__organisation")
            .get(pk=counter.pk)
        )
        _counter_close(counter, actor, now or timezone.now())
    return counter


def _counter_close(counter: Counter, actor: User, now: datetime) -> None:
    counter.staff, counter.signed_in_at, counter.is_open = None, None, False
    counter.save(update_fields=["staff", "signed_in_at", "is_open"])
    event_record(
        organisation=counter.point.organisation,
        type=events.COUNTER_CLOSED,
        obj=counter,
        actor=actor,
        at=now,
    )
    live.counters_changed(counter)


def _counter_locked(counter: Counter, actor: User) -> Counter:
    _require_operate(actor, counter)
    locked = (
        Counter.objects.select_for_update().select_related("point__organisation").get(pk=counter.pk)
    )
    if not locked.is_open:
        raise CounterRefused(_("Open the counter first (sign in at it)."), code="closed")
    return locked


def current_of(counter: Counter) -> QueueTicket | None:
    """The ticket the counter has called or is serving (not a parked one)."""
    return (
        QueueTicket.objects.select_related("service", "point__organisation")
        .filter(counter=counter, status__in=(QueueStatus.CALLED, QueueStatus.SERVING))
        .order_by("-called_at")
        .first()
    )


def _waited(ticket: QueueTicket, now: datetime) -> int:
    since = ticket.queued_at or ticket.arrived_at or ticket.created_at
    if ticket.arrived_at is not None and ticket.arrived_at > since:
        since = ticket.arrived_at
    return max(0, int((now - since).total_seconds()))


def _finish(ticket: QueueTicket, counter: Counter, actor: User, now: datetime) -> None:
    ticket.started_at = ticket.started_at or ticket.called_at or now
    ticket.status, ticket.finished_at = QueueStatus.DONE, now
    ticket.save(update_fields=["status", "started_at", "finished_at"])
    served = max(0, int((now - ticket.started_at).total_seconds()))
    _record(ticket, events.FINISHED, actor, now, counter=counter.pk, served=served)


def _next_in_line(counter: Counter, now: datetime) -> QueueTicket | None:
    """The counter's next person: its services in order; within one, the earliest place in
    line that has come (a booking's slot), else, with nobody whose time has come, an early
    arrival. Locked, skipping rows another counter is taking."""
    today = today_at(counter.point, now)
    base = (
        QueueTicket.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(day=today, status__in=IN_LINE)
        .filter(Q(counter__isnull=True) | Q(counter=counter))
        .order_by("queued_at", "id")
    )
    for service_id in counter.services:
        found = base.filter(service_id=service_id, queued_at__lte=now).first()
        if found is not None:
            return found
    for service_id in counter.services:
        found = base.filter(service_id=service_id).first()
        if found is not None:
            return found
    return None


def counter_call_next(
    *, counter: Counter, actor: User, seen: int | None = None, now: datetime | None = None
) -> QueueTicket | None:
    """Finish whatever the counter has called or is serving, and call the next person
    (None: nobody is waiting).

    `seen`: the id of the ticket the caller's screen showed at the counter (0: nobody).
    When the counter has another ticket by now (a double click whose first press already
    called someone, a second tab), nothing changes and that ticket is returned: a press
    never finishes a person the staff member has not seen."""
    now = now or timezone.now()
    with transaction.atomic():
        counter = _counter_locked(counter, actor)
        current = current_of(counter)
        if seen is not None and current is not None and current.pk != seen:
            return current
        if current is not None:
            _finish(current, counter, actor, now)
        ticket = _next_in_line(counter, now)
        if ticket is None:
            if current is not None:
                live.line_changed(current)
            return None
        ticket = _locked(ticket)
        waited = _waited(ticket, now)
        ticket.status, ticket.counter, ticket.called_at = QueueStatus.CALLED, counter, now
        ticket.calls, ticket.served_by = ticket.calls + 1, actor
        ticket.save(update_fields=["status", "counter", "called_at", "calls", "served_by"])
        _record(ticket, events.CALLED, actor, now, counter=counter.pk, waited=waited)
        live.called(ticket, counter, recall=False)
    return ticket


def _current_or_refuse(counter: Counter, *statuses: str) -> QueueTicket:
    ticket = current_of(counter)
    if ticket is None or ticket.status not in statuses:
        raise CounterRefused(_("The counter has called no one to do this with."), code="none")
    return ticket


def counter_recall(*, counter: Counter, actor: User, now: datetime | None = None) -> QueueTicket:
    now = now or timezone.now()
    with transaction.atomic():
        counter = _counter_locked(counter, actor)
        ticket = _locked(_current_or_refuse(counter, QueueStatus.CALLED))
        ticket.calls += 1
        ticket.save(update_fields=["calls"])
        _record(
            ticket,
            events.CALLED,
            actor,
            now,
            counter=counter.pk,
            waited=_waited(ticket, ticket.called_at or now),
            recall=True,
        )
        live.called(ticket, counter, recall=True)
    return ticket


def counter_no_show(*, counter: Counter, actor: User, now: datetime | None = None) -> QueueTicket:
    now = now or timezone.now()
    with transaction.atomic():
        counter = _counter_locked(counter, actor)
        ticket = _locked(_current_or_refuse(counter, QueueStatus.CALLED))
        ticket.status, ticket.finished_at = QueueStatus.NO_SHOW, now
        ticket.save(update_fields=["status", "finished_at"])
        _record(ticket, events.NO_SHOW, actor, now, counter=counter.pk)
        live.line_changed(ticket)
    return ticket


def counter_start(*, counter: Counter, actor: User, now: datetime | None = None) -> QueueTicket:
    now = now or timezone.now()
    with transaction.atomic():
        counter = _counter_locked(counter, actor)
        ticket = _locked(_current_or_refuse(counter, QueueStatus.CALLED))
        ticket.status, ticket.started_at = QueueStatus.SERVING, now
        ticket.save(update_fields=["status", "started_at"])
        _record(ticket, events.STARTED, actor, now, counter=counter.pk)
        live.line_changed(ticket)
    return ticket


def counter_finish(*, counter: Counter, actor: User, now: datetime | None = None) -> QueueTicket:
    now = now or timezone.now()
    with transaction.atomic():
        counter = _counter_locked(counter, actor)
        ticket = _locked(_current_or_refuse(counter, QueueStatus.CALLED, QueueStatus.SERVING))
        _finish(ticket, counter, actor, now)
        live.line_changed(ticket)
    return ticket


def counter_park(*, counter: Counter, actor: User, now: datetime | None = None) -> QueueTicket:
    """Set the person being served aside (fetching a document) to call someone else; the
    counter takes them back with counter_resume."""
    now = now or timezone.now()
    with transaction.atomic():
        counter = _counter_locked(counter, actor)
        ticket = _locked(_current_or_refuse(counter, QueueStatus.CALLED, QueueStatus.SERVING))
        ticket.started_at = ticket.started_at or now
        ticket.status = QueueStatus.PARKED
        ticket.save(update_fields=["status", "started_at"])
        _record(ticket, events.PARKED, actor, now, counter=counter.pk)
        live.line_changed(ticket)
    return ticket


def counter_resume(
    *, counter: Counter, actor: User, ticket: QueueTicket, now: datetime | None = None
) -> QueueTicket:
    now = now or timezone.now()
    with transaction.atomic():
        counter = _counter_locked(counter, actor)
        ticket = _locked(ticket)
        if ticket.status != QueueStatus.PARKED or ticket.counter_id != counter.pk:
            raise CounterRefused(_("This number is not parked at this counter."), code="state")
        current = current_of(counter)
        if current is not None:
            raise CounterRefused(
                _("Finish or park %(number)s first.") % {"number": current.number}, code="busy"
            )
        ticket.status = QueueStatus.SERVING
        ticket.save(update_fields=["status"])
        _record(ticket, events.STARTED, actor, now, counter=counter.pk)
        live.line_changed(ticket)
    return ticket


def counter_transfer(
    *,
    counter: Counter,
    actor: User,
    service: Service,
    to_counter: Counter | None = None,
    now: datetime | None = None,
) -> QueueTicket:
    """Send the person being served to another service (and, if given, to one counter of
    it): this ticket ends as transferred; a new number in that service's line keeps the
    place in time the person had, so they do not queue from the back again."""
    now = now or timezone.now()
    if service.point_id != counter.point_id:
        raise ValidationError({"service": _("Choose a service of this service point.")})
    if to_counter is not None and (
        to_counter.point_id != counter.point_id or service.pk not in to_counter.services
    ):
        raise ValidationError({"counter": _("Choose a counter that serves that service.")})
    with transaction.atomic():
        counter = _counter_locked(counter, actor)
        ticket = _locked(_current_or_refuse(counter, QueueStatus.CALLED, QueueStatus.SERVING))
        if service.pk == ticket.service_id and to_counter is None:
            raise ValidationError({"service": _("Choose another service or a counter.")})
        day = today_at(counter.point, now)
        counts = _service_day_locked(service, day)
        counts.last_number += 1
        counts.save(update_fields=["last_number"])
        moved = QueueTicket.objects.create(
            organisation_id=ticket.organisation_id,
            point_id=ticket.point_id,
            service=service,
            day=day,
            sequence=counts.last_number,
            number=f"{service.prefix}-{counts.last_number:03d}",
            channel=QueueChannel.STAFF,
            bucket="",
            status=QueueStatus.WAITING,
            name=ticket.name,
            phone=ticket.phone,
            email=ticket.email,
            nik_hash=ticket.nik_hash,
            nik_masked=ticket.nik_masked,
            queued_at=ticket.queued_at or now,
            arrived_at=ticket.arrived_at or now,
            counter=to_counter,
            transferred_from=ticket,
            token=secrets.token_urlsafe(18),
            created_at=now,
        )
        _record(
            moved,
            events.TICKET_CREATED,
            actor,
            now,
            channel=moved.channel,
            day=day.isoformat(),
            **{"from": ticket.pk},
        )
        ticket.started_at = ticket.started_at or ticket.called_at or now
        ticket.status, ticket.finished_at = QueueStatus.TRANSFERRED, now
        ticket.save(update_fields=["status", "started_at", "finished_at"])
        extra: dict[str, Any] = {"to": moved.pk, "to_service": service.pk}
        if to_counter is not None:
            extra["to_counter"] = to_counter.pk
        _record(ticket, events.TRANSFERRED, actor, now, **extra)
        live.line_changed(ticket)
        live.line_changed(moved)
    return moved
