"""Password reset in a real browser: ask from the sign-in page → read the e-mail the outbox
sent → set a new password → sign in with it. An agent at 1366 px (the staff sign-in), a
customer on a phone at 390 px (the portal's sign-in); and the pause after failed attempts."""

import re

import pytest
from django.core import mail
from django_scopes import scopes_disabled

from karcis.core import services as core_services
from karcis.core import throttle
from karcis.core.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "rahasia-123"
NEW_PASSWORD = "kopi-susu-2026"


@pytest.fixture
def people(settings, live_server):
    # Links in e-mail point at the site's public address: here, the live server.
    settings.KARCIS_BASE_URL = live_server.url
    with scopes_disabled():
        org = core_services.organisation_create(
            name="Dinas Pelayanan Publik", slug="dinas", ticket_prefix="KRC"
        )
        other = core_services.organisation_create(
            name="PDAM Tirta", slug="pdam", ticket_prefix="PDM"
        )
        agent = core_services.staff_user_create(
            organisation=org,
            email="budi@dinas.test",
            name="Budi Santoso",
            role=Role.AGENT,
            password=PASSWORD,
        )
        # One person, a customer of two organisations with one address.
        customer = core_services.customer_user_create(
            organisation=org, email="dewi@example.com", name="Dewi Lestari", password=PASSWORD
        )
        core_services.customer_user_create(
            organisation=other, email="dewi@example.com", name="Dewi Lestari", password="lain-123"
        )
    mail.outbox = []
    return org, agent, customer


def _link_in_last_mail(live_server, path):
    body = mail.outbox[-1].body
    match = re.search(rf"{re.escape(live_server.url)}{path}\S+/\S+/", body)
    assert match, body
    return match.group(0)


def test_agent_resets_the_password_from_the_sign_in_page(live_server, new_page, shoot, people):
    _org, agent, _customer = people
    page = new_page(locale="id-ID", width=1366)
    page.goto(f"{live_server.url}/login/")
    shoot(page, "reset-01-staff-sign-in-1366")
    page.get_by_role("link", name="Lupa kata sandi?").click()
    page.wait_for_url(re.compile(r"/login/reset/$"))
    page.fill("input[name=email]", agent.email)
    shoot(page, "reset-02-staff-asks-1366")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/login/reset/sent/$"))
    assert "Periksa" in page.locator("h1").inner_text()
    shoot(page, "reset-03-staff-sent-1366")

    assert len(mail.outbox) == 1 and mail.outbox[0].to == [agent.email]
    link = _link_in_last_mail(live_server, "/login/reset/")
    page.goto(link)
    page.fill("input[name=password1]", NEW_PASSWORD)
    page.fill("input[name=password2]", NEW_PASSWORD)
    shoot(page, "reset-04-staff-new-password-1366")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/login/$"))
    assert "sudah diganti" in page.content()
    shoot(page, "reset-05-staff-changed-1366")

    page.fill("input[name=username]", agent.email)
    page.fill("input[name=password]", NEW_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/desk/"))

    # The link worked once.
    page.goto(link)
    assert "tidak berfungsi" in page.locator("h1").inner_text()


def test_customer_resets_the_password_on_the_portal_from_a_phone(
    live_server, new_page, shoot, people
):
    org, _agent, customer = people
    page = new_page(locale="id-ID", width=390, height=844)
    page.goto(f"{live_server.url}/portal/{org.slug}/")
    page.locator("a", has_text="Masuk").first.click()
    page.wait_for_url(re.compile(rf"/portal/{org.slug}/signin/"))
    shoot(page, "reset-06-portal-sign-in-390")
    page.get_by_role("link", name="Lupa kata sandi?").click()
    page.fill("input[name=email]", customer.email)
    shoot(page, "reset-07-portal-asks-390")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/portal/{org.slug}/password-reset/sent/$"))
    shoot(page, "reset-08-portal-sent-390")

    # Only this organisation's account gets a link.
    assert len(mail.outbox) == 1
    link = _link_in_last_mail(live_server, f"/portal/{org.slug}/password-reset/")
    page.goto(link)
    page.fill("input[name=password1]", NEW_PASSWORD)
    page.fill("input[name=password2]", NEW_PASSWORD)
    shoot(page, "reset-09-portal-new-password-390")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/portal/{org.slug}/signin/$"))
    page.fill("input[name=username]", customer.email)
    page.fill("input[name=password]", NEW_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/portal/{org.slug}/my-tickets/"))
    shoot(page, "reset-10-portal-signed-in-390")


def test_failed_attempts_pause_the_sign_in(live_server, new_page, shoot, people):
    org, _agent, customer = people
    for width in (1366, 390):
        page = new_page(locale="id-ID", width=width)
        for _ in range(throttle.SIGNIN_ACCOUNT.limit):
            page.goto(f"{live_server.url}/portal/{org.slug}/signin/")
            page.fill("input[name=username]", customer.email)
            page.fill("input[name=password]", "salah-terus")
            page.locator("main form button[type=submit]").click()
            page.wait_for_load_state()
        assert "coba lagi setelah pukul" in page.locator("[role=alert]").inner_text()
        shoot(page, f"reset-11-portal-paused-{width}")
