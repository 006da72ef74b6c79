"""The citizen's pages: a service point, online booking (its 400, 409 and 429 answers, and
one form booking once), a ticket's status page with its JSON and its cancel; who may see
what, and what each page costs in queries."""

import itertools
import re
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from karcis.calendars import selectors as calendars
from karcis.core.services import organisation_create
from karcis.messaging.models import Delivery
from karcis.queueing import services
from karcis.queueing.models import QueueStatus, QueueTicket

from .conftest import MONDAY, WIB, monday

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY.date() + timedelta(days=1)
# Friday 2026-12-25: Christmas, a national holiday on a working day.
CHRISTMAS = date(2026, 12, 25)


@pytest.fixture
def clock(monkeypatch):
    """clock(moment): every "now" of the request (views, services, selectors) is `moment`."""

    def set_to(moment):
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    set_to(monday(7))
    return set_to


def point_url(org="nusantara", point="dukcapil"):
    return f"/antrean/{org}/{point}/"


def book_url(prefix="A", org="nusantara", point="dukcapil"):
    return f"/antrean/{org}/{point}/{prefix}/pesan/"


def once_of(response) -> str:
    found = re.search(r'name="once" value="([^"]+)"', response.content.decode())
    assert found is not None
    return found.group(1)


def booking(client, *, day=None, slot="09:00", prefix="A", **fields):
    """GET the booking page of the day (Monday), then POST its form with these fields."""
    day = day or MONDAY.date()
    page = client.get(book_url(prefix), {"date": day.isoformat()})
    assert page.status_code == 200
    data = {
        "date": day.isoformat(),
        "slot": slot,
        "name": "Siti Aminah",
        "phone": "0812 3456 7890",
        "nik": "",
        "email": "",
        "notify_ahead": "0",
        "once": once_of(page),
        **fields,
    }
    return client.post(book_url(prefix), {k: v for k, v in data.items() if v is not None})


_phones = itertools.count(1)


def take(service, n, *, now, day=None, slot=None):
    """n other people's tickets, each with their own phone number."""
    return [
        services.ticket_take(
            service=service,
            channel="online" if day else "kiosk",
            person=services.Person(name=f"Orang {i}", phone=f"0813 0000 {next(_phones):04d}"),
            day=day,
            slot=slot,
            now=now,
        )
        for i in range(n)
    ]


def _at(day, hour, minute=0):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=WIB)


# --- the service point ----------------------------------------------------------------------


def test_the_point_page_shows_today_s_hours_the_services_and_how_many_wait(
    client, clock, point, ktp, kk, admin_user
):
    clock(monday(9))
    take(kk, 3, now=monday(8, 30))
    services.service_update(service=kk, actor=admin_user, online_booking=False)
    response = client.get(point_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Disdukcapil Kota" in html and "Jl. Merdeka 1" in html
    assert "Jam layanan hari ini: 08:00–15:00" in html
    assert "Buka sekarang" in html
    rows = {row["service"].prefix: row["waiting"] for row in response.context["rows"]}
    assert rows == {"A": 0, "B": 3}
    assert book_url("A") in html
    assert book_url("B") not in html  # not bookable online: taken at the office
    assert 'href="#where-am-i"' in html and "kode QR" in html


def test_on_a_holiday_the_point_page_says_it_is_closed_and_why(client, clock, point, ktp):
    clock(_at(CHRISTMAS, 9))
    name = {
        holiday.date: holiday.name
        for holiday in calendars.holidays_of(calendar=point.calendar, year=2026)
    }[CHRISTMAS]
    html = client.get(point_url()).content.decode()
    assert f"Tutup hari ini: {name}" in html
    assert "Jam layanan hari ini" not in html


def test_the_point_page_in_english(client, clock, point, ktp):
    clock(monday(16))
    html = client.get(point_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Opening hours today: 08:00–15:00" in html and "Closed now" in html
    assert "Where am I in the queue?" in html


@pytest.mark.parametrize("count", [1, 4])
def test_the_point_page_costs_the_same_queries_for_any_number_of_services(
    client, clock, point, admin_user, django_assert_num_queries, count
):
    for index in range(count):
        service = services.service_create(
            point=point, actor=admin_user, name=f"Layanan {index}", prefix="ABCD"[index]
        )
        take(service, 2, now=monday(8))
    client.get(point_url())  # the calendar's plan cached, as on a running server
    # organisation, point (with its calendar), services, waiting counts
    with django_assert_num_queries(4):
        response = client.get(point_url())
    assert len(response.context["rows"]) == count


def test_another_organisation_s_point_and_unknown_slugs_are_404(client, clock, point, ktp):
    organisation_create(name="Dinas Lain", slug="lain", ticket_prefix="LAIN")
    assert client.get(point_url(org="lain")).status_code == 404
    assert client.get(book_url(org="lain")).status_code == 404
    assert client.get(point_url(org="tidak-ada")).status_code == 404
    assert client.get(point_url(point="tidak-ada")).status_code == 404


def test_an_inactive_point_is_404(client, clock, point, ktp, admin_user):
    services.point_update(point=point, actor=admin_user, is_active=False)
    assert client.get(point_url()).status_code == 404


# --- booking: what is offered -----------------------------------------------------------------


def test_the_booking_page_shows_closed_days_with_the_reason_full_days_and_slots_left(
    client, clock, point, ktp, admin_user
):
    # Given Tuesday's quota used up, and two of Monday's three 09:00 places taken
    clock(_at(CHRISTMAS - timedelta(days=7), 7))
    services.service_update(service=ktp, actor=admin_user, booking_days_ahead=9, slot_capacity=3)
    friday = CHRISTMAS - timedelta(days=7)
    monday_ = friday + timedelta(days=3)
    tuesday = friday + timedelta(days=4)
    for hour in range(8, 13):
        take(ktp, 2, now=timezone.now(), day=tuesday, slot=_at(tuesday, hour))
    take(ktp, 2, now=timezone.now(), day=monday_, slot=_at(monday_, 9))

    response = client.get(book_url(), {"date": monday_.isoformat()})
    assert response.status_code == 200
    days = {entry.day: entry for entry in response.context["days"]}
    assert days[friday + timedelta(days=1)].state == "closed"  # Saturday
    assert days[friday + timedelta(days=1)].reason == ""
    assert days[tuesday].state == "full"
    assert days[CHRISTMAS].state == "closed" and days[CHRISTMAS].reason
    assert days[monday_].state == "open"
    html = response.content.decode()
    assert f"Tutup: {days[CHRISTMAS].reason}" in html
    assert "Penuh" in html
    slots = {slot.label: slot.left for slot in response.context["slots"]}
    assert slots["09:00"] == 1 and slots["09:30"] == 3
    assert re.search(r'value="09:00">\s*<span class="queue-slot-time">09:00', html)


def test_after_the_hour_booking_closes_today_is_offered_no_more(
    client, clock, point, ktp, admin_user
):
    services.service_update(service=ktp, actor=admin_user, booking_closes_at=time(12, 0))
    clock(monday(12, 30))
    response = client.get(book_url())
    days = {entry.day: entry for entry in response.context["days"]}
    assert days[MONDAY.date()].state == "over"
    assert response.context["chosen"] == TUESDAY
    assert "Pemesanan ditutup" in response.content.decode()


def test_a_full_slot_is_offered_disabled(client, clock, point, ktp):
    take(ktp, 2, now=monday(7), day=MONDAY.date(), slot=monday(9))
    html = client.get(book_url(), {"date": MONDAY.date().isoformat()}).content.decode()
    assert re.search(r'value="09:00" disabled>', html)
    assert not re.search(r'value="09:30" disabled>', html)


def test_a_service_not_booked_online_and_an_unknown_prefix_are_404(
    client, clock, point, ktp, kk, admin_user
):
    services.service_update(service=kk, actor=admin_user, online_booking=False)
    assert client.get(book_url("B")).status_code == 404
    assert client.get(book_url("Z")).status_code == 404
    assert client.get(book_url("a")).status_code == 200  # the prefix in any case


def test_a_service_with_buckets_asks_which_and_shows_their_quotas(client, clock, point, admin_user):
    poli = services.service_create(
        point=point,
        actor=admin_user,
        name="Poli Umum",
        prefix="P",
        slot_minutes=0,
        buckets=[{"key": "jkn", "label": "JKN"}, {"key": "umum", "label": "Umum"}],
        quotas=[{"channel": "online", "bucket": "jkn", "limit": 1}],
    )
    page = client.get(book_url("P"), {"date": MONDAY.date().isoformat()})
    assert [(b.key, b.left) for b in page.context["buckets"]] == [("jkn", 1), ("umum", None)]
    missing = booking(client, prefix="P", slot=None)
    assert missing.status_code == 400
    assert missing.context["form"].errors["bucket"]
    made = booking(client, prefix="P", slot=None, bucket="jkn")
    assert made.status_code == 303
    assert QueueTicket.objects.get(service=poli).bucket == "jkn"


# --- booking: sending the form ---------------------------------------------------------------


def test_a_booking_is_made_and_answers_303_to_its_status_page(client, clock, point, ktp):
    response = booking(
        client, nik="3171 0101 0190 0001", email="siti@example.com", notify_ahead="3"
    )
    assert response.status_code == 303
    ticket = QueueTicket.objects.get()
    assert response["Location"] == f"/antrean/tiket/{ticket.token}/"
    assert (ticket.channel, ticket.status, ticket.number) == ("online", "booked", "A-001")
    assert ticket.slot_start == monday(9)
    assert ticket.notify_ahead == 3
    assert ticket.nik_masked == "3171••••••••0001"
    # The link by e-mail: the only way back to the booking.
    mail = Delivery.objects.get()
    assert mail.to == ["siti@example.com"]
    assert f"/antrean/tiket/{ticket.token}/" in mail.text


def test_bad_input_is_400_with_the_messages_by_field_and_books_nothing(client, clock, point, ktp):
    response = booking(client, name="", phone="12", nik="1234", notify_ahead="5")
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"name", "email"}  # the form's own checks come first
    response = booking(client, phone="12", nik="9999 0101 0190 0001")
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "phone" in errors and "kode provinsi" in errors["nik"][0]
    html = response.content.decode()
    assert "Siti Aminah" in html  # what was typed is kept
    assert not QueueTicket.objects.exists()


def test_a_past_or_unknown_slot_is_400(client, clock, point, ktp):
    clock(monday(10, 5))
    assert booking(client, slot="09:00").status_code == 400
    assert booking(client, slot="09:10").status_code == 400
    assert not QueueTicket.objects.exists()


def test_a_full_day_is_409_with_the_next_open_date_to_book_instead(client, clock, point, ktp):
    # Given Monday's online quota (10) used up
    for hour in range(8, 13):
        take(ktp, 2, now=monday(7), day=MONDAY.date(), slot=monday(hour))
    response = booking(client, slot="14:00", email="siti@example.com")
    assert response.status_code == 409
    html = response.content.decode()
    assert "Senin, 14 Desember 2026 sudah penuh dipesan." in html
    assert f'name="show_date" value="{TUESDAY.isoformat()}"' in html
    # "Book that date": the form for Tuesday, with the details typed kept.
    again = client.post(
        book_url(),
        {"show_date": TUESDAY.isoformat(), "name": "Siti Aminah", "email": "siti@example.com",
         "once": once_of(response)},
    )  # fmt: skip
    assert again.status_code == 200
    assert again.context["chosen"] == TUESDAY
    assert 'value="siti@example.com"' in again.content.decode()


def test_one_booking_per_phone_and_the_existing_one_is_never_revealed(client, clock, point, ktp):
    first = booking(client)
    assert first.status_code == 303
    second = booking(client, name="Orang Lain", slot="10:00")
    assert second.status_code == 409
    html = second.content.decode()
    assert (
        "Sudah ada nomor antrean yang dipesan dengan nomor telepon atau NIK ini pada Senin, "
        "14 Desember 2026." in html
    )
    assert "Tautannya ditampilkan saat pemesanan dibuat" in html
    ticket = QueueTicket.objects.get()
    assert ticket.token not in html and ticket.number not in html


def test_the_same_form_sent_twice_books_once(client, clock, point, ktp):
    page = client.get(book_url(), {"date": MONDAY.date().isoformat()})
    data = {
        "date": MONDAY.date().isoformat(),
        "slot": "09:00",
        "name": "Siti Aminah",
        "phone": "0812 3456 7890",
        "once": once_of(page),
    }
    assert client.post(book_url(), data).status_code == 303
    # A reload of the POST, or a second tab with the same form (even with other details)
    again = client.post(book_url(), {**data, "phone": "0812 9999 0000"})
    assert again.status_code == 409
    assert "sudah dikirim" in again.content.decode()
    assert QueueTicket.objects.count() == 1


def test_a_refused_form_may_be_corrected_and_sent_again(client, clock, point, ktp):
    refused = booking(client, phone="12")
    assert refused.status_code == 400
    once = once_of(refused)
    corrected = client.post(
        book_url(),
        {"date": MONDAY.date().isoformat(), "slot": "09:00", "name": "Siti",
         "phone": "0812 3456 7890", "once": once},
    )  # fmt: skip
    assert corrected.status_code == 303


def test_a_form_without_its_token_is_400(client, clock, point, ktp):
    response = booking(client, once="")
    assert response.status_code == 400
    assert once_of(response)  # a fresh one, to send it again
    assert not QueueTicket.objects.exists()


def test_bookings_from_one_address_are_limited(client, clock, point, ktp, settings):
    settings.KARCIS_PORTAL_LIMITS = {"queue-booking": 2}
    assert booking(client, phone="0812 0000 0001", slot="09:00").status_code == 303
    assert booking(client, phone="0812 0000 0002", slot="09:30").status_code == 303
    third = booking(client, phone="0812 0000 0003", slot="10:00")
    assert third.status_code == 429
    assert "Terlalu banyak" in third.content.decode()
    assert QueueTicket.objects.count() == 2


def test_the_booking_page_in_english(client, clock, point, ktp):
    html = client.get(book_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Book: Perekaman KTP-el" in html and "1. Choose a date" in html
    assert "2 left" in html


@pytest.mark.parametrize("taken", [1, 6])
def test_the_booking_page_costs_the_same_queries_however_many_booked(
    client, clock, point, ktp, django_assert_num_queries, taken
):
    for index in range(taken):
        take(ktp, 1, now=monday(7), day=MONDAY.date(), slot=monday(9 + index // 2))
    client.get(book_url())
    # organisation, point, services, the window's counts, the day's slots
    with django_assert_num_queries(5):
        assert client.get(book_url()).status_code == 200


# --- the status page ----------------------------------------------------------------------


def status_url(ticket):
    return f"/antrean/tiket/{ticket.token}/"


@pytest.fixture
def booked(ktp, clock):
    return services.ticket_take(
        service=ktp,
        channel="online",
        person=services.Person(
            name="Siti Aminah", phone="0812 3456 7890", nik="3171 0101 0190 0001"
        ),
        day=MONDAY.date(),
        slot=monday(9),
        now=monday(7),
    )


def test_a_booking_s_page_shows_the_number_its_slot_and_the_qr_to_check_in(client, booked):
    response = client.get(status_url(booked))
    assert response.status_code == 200
    html = response.content.decode()
    assert "A-001" in html and "Perekaman KTP-el" in html and "Disdukcapil Kota" in html
    assert "Dipesan" in html and "09:00" in html
    assert '<svg viewBox="0 0' in html and 'class="qr"' in html
    # Never the name nor the whole phone number: only the person's own, masked.
    assert "Siti" not in html and "81234567890" not in html
    assert "+62812•••••890" in html and "3171••••••••0001" in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]


def test_the_qr_code_encodes_this_page_s_address():
    import segno

    from karcis.queueing.public import qr_svg

    url = "http://testserver/antrean/tiket/abc/"
    assert qr_svg(url, "QR") == segno.make(url, error="m").svg_inline(
        scale=1, border=2, omitsize=True, svgclass="qr", title="QR"
    )


def test_a_wrong_token_is_404_everywhere(client, booked):
    assert client.get("/antrean/tiket/bukan-token/").status_code == 404
    assert client.get("/antrean/tiket/bukan-token/status.json").status_code == 404
    assert client.post("/antrean/tiket/bukan-token/batal/").status_code == 404
    assert client.get(status_url(booked)[:-2] + "/").status_code == 404


def test_status_json_has_the_figures_and_the_live_part(client, booked):
    response = client.get(status_url(booked) + "status.json")
    assert response.status_code == 200
    data = response.json()
    assert data["number"] == "A-001" and data["status"] == "booked"
    assert data["position"] is None and data["estimated_wait"] is None
    assert data["cancellable"] is True
    assert "Dipesan" in data["html"]
    assert "Siti" not in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_a_called_number_is_told_where_to_go(client, clock, point, ktp, counter, agent, admin_user):
    clock(monday(9))
    ticket = services.ticket_take(service=ktp, channel="kiosk", now=monday(9))
    services.counter_open(counter=counter, actor=admin_user, now=monday(9))
    services.counter_call_next(counter=counter, actor=admin_user, now=monday(9, 1))
    response = client.get(status_url(ticket))
    html = response.content.decode()
    assert "Silakan ke loket 1" in html and "Dipanggil" in html
    assert 'data-while="booked' not in html  # no QR, no cancel once called
    assert client.get(status_url(ticket) + "status.json").json()["counter"] == "1"


def test_a_number_is_cancelled_after_confirming_and_only_before_its_call(client, booked):
    html = client.get(status_url(booked)).content.decode()
    assert "Ya, batalkan nomor saya" in html
    response = client.post(status_url(booked) + "batal/")
    assert response.status_code == 303 and response["Location"] == status_url(booked)
    booked.refresh_from_db()
    assert booked.status == QueueStatus.CANCELLED
    again = client.post(status_url(booked) + "batal/")
    assert again.status_code == 409
    assert "Dibatalkan" in again.content.decode()
    assert client.get(status_url(booked) + "batal/").status_code == 405


def test_a_transferred_number_links_to_the_new_one(
    client, clock, point, ktp, kk, counter, admin_user
):
    clock(monday(9, 5))
    ticket = services.ticket_take(service=ktp, channel="kiosk", now=monday(9))
    services.counter_open(counter=counter, actor=admin_user, now=monday(9))
    services.counter_call_next(counter=counter, actor=admin_user, now=monday(9, 1))
    moved = services.counter_transfer(
        counter=counter, actor=admin_user, service=kk, now=monday(9, 2)
    )
    html = client.get(status_url(ticket)).content.decode()
    assert "Dialihkan" in html
    assert status_url(moved) in html and moved.number in html


def test_the_status_page_in_english(client, booked):
    html = client.get(status_url(booked), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Booked" in html and "Check in when you arrive" in html


@pytest.mark.parametrize("path", ["", "status.json"])
def test_a_booking_s_page_and_json_cost_pinned_queries(
    client, booked, django_assert_num_queries, path
):
    client.get(status_url(booked) + path)
    # the ticket (with its service, point, organisation, counter)
    with django_assert_num_queries(1):
        assert client.get(status_url(booked) + path).status_code == 200


# --- the status page of a number in line ------------------------------------------------------


def test_in_line_without_a_counter_open_the_page_says_why_there_is_no_estimate(client, clock, ktp):
    clock(monday(8, 5))
    services.ticket_take(service=ktp, channel="kiosk", now=monday(8))
    ticket = services.ticket_take(service=ktp, channel="kiosk", now=monday(8, 1))
    html = client.get(status_url(ticket)).content.decode()
    assert "Menunggu" in html
    assert re.search(r"<dt>Posisi</dt><dd>2</dd>", html)
    assert re.search(r"<dt>Di depan Anda</dt><dd>1</dd>", html)
    assert "Belum ada loket yang melayani layanan ini" in html
    data = client.get(status_url(ticket) + "status.json").json()
    assert data["position"] == 2 and data["ahead"] == 1
    assert data["estimated_wait"]["unknown"] is True
    assert data["estimated_wait"]["reason"] == "no_counter"


def test_a_counter_open_without_history_says_there_is_none_yet(
    client, clock, ktp, counter, admin_user
):
    clock(monday(8, 5))
    services.counter_open(counter=counter, actor=admin_user, now=monday(8))
    for minute in range(3):
        services.ticket_take(service=ktp, channel="kiosk", now=monday(8, minute))
    services.counter_call_next(counter=counter, actor=admin_user, now=monday(8, 3))
    ticket = QueueTicket.objects.filter(status="waiting").order_by("queued_at").last()
    html = client.get(status_url(ticket)).content.decode()
    assert "Belum ada perkiraan: layanan ini belum punya catatan waktu layanan" in html


def test_with_history_the_wait_is_a_range_in_words(client, clock, ktp, counter, agent):
    from .test_estimates import serve_history

    serve_history(counter, agent, ktp, minutes=6, people=40, start=monday(8) - timedelta(days=7))
    clock(monday(8, 8))
    services.counter_open(counter=counter, actor=agent, now=monday(8))
    tickets = [
        services.ticket_take(service=ktp, channel="kiosk", now=monday(8, n)) for n in range(4)
    ]
    services.counter_call_next(counter=counter, actor=agent, now=monday(8, 6))
    html = client.get(status_url(tickets[-1])).content.decode()
    found = re.search(r"sekitar (\d+) menit, antara (\d+) dan (\d+) menit", html)
    assert found is not None
    expected, low, high = (int(n) for n in found.groups())
    assert low <= expected <= high and 6 <= expected <= 20
    data = client.get(status_url(tickets[-1]) + "status.json").json()
    assert data["estimated_wait"]["low"] <= data["estimated_wait"]["high"]
    assert data["estimated_wait"]["text"] == found.group(0)


@pytest.mark.parametrize("ahead", [1, 8])
def test_a_waiting_number_s_page_costs_the_same_queries_however_many_ahead(
    client, clock, ktp, counter, agent, django_assert_num_queries, ahead
):
    from .test_estimates import serve_history

    serve_history(counter, agent, ktp, minutes=6, people=10, start=monday(8) - timedelta(days=7))
    clock(monday(9))
    services.counter_open(counter=counter, actor=agent, now=monday(8))
    tickets = [
        services.ticket_take(service=ktp, channel="kiosk", now=monday(8, n))
        for n in range(ahead + 2)
    ]
    services.counter_call_next(counter=counter, actor=agent, now=monday(8, 30))
    url = status_url(tickets[-1])
    client.get(url)  # the service's history cached, as on a running server
    # the ticket; people ahead; the open counters; their current calls; today's services
    # (the pace of the day). The counter serves this service first: no earlier line to read.
    with django_assert_num_queries(5):
        response = client.get(url)
    assert response.context["view"]["ahead"] == ahead
