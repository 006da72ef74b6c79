"""The kiosk and the TV board in a real browser: a person takes a number at the kiosk (a
1080×1920 portrait screen), another checks in the booking they made; the board (1920×1080)
shows the call of Loket 1 within two seconds, and its spoken announcement is a WAV.

The board is live over a websocket, which pytest-django's live server (WSGI) cannot serve:
this journey serves the project's ASGI application with uvicorn in a thread of the test
process instead. The counter's actions run inside that server's event loop, as a request
of the server would run them, so that their messages reach the board through the one
in-memory channel layer."""

import time

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from karcis.core import services as core_services
from karcis.core.models import Role
from karcis.queueing import services as queue_services
from karcis.queueing.models import QueueStatus, QueueTicket, Service
from tests.browser.asgi import AsgiServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # Files (the announcement's WAV) under ASGI: karcis/asgi.py silences this in production.
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous iterators"),
]


@pytest.fixture
def asgi_server():
    server = AsgiServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def office(asgi_server):
    """A population registry office open around the clock (no calendar), so the journey runs
    at any hour: two services, two counters, an agent, and a booking for today."""
    with scopes_disabled():
        org = core_services.organisation_create(
            name="Pemerintah Kota Harapan", slug="kota-harapan", ticket_prefix="KH"
        )
        admin = core_services.staff_user_create(
            organisation=org, email="rina@harapan.test", name="Rina", role=Role.ADMIN,
            password="rahasia-123",
        )  # fmt: skip
        agent = core_services.staff_user_create(
            organisation=org, email="budi@harapan.test", name="Budi", role=Role.AGENT,
            password="rahasia-123",
        )  # fmt: skip
        point = queue_services.point_create(
            organisation=org, actor=admin, name="Disdukcapil Kota Harapan", slug="disdukcapil"
        )
        ktp = queue_services.service_create(
            point=point, actor=admin, name="Perekaman KTP-el", prefix="A", slot_minutes=0
        )
        poli = queue_services.service_create(
            point=point, actor=admin, name="Kartu Keluarga", prefix="B", slot_minutes=0,
            buckets=[{"key": "baru", "label": "Baru"}, {"key": "ubah", "label": "Perubahan"}],
            description="Pembuatan dan perubahan KK",
        )  # fmt: skip
        loket = queue_services.counter_create(
            point=point, actor=admin, name="Loket 1", code="1", services=[ktp.pk, poli.pk]
        )
        queue_services.counter_create(
            point=point, actor=admin, name="Loket 2", code="2", services=[poli.pk, ktp.pk]
        )
    # Taken by the server: the test's own thread runs Playwright's event loop, where the
    # message sent after the commit could not be sent.
    booking = asgi_server.call(
        queue_services.ticket_take, service=poli, channel="online", bucket="baru",
        day=queue_services.today_at(point),
        person=queue_services.Person(name="Siti Aminah", phone="0812 3456 7890"),
    )  # fmt: skip
    return point, agent, loket, booking


def loket_service(counter):
    with scopes_disabled():
        return Service.objects.get(pk=counter.services[0])


def test_kiosk_number_called_on_the_board_and_announced(asgi_server, new_page, shoot, office):
    point, agent, loket, booking = office
    base = f"{asgi_server.url}/antrean/{point.organisation.slug}/{point.slug}"

    # A person takes a number at the kiosk by the entrance.
    kiosk = new_page(locale="id-ID", width=1080, height=1920)
    kiosk.goto(f"{base}/kiosk/{point.kiosk_key}/")
    assert kiosk.get_by_role("heading", name="Ambil nomor antrean").is_visible()
    assert kiosk.locator("[data-scan-field]").evaluate("field => field === document.activeElement")
    shoot(kiosk, "queue-01-kiosk-start")
    kiosk.get_by_role("button", name="Perekaman KTP-el").click()
    kiosk.wait_for_url("**/nomor/**")
    assert kiosk.locator(".receipt-number").inner_text() == "A-001"
    assert "Tidak ada orang di depan Anda." in kiosk.locator(".receipt").inner_text()
    assert kiosk.locator(".receipt-qr").evaluate("img => img.complete && img.naturalWidth > 0")
    shoot(kiosk, "queue-02-kiosk-receipt")
    # As the browser prints it on 80 mm receipt paper (about 302 CSS pixels).
    kiosk.emulate_media(media="print")
    kiosk.set_viewport_size({"width": 302, "height": 700})
    assert kiosk.locator(".kiosk-after").is_hidden()
    shoot(kiosk, "queue-02-kiosk-receipt-print")
    kiosk.emulate_media(media="screen")
    kiosk.set_viewport_size({"width": 1080, "height": 1920})
    with scopes_disabled():
        taken = QueueTicket.objects.get(number="A-001")
    assert taken.channel == "kiosk" and taken.status == QueueStatus.WAITING

    # The receipt returns to the start by itself; the next person checks in a booking with
    # the scanner (which types the booking's address, then Enter).
    # (The receipt goes back by itself after 15 s: on a slow machine it may have done so.)
    done = kiosk.get_by_role("link", name="Selesai")
    if done.count():
        done.click()
    kiosk.wait_for_url(f"**/kiosk/{point.kiosk_key}/")
    scanned = f"http://127.0.0.1:8000/antrean/tiket/{booking.token}/"
    kiosk.locator("[data-scan-field]").fill(scanned)
    kiosk.locator("[data-scan-field]").press("Enter")
    kiosk.wait_for_url("**/check-in/")
    assert "Anda sudah check-in" in kiosk.locator(".kiosk-outcome").inner_text()
    assert "B-001" in kiosk.locator(".kiosk-outcome").inner_text()
    shoot(kiosk, "queue-03-kiosk-checked-in")

    # Someone without the QR code types a number and the wrong last digits of the phone,
    # in English: the kiosk says nothing of whose number it is, and what to do.
    kiosk.get_by_role("link", name="Kembali ke awal").click()
    kiosk.get_by_role("link", name="English").click()
    kiosk.get_by_text("No QR code? Type your number").click()
    kiosk.get_by_role("textbox", name="Queue number").fill("b1")
    kiosk.get_by_label("Last 4 digits of your phone number").fill("1234")
    shoot(kiosk, "queue-04-kiosk-typed-english")
    kiosk.get_by_label("Last 4 digits of your phone number").press("Enter")
    expect(kiosk.locator(".kiosk-outcome")).to_contain_text("No booking matches")
    shoot(kiosk, "queue-05-kiosk-not-found")

    # The TV board in the waiting room: sound is enabled once, when it is set up.
    board = new_page(locale="id-ID", width=1920, height=1080)
    board.goto(f"{base}/papan/")
    overlay = board.locator("[data-sound-overlay]")
    overlay.wait_for(state="visible")
    shoot(board, "queue-06-board-enable-sound")
    board.get_by_role("button", name="Aktifkan suara").click()
    overlay.wait_for(state="hidden")
    expect(board.locator("[data-counters]")).to_contain_text("Belum ada loket yang buka")
    assert "2 menunggu" not in board.locator("[data-services]").inner_text()

    # Loket 1 opens and calls the next number: the board shows it within two seconds and
    # fetches its announcement.
    asgi_server.call(queue_services.counter_open, counter=loket, actor=agent)
    with board.expect_response(lambda response: "/antrean/suara/" in response.url) as spoken:
        called = asgi_server.call(queue_services.counter_call_next, counter=loket, actor=agent)
        assert called is not None and called.number == "A-001"
        started = time.monotonic()
        expect(board.locator("[data-latest-number]")).to_have_text("A-001", timeout=2000)
        shown_after = time.monotonic() - started
    assert shown_after < 2
    assert "is-new" in board.locator("[data-latest]").get_attribute("class")
    assert board.locator("[data-latest-counter]").inner_text() == "Loket 1"
    expect(board.locator('[data-counters] [data-code="1"]')).to_contain_text("A-001")
    shoot(board, "queue-07-board-call")

    audio = spoken.value
    assert audio.url.endswith(f"/antrean/suara/{called.pk}/1.wav")
    wav = board.request.get(audio.url)
    assert wav.status == 200
    assert wav.headers["content-type"] == "audio/wav"
    assert wav.body()[:4] == b"RIFF" and wav.body()[8:12] == b"WAVE"

    # The booking checked in at the kiosk is next: Loket 1 calls it; the last calls list both.
    asgi_server.call(queue_services.counter_call_next, counter=loket, actor=agent)
    expect(board.locator("[data-latest-number]")).to_have_text("B-001", timeout=2000)
    board.wait_for_timeout(3500)  # the highlight has stopped blinking
    recent = board.locator("[data-recent] li").all_inner_texts()
    assert [line.split()[0] for line in recent] == ["B-001", "A-001"]
    assert "Siti" not in board.content()
    shoot(board, "queue-08-board")

    # A network blip: the board says it is reconnecting; a call made meanwhile is shown
    # when it is back, without being announced (nor blinking) as if it were new.
    requested = []
    board.on("request", lambda request: requested.append(request.url))
    board.context.set_offline(True)
    asgi_server.drop_connections()
    expect(board.locator("[data-reconnecting]")).to_be_visible(timeout=5000)
    shoot(board, "queue-09-board-reconnecting")
    asgi_server.call(queue_services.ticket_take, service=loket_service(loket), channel="kiosk")
    missed = asgi_server.call(queue_services.counter_call_next, counter=loket, actor=agent)
    board.context.set_offline(False)
    expect(board.locator("[data-latest-number]")).to_have_text(missed.number, timeout=10_000)
    expect(board.locator("[data-reconnecting]")).to_be_hidden()
    assert "is-new" not in (board.locator("[data-latest]").get_attribute("class") or "")
    assert not [address for address in requested if f"/antrean/suara/{missed.pk}/" in address]

    # The same board on a 1280×720 screen.
    board.set_viewport_size({"width": 1280, "height": 720})
    board.wait_for_timeout(300)
    shoot(board, "queue-10-board-720p")
