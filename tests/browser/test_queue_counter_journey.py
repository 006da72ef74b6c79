"""A counter's day in a real browser: an administrator sets up a puskesmas in Settings (the
service point, two services, a counter); people take numbers at the kiosk; an agent opens
the queue overview on the way in, signs in at the counter and works it with the keyboard
(N calls, S starts, F finishes), then transfers a person to the other service. At desktop
and phone sizes.

The live server speaks no websocket: the console falls back to its 20 s poll, which is
what a proxy without websockets gives too."""

import re

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from karcis.core import services as core_services
from karcis.core.models import Role
from karcis.queueing import services as queue_services
from karcis.queueing.models import QueueStatus, QueueTicket, Service
from tests.browser.staff import PASSWORD, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people():
    with scopes_disabled():
        org = core_services.organisation_create(
            name="Dinas Kesehatan Kota", slug="dinkes", ticket_prefix="DKS"
        )
        staff = {
            role: core_services.staff_user_create(
                organisation=org,
                email=f"{name.lower()}@dinkes.test",
                name=name,
                role=role,
                password=PASSWORD,
            )
            for role, name in ((Role.ADMIN, "Rina"), (Role.AGENT, "Budi"))
        }
    return org, staff[Role.ADMIN], staff[Role.AGENT]


def take_numbers(prefix: str, count: int, names=()) -> list[QueueTicket]:
    """Kiosk numbers for the service the administrator made (by its prefix)."""
    with scopes_disabled():
        service = Service.objects.get(prefix=prefix)
        people = list(names) + [""] * count
        return [
            queue_services.ticket_take(
                service=service,
                channel="kiosk",
                person=queue_services.Person(name=people[index]),
            )
            for index in range(count)
        ]


def status_of(ticket: QueueTicket) -> str:
    with scopes_disabled():
        ticket.refresh_from_db()
    return ticket.status


def test_a_counter_worked_with_the_keyboard(live_server, new_page, shoot, people):
    org, admin, agent = people
    base = live_server.url

    # Given an administrator who sets up a service point…
    desk = new_page(locale="id-ID")
    sign_in(desk, base, admin.email)
    desk.goto(f"{base}/settings/queue/")
    desk.get_by_role("link", name="Buat tempat layanan pertama").click()
    desk.get_by_label("Nama", exact=True).fill("Puskesmas Melati")
    desk.get_by_label("Nama singkat").fill("melati")
    desk.locator("#id_address").fill("Jl. Melati No. 5, Bandung")
    shoot(desk, "queue-01-new-point")
    desk.get_by_role("button", name="Buat tempat layanan").click()
    desk.wait_for_url(re.compile(r"/settings/queue/\d+/$"))
    point_url = desk.url

    # …its two services, one with a daily online quota…
    for name, prefix, quota in (("Poli Umum", "A", "40"), ("Poli Gigi", "B", "")):
        desk.get_by_role("link", name="Layanan baru").click()
        desk.get_by_label("Nama", exact=True).fill(name)
        desk.get_by_label("Awalan nomor").fill(prefix)
        if quota:
            desk.get_by_label("Kuota Daring untuk Semua orang").fill(quota)
            shoot(desk, "queue-02-new-service")
        desk.get_by_role("button", name="Buat layanan").click()
        desk.wait_for_url(point_url)

    # …and a counter that serves Poli Umum first, then Poli Gigi.
    desk.get_by_role("link", name="Loket baru").click()
    desk.get_by_label("Nama", exact=True).fill("Loket 1")
    desk.get_by_label("Dipanggil sebagai").fill("1")
    desk.get_by_role("checkbox", name="Poli Umum").check()
    desk.get_by_label("Urutan Poli Umum").fill("1")
    desk.get_by_role("checkbox", name="Poli Gigi").check()
    desk.get_by_label("Urutan Poli Gigi").fill("2")
    shoot(desk, "queue-03-new-counter")
    desk.get_by_role("button", name="Buat loket").click()
    desk.wait_for_url(point_url)
    setup = desk.locator("main").inner_text()
    assert "Poli Umum" in setup and "Poli Gigi" in setup and "Loket 1" in setup
    assert "Perbarui kunci anjungan" in setup
    shoot(desk, "queue-04-point-settings")

    # When people take numbers at the kiosk
    first, second, third = take_numbers("A", 3, names=["Siti Aminah"])

    # Then the agent sees the point at /queue/ and opens the counter's console
    agent_page = new_page(locale="id-ID")
    sign_in(agent_page, base, agent.email)
    agent_page.locator(".topnav").get_by_role("link", name="Antrean", exact=True).click()
    agent_page.wait_for_url(re.compile(r"/queue/$"))
    overview = agent_page.locator("main").inner_text()
    assert "Puskesmas Melati" in overview and "3 menunggu" in overview
    shoot(agent_page, "queue-05-overview")
    agent_page.get_by_role("link", name="Konsol Loket 1").click()
    agent_page.wait_for_url(re.compile(r"/queue/counters/\d+/$"))
    agent_page.get_by_role("button", name="Masuk ke loket ini").click()
    agent_page.get_by_text("Anda sudah masuk ke Loket 1.").wait_for()
    current = agent_page.locator("[data-current-number]")

    # N calls the first person; the focus stays on the console's buttons
    agent_page.keyboard.press("n")
    agent_page.get_by_text(f"{first.number} dipanggil.").wait_for()
    assert current.inner_text() == first.number
    assert "Siti Aminah" in agent_page.locator(".console-current").inner_text()
    expect(agent_page.locator('[data-action="call-next"]')).to_be_focused()
    shoot(agent_page, "queue-06-called")

    # S starts serving, F finishes
    agent_page.keyboard.press("s")
    agent_page.get_by_text(f"Melayani {first.number}.").wait_for()
    assert "Sedang dilayani" in agent_page.locator(".console-current").inner_text()
    shoot(agent_page, "queue-07-serving")
    agent_page.keyboard.press("f")
    agent_page.get_by_text(f"{first.number} selesai.").wait_for()
    assert status_of(first) == QueueStatus.DONE

    # A double press of N calls one person, not two
    agent_page.keyboard.press("n")
    agent_page.keyboard.press("n")
    agent_page.get_by_text(f"{second.number} dipanggil.").wait_for()
    agent_page.wait_for_timeout(500)
    assert current.inner_text() == second.number
    assert status_of(third) == QueueStatus.WAITING

    # T goes to the transfer: the second person is sent to Poli Gigi
    agent_page.keyboard.press("t")
    service_choice = agent_page.get_by_label("Ke layanan")
    assert agent_page.evaluate("document.activeElement.id") == "transfer-service"
    service_choice.select_option(label="B · Poli Gigi")
    agent_page.keyboard.press("Tab")
    agent_page.keyboard.press("Tab")
    agent_page.keyboard.press("Enter")
    agent_page.get_by_text("Dialihkan ke Poli Gigi sebagai B-001.").wait_for()
    assert status_of(second) == QueueStatus.TRANSFERRED
    lines = agent_page.locator("#console-lines").inner_text()
    assert "B-001" in lines and third.number in lines
    shoot(agent_page, "queue-08-transferred")

    # And on a phone the console fits the screen and still works
    phone = new_page(locale="id-ID", width=390, height=844)
    sign_in(phone, base, agent.email)
    phone.goto(agent_page.url)
    phone.get_by_role("button", name=re.compile("Panggil berikutnya")).click()
    phone.get_by_text(f"{third.number} dipanggil.").wait_for()
    shoot(phone, "queue-09-console-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.goto(f"{base}/queue/")
    shoot(phone, "queue-10-overview-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    settings_phone = new_page(locale="id-ID", width=390, height=844)
    sign_in(settings_phone, base, admin.email)
    settings_phone.goto(point_url)
    shoot(settings_phone, "queue-11-point-settings-phone")
    assert settings_phone.evaluate("document.documentElement.scrollWidth") <= 390
