"""/api/business-calendars/: administrators list, read, add, change and delete calendars."""

from datetime import date

import pytest

from karcis.calendars import services
from karcis.calendars.models import BusinessCalendar, CalendarDate
from karcis.core import services as core_services
from karcis.core.models import Event, Role

pytestmark = pytest.mark.django_db

URL = "/api/business-calendars/"
OFFICE_WEEK = [
    *({"weekday": d, "start": "08:00", "end": "17:00"} for d in range(4)),
    {"weekday": 4, "start": "08:00", "end": "11:30"},
    {"weekday": 4, "start": "13:00", "end": "17:00"},
]


@pytest.fixture
def office(org, admin_user):
    return services.calendar_create(
        organisation=org,
        name="Jam kerja kantor",
        actor=admin_user,
        weekly=[[[480, 1020]]] * 4 + [[[480, 690], [780, 1020]]] + [[], []],
        added_dates=[(date(2026, 12, 24), "Cuti bersama Natal")],
    )


def test_admin_creates_a_calendar_and_reads_it_back(api, admin_user, team_billing):
    response = api(admin_user).post(
        URL,
        {
            "name": "Jam kerja kantor",
            "time_zone": "Asia/Makassar",
            "weekly": OFFICE_WEEK,
            "teams": [team_billing.pk],
            "added_dates": [{"date": "2026-12-24", "name": "Cuti bersama Natal"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["is_default"] is True  # the first calendar
    assert body["time_zone"] == "Asia/Makassar"
    assert body["teams"] == [team_billing.pk]
    assert body["weekly"] == OFFICE_WEEK
    assert body["national_holidays"] is True
    assert body["added_dates"] == [{"date": "2026-12-24", "name": "Cuti bersama Natal"}]
    assert body["removed_dates"] == []
    calendar = BusinessCalendar.objects.get()
    assert calendar.weekly[4] == [[480, 690], [780, 1020]]
    assert Event.objects.filter(type="calendars.calendar.created").count() == 1


def test_retrieve_shows_the_holidays_of_a_year_with_their_source(api, admin_user, office):
    services.calendar_date_add(
        calendar=office,
        date=date(2026, 3, 19),
        kind="removed",
        name="Kantor buka",
        actor=admin_user,
    )
    body = api(admin_user).get(f"{URL}{office.pk}/?year=2026").json()
    by_date = {holiday["date"]: holiday for holiday in body["holidays"]}
    assert by_date["2026-08-17"]["source"] == "national"
    assert by_date["2026-12-24"] == {
        "date": "2026-12-24",
        "name": "Cuti bersama Natal",
        "source": "added",
        "note": "",
    }
    assert by_date["2026-03-19"]["source"] == "removed"
    assert by_date["2026-03-19"]["note"] == "Kantor buka"
    assert body["removed_dates"] == [{"date": "2026-03-19", "name": "Kantor buka"}]
    later = api(admin_user, language="en").get(f"{URL}{office.pk}/?year=2030").json()
    assert any(
        h["source"] == "national_estimated" and "(estimated)" in h["name"]
        for h in later["holidays"]
    )
    bad = api(admin_user).get(f"{URL}{office.pk}/?year=zz")
    assert bad.status_code == 400
    assert "year" in bad.json()


def test_partial_update_replaces_what_is_sent(api, admin_user, office):
    response = api(admin_user).patch(
        f"{URL}{office.pk}/",
        {
            "weekly": [{"weekday": 5, "start": "22:00", "end": "24:00"}],
            "removed_dates": [{"date": "2026-12-25", "name": "Buka"}],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["weekly"] == [{"weekday": 5, "start": "22:00", "end": "24:00"}]
    assert body["added_dates"] == [{"date": "2026-12-24", "name": "Cuti bersama Natal"}]
    assert body["removed_dates"] == [{"date": "2026-12-25", "name": "Buka"}]
    assert body["name"] == "Jam kerja kantor"


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        (
            {"weekly": [{"weekday": 0, "start": "17:00", "end": "08:00"}]},
            "weekly",
            "Senin: 17:00–08:00 berakhir sebelum dimulai.",
        ),
        (
            {
                "weekly": [
                    {"weekday": 4, "start": "08:00", "end": "12:00"},
                    {"weekday": 4, "start": "11:00", "end": "17:00"},
                ]
            },
            "weekly",
            "Jumat: 08:00–12:00 dan 11:00–17:00 tumpang tindih.",
        ),
        ({"weekly": [{"weekday": 0, "start": "8", "end": "17:00"}]}, "weekly", None),
        ({"weekly": [{"weekday": 7, "start": "08:00", "end": "17:00"}]}, "weekly", None),
        ({"time_zone": "Asia/Bandung"}, "time_zone", "Zona waktu tidak dikenal: Asia/Bandung."),
        ({"added_dates": [{"date": "1999-01-01"}]}, "added_dates", None),
        ({"removed_dates": [{"date": "2026-03-18"}]}, "removed_dates", None),
        ({"is_default": False}, "is_default", None),
        ({"colour": "red"}, "colour", None),
    ],
)
def test_bad_input_is_a_400_in_indonesian_and_saves_nothing(
    api, admin_user, office, payload, field, message
):
    before = Event.objects.count()
    response = api(admin_user).patch(f"{URL}{office.pk}/", payload, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert field in errors
    if message:
        assert message in str(errors[field])
    assert Event.objects.count() == before
    office.refresh_from_db()
    assert office.weekly[4] == [[480, 690], [780, 1020]]


def test_create_refuses_a_missing_name(api, admin_user):
    response = api(admin_user).post(URL, {"weekly": OFFICE_WEEK}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()
    assert not BusinessCalendar.objects.exists()


def test_delete_follows_the_default_rule(api, org, admin_user, office, team_billing):
    night = services.calendar_create(
        organisation=org, name="Malam", actor=admin_user, teams=[team_billing]
    )
    client = api(admin_user)
    refused = client.delete(f"{URL}{office.pk}/")
    assert refused.status_code == 400
    assert "bawaan" in refused.json()["detail"]
    assert client.delete(f"{URL}{night.pk}/").status_code == 204
    assert client.delete(f"{URL}{office.pk}/").status_code == 204
    assert not BusinessCalendar.objects.exists()
    assert not CalendarDate.objects.exists()


def test_list_query_count_does_not_grow(
    api, org, admin_user, office, team_billing, team_tech, django_assert_num_queries
):
    client = api(admin_user)
    client.get(URL)
    # The calendars, their teams, their dates (and the page's count).
    with django_assert_num_queries(4):
        assert client.get(URL).json()["count"] == 1
    for name, team in (("Malam", team_billing), ("Papua", team_tech)):
        services.calendar_create(
            organisation=org,
            name=name,
            actor=admin_user,
            teams=[team],
            added_dates=[(date(2026, 5, 2), "Libur daerah"), (date(2026, 6, 2), "Lagi")],
        )
    with django_assert_num_queries(4):
        body = client.get(URL).json()
    assert body["count"] == 3
    assert [c["name"] for c in body["results"]] == ["Jam kerja kantor", "Malam", "Papua"]


def test_only_administrators_of_the_organisation(
    api, org, office, agent, customer, other_org, admin_user
):
    assert api().get(URL).status_code in (401, 403)
    for user in (agent, customer):
        client = api(user)
        assert client.get(URL).status_code == 403
        assert client.get(f"{URL}{office.pk}/").status_code == 403
        assert client.post(URL, {"name": "X"}, format="json").status_code == 403
        assert client.patch(f"{URL}{office.pk}/", {"name": "X"}, format="json").status_code == 403
        assert client.delete(f"{URL}{office.pk}/").status_code == 403
    stranger = core_services.staff_user_create(
        organisation=other_org,
        email="admin@lain.test",
        name="Admin Lain",
        role=Role.ADMIN,
        password="rahasia-123",
    )
    client = api(stranger)
    assert client.get(URL).json()["count"] == 0
    assert client.get(f"{URL}{office.pk}/").status_code == 404
    assert client.patch(f"{URL}{office.pk}/", {"name": "X"}, format="json").status_code == 404
    assert client.delete(f"{URL}{office.pk}/").status_code == 404
    # Another organisation's team is "not found" to this admin.
    response = api(admin_user).post(
        URL, {"name": "X", "teams": [_other_team(other_org).pk]}, format="json"
    )
    assert response.status_code == 400
    assert "teams" in response.json()
    office.refresh_from_db()
    assert office.name == "Jam kerja kantor"


def _other_team(other_org):
    return core_services.team_create(organisation=other_org, name="Tim Lain")


def test_the_schema_documents_the_endpoint_with_examples(api, admin_user):
    schema = api(admin_user).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/business-calendars/" in text
    assert "Office hours with Friday prayers" in text
    assert "national_estimated" in text
