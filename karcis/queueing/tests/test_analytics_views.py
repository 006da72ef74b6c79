"""The analytics page and its CSV over HTTP: who may see them, bad choices, what they show,
and a number of statements that does not grow with the period or the numbers in it."""

import csv
import io
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import login
from karcis.core import services as core_services
from karcis.core.models import Role
from karcis.queueing import services

from .conftest import MONDAY, monday
from .test_analytics import TUESDAY, play_monday

pytestmark = pytest.mark.django_db

PAGE = "/queue/analytics/"
CSV = "/queue/analytics/services.csv"
MONDAY_ONLY = "&period=range&start=2026-12-14&end=2026-12-14"


@pytest.fixture
def supervisor(org):
    return core_services.staff_user_create(
        organisation=org, email="sinta@nusantara.test", name="Sinta", role=Role.SUPERVISOR
    )


@pytest.fixture
def other_admin(other_org):
    return core_services.staff_user_create(
        organisation=other_org, email="admin@lain.test", name="Admin Lain", role=Role.ADMIN
    )


@pytest.fixture
def clerk(org):
    return core_services.staff_user_create(
        organisation=org, email="clerk@nusantara.test", name="Clerk", role=Role.AGENT
    )


@pytest.fixture
def played(ktp, kk, counter, counter2, agent, clerk):
    return play_monday(ktp, kk, counter, counter2, agent, clerk)


@pytest.fixture
def on_tuesday():
    """The pages are read on Tuesday morning, the day after the played Monday."""
    with mock.patch("django.utils.timezone.now", return_value=TUESDAY.replace(hour=9)):
        yield


def get(client, url, **headers):
    return client.get(url, **headers)


# --- who may see what ------------------------------------------------------------------------


@pytest.mark.parametrize("url", [PAGE, CSV])
def test_a_visitor_signs_in_first(client, point, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize("url", [PAGE, CSV])
def test_an_agent_may_not(client, agent, point, url):
    login(client, agent)
    assert client.get(f"{url}?point={point.pk}").status_code == 403


@pytest.mark.parametrize("url", [PAGE, CSV])
def test_a_customer_goes_to_the_portal(client, customer, point, url):
    login(client, customer)
    response = client.get(url)
    assert response.status_code == 302
    assert "/queue/" not in response["Location"]


@pytest.mark.parametrize("url", [PAGE, CSV])
def test_another_organisations_point_is_not_found(client, other_admin, point, played, url):
    login(client, other_admin)
    assert client.get(f"{url}?point={point.pk}").status_code == 404
    assert client.get(f"{url}?point=abc").status_code == 404


def test_another_organisation_sees_only_its_own_points(client, other_admin, point, played):
    login(client, other_admin)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert response.context["points"] == []
    assert point.name not in response.content.decode()


@pytest.mark.parametrize("who", ["admin_user", "supervisor"])
def test_admins_and_supervisors_see_the_page(client, request, point, played, who, on_tuesday):
    login(client, request.getfixturevalue(who))
    response = client.get(f"{PAGE}?point={point.pk}{MONDAY_ONLY}")
    assert response.status_code == 200
    report = response.context["report"]
    assert report.point == point and report.total.taken == 9


# --- bad choices ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, field",
    [
        ("&period=range", "start"),
        ("&period=range&start=2026-12-14&end=2026-12-01", "end"),
        ("&period=range&start=2026-01-01&end=2026-12-31", "end"),
        ("&period=range&start=14-12-2026&end=2026-12-14", "start"),
        ("&period=year", "period"),
        ("&target=0", "target"),
        ("&target=", "target"),
        ("&weekday=9", "weekday"),
        ("&staffing_service=999999", "staffing_service"),
    ],
)
def test_bad_choices_are_a_400_with_the_field_said(client, admin_user, point, query, field):
    login(client, admin_user)
    response = client.get(f"{PAGE}?point={point.pk}{query}")
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert "report" not in response.context
    csv_response = client.get(f"{CSV}?point={point.pk}{query}")
    if field in ("start", "end", "period"):
        assert csv_response.status_code == 400


def test_the_longest_period_is_92_days(client, admin_user, point):
    login(client, admin_user)
    query = "&period=range&start=2026-09-14&end=2026-12-14"
    assert client.get(f"{PAGE}?point={point.pk}{query}").status_code == 200
    query = "&period=range&start=2026-09-13&end=2026-12-14"
    assert client.get(f"{PAGE}?point={point.pk}{query}").status_code == 400


# --- what the page shows -------------------------------------------------------------------------


def test_the_page_shows_the_figures_and_draws_the_charts(
    client, admin_user, point, played, on_tuesday
):
    login(client, admin_user)
    query = f"?point={point.pk}{MONDAY_ONLY}&weekday=0"
    response = client.get(PAGE + query, HTTP_ACCEPT_LANGUAGE="id")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Perekaman KTP-el" in page and "Kartu Keluarga" in page
    assert page.count('<svg class="chart-plot"') == 4  # arrivals, waits, per day, staffing
    assert "4,5" in page  # A's median wait, 270 s, in minutes the Indonesian way
    assert "2 / 10" in page  # the online quota
    assert 'role="img"' in page and "<table" in page


def test_the_default_period_is_the_last_seven_days(client, admin_user, point, on_tuesday):
    login(client, admin_user)
    report = client.get(f"{PAGE}?point={point.pk}").context["report"]
    assert (report.period.start, report.period.end) == (
        TUESDAY.date() - timedelta(days=6),
        TUESDAY.date(),
    )
    assert report.staffing.weekday == 1  # Tuesday's advice
    assert report.staffing.target_seconds == 600


def test_an_organisation_without_points_gets_an_empty_page(client, admin_user):
    login(client, admin_user)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert response.context["point"] is None


def test_the_csv_is_the_per_service_table(client, supervisor, point, played, on_tuesday):
    login(client, supervisor)
    response = client.get(f"{CSV}?point={point.pk}{MONDAY_ONLY}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "antrean-dukcapil-2026-12-14-2026-12-14.csv" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["Service", "Number prefix", "Taken", "Served"]
    assert rows[1] == [
        "Perekaman KTP-el", "A", "8", "5", "1", "0.1667", "1", "1", "270", "450", "240", "480",
    ]  # fmt: skip
    assert rows[2][:4] == ["Kartu Keluarga", "B", "1", "1"]
    assert rows[3][:3] == ["All services", "", "9"]


def test_the_csv_quotes_what_a_spreadsheet_would_run(client, admin_user, point, ktp):
    services.service_update(service=ktp, actor=admin_user, name="=HYPERLINK(1)")
    login(client, admin_user)
    text = client.get(f"{CSV}?point={point.pk}").content.decode("utf-8")
    assert "'=HYPERLINK(1)" in text


# --- statements ----------------------------------------------------------------------------------


def statements(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_statements_do_not_grow_with_the_period_or_the_numbers(
    client, admin_user, point, ktp, kk, counter, counter2, agent, clerk, django_assert_num_queries
):
    login(client, admin_user)
    today = f"{PAGE}?point={point.pk}&period=range&start=2026-12-14&end=2026-12-14"
    quarter = f"{PAGE}?point={point.pk}&period=range&start=2026-09-14&end=2026-12-14"
    with mock.patch("django.utils.timezone.now", return_value=TUESDAY.replace(hour=9)):
        client.get(today)  # the first request of a session does its own bookkeeping
        few = statements(client, today)
        play_monday(ktp, kk, counter, counter2, agent, clerk)
        services.ticket_take(service=ktp, channel="kiosk", now=monday(13) - timedelta(days=7))
        with django_assert_num_queries(few):
            client.get(quarter)
        with django_assert_num_queries(few):
            client.get(f"{PAGE}?point={point.pk}&period=28d")
    # session, user; points, services; the counters, their events; per service (2), per
    # hour, per counter, per day, quotas; staffing (2)
    assert few == 14


def test_the_csv_statements_are_few(client, admin_user, point, played, on_tuesday):
    login(client, admin_user)
    client.get(f"{CSV}?point={point.pk}")
    # session, user; points, services; per service and all together
    assert statements(client, f"{CSV}?point={point.pk}{MONDAY_ONLY}") == 6
    assert MONDAY.weekday() == 0


def test_the_queues_sidebar_leads_to_the_analytics_for_those_who_may_read_them(
    client, supervisor, agent, point, counter
):
    login(client, supervisor)
    assert f'href="{PAGE}"' in client.get("/queue/").content.decode()
    login(client, agent)
    assert f'href="{PAGE}"' not in client.get("/queue/").content.decode()
    assert f'href="{PAGE}"' not in client.get(f"/queue/counters/{counter.pk}/").content.decode()
