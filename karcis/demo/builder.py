"""Builds the demo organisation through the real services, each step at its planned moment.

Two phases:
1. Plan (pure Python, a fixed random seed): people, and for every ticket its time of arrival,
   requester, category, routing, final status and a script of steps (replies, notes,
   assignments, escalations, closing), each with the moment it happened.
2. Build: every plan is played through karcis.core.services and karcis.desk.services
   (ticket_create, message_add, ticket_update), each told when the step happened (`at`),
   so the rows, events and search index are exactly what the product makes, with the
   history's own moments. Nothing is written to a table behind the services' back.
"""

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import holidays
from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from karcis.calendars.demo import calendars_demo
from karcis.calendars.hours import Hours
from karcis.calendars.selectors import hours_for
from karcis.core import services as core_services
from karcis.core.content import body_from
from karcis.core.eventlog import event_cursors_skip_history, events_dispatch
from karcis.core.models import (
    Channel,
    Contact,
    IdentityKind,
    Organisation,
    Team,
    User,
    Verification,
)
from karcis.demo import data
from karcis.demo.mail import demo_mail_load
from karcis.desk import selectors as desk_selectors
from karcis.desk import services as desk_services
from karcis.routing.demo import routing_demo
from karcis.sla.demo import POLICIES as SLA_POLICIES
from karcis.sla.demo import sla_demo
from karcis.sla.services import clocks_due_announce


class Status:
    """The desk's ticket status codes (as its API names them)."""

    NEW, OPEN, PENDING, ON_HOLD, SOLVED, CLOSED = (
        "new",
        "open",
        "pending",
        "on_hold",
        "solved",
        "closed",
    )


class Priority:
    """The desk's priority codes."""

    LOW, NORMAL, HIGH, URGENT = "low", "normal", "high", "urgent"


SEED = 20_250_817
HISTORY_DAYS = 60
SETUP_DAYS_AGO = 75  # the organisation, its people and settings exist before the history
MAX_MESSAGES = 6
JAKARTA = ZoneInfo(data.ORGANISATION["time_zone"])

STATUS_SHARES = [
    (Status.NEW, 0.10),
    (Status.OPEN, 0.25),
    (Status.PENDING, 0.10),
    (Status.ON_HOLD, 0.05),
    (Status.SOLVED, 0.25),
    (Status.CLOSED, 0.25),
]
# Tickets arrive mostly in office hours (index = hour of the day, Asia/Jakarta).
# fmt: off
HOUR_WEIGHTS = [0.05, 0.03, 0.02, 0.02, 0.05, 0.15, 0.4, 0.9, 1.7, 2.3, 2.4, 2.0,
                1.3, 1.8, 2.0, 1.8, 1.4, 1.0, 0.8, 0.9, 0.9, 0.6, 0.3, 0.15]
# fmt: on
CHANNELS_OFFICE = {
    "web": 24,
    "email": 22,
    "whatsapp": 26,
    "phone": 12,
    "chat": 8,
    "walk_in": 5,
    "api": 3,
}
CHANNELS_AFTER_HOURS = {"web": 30, "email": 25, "whatsapp": 33, "chat": 7, "api": 5}
# Minutes until an agent first answers, and until a solution, by priority.
FIRST_REPLY_MINUTES = {"urgent": (5, 40), "high": (10, 120), "normal": (20, 240), "low": (60, 720)}
SOLVE_MINUTES = {
    "urgent": (60, 600),
    "high": (120, 1800),
    "normal": (180, 4320),
    "low": (240, 7200),
}
PRIORITY_UP = {"low": "normal", "normal": "high", "high": "urgent", "urgent": "urgent"}
OUTAGE_DAYS_AGO = 19
OUTAGE_PLACE, OUTAGE_PLACE_2 = "Kebayoran Baru", "Cilandak"
OUTAGE_TOPIC = "Teknis › Gangguan total"
TEXT_KINDS = ("first_replies", "asks", "notes", "holds", "solutions", "follow_ups")


# --- plans --------------------------------------------------------------------------------


@dataclass
class Person:
    """A requester to be (a Contact once built)."""

    name: str
    call: str  # what agents call them: "Rudi", "Made"
    gender: str
    city: str
    place: str
    email: str
    phone: str
    vip: bool
    customer_number: str
    contact: Contact | None = None
    first_seen: datetime | None = None


@dataclass
class Step:
    """One thing that happens to a ticket after it is opened."""

    at: datetime
    kind: str  # customer | reply | note | assign | escalate | close
    pool: list[str] = field(default_factory=list)  # text templates to choose from
    agent: str = ""  # staff key of the author or actor
    status: str | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    text: str = ""


@dataclass
class Plan:
    index: int
    created_at: datetime
    status: str
    channel: str = "web"
    person: Person | None = None
    topic: str = ""
    case: dict[str, Any] = field(default_factory=dict)  # one of the topic's cases
    category: str | None = None
    team: str | None = None
    assignee: str | None = None  # assigned when the ticket is opened
    logged_by: str | None = None  # agent who typed in a phone call or a visit
    priority: str = Priority.NORMAL
    type: str = "question"
    tags: list[str] = field(default_factory=list)
    custom_fields: dict[str, str] = field(default_factory=dict)
    subject: str = ""
    opening: str = ""  # a template until rendered
    opening_template: str = ""
    steps: list[Step] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)
    follow_up_of: "Plan | None" = None
    outage: bool = False
    is_customer_account: bool = False

    @property
    def requester(self) -> Person:
        """`person`: the planner chooses it before anything else reads it."""
        return cast(Person, self.person)

    @property
    def number(self) -> str:
        # The organisation is new, so ticket numbers follow creation order (checked when built).
        return f"{data.ORGANISATION['ticket_prefix']}-{self.index + 1:06d}"

    def moment(self, kind: str, status: str | None = None) -> datetime | None:
        """When the first step of this kind (and status) happened."""
        for step in self.steps:
            if step.kind == kind and (status is None or step.status == status):
                return step.at
        return None

    @property
    def first_response_at(self) -> datetime | None:
        return self.moment("reply")

    @property
    def solved_at(self) -> datetime | None:
        moments = [s.at for s in self.steps if s.status == Status.SOLVED]
        return moments[-1] if moments else None

    @property
    def closed_at(self) -> datetime | None:
        return self.moment("close")

    @property
    def updated_at(self) -> datetime:
        return self.steps[-1].at if self.steps else self.created_at


def rupiah(value: float) -> str:
    return "Rp " + f"{round(value / 500) * 500:,.0f}".replace(",", ".")


def indonesian_date(day: date) -> str:
    return f"{day.day} {data.MONTHS[day.month - 1]}"


def part_of_day(moment: datetime) -> str:
    hour = moment.astimezone(JAKARTA).hour
    if 4 <= hour < 11:
        return "pagi"
    if hour < 15:
        return "siang"
    if hour < 18:
        return "sore"
    return "malam"


def continuing(text: str) -> str:
    """The text continuing a sentence: first word in lower case unless it is a name or an
    abbreviation ("Sudah beres" → "sudah beres", "NusaNet"/"OTP" stay)."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first[0].isupper() and first[1:].islower():
        return text[0].lower() + text[1:]
    return text


def _wrap(template: str, values: dict[str, Any], core: str) -> str:
    return template.format_map({**values, "isi": core, "isi_lanjut": continuing(core)})


def _minutes(value: float) -> timedelta:
    return timedelta(minutes=value)


class Calendar:
    """Office hours in Asia/Jakarta: Monday–Friday 08–17 (20 on chat channels), Saturday
    08–12 (14), closed on Sundays and national holidays."""

    def __init__(self, years: set[int]):
        self.holidays = holidays.country_holidays("ID", years=sorted(years))

    def is_day_off(self, day: date) -> bool:
        return day.weekday() == 6 or day in self.holidays

    def closing_hour(self, day: date, extended: bool) -> int:
        if day.weekday() == 5:
            return 14 if extended else 12
        return 20 if extended else 17

    def is_office_hours(self, moment: datetime) -> bool:
        local = moment.astimezone(JAKARTA)
        day = local.date()
        return not self.is_day_off(day) and 8 <= local.hour < self.closing_hour(day, False)

    def agent_time(self, moment: datetime, rng: random.Random, extended: bool) -> datetime:
        """The moment, or a little after the next opening when agents are away."""
        local = moment.astimezone(JAKARTA)
        for _ in range(20):
            day = local.date()
            if not self.is_day_off(day):
                opening = datetime.combine(day, time(8), JAKARTA)
                closing = datetime.combine(day, time(self.closing_hour(day, extended)), JAKARTA)
                if local < opening:
                    return opening + _minutes(rng.uniform(2, 50))
                if local < closing:
                    return local
            local = datetime.combine(day + timedelta(days=1), time(0), JAKARTA)
        return moment

    def customer_time(self, moment: datetime, rng: random.Random) -> datetime:
        """People write between 06 and 22; a later message waits for the morning."""
        local = moment.astimezone(JAKARTA)
        if local.hour < 6:
            return datetime.combine(local.date(), time(6), JAKARTA) + _minutes(rng.uniform(5, 120))
        if local.hour >= 22:
            next_day = local.date() + timedelta(days=1)
            return datetime.combine(next_day, time(6), JAKARTA) + _minutes(rng.uniform(5, 150))
        return moment


def _weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def status_counts(total: int) -> dict[str, int]:
    """Tickets per status from STATUS_SHARES (largest remainder), each status at least once."""
    exact = [(status, total * share) for status, share in STATUS_SHARES]
    counts = {status: int(value) for status, value in exact}
    leftovers = sorted(exact, key=lambda item: item[1] - int(item[1]), reverse=True)
    for status, _value in leftovers[: total - sum(counts.values())]:
        counts[status] += 1
    if total >= len(STATUS_SHARES):
        for status in counts:
            if counts[status] == 0:
                richest = max(counts, key=counts.__getitem__)
                counts[richest] -= 1
                counts[status] += 1
    return counts


class Planner:
    """Decides everything about the demo, deterministically, before anything is written."""

    def __init__(self, *, tickets: int, now: datetime, seed: int = SEED):
        self.rng = random.Random(seed)
        self.now = now
        self.total = tickets
        today = now.astimezone(JAKARTA).date()
        self.start = now - timedelta(days=HISTORY_DAYS)
        self.calendar = Calendar({today.year - 1, today.year})
        self.staff = {key: (name, teams, load) for key, name, _e, _r, teams, load in data.STAFF}
        self.used_emails: set[str] = {data.CUSTOMER["email"]}
        self.used_names: set[str] = {data.CUSTOMER["name"]}

    # -- people --

    def person(self, city: str | None = None) -> Person:
        rng = self.rng
        city = city or _weighted(rng, data.CITY_WEIGHTS)
        gender = rng.choice("mf")
        regional = data.REGIONAL.get(city)
        for _ in range(50):
            if regional and rng.random() < 0.8:
                first = rng.choice(regional[gender])
                last = rng.choice(regional["last"])
            else:
                first = rng.choice(data.MALE_NAMES if gender == "m" else data.FEMALE_NAMES)
                surnames = data.SURNAMES + (data.FEMALE_SURNAMES if gender == "f" else [])
                last = rng.choice(surnames)
            name = first if rng.random() < 0.08 and not regional else f"{first} {last}"
            if name not in self.used_names:
                break
        self.used_names.add(name)
        # Most people have both an e-mail address and a mobile number; some only one.
        email = self._email(first, last) if rng.random() < 0.85 else ""
        phone = self._phone() if not email or rng.random() < 0.88 else ""
        return Person(
            name=name,
            call=first,
            gender=gender,
            city=city,
            place=rng.choice(data.PLACES[city]),
            email=email,
            phone=phone,
            vip=rng.random() < 0.06,
            customer_number=f"{rng.randint(10, 99)}{rng.randint(0, 9999999999):010d}",
        )

    def _email(self, first: str, last: str) -> str:
        rng = self.rng
        first_part = first.lower().replace(" ", "")
        last_part = last.lower().split()[0]
        for _ in range(50):
            local = rng.choice(
                [
                    f"{first_part}.{last_part}",
                    f"{first_part}{last_part}{rng.randint(1, 99)}",
                    f"{first_part}_{rng.randint(70, 99)}",
                    f"{first_part[0]}{last_part}",
                    f"{first_part}.{last_part}{rng.randint(1990, 2005)}",
                ]
            )
            address = f"{local}@{rng.choice(data.EMAIL_DOMAINS)}"
            if address not in self.used_emails:
                self.used_emails.add(address)
                return address
        return ""

    def _phone(self) -> str:
        rng = self.rng
        return f"{rng.choice(data.PHONE_PREFIXES)}-{rng.randint(1000, 9999)}-{rng.randint(100, 9999):04d}"

    def customer_person(self) -> Person:
        c = data.CUSTOMER
        return Person(
            name=c["name"],
            call=c["name"].split()[0],
            gender=c["gender"],
            city=c["city"],
            place="Antapani",
            email=c["email"],
            phone=c["phone"],
            vip=False,
            customer_number="310019874521",
        )

    # -- when --

    def arrival_times(self, count: int) -> list[datetime]:
        rng = self.rng
        today = self.now.astimezone(JAKARTA).date()
        days = [today - timedelta(days=k) for k in range(HISTORY_DAYS)]
        day_weights = [self._day_weight(day) for day in days]
        latest = self.now - timedelta(minutes=5)
        moments: list[datetime] = []
        while len(moments) < count:
            day = rng.choices(days, weights=day_weights)[0]
            hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
            moment = datetime.combine(day, time(hour), JAKARTA) + _minutes(rng.uniform(0, 60))
            if self.start < moment < latest:
                moments.append(moment)
        return moments

    def _day_weight(self, day: date) -> float:
        if day in self.calendar.holidays:
            return 0.35
        return {5: 0.5, 6: 0.3}.get(day.weekday(), 1.0)

    def outage_times(self, count: int) -> list[datetime]:
        """A fibre cut in South Jakarta one morning, a few weeks ago: a burst of tickets."""
        day = (self.now - timedelta(days=OUTAGE_DAYS_AGO)).astimezone(JAKARTA).date()
        while self.calendar.is_day_off(day) or day.weekday() == 5:
            day -= timedelta(days=1)
        begin = datetime.combine(day, time(8, 20), JAKARTA)
        return [begin + _minutes(self.rng.uniform(0, 300)) for _ in range(count)]

    # -- the whole plan --

    def plans(self) -> tuple[list[Plan], list[Person], Person]:
        outage_count = self.total // 20 if self.total >= 20 else 0
        moments = [(m, False) for m in self.arrival_times(self.total - outage_count)]
        moments += [(m, True) for m in self.outage_times(outage_count)]
        moments.sort()
        plans = [
            Plan(index=i, created_at=m, status="", outage=o) for i, (m, o) in enumerate(moments)
        ]
        self._assign_statuses(plans)

        people = [self.person() for _ in range(min(200, max(8, round(self.total * 0.4))))]
        jakarta = [p for p in people if p.city == "Jakarta"] or [self.person("Jakarta")]
        customer = self.customer_person()
        self._assign_people(plans, people, jakarta, customer)

        history: dict[int, list[Plan]] = {}
        for plan in plans:
            self._shape(plan, history.setdefault(id(plan.person), []))
            self._script(plan)
            self._fit_before_now(plan)
            self._render(plan)
            history[id(plan.person)].append(plan)
        used = {id(p.person): p.requester for p in plans}
        return plans, [p for p in used.values() if p is not customer], customer

    def _assign_statuses(self, plans: list[Plan]) -> None:
        """Young tickets are new or in progress, old ones solved and closed — with noise,
        so that some old tickets are still open (the backlog a desk really has)."""
        rng = self.rng
        counts = status_counts(len(plans))
        age = {
            p.index: (self.now - p.created_at).total_seconds() * math.exp(rng.gauss(0, 0.45))
            for p in plans
        }
        ranked = sorted(plans, key=lambda p: age[p.index])
        new_end = counts[Status.NEW]
        unsolved_end = (
            new_end + counts[Status.OPEN] + counts[Status.PENDING] + counts[Status.ON_HOLD]
        )
        for plan in ranked[:new_end]:
            plan.status = Status.NEW
        unsolved = (
            [Status.OPEN] * counts[Status.OPEN]
            + [Status.PENDING] * counts[Status.PENDING]
            + [Status.ON_HOLD] * counts[Status.ON_HOLD]
        )
        rng.shuffle(unsolved)
        for plan, status in zip(ranked[new_end:unsolved_end], unsolved, strict=True):
            plan.status = status
        resolved = sorted(
            ranked[unsolved_end:], key=lambda p: age[p.index] * math.exp(rng.gauss(0, 0.5))
        )
        for position, plan in enumerate(resolved):
            plan.status = Status.SOLVED if position < counts[Status.SOLVED] else Status.CLOSED

    def _assign_people(self, plans, people, jakarta, customer) -> None:
        rng = self.rng
        ordinary = [p for p in plans if not p.outage]
        # Everyone writes at least once; a few people write often (Zipf-like).
        weights = [1 / (rank + 3) ** 0.9 for rank in range(len(people))]
        chosen = list(people)[: len(ordinary)]
        chosen += rng.choices(people, weights=weights, k=len(ordinary) - len(chosen))
        rng.shuffle(chosen)
        for plan, person in zip(ordinary, chosen, strict=True):
            plan.person = person
        for plan in plans:
            if plan.outage:
                plan.person = rng.choice(jakarta)
        # The customer account has a handful of tickets in different states.
        for status in (Status.NEW, Status.OPEN, Status.PENDING, Status.SOLVED, Status.CLOSED):
            candidates = [p for p in ordinary if p.status == status and not p.is_customer_account]
            if candidates:
                plan = rng.choice(candidates)
                plan.person = customer
                plan.is_customer_account = True

    def _shape(self, plan: Plan, earlier: list[Plan]) -> None:
        """Channel, topic, routing, priority, tags and fields of one ticket."""
        rng = self.rng
        person = plan.requester
        office = self.calendar.is_office_hours(plan.created_at)
        plan.channel = _weighted(rng, CHANNELS_OFFICE if office else CHANNELS_AFTER_HOURS)
        if plan.is_customer_account:
            plan.channel = rng.choice(["web", "web", "email"])
        if not person.email and plan.channel in ("web", "email"):
            plan.channel = "whatsapp"
        if not person.phone and plan.channel in ("whatsapp", "phone"):
            plan.channel = "email"

        reopened = [
            p
            for p in earlier
            if p.status == Status.CLOSED
            and p.closed_at
            and p.closed_at + timedelta(hours=2) < plan.created_at
        ]
        if reopened and not plan.outage and rng.random() < 0.1:
            plan.follow_up_of = reopened[-1]
            plan.topic, plan.case = plan.follow_up_of.topic, plan.follow_up_of.case
        elif plan.outage:
            plan.topic = OUTAGE_TOPIC
            plan.case = rng.choice(
                [c for c in data.TOPICS[OUTAGE_TOPIC]["cases"] if c.get("outage")]
            )
        else:
            plan.topic = _weighted(rng, {k: t["weight"] for k, t in data.TOPICS.items()})
            plan.case = rng.choice(data.TOPICS[plan.topic]["cases"])
        topic = data.TOPICS[plan.topic]

        plan.priority = _weighted(rng, topic["priorities"])
        if plan.outage:
            plan.priority = rng.choice([Priority.HIGH, Priority.HIGH, Priority.URGENT])
        if person.vip and rng.random() < 0.5:
            plan.priority = PRIORITY_UP[plan.priority]
        plan.type = _weighted(rng, topic["types"])

        # Web forms ask for a category; other channels arrive unsorted until triage.
        triaged = plan.status != Status.NEW or plan.channel in ("web", "phone", "walk_in")
        if triaged or rng.random() < 0.45:
            plan.category = plan.topic
            plan.team = topic["team"]
        if plan.channel in ("phone", "walk_in"):
            plan.logged_by = self._agent_for(data.TEAM_CARE)
        if plan.status != Status.NEW:
            plan.team = topic["team"]
            plan.category = plan.topic
            if plan.logged_by and plan.logged_by in self._members(plan.team):
                plan.assignee = plan.logged_by
            elif rng.random() < 0.4:
                plan.assignee = self._agent_for(plan.team)  # routed automatically on arrival

        social_share = 0.25 if plan.topic == "Keluhan layanan" else 0.02
        tags = {
            "vip": person.vip,
            "gangguan-massal": plan.outage,
            "follow-up": plan.follow_up_of is not None,
            "media-sosial": rng.random() < social_share,
        }
        plan.tags = sorted(name for name, wanted in tags.items() if wanted)
        if plan.topic != "Informasi umum" and rng.random() < 0.85:
            plan.custom_fields[data.FIELD_CUSTOMER_NUMBER] = person.customer_number
        if rng.random() < 0.9:
            plan.custom_fields[data.FIELD_REGION] = person.city
        plan.context = self._context(plan)
        plan.subject = rng.choice(plan.case["subjects"])
        plan.opening = rng.choice(plan.case["openings"])
        if plan.follow_up_of:
            plan.subject = f"Lanjutan: {plan.follow_up_of.subject}"
            original = plan.follow_up_of.opening_template
            plan.opening = rng.choice(data.FOLLOW_UP_OPENINGS) + " " + original

    def _members(self, team: str | None) -> list[str]:
        return [k for k, (_n, teams, load) in self.staff.items() if team in teams and load]

    def _agent_for(self, team: str | None) -> str:
        members = self._members(team)
        return self.rng.choices(members, weights=[self.staff[m][2] for m in members])[0]

    def _context(self, plan: Plan) -> dict[str, Any]:
        rng = self.rng
        person = plan.requester
        package, speed, price = rng.choice(data.PLANS)
        monthly = price * 1.11  # with VAT
        earlier = (plan.created_at - timedelta(days=rng.randint(1, 10))).astimezone(JAKARTA)
        tomorrow = (plan.created_at + timedelta(days=1)).astimezone(JAKARTA)
        other_places = [p for p in data.PLACES[person.city] if p != person.place]
        place = OUTAGE_PLACE if plan.outage else person.place
        honorific = "Bapak" if person.gender == "m" else "Ibu"
        return {
            "nama": person.call,
            "nama_lengkap": person.name,
            "sapaan_formal": f"{honorific} {person.call}",
            "bank": rng.choice(data.PAYMENT_METHODS),
            "jumlah": rupiah(monthly * rng.choice([1, 1, 1.5, 2, 2.4])),
            "jumlah2": rupiah(monthly),
            "jumlah_kecil": rupiah(rng.choice([25_000, 35_000, 50_000, 75_000, 100_000, 150_000])),
            "bulan": data.MONTHS[earlier.month - 1],
            "tanggal": indonesian_date(earlier.date()),
            "jam": f"{rng.randint(6, 21):02d}.{rng.choice([0, 5, 10, 15, 20, 30, 40, 45, 50]):02d}",
            "hari": data.DAYS[tomorrow.weekday()],
            "nomor": person.customer_number,
            "kode": f"TRX{rng.randint(10**9, 10**10 - 1)}",
            "kota": person.city,
            "tempat": place,
            "tempat2": OUTAGE_PLACE_2
            if plan.outage
            else (rng.choice(other_places) if other_places else place),
            "paket": package,
            "mbps": speed,
            "mbps_rendah": max(1, round(speed * rng.uniform(0.05, 0.3))),
            "redaman": f"-{rng.uniform(17, 24):.1f}".replace(".", ","),
            "estimasi": rng.choice(
                ["sekitar 4 jam", "sore ini pukul 17.00", "malam ini", "1×24 jam"]
            ),
            "jam_kunjungan": rng.choice(["09.00–12.00", "13.00–16.00"]),
            "teknisi": rng.choice(data.FIELD_TECHNICIANS),
            "router": rng.choice(data.ROUTERS),
            "sn": f"ZTEG{rng.randint(0, 16**8 - 1):08X}",
            "angka": rng.randint(1000, 9999),
            "durasi": rng.choice(["2 hari", "36 jam", "3 hari", "5 hari", "lebih dari 24 jam"]),
            "supervisor": "Pak " + self.staff[data.SUPERVISOR][0].split()[0],
            "nomor_tiket": plan.follow_up_of.number if plan.follow_up_of else "",
        }

    # -- what happens after a ticket arrives --

    @staticmethod
    def texts(plan: Plan, kind: str) -> list[str]:
        """The texts of this kind that fit the ticket: its case's and its category's."""
        return plan.case.get(kind, []) + data.TOPICS[plan.topic].get(kind, [])

    def _script(self, plan: Plan) -> None:
        script = Script(self, plan)
        rng = self.rng

        texts = {kind: self.texts(plan, kind) for kind in TEXT_KINDS}
        if plan.status == Status.NEW:
            if rng.random() < 0.55:
                script.customer(data.NUDGES, (45, 1200))
            return
        if plan.assignee is None:
            script.assign()
        if plan.status == Status.OPEN and rng.random() < 0.2:
            script.customer(data.NUDGES, (60, 1440))  # assigned, not answered yet
            return
        pending_first = plan.status == Status.PENDING and rng.random() < 0.5
        script.reply(
            texts["asks"] if pending_first else texts["first_replies"],
            FIRST_REPLY_MINUTES[plan.priority],
            status=Status.PENDING if pending_first else None,
        )
        if rng.random() < 0.1:
            script.escalate()

        if plan.status == Status.OPEN:
            if rng.random() < 0.4:
                script.note(texts["notes"])
            if rng.random() < 0.5:
                script.customer(texts["follow_ups"], (30, 1440))
        elif plan.status == Status.PENDING:
            if not pending_first:
                if script.room(3) and rng.random() < 0.5:
                    script.note(texts["notes"])
                script.customer(texts["follow_ups"], (30, 1440))
                script.reply(texts["asks"], (10, 240), status=Status.PENDING)
        elif plan.status == Status.ON_HOLD:
            if script.room(2) and rng.random() < 0.4:
                script.customer(texts["follow_ups"], (30, 1440))
            script.note(texts["holds"], status=Status.ON_HOLD)
        else:
            confirm = rng.random() < 0.45
            tail = 3 if confirm else 1
            if script.room(tail + 1) and rng.random() < 0.4:
                script.note(texts["notes"])
            if script.room(tail + 2) and rng.random() < 0.4:
                script.customer(texts["follow_ups"], (30, 1440))
                script.reply(data.AGENT_UPDATES, (10, 240))
            if confirm and script.room(3):
                script.reply(
                    texts["solutions"], SOLVE_MINUTES[plan.priority], status=Status.PENDING
                )
                script.customer(data.THANKS, (20, 600))
                script.reply(data.CONFIRM_SOLVED, (5, 120), status=Status.SOLVED)
            else:
                script.reply(texts["solutions"], SOLVE_MINUTES[plan.priority], status=Status.SOLVED)
            if plan.status == Status.CLOSED:
                script.close()

    def _fit_before_now(self, plan: Plan) -> None:
        """A young ticket's script may run past now: squeeze it into the time it has had."""
        latest = self.now - timedelta(minutes=2)
        if not plan.steps or plan.steps[-1].at <= latest:
            return
        span = latest - plan.created_at
        planned = plan.steps[-1].at - plan.created_at
        previous = plan.created_at
        for step in plan.steps:
            step.at = plan.created_at + (step.at - plan.created_at) * (span / planned)
            step.at = max(step.at, previous + timedelta(seconds=1))
            previous = step.at

    def _render(self, plan: Plan) -> None:
        rng = self.rng
        context = plan.context
        style = self._style(plan.channel)
        sapaan = context["sapaan_formal"] if style != "chat" else f"Kak {context['nama']}"
        base = {**context, "sapaan": sapaan}
        plan.subject = plan.subject.format_map(base)
        plan.opening_template = plan.opening
        first = {**base, "waktu": part_of_day(plan.created_at)}
        plan.opening = _wrap(
            rng.choice(data.CUSTOMER_FORMATS[style]), first, plan.opening.format_map(base)
        )
        agent_style = "chat" if style == "chat" else "formal"
        for step in plan.steps:
            if not step.pool:
                continue
            name, teams, _load = self.staff[step.agent] if step.agent else ("", [], 0)
            values = {
                **base,
                "waktu": part_of_day(step.at),
                "agen": name.split()[0] if name else "",
                "agen_nama": name,
                "tim": plan.team or (teams[0] if teams else ""),
            }
            core = rng.choice(step.pool).format_map(values)
            if step.kind == "reply":
                step.text = _wrap(rng.choice(data.AGENT_FORMATS[agent_style]), values, core)
            elif step.kind == "customer" and style == "chat":
                step.text = _wrap(rng.choice(data.CUSTOMER_FORMATS["chat"]), values, core)
            elif step.kind == "customer" and style == "formal" and rng.random() < 0.5:
                step.text = f"{core}\n\n{context['nama_lengkap']}"
            else:
                step.text = core

    @staticmethod
    def _style(channel: str) -> str:
        if channel in ("web", "email"):
            return "formal"
        if channel in ("whatsapp", "chat"):
            return "chat"
        return channel  # phone, walk_in, api: the first message says how it came in


class Script:
    """Writes the steps of one ticket, keeping time moving forward and messages ≤ MAX_MESSAGES."""

    def __init__(self, planner: Planner, plan: Plan):
        self.planner = planner
        self.rng = planner.rng
        self.plan = plan
        self.at = plan.created_at
        self.messages = 1
        self.assignee = plan.assignee
        self.extended = plan.channel in ("whatsapp", "chat")

    def room(self, messages: int) -> bool:
        return self.messages + messages <= MAX_MESSAGES

    def _agent_moment(self, minutes: tuple[int, int]) -> datetime:
        moment = self.at + _minutes(self.rng.uniform(*minutes))
        self.at = self.planner.calendar.agent_time(moment, self.rng, self.extended)
        return self.at

    def _add(self, step: Step) -> None:
        self.plan.steps.append(step)
        if step.kind in ("customer", "reply", "note"):
            self.messages += 1

    def assign(self) -> None:
        plan = self.plan
        self.assignee = self.planner._agent_for(plan.team)
        # Triage by the supervisor, or an agent picking the ticket from the team queue.
        actor = data.SUPERVISOR if self.rng.random() < 0.4 else self.assignee
        self._add(
            Step(
                at=self._agent_moment((3, 60)),
                kind="assign",
                agent=actor,
                changes={"assignee": self.assignee},
            )
        )

    def customer(self, pool: list[str], minutes: tuple[int, int]) -> None:
        moment = self.at + _minutes(self.rng.uniform(*minutes))
        self.at = self.planner.calendar.customer_time(moment, self.rng)
        # agent: whom the requester is talking to ("Terima kasih, Budi!")
        self._add(Step(at=self.at, kind="customer", pool=pool, agent=self.assignee or ""))

    def reply(self, pool: list[str], minutes: tuple[int, int], status: str | None = None) -> None:
        self._add(
            Step(
                at=self._agent_moment(minutes),
                kind="reply",
                pool=pool,
                agent=self.assignee or "",  # chosen by now (see Planner._script)
                status=status,
            )
        )

    def note(self, pool: list[str], status: str | None = None) -> None:
        self._add(
            Step(
                at=self._agent_moment((5, 120)),
                kind="note",
                pool=pool,
                agent=self.assignee or "",  # chosen by now (see Planner._script)
                status=status,
            )
        )

    def escalate(self) -> None:
        if not self.room(2):
            return
        plan = self.plan
        self._add(
            Step(
                at=self._agent_moment((10, 180)),
                kind="note",
                pool=data.ESCALATION_NOTES,
                agent=self.assignee or "",  # chosen by now (see Planner._script)
            )
        )
        others = [m for m in self.planner._members(plan.team) if m != self.assignee]
        self.assignee = (
            data.SUPERVISOR if self.rng.random() < 0.5 or not others else self.rng.choice(others)
        )
        plan.tags = sorted({*plan.tags, "eskalasi"})
        self._add(
            Step(
                at=self._agent_moment((5, 90)),
                kind="escalate",
                agent=data.SUPERVISOR,
                changes={
                    "priority": PRIORITY_UP[plan.priority],
                    "assignee": self.assignee,
                    "tags": list(plan.tags),
                },
            )
        )

    def close(self) -> None:
        self._add(
            Step(
                at=self._agent_moment((2 * 1440, 5 * 1440)),
                kind="close",
                agent=self.assignee or "",  # chosen by now (see Planner._script)
                status=Status.CLOSED,
            )
        )


# --- build ----------------------------------------------------------------------------------


def demo_build(
    *,
    tickets: int = 500,
    progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
) -> Organisation:
    """Create the demo organisation with `tickets` tickets. Call with no organisation in
    scope (the organisation does not exist yet; each step runs in its scope)."""
    now = now or timezone.now()
    plans, _people, customer_person = Planner(tickets=tickets, now=now).plans()
    # One transaction: all or nothing (a crash leaves no half demo that would then be
    # taken for a loaded one), and SQLite writes much faster without a commit per ticket.
    with transaction.atomic():
        organisation = core_services.organisation_create(
            **data.ORGANISATION, created_at=now - timedelta(days=SETUP_DAYS_AGO)
        )
        with scope(organisation=organisation.pk):
            build = Build(organisation, customer_person, setup_at=organisation.created_at)
            for plan in plans:
                build.play(plan)
                if progress:
                    progress(plan.index + 1, len(plans))
            build.check(plans)
            # The breaches the history above holds are announced now, quietly: what is
            # late today is seen on the tickets, not as a bell full of old news.
            clocks_due_announce(now=now)
            # The history above is 60 days old: what follows only what happens from now on
            # (notifications) starts after it.
            event_cursors_skip_history()
            # Last, so that the history above sends no e-mail (there is no mailbox yet); then
            # what happens today, for the bell to show.
            build.today(demo_mail_load(organisation=organisation))
            build.sla_showcase(now=now)
            # Last: from here on new tickets find their team and agent by themselves; the
            # history above keeps the routing people did by hand.
            routing_demo(organisation=organisation, actor=build.admin)
            events_dispatch()
    return organisation


class Build:
    """Plays plans through the services, inside the caller's transaction and the
    organisation's scope. Every step is stamped with the moment of its plan (`at`)."""

    def __init__(self, organisation: Organisation, customer_person: Person, *, setup_at: datetime):
        self.organisation = organisation
        self.setup_at = setup_at
        self.tickets: dict[int, Any] = {}  # plan index → ticket
        self.staff = self._staff()
        self.teams = self._teams()
        self.categories = self._categories()
        desk_services.tags_resolve(organisation=organisation, names=data.TAGS)
        for spec in data.CUSTOM_FIELDS:
            desk_services.custom_field_create(
                organisation=organisation, actor=self.admin, at=setup_at, **spec
            )
        # Before any ticket: each one's SLA clocks run from its opening.
        calendars_demo(organisation=organisation, actor=self.admin)
        sla_demo(organisation=organisation, actor=self.admin)
        c = data.CUSTOMER
        joined = setup_at + timedelta(days=3)
        core_services.customer_user_create(
            organisation=organisation,
            email=c["email"],
            name=c["name"],
            password=data.DEMO_PASSWORD,
            at=joined,
        )
        customer_person.contact = core_services.contact_resolve(
            organisation=organisation,
            name=c["name"],
            email=c["email"],
            phone=c["phone"],
            proven={IdentityKind.EMAIL},
            proof=Verification.SIGNUP,
        )

    @property
    def admin(self) -> User:
        return self.staff[data.STAFF[0][0]]

    def _staff(self) -> dict[str, User]:
        staff: dict[str, User] = {}
        for key, name, email, role, _teams, _load in data.STAFF:
            staff[key] = core_services.staff_user_create(
                organisation=self.organisation,
                email=email,
                name=name,
                role=role,
                password=data.DEMO_PASSWORD,
                actor=staff.get(data.STAFF[0][0]),
                at=self.setup_at,
            )
        return staff

    def _teams(self) -> dict[str, Team]:
        teams = {}
        for name, description in data.TEAMS.items():
            members = [
                self.staff[key] for key, _n, _e, _r, in_teams, _l in data.STAFF if name in in_teams
            ]
            teams[name] = core_services.team_create(
                organisation=self.organisation,
                name=name,
                description=description,
                members=members,
                actor=self.admin,
                at=self.setup_at,
            )
        return teams

    def _categories(self) -> dict[str, Any]:
        categories = {}
        for parent_name, children in data.CATEGORY_TREE:
            parent = desk_services.category_create(
                organisation=self.organisation, name=parent_name, actor=self.admin, at=self.setup_at
            )
            categories[parent.path] = parent
            for name in children:
                child = desk_services.category_create(
                    organisation=self.organisation,
                    name=name,
                    parent=parent,
                    actor=self.admin,
                    at=self.setup_at,
                )
                categories[child.path] = child
        return categories

    def play(self, plan: Plan) -> None:
        """Open one ticket and play its script through the services."""
        person = plan.requester
        if person.contact is None:
            proven, proof = _proof_of(plan)
            person.contact = core_services.contact_resolve(
                organisation=self.organisation,
                name=person.name,
                email=person.email,
                phone=person.phone,
                at=plan.created_at,
                proven=proven,
                proof=proof,
            )
        ticket = desk_services.ticket_create(
            organisation=self.organisation,
            requester=person.contact,
            subject=plan.subject,
            body=body_from(text=plan.opening),
            channel=plan.channel,
            actor=self.staff[plan.logged_by] if plan.logged_by else None,
            category=self.categories.get(plan.category) if plan.category is not None else None,
            priority=plan.priority,
            type=plan.type,
            team=self.teams.get(plan.team) if plan.team is not None else None,
            assignee=self.staff[plan.assignee] if plan.assignee else None,
            tags=[t for t in plan.tags if t != "eskalasi"],
            custom_fields=plan.custom_fields,
            created_at=plan.created_at,
            linked_to=self.tickets[plan.follow_up_of.index] if plan.follow_up_of else None,
        )
        if ticket.number != plan.number:
            raise RuntimeError(f"Demo numbering drifted: {ticket.number} is not {plan.number}")
        self.tickets[plan.index] = ticket
        channel = _reply_channel(plan)
        for step in plan.steps:
            if step.kind == "customer":
                desk_services.message_add(
                    ticket=ticket,
                    body=body_from(text=step.text),
                    author_contact=person.contact,
                    channel=channel,
                    at=step.at,
                )
            elif step.kind in ("reply", "note"):
                kind = "reply" if step.kind == "reply" else "note"
                desk_services.message_add(
                    ticket=ticket,
                    body=body_from(text=step.text),
                    kind=kind,
                    author_user=self.staff[step.agent],
                    channel=channel if kind == "reply" else "web",
                    status=step.status,
                    at=step.at,
                )
            elif step.kind in ("assign", "escalate"):
                changes = {**step.changes, "assignee": self.staff[step.changes["assignee"]]}
                desk_services.ticket_update(
                    ticket=ticket, actor=self.staff[step.agent], at=step.at, **changes
                )
            elif step.kind == "close":
                desk_services.ticket_update(
                    ticket=ticket, actor=self.staff[step.agent], status=Status.CLOSED, at=step.at
                )

    def check(self, plans: list[Plan]) -> None:
        """The services decide statuses; make sure each ticket ended where its plan meant."""
        actual = desk_selectors.ticket_statuses_of(organisation=self.organisation)
        wrong = [plan.number for plan in plans if actual.get(plan.number) != plan.status]
        if wrong:
            raise RuntimeError(
                f"Demo tickets ended in an unplanned status: {', '.join(wrong[:10])}"
            )

    def sla_showcase(self, *, now: datetime) -> None:
        """Requests opened so that one is at risk and one on time whenever the demo is
        opened (data.SLA_SHOWCASE): the rest of the history is mostly answered or late."""
        hours = hours_for(organisation_id=self.organisation.pk)
        targets = {policy[1]: policy[2] for policy in SLA_POLICIES}  # first response
        for spec in data.SLA_SHOWCASE:
            contact = core_services.contact_resolve(
                organisation=self.organisation, name=spec["name"], email=spec["email"]
            )
            desk_services.ticket_create(
                organisation=self.organisation,
                requester=contact,
                subject=spec["subject"],
                body=body_from(text=spec["text"]),
                channel=Channel.WEB,
                priority=spec["priority"],
                created_at=business_ago(hours, now, targets[spec["priority"]] * spec["share"]),
            )
        # What the scheduler would say of them now: the urgent one is at risk, and the
        # supervisors hear of it.
        clocks_due_announce(now=now)

    def today(self, mail_tickets: dict[str, Any]) -> None:
        """What happens this morning, so that the demo's agents find something under their
        bell: the supervisor routes the two requests that came by e-mail, and asks a
        colleague to look at one of them in a note."""
        supervisor = self.staff[data.TODAY["supervisor"]]
        for key, (agent, team, note) in data.TODAY["routing"].items():
            ticket = mail_tickets.get(key)
            if ticket is None:
                continue
            desk_services.ticket_update(
                ticket=ticket, actor=supervisor, team=self.teams[team], assignee=self.staff[agent]
            )
            if note:
                desk_services.message_add(
                    ticket=ticket, body=body_from(text=note), kind="note", author_user=supervisor
                )


def business_ago(hours: Hours, now: datetime, minutes: float) -> datetime:
    """The latest moment from which `minutes` of business time have passed by `now`."""
    wanted = timedelta(minutes=minutes)
    early, late = now - timedelta(days=60), now
    while late - early > timedelta(seconds=1):
        middle = early + (late - early) / 2
        if hours.between(middle, now) >= wanted:
            early = middle
        else:
            late = middle
    return early.replace(microsecond=0)


def _reply_channel(plan: Plan) -> str:
    if plan.channel in ("web", "email", "whatsapp", "chat"):
        return plan.channel
    return "whatsapp" if plan.requester.phone else "email"


def _proof_of(plan: Plan) -> tuple[set[str], str]:
    """What a person's first ticket proves of their addresses, as the channel would: an
    e-mail that arrived from the address, or staff who took the call or the visit; an
    address typed into the web form proves nothing (decision 0016)."""
    if plan.channel == Channel.EMAIL:
        return {IdentityKind.EMAIL}, Verification.INBOUND
    if plan.logged_by:
        return {IdentityKind.EMAIL, IdentityKind.PHONE}, Verification.STAFF
    return set(), ""
