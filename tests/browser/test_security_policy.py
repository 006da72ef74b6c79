"""The main pages under the Content-Security-Policy, in a real browser: nothing refused (the
`new_page` fixture fails the test on any violation the console reports), the pages' own
behaviours still work (htmx filters, the bell, the copy field), and Swagger UI renders."""

from datetime import timedelta

import pytest
from django_scopes import scopes_disabled

from karcis.core import services as core_services
from karcis.core.content import body_from
from karcis.core.models import Role
from karcis.desk import services as desk_services
from karcis.messaging import services as messaging_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "rahasia-123"


@pytest.fixture
def desk(db):
    with scopes_disabled():
        org = core_services.organisation_create(
            name="Dinas Pelayanan Publik", slug="dinas", ticket_prefix="KRC"
        )
        billing = desk_services.category_create(organisation=org, name="Tagihan")
        desk_services.category_create(organisation=org, name="Pembayaran gagal", parent=billing)
        admin = core_services.staff_user_create(
            organisation=org,
            email="rina@dinas.test",
            name="Rina Admin",
            role=Role.ADMIN,
            password=PASSWORD,
        )
        messaging_services.mailbox_create(
            organisation=org, address="bantuan@dinas.test", name="Bantuan"
        )
        ticket = desk_services.ticket_create_for_caller(
            organisation=org,
            actor=admin,
            requester_name="Siti Aminah",
            requester_email="siti@example.com",
            requester_phone="",
            subject="Tagihan <img src=x onerror=alert(1)>",
            body=body_from(text="Mohon dicek <script>alert(1)</script>"),
            channel="phone",
        )
    return org, admin, ticket


def sign_in(page, base, email):
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("networkidle")


def test_main_pages_break_no_rule_of_the_policy(live_server, new_page, shoot, desk):
    org, admin, ticket = desk
    base = live_server.url
    page = new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    # The public side
    for path, name in [
        (f"/portal/{org.slug}/", "csp-01-portal"),
        (f"/portal/{org.slug}/new/", "csp-02-portal-new"),
        (f"/portal/{org.slug}/track/", "csp-03-portal-track"),
        ("/login/", "csp-04-login"),
    ]:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        shoot(page, name)

    # The desk, Settings and the API docs, signed in
    sign_in(page, base, "rina@dinas.test")
    page.goto(f"{base}/desk/")
    page.wait_for_load_state("networkidle")
    # htmx still works under the policy: a filter change swaps the list in place.
    if not page.locator("#f-status").is_visible():  # folded on narrow screens
        page.click(".filter-panel > summary")
    page.select_option("#f-status", "any")
    page.wait_for_url("**status=any**")
    page.wait_for_load_state("networkidle")
    shoot(page, "csp-05-inbox")
    page.goto(f"{base}/desk/tickets/{ticket.number}/")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").first.is_visible()
    shoot(page, "csp-06-ticket")
    # The bell's panel comes by htmx too.
    bell = page.locator("[data-bell-toggle]")
    if bell.count():
        bell.first.click()
        page.wait_for_load_state("networkidle")
    for path, name in [
        ("/settings/", "csp-07-settings"),
        ("/settings/categories/", "csp-08-categories"),
        ("/settings/email/", "csp-09-email"),
        ("/settings/incoming-mail/", "csp-10-incoming"),
        ("/notifications/preferences/", "csp-11-notification-preferences"),
        ("/desk/tickets/KRC-999999/", "csp-12-not-found"),
    ]:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        shoot(page, name)

    page.goto(f"{base}/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    shoot(page, "csp-13-api-docs")

    assert dialogs == []  # the subject's and body's markup stayed text


def test_the_django_admin_breaks_no_rule_of_the_policy(live_server, new_page, shoot, desk):
    with scopes_disabled():
        from karcis.core.models import User

        User.objects.create_superuser(email="root@dinas.test", password=PASSWORD, name="Root")
    page = new_page()
    page.goto(f"{live_server.url}/django-admin/login/")
    page.fill("input[name=username]", "root@dinas.test")
    page.fill("input[name=password]", PASSWORD)
    page.locator("#login-form [type=submit]").click()
    page.wait_for_load_state("networkidle")
    for path in ["/django-admin/", "/django-admin/core/user/", "/django-admin/core/user/1/change/"]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
    shoot(page, "csp-14-admin")


def test_the_receipt_selects_its_link_on_focus(live_server, new_page, desk):
    org, admin, ticket = desk
    from karcis.desk import selectors as desk_selectors

    with scopes_disabled():
        token = desk_selectors.tracking_token(ticket=ticket)
    page = new_page()
    page.goto(f"{live_server.url}/portal/{org.slug}/t/{token}/submitted/")
    page.focus("#tracking-link")
    selected = page.evaluate(
        "() => { const f = document.getElementById('tracking-link');"
        " return f.selectionEnd - f.selectionStart; }"
    )
    assert selected == len(page.input_value("#tracking-link")) > 0


def test_an_admin_keeps_an_original_and_sees_a_purged_one(live_server, new_page, shoot, desk):
    from conftest import email_bytes
    from karcis.messaging.models import InboundEmail

    org, admin, ticket = desk
    with scopes_disabled():
        mailbox = org.mailboxes.get()
        kept = messaging_services.inbound_receive(
            mailbox=mailbox,
            raw=email_bytes(to=mailbox.address, subject="Bukti sengketa", message_id="<k@x>"),
            source="smtp",
        )
        old = messaging_services.inbound_receive(
            mailbox=mailbox,
            raw=email_bytes(to=mailbox.address, subject="Lama sekali", message_id="<o@x>"),
            source="smtp",
        )
        InboundEmail.objects.filter(pk=old.pk).update(
            received_at=old.received_at - timedelta(days=200)
        )
        messaging_services.inbound_raw_purge(organisation=org)
    page = new_page(width=390, height=844)
    sign_in(page, live_server.url, "rina@dinas.test")

    page.goto(f"{live_server.url}/settings/incoming-mail/{kept.pk}/")
    page.get_by_role("button", name="Simpan sumber asli").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Disimpan melewati masa simpan").is_visible()
    shoot(page, "csp-15-incoming-kept-390")

    page.goto(f"{live_server.url}/settings/incoming-mail/{old.pk}/")
    assert page.get_by_text("Sumber pesan ini sudah dihapus setelah masa simpan").is_visible()
    assert page.get_by_role("link", name="Unduh e-mail asli (.eml)").count() == 0
    shoot(page, "csp-16-incoming-purged-390")
    page.goto(f"{live_server.url}/settings/incoming-mail/")
    shoot(page, "csp-17-incoming-list-390")
