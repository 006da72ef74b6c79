"""Queue analytics in a real browser: four Mondays of a Dukcapil office played through the
services (walk-ins, bookings, three counters, no-shows, a cancellation); a supervisor reads
the last 28 days, asks for staffing advice for Mondays at a five-minute target and downloads
the per-service table; the same page on a phone. Screenshots at desktop and phone widths."""

import random
import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from karcis.calendars.services import calendar_create
from karcis.core import services as core_services
from karcis.core.models import Role
from karcis.queueing import services
from tests.browser.conftest import SCREENSHOTS
from tests.browser.staff import PASSWORD, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIB = ZoneInfo("Asia/Jakarta")


def _moment(day: date, minute: int) -> datetime:
    return datetime.combine(day, time.min, WIB) + timedelta(minutes=minute)


def play_day(day, point_services, counters, staff, rng):
    """A working day, minute by minute from 08:00 to 15:00: people arrive (more in the
    morning), each open counter calls the next when it is free, serves for 2–14 minutes (or
    waits two minutes for a no-show); counter 3 opens only from 09:00 to 12:00."""
    ktp, kk = point_services
    for n in range(3):  # online bookings made that morning; one never comes
        person = services.Person(name=f"Warga {n}", phone=f"08123400{day.day:02d}{n:02d}")
        try:
            booking = services.ticket_take(
                service=ktp, channel="online", person=person, day=day,
                slot=_moment(day, 9 * 60 + 30 * n), now=_moment(day, 7 * 60),
            )  # fmt: skip
        except services.QueueRefused:
            return  # a holiday: the office is closed
        if n < 2:
            services.ticket_check_in(ticket=booking, now=_moment(day, 8 * 60 + 40 + 30 * n))
    shifts = [(8 * 60, 15 * 60), (8 * 60, 15 * 60), (9 * 60, 12 * 60)]
    free_at = {counter.pk: 0 for counter in counters}
    absent = {counter.pk: False for counter in counters}
    cancelled = False
    for minute in range(8 * 60, 15 * 60):
        moment = _moment(day, minute)
        morning = minute < 11 * 60
        for service, rate in ((ktp, 0.3 if morning else 0.08), (kk, 0.12 if morning else 0.05)):
            if rng.random() >= rate:
                continue
            try:
                ticket = services.ticket_take(service=service, channel="kiosk", now=moment)
            except services.QueueRefused:
                continue  # the walk-in quota is full, or a holiday
            if not cancelled and minute > 10 * 60:
                services.ticket_cancel(ticket=ticket, now=moment)
                cancelled = True
        for counter, person, (opens, closes) in zip(counters, staff, shifts, strict=True):
            if minute == opens:
                services.counter_open(counter=counter, actor=person, now=moment)
            if minute == closes:
                services.counter_close(counter=counter, actor=person, now=moment)
            if not opens <= minute < closes or free_at[counter.pk] > minute:
                continue
            if absent[counter.pk]:
                services.counter_no_show(counter=counter, actor=person, now=moment)
                absent[counter.pk] = False
            called = services.counter_call_next(counter=counter, actor=person, now=moment)
            if called is None:
                continue
            if rng.random() < 0.07:
                absent[counter.pk], free_at[counter.pk] = True, minute + 2
            else:
                free_at[counter.pk] = minute + max(2, min(14, round(rng.lognormvariate(1.6, 0.45))))
    end = _moment(day, 15 * 60)
    for counter, person, (_opens, closes) in zip(counters, staff, shifts, strict=True):
        if closes == 15 * 60:
            if services.current_of(counter) is not None:
                services.counter_finish(counter=counter, actor=person, now=end)
            services.counter_close(counter=counter, actor=person, now=end)


@pytest.fixture
def office(monkeypatch):
    """An office with two services, three counters and four past Mondays of history; a
    second, quiet service point; a supervisor who reads the analytics. (No live page
    listens while the history is written: its broadcasts are left out.)"""
    rng = random.Random(11)
    monkeypatch.setattr("karcis.queueing.live._send", lambda group, message: None)
    with scopes_disabled():
        org = core_services.organisation_create(
            name="Pemerintah Kota Nusantara", slug="kota", ticket_prefix="KOTA"
        )

        def staff_member(name, role):
            return core_services.staff_user_create(
                organisation=org, email=f"{name.lower()}@kota.test", name=name, role=role,
                password=PASSWORD,
            )  # fmt: skip

        admin = staff_member("Rina", Role.ADMIN)
        supervisor = staff_member("Sinta", Role.SUPERVISOR)
        clerks = [staff_member(name, Role.AGENT) for name in ("Budi", "Dewi", "Eko")]
        hours = calendar_create(
            organisation=org, name="Jam layanan", actor=admin, time_zone="Asia/Jakarta",
            weekly=[*([[[8 * 60, 15 * 60]]] * 5), [], []], national_holidays=True,
        )  # fmt: skip
        point = services.point_create(
            organisation=org, actor=admin, name="Disdukcapil Kota Nusantara", slug="dukcapil",
            time_zone="Asia/Jakarta", calendar=hours,
        )  # fmt: skip
        services.point_create(
            organisation=org, actor=admin, name="Puskesmas Sukamaju", slug="puskesmas",
            time_zone="Asia/Jakarta", calendar=hours,
        )  # fmt: skip
        ktp = services.service_create(
            point=point, actor=admin, name="Perekaman KTP-el", prefix="A", slot_minutes=30,
            slot_capacity=3, booking_days_ahead=7,
            quotas=[{"channel": "online", "bucket": "", "limit": 10},
                    {"channel": "walk_in", "bucket": "", "limit": 60}],
        )  # fmt: skip
        kk = services.service_create(
            point=point, actor=admin, name="Kartu Keluarga", prefix="B", slot_minutes=0
        )
        counters = [
            services.counter_create(
                point=point, actor=admin, name=f"Loket {n}", code=str(n), services=order
            )
            for n, order in ((1, [ktp.pk, kk.pk]), (2, [kk.pk, ktp.pk]), (3, [ktp.pk]))
        ]
        today = timezone.now().astimezone(WIB).date()
        last_monday = today - timedelta(days=today.weekday() or 7)
        for week in range(4):
            play_day(last_monday - timedelta(weeks=week), (ktp, kk), counters, clerks, rng)
    return point, supervisor


def test_a_supervisor_reads_the_analytics(live_server, new_page, shoot, office):
    point, supervisor = office
    page = new_page(locale="id-ID", width=1366, height=900)
    sign_in(page, live_server.url, supervisor.email)

    # From the Queues section, the analytics of the first service point, the last 7 days
    page.goto(f"{live_server.url}/queue/")
    page.locator(".sidebar").get_by_role("link", name="Analitik antrean").click()
    page.wait_for_url(re.compile(r"/queue/analytics/$"))
    assert page.locator("h1").inner_text() == "Analitik antrean · Disdukcapil Kota Nusantara"
    assert "7 hari terakhir" in page.locator("#id_period option:checked").inner_text()
    shoot(page, "queue-analytics-01-seven-days")

    # The last 28 days: four Mondays
    page.select_option("#id_period", "28d")
    page.get_by_role("button", name="Tampilkan").click()
    page.wait_for_url(re.compile(r"period=28d"))
    table = page.locator("section[aria-labelledby=by-service] table")
    assert "Perekaman KTP-el" in table.inner_text() and "Kartu Keluarga" in table.inner_text()
    assert page.locator("svg.chart-plot").count() >= 3
    assert page.locator("section[aria-labelledby=by-counter] tbody tr").count() == 3
    shoot(page, "queue-analytics-02-four-weeks")

    # The numbers behind a chart, as a table
    page.locator("section[aria-labelledby=by-hour] summary").click()
    assert page.locator("section[aria-labelledby=by-hour] details table").is_visible()

    # Staffing advice for Mondays, at most five minutes' expected wait
    page.select_option("#id_weekday", "0")
    page.fill("#id_target", "5")
    page.get_by_role("button", name="Hitung saran").click()
    page.wait_for_url(re.compile(r"target=5.*#staffing"))
    advice = page.locator("table.staffing-table")
    assert "09:00" in advice.inner_text()
    assert "Senin" in page.locator("#staffing").inner_text()
    heading = page.get_by_role("heading", name="Saran jumlah loket")
    assert heading.bounding_box()["y"] > 50, "the sticky top bar must not hide the section"
    page.screenshot(path=str(SCREENSHOTS / "queue-analytics-03-staffing.png"))

    # The per-service table as CSV
    with page.expect_download() as download:
        page.get_by_role("link", name="Unduh CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("\ufeffLayanan,Awalan nomor,Diambil,Dilayani")
    assert "Perekaman KTP-el,A," in text

    # A bad period says what is wrong
    page.goto(
        f"{live_server.url}/queue/analytics/?point={point.pk}&period=range&start=2026-12-10&end=2026-12-01"
    )
    assert "Hari terakhir jatuh sebelum hari pertama." in page.locator("main").inner_text()
    shoot(page, "queue-analytics-04-bad-period")

    # The same page on a phone
    phone = new_page(locale="id-ID", width=390, height=844)
    sign_in(phone, live_server.url, supervisor.email)
    phone.goto(f"{live_server.url}/queue/analytics/?point={point.pk}&period=28d&weekday=0&target=5")
    assert phone.locator("svg.chart-plot").count() >= 3
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page must not scroll sideways on a phone"
    shoot(phone, "queue-analytics-05-phone")
