"""A refused portal form keeps its files, in a real browser, on a laptop and on a phone:
a visitor attaches a photo and a program disguised as a photo → the form is refused for the
program → the photo stays attached (listed, nothing to pick again) → sent as corrected, the
ticket carries the photo, and the receipt says the private link went out by e-mail too."""

import pytest
from django_scopes import scopes_disabled
from PIL import Image

from karcis.core import services as core_services
from karcis.desk.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 300


@pytest.fixture
def portal_org():
    from karcis.messaging import services as messaging_services

    with scopes_disabled():
        org = core_services.organisation_create(
            name="Dinas Pelayanan Publik", slug="dinas", ticket_prefix="KRC"
        )
        messaging_services.mailbox_create(
            organisation=org, address="bantuan@dinas.test", name="Bantuan"
        )
    return org


@pytest.mark.parametrize("width", [1366, 390])
def test_a_refused_form_keeps_its_files(live_server, new_page, shoot, portal_org, tmp_path, width):
    org = portal_org
    photo = tmp_path / "meteran-air.png"
    Image.new("RGB", (320, 200), "#1d4ed8").save(photo)
    program = tmp_path / "foto-kwitansi.png"
    program.write_bytes(EXE_BYTES)

    # Given a visitor who fills the form and attaches a photo and a disguised program
    page = new_page(locale="id-ID", width=width)
    page.goto(f"{live_server.url}/portal/{org.slug}/new/")
    page.fill("#id_name", "Dewi Lestari")
    page.fill("#id_email", "dewi@example.com")
    page.fill("#id_subject", "Meteran air berputar terus")
    page.fill("#id_description", "Semua keran tertutup, tetapi meteran tetap berputar.")
    page.set_input_files("input[name=attachments]", [str(photo), str(program)])

    # When the server refuses the program
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_selector(".kept-files")
    shoot(page, f"portal-refused-{width}-01-files-kept")

    # Then the photo is listed as kept, the refusal names the program, and her text is there
    kept = page.locator(".kept-files li")
    assert kept.count() == 1 and "meteran-air.png" in kept.inner_text()
    assert "foto-kwitansi.png" in page.locator("main").inner_text()
    assert page.input_value("#id_subject") == "Meteran air berputar terus"
    assert page.locator("input[name=attachments]").evaluate("e => e.files.length") == 0

    # When she sends it again without picking any file
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_selector(".ticket-number")
    shoot(page, f"portal-refused-{width}-02-receipt")

    # Then the ticket has the photo, and the receipt says the link was also e-mailed
    assert "dewi@example.com" in page.locator(".mailed-note").inner_text()
    with scopes_disabled():
        ticket = Ticket.objects.get(number=page.locator(".ticket-number").inner_text().strip())
        files = [a.filename for m in ticket.messages.all() for a in m.attachments.all()]
    assert files == ["meteran-air.png"]


@pytest.mark.parametrize("width", [1366, 390])
def test_the_agent_sees_which_addresses_are_verified_and_confirms_a_phone(
    live_server, new_page, shoot, portal_org, width
):
    import re

    from karcis.core.models import ContactIdentity, Role

    org = portal_org
    with scopes_disabled():
        agent = core_services.staff_user_create(
            organisation=org,
            email="budi@dinas.test",
            name="Budi Santoso",
            role=Role.AGENT,
            password="rahasia-123",
        )
    # Given a ticket from the portal, with a typed e-mail address and phone number
    visitor = new_page(locale="id-ID", width=width)
    visitor.goto(f"{live_server.url}/portal/{org.slug}/new/")
    visitor.fill("#id_name", "Dewi Lestari")
    visitor.fill("#id_email", "dewi@example.com")
    visitor.fill("#id_phone", "0812 3456 7890")
    visitor.fill("#id_subject", "Meteran air berputar terus")
    visitor.fill("#id_description", "Semua keran tertutup.")
    visitor.locator("main form button[type=submit]").last.click()
    number = visitor.wait_for_selector(".ticket-number").inner_text().strip()

    # When the agent opens it
    desk = new_page(locale="id-ID", width=width)
    desk.goto(f"{live_server.url}/login/")
    desk.fill("input[name=username]", agent.email)
    desk.fill("input[name=password]", "rahasia-123")
    desk.locator("main form button[type=submit]").click()
    desk.wait_for_url(re.compile(r"/desk/"))
    desk.goto(f"{live_server.url}/desk/tickets/{number}/")
    phone_row = desk.locator("li.identity", has_text="+6281234567890")
    # Then both addresses say they are not verified yet
    assert desk.locator("li.identity .badge-unverified").count() == 2
    shoot(desk, f"identity-{width}-01-unverified")

    # When she has called the number and confirms it
    phone_row.get_by_role("button", name="Dikonfirmasi lewat telepon").click()
    desk.wait_for_selector("li.identity .badge-verified")
    shoot(desk, f"identity-{width}-02-phone-confirmed")
    assert (
        desk.locator("li.identity", has_text="+6281234567890").locator(".badge-verified").count()
        == 1
    )
    with scopes_disabled():
        assert ContactIdentity.objects.get(value="+6281234567890").verified_by == "staff"
