"""Reads of the business calendars that carry rules.

Which calendar counts for a team, and the `Hours` it makes, are read here and only here:
the SLA clocks and (later) the public queues call `hours_for`. Who may see calendars
(admins: `calendars.manage`) is decided here too.

Caching: what an organisation's calendars say (zones, weeks, closed dates, which team
follows which) is one small "plan" in Django's cache, shared by every process and forgotten
on every change of the rows behind it (`forget_on_change`). Each process keeps the `Hours`
it built from a plan in memory, keyed by the plan's stamp: a new plan (after a change, in
any process) has a new stamp, so stale hours are never used, and an `Hours` keeps the
months it worked out for the next call.
"""

import secrets
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone, translation

from karcis.core.caching import forget, forget_when_changed, read_through
from karcis.core.models import Organisation, User
from karcis.core.permissions import user_can

from . import permissions
from .hours import Hours, Weekly, always_open
from .models import BusinessCalendar, CalendarDate, CalendarTeam, DateKind, HolidaySource
from .national import national_dates, national_holidays

# The plan is rebuilt at least this often, so that its window of national holidays moves
# with the years.
PLAN_SECONDS = 6 * 60 * 60
# National holidays are counted from last year to two years ahead.
YEARS_BACK, YEARS_AHEAD = 1, 2
_HOURS_KEPT = 512


@dataclass(frozen=True)
class Holiday:
    """A day a calendar shows as a holiday, and where it came from. A `removed` one is
    open: the admin took it off the national list (`note` says why)."""

    date: date
    name: str
    source: str  # models.HolidaySource
    note: str = ""

    @property
    def closed(self) -> bool:
        return self.source != HolidaySource.REMOVED

    @property
    def source_label(self) -> str:
        return str(HolidaySource(self.source).label)


@dataclass(frozen=True)
class _CalendarSpec:
    zone: str
    weekly: Weekly
    closed: frozenset[date]


@dataclass(frozen=True)
class _Plan:
    stamp: str
    zone: str  # the organisation's, for the 24/7 fallback
    default: int | None
    teams: dict[int, int]  # team id → calendar id
    calendars: dict[int, _CalendarSpec]


def _plan_key(organisation_id: int) -> str:
    return f"karcis:calendars:plan:{organisation_id}"


def forget_on_change() -> None:
    """Forget an organisation's plan on every change of its calendars, their dates and
    teams, and of the organisation (its time zone is the fallback's)."""
    forget_when_changed(
        ("calendars.BusinessCalendar", "calendars.CalendarDate", "calendars.CalendarTeam"),
        lambda row: [_plan_key(row.organisation_id)],
        uid="calendars-plan",
    )
    forget_when_changed(
        ("core.Organisation",), lambda row: [_plan_key(row.pk)], uid="calendars-plan-org"
    )


def _weekly_of(stored: object) -> Weekly:
    days = stored if isinstance(stored, list) and len(stored) == 7 else [[]] * 7
    return tuple(tuple((int(start), int(end)) for start, end in day) for day in days)


def _plan_build(organisation_id: int) -> _Plan:
    zone = (
        Organisation.objects.filter(pk=organisation_id).values_list("time_zone", flat=True).first()
    ) or "Asia/Jakarta"
    rows = list(
        BusinessCalendar.objects.filter(organisation_id=organisation_id).values_list(
            "pk", "time_zone", "weekly", "national_holidays", "is_default"
        )
    )
    teams = dict(
        CalendarTeam.objects.filter(organisation_id=organisation_id).values_list(
            "team_id", "calendar_id"
        )
    )
    listed: dict[int, dict[str, set[date]]] = {}
    for calendar_id, day, kind in CalendarDate.objects.filter(
        organisation_id=organisation_id
    ).values_list("calendar_id", "date", "kind"):
        listed.setdefault(calendar_id, {}).setdefault(kind, set()).add(day)
    year = timezone.now().year
    national = (
        national_dates(range(year - YEARS_BACK, year + YEARS_AHEAD + 1))
        if any(row[3] for row in rows)
        else frozenset()
    )
    calendars = {}
    default = None
    for pk, calendar_zone, weekly, use_national, is_default in rows:
        dates = listed.get(pk, {})
        closed = (national if use_national else frozenset()) - dates.get(DateKind.REMOVED, set())
        calendars[pk] = _CalendarSpec(
            zone=calendar_zone,
            weekly=_weekly_of(weekly),
            closed=frozenset(closed | dates.get(DateKind.ADDED, set())),
        )
        if is_default:
            default = pk
    return _Plan(
        stamp=secrets.token_hex(8), zone=zone, default=default, teams=teams, calendars=calendars
    )


def _plan_of(organisation_id: int) -> _Plan:
    return read_through(  # type: ignore[no-any-return]
        _plan_key(organisation_id), lambda: _plan_build(organisation_id), timeout=PLAN_SECONDS
    )


_hours: dict[tuple[str, int], Hours] = {}


def _hours_from(plan: _Plan, calendar_id: int) -> Hours:
    key = (plan.stamp, calendar_id)
    hours = _hours.get(key)
    if hours is None:
        spec = plan.calendars[calendar_id]
        hours = Hours(zone=ZoneInfo(spec.zone), weekly=spec.weekly, closed=spec.closed)
        if len(_hours) >= _HOURS_KEPT:
            _hours.clear()
        _hours[key] = hours
    return hours


@lru_cache(maxsize=64)
def hours_around_the_clock(zone: str) -> Hours:
    """Calendar time in a zone (every minute counts), one instance per zone: its months,
    once worked out, stay with it."""
    return always_open(ZoneInfo(zone))


def _calendar_id_for(plan: _Plan, team_id: int | None) -> int | None:
    if team_id is not None and team_id in plan.teams:
        return plan.teams[team_id]
    return plan.default


def hours_for(*, organisation_id: int, team_id: int | None = None) -> Hours:
    """The hours that count for a team: its own calendar's, else the organisation's
    default calendar's, else around the clock in the organisation's time zone. Closed
    dates cover national holidays from last year to two years ahead. Cheap to call often."""
    plan = _plan_of(organisation_id)
    calendar_id = _calendar_id_for(plan, team_id)
    if calendar_id is None:
        return hours_around_the_clock(plan.zone)
    return _hours_from(plan, calendar_id)


def hours_of(*, calendar: BusinessCalendar) -> Hours:
    """This calendar's hours (as hours_for would give them to a team that follows it)."""
    plan = _plan_of(calendar.organisation_id)
    if calendar.pk not in plan.calendars:  # created after the plan was read
        forget(_plan_key(calendar.organisation_id))
        plan = _plan_of(calendar.organisation_id)
    return _hours_from(plan, calendar.pk)


def calendar_for(*, organisation_id: int, team_id: int | None = None) -> BusinessCalendar | None:
    """The calendar that counts for a team (its own, else the default); None when the
    organisation has no calendar (time then counts around the clock)."""
    calendar_id = _calendar_id_for(_plan_of(organisation_id), team_id)
    if calendar_id is None:
        return None
    return BusinessCalendar.objects.filter(pk=calendar_id).first()


def holidays_of(*, calendar: BusinessCalendar, year: int) -> list[Holiday]:
    """The calendar's holidays in a year, in date order, each with its source: national
    (or national with an estimated date), added by an admin, or removed by an admin (then
    open, and named as the national holiday it was). Named in the active language. No
    query when the calendar comes from calendars_visible_to (its dates are prefetched)."""
    language = translation.get_language() or "id"
    national = (
        {holiday.date: holiday for holiday in national_holidays(year, language)}
        if calendar.national_holidays
        else {}
    )
    # The calendar's dates as prefetched by calendars_visible_to (no query), else read.
    rows = {row.date: row for row in calendar.dates.all() if row.date.year == year}
    found: list[Holiday] = []
    for day, holiday in national.items():
        row = rows.get(day)
        if row is not None and row.kind == DateKind.REMOVED:
            found.append(Holiday(day, holiday.name, HolidaySource.REMOVED, note=row.name))
        else:
            source = (
                HolidaySource.NATIONAL_ESTIMATED if holiday.estimated else HolidaySource.NATIONAL
            )
            found.append(Holiday(day, holiday.name, source))
    for day, row in rows.items():
        if row.kind == DateKind.ADDED:
            found.append(Holiday(day, row.name, HolidaySource.ADDED))
        elif day not in national:  # a removed date the national list no longer has
            found.append(Holiday(day, row.name, HolidaySource.REMOVED, note=row.name))
    order = list(HolidaySource.values)
    found.sort(key=lambda holiday: (holiday.date, order.index(holiday.source)))
    return found


def calendars_visible_to(*, user: User) -> QuerySet[BusinessCalendar]:
    """The organisation's calendars, with their teams and dates, for those who manage them
    (admins); none for anybody else."""
    if (
        not user.is_authenticated
        or user.organisation_id is None
        or not user_can(user, permissions.CALENDARS_MANAGE)
    ):
        return BusinessCalendar.objects.none()
    return BusinessCalendar.objects.filter(organisation_id=user.organisation_id).prefetch_related(
        Prefetch("team_links", queryset=CalendarTeam.objects.order_by("team_id")),
        Prefetch("dates", queryset=CalendarDate.objects.order_by("date")),
    )


def calendar_get_for_user(*, user: User, pk: int) -> BusinessCalendar:
    """The calendar if the user may manage it; 404 otherwise."""
    calendar = calendars_visible_to(user=user).filter(pk=pk).first()
    if calendar is None:
        raise Http404("No such calendar")
    return calendar


def calendar_date_get_for_user(*, user: User, pk: int) -> CalendarDate:
    """A listed date of a calendar the user may manage, with its calendar; 404 otherwise."""
    row = (
        CalendarDate.objects.filter(calendar__in=calendars_visible_to(user=user), pk=pk)
        .select_related("calendar")
        .first()
    )
    if row is None:
        raise Http404("No such date")
    return row


def calendar_names_of(*, organisation_id: int) -> list[tuple[int, str]]:
    """(id, name) of the organisation's calendars, by name: for a choice of calendar on
    another app's form (an SLA policy's)."""
    return list(
        BusinessCalendar.objects.filter(organisation_id=organisation_id)
        .order_by("name")
        .values_list("pk", "name")
    )


def calendar_of(*, organisation_id: int, pk: object) -> BusinessCalendar | None:
    """The organisation's calendar with this id, or None (another organisation's included)."""
    try:
        number = int(pk)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
    return BusinessCalendar.objects.filter(organisation_id=organisation_id, pk=number).first()
