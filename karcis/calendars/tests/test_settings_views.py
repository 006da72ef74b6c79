"""Settings → Business calendars: the list, a calendar's form and holidays, dates added and
removed; who may open them; how many queries they take."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from karcis.calendars import services
from karcis.calendars.models import BusinessCalendar, CalendarDate
from karcis.core import services as core_services
from karcis.core.models import Event, Role

pytestmark = pytest.mark.django_db

LIST = reverse("calendars:settings_calendars")
NEW = reverse("calendars:settings_calendar_create")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def office(org, admin_user):
    return services.calendar_create(
        organisation=org,
        name="Jam kerja kantor",
        actor=admin_user,
        weekly=[[[480, 1020]]] * 4 + [[[480, 690], [780, 1020]]] + [[], []],
        added_dates=[(date(2026, 12, 24), "Cuti bersama Natal")],
    )


def edit_url(calendar, **query):
    url = reverse("calendars:settings_calendar_edit", args=[calendar.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def form_data(**changes):
    data = {
        "name": "Jam kerja kantor",
        "time_zone": "Asia/Jakarta",
        "day_0": "08:00-17:00",
        "day_1": "08:00-17:00",
        "day_2": "08:00-17:00",
        "day_3": "08:00-17:00",
        "day_4": "08:00-11:30, 13:00-17:00",
        "day_5": "",
        "day_6": "",
        "national_holidays": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def queries_for(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_the_settings_overview_links_the_page(admin_client):
    page = admin_client.get(reverse("workspace:settings")).content.decode()
    assert LIST in page


def test_admin_creates_a_calendar_from_the_form(admin_client, team_billing):
    response = admin_client.post(NEW, form_data(teams=[team_billing.pk]))
    calendar = BusinessCalendar.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("calendars:settings_calendar_edit", args=[calendar.pk])
    assert calendar.weekly[4] == [[480, 690], [780, 1020]]
    assert calendar.weekly[5] == []
    assert calendar.is_default
    assert list(calendar.teams.all()) == [team_billing]


def test_the_list_shows_each_calendar_with_its_hours(admin_client, office):
    page = admin_client.get(LIST).content.decode()
    assert "Jam kerja kantor" in page
    assert "Sen–Kam 08:00-17:00" in page
    assert "Jum 08:00-11:30, 13:00-17:00" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"day_0": "8 sampai 5"}, "Tulis jam seperti 08:00-11:30, 13:00-17:00"),
        ({"day_4": "08:00-12:00, 11:00-17:00"}, "tumpang tindih"),
        ({"day_0": "17:00-08:00"}, "berakhir sebelum dimulai"),
        ({"name": ""}, "harus diisi"),
        ({"time_zone": "Asia/Bandung"}, "Masukkan pilihan yang valid"),
    ],
)
def test_bad_input_shows_the_form_again_in_indonesian(admin_client, office, changes, message):
    before = Event.objects.count()
    response = admin_client.post(edit_url(office), form_data(**changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Event.objects.count() == before


def test_edit_saves_and_the_page_shows_the_holidays_of_a_year(admin_client, office):
    response = admin_client.post(edit_url(office), form_data(day_5="09:00-12:00"))
    assert response.status_code == 302
    office.refresh_from_db()
    assert office.weekly[5] == [[540, 720]]
    page = admin_client.get(edit_url(office, year=2026)).content.decode()
    assert "Hari Kemerdekaan" in page or "Proklamasi" in page  # 17 Agustus
    assert "Cuti bersama Natal" in page
    assert "Ditambahkan oleh admin" in page
    later = admin_client.get(edit_url(office, year=2030)).content.decode()
    assert "(perkiraan)" in later
    assert "Libur nasional (tanggal perkiraan)" in later


def test_remove_and_restore_a_national_date_and_add_one(admin_client, office):
    add = reverse("calendars:settings_calendar_date_add", args=[office.pk])
    response = admin_client.post(add, {"date": "2026-03-19", "kind": "removed"})
    assert response.status_code == 302
    assert response.url.endswith("?year=2026#holidays")
    row = CalendarDate.objects.get(date=date(2026, 3, 19))
    assert row.kind == "removed"
    page = admin_client.get(edit_url(office, year=2026)).content.decode()
    assert "Dihapus oleh admin" in page
    assert "Pulihkan hari libur" in page

    restore = reverse("calendars:settings_calendar_date_delete", args=[row.pk])
    assert admin_client.post(restore).status_code == 302
    assert not CalendarDate.objects.filter(date=date(2026, 3, 19)).exists()

    response = admin_client.post(
        add, {"date": "2027-01-02", "kind": "added", "name": "Cuti bersama"}
    )
    assert response.status_code == 302
    assert CalendarDate.objects.get(date=date(2027, 1, 2)).name == "Cuti bersama"


def test_a_bad_date_shows_the_page_again_with_the_error(admin_client, office):
    add = reverse("calendars:settings_calendar_date_add", args=[office.pk])
    response = admin_client.post(add, {"date": "2026-03-18", "kind": "removed"})
    assert response.status_code == 400
    assert "bukan libur nasional" in response.content.decode()
    response = admin_client.post(add, {"date": "2026-12-24", "kind": "added"})
    assert response.status_code == 400
    assert "sudah tercantum" in response.content.decode()
    assert CalendarDate.objects.count() == 1


def test_deleting_the_default_while_others_exist_is_refused(admin_client, org, admin_user, office):
    other = services.calendar_create(organisation=org, name="Malam", actor=admin_user)
    delete = reverse("calendars:settings_calendar_delete", args=[office.pk])
    response = admin_client.post(delete, follow=True)
    assert "jadikan kalender lain sebagai bawaan" in response.content.decode()
    assert BusinessCalendar.objects.filter(pk=office.pk).exists()
    admin_client.post(reverse("calendars:settings_calendar_delete", args=[other.pk]))
    assert list(BusinessCalendar.objects.all()) == [office]


def test_pages_are_for_calendar_managers_of_the_organisation(client, org, office, agent, other_org):
    urls = [LIST, NEW, edit_url(office)]
    posts = [
        reverse("calendars:settings_calendar_delete", args=[office.pk]),
        reverse("calendars:settings_calendar_date_add", args=[office.pk]),
        reverse("calendars:settings_calendar_date_delete", args=[office.dates.get().pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    client.force_login(agent)
    for url in urls:
        assert client.get(url).status_code == 403
    for url in posts:
        assert client.post(url, {"date": "2026-01-02", "kind": "added"}).status_code == 403
    stranger = core_services.staff_user_create(
        organisation=other_org,
        email="admin@lain.test",
        name="Admin Lain",
        role=Role.ADMIN,
        password="rahasia-123",
    )
    client.force_login(stranger)
    assert "Jam kerja kantor" not in client.get(LIST).content.decode()
    assert client.get(edit_url(office)).status_code == 404
    for url in posts:
        assert client.post(url, {"date": "2026-01-02", "kind": "added"}).status_code == 404
    assert BusinessCalendar.objects.filter(pk=office.pk).exists()
    assert CalendarDate.objects.count() == 1


def test_list_and_edit_pages_take_flat_queries(
    admin_client, org, admin_user, office, team_billing, team_tech
):
    def add(name, team):
        services.calendar_create(
            organisation=org,
            name=name,
            actor=admin_user,
            teams=[team],
            added_dates=[(date(2026, 5, 2), "Libur daerah"), (date(2026, 6, 2), "Lagi")],
        )

    add("Malam", team_billing)
    few = queries_for(admin_client, LIST)
    edit = queries_for(admin_client, edit_url(office, year=2026))
    add("Papua", team_tech)
    assert queries_for(admin_client, LIST) == few
    for day, name in [(date(2026, 1, 2), "a"), (date(2026, 2, 2), "b"), (date(2026, 7, 7), "c")]:
        services.calendar_date_add(
            calendar=office, date=day, kind="added", name=name, actor=admin_user
        )
    assert queries_for(admin_client, edit_url(office, year=2026)) == edit
