"""Settings › Public queues through HTTP: service points, their services (quotas as a table)
and counters (services in order); the kiosk's key; who may open them; the list's statements."""

from datetime import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import login
from karcis.calendars.services import calendar_create
from karcis.core.models import Role
from karcis.core.services import staff_user_create
from karcis.queueing import services
from karcis.queueing.models import Counter, Service, ServicePoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def point(org, admin_user):
    return services.point_create(
        organisation=org, actor=admin_user, name="Disdukcapil Kota", slug="dukcapil"
    )


@pytest.fixture
def ktp(point, admin_user):
    return services.service_create(
        point=point, actor=admin_user, name="Perekaman KTP-el", prefix="A"
    )


@pytest.fixture
def kk(point, admin_user):
    return services.service_create(point=point, actor=admin_user, name="Kartu Keluarga", prefix="B")


@pytest.fixture
def counter(point, admin_user, ktp):
    return services.counter_create(
        point=point, actor=admin_user, name="Loket 1", code="1", services=[ktp.pk]
    )


@pytest.fixture
def other_admin(other_org):
    return staff_user_create(
        organisation=other_org,
        email="adm@lain.test",
        name="Admin Lain",
        role=Role.ADMIN,
        password="rahasia-123",
    )


def urls(point, ktp, counter):
    return [
        "/settings/queue/",
        "/settings/queue/new/",
        f"/settings/queue/{point.pk}/",
        f"/settings/queue/{point.pk}/services/new/",
        f"/settings/queue/services/{ktp.pk}/",
        f"/settings/queue/{point.pk}/counters/new/",
        f"/settings/queue/counters/{counter.pk}/",
    ]


POINT = {
    "name": "Puskesmas Melati",
    "slug": "melati",
    "address": "Jl. Melati 5, Bandung",
    "time_zone": "Asia/Jakarta",
    "printer_host": "",
    "printer_port": "9100",
    "is_active": "on",
}
SERVICE = {
    "name": "Poli Umum",
    "prefix": "a",
    "description": "Pemeriksaan umum",
    "buckets": "",
    "slot_minutes": "15",
    "slot_capacity": "4",
    "booking_days_ahead": "7",
    "booking_closes_at": "",
    "requeue_after": "5",
    "online_booking": "on",
    "position": "1",
    "is_active": "on",
}


# --- who may open them -----------------------------------------------------------------------


def test_visitors_sign_in_customers_leave_and_agents_are_refused(
    client, customer, agent, point, ktp, counter
):
    for url in urls(point, ktp, counter):
        assert client.get(url)["Location"].startswith("/login/"), url
    login(client, customer)
    for url in urls(point, ktp, counter):
        assert client.get(url).status_code == 302, url
    login(client, agent)  # works at a counter, manages nothing
    for url in urls(point, ktp, counter):
        assert client.get(url).status_code == 403, url
        assert client.post(url, POINT).status_code == 403, url
    assert client.post(f"/settings/queue/{point.pk}/kiosk-key/").status_code == 403
    assert ServicePoint.objects.count() == 1


def test_another_organisations_things_are_not_found(client, other_admin, point, ktp, counter):
    login(client, other_admin)
    for url in urls(point, ktp, counter)[2:]:
        assert client.get(url).status_code == 404, url
        assert client.post(url, SERVICE).status_code == 404, url
    assert client.post(f"/settings/queue/{point.pk}/kiosk-key/").status_code == 404
    assert "Disdukcapil Kota" not in client.get("/settings/queue/").content.decode()


def test_the_settings_overview_offers_the_page_to_managers(client, admin_user):
    login(client, admin_user)
    page = client.get("/settings/").content.decode()
    assert reverse("queueing:settings_points") in page and "Antrean publik" in page


# --- service points ------------------------------------------------------------------------


def test_admin_creates_a_point_and_edits_it(client, admin_user, org):
    hours = calendar_create(
        organisation=org, name="Jam layanan", actor=admin_user, weekly=[[[480, 900]]] * 5 + [[], []]
    )
    login(client, admin_user)
    assert "Buat tempat layanan pertama" in client.get("/settings/queue/").content.decode()
    assert client.get("/settings/queue/new/").status_code == 200
    answer = client.post("/settings/queue/new/", {**POINT, "calendar": hours.pk})
    point = ServicePoint.objects.get(slug="melati")
    assert answer.status_code == 302 and answer["Location"] == f"/settings/queue/{point.pk}/"
    assert point.calendar == hours and point.address == "Jl. Melati 5, Bandung"
    page = client.get(answer["Location"]).content.decode()
    assert "Puskesmas Melati" in page and "Perbarui kunci anjungan" in page

    answer = client.post(
        f"/settings/queue/{point.pk}/",
        {**POINT, "name": "Puskesmas Melati Indah", "printer_host": "192.168.1.50"},
    )
    assert answer.status_code == 302
    point.refresh_from_db()
    assert point.name == "Puskesmas Melati Indah" and point.printer_host == "192.168.1.50"
    assert point.calendar is None and point.is_active


def test_point_field_errors_come_back_beside_their_fields(client, admin_user, point, other_org):
    foreign = calendar_create(organisation=other_org, name="Lain", actor=None)
    login(client, admin_user)
    answer = client.post("/settings/queue/new/", {**POINT, "slug": "dukcapil"})
    assert answer.status_code == 400
    assert answer.context["form"].errors["slug"] == [
        "Tempat layanan lain sudah memakai nama singkat ini."
    ]
    answer = client.post("/settings/queue/new/", {**POINT, "slug": "Bukan Slug!"})
    assert "slug" in answer.context["form"].errors
    answer = client.post("/settings/queue/new/", {**POINT, "name": "", "printer_port": "70000"})
    assert set(answer.context["form"].errors) == {"name", "printer_port"}
    answer = client.post("/settings/queue/new/", {**POINT, "calendar": foreign.pk})
    assert answer.status_code == 400 and "calendar" in answer.context["form"].errors
    assert ServicePoint.objects.count() == 1


def test_renewing_the_kiosk_key(client, admin_user, point):
    login(client, admin_user)
    before = point.kiosk_key
    assert client.get(f"/settings/queue/{point.pk}/kiosk-key/").status_code == 405
    answer = client.post(f"/settings/queue/{point.pk}/kiosk-key/")
    assert answer.status_code == 302
    point.refresh_from_db()
    assert point.kiosk_key != before


def test_the_point_list_keeps_its_statement_count(
    client, admin_user, org, point, ktp, counter, django_assert_num_queries
):
    login(client, admin_user)
    with CaptureQueriesContext(connection) as captured:
        client.get("/settings/queue/")
    for index in range(4):
        other = services.point_create(
            organisation=org, actor=admin_user, name=f"Kantor {index}", slug=f"kantor-{index}"
        )
        services.service_create(point=other, actor=admin_user, name="KTP", prefix="A")
    with django_assert_num_queries(len(captured.captured_queries)):
        client.get("/settings/queue/")


def test_the_point_page_keeps_its_statement_count(
    client, admin_user, point, ktp, counter, django_assert_num_queries
):
    login(client, admin_user)
    url = f"/settings/queue/{point.pk}/"
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    for index in range(4):
        service = services.service_create(
            point=point, actor=admin_user, name=f"Layanan {index}", prefix="CDEF"[index]
        )
        services.counter_create(
            point=point, actor=admin_user, name=f"Loket {index + 2}", code=str(index + 2),
            services=[service.pk, ktp.pk],
        )  # fmt: skip
    with django_assert_num_queries(len(captured.captured_queries)):
        page = client.get(url).content.decode()
    assert "Layanan 3" in page and "Loket 5" in page


# --- services ------------------------------------------------------------------------------------


def test_admin_creates_a_service_with_buckets_and_quotas(client, admin_user, point):
    login(client, admin_user)
    url = f"/settings/queue/{point.pk}/services/new/"
    assert client.get(url).status_code == 200
    answer = client.post(
        url,
        {
            **SERVICE,
            "buckets": "jkn: Pasien JKN\nUMUM: Umum\n",
            "quota-online-": "40",
            "quota-walk_in-": "",
            "booking_closes_at": "14:00",
        },
    )
    assert answer.status_code == 302 and answer["Location"] == f"/settings/queue/{point.pk}/"
    service = Service.objects.get(point=point)
    assert service.prefix == "A" and service.booking_closes_at == time(14, 0)
    assert service.buckets == [
        {"key": "jkn", "label": "Pasien JKN"},
        {"key": "umum", "label": "Umum"},
    ]
    assert service.quotas == [{"channel": "online", "bucket": "", "limit": 40}]

    # The table now has a row per bucket: set JKN's own quotas.
    edit = f"/settings/queue/services/{service.pk}/"
    page = client.get(edit).content.decode()
    assert 'name="quota-online-jkn"' in page and 'name="quota-walk_in-umum"' in page
    answer = client.post(
        edit,
        {
            **SERVICE,
            "buckets": "jkn: Pasien JKN\numum: Umum",
            "quota-online-": "40",
            "quota-online-jkn": "25",
            "quota-walk_in-jkn": "10",
            "slot_minutes": "0",
            "online_booking": "",
        },
    )
    assert answer.status_code == 302
    service.refresh_from_db()
    assert service.quotas == [
        {"channel": "online", "bucket": "", "limit": 40},
        {"channel": "online", "bucket": "jkn", "limit": 25},
        {"channel": "walk_in", "bucket": "jkn", "limit": 10},
    ]
    assert service.slot_minutes == 0 and not service.online_booking


def test_service_field_errors(client, admin_user, point, ktp):
    login(client, admin_user)
    url = f"/settings/queue/{point.pk}/services/new/"
    answer = client.post(url, {**SERVICE, "prefix": "A"})  # Perekaman KTP-el's
    assert answer.status_code == 400
    assert answer.context["form"].errors["prefix"] == [
        "Layanan lain di tempat ini sudah memakai awalan ini."
    ]
    answer = client.post(url, {**SERVICE, "prefix": "A1"})
    assert answer.context["form"].errors["prefix"] == ["Satu sampai tiga huruf, misalnya A."]
    answer = client.post(url, {**SERVICE, "prefix": "C", "slot_capacity": "0"})
    assert "slot_capacity" in answer.context["form"].errors
    answer = client.post(url, {**SERVICE, "buckets": "jkn"})  # no label
    assert answer.status_code == 400 and "buckets" in answer.context["form"].errors
    answer = client.post(url, {**SERVICE, "quota-online-": "-3"})
    assert answer.status_code == 400 and "quota-online-" in answer.context["form"].errors
    page = answer.content.decode()
    assert 'aria-invalid="true"' in page
    assert Service.objects.filter(point=point).count() == 1


# --- counters ------------------------------------------------------------------------------------


def test_admin_creates_a_counter_with_its_services_in_order(client, admin_user, point, ktp, kk):
    login(client, admin_user)
    url = f"/settings/queue/{point.pk}/counters/new/"
    page = client.get(url).content.decode()
    assert f'name="serve-{ktp.pk}"' in page and f'name="order-{kk.pk}"' in page
    answer = client.post(
        url,
        {
            "name": "Loket 3",
            "code": "3",
            "is_active": "on",
            f"serve-{ktp.pk}": "on",
            f"order-{ktp.pk}": "2",
            f"serve-{kk.pk}": "on",
            f"order-{kk.pk}": "1",
        },
    )
    assert answer.status_code == 302
    counter = Counter.objects.get(code="3")
    assert counter.services == [kk.pk, ktp.pk]

    edit = f"/settings/queue/counters/{counter.pk}/"
    page = client.get(edit).content.decode()
    assert f'name="order-{kk.pk}" value="1"' in page
    answer = client.post(
        edit, {"name": "Loket Tiga", "code": "3", f"serve-{ktp.pk}": "on"}
    )  # kk unticked, the counter made inactive
    assert answer.status_code == 302
    counter.refresh_from_db()
    assert counter.services == [ktp.pk] and counter.name == "Loket Tiga" and not counter.is_active


def test_counter_field_errors(client, admin_user, point, ktp, counter):
    login(client, admin_user)
    url = f"/settings/queue/{point.pk}/counters/new/"
    answer = client.post(url, {"name": "Loket Lagi", "code": "1", "is_active": "on"})
    assert answer.status_code == 400
    assert answer.context["form"].errors["code"] == [
        "Loket lain di tempat ini sudah memakai sebutan ini."
    ]
    answer = client.post(url, {"name": "", "code": "", f"order-{ktp.pk}": "0"})
    assert {"name", "code", f"order-{ktp.pk}"} <= set(answer.context["form"].errors)
    assert Counter.objects.count() == 1
