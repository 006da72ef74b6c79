"""Every write of the business calendars. Each change a person makes is first asked of
core.permissions (`calendars.manage`), and records its event in its transaction.

The rules an admin meets (docs/calendars.md):
- An organisation's first calendar is its default; afterwards the default moves only by
  making another calendar the default, so while any calendar exists exactly one is.
- The default calendar can be deleted only when it is the last one; deleting another
  calendar sends its teams back to the default.
- A team follows at most one calendar.
- A date is listed once per calendar: `added` (closed all day) or `removed` (a national
  holiday that is not one after all; only a national holiday can be removed).
"""

from collections.abc import Iterable, Sequence
from datetime import date
from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from karcis.core.models import Organisation, Team, User
from karcis.core.permissions import user_can
from karcis.core.services import event_record

from . import events, permissions
from .hours import MINUTES_PER_DAY, clock
from .models import BusinessCalendar, CalendarDate, CalendarTeam, DateKind
from .national import national_holiday_on

# The dates an admin may list: wide enough for any real use, narrow enough to refuse typos.
DATE_MIN = date(2000, 1, 1)
DATE_MAX = date(2100, 12, 31)

WeeklyInput = Sequence[Sequence[Sequence[int]]]
DateEntry = tuple[date, str]  # (date, its name or the reason)


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _require_manage(actor: User | None) -> None:
    """A change a person makes must be theirs to make; the system and the demo (actor None)
    are not asked."""
    if actor is not None and not user_can(actor, permissions.CALENDARS_MANAGE):
        raise ValidationError(
            _("Only administrators can change business calendars."), code="permission"
        )


def time_zone_clean(name: str) -> str:
    name = (name or "").strip()
    if name not in _zones():
        raise ValidationError(
            {"time_zone": _("Unknown time zone: %(zone)s.") % {"zone": name or "—"}}
        )
    return name


def weekly_clean(weekly: WeeklyInput) -> list[list[list[int]]]:
    """7 days (Monday first) of (start, end) minutes → the stored form, each day sorted.
    Refuses, naming the day: an end not after its start, a time outside the day,
    intervals that overlap (intervals that meet are fine)."""
    if len(weekly) != 7:
        raise ValidationError({"weekly": _("The week needs seven days, Monday first.")})
    errors: list[str] = []
    cleaned: list[list[list[int]]] = []
    for weekday, intervals in enumerate(weekly):
        day = str(WEEKDAYS[weekday])
        pairs: list[list[int]] = []
        for interval in intervals:
            start, end = (int(value) for value in interval)
            if not (0 <= start <= MINUTES_PER_DAY and 0 <= end <= MINUTES_PER_DAY):
                errors.append(_("%(day)s: a time is outside the day (00:00–24:00).") % {"day": day})
            elif end <= start:
                errors.append(
                    _("%(day)s: %(start)s–%(end)s ends before it starts.")
                    % {"day": day, "start": clock(start), "end": clock(end)}
                )
            else:
                pairs.append([start, end])
        pairs.sort()
        for before, after in zip(pairs, pairs[1:], strict=False):
            if after[0] < before[1]:
                errors.append(
                    _("%(day)s: %(first)s and %(second)s overlap.")
                    % {
                        "day": day,
                        "first": f"{clock(before[0])}–{clock(before[1])}",
                        "second": f"{clock(after[0])}–{clock(after[1])}",
                    }
                )
        cleaned.append(pairs)
    if errors:
        raise ValidationError({"weekly": errors})
    return cleaned


def _date_clean(day: date, field: str = "date") -> date:
    if not DATE_MIN <= day <= DATE_MAX:
        raise ValidationError(
            {
                field: _("%(date)s is out of range (%(first)s to %(last)s).")
                % {"date": day.isoformat(), "first": DATE_MIN.year, "last": DATE_MAX.year}
            }
        )
    return day


def _name_clean(name: str, organisation_id: int, exclude: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    if len(name) > 100:
        raise ValidationError({"name": _("At most 100 characters.")})
    taken = BusinessCalendar.objects.filter(organisation_id=organisation_id, name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ValidationError({"name": _("A calendar with this name already exists.")})
    return name


def _teams_clean(
    teams: Iterable[Team], organisation_id: int, calendar: BusinessCalendar | None
) -> list[Team]:
    chosen = list({team.pk: team for team in teams}.values())
    for team in chosen:
        if team.organisation_id != organisation_id:
            raise ValidationError({"teams": _("Not found.")})
    taken = CalendarTeam.objects.filter(team__in=chosen).select_related("team", "calendar")
    if calendar is not None:
        taken = taken.exclude(calendar=calendar)
    link = taken.first()
    if link is not None:
        raise ValidationError(
            {
                "teams": _("%(team)s already follows the calendar %(calendar)s.")
                % {"team": link.team.name, "calendar": link.calendar.name}
            }
        )
    return chosen


def _dates_clean(
    added: Iterable[DateEntry] | None,
    removed: Iterable[DateEntry] | None,
    national: bool,
    already_removed: frozenset[date] = frozenset(),
) -> dict[date, tuple[str, str]]:
    """Both lists → {date: (kind, name)}; a date may be listed once. A date newly removed
    must be a national holiday; one removed before stays (national holidays may have been
    switched off since)."""
    wanted: dict[date, tuple[str, str]] = {}
    for kind, entries, field in (
        (DateKind.ADDED, added, "added_dates"),
        (DateKind.REMOVED, removed, "removed_dates"),
    ):
        for day, name in entries or ():
            _date_clean(day, field)
            if day in wanted:
                raise ValidationError(
                    {field: _("%(date)s is listed twice.") % {"date": day.isoformat()}}
                )
            if kind == DateKind.REMOVED and day not in already_removed:
                _check_removable(day, national, field)
            wanted[day] = (kind, (name or "").strip()[:200])
    return wanted


def _check_removable(day: date, national: bool, field: str = "date") -> None:
    if not national or national_holiday_on(day) is None:
        raise ValidationError(
            {
                field: _("%(date)s is not a national holiday: only those can be removed.")
                % {"date": day.isoformat()}
            }
        )


def _record(calendar: BusinessCalendar, type: Any, actor: User | None, **payload: Any) -> None:
    event_record(
        organisation=calendar.organisation,
        type=type,
        obj=calendar,
        actor=actor,
        payload=payload,
    )


def _teams_set(calendar: BusinessCalendar, teams: list[Team]) -> bool:
    """Make exactly these teams follow the calendar; True when that changed anything."""
    current = set(CalendarTeam.objects.filter(calendar=calendar).values_list("team_id", flat=True))
    wanted = {team.pk for team in teams}
    if current == wanted:
        return False
    # One by one (not bulk): each save and delete forgets the cached hours.
    for link in CalendarTeam.objects.filter(calendar=calendar, team_id__in=current - wanted):
        link.delete()
    for team_id in sorted(wanted - current):
        CalendarTeam.objects.create(
            organisation_id=calendar.organisation_id, calendar=calendar, team_id=team_id
        )
    return True


def _dates_set(
    calendar: BusinessCalendar, wanted: dict[date, tuple[str, str]], actor: User | None
) -> None:
    """Make the calendar's listed dates exactly `wanted`, one event per date changed."""
    existing = {row.date: row for row in CalendarDate.objects.filter(calendar=calendar)}
    for day, row in sorted(existing.items()):
        if day not in wanted or wanted[day][0] != row.kind:
            _date_delete(row, actor, calendar)
            del existing[day]
    for day, (kind, name) in sorted(wanted.items()):
        listed = existing.get(day)
        if listed is None:
            _date_create(calendar, day, kind, name, actor)
        elif listed.name != name:
            listed.name = name
            listed.save(update_fields=["name"])
            _record(
                calendar, events.DATE_UPDATED, actor, date=day.isoformat(), kind=kind, name=name
            )


def _date_create(
    calendar: BusinessCalendar, day: date, kind: str, name: str, actor: User | None
) -> CalendarDate:
    row = CalendarDate.objects.create(
        organisation_id=calendar.organisation_id, calendar=calendar, date=day, kind=kind, name=name
    )
    _record(calendar, events.DATE_CREATED, actor, date=day.isoformat(), kind=kind, name=name)
    return row


def _date_delete(
    row: CalendarDate, actor: User | None, calendar: BusinessCalendar | None = None
) -> None:
    calendar = calendar or row.calendar
    _record(calendar, events.DATE_DELETED, actor, date=row.date.isoformat(), kind=row.kind)
    row.delete()


def _default_take(calendar: BusinessCalendar, actor: User | None) -> None:
    """Make `calendar` the default: the previous default (locked) stops being it."""
    previous = (
        BusinessCalendar.objects.select_for_update()
        .filter(organisation_id=calendar.organisation_id, is_default=True)
        .exclude(pk=calendar.pk)
        .first()
    )
    if previous is not None:
        previous.is_default = False
        previous.save(update_fields=["is_default"])
        _record(previous, events.CALENDAR_UPDATED, actor, fields=["is_default"])
    calendar.is_default = True


def calendar_create(
    *,
    organisation: Organisation,
    name: str,
    actor: User | None,
    time_zone: str = "Asia/Jakarta",
    weekly: WeeklyInput = ((),) * 7,
    national_holidays: bool = True,
    is_default: bool = False,
    teams: Iterable[Team] = (),
    added_dates: Iterable[DateEntry] = (),
    removed_dates: Iterable[DateEntry] = (),
) -> BusinessCalendar:
    """A calendar. The organisation's first calendar is its default whatever `is_default`
    says; `is_default=True` makes a later one the default instead of the current one."""
    _require_manage(actor)
    name = _name_clean(name, organisation.pk)
    zone = time_zone_clean(time_zone)
    cleaned = weekly_clean(weekly)
    chosen = _teams_clean(teams, organisation.pk, None)
    wanted = _dates_clean(added_dates, removed_dates, national_holidays)
    with transaction.atomic():
        # The organisation's row, locked: two first calendars at once cannot both be default.
        Organisation.objects.select_for_update().only("pk").get(pk=organisation.pk)
        calendar = BusinessCalendar(
            organisation=organisation,
            name=name,
            time_zone=zone,
            weekly=cleaned,
            national_holidays=national_holidays,
        )
        first = not BusinessCalendar.objects.filter(organisation=organisation).exists()
        if is_default and not first:
            _default_take(calendar, actor)
        calendar.is_default = calendar.is_default or first
        calendar.save()
        _record(calendar, events.CALENDAR_CREATED, actor, name=name, time_zone=zone)
        _teams_set(calendar, chosen)
        _dates_set(calendar, wanted, actor)
    return calendar


def calendar_update(
    *,
    calendar: BusinessCalendar,
    actor: User | None,
    name: str | None = None,
    time_zone: str | None = None,
    weekly: WeeklyInput | None = None,
    national_holidays: bool | None = None,
    is_default: bool | None = None,
    teams: Iterable[Team] | None = None,
    added_dates: Iterable[DateEntry] | None = None,
    removed_dates: Iterable[DateEntry] | None = None,
) -> BusinessCalendar:
    """Change what is given (None: unchanged). `teams`, `added_dates` and `removed_dates`
    replace the lists (giving one of the two date lists keeps the other). One
    `calendars.calendar.updated` event names the fields that changed; each listed date that
    changed has its own event."""
    _require_manage(actor)
    changes: dict[str, Any] = {}
    if name is not None:
        name = _name_clean(name, calendar.organisation_id, exclude=calendar.pk)
        if name != calendar.name:
            changes["name"] = name
    if time_zone is not None:
        zone = time_zone_clean(time_zone)
        if zone != calendar.time_zone:
            changes["time_zone"] = zone
    if weekly is not None:
        cleaned = weekly_clean(weekly)
        if cleaned != calendar.weekly:
            changes["weekly"] = cleaned
    if national_holidays is not None and national_holidays != calendar.national_holidays:
        changes["national_holidays"] = national_holidays
    if is_default is False and calendar.is_default:
        raise ValidationError(
            {"is_default": _("Make another calendar the default instead; there is always one.")}
        )
    chosen = None if teams is None else _teams_clean(teams, calendar.organisation_id, calendar)
    wanted = None
    national = changes.get("national_holidays", calendar.national_holidays)
    if added_dates is not None or removed_dates is not None:
        existing = list(CalendarDate.objects.filter(calendar=calendar))

        def kept(kind: str) -> list[DateEntry]:
            return [(row.date, row.name) for row in existing if row.kind == kind]

        wanted = _dates_clean(
            kept(DateKind.ADDED) if added_dates is None else added_dates,
            kept(DateKind.REMOVED) if removed_dates is None else removed_dates,
            national,
            frozenset(day for day, _name in kept(DateKind.REMOVED)),
        )
    with transaction.atomic():
        fields = sorted(changes)
        if is_default and not calendar.is_default:
            _default_take(calendar, actor)
            fields.append("is_default")
        for field, value in changes.items():
            setattr(calendar, field, value)
        if fields:
            calendar.save(update_fields=fields)
        payload: dict[str, Any] = {}
        if chosen is not None and _teams_set(calendar, chosen):
            fields.append("teams")
            payload["teams"] = sorted(team.pk for team in chosen)
        if fields:
            _record(calendar, events.CALENDAR_UPDATED, actor, fields=fields, **payload)
        if wanted is not None:
            _dates_set(calendar, wanted, actor)
    return calendar


def calendar_delete(*, calendar: BusinessCalendar, actor: User | None) -> None:
    """Delete a calendar; its teams follow the default again. The default goes only when it
    is the last calendar (the organisation then counts time around the clock)."""
    _require_manage(actor)
    if (
        calendar.is_default
        and BusinessCalendar.objects.filter(organisation_id=calendar.organisation_id)
        .exclude(pk=calendar.pk)
        .exists()
    ):
        raise ValidationError(
            _("This is the default calendar: make another calendar the default first.")
        )
    with transaction.atomic():
        _record(calendar, events.CALENDAR_DELETED, actor, name=calendar.name)
        calendar.delete()


def calendar_date_add(
    *,
    calendar: BusinessCalendar,
    date: date,
    kind: str,
    actor: User | None,
    name: str = "",
) -> CalendarDate:
    """List a date: `added` closes it all day (cuti bersama, a regional day); `removed`
    opens a national holiday that is not one after all (a corrected estimate)."""
    _require_manage(actor)
    if kind not in DateKind.values:
        raise ValidationError({"kind": _("Choose added or removed.")})
    _date_clean(date)
    if kind == DateKind.REMOVED:
        _check_removable(date, calendar.national_holidays)
    if CalendarDate.objects.filter(calendar=calendar, date=date).exists():
        raise ValidationError(
            {"date": _("%(date)s is already listed.") % {"date": date.isoformat()}}
        )
    with transaction.atomic():
        return _date_create(calendar, date, kind, (name or "").strip()[:200], actor)


def calendar_date_remove(*, calendar_date: CalendarDate, actor: User | None) -> None:
    """Take a listed date off the calendar: an added date opens again, a removed national
    holiday is a holiday again."""
    _require_manage(actor)
    with transaction.atomic():
        _date_delete(calendar_date, actor)
