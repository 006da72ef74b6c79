"""The e-mail channel's journey, in a real browser:
an admin adds the support mailbox → a customer's e-mail (a photo pasted inline, the history
quoted below) becomes a ticket → an agent opens it, unfolds the quote, sees the photo and
replies → the reply shows its delivery state → the admin checks Incoming mail and runs a
held-back message again. Every step is also shot at phone width (390px)."""

import re
from email.message import EmailMessage
from io import BytesIO

import pytest
from django_scopes import scopes_disabled
from PIL import Image, ImageDraw

from karcis.core import services as core_services
from karcis.core.models import Role
from karcis.messaging import services as messaging_services
from karcis.messaging.models import InboundState, Mailbox
from tests.browser.staff import PASSWORD, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def mail_org():
    with scopes_disabled():
        org = core_services.organisation_create(
            name="PT Nusantara Net", slug="nusanet", ticket_prefix="KRC"
        )
        admin = core_services.staff_user_create(
            organisation=org,
            email="rina@nusanet.test",
            name="Rina Admin",
            role=Role.ADMIN,
            password=PASSWORD,
        )
        agent = core_services.staff_user_create(
            organisation=org,
            email="budi@nusanet.test",
            name="Budi Santoso",
            role=Role.AGENT,
            password=PASSWORD,
        )
    return org, admin, agent


def _modem_photo() -> bytes:
    """A photo of a modem with a red light, as a customer pastes it into a message."""
    image = Image.new("RGB", (320, 180), "#e2e8f0")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle([40, 50, 280, 130], radius=12, fill="#1f2937")
    for x, colour in ((80, "#22c55e"), (130, "#22c55e"), (180, "#ef4444")):
        draw.ellipse([x, 80, x + 18, 98], fill=colour)
    draw.text((60, 145), "Modem - lampu LOS merah", fill="#111827")
    buffer = BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _customer_mail(address: str) -> bytes:
    message = EmailMessage()
    message["From"] = "Siti Aminah <siti@example.com>"
    message["To"] = address
    message["Cc"] = "Joko Prasetyo <joko@example.com>"
    message["Subject"] = "Internet mati, lampu LOS merah"
    message["Message-ID"] = "<siti.1@mail.example.com>"
    message["Date"] = "Tue, 24 Nov 2026 08:00:00 +0700"
    message.set_content(
        "Selamat pagi,\n\nInternet mati sejak subuh. Foto modem terlampir.\n\nSiti\n\n"
        "On Mon, 23 Nov 2026 at 10:00, Bantuan <" + address + "> wrote:\n"
        "> Jika gangguan berulang, mohon kirim foto lampu modem.\n"
    )
    message.add_alternative(
        "<p>Selamat pagi,</p><p>Internet mati sejak subuh. Foto modem terlampir:</p>"
        '<p><img src="cid:modem.1@mail.example.com" alt="Foto modem"></p><p>Siti</p>'
        '<div class="gmail_quote"><div>On Mon, 23 Nov 2026 at 10:00, Bantuan &lt;'
        + address
        + "&gt; wrote:</div><blockquote>Jika gangguan berulang, mohon kirim foto lampu "
        "modem.</blockquote></div>",
        subtype="html",
    )
    message.get_payload()[1].add_related(
        _modem_photo(), "image", "png", cid="<modem.1@mail.example.com>", filename="modem.png"
    )
    return message.as_bytes()


def _held_back_mail(address: str, n: int) -> bytes:
    message = EmailMessage()
    message["From"] = "Andi Wijaya <andi@example.com>"
    message["To"] = address
    message["Subject"] = f"Tagihan bulan November ({n})"
    message["Message-ID"] = f"<andi.{n}@mail.example.com>"
    message.set_content("Tagihan saya naik dua kali lipat, mohon dicek.")
    return message.as_bytes()


def _shoot_both(shoot, page, phone, name):
    """The page as it is at desktop width, and the same URL on a phone."""
    shoot(page, name)
    phone.goto(page.url)
    shoot(phone, f"{name}-phone")


def test_admin_adds_a_mailbox_agent_answers_an_email_admin_reruns_mail(
    live_server, new_page, shoot, mail_org, settings
):
    org, admin, agent = mail_org

    # Given an admin in Settings → E-mail
    desk = new_page(locale="id-ID")
    admin_phone = new_page(locale="id-ID", **PHONE)
    sign_in(desk, live_server.url, admin.email)
    sign_in(admin_phone, live_server.url, admin.email)
    desk.goto(f"{live_server.url}/settings/")
    desk.locator(".settings-nav").get_by_role("link", name=re.compile("^E-?mail$", re.I)).click()
    desk.wait_for_url(re.compile(r"/settings/email/$"))
    _shoot_both(shoot, desk, admin_phone, "email-01-no-mailbox-yet")

    # When she adds the support mailbox
    desk.locator("main a.btn[href$='/settings/email/new/']").first.click()
    desk.fill("#id_address", "bantuan@nusanet.test")
    desk.fill("#id_name", "Bantuan NusaNet")
    _shoot_both(shoot, desk, admin_phone, "email-02-new-mailbox-form")
    desk.locator("main form button[type=submit]").click()
    desk.wait_for_url(re.compile(r"/settings/email/$"))

    # Then it is listed, as the default sender, with the MTA instructions below
    row = desk.locator("table.mailboxes tbody tr", has_text="bantuan@nusanet.test")
    assert row.count() == 1
    assert desk.locator(".mta-help code", has_text="bantuan@nusanet.test").count() == 1
    _shoot_both(shoot, desk, admin_phone, "email-03-mailbox-listed")

    # She adds an IMAP account to fetch from; the password is never shown back
    row.locator("a", has_text="bantuan@nusanet.test").click()
    desk.fill("#id_imap_host", "imap.nusanet.test")
    desk.fill("#id_imap_username", "bantuan")
    desk.fill("#id_imap_password", "sandi-imap-rahasia")
    desk.locator("main form button[type=submit]").click()
    desk.wait_for_url(re.compile(r"/settings/email/$"))
    row.locator("a", has_text="bantuan@nusanet.test").click()
    assert desk.input_value("#id_imap_password") == ""
    assert "sandi-imap-rahasia" not in desk.content()
    _shoot_both(shoot, desk, admin_phone, "email-03b-mailbox-with-imap")
    with scopes_disabled():
        mailbox = Mailbox.objects.get(address="bantuan@nusanet.test")
        assert mailbox.imap_password == "sandi-imap-rahasia"
    # The poller could not sign in: the list says so, in red and in words
    messaging_services.mailbox_poll_recorded(
        mailbox_id=mailbox.pk, error="LOGIN failed: [AUTHENTICATIONFAILED] Invalid credentials"
    )
    desk.goto(f"{live_server.url}/settings/email/")
    assert desk.locator(".imap-status .error-text", has_text="AUTHENTICATIONFAILED").count() == 1
    _shoot_both(shoot, desk, admin_phone, "email-03c-imap-error")

    # A customer writes to it: a photo pasted inline, the history quoted below, a colleague CC'd
    with scopes_disabled():
        inbound = messaging_services.inbound_receive(
            mailbox=mailbox, raw=_customer_mail(mailbox.address), source="mailgate"
        )
        assert inbound.state == InboundState.PROCESSED
        number = inbound.ticket.number

    # The agent finds the ticket in the inbox and opens it
    agent_page = new_page(locale="id-ID")
    agent_phone = new_page(locale="id-ID", **PHONE)
    sign_in(agent_page, live_server.url, agent.email)
    sign_in(agent_phone, live_server.url, agent.email)
    agent_page.goto(f"{live_server.url}/desk/?view=all")
    agent_page.get_by_role("link", name=re.compile(number)).first.click()
    agent_page.wait_for_url(re.compile(rf"/desk/tickets/{number}/"))

    first = agent_page.locator(".conversation article.message").first
    photo = first.locator(".body img[alt='Foto modem']")
    photo.wait_for()
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0")
    assert "cid:" not in photo.get_attribute("src")
    # the photo is shown once, in place: not again as an attachment
    assert first.locator(".attachments img").count() == 0
    quote = first.locator("details.quoted")
    assert not quote.locator("blockquote").is_visible()
    assert first.locator(".original-link").count() == 1
    assert agent_page.locator(".participants", has_text="Joko Prasetyo").count() == 1
    _shoot_both(shoot, agent_page, agent_phone, "email-04-agent-opens-the-ticket")

    quote.locator("summary").click()
    assert quote.locator("blockquote", has_text="mohon kirim foto lampu").is_visible()
    shoot(agent_page, "email-05-quote-unfolded")

    # The agent replies; the reply goes out by e-mail and shows how that went
    agent_page.check("input[name=kind][value=reply]")
    agent_page.fill(
        "#composer textarea[name=body]",
        "Terima kasih Bu Siti. Teknisi kami datang hari ini pukul 13.00.",
    )
    agent_page.locator("#composer button[type=submit]").click()
    agent_page.wait_for_selector("text=Teknisi kami datang hari ini")
    reply = agent_page.locator(".conversation article.message", has_text="Teknisi kami datang")
    badge = reply.locator(".badge.delivery")
    assert badge.count() == 1
    assert badge.inner_text().strip()  # in words, not only a colour
    _shoot_both(shoot, agent_page, agent_phone, "email-06-reply-with-delivery-state")

    # A storm of mail from one sender: the second message is held back
    settings.KARCIS_MAIL_SENDER_LIMIT = 1
    with scopes_disabled():
        for n in (1, 2):
            held = messaging_services.inbound_receive(
                mailbox=mailbox, raw=_held_back_mail(mailbox.address, n), source="mailgate"
            )
        assert held.state == InboundState.REJECTED

    # The admin sees the processed message in Incoming mail…
    desk.locator(".settings-nav a[href$='/settings/incoming-mail/']").click()
    desk.wait_for_url(re.compile(r"/incoming-mail/$"))
    processed_row = desk.locator("table.inbound tbody tr", has_text="Internet mati")
    assert processed_row.locator("a", has_text=number).count() == 1
    _shoot_both(shoot, desk, admin_phone, "email-07-incoming-mail")

    # …filters the rejected ones, opens the held-back message and runs it again
    desk.locator(".state-filters a.state-filter-rejected").click()
    desk.wait_for_url(re.compile(r"state=rejected"))
    assert desk.locator("table.inbound tbody tr").count() == 1
    desk.locator("table.inbound tbody tr a").first.click()
    desk.wait_for_url(re.compile(r"/incoming-mail/\d+/$"))
    assert desk.locator(".mail-headers", has_text="andi@example.com").count() == 1
    _shoot_both(shoot, desk, admin_phone, "email-08-held-back-message")
    desk.locator("form[action$='/rerun/'] button").click()
    desk.wait_for_selector(".alert-success")
    assert desk.locator("form[action$='/rerun/']").count() == 0
    with scopes_disabled():
        held.refresh_from_db()
        assert held.state == InboundState.PROCESSED
        assert desk.locator(".inbound-detail a", has_text=held.ticket.number).count() >= 1
    _shoot_both(shoot, desk, admin_phone, "email-09-run-again")
