"""Calendars' services and selectors: the rules an admin meets, the events they leave, and
the hours the SLA clocks read (selectors.hours_for)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from karcis.calendars import selectors, services
from karcis.calendars.models import BusinessCalendar, CalendarDate, DateKind, HolidaySource
from karcis.core import services as core_services
from karcis.core.models import Event, Role

pytestmark = pytest.mark.django_db

JAKARTA = ZoneInfo("Asia/Jakarta")
OFFICE = [[[480, 1020]]] * 4 + [[[480, 690], [780, 1020]]] + [[], []]
H = timedelta(hours=1)


@pytest.fixture(autouse=True)
def _in_english():
    # The messages below are matched in English; one test checks their Indonesian.
    with translation.override("en"):
        yield


def wib(*args):
    return datetime(*args, tzinfo=JAKARTA)


@pytest.fixture
def office(org, admin_user):
    return services.calendar_create(
        organisation=org,
        name="Jam kerja kantor",
        actor=admin_user,
        weekly=OFFICE,
        added_dates=[(date(2026, 12, 24), "Cuti bersama Natal")],
    )


def types_of(calendar):
    return list(
        Event.objects.filter(object_id=calendar.pk, type__startswith="calendars.")
        .order_by("id")
        .values_list("type", flat=True)
    )


def test_the_first_calendar_is_the_default_and_records_its_events(org, admin_user, office):
    assert office.is_default
    assert office.weekly == OFFICE
    assert types_of(office) == ["calendars.calendar.created", "calendars.date.created"]
    event = Event.objects.get(type="calendars.date.created")
    assert event.payload == {"date": "2026-12-24", "kind": "added", "name": "Cuti bersama Natal"}
    assert event.actor == admin_user


def test_a_new_default_takes_over_and_the_old_one_records_it(org, admin_user, office):
    second = services.calendar_create(
        organisation=org, name="Shift", actor=admin_user, is_default=True
    )
    office.refresh_from_db()
    assert second.is_default and not office.is_default
    assert types_of(office)[-1] == "calendars.calendar.updated"
    with pytest.raises(ValidationError, match="another calendar the default"):
        services.calendar_update(calendar=second, actor=admin_user, is_default=False)
    third = services.calendar_create(organisation=org, name="Malam", actor=admin_user)
    assert not third.is_default


@pytest.mark.parametrize(
    ("weekly", "message"),
    [
        ([[[600, 540]]] + [[]] * 6, "ends before it starts"),
        ([[[480, 700], [690, 800]]] + [[]] * 6, "overlap"),
        ([[[0, 1500]]] + [[]] * 6, "outside the day"),
        ([[]] * 6, "seven days"),
    ],
)
def test_bad_weeks_are_refused_and_nothing_is_saved(org, admin_user, weekly, message):
    with pytest.raises(ValidationError, match=message):
        services.calendar_create(organisation=org, name="X", actor=admin_user, weekly=weekly)
    assert not BusinessCalendar.objects.exists()
    assert not Event.objects.filter(type__startswith="calendars.").exists()


def test_bad_week_messages_are_in_indonesian(org, admin_user):
    with translation.override("id"), pytest.raises(ValidationError) as caught:
        services.calendar_create(
            organisation=org, name="X", actor=admin_user, weekly=[[[600, 540]]] + [[]] * 6
        )
    assert "Senin: 10:00–09:00 berakhir sebelum dimulai." in caught.value.message_dict["weekly"]


def test_zone_name_and_dates_are_checked(org, admin_user, office):
    with pytest.raises(ValidationError, match="Unknown time zone"):
        services.calendar_create(
            organisation=org, name="X", actor=admin_user, time_zone="Asia/Bandung"
        )
    with pytest.raises(ValidationError, match="already exists"):
        services.calendar_create(organisation=org, name="jam kerja KANTOR", actor=admin_user)
    with pytest.raises(ValidationError, match="out of range"):
        services.calendar_date_add(
            calendar=office, date=date(1999, 12, 31), kind=DateKind.ADDED, actor=admin_user
        )
    with pytest.raises(ValidationError, match="already listed"):
        services.calendar_date_add(
            calendar=office, date=date(2026, 12, 24), kind=DateKind.ADDED, actor=admin_user
        )
    with pytest.raises(ValidationError, match="not a national holiday"):
        services.calendar_date_add(
            calendar=office, date=date(2026, 3, 18), kind=DateKind.REMOVED, actor=admin_user
        )


def test_only_administrators_change_calendars(org, agent, office):
    with pytest.raises(ValidationError, match="Only administrators"):
        services.calendar_create(organisation=org, name="X", actor=agent)
    with pytest.raises(ValidationError, match="Only administrators"):
        services.calendar_update(calendar=office, actor=agent, name="Y")
    with pytest.raises(ValidationError, match="Only administrators"):
        services.calendar_delete(calendar=office, actor=agent)
    with pytest.raises(ValidationError, match="Only administrators"):
        services.calendar_date_add(
            calendar=office, date=date(2026, 1, 2), kind=DateKind.ADDED, actor=agent
        )
    with pytest.raises(ValidationError, match="Only administrators"):
        services.calendar_date_remove(calendar_date=office.dates.get(), actor=agent)


def test_a_team_follows_at_most_one_calendar(org, admin_user, office, team_billing):
    night = services.calendar_create(
        organisation=org, name="Malam", actor=admin_user, teams=[team_billing]
    )
    with pytest.raises(ValidationError, match="already follows the calendar Malam"):
        services.calendar_update(calendar=office, actor=admin_user, teams=[team_billing])
    services.calendar_update(calendar=night, actor=admin_user, teams=[])
    services.calendar_update(calendar=office, actor=admin_user, teams=[team_billing])
    assert list(office.teams.all()) == [team_billing]
    event = Event.objects.filter(type="calendars.calendar.updated", object_id=office.pk).last()
    assert event.payload == {"fields": ["teams"], "teams": [team_billing.pk]}


def test_teams_of_another_organisation_are_refused(org, admin_user, office, other_org):
    stranger = core_services.team_create(organisation=other_org, name="Lain")
    with pytest.raises(ValidationError, match="Not found"):
        services.calendar_update(calendar=office, actor=admin_user, teams=[stranger])


def test_the_default_goes_only_when_it_is_the_last(org, admin_user, office, team_billing):
    night = services.calendar_create(
        organisation=org, name="Malam", actor=admin_user, teams=[team_billing]
    )
    with pytest.raises(ValidationError, match="make another calendar the default first"):
        services.calendar_delete(calendar=office, actor=admin_user)
    services.calendar_delete(calendar=night, actor=admin_user)
    assert selectors.calendar_for(organisation_id=org.pk, team_id=team_billing.pk) == office
    services.calendar_delete(calendar=office, actor=admin_user)
    assert not BusinessCalendar.objects.exists()
    assert Event.objects.filter(type="calendars.calendar.deleted").count() == 2


def test_update_records_one_event_naming_the_fields_and_one_per_date(org, admin_user, office):
    services.calendar_update(
        calendar=office,
        actor=admin_user,
        name="Kantor pusat",
        time_zone="Asia/Makassar",
        weekly=OFFICE,  # unchanged: not named
        added_dates=[(date(2026, 12, 24), "Cuti bersama"), (date(2027, 1, 2), "Cuti")],
        removed_dates=[(date(2026, 12, 25), "Dipindah")],
    )
    office.refresh_from_db()
    assert office.name == "Kantor pusat" and office.time_zone == "Asia/Makassar"
    events = list(
        Event.objects.filter(object_id=office.pk, type__startswith="calendars.")
        .order_by("id")
        .values_list("type", "payload")
    )[2:]
    assert events == [
        ("calendars.calendar.updated", {"fields": ["name", "time_zone"]}),
        ("calendars.date.updated", {"date": "2026-12-24", "kind": "added", "name": "Cuti bersama"}),
        ("calendars.date.created", {"date": "2026-12-25", "kind": "removed", "name": "Dipindah"}),
        ("calendars.date.created", {"date": "2027-01-02", "kind": "added", "name": "Cuti"}),
    ]
    # Giving one list keeps the other.
    services.calendar_update(calendar=office, actor=admin_user, added_dates=[])
    assert list(office.dates.values_list("date", "kind")) == [
        (date(2026, 12, 25), DateKind.REMOVED)
    ]


def test_nothing_changed_records_nothing(office, admin_user):
    before = Event.objects.count()
    services.calendar_update(calendar=office, actor=admin_user, name=office.name, weekly=OFFICE)
    assert Event.objects.count() == before


# -- hours_for and the cache ------------------------------------------------------------------


def test_hours_for_falls_back_from_team_to_default_to_around_the_clock(
    org, admin_user, team_billing, team_tech
):
    start = wib(2026, 3, 7, 10, 0)  # a Saturday
    # No calendar: around the clock, in the organisation's zone.
    assert selectors.hours_for(organisation_id=org.pk).add(start, 2 * H) == start + 2 * H
    assert selectors.calendar_for(organisation_id=org.pk) is None
    office = services.calendar_create(
        organisation=org, name="Kantor", actor=admin_user, weekly=OFFICE
    )
    services.calendar_create(
        organisation=org,
        name="Sabtu",
        actor=admin_user,
        weekly=[[]] * 5 + [[[540, 720]], []],
        teams=[team_tech],
    )
    for_billing = selectors.hours_for(organisation_id=org.pk, team_id=team_billing.pk)
    assert for_billing.add(start, 2 * H) == wib(2026, 3, 9, 10, 0)
    for_tech = selectors.hours_for(organisation_id=org.pk, team_id=team_tech.pk)
    assert for_tech.add(start, 2 * H) == wib(2026, 3, 7, 12, 0)
    assert selectors.hours_for(organisation_id=org.pk) is for_billing
    assert selectors.calendar_for(organisation_id=org.pk, team_id=team_billing.pk) == office


def test_hours_for_is_cached_and_forgotten_on_every_change(org, admin_user, office):
    hours = selectors.hours_for(organisation_id=org.pk)
    with CaptureQueriesContext(connection) as queries:
        assert selectors.hours_for(organisation_id=org.pk) is hours
    assert len(queries) == 0
    # A date added (even outside the services) is seen at once.
    CalendarDate.objects.create(
        organisation=org, calendar=office, date=date(2026, 3, 9), kind=DateKind.ADDED
    )
    fresh = selectors.hours_for(organisation_id=org.pk)
    assert fresh is not hours
    assert not fresh.is_open(wib(2026, 3, 9, 10, 0))
    services.calendar_update(calendar=office, actor=admin_user, weekly=[[[0, 1440]]] * 7)
    assert selectors.hours_for(organisation_id=org.pk).is_open(wib(2026, 3, 8, 3, 0))
    core_services_zone_change(org)
    services.calendar_delete(calendar=office, actor=admin_user)
    around = selectors.hours_for(organisation_id=org.pk)
    assert around.zone == ZoneInfo("Asia/Jayapura")


def core_services_zone_change(org):
    org.time_zone = "Asia/Jayapura"
    org.save(update_fields=["time_zone"])


def test_national_holidays_close_the_calendar_unless_removed(org, admin_user, office):
    hours = selectors.hours_of(calendar=office)
    nyepi = wib(2026, 3, 19, 10, 0)
    assert not hours.is_open(nyepi)
    assert not hours.is_open(wib(2026, 12, 24, 10, 0))  # cuti bersama, added
    services.calendar_date_add(
        calendar=office,
        date=date(2026, 3, 19),
        kind=DateKind.REMOVED,
        name="Kantor buka",
        actor=admin_user,
    )
    assert selectors.hours_of(calendar=office).is_open(nyepi)
    services.calendar_update(calendar=office, actor=admin_user, national_holidays=False)
    assert selectors.hours_of(calendar=office).is_open(wib(2026, 8, 17, 10, 0))


def test_the_closed_dates_cover_last_year_to_two_years_ahead(org, office):
    closed = selectors.hours_of(calendar=office).closed
    year = datetime.now(UTC).year
    for y in (year - 1, year, year + 1, year + 2):
        assert date(y, 8, 17) in closed  # Independence Day
    assert date(year + 3, 8, 17) not in closed


def test_holidays_of_names_each_source(org, admin_user, office):
    services.calendar_date_add(
        calendar=office,
        date=date(2026, 3, 19),
        kind=DateKind.REMOVED,
        name="Kantor buka",
        actor=admin_user,
    )
    holidays = selectors.holidays_of(calendar=office, year=2026)
    by_date = {holiday.date: holiday for holiday in holidays}
    assert by_date[date(2026, 8, 17)].source == HolidaySource.NATIONAL
    assert by_date[date(2026, 12, 24)].source == HolidaySource.ADDED
    assert by_date[date(2026, 12, 24)].name == "Cuti bersama Natal"
    removed = by_date[date(2026, 3, 19)]
    assert (removed.source, removed.note, removed.closed) == ("removed", "Kantor buka", False)
    assert [h.date for h in holidays] == sorted(h.date for h in holidays)
    # Far-off Islamic dates are the package's estimates, and keep its mark.
    later = selectors.holidays_of(calendar=office, year=2030)
    estimated = [h for h in later if h.source == HolidaySource.NATIONAL_ESTIMATED]
    assert estimated and all("(estimated)" in h.name for h in estimated)
    with translation.override("id"):
        named = selectors.holidays_of(calendar=office, year=2030)
    assert all("(perkiraan)" in h.name for h in named if h.source == "national_estimated")


def test_the_organisation_scope_is_respected(org, other_org, admin_user, office):
    other_admin = core_services.staff_user_create(
        organisation=other_org,
        email="admin@lain.test",
        name="Admin Lain",
        role=Role.ADMIN,
        password="rahasia-123",
    )
    assert list(selectors.calendars_visible_to(user=other_admin)) == []
    assert list(selectors.calendars_visible_to(user=admin_user)) == [office]
    assert selectors.hours_for(organisation_id=other_org.pk).add(wib(2026, 3, 7, 10, 0), H) == wib(
        2026, 3, 7, 11, 0
    )


def test_dates_removed_before_stay_when_national_holidays_go_off(org, admin_user, office):
    services.calendar_update(
        calendar=office, actor=admin_user, removed_dates=[(date(2026, 8, 17), "Buka")]
    )
    services.calendar_update(calendar=office, actor=admin_user, national_holidays=False)
    # Changing the added dates keeps the removed one, though it is no longer checkable.
    services.calendar_update(calendar=office, actor=admin_user, added_dates=[])
    assert list(office.dates.values_list("kind", flat=True)) == ["removed"]
    with pytest.raises(ValidationError, match="not a national holiday"):
        services.calendar_update(
            calendar=office, actor=admin_user, removed_dates=[(date(2026, 12, 25), "")]
        )
