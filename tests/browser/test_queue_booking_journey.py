"""Booking a queue number online, in a real browser, on a phone and on a laptop: the service
point's page → the booking page (dates with their state, slots with the places left) → the
form, by keyboard → the status page says "booked" and shows the QR code to check in; the
same phone number cannot book twice; the number is cancelled from its page."""

import re

import pytest
from django_scopes import scopes_disabled

from karcis.calendars.services import calendar_create
from karcis.core import services as core_services
from karcis.core.models import Role
from karcis.queueing import services
from karcis.queueing.models import QueueTicket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = 390, 844


@pytest.fixture
def office():
    """A Dukcapil office open around the clock every day (so that the journey finds a
    bookable time and takes a number whenever it runs), with one service in 30-minute slots
    of two people, and a counter."""
    with scopes_disabled():
        org = core_services.organisation_create(
            name="Pemerintah Kota Nusantara", slug="kota", ticket_prefix="KOTA"
        )
        admin = core_services.staff_user_create(
            organisation=org,
            email="admin@kota.test",
            name="Rina",
            role=Role.ADMIN,
            password="rahasia-123",
        )
        hours = calendar_create(
            organisation=org,
            name="Jam layanan",
            actor=admin,
            time_zone="Asia/Jakarta",
            weekly=[[[0, 24 * 60]]] * 7,
            national_holidays=True,
        )
        point = services.point_create(
            organisation=org,
            actor=admin,
            name="Disdukcapil Kota Nusantara",
            slug="dukcapil",
            address="Jl. Merdeka No. 1, Kota Nusantara",
            calendar=hours,
        )
        ktp = services.service_create(
            point=point,
            actor=admin,
            name="Perekaman KTP-el",
            prefix="A",
            description="Perekaman data dan foto untuk KTP elektronik.",
            slot_minutes=30,
            slot_capacity=2,
            booking_days_ahead=6,
            quotas=[{"channel": "online", "bucket": "", "limit": 40}],
        )
        services.service_create(
            point=point, actor=admin, name="Kartu Keluarga", prefix="B", online_booking=False
        )
        counter = services.counter_create(
            point=point, actor=admin, name="Loket 1", code="1", services=[ktp.pk]
        )
    return point, ktp, counter, admin


def no_sideways_scroll(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_book_online_then_the_status_page_says_booked_with_the_qr(
    live_server, new_page, shoot, office
):
    point, ktp, counter, admin = office
    width, height = PHONE
    phone = new_page(locale="id-ID", width=width, height=height)

    # Given the office's page, on a phone
    phone.goto(f"{live_server.url}/antrean/kota/dukcapil/")
    assert "Jam layanan hari ini: 00:00–24:00" in phone.locator("main").inner_text()
    shoot(phone, "queue-01-point-phone")
    no_sideways_scroll(phone, width)

    # When the visitor books the service that is bookable online
    phone.get_by_role("link", name="Pesan Perekaman KTP-el").click()
    phone.wait_for_url("**/A/pesan/")
    days = phone.locator(".queue-days")
    assert days.locator("a.queue-day.chosen").count() == 1
    shoot(phone, "queue-02-booking-phone")
    no_sideways_scroll(phone, width)

    # …choosing the first time with room, and filling the form by keyboard alone
    first_slot = phone.locator(".queue-slot:not(.full) input[name=slot]").first
    first_slot.focus()
    phone.keyboard.press("Space")
    assert first_slot.is_checked()
    slot_time = first_slot.locator("xpath=..").locator(".queue-slot-time").inner_text()
    phone.get_by_label("Nama").fill("Siti Aminah")
    phone.get_by_label("Nomor telepon").fill("0812 3456 7890")
    phone.get_by_label("NIK (opsional)").fill("3171 0101 0190 0001")
    phone.get_by_label("Alamat e-mail (opsional)").fill("siti@example.com")
    phone.get_by_label("Beri tahu saya lewat e-mail").select_option(
        label="Saat tinggal 5 orang di depan saya"
    )
    shoot(phone, "queue-03-form-filled-phone")
    phone.get_by_label("Nama").press("Enter")

    # Then the status page says booked, with the slot, and the QR code to check in
    phone.wait_for_url(re.compile(r"/antrean/tiket/[^/]+/$"))
    main = phone.locator("main")
    main.locator(".queue-number").wait_for()
    text = main.inner_text()
    assert "A-001" in text and "Dipesan" in text and slot_time in text
    assert phone.locator(".queue-qr svg.qr").is_visible()
    assert "Siti" not in text and "3171••••••••0001" in text
    robots = phone.locator("meta[name=robots]").get_attribute("content")
    assert robots == "noindex, nofollow"
    shoot(phone, "queue-04-status-booked-phone")
    no_sideways_scroll(phone, width)
    status_url = phone.url
    with scopes_disabled():
        ticket = QueueTicket.objects.get()
    assert status_url.endswith(f"/antrean/tiket/{ticket.token}/")

    # When somebody books again with the same phone number, on a laptop, in English
    laptop = new_page(locale="en-US", width=1280, height=900)
    laptop.goto(f"{live_server.url}/antrean/kota/dukcapil/A/pesan/")
    assert "1. Choose a date" in laptop.locator("main").inner_text()
    laptop.locator(".queue-slot:not(.full)").first.click()
    laptop.get_by_label("Name").fill("Orang Lain")
    laptop.get_by_label("Phone number").fill("0812-3456-7890")
    shoot(laptop, "queue-05-booking-desktop")
    laptop.get_by_role("button", name="Book", exact=True).click()
    refusal = laptop.locator(".queue-refused")
    refusal.wait_for()
    assert "A number is already booked for this phone number or NIK on" in refusal.inner_text()
    assert ticket.token not in laptop.content()  # the existing booking is never revealed
    shoot(laptop, "queue-06-booking-refused-desktop")

    # And the status page on the laptop, then the number cancelled from the phone
    laptop.goto(status_url)
    assert "Booked" in laptop.locator("main").inner_text()
    shoot(laptop, "queue-07-status-booked-desktop")
    phone.locator(".queue-cancel summary").click()
    shoot(phone, "queue-08-cancel-confirm-phone")
    phone.get_by_role("button", name="Ya, batalkan nomor saya").click()
    phone.wait_for_url(status_url)
    assert "Dibatalkan" in phone.locator("[data-live]").inner_text()
    assert not phone.locator(".queue-qr").is_visible()
    shoot(phone, "queue-09-status-cancelled-phone")

    # The laptop's open page follows (its poll, as after a reconnect)
    laptop.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    laptop.locator("[data-live]", has_text="Cancelled").wait_for()
    assert laptop.locator(".queue-cancel").is_hidden()


def refresh(page):
    """What the page does when its socket reconnects or the phone wakes: ask status.json."""
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")


def test_a_number_s_page_follows_the_line_until_it_is_called(live_server, new_page, shoot, office):
    point, ktp, counter, admin = office
    with scopes_disabled():
        services.ticket_take(service=ktp, channel="kiosk")
        mine = services.ticket_take(service=ktp, channel="kiosk")

    # Given a number in line, one person ahead, no counter open yet
    width, height = PHONE
    phone = new_page(locale="id-ID", width=width, height=height)
    phone.goto(f"{live_server.url}/antrean/tiket/{mine.token}/")
    live = phone.locator("[data-live]")
    text = live.inner_text()
    assert "Menunggu" in text and "Belum ada loket yang melayani" in text
    assert not phone.locator(".queue-qr").count()  # a walk-in checks in nowhere
    shoot(phone, "queue-10-status-waiting-phone")
    no_sideways_scroll(phone, width)

    # When the counter opens and calls the first person, the page says "you are next"
    with scopes_disabled():
        services.counter_open(counter=counter, actor=admin)
        services.counter_call_next(counter=counter, actor=admin)
    refresh(phone)
    live.get_by_text("Anda berikutnya.").wait_for()

    # …and when it calls this number: where to go, big
    with scopes_disabled():
        services.counter_call_next(counter=counter, actor=admin)
    refresh(phone)
    call = live.locator(".queue-call")
    call.wait_for()
    assert call.inner_text() == "Silakan ke loket 1"
    assert phone.locator(".queue-cancel").is_hidden()
    assert phone.title().startswith("▶")
    shoot(phone, "queue-11-status-called-phone")
