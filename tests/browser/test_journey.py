"""The service desk's main journey, in a real browser:
a customer submits a ticket with a screenshot → an agent finds it and replies → the customer
sees the reply on the tracking page (and never the agent's internal note)."""

import re

import pytest
from django_scopes import scopes_disabled
from PIL import Image, ImageDraw

from karcis.core import services as core_services
from karcis.core.models import Role
from karcis.desk import services as desk_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "rahasia-123"


@pytest.fixture
def desk_org():
    with scopes_disabled():
        org = core_services.organisation_create(
            name="Dinas Pelayanan Publik", slug="dinas", ticket_prefix="KRC"
        )
        billing = desk_services.category_create(organisation=org, name="Tagihan")
        desk_services.category_create(organisation=org, name="Pembayaran gagal", parent=billing)
        agent = core_services.staff_user_create(
            organisation=org,
            email="budi@dinas.test",
            name="Budi Santoso",
            role=Role.AGENT,
            password=PASSWORD,
        )
    return org, agent


def _draw_error_screen(path):
    """A phone-banking error screen, as a customer would attach it."""
    image = Image.new("RGB", (360, 220), "#f8fafc")
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, 360, 40], fill="#1d4ed8")
    draw.text((12, 12), "m-Banking", fill="white")
    draw.rectangle([30, 70, 330, 180], outline="#b91c1c", width=3)
    draw.text((50, 100), "Transaksi gagal (kode 51)", fill="#b91c1c")
    draw.text((50, 130), "Rp 350.000 - 23/11/2026 14:02", fill="#111827")
    image.save(path)


def test_customer_submits_agent_replies_customer_reads(
    live_server, new_page, shoot, desk_org, tmp_path
):
    org, agent = desk_org
    screenshot = tmp_path / "layar-error.png"
    _draw_error_screen(screenshot)

    # Given a customer on the portal (Bahasa Indonesia by default)
    customer = new_page(locale="id-ID")
    customer.goto(f"{live_server.url}/portal/{org.slug}/new/")
    assert customer.locator("html").get_attribute("lang") == "id"
    customer.fill("#id_name", "Dewi Lestari")
    customer.fill("#id_email", "dewi@example.com")
    customer.fill("#id_phone", "0812 3456 7890")
    option = customer.locator("#id_category option", has_text="Pembayaran gagal")
    customer.select_option("#id_category", value=option.get_attribute("value"))
    customer.fill("#id_subject", "Pembayaran lewat m-banking tidak tercatat")
    customer.fill(
        "#id_description", "Saya sudah transfer Rp 350.000 kemarin, tapi status masih belum lunas."
    )
    customer.set_input_files("input[name=attachments]", str(screenshot))
    shoot(customer, "01-customer-fills-the-form")

    # When she submits
    customer.locator("main form button[type=submit]").last.click()
    customer.wait_for_selector(".ticket-number")
    number = customer.locator(".ticket-number").inner_text().strip()
    tracking_link = customer.locator("#tracking-link").input_value()
    assert re.fullmatch(r"KRC-\d{6}", number)
    assert f"/portal/{org.slug}/t/" in tracking_link
    shoot(customer, "02-customer-gets-the-number")

    # Then an agent signs in and finds the ticket in the inbox
    desk = new_page(locale="id-ID")
    desk.goto(f"{live_server.url}/login/")
    desk.fill("input[name=username]", agent.email)
    desk.fill("input[name=password]", PASSWORD)
    desk.locator("main form button[type=submit]").click()
    desk.wait_for_url(re.compile(r"/desk/"))
    desk.goto(f"{live_server.url}/desk/?view=all")
    row_link = desk.get_by_role("link", name=re.compile(number))
    assert row_link.count() >= 1
    shoot(desk, "03-agent-inbox")
    row_link.first.click()
    desk.wait_for_url(re.compile(rf"/desk/tickets/{number}/"))

    # The screenshot is shown inline in the conversation
    image = desk.locator(".conversation img").first
    image.wait_for()
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    shoot(desk, "04-agent-opens-the-ticket")

    # The agent writes an internal note, then a public reply
    desk.check("input[name=kind][value=note]")
    desk.fill("#composer textarea[name=body]", "Cek mutasi rekening dulu di sistem bank.")
    desk.locator("#composer button[type=submit]").click()
    desk.wait_for_selector("text=Cek mutasi rekening dulu")
    desk.check("input[name=kind][value=reply]")
    desk.fill(
        "#composer textarea[name=body]", "Terima kasih Bu Dewi, pembayaran Anda sudah kami catat."
    )
    desk.locator("#composer button[type=submit]").click()
    desk.wait_for_selector("text=pembayaran Anda sudah kami catat")
    shoot(desk, "05-agent-replied")

    # And the customer sees the reply on her tracking page, but not the note
    customer.goto(tracking_link)
    customer.wait_for_selector("text=pembayaran Anda sudah kami catat")
    assert customer.locator("text=Cek mutasi rekening").count() == 0
    shoot(customer, "06-customer-sees-the-reply")

    # The portal also reads well on a phone, in English
    phone = new_page(locale="en-US", width=375, height=800)
    phone.goto(tracking_link)
    phone.wait_for_selector("text=pembayaran Anda sudah kami catat")
    shoot(phone, "07-customer-on-a-phone")
