"""The calendars' part of the demo organisation, built through the services
(karcis.demo.builder calls `calendars_demo`)."""

from datetime import date

from karcis.core.models import Organisation, User

from . import services
from .models import BusinessCalendar

OFFICE_WEEK = [
    [[480, 1020]],  # Senin 08:00-17:00
    [[480, 1020]],
    [[480, 1020]],
    [[480, 1020]],  # Kamis
    [[480, 690], [780, 1020]],  # Jumat: 08:00-11:30, 13:00-17:00 (salat Jumat)
    [],
    [],
]
CUTI_BERSAMA = [
    (date(2026, 12, 24), "Cuti bersama Hari Raya Natal"),
    (date(2027, 3, 12), "Cuti bersama Hari Raya Idul Fitri"),
]


def calendars_demo(*, organisation: Organisation, actor: User | None) -> BusinessCalendar:
    """The demo's office calendar, "Jam kerja kantor": Monday to Thursday 08:00-17:00,
    Friday 08:00-11:30 and 13:00-17:00, Asia/Jakarta, Indonesia's national holidays and two
    days of cuti bersama; the organisation's default. Idempotent by name."""
    existing = BusinessCalendar.objects.filter(
        organisation=organisation, name="Jam kerja kantor"
    ).first()
    if existing is not None:
        return existing
    return services.calendar_create(
        organisation=organisation,
        name="Jam kerja kantor",
        actor=actor,
        time_zone="Asia/Jakarta",
        weekly=OFFICE_WEEK,
        national_holidays=True,
        is_default=True,
        added_dates=CUTI_BERSAMA,
    )
