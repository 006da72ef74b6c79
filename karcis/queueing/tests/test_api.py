"""The public queues' REST API: the contract (field names), who may do what, bad input
(400), refusals (409), idempotent creates and flat list queries.

The clock is fixed (Monday 2026-12-14, 08:30 in Jakarta, the office open 08:00–15:00): every
`timezone.now()` and every model default that reads it answer the test's time.
"""

from datetime import date, datetime, timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import timezone

from karcis.core import services as core_services
from karcis.core.models import Role
from karcis.queueing import permissions, services
from karcis.queueing.models import Counter, QueueTicket, ServiceDay, ServicePoint

from .conftest import MONDAY, monday

pytestmark = pytest.mark.django_db

POINTS, SERVICES, COUNTERS, TICKETS = (
    "/api/queue/points/",
    "/api/queue/services/",
    "/api/queue/counters/",
    "/api/queue/tickets/",
)
TUESDAY = MONDAY.date() + timedelta(days=1)


class Clock:
    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def clock_set(monkeypatch, moment: datetime) -> Clock:
    """`timezone.now()`, and every model field defaulting to it, answer `moment` (changed
    through the returned clock's `moment`)."""
    real_now = timezone.now
    fake = Clock(moment)
    monkeypatch.setattr(timezone, "now", fake)
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.default is real_now:
                monkeypatch.setattr(field, "default", fake)
                # Django keeps the default it read first (Field._get_default, cached).
                monkeypatch.setattr(field, "_get_default", fake)
    return fake


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """Monday 08:30 in Jakarta."""
    return clock_set(monkeypatch, monday(8, 30))


@pytest.fixture
def watcher(org, admin_user):
    """Sees the queues' analytics and nothing else of them (a role of the organisation's)."""
    role = core_services.custom_role_create(
        organisation=org,
        name="Pengamat antrean",
        capabilities=[permissions.ANALYTICS],
        actor=admin_user,
    )
    return core_services.staff_user_create(
        organisation=org, email="amat@nusantara.test", name="Amat", role=role.key
    )


@pytest.fixture
def other_admin(other_org):
    return core_services.staff_user_create(
        organisation=other_org, email="admin@lain.test", name="Admin Lain", role=Role.ADMIN
    )


@pytest.fixture
def other_point(other_org, other_admin):
    return services.point_create(
        organisation=other_org, actor=other_admin, name="Kantor Lain", slug="lain"
    )


@pytest.fixture
def other_service(other_point, other_admin):
    return services.service_create(
        point=other_point, actor=other_admin, name="Layanan Lain", prefix="Z", slot_minutes=0
    )


@pytest.fixture
def other_counter(other_point, other_admin, other_service):
    return services.counter_create(
        point=other_point,
        actor=other_admin,
        name="Loket Lain",
        code="9",
        services=[other_service.pk],
    )


def take(client, payload, **headers):
    return client.post(TICKETS, payload, format="json", **headers)


POINT_FIELDS = {
    "id", "name", "slug", "address", "time_zone", "calendar", "printer_host", "printer_port",
    "is_active", "created_at",
}  # fmt: skip
SERVICE_FIELDS = {
    "id", "point", "name", "prefix", "description", "buckets", "quotas", "slot_minutes",
    "slot_capacity", "booking_days_ahead", "booking_closes_at", "requeue_after",
    "online_booking", "position", "is_active", "created_at",
}  # fmt: skip
COUNTER_FIELDS = {
    "id", "point", "name", "code", "services", "is_active", "is_open", "staff", "signed_in_at",
    "created_at",
}  # fmt: skip
TICKET_FIELDS = {
    "id", "number", "status", "status_url", "service", "point", "date", "slot", "channel",
    "bucket", "counter", "calls", "notify_ahead", "transferred_from", "created_at",
    "arrived_at", "called_at", "started_at", "finished_at", "person",
}  # fmt: skip
TICKET_DETAIL_FIELDS = TICKET_FIELDS | {"position", "estimated_wait"}


# --- admin: points, services, counters ----------------------------------------------------------


def test_a_manager_sets_up_a_point_its_services_and_counters(api, admin_user, office_hours):
    client = api(admin_user)

    point = client.post(
        POINTS,
        {
            "name": "Puskesmas Sukajadi",
            "slug": "puskesmas-sukajadi",
            "address": "Jl. Sukajadi 10",
            "time_zone": "Asia/Makassar",
            "calendar": office_hours.pk,
            "printer_host": "192.168.1.50",
        },
        format="json",
    )
    assert point.status_code == 201, point.json()
    body = point.json()
    assert set(body) == POINT_FIELDS
    assert body["slug"] == "puskesmas-sukajadi"
    assert body["time_zone"] == "Asia/Makassar"
    assert body["calendar"] == office_hours.pk
    assert body["printer_port"] == 9100
    assert body["is_active"] is True
    assert "kiosk_key" not in body

    service = client.post(
        SERVICES,
        {
            "point": body["id"],
            "name": "Poli Umum",
            "prefix": "a",
            "buckets": [{"key": "jkn", "label": "JKN"}, {"key": "umum", "label": "Umum"}],
            "quotas": [
                {"channel": "online", "bucket": "jkn", "limit": 40},
                {"channel": "walk_in", "limit": 60},
            ],
            "slot_minutes": 20,
            "slot_capacity": 3,
            "booking_closes_at": "14:00",
        },
        format="json",
    )
    assert service.status_code == 201, service.json()
    poli = service.json()
    assert set(poli) == SERVICE_FIELDS
    assert poli["prefix"] == "A"
    assert poli["quotas"] == [
        {"channel": "online", "bucket": "jkn", "limit": 40},
        {"channel": "walk_in", "bucket": "", "limit": 60},
    ]
    assert poli["booking_closes_at"] == "14:00"
    gigi = client.post(
        SERVICES, {"point": body["id"], "name": "Poli Gigi", "prefix": "B"}, format="json"
    ).json()

    counter = client.post(
        COUNTERS,
        {"point": body["id"], "name": "Loket 1", "code": "1", "services": [gigi["id"], poli["id"]]},
        format="json",
    )
    assert counter.status_code == 201, counter.json()
    loket = counter.json()
    assert set(loket) == COUNTER_FIELDS
    assert loket["services"] == [gigi["id"], poli["id"]]
    assert loket["is_open"] is False and loket["staff"] is None

    # Changes: only what is sent.
    changed = client.patch(
        f"{SERVICES}{poli['id']}/",
        {"quotas": [{"channel": "online", "bucket": "", "limit": 80}], "booking_closes_at": None},
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["quotas"] == [{"channel": "online", "bucket": "", "limit": 80}]
    assert changed.json()["booking_closes_at"] is None
    assert changed.json()["name"] == "Poli Umum"
    reordered = client.patch(
        f"{COUNTERS}{loket['id']}/", {"services": [poli["id"], gigi["id"]]}, format="json"
    )
    assert reordered.json()["services"] == [poli["id"], gigi["id"]]
    renamed = client.patch(f"{POINTS}{body['id']}/", {"name": "Puskesmas Baru"}, format="json")
    assert renamed.json()["name"] == "Puskesmas Baru"
    assert renamed.json()["slug"] == "puskesmas-sukajadi"

    # Nothing is deleted: deactivated instead.
    assert client.delete(f"{COUNTERS}{loket['id']}/").status_code == 405
    assert client.delete(f"{POINTS}{body['id']}/").status_code == 405
    off = client.patch(f"{COUNTERS}{loket['id']}/", {"is_active": False}, format="json")
    assert off.json()["is_active"] is False
    assert Counter.objects.get(pk=loket["id"]).is_active is False
    closed = client.patch(f"{POINTS}{body['id']}/", {"is_active": False}, format="json")
    assert closed.json()["is_active"] is False


def test_the_point_of_a_service_or_counter_is_fixed(api, admin_user, ktp, counter, point):
    client = api(admin_user)
    answer = client.patch(f"{SERVICES}{ktp.pk}/", {"point": point.pk}, format="json")
    assert answer.status_code == 400
    assert "point" in answer.json()
    answer = client.patch(f"{COUNTERS}{counter.pk}/", {"point": point.pk}, format="json")
    assert answer.status_code == 400
    assert "point" in answer.json()


def test_bad_admin_input_is_refused_by_field(api, admin_user, point, ktp, other_point):
    client = api(admin_user)
    cases = [
        (POINTS, {"name": "Lagi", "slug": "dukcapil"}, "slug"),
        (POINTS, {"name": "Lagi", "slug": "Bukan Slug"}, "slug"),
        (POINTS, {"name": "Lagi", "slug": "lagi", "time_zone": "Mars/Olympus"}, "time_zone"),
        (POINTS, {"name": "Lagi", "slug": "lagi", "printer_port": 70000}, "printer_port"),
        (POINTS, {"name": "Lagi", "slug": "lagi", "calendar": 999999}, "calendar"),
        (POINTS, {"name": "Lagi", "slug": "lagi", "colour": "merah"}, "colour"),
        (SERVICES, {"point": point.pk, "name": "X", "prefix": "A"}, "prefix"),
        (SERVICES, {"point": point.pk, "name": "X", "prefix": "A1"}, "prefix"),
        (SERVICES, {"point": other_point.pk, "name": "X", "prefix": "X"}, "point"),
        (
            SERVICES,
            {
                "point": point.pk,
                "name": "X",
                "prefix": "X",
                "quotas": [{"channel": "online", "bucket": "jkn", "limit": 5}],
            },
            "quotas",
        ),
        (
            SERVICES,
            {
                "point": point.pk,
                "name": "X",
                "prefix": "X",
                "quotas": [{"channel": "kiosk", "bucket": "", "limit": 5}],
            },
            "quotas",
        ),
        (
            SERVICES,
            {"point": point.pk, "name": "X", "prefix": "X", "slot_minutes": 999},
            "slot_minutes",
        ),
        (COUNTERS, {"point": point.pk, "name": "L", "code": "9", "services": [999999]}, "services"),
        (COUNTERS, {"point": point.pk, "name": "", "code": "9"}, "name"),
    ]
    for url, payload, field in cases:
        answer = client.post(url, payload, format="json")
        assert answer.status_code == 400, (payload, answer.json())
        assert field in answer.json(), (payload, answer.json())
    assert ServicePoint.objects.count() == 2


def test_lists_filter_by_point_in_flat_queries(
    api, admin_user, point, ktp, kk, counter, counter2, django_assert_num_queries
):
    client = api(admin_user)
    second = services.point_create(
        organisation=point.organisation, actor=admin_user, name="Cabang", slug="cabang"
    )
    client.get(POINTS)  # the token's look-up, cached from here on
    for url in (POINTS, SERVICES, COUNTERS):
        # The page's count and its rows.
        with django_assert_num_queries(2):
            assert client.get(url).status_code == 200
    for index in range(4):
        extra = services.service_create(
            point=second, actor=admin_user, name=f"S{index}", prefix="CDEF"[index], slot_minutes=0
        )
        services.counter_create(
            point=second, actor=admin_user, name=f"L{index}", code=str(index), services=[extra.pk]
        )
    for url in (POINTS, SERVICES, COUNTERS):
        with django_assert_num_queries(2):
            assert client.get(url).status_code == 200
    listed = client.get(SERVICES, {"point": point.pk}).json()
    assert [service["prefix"] for service in listed["results"]] == ["A", "B"]
    assert client.get(SERVICES).json()["count"] == 6
    listed = client.get(COUNTERS, {"point": second.pk}).json()
    assert [c["code"] for c in listed["results"]] == ["0", "1", "2", "3"]
    for bad in ("x", "0", str(10**20)):
        assert client.get(COUNTERS, {"point": bad}).status_code == 400


def test_who_may_read_and_write_the_setup(
    api, admin_user, agent, customer, watcher, other_admin, point, ktp, counter, other_point
):
    for url in (POINTS, SERVICES, COUNTERS):
        assert api().get(url).status_code == 401
        assert api(customer).get(url).status_code == 403
        for reader in (agent, watcher, admin_user):
            assert api(reader).get(url).json()["count"] >= 1
        # Another organisation's admin sees only their own.
        assert all(row["id"] != point.pk for row in api(other_admin).get(POINTS).json()["results"])
    for url, obj in ((POINTS, point), (SERVICES, ktp), (COUNTERS, counter)):
        assert api(agent).get(f"{url}{obj.pk}/").status_code == 200
        assert api(other_admin).get(f"{url}{obj.pk}/").status_code == 404
        assert api(other_admin).patch(f"{url}{obj.pk}/", {}, format="json").status_code == 404
        assert api(customer).get(f"{url}{obj.pk}/").status_code == 403
        for writer in (agent, watcher):
            refused = api(writer).patch(f"{url}{obj.pk}/", {"name": "X"}, format="json")
            assert refused.status_code == 403
    assert api(agent).post(POINTS, {"name": "X", "slug": "x"}, format="json").status_code == 403
    assert api(agent).get(f"{POINTS}abc/").status_code == 404
    assert api(agent).get(f"{POINTS}{10**20}/").status_code == 404
    assert api(agent).get(f"{TICKETS}{10**20}/").status_code == 404
    assert api(admin_user).get(f"{POINTS}{other_point.pk}/").status_code == 404


# --- taking a number ------------------------------------------------------------------------------


def test_a_number_for_today_answers_the_whole_contract(api, agent, ktp, counter):
    services.counter_open(counter=counter, actor=agent)
    answer = take(
        api(agent),
        {
            "service": ktp.pk,
            "name": "Siti Aminah",
            "phone": "0812 3456 7890",
            "email": "siti@example.com",
            "nik": "3273014107900001",
            "notify_ahead": 3,
        },
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert set(body) == TICKET_DETAIL_FIELDS
    ticket = QueueTicket.objects.get()
    assert body["id"] == ticket.pk
    assert body["number"] == "A-001"
    assert body["status"] == "waiting"
    assert body["position"] == 1
    # An idle counter waits for this one: called at once.
    assert body["estimated_wait"] == {
        "low": 0,
        "high": 0,
        "expected": 0,
        "unknown": False,
        "reason": "",
    }
    assert body["status_url"].startswith(settings.KARCIS_BASE_URL + "/")
    assert ticket.token in body["status_url"]
    assert body["service"] == ktp.pk and body["point"] == ktp.point_id
    assert body["date"] == "2026-12-14"
    assert body["slot"] is None
    assert body["channel"] == "api"
    assert body["notify_ahead"] == 3
    assert body["created_at"] == "2026-12-14T08:30:00+07:00"
    assert body["person"] == {
        "name": "Siti Aminah",
        "phone": "+6281234567890",
        "email": "siti@example.com",
        "nik": "3273••••••••0001",
    }
    # The walk-in quota is not touched by an API number: it counts as online.
    assert ServiceDay.objects.get().used == {"online:": 1}
    second = take(api(agent), {"service": ktp.pk, "channel": "staff"}).json()
    assert second["number"] == "A-002" and second["position"] == 2
    assert second["channel"] == "staff"
    # No service time recorded yet: no estimate, and why.
    assert second["estimated_wait"] == {
        "low": 0,
        "high": 0,
        "expected": 0,
        "unknown": True,
        "reason": "no_history",
    }


def test_the_estimated_wait_is_a_range_from_the_services_history(api, agent, ktp, counter):
    # Given last Monday's 40 people, each served in about five minutes
    last_week = timedelta(days=7)
    services.counter_open(counter=counter, actor=agent, now=monday(8) - last_week)
    for index in range(40):
        start = monday(8, 1) - last_week + timedelta(minutes=5 * index)
        services.ticket_take(service=ktp, channel="kiosk", now=start)
        services.counter_call_next(counter=counter, actor=agent, now=start)
        services.counter_finish(
            counter=counter, actor=agent, now=start + timedelta(minutes=4, seconds=index % 7 * 20)
        )
    # When today the counter serves someone and three wait
    services.counter_open(counter=counter, actor=agent, now=monday(8))
    services.ticket_take(service=ktp, channel="kiosk", now=monday(8, 10))
    services.counter_call_next(counter=counter, actor=agent, now=monday(8, 28))
    for _index in range(3):
        last = take(api(agent), {"service": ktp.pk, "channel": "staff"}).json()
    # Then the third in line is told a range around some fifteen minutes
    assert last["position"] == 3
    wait = last["estimated_wait"]
    assert wait["unknown"] is False and wait["reason"] == ""
    assert 0 < wait["low"] <= wait["expected"] <= wait["high"]
    assert 8 * 60 < wait["expected"] < 20 * 60


def test_a_booking_takes_the_slot_as_local_time_or_iso_8601(api, agent, ktp):
    client = api(agent)
    local = take(
        client,
        {"service": ktp.pk, "name": "Siti", "phone": "081234567801", "date": "2026-12-15",
         "slot": "09:00"},
    )  # fmt: skip
    iso = take(
        client,
        {"service": ktp.pk, "name": "Budi", "phone": "081234567802", "date": "2026-12-15",
         "slot": "2026-12-15T09:00:00+07:00"},
    )  # fmt: skip
    utc = take(
        client,
        {"service": ktp.pk, "name": "Wati", "phone": "081234567803", "date": "2026-12-15",
         "slot": "2026-12-15T03:00:00Z"},
    )  # fmt: skip
    assert local.status_code == iso.status_code == utc.status_code == 201, utc.json()
    for answer in (local, iso, utc):
        body = answer.json()
        assert body["status"] == "booked"
        assert body["date"] == "2026-12-15"
        assert body["position"] is None and body["estimated_wait"] is None
    assert local.json()["slot"] == iso.json()["slot"] == "2026-12-15T09:00:00+07:00"
    assert utc.json()["slot"] == "2026-12-15T10:00:00+07:00"
    assert ServiceDay.objects.get(day=TUESDAY).slots == {"09:00": 2, "10:00": 1}


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"service": 999999}, "service"),
        ({"service": "satu"}, "service"),
        ({"service": None}, "service"),
        ({"service": 10**20}, "service"),
        ({"channel": "fax"}, "channel"),
        ({"colour": "merah"}, "colour"),
        ({"notify_ahead": 99}, "notify_ahead"),
        ({"date": "15-12-2026", "name": "A", "phone": "081234567801"}, "date"),
        ({"date": "2026-12-13", "name": "A", "phone": "081234567801"}, "date"),
        ({"date": "2027-02-01", "name": "A", "phone": "081234567801"}, "date"),
        ({"slot": "09:00"}, "date"),
        ({"date": "2026-12-15", "name": "A", "phone": "081234567801"}, "slot"),
        ({"date": "2026-12-15", "name": "A", "phone": "081234567801", "slot": "9 pagi"}, "slot"),
        ({"date": "2026-12-15", "name": "A", "phone": "081234567801", "slot": "25:00"}, "slot"),
        ({"date": "2026-12-15", "name": "A", "phone": "081234567801", "slot": "09:10"}, "slot"),
        (
            {
                "date": "2026-12-15",
                "name": "A",
                "phone": "081234567801",
                "slot": "2026-12-15T09:00:00",
            },
            "slot",
        ),  # fmt: skip
        (
            {
                "date": "2026-12-15",
                "name": "A",
                "phone": "081234567801",
                "slot": "2026-12-16T09:00:00+07:00",
            },
            "slot",
        ),  # fmt: skip
        ({"date": "2026-12-15", "phone": "081234567801", "slot": "09:00"}, "name"),
        ({"date": "2026-12-15", "name": "A", "slot": "09:00"}, "phone"),
        ({"phone": "12"}, "phone"),
        ({"nik": "123"}, "nik"),
        ({"email": "bukan-surel"}, "email"),
        ({"bucket": "vip"}, "bucket"),
    ],
)
def test_bad_input_is_a_400_on_its_field(api, agent, ktp, payload, field):
    answer = take(api(agent), {"service": ktp.pk, **payload})
    assert answer.status_code == 400, answer.json()
    assert field in answer.json(), answer.json()
    assert not QueueTicket.objects.exists()


def test_another_organisations_service_is_not_a_choice(api, agent, other_service):
    answer = take(api(agent), {"service": other_service.pk})
    assert answer.status_code == 400
    assert "service" in answer.json()


def test_a_full_quota_is_a_409_with_the_next_open_date(api, agent, ktp, admin_user):
    services.service_update(
        service=ktp, actor=admin_user, quotas=[{"channel": "online", "bucket": "", "limit": 1}]
    )
    client = api(agent)
    first = take(client, {"service": ktp.pk, "name": "A", "phone": "081234567801",
                          "date": "2026-12-15", "slot": "09:00"})  # fmt: skip
    assert first.status_code == 201
    full = take(client, {"service": ktp.pk, "name": "B", "phone": "081234567802",
                         "date": "2026-12-15", "slot": "10:00"})  # fmt: skip
    assert full.status_code == 409
    assert set(full.json()) == {"detail", "code", "next_open_date"}
    assert full.json()["code"] == "full"
    assert full.json()["next_open_date"] == "2026-12-16"
    assert full.json()["detail"]
    assert QueueTicket.objects.count() == 1


def test_a_second_booking_of_one_person_is_a_409_without_a_date(api, agent, ktp):
    client = api(agent)
    payload = {"service": ktp.pk, "name": "A", "phone": "081234567801", "date": "2026-12-15"}
    assert take(client, {**payload, "slot": "09:00"}).status_code == 201
    again = take(client, {**payload, "slot": "11:00"})
    assert again.status_code == 409
    assert again.json()["code"] == "duplicate"
    assert again.json()["next_open_date"] is None
    assert again.json()["detail"]


def test_a_closed_office_is_a_409_offering_the_next_open_day(api, agent, ktp, clock):
    clock.moment = monday(10) - timedelta(days=2)  # Saturday
    closed = take(api(agent), {"service": ktp.pk})
    assert closed.status_code == 409
    assert closed.json()["code"] == "closed"
    assert closed.json()["next_open_date"] == "2026-12-14"


def test_refusals_speak_the_callers_language(api, agent, ktp, clock):
    clock.moment = monday(16)
    english = take(api(agent, language="en"), {"service": ktp.pk}).json()
    assert english["detail"] == (
        "Disdukcapil Kota is closed now; numbers are taken on open days until closing."
    )


def test_who_may_take_a_number(api, agent, admin_user, customer, watcher, other_org_agent, ktp):
    payload = {"service": ktp.pk}
    assert take(api(), payload).status_code == 401
    assert take(api(customer), payload).status_code == 403
    assert take(api(watcher), payload).status_code == 403
    assert take(api(other_org_agent), payload).status_code == 400  # not their service
    assert take(api(agent), payload).status_code == 201
    assert take(api(admin_user), {**payload, "channel": "kiosk"}).status_code == 201
    assert QueueTicket.objects.count() == 2


# --- Idempotency-Key --------------------------------------------------------------------------------

BOOKING = {"service": None, "name": "Siti", "phone": "081234567801", "date": "2026-12-15",
           "slot": "09:00"}  # fmt: skip


def test_a_retry_with_the_same_key_gets_the_same_ticket(api, agent, ktp):
    client = api(agent)
    payload = {**BOOKING, "service": ktp.pk}
    first = take(client, payload, HTTP_IDEMPOTENCY_KEY="rs-hasan-42")
    retry = take(client, payload, HTTP_IDEMPOTENCY_KEY="rs-hasan-42")
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert QueueTicket.objects.count() == 1
    assert ServiceDay.objects.get().used == {"online:": 1}


def test_the_same_key_with_another_body_is_422(api, agent, ktp):
    client = api(agent)
    take(client, {**BOOKING, "service": ktp.pk}, HTTP_IDEMPOTENCY_KEY="k")
    other = take(client, {**BOOKING, "service": ktp.pk, "slot": "10:00"}, HTTP_IDEMPOTENCY_KEY="k")
    assert other.status_code == 422
    assert set(other.json()) == {"detail"}
    assert QueueTicket.objects.count() == 1


def test_a_refusal_is_not_kept_under_the_key(api, agent, ktp):
    from karcis.api.models import IdempotencyKey

    client = api(agent)
    take(client, {**BOOKING, "service": ktp.pk})
    refused = take(client, {**BOOKING, "service": ktp.pk}, HTTP_IDEMPOTENCY_KEY="k2")
    assert refused.status_code == 409
    assert not IdempotencyKey.objects.exists()
    bad = take(client, {**BOOKING, "service": ktp.pk, "slot": "x"}, HTTP_IDEMPOTENCY_KEY="k3")
    assert bad.status_code == 400
    assert not IdempotencyKey.objects.exists()


# --- reading tickets ----------------------------------------------------------------------------------


def test_a_ticket_is_read_with_its_place_and_the_person_only_by_counter_staff(
    api, agent, watcher, customer, other_admin, ktp, person
):
    first = services.ticket_take(service=ktp, channel="kiosk", person=person)
    second = services.ticket_take(service=ktp, channel="kiosk")
    body = api(agent).get(f"{TICKETS}{second.pk}/").json()
    assert set(body) == TICKET_DETAIL_FIELDS
    assert body["position"] == 2
    assert body["person"] == {"name": "", "phone": "", "email": "", "nik": ""}
    assert api(agent).get(f"{TICKETS}{first.pk}/").json()["person"]["name"] == "Siti Aminah"
    seen = api(watcher).get(f"{TICKETS}{first.pk}/")
    assert seen.status_code == 200
    assert seen.json()["person"] is None
    assert seen.json()["number"] == "A-001"
    assert api(watcher).get(TICKETS).json()["results"][0]["person"] is None
    assert api(customer).get(f"{TICKETS}{first.pk}/").status_code == 403
    assert api(customer).get(TICKETS).status_code == 403
    assert api().get(f"{TICKETS}{first.pk}/").status_code == 401
    assert api(other_admin).get(f"{TICKETS}{first.pk}/").status_code == 404
    assert api(other_admin).get(TICKETS).json()["count"] == 0
    assert api(agent).post(f"{TICKETS}{first.pk}/", {}, format="json").status_code == 405


def test_the_ticket_list_filters_and_its_queries_stay_flat(
    api, agent, ktp, kk, counter, clock, django_assert_num_queries
):
    client = api(agent)
    services.ticket_take(service=ktp, channel="kiosk")
    client.get(TICKETS)  # the token's look-up, cached from here on
    # The page's count and its rows (with their points and counters).
    with django_assert_num_queries(2):
        body = client.get(TICKETS).json()
    assert body["count"] == 1
    assert set(body["results"][0]) == TICKET_FIELDS
    services.counter_open(counter=counter, actor=agent)
    for _index in range(3):
        services.ticket_take(service=ktp, channel="kiosk")
        services.ticket_take(service=kk, channel="kiosk")
    services.counter_call_next(counter=counter, actor=agent)
    clock.moment += timedelta(days=1)
    services.ticket_take(service=ktp, channel="kiosk")
    with django_assert_num_queries(2):
        body = client.get(TICKETS).json()
    assert body["count"] == 8
    assert body["results"][0]["date"] == "2026-12-15"
    assert [row["number"] for row in body["results"][1:5]] == ["A-001", "A-002", "A-003", "A-004"]
    assert body["results"][1]["counter"] == {"id": counter.pk, "code": "1", "name": "Loket 1"}

    def numbers(**query):
        answer = client.get(TICKETS, query)
        assert answer.status_code == 200, answer.json()
        return [row["number"] for row in answer.json()["results"]]

    assert numbers(service=kk.pk) == ["B-001", "B-002", "B-003"]
    assert numbers(date="2026-12-14", service=ktp.pk, status="waiting") == [
        "A-002",
        "A-003",
        "A-004",
    ]
    assert numbers(status="called") == ["A-001"]
    assert numbers(point=ktp.point_id, date="2026-12-15") == ["A-001"]
    assert numbers(point=999999) == []
    for query, field in (
        ({"date": "kemarin"}, "date"),
        ({"status": "lost"}, "status"),
        ({"service": "a"}, "service"),
    ):
        answer = client.get(TICKETS, query)
        assert answer.status_code == 400 and field in answer.json()


# --- counters -----------------------------------------------------------------------------------------


def act(client, counter, name, payload=None):
    return client.post(f"{COUNTERS}{counter.pk}/{name}/", payload or {}, format="json")


def test_a_counters_day_through_the_api(api, agent, ktp, kk, counter, counter2, person, clock):
    client = api(agent)
    first = services.ticket_take(service=ktp, channel="kiosk", person=person)
    second = services.ticket_take(service=ktp, channel="kiosk")

    opened = act(client, counter, "open")
    assert opened.status_code == 200, opened.json()
    assert set(opened.json()) == {"counter", "ticket"}
    assert opened.json()["ticket"] is None
    assert opened.json()["counter"]["is_open"] is True
    assert opened.json()["counter"]["staff"] == {"id": agent.pk, "name": agent.name}

    called = act(client, counter, "call-next").json()
    assert set(called["ticket"]) == TICKET_DETAIL_FIELDS
    assert called["ticket"]["id"] == first.pk
    assert called["ticket"]["status"] == "called"
    assert called["ticket"]["counter"]["code"] == "1"
    assert called["ticket"]["position"] is None and called["ticket"]["estimated_wait"] is None
    assert called["ticket"]["person"]["name"] == "Siti Aminah"
    recalled = act(client, counter, "recall").json()["ticket"]
    assert recalled["calls"] == 2
    assert act(client, counter, "start").json()["ticket"]["status"] == "serving"
    parked = act(client, counter, "park").json()["ticket"]
    assert parked["status"] == "parked"
    # The next, then back to the parked one.
    assert act(client, counter, "call-next").json()["ticket"]["id"] == second.pk
    assert act(client, counter, "no-show").json()["ticket"]["status"] == "no_show"
    resumed = act(client, counter, "resume", {"ticket": first.pk}).json()["ticket"]
    assert resumed["id"] == first.pk and resumed["status"] == "serving"
    finished = act(client, counter, "finish").json()["ticket"]
    assert finished["status"] == "done"
    # Nobody waiting: 200 and no ticket.
    nobody = act(client, counter, "call-next")
    assert nobody.status_code == 200
    assert nobody.json()["ticket"] is None
    assert nobody.json()["counter"]["id"] == counter.pk

    # A transfer answers the new ticket, in the other service's line.
    third = services.ticket_take(service=ktp, channel="kiosk")
    act(client, counter, "call-next")
    moved = act(client, counter, "transfer", {"service": kk.pk, "counter": counter2.pk})
    assert moved.status_code == 200, moved.json()
    new = moved.json()["ticket"]
    assert new["service"] == kk.pk and new["number"] == "B-001"
    assert new["transferred_from"] == third.pk
    assert new["status"] == "waiting" and new["position"] == 1
    assert new["counter"]["id"] == counter2.pk
    assert QueueTicket.objects.get(pk=third.pk).status == "transferred"

    closed = act(client, counter, "close")
    assert closed.json()["counter"]["is_open"] is False
    assert closed.json()["counter"]["staff"] is None


def test_what_the_counters_state_does_not_allow_is_a_409(api, agent, ktp, counter, person):
    client = api(agent)
    ticket = services.ticket_take(service=ktp, channel="kiosk", person=person)
    closed = act(client, counter, "call-next")
    assert closed.status_code == 409
    assert closed.json() == {"detail": closed.json()["detail"], "code": "closed"}
    act(client, counter, "open")
    for name in ("recall", "no-show", "start", "finish", "park"):
        refused = act(client, counter, name)
        assert refused.status_code == 409, name
        assert refused.json()["code"] == "none"
        assert set(refused.json()) == {"detail", "code"}
    refused = act(client, counter, "resume", {"ticket": ticket.pk})
    assert refused.status_code == 409 and refused.json()["code"] == "state"
    act(client, counter, "call-next")
    act(client, counter, "park")
    act(client, counter, "call-next")  # nobody: the counter is free again
    services.ticket_take(service=ktp, channel="kiosk")
    act(client, counter, "call-next")
    busy = act(client, counter, "resume", {"ticket": ticket.pk})
    assert busy.status_code == 409 and busy.json()["code"] == "busy"


def test_bad_counter_action_input_is_a_400(api, agent, ktp, kk, counter, other_service, point):
    client = api(agent)
    act(client, counter, "open")
    services.ticket_take(service=ktp, channel="kiosk")
    act(client, counter, "call-next")
    for payload, field in (
        ({}, "service"),
        ({"service": 999999}, "service"),
        ({"service": other_service.pk}, "service"),
        ({"service": kk.pk, "counter": 999999}, "counter"),
        ({"service": ktp.pk}, "service"),  # the same service, no counter
    ):
        answer = act(client, counter, "transfer", payload)
        assert answer.status_code == 400, payload
        assert field in answer.json(), answer.json()
    other_point_service = services.service_create(
        point=services.point_create(
            organisation=point.organisation, actor=None, name="Cabang", slug="cabang"
        ),
        actor=None,
        name="Lain",
        prefix="L",
    )
    answer = act(client, counter, "transfer", {"service": other_point_service.pk})
    assert answer.status_code == 400 and "service" in answer.json()
    assert act(client, counter, "resume", {}).status_code == 400
    answer = act(client, counter, "resume", {"ticket": 999999})
    assert answer.status_code == 400 and "ticket" in answer.json()
    answer = act(client, counter, "recall", {"ticket": 1})
    assert answer.status_code == 400 and "ticket" in answer.json()


def test_who_may_work_a_counter(
    api, agent, admin_user, watcher, customer, other_org_agent, counter, other_counter
):
    assert act(api(), counter, "open").status_code == 401
    assert act(api(customer), counter, "open").status_code == 403
    assert act(api(watcher), counter, "open").status_code == 403
    assert act(api(other_org_agent), counter, "open").status_code == 404
    assert act(api(agent), other_counter, "open").status_code == 404
    assert api(agent).post(f"{COUNTERS}abc/open/").status_code == 404
    assert act(api(agent), counter, "open").status_code == 200
    assert act(api(admin_user), counter, "call-next").status_code == 200
    services.counter_update(counter=counter, actor=admin_user, is_active=False)
    assert act(api(agent), counter, "close").status_code == 404


def test_a_refused_actor_is_a_403_from_the_service(api, agent, counter, monkeypatch):
    # The capability is asked again by the service: a grant withdrawn between the two checks
    # (or a rule only the service knows) answers 403, not 400.
    from django.core.exceptions import ValidationError

    def refuse(**kwargs):
        raise ValidationError("You may not work at this counter.", code="permission")

    monkeypatch.setattr(services, "counter_open", refuse)
    answer = act(api(agent), counter, "open")
    assert answer.status_code == 403
    assert answer.json() == {"detail": "You may not work at this counter."}


def test_dates_are_in_the_points_time_zone(api, agent, admin_user, ktp, point):
    services.point_update(point=point, actor=admin_user, time_zone="Asia/Jayapura")
    body = take(api(agent), {"service": ktp.pk, "channel": "staff"})
    # 08:30 in Jakarta (the calendar's hours) is 10:30 in Jayapura.
    assert body.status_code == 201, body.json()
    assert body.json()["created_at"] == "2026-12-14T10:30:00+09:00"
    assert date.fromisoformat(body.json()["date"]) == MONDAY.date()
