"""A Dukcapil office open Monday–Friday 08:00–15:00 (WIB), with two services and three
counters, built through the services; and a clock: `monday(h, m)` is a moment on an open
Monday in Jakarta."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from karcis.calendars.services import calendar_create
from karcis.queueing import services

WIB = ZoneInfo("Asia/Jakarta")
WEEKDAY = [[8 * 60, 15 * 60]]
# Monday 2026-12-14: an ordinary working day (no national holiday).
MONDAY = datetime(2026, 12, 14, tzinfo=WIB)


def monday(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return MONDAY.replace(hour=hour, minute=minute, second=second)


@pytest.fixture
def office_hours(org, admin_user):
    return calendar_create(
        organisation=org,
        name="Jam layanan",
        actor=admin_user,
        time_zone="Asia/Jakarta",
        weekly=[*([WEEKDAY] * 5), [], []],
        national_holidays=True,
    )


@pytest.fixture
def point(org, admin_user, office_hours):
    return services.point_create(
        organisation=org,
        actor=admin_user,
        name="Disdukcapil Kota",
        slug="dukcapil",
        address="Jl. Merdeka 1",
        time_zone="Asia/Jakarta",
        calendar=office_hours,
    )


@pytest.fixture
def ktp(point, admin_user):
    return services.service_create(
        point=point,
        actor=admin_user,
        name="Perekaman KTP-el",
        prefix="A",
        slot_minutes=30,
        slot_capacity=2,
        booking_days_ahead=7,
        quotas=[{"channel": "online", "bucket": "", "limit": 10}],
    )


@pytest.fixture
def kk(point, admin_user):
    return services.service_create(
        point=point, actor=admin_user, name="Kartu Keluarga", prefix="B", slot_minutes=0
    )


@pytest.fixture
def counter(point, admin_user, ktp, kk):
    return services.counter_create(
        point=point, actor=admin_user, name="Loket 1", code="1", services=[ktp.pk, kk.pk]
    )


@pytest.fixture
def counter2(point, admin_user, ktp, kk):
    return services.counter_create(
        point=point, actor=admin_user, name="Loket 2", code="2", services=[kk.pk, ktp.pk]
    )


@pytest.fixture
def person():
    return services.Person(name="Siti Aminah", phone="0812 3456 7890")


def at(day, hh_mm: str) -> datetime:
    hour, minute = (int(part) for part in hh_mm.split(":"))
    return datetime.combine(day, time(hour, minute), WIB)
