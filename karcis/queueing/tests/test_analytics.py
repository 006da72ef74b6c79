"""The managers' analytics, on days played through the services with `now=` moments: the
figures are worked out by hand beside each scenario, and must come out so on SQLite and on
PostgreSQL alike."""

import statistics
from datetime import date, datetime, timedelta

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from karcis.core import services as core_services
from karcis.core.models import Event, Role
from karcis.queueing import analytics, services, staffing

from .conftest import MONDAY, WIB, monday

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY + timedelta(days=1)
NEXT_MONDAY = MONDAY + timedelta(days=7)


def approx(value):
    return pytest.approx(value, abs=1e-6)


@pytest.fixture
def clerk(org):
    return core_services.staff_user_create(
        organisation=org, email="clerk@nusantara.test", name="Clerk", role=Role.AGENT
    )


def take(service, moment, channel="kiosk", **kwargs):
    return services.ticket_take(service=service, channel=channel, now=moment, **kwargs)


def play_monday(ktp, kk, one, two, agent, clerk):
    """Monday 14 December 2026 at the Dukcapil office.

    Counter 1 (KTP first) and counter 2 (KK first) open at 08:00; counter 1 closes at
    12:00, counter 2 stays open. KTP (A): five walk-ins from 08:00 to 08:04; A-006 is taken
    at 08:30 and cancelled; A-007 was booked for the 10:00 slot and checks in early, at
    09:50; A-008 was booked for 11:00 and never came. KK (B): one walk-in at 09:00.

        number  joined  called  ended          counter  wait  service
        A-001   08:00   08:01   08:05 done     1          60   240
        A-002   08:01   08:05   08:07 no-show  1         240     –  (busy 120)
        A-003   08:02   08:07   08:10 done     1         300   180
        A-004   08:03   08:10   08:20 done     1         420   600
        A-005   08:04   08:12   08:17 done     2         480   300
        B-001   09:00   09:02   09:12 done     2         120   600
        A-007   10:00   10:03   10:07 done     1         180   240  (its slot, not 09:50)
    """
    day = MONDAY.date()
    booked = take(ktp, monday(7), "online", day=day, slot=monday(10),
                  person=services.Person(name="Siti", phone="081234567890"))  # fmt: skip
    take(ktp, monday(7, 1), "online", day=day, slot=monday(11),
         person=services.Person(name="Budi", phone="081234567891"))  # fmt: skip
    services.counter_open(counter=one, actor=agent, now=monday(8))
    services.counter_open(counter=two, actor=clerk, now=monday(8))
    for minute in range(5):
        take(ktp, monday(8, minute))
    services.counter_call_next(counter=one, actor=agent, now=monday(8, 1))
    services.counter_start(counter=one, actor=agent, now=monday(8, 1))
    services.counter_finish(counter=one, actor=agent, now=monday(8, 5))
    services.counter_call_next(counter=one, actor=agent, now=monday(8, 5))
    services.counter_no_show(counter=one, actor=agent, now=monday(8, 7))
    services.counter_call_next(counter=one, actor=agent, now=monday(8, 7))
    services.counter_call_next(counter=one, actor=agent, now=monday(8, 10))
    services.counter_call_next(counter=two, actor=clerk, now=monday(8, 12))
    services.counter_finish(counter=two, actor=clerk, now=monday(8, 17))
    services.counter_finish(counter=one, actor=agent, now=monday(8, 20))
    cancelled = take(ktp, monday(8, 30))
    services.ticket_cancel(ticket=cancelled, now=monday(8, 31))
    take(kk, monday(9))
    services.counter_call_next(counter=two, actor=clerk, now=monday(9, 2))  # B-001
    services.counter_finish(counter=two, actor=clerk, now=monday(9, 12))
    services.ticket_check_in(ticket=booked, now=monday(9, 50))
    services.counter_call_next(counter=one, actor=agent, now=monday(10, 3))
    services.counter_finish(counter=one, actor=agent, now=monday(10, 7))
    services.counter_close(counter=one, actor=agent, now=monday(12))
    return day


@pytest.fixture
def played_monday(ktp, kk, counter, counter2, agent, clerk):
    return play_monday(ktp, kk, counter, counter2, agent, clerk)


def monday_report(point, **kwargs):
    day = MONDAY.date()
    kwargs.setdefault("weekday", 0)
    now = kwargs.pop("now", TUESDAY.replace(hour=9))
    return analytics.report_of(
        point,
        analytics.Period("range", day, day),
        services=analytics.services_of(point),
        now=now,
        **kwargs,
    )


# --- per service ---------------------------------------------------------------------------


def test_per_service_counts_waits_and_service_times(point, ktp, kk, played_monday):
    report = monday_report(point)
    a, b = report.services
    assert (a.service, b.service) == (ktp, kk)
    assert (a.taken, a.served, a.no_shows, a.cancelled, a.calls, a.not_come) == (8, 5, 1, 1, 6, 1)
    assert a.no_show_share == approx(1 / 6)
    # waits 60 180 240 300 420 480: the median halfway from 240 to 300, p90 at rank 4.5
    assert (a.wait.median, a.wait.p90) == (approx(270), approx(450))
    # service 180 240 240 300 600: p90 at rank 3.6, 300 + 0.6 × 300
    assert (a.service_time.median, a.service_time.p90) == (approx(240), approx(480))
    assert (b.taken, b.served, b.no_shows, b.calls) == (1, 1, 0, 1)
    assert (b.wait.median, b.service_time.median) == (approx(120), approx(600))
    total = report.total
    assert (total.taken, total.served, total.no_shows, total.cancelled) == (9, 6, 1, 1)
    # waits 60 120 180 240 300 420 480; services 180 240 240 300 600 600
    assert (total.wait.median, total.wait.p90) == (approx(240), approx(444))
    assert (total.service_time.median, total.service_time.p90) == (approx(270), approx(600))


def test_the_wait_is_the_one_each_call_recorded(point, played_monday):
    """The waits measured from the tickets are the `waited` of their call events."""
    waited = sorted(
        event.payload["waited"]
        for event in Event.objects.filter(type="queueing.ticket.called")
        if not event.payload.get("recall")
    )
    assert waited == [60, 120, 180, 240, 300, 420, 480]
    assert monday_report(point).total.wait.median == approx(waited[3])


def test_a_booking_not_come_counts_only_once_its_day_is_over(point, played_monday):
    assert monday_report(point, now=monday(16)).services[0].not_come == 0
    assert monday_report(point).services[0].not_come == 1


def test_a_period_without_numbers_shows_empty_figures(point, ktp):
    report = monday_report(point)
    assert report.services[0].taken == 0
    assert report.services[0].wait == analytics.Times(None, None)
    assert report.total.taken == 0 and report.total.no_show_share is None
    assert [row.hour for row in report.hours] == list(range(8, 15))
    assert all(row.arrivals == 0 for row in report.hours)


def test_a_transferred_number_waits_from_its_transfer(point, ktp, kk, counter, agent):
    services.counter_open(counter=counter, actor=agent, now=monday(8))
    take(ktp, monday(8))
    services.counter_call_next(counter=counter, actor=agent, now=monday(8, 2))
    services.counter_transfer(counter=counter, actor=agent, service=kk, now=monday(8, 6))
    services.counter_call_next(counter=counter, actor=agent, now=monday(8, 9))  # the B number
    services.counter_finish(counter=counter, actor=agent, now=monday(8, 10))
    a, b = monday_report(point).services
    assert (a.taken, a.served, a.wait.median, a.service_time.median) == (1, 0, 120, 240)
    assert (b.taken, b.served, b.wait.median, b.service_time.median) == (1, 1, 180, 60)
    hours = {row.hour: row for row in monday_report(point).hours}
    assert hours[8].arrivals == 1  # the person arrived once


# --- by hour, by day, by counter -------------------------------------------------------------


def test_arrivals_and_waits_by_hour_of_arrival(point, played_monday):
    hours = {row.hour: row for row in monday_report(point).hours}
    assert sorted(hours) == list(range(8, 15))  # the office's hours, 08:00–15:00
    # 08: A-001…A-006 arrived (A-006 was cancelled: no wait); 09: B-001 and A-007
    assert (hours[8].arrivals, hours[9].arrivals, hours[10].arrivals) == (6, 2, 0)
    assert (hours[8].wait.median, hours[8].wait.p90) == (approx(300), approx(456))
    assert (hours[9].wait.median, hours[9].wait.p90) == (approx(150), approx(174))
    assert hours[10].wait == analytics.Times()


def test_served_per_day_covers_every_day_of_the_period(point, played_monday):
    period = analytics.Period("range", MONDAY.date() - timedelta(days=1), MONDAY.date())
    report = analytics.report_of(
        point, period, services=analytics.services_of(point), weekday=0, now=TUESDAY
    )
    assert [(row.day.day, row.is_open, row.taken, row.served) for row in report.days] == [
        (13, False, 0, 0),  # a Sunday
        (14, True, 9, 6),
    ]


def test_counters_served_service_time_and_busy_share(point, counter, counter2, played_monday):
    one, two = monday_report(point).counters
    assert (one.counter, two.counter) == (counter, counter2)
    assert (one.served, two.served) == (4, 2)
    # counter 1 served 240 180 600 240, and waited 120 for the no-show
    assert (one.service_time.median, one.service_time.p90) == (approx(240), approx(492))
    assert one.busy_seconds == approx(1380)
    assert one.open_seconds == 4 * 3600  # 08:00–12:00
    assert one.busy_share == approx(1380 / 14400)
    # counter 2 was never closed: open until the office closed at 15:00
    assert two.open_seconds == 7 * 3600
    assert (two.service_time.median, two.busy_seconds) == (approx(450), approx(900))


def test_a_counter_still_open_counts_until_now(point, played_monday):
    two = monday_report(point, now=monday(11)).counters[1]
    assert two.open_seconds == 3 * 3600


def test_a_counter_left_open_overnight_counts_only_opening_hours(point, counter, agent):
    services.counter_open(counter=counter, actor=agent, now=monday(8) - timedelta(days=1, hours=2))
    services.counter_close(counter=counter, actor=agent, now=monday(10))
    [one, *_] = monday_report(point).counters
    assert one.open_seconds == 2 * 3600  # 08:00–10:00 on Monday; Sunday was closed


# --- quotas --------------------------------------------------------------------------------------


def test_quota_use_per_service_and_day(point, ktp, kk, played_monday):
    with translation.override("en"):
        ktp_table, kk_table = monday_report(point).quotas
    assert [column.label for column in ktp_table.columns] == ["Online"]
    [(day, [cell])] = ktp_table.days
    assert (day, cell.used, cell.limit, cell.share) == (MONDAY.date(), 2, 10, approx(0.2))
    # KK has no quota: what each channel took, without a limit
    assert [column.key for column in kk_table.columns] == ["online:", "walk_in:"]
    assert [(cell.used, cell.limit) for cell in kk_table.days[0][1]] == [(0, None), (1, None)]


def test_quota_use_per_bucket(point, admin_user):
    service = services.service_create(
        point=point,
        actor=admin_user,
        name="Poli Umum",
        prefix="P",
        slot_minutes=0,
        buckets=[{"key": "jkn", "label": "JKN"}, {"key": "umum", "label": "Umum"}],
        quotas=[
            {"channel": "walk_in", "bucket": "jkn", "limit": 3},
            {"channel": "walk_in", "bucket": "", "limit": 5},
        ],
    )
    for minute, bucket in enumerate(["jkn", "jkn", "umum"]):
        take(service, monday(8, minute), bucket=bucket)
    with translation.override("en"):
        [table] = [t for t in monday_report(point).quotas if t.service == service]
    assert [column.label for column in table.columns] == ["Walk-in · JKN", "Walk-in"]
    assert [(cell.used, cell.limit) for cell in table.days[0][1]] == [(2, 3), (3, 5)]


# --- staffing advice ----------------------------------------------------------------------------


@pytest.fixture
def busy_mondays(ktp, counter, agent):
    """Four Mondays (23 November to 14 December 2026), each with twelve walk-ins between
    09:00 and 09:44 and one counter, open 08:55–11:05, serving each for exactly ten
    minutes: 12 arrivals an hour at 600 s each, an offered load of 2 Erlangs."""
    for week in range(4):
        start = MONDAY - timedelta(weeks=week)

        def moment(hour, minute, start=start):
            return start.replace(hour=hour) + timedelta(minutes=minute)

        services.counter_open(counter=counter, actor=agent, now=moment(8, 55))
        for n in range(12):
            take(ktp, moment(9, 4 * n))
        for n in range(13):
            services.counter_call_next(counter=counter, actor=agent, now=moment(9, 1 + 10 * n))
        services.counter_close(counter=counter, actor=agent, now=moment(11, 5))


def test_erlang_c_advice_on_a_known_case(point, busy_mondays):
    # Erlang C at 2 Erlangs: with 3 counters 4/9 of the people wait, on average
    # 4/9 × 600 s / (3 − 2) ≈ 267 s; with 4 counters 4/23 × 600 s / 2 ≈ 52 s.
    report = monday_report(point, now=NEXT_MONDAY.replace(hour=7), target_minutes=5)
    advice = report.staffing
    assert advice.history_days == [MONDAY.date() - timedelta(weeks=n) for n in range(4)]
    assert advice.open_days == advice.history_days
    rows = {row.hour: row for row in advice.rows}
    assert sorted(rows) == list(range(8, 15))
    nine = rows[9]
    assert nine.arrivals_per_hour == 12
    assert nine.mean_service_seconds == approx(600)
    assert nine.needed == 3
    assert staffing.expected_wait(12, 600, 3) == approx(600 * 4 / 9)
    assert nine.open_average == approx(1)
    assert nine.expected_wait_open == float("inf")  # one counter never catches up with 2
    assert nine.short_by == 2
    # nobody arrives at 10:00, though the counter still serves the morning's line
    assert (rows[10].arrivals_per_hour, rows[10].needed) == (0, 0)
    assert rows[8].open_average == approx(5 / 60)  # open from 08:55
    stricter = monday_report(point, now=NEXT_MONDAY.replace(hour=7), target_minutes=1)
    assert staffing.expected_wait(12, 600, 4) == approx(600 * 4 / 23 / 2)
    assert {row.hour: row.needed for row in stricter.staffing.rows}[9] == 4


def test_staffing_for_one_service_counts_its_counters_only(point, kk, busy_mondays):
    report = monday_report(point, now=NEXT_MONDAY.replace(hour=7), staffing_service=kk.pk)
    nine = {row.hour: row for row in report.staffing.rows}[9]
    assert report.staffing.service == kk
    assert (nine.arrivals_per_hour, nine.needed) == (0, 0)
    assert nine.open_average == approx(1)  # counter 1 serves KK too


def test_staffing_skips_holidays_in_the_weeks_it_reads(point, ktp):
    # Friday 25 December 2026 is Christmas: three open Fridays of the last four
    after_christmas = datetime(2026, 12, 28, 7, tzinfo=WIB)
    report = analytics.report_of(
        point,
        analytics.Period("today", after_christmas.date(), after_christmas.date()),
        services=analytics.services_of(point),
        weekday=4,
        now=after_christmas,
    )
    assert date(2026, 12, 25) in report.staffing.history_days
    assert date(2026, 12, 25) not in report.staffing.open_days
    assert len(report.staffing.open_days) == 3


def test_no_advice_on_a_weekday_the_point_is_closed(point, ktp):
    assert monday_report(point, weekday=6).staffing.rows == []


def test_history_days_are_that_weekday_before_today():
    assert analytics.history_days(0, date(2026, 12, 14))[0] == date(2026, 12, 7)
    assert analytics.history_days(6, date(2026, 12, 14)) == [
        date(2026, 12, 13) - timedelta(weeks=n) for n in range(4)
    ]


# --- periods and percentiles ----------------------------------------------------------------


def test_periods_end_today():
    today = date(2026, 12, 14)
    assert analytics.period_of("today", today).days == [today]
    assert len(analytics.period_of("7d", today).days) == 7
    assert analytics.period_of("28d", today).start == date(2026, 11, 17)
    chosen = analytics.period_of("range", today, date(2026, 12, 1), date(2026, 12, 3))
    assert chosen.days == [date(2026, 12, n) for n in (1, 2, 3)]


@given(st.lists(st.floats(min_value=0, max_value=1e6), min_size=1, max_size=60))
def test_percentile_interpolates_between_ranks_as_statistics_does(values):
    assert analytics.percentile(values, 0.5) == pytest.approx(statistics.median(values))
    if len(values) >= 2:
        p90 = statistics.quantiles(values, n=10, method="inclusive")[8]
        assert analytics.percentile(values, 0.9) == pytest.approx(p90, rel=1e-9, abs=1e-6)
    assert min(values) <= analytics.percentile(values, 0.9) <= max(values)


def test_percentile_of_nothing_is_none():
    assert analytics.percentile([], 0.5) is None


def test_the_database_percentile_matches_python(point, ktp, counter, agent):
    """Awkward values (fractions of a second, ties, an odd count) through the database's
    percentile and the Python one."""
    services.counter_open(counter=counter, actor=agent, now=monday(8))
    served = [37.25, 12.5, 12.5, 301.125, 99.0, 4.75, 250.5]
    moment = monday(8, 1)
    for seconds in served:
        take(ktp, moment)
        services.counter_call_next(counter=counter, actor=agent, now=moment)
        moment += timedelta(seconds=seconds)
        services.counter_finish(counter=counter, actor=agent, now=moment)
    row = monday_report(point).services[0]
    assert row.service_time.median == analytics.percentile(served, 0.5) == 37.25
    assert row.service_time.p90 == analytics.percentile(served, 0.9)


# --- who may see what ------------------------------------------------------------------------


def test_points_for_holders_of_the_capability_only(point, admin_user, agent, other_org_agent):
    supervisor = core_services.staff_user_create(
        organisation=point.organisation, email="s@nusantara.test", name="S", role=Role.SUPERVISOR
    )
    assert analytics.points_for(admin_user) == [point]
    assert analytics.points_for(supervisor) == [point]
    assert analytics.points_for(agent) == []
    assert analytics.points_for(other_org_agent) == []
