"""The public queues' demo: a city government ("Pemerintah Kota Nusantara") with a Dukcapil
office and a puskesmas, their services, counters and staff, the last working days played
through the services (numbers taken and booked, called, served, no-shows), and today as it
stands: people waiting, counters serving, bookings for the coming days.

Deterministic for a given `now` (a seeded random generator); built through the services,
each step stamped with its moment, so the analytics and the wait estimates read a history
the product itself wrote.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from karcis.calendars.services import calendar_create
from karcis.core import services as core_services
from karcis.core.models import Organisation, Role, User
from karcis.queueing import services
from karcis.queueing.models import Counter, Service, ServicePoint

SLUG = "kota"
ORGANISATION = {
    "name": "Pemerintah Kota Nusantara",
    "slug": SLUG,
    "ticket_prefix": "KOTA",
    "time_zone": "Asia/Jakarta",
    "support_email": "layanan@kota-nusantara.test",
}
# (key, name, e-mail, role)
STAFF = [
    ("wahyu", "Wahyu Pratama", "admin@kota-nusantara.test", Role.ADMIN),
    ("lestari", "Lestari Handayani", "kepala@kota-nusantara.test", Role.SUPERVISOR),
    ("andi", "Andi Saputra", "andi@kota-nusantara.test", Role.AGENT),
    ("maya", "Maya Sari", "maya@kota-nusantara.test", Role.AGENT),
    ("rudi", "Rudi Hartono", "rudi@kota-nusantara.test", Role.AGENT),
    ("nur", "Nur Aisyah", "nur@kota-nusantara.test", Role.AGENT),
    ("yosef", "Yosef Kambu", "yosef@kota-nusantara.test", Role.AGENT),
    ("dian", "Dian Permata", "dian@kota-nusantara.test", Role.AGENT),
    ("eko", "Eko Prasetyo", "eko@kota-nusantara.test", Role.AGENT),
    ("fajar", "Fajar Nugraha", "fajar@kota-nusantara.test", Role.AGENT),
]
LOGINS = [
    ("Admin antrean / queue admin", "wahyu"),
    ("Kepala kantor / manager", "lestari"),
    ("Petugas loket / counter staff", "andi"),
]

# Local minutes after midnight, Monday first.
DUKCAPIL_WEEK = [
    *([[[8 * 60, 15 * 60]]] * 4),
    [[8 * 60, 11 * 60 + 30], [13 * 60, 15 * 60]],  # Friday prayers
    [],
    [],
]
PUSKESMAS_WEEK = [*([[[7 * 60 + 30, 14 * 60]]] * 5), [[7 * 60 + 30, 12 * 60]], []]


@dataclass
class ServiceSpec:
    name: str
    prefix: str
    mean_minutes: float  # service time (log-normal around it)
    per_hour: float  # arrivals at the busiest hour
    settings: dict[str, Any] = field(default_factory=dict)


DUKCAPIL = {
    "name": "Disdukcapil Kota Nusantara",
    "slug": "dukcapil",
    "address": "Jl. Merdeka No. 17, Kota Nusantara",
    "services": [
        ServiceSpec(
            "Perekaman KTP-el",
            "A",
            7,
            14,
            {
                "description": "Perekaman data dan foto KTP elektronik.",
                "slot_minutes": 15,
                "slot_capacity": 3,
                "quotas": [
                    {"channel": "online", "bucket": "", "limit": 60},
                    {"channel": "walk_in", "bucket": "", "limit": 90},
                ],
            },
        ),
        ServiceSpec(
            "Kartu Keluarga",
            "B",
            9,
            9,
            {
                "description": "Pembuatan dan perubahan Kartu Keluarga.",
                "slot_minutes": 30,
                "slot_capacity": 4,
                "quotas": [{"channel": "online", "bucket": "", "limit": 40}],
            },
        ),
        ServiceSpec(
            "Akta Kelahiran & Kematian",
            "C",
            11,
            5,
            {"description": "Pencatatan kelahiran dan kematian.", "slot_minutes": 0},
        ),
        ServiceSpec(
            "Pengambilan Dokumen",
            "D",
            3,
            10,
            {
                "description": "Mengambil KTP-el, KK atau akta yang sudah jadi.",
                "slot_minutes": 0,
                "online_booking": False,
            },
        ),
    ],
    # (name, code, services by prefix in order, staff key)
    "counters": [
        ("Loket 1", "1", ["A"], "andi"),
        ("Loket 2", "2", ["A", "B"], "maya"),
        ("Loket 3", "3", ["B", "C"], "rudi"),
        ("Loket 4", "4", ["D", "C"], "nur"),
    ],
}
PUSKESMAS = {
    "name": "Puskesmas Sukamaju",
    "slug": "puskesmas-sukamaju",
    "address": "Jl. Sukamaju Raya No. 5, Kota Nusantara",
    "services": [
        ServiceSpec(
            "Pendaftaran Pasien",
            "P",
            4,
            16,
            {
                "description": "Pendaftaran pasien JKN (BPJS Kesehatan) dan umum.",
                "slot_minutes": 30,
                "slot_capacity": 6,
                "buckets": [{"key": "jkn", "label": "JKN"}, {"key": "umum", "label": "Umum"}],
                "quotas": [
                    {"channel": "online", "bucket": "jkn", "limit": 40},
                    {"channel": "online", "bucket": "umum", "limit": 20},
                    {"channel": "walk_in", "bucket": "", "limit": 120},
                ],
            },
        ),
        ServiceSpec(
            "Poli Umum",
            "U",
            10,
            8,
            {"description": "Pemeriksaan dokter umum.", "slot_minutes": 0},
        ),
        ServiceSpec(
            "Poli Gigi",
            "G",
            18,
            3,
            {"description": "Pemeriksaan dan perawatan gigi.", "slot_minutes": 0},
        ),
    ],
    "counters": [
        ("Loket Pendaftaran 1", "1", ["P"], "yosef"),
        ("Loket Pendaftaran 2", "2", ["P"], "dian"),
        ("Ruang Poli Umum", "5", ["U"], "eko"),
        ("Ruang Poli Gigi", "6", ["G"], "fajar"),
    ],
}
# How the arrivals spread over the day (share of the busiest hour), by local hour.
HOURLY = {7: 0.5, 8: 1.0, 9: 0.9, 10: 0.7, 11: 0.5, 12: 0.35, 13: 0.4, 14: 0.25}
NO_SHOW_SHARE = 0.08
HISTORY_DAYS = 2
FIRST_NAMES = ["Siti", "Ahmad", "Dewi", "Budi", "Rina", "Agus", "Fitri", "Joko", "Wulan", "Hadi"]
LAST_NAMES = ["Rahayu", "Hidayat", "Lestari", "Susanto", "Putri", "Wijaya", "Nugroho", "Sari"]


def queueing_demo(*, now: datetime | None = None, password: str) -> Organisation:
    """Build the city's demo organisation unless it exists (then return it)."""
    existing = Organisation.objects.filter(slug=SLUG).first()
    if existing is not None:
        return existing
    now = now or timezone.now()
    rng = random.Random(11)
    with transaction.atomic():
        organisation = core_services.organisation_create(
            **ORGANISATION, created_at=now - timedelta(days=30)
        )
        with scope(organisation=organisation.pk):
            staff = _staff(organisation, password, now - timedelta(days=30))
            admin = staff["wahyu"]
            points = [
                _point(organisation, admin, DUKCAPIL, DUKCAPIL_WEEK, "Jam layanan Dukcapil"),
                _point(organisation, admin, PUSKESMAS, PUSKESMAS_WEEK, "Jam layanan Puskesmas"),
            ]
            for point, spec in zip(points, (DUKCAPIL, PUSKESMAS), strict=True):
                _play_history(point, spec, staff, now, rng)
                _bookings_ahead(point, spec, now, rng)
    return organisation


def _staff(organisation: Organisation, password: str, at: datetime) -> dict[str, User]:
    staff: dict[str, User] = {}
    for key, name, email, role in STAFF:
        staff[key] = core_services.staff_user_create(
            organisation=organisation,
            email=email,
            name=name,
            role=role,
            password=password,
            actor=staff.get("wahyu"),
            at=at,
        )
    return staff


def _point(
    organisation: Organisation, admin: User, spec: dict[str, Any], week: list[Any], hours: str
) -> ServicePoint:
    calendar = calendar_create(
        organisation=organisation,
        name=hours,
        actor=admin,
        time_zone="Asia/Jakarta",
        weekly=week,
        national_holidays=True,
    )
    point = services.point_create(
        organisation=organisation,
        actor=admin,
        name=spec["name"],
        slug=spec["slug"],
        address=spec["address"],
        time_zone="Asia/Jakarta",
        calendar=calendar,
    )
    by_prefix = {}
    for position, service_spec in enumerate(spec["services"]):
        by_prefix[service_spec.prefix] = services.service_create(
            point=point,
            actor=admin,
            name=service_spec.name,
            prefix=service_spec.prefix,
            position=position,
            **service_spec.settings,
        )
    for name, code, prefixes, _staff_key in spec["counters"]:
        services.counter_create(
            point=point,
            actor=admin,
            name=name,
            code=code,
            services=[by_prefix[prefix].pk for prefix in prefixes],
        )
    return point


# --- a day played through the services ------------------------------------------------------


def _person(rng: random.Random) -> services.Person:
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    phone = "08" + "".join(str(rng.randrange(10)) for _ in range(10))
    return services.Person(name=name, phone=phone)


def _service_seconds(spec: ServiceSpec, rng: random.Random) -> float:
    """Skewed service times: log-normal with the spec's mean, a long right tail."""
    sigma = 0.5
    mu = math.log(spec.mean_minutes * 60) - sigma**2 / 2
    return max(45.0, rng.lognormvariate(mu, sigma))


def _arrivals(
    spec: ServiceSpec,
    intervals: list[tuple[datetime, datetime]],
    zone: ZoneInfo,
    rng: random.Random,
) -> list[datetime]:
    """Poisson arrivals over the open periods, their rate following HOURLY (local hours)."""
    moments = []
    for start, end in intervals:
        moment = start
        while True:
            hour = moment.astimezone(zone).hour
            rate = spec.per_hour * HOURLY.get(hour, 0.2) / 3600
            moment += timedelta(seconds=rng.expovariate(max(rate, 1e-6)))
            # Nobody takes a number in the last quarter hour before closing.
            if moment >= end - timedelta(minutes=15):
                break
            moments.append(moment)
    return moments


def _play_history(
    point: ServicePoint,
    spec: dict[str, Any],
    staff: dict[str, User],
    now: datetime,
    rng: random.Random,
) -> None:
    """The last working days in full, and today up to `now`."""
    zone = services.zone_of(point)
    today = now.astimezone(zone).date()
    days: list[date] = []
    day = today - timedelta(days=1)
    while len(days) < HISTORY_DAYS and day > today - timedelta(days=30):
        if services.open_intervals_on(point, day):
            days.append(day)
        day -= timedelta(days=1)
    for day in [*reversed(days), today]:
        _play_day(point, spec, staff, day, now, rng)


@dataclass(order=True)
class _Step:
    at: datetime
    order: int
    action: Callable[[], object] = field(compare=False)


def _play_day(
    point: ServicePoint,
    spec: dict[str, Any],
    staff: dict[str, User],
    day: date,
    now: datetime,
    rng: random.Random,
) -> None:
    """One day's numbers, calls and services, in the order of their moments, stopping at
    `now`: the counters call whenever they are free, a no-show is called twice then marked."""
    intervals = services.open_intervals_on(point, day)
    if not intervals:
        return
    service_rows = {service.prefix: service for service in Service.objects.filter(point=point)}
    specs = {service_spec.prefix: service_spec for service_spec in spec["services"]}
    counters = {counter.code: counter for counter in Counter.objects.filter(point=point)}
    steps: list[_Step] = []
    sequence = iter(range(1_000_000))
    waiting: dict[int, int] = {service.pk: 0 for service in service_rows.values()}

    def plan(at: datetime, action: Callable[[], object]) -> None:
        heapq.heappush(steps, _Step(at, next(sequence), action))

    for prefix, service_spec in specs.items():
        service = service_rows[prefix]
        buckets = [bucket["key"] for bucket in service.buckets]
        for moment in _arrivals(service_spec, intervals, services.zone_of(point), rng):
            bucket = rng.choice(buckets) if buckets else ""
            plan(moment, _taker(service, bucket, moment, rng, waiting))
    opening, closing = intervals[0][0], intervals[-1][1]
    for _name, code, _prefixes, staff_key in spec["counters"]:
        counter = counters[code]
        user = staff[staff_key]
        # Counters open a few minutes late, some later still; one takes a break at 10:00.
        opens = opening + timedelta(minutes=rng.choice([0, 3, 5, 10, 25]))
        plan(opens, _opener(counter, user, opens))
        first = opens + timedelta(seconds=30)
        plan(first, _caller(counter, user, specs, plan, rng, first, waiting))
    while steps:
        step = heapq.heappop(steps)
        if step.at > now or step.at > closing + timedelta(minutes=30):
            break
        step.action()
    # The day is over: the counters close (today's stay as they are at `now`).
    if closing + timedelta(minutes=30) <= now:
        for counter in Counter.objects.filter(point=point, is_open=True):
            assert counter.staff is not None
            services.counter_close(
                counter=counter, actor=counter.staff, now=closing + timedelta(minutes=30)
            )


def _taker(
    service: Service, bucket: str, moment: datetime, rng: random.Random, waiting: dict[int, int]
) -> Callable[[], None]:
    def take() -> None:
        channel = "kiosk" if rng.random() < 0.85 else "staff"
        person = _person(rng) if rng.random() < 0.3 else services.Person()
        try:
            services.ticket_take(
                service=service, channel=channel, person=person, bucket=bucket, now=moment
            )
        except services.QueueRefused:
            return  # a full quota: the person goes home, as in life
        waiting[service.pk] += 1

    return take


def _opener(counter: Counter, user: User, moment: datetime) -> Callable[[], None]:
    def open_() -> None:
        services.counter_open(counter=counter, actor=user, now=moment)

    return open_


def _caller(
    counter: Counter,
    user: User,
    specs: dict[str, ServiceSpec],
    plan: Callable[[datetime, Callable[[], object]], None],
    rng: random.Random,
    first_at: datetime,
    waiting: dict[int, int],
) -> Callable[[], None]:
    """The counter's loop from `first_at`: call next; the person comes (or not, and is
    called again, then marked a no-show); serve; call again when done. With nobody waiting
    it finishes whom it serves and looks again a minute later (`waiting` keeps the count,
    so that looking costs no query)."""
    state: dict[str, Any] = {"at": first_at, "serving": False}

    def again(moment: datetime) -> None:
        state["at"] = moment
        plan(moment, call)

    def call() -> None:
        moment = state["at"]
        if not any(waiting.get(service_id) for service_id in counter.services):
            if state["serving"]:
                services.counter_finish(counter=counter, actor=user, now=moment)
                state["serving"] = False
            return again(moment + timedelta(minutes=1))
        ticket = services.counter_call_next(counter=counter, actor=user, now=moment)
        state["serving"] = False
        if ticket is None:
            return again(moment + timedelta(minutes=1))
        waiting[ticket.service_id] -= 1
        if rng.random() < NO_SHOW_SHARE:
            recall, gone = moment + timedelta(seconds=45), moment + timedelta(seconds=90)
            plan(recall, lambda: services.counter_recall(counter=counter, actor=user, now=recall))
            plan(gone, lambda: services.counter_no_show(counter=counter, actor=user, now=gone))
            return again(gone + timedelta(seconds=5))
        walk = moment + timedelta(seconds=rng.randint(20, 60))
        plan(walk, lambda: services.counter_start(counter=counter, actor=user, now=walk))
        state["serving"] = True
        served = _service_seconds(specs[ticket.service.prefix], rng)
        return again(walk + timedelta(seconds=served))

    return call


# --- bookings for the coming days ------------------------------------------------------------


def _bookings_ahead(
    point: ServicePoint, spec: dict[str, Any], now: datetime, rng: random.Random
) -> None:
    """Online bookings for the next open days: some slots taken, a few full."""
    for service in Service.objects.filter(point=point, online_booking=True):
        buckets = [bucket["key"] for bucket in service.buckets]
        for day in [now.astimezone(services.zone_of(point)).date() + timedelta(days=n)
                    for n in range(1, 4)]:  # fmt: skip
            slots = services.slots_on(service, day) if service.slot_minutes else [None]
            for slot in slots:
                if slot is not None and slot <= now:
                    continue
                for _ in range(rng.randint(0, service.slot_capacity)):
                    try:
                        services.ticket_take(
                            service=service,
                            channel="online",
                            person=_person(rng),
                            bucket=rng.choice(buckets) if buckets else "",
                            day=day,
                            slot=slot,
                            now=now - timedelta(hours=rng.randint(1, 48)),
                        )
                    except services.QueueRefused:
                        break
