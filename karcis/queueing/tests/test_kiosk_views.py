"""The kiosk by the entrance: taking a number (receipt, printer, refusals) and checking in a
booking (by its QR code, or by its number and the last four digits of its phone)."""

import logging
import re
import socket
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from karcis.core.throttle import Limit
from karcis.queueing import kiosk_views, services
from karcis.queueing.models import QueueChannel, QueueStatus, QueueTicket

from .conftest import monday
from .test_printing import Listener

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self, moment):
        self.moment = moment


@pytest.fixture
def clock(monkeypatch):
    """The time every view and service reads: Monday 09:00 in Jakarta unless moved."""
    clock = Clock(monday(9))
    monkeypatch.setattr(timezone, "now", lambda: clock.moment)
    return clock


@pytest.fixture
def poli(point, admin_user):
    return services.service_create(
        point=point,
        actor=admin_user,
        name="Poli Umum",
        prefix="P",
        slot_minutes=0,
        buckets=[{"key": "jkn", "label": "JKN"}, {"key": "umum", "label": "Umum"}],
    )


def url(point, name="kiosk", key=None, **kwargs):
    return reverse(
        f"queueing:{name}",
        kwargs={
            "org": point.organisation.slug,
            "point": point.slug,
            "key": point.kiosk_key if key is None else key,
            **kwargs,
        },
    )


def text_of(response) -> str:
    """The page's words, tags and extra spaces removed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def book(service, person, *, slot, now=None):
    return services.ticket_take(
        service=service,
        channel="online",
        person=person,
        day=slot.date(),
        slot=slot,
        now=now or monday(7),
    )


# --- the start screen ---------------------------------------------------------------------


def test_the_start_screen_offers_a_button_per_service_and_bucket(
    client, point, ktp, kk, poli, clock, django_assert_num_queries
):
    client.get(url(point))  # the opening hours are read once, then kept in the cache
    # the organisation, the point, its services: as many services as you like
    with django_assert_num_queries(3):
        response = client.get(url(point))
    assert response.status_code == 200
    page = text_of(response)
    assert "Ambil nomor antrean" in page
    values = re.findall(r'name="layanan" value="([^"]+)"', response.content.decode())
    assert values == [str(ktp.pk), str(kk.pk), f"{poli.pk}:jkn", f"{poli.pk}:umum"]
    assert "JKN" in page and "Umum" in page
    assert "Sudah booking online? Check-in di sini" in page
    assert "English" in page


def test_the_start_screen_in_english(client, point, kk, clock):
    page = text_of(client.get(url(point) + "?lang=en"))
    assert "Take a queue number" in page
    assert "Bahasa Indonesia" in page
    # The idle start screen asks whether the server answers before it reloads itself.
    assert client.head(url(point)).status_code == 200


def test_a_wrong_kiosk_key_finds_nothing(client, point, kk, clock):
    wrong = "x" * len(point.kiosk_key)
    assert client.get(url(point, key=wrong)).status_code == 404
    assert client.post(url(point, "kiosk_take", key=wrong), {"layanan": kk.pk}).status_code == 404
    assert client.post(url(point, "kiosk_check_in", key=wrong), {"kode": "abc"}).status_code == 404
    ticket = services.ticket_take(service=kk, channel="kiosk")
    assert client.get(url(point, "kiosk_receipt", key=wrong, token=ticket.token)).status_code == 404
    assert QueueTicket.objects.count() == 1


def test_an_unknown_office_or_a_renewed_key_finds_nothing(client, point, admin_user, clock):
    assert client.get(url(point).replace("/dukcapil/", "/lain/")).status_code == 404
    assert client.get(url(point).replace("/nusantara/", "/lain/")).status_code == 404
    old = url(point)
    services.point_kiosk_key_renew(point=point, actor=admin_user)
    assert client.get(old).status_code == 404


def test_a_closed_office_says_so_and_when_it_opens(client, point, kk, clock):
    clock.moment = monday(15, 30)
    page = text_of(client.get(url(point)))
    assert "Kantor sedang tutup" in page
    assert "Selasa, 15 Desember 2026 pukul 8.00" in page
    assert 'name="layanan"' not in client.get(url(point)).content.decode()

    response = client.post(url(point, "kiosk_take"), {"layanan": kk.pk})
    assert response.status_code == 409
    page = text_of(response)
    assert "Kantor sedang tutup" in page
    assert "Kami buka lagi pada Selasa, 15 Desember 2026 pukul 8.00." in page
    assert not QueueTicket.objects.exists()


def test_before_opening_numbers_are_taken_and_the_start_time_shown(client, point, kk, clock):
    clock.moment = monday(7, 15)
    page = text_of(client.get(url(point)))
    assert "Layanan dimulai Senin, 14 Desember 2026 pukul 8.00" in page


# --- taking a number ----------------------------------------------------------------------


def test_taking_a_number_shows_its_receipt(client, point, kk, clock):
    response = client.post(url(point, "kiosk_take"), {"layanan": kk.pk})

    assert response.status_code == 303
    ticket = QueueTicket.objects.get()
    assert ticket.channel == QueueChannel.KIOSK and ticket.status == QueueStatus.WAITING
    assert response["Location"] == url(point, "kiosk_receipt", token=ticket.token)
    receipt = client.get(response["Location"])
    assert receipt.status_code == 200
    page = text_of(receipt)
    assert "B-001" in page and "Kartu Keluarga" in page
    assert "Tidak ada orang di depan Anda." in page
    assert "Senin, 14 Desember 2026 pukul 9.00" in page
    html = receipt.content.decode()
    assert 'src="data:image/svg+xml' in html  # the status page's QR code
    assert "data-browser-print" in html  # no network printer: the browser prints
    assert f'content="20;url={url(point)}"' in html  # back to the start by itself


def test_the_next_number_has_people_ahead_and_buckets_are_kept(client, point, kk, poli, clock):
    client.post(url(point, "kiosk_take"), {"layanan": kk.pk})
    response = client.post(url(point, "kiosk_take"), {"layanan": kk.pk})
    assert "1 orang di depan Anda." in text_of(client.get(response["Location"]))

    response = client.post(url(point, "kiosk_take"), {"layanan": f"{poli.pk}:jkn"})
    ticket = QueueTicket.objects.get(service=poli)
    assert (ticket.number, ticket.bucket) == ("P-001", "jkn")
    assert "Poli Umum · JKN" in text_of(client.get(response["Location"]))


def test_the_receipt_in_english_and_only_for_todays_tickets_of_this_kiosk(client, point, kk, clock):
    response = client.post(url(point, "kiosk_take") + "?lang=en", {"layanan": kk.pk})
    assert response["Location"].endswith("?lang=en")
    assert "Nobody is ahead of you." in text_of(client.get(response["Location"]))

    ticket = QueueTicket.objects.get()
    clock.moment = monday(9) + timedelta(days=1)
    assert client.get(url(point, "kiosk_receipt", token=ticket.token)).status_code == 404
    assert client.get(url(point, "kiosk_receipt", token="no-such-token")).status_code == 404


def test_an_unknown_choice_takes_nothing(client, point, kk, poli, clock):
    for choice in ("", "999999", f"{poli.pk}", f"{poli.pk}:vip", f"{kk.pk}:jkn"):
        response = client.post(url(point, "kiosk_take"), {"layanan": choice})
        assert response.status_code == 400
        assert "Pilih layanan" in text_of(response)
    assert not QueueTicket.objects.exists()


def test_a_full_quota_is_refused_with_what_to_do(client, point, admin_user, clock):
    service = services.service_create(
        point=point,
        actor=admin_user,
        name="Legalisir",
        prefix="L",
        slot_minutes=0,
        quotas=[{"channel": "walk_in", "bucket": "", "limit": 1}],
    )
    assert client.post(url(point, "kiosk_take"), {"layanan": service.pk}).status_code == 303

    response = client.post(url(point, "kiosk_take"), {"layanan": service.pk})
    assert response.status_code == 409
    page = text_of(response)
    assert "Nomor hari ini untuk Legalisir sudah habis" in page
    assert QueueTicket.objects.count() == 1


def test_numbers_taken_from_one_address_are_limited(client, point, kk, clock, monkeypatch):
    monkeypatch.setattr(
        kiosk_views, "TAKES_PER_CLIENT", Limit("queue-kiosk-take-test", limit=2, window_seconds=60)
    )
    for _ in range(2):
        assert client.post(url(point, "kiosk_take"), {"layanan": kk.pk}).status_code == 303
    response = client.post(url(point, "kiosk_take"), {"layanan": kk.pk})
    assert response.status_code == 429
    assert QueueTicket.objects.count() == 2
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post(url(point, "kiosk_take"), {"layanan": kk.pk}).status_code == 303


def test_a_stale_form_starts_the_kiosk_again_instead_of_stranding_it(point, kk, clock):
    kiosk = Client(enforce_csrf_checks=True)
    start = kiosk.get(url(point))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', start.content.decode())[1]

    # Given a form whose token no longer matches the kiosk's cookie (a browser that lost it)
    kiosk.cookies.clear()
    response = kiosk.post(
        url(point, "kiosk_take"), {"layanan": kk.pk, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 403
    assert "Silakan coba lagi" in text_of(response)
    assert f'content="8;url={url(point)}"' in response.content.decode()
    assert not QueueTicket.objects.exists()

    # The start screen it returns to works again.
    start = kiosk.get(url(point))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', start.content.decode())[1]
    response = kiosk.post(
        url(point, "kiosk_take"), {"layanan": kk.pk, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 303


# --- the network receipt printer ------------------------------------------------------------


def test_the_ticket_goes_to_the_network_printer_when_the_point_has_one(
    client, point, kk, admin_user, clock
):
    printer = Listener()
    try:
        services.point_update(
            point=point, actor=admin_user, printer_host="127.0.0.1", printer_port=printer.port
        )
        response = client.post(url(point, "kiosk_take"), {"layanan": kk.pk})
        received = printer.bytes()
    finally:
        printer.close()

    assert response.status_code == 303
    assert response["Location"].endswith("?cetak=ok")
    ticket = QueueTicket.objects.get()
    assert b"B-001" in received and b"Kartu Keluarga" in received
    assert ticket.token.encode() in received  # in the QR code of the status page
    page = client.get(response["Location"])
    assert "Karcis Anda sedang dicetak" in text_of(page)
    assert "data-browser-print" not in page.content.decode()


def test_a_printer_that_fails_loses_no_number(client, point, kk, admin_user, clock, caplog):
    unused = socket.create_server(("127.0.0.1", 0))
    port = unused.getsockname()[1]
    unused.close()  # nothing listens there now
    services.point_update(
        point=point, actor=admin_user, printer_host="127.0.0.1", printer_port=port
    )
    with caplog.at_level(logging.WARNING, logger="karcis.queueing.kiosk_views"):
        response = client.post(url(point, "kiosk_take"), {"layanan": kk.pk})

    assert response.status_code == 303
    assert response["Location"].endswith("?cetak=gagal")
    ticket = QueueTicket.objects.get()
    assert ticket.status == QueueStatus.WAITING
    assert "B-001" in caplog.text and "not printed" in caplog.text
    page = text_of(client.get(response["Location"]))
    assert "B-001" in page and "Karcis tidak dapat dicetak" in page


# --- checking in ------------------------------------------------------------------------------


def test_check_in_by_the_scanned_status_address_before_the_slot(client, point, ktp, person, clock):
    booking = book(ktp, person, slot=monday(10))
    scanned = f"http://127.0.0.1:8000{reverse('queueing:status', kwargs={'token': booking.token})}"

    response = client.post(url(point, "kiosk_check_in"), {"kode": scanned + "\n"})

    assert response.status_code == 200
    page = text_of(response)
    assert "Anda sudah check-in" in page
    assert "Anda akan dipanggil pada jam slot Anda, 10.00." in page
    assert booking.number in page
    booking.refresh_from_db()
    assert booking.status == QueueStatus.ARRIVED


def test_check_in_by_the_bare_token_within_the_slot(client, point, ktp, person, clock):
    booking = book(ktp, person, slot=monday(9))
    services.ticket_take(service=ktp, channel="kiosk", now=monday(9, 5))
    clock.moment = monday(9, 10)

    response = client.post(url(point, "kiosk_check_in"), {"kode": booking.token})

    assert response.status_code == 200
    booking.refresh_from_db()
    assert booking.status == QueueStatus.WAITING
    # The booking keeps its slot's place: ahead of the walk-in who came at 09:05.
    assert "Tidak ada orang di depan Anda." in text_of(response)


def test_check_in_by_number_and_the_last_four_digits_of_the_phone(
    client, point, ktp, person, clock
):
    booking = book(ktp, person, slot=monday(10))

    response = client.post(url(point, "kiosk_check_in"), {"nomor": "a1", "hp": "7890"})

    assert response.status_code == 200
    assert "Anda sudah check-in" in text_of(response)
    booking.refresh_from_db()
    assert booking.status == QueueStatus.ARRIVED


def test_wrong_digits_say_no_more_than_an_unknown_number(client, point, ktp, person, clock):
    booking = book(ktp, person, slot=monday(10))

    wrong_digits = client.post(url(point, "kiosk_check_in"), {"nomor": "A-001", "hp": "1234"})
    no_such_number = client.post(url(point, "kiosk_check_in"), {"nomor": "A-099", "hp": "1234"})

    assert wrong_digits.status_code == no_such_number.status_code == 404
    assert text_of(wrong_digits) == text_of(no_such_number)
    assert booking.number not in text_of(wrong_digits)
    booking.refresh_from_db()
    assert booking.status == QueueStatus.BOOKED


def test_what_was_typed_must_look_like_a_number_and_four_digits(client, point, ktp, clock):
    for typed in ({"nomor": "", "hp": "7890"}, {"nomor": "A-001", "hp": "78"}, {}):
        response = client.post(url(point, "kiosk_check_in"), typed)
        assert response.status_code == 400
        assert "Periksa yang Anda ketik" in text_of(response)


def test_a_booking_for_another_day_is_told_when_to_come(client, point, ktp, person, clock):
    tomorrow = book(ktp, person, slot=monday(10) + timedelta(days=1))

    response = client.post(url(point, "kiosk_check_in"), {"nomor": "A-001", "hp": "7890"})

    assert response.status_code == 409
    assert "Booking Anda untuk Selasa, 15 Desember 2026" in text_of(response)
    tomorrow.refresh_from_db()
    assert tomorrow.status == QueueStatus.BOOKED


def test_a_returning_no_show_is_queued_again(client, point, kk, counter, agent, clock):
    ticket = services.ticket_take(service=kk, channel="kiosk", now=monday(8, 30))
    services.counter_open(counter=counter, actor=agent, now=monday(8, 40))
    services.counter_call_next(counter=counter, actor=agent, now=monday(8, 45))
    services.counter_no_show(counter=counter, actor=agent, now=monday(8, 50))

    response = client.post(url(point, "kiosk_check_in"), {"kode": ticket.token})

    assert response.status_code == 200
    assert "Selamat datang kembali" in text_of(response)
    ticket.refresh_from_db()
    assert ticket.status == QueueStatus.WAITING


def test_already_in_line_called_or_finished(client, point, kk, counter, agent, clock):
    waiting = services.ticket_take(service=kk, channel="kiosk", now=monday(8, 30))
    response = client.post(url(point, "kiosk_check_in"), {"kode": waiting.token})
    assert response.status_code == 200
    assert "Anda sudah dalam antrean" in text_of(response)

    services.counter_open(counter=counter, actor=agent, now=monday(8, 40))
    services.counter_call_next(counter=counter, actor=agent, now=monday(8, 45))
    response = client.post(url(point, "kiosk_check_in"), {"kode": waiting.token})
    assert "Silakan menuju Loket 1 sekarang." in text_of(response)

    services.counter_finish(counter=counter, actor=agent, now=monday(8, 55))
    response = client.post(url(point, "kiosk_check_in"), {"kode": waiting.token})
    assert response.status_code == 409
    assert "Nomor ini sudah tidak berlaku" in text_of(response)


def test_a_ticket_of_another_office_or_an_unknown_code(client, point, org, admin_user, clock):
    other_point = services.point_create(
        organisation=org, actor=admin_user, name="Kantor Cabang", slug="cabang"
    )
    other_service = services.service_create(
        point=other_point, actor=admin_user, name="Umum", prefix="U", slot_minutes=0
    )
    elsewhere = services.ticket_take(service=other_service, channel="kiosk")

    response = client.post(url(point, "kiosk_check_in"), {"kode": elsewhere.token})
    assert response.status_code == 409
    assert "Kantor Cabang" in text_of(response)

    response = client.post(url(point, "kiosk_check_in"), {"kode": "https://example.com/"})
    assert response.status_code == 404
    assert "Tidak ditemukan" in text_of(response)


def test_failed_check_ins_from_one_address_are_limited(client, point, ktp, person, clock):
    book(ktp, person, slot=monday(10))
    for digits in range(20):
        response = client.post(
            url(point, "kiosk_check_in"), {"nomor": "A-001", "hp": f"{digits:04}"}
        )
        assert response.status_code == 404

    response = client.post(url(point, "kiosk_check_in"), {"nomor": "A-001", "hp": "7890"})

    assert response.status_code == 429  # even the right digits: guessing has stopped
    assert QueueTicket.objects.get().status == QueueStatus.BOOKED


def test_the_scanned_token_is_found_in_what_a_scanner_types():
    token = "AbCdEfGhIjKlMnOpQrStUvWx"
    assert kiosk_views.token_in(token) == token
    assert kiosk_views.token_in(f"https://karcis.example/antrean/tiket/{token}/") == token
    assert kiosk_views.token_in(f"https://karcis.example/antrean/tiket/{token}?x=1") == token
    assert kiosk_views.token_in("https://karcis.example/") is None
    assert kiosk_views.token_in("") is None
    assert kiosk_views.number_normalised(" a 12 ") == "A-012"
    assert kiosk_views.number_normalised("AB-1234") == "AB-1234"
    assert kiosk_views.number_normalised("12") is None
