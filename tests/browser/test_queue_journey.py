"""Issue 11's journey end to end, in a real browser: book online on a phone → check in at the
kiosk by scanning the booking → a counter calls → the TV board shows it and its announcement
is produced → the status page on the phone says "called".

Served by uvicorn in the test process (tests/browser/asgi.py): the board and the status page
are live over websockets, which the WSGI live server cannot serve."""

import re

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from karcis.core import services as core_services
from karcis.core.models import Role
from karcis.queueing import services
from tests.browser.asgi import AsgiServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous iterators"),
]


@pytest.fixture
def server():
    server = AsgiServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def office(server):
    """A Dukcapil office open around the clock (no calendar: the journey runs at any hour),
    with a bookable service in 15-minute slots and one counter."""
    with scopes_disabled():
        org = core_services.organisation_create(
            name="Pemerintah Kota Harapan", slug="harapan", ticket_prefix="KH"
        )
        admin = core_services.staff_user_create(
            organisation=org, email="rina@harapan.test", name="Rina", role=Role.ADMIN
        )
        agent = core_services.staff_user_create(
            organisation=org, email="budi@harapan.test", name="Budi", role=Role.AGENT
        )
        point = services.point_create(
            organisation=org, actor=admin, name="Disdukcapil Kota Harapan", slug="dukcapil"
        )
        ktp = services.service_create(
            point=point, actor=admin, name="Perekaman KTP-el", prefix="A", slot_minutes=15,
            slot_capacity=3,
        )  # fmt: skip
        counter = services.counter_create(
            point=point, actor=admin, name="Loket 3", code="3", services=[ktp.pk]
        )
    return point, agent, counter


def test_book_check_in_call_board_and_status(server, new_page, shoot, office):
    point, agent, counter = office
    base = f"{server.url}/antrean/{point.organisation.slug}/{point.slug}"

    # Siti books online on her phone: the first slot with room, today.
    phone = new_page(locale="id-ID", width=390, height=844)
    phone.goto(f"{base}/A/pesan/")
    phone.locator(".queue-slot:not(.full) input[name=slot]").first.check()
    phone.get_by_label("Nama").fill("Siti Aminah")
    phone.get_by_label("Nomor telepon").fill("0812 3456 7890")
    phone.get_by_role("button", name="Pesan", exact=True).click()
    phone.wait_for_url(re.compile(r"/antrean/tiket/[^/]+/$"))
    status_url = phone.url
    expect(phone.locator("main")).to_contain_text("Dipesan")
    assert "A-001" in phone.locator(".queue-number").first.inner_text()
    shoot(phone, "queue-journey-1-booked")

    # At the office, the kiosk's scanner reads the QR code (her status page's address).
    kiosk = new_page(locale="id-ID", width=1080, height=1920)
    kiosk.goto(f"{base}/kiosk/{point.kiosk_key}/")
    kiosk.locator("[data-scan-field]").fill(status_url)
    kiosk.locator("[data-scan-field]").press("Enter")
    kiosk.wait_for_url("**/check-in/")
    expect(kiosk.locator(".kiosk-outcome")).to_contain_text("A-001")
    shoot(kiosk, "queue-journey-2-kiosk-checked-in")

    # The TV board in the waiting room, sound enabled once.
    board = new_page(locale="id-ID", width=1920, height=1080)
    board.goto(f"{base}/papan/")
    board.get_by_role("button", name="Aktifkan suara").click()

    # Loket 3 opens and calls: the board shows A-001 and fetches its spoken announcement.
    server.call(services.counter_open, counter=counter, actor=agent)
    with board.expect_response(lambda response: "/antrean/suara/" in response.url) as spoken:
        called = server.call(services.counter_call_next, counter=counter, actor=agent)
        assert called is not None and called.number == "A-001"
        expect(board.locator("[data-latest-number]")).to_have_text("A-001", timeout=2000)
    assert board.locator("[data-latest-counter]").inner_text() == "Loket 3"
    wav = board.request.get(spoken.value.url)
    assert wav.status == 200 and wav.body()[:4] == b"RIFF"
    shoot(board, "queue-journey-3-board-called")

    # Her phone, still on the status page, says she is called, and where to go.
    expect(phone.locator("main")).to_contain_text("loket 3", ignore_case=True, timeout=35_000)
    expect(phone.locator("main")).to_contain_text("Dipanggil")
    shoot(phone, "queue-journey-4-status-called")
