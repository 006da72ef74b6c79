"""Routing in a real browser: an administrator sends billing requests to the billing team and
lets the team give them out in turn; the preview says which rule matches and who would get
the ticket; an agent goes online from the top bar (on a phone, with the keyboard); a
customer's request from the portal lands with the team and the agent by itself."""

import pytest
from django_scopes import scopes_disabled

from karcis.core import services as core_services
from karcis.core.models import Role
from karcis.desk import services as desk_services
from karcis.desk.models import Ticket
from tests.browser.staff import PASSWORD, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def org_people():
    with scopes_disabled():
        org = core_services.organisation_create(
            name="PDAM Tirta Sejahtera", slug="pdam", ticket_prefix="KRC"
        )
        desk_services.category_create(organisation=org, name="Tagihan")
        admin = core_services.staff_user_create(
            organisation=org,
            email="rina@pdam.test",
            name="Rina",
            role=Role.ADMIN,
            password=PASSWORD,
        )
        budi = core_services.staff_user_create(
            organisation=org,
            email="budi@pdam.test",
            name="Budi",
            role=Role.AGENT,
            password=PASSWORD,
        )
        core_services.team_create(organisation=org, name="Tim Tagihan", members=[budi])
    return org, admin, budi


def test_a_rule_a_mode_an_agent_online_and_the_ticket_finds_them(
    live_server, new_page, shoot, org_people
):
    org, admin, budi = org_people

    # Given an administrator who writes a rule: billing requests go to the billing team
    desk = new_page(locale="id-ID")
    sign_in(desk, live_server.url, admin.email)
    desk.goto(f"{live_server.url}/settings/routing/new/")
    desk.get_by_label("Nama", exact=True).fill("Tagihan ke Tim Tagihan")
    desk.get_by_label("Kirim ke tim").select_option(label="Tim Tagihan")
    desk.get_by_label("Tagihan", exact=True).check()
    shoot(desk, "routing-01-rule-form")
    desk.get_by_role("button", name="Buat aturan").click()
    desk.wait_for_url("**/settings/routing/")
    assert "Tagihan ke Tim Tagihan" in desk.locator("main").inner_text()
    shoot(desk, "routing-02-rules")

    # …and lets the team give its tickets out in turn
    desk.goto(f"{live_server.url}/settings/assignment/")
    desk.get_by_label("Penugasan Tim Tagihan").select_option(label="Bergiliran (round-robin)")
    desk.locator("form", has=desk.get_by_label("Penugasan Tim Tagihan")).get_by_role(
        "button", name="Simpan"
    ).click()
    desk.wait_for_load_state()
    shoot(desk, "routing-03-assignment")

    # The preview: the rule matches; nobody is online yet, so the ticket would wait
    desk.goto(f"{live_server.url}/settings/routing/preview/")
    desk.fill("#id_subject", "Tagihan air bulan ini dua kali lipat")
    desk.select_option("#id_category", label="Tagihan")
    desk.get_by_role("button", name="Pratinjau").click()
    result = desk.locator("main").inner_text()
    assert "Tagihan ke Tim Tagihan" in result
    shoot(desk, "routing-04-preview-waits")

    # When Budi goes online from the top bar, on a phone, with the keyboard
    phone = new_page(locale="id-ID", width=390, height=844)
    sign_in(phone, live_server.url, budi.email)
    status = phone.locator("#agent-status-select")
    status.wait_for()
    status.focus()
    status.select_option(label="Daring")
    phone.locator("#agent-status .agent-dot.agent-online").wait_for()
    shoot(phone, "routing-05-agent-online-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # Then a customer's billing request lands with the team and Budi by itself
    customer = new_page(locale="id-ID")
    customer.goto(f"{live_server.url}/portal/{org.slug}/new/")
    customer.fill("#id_name", "Dewi Lestari")
    customer.fill("#id_email", "dewi@example.com")
    option = customer.locator("#id_category option", has_text="Tagihan")
    customer.select_option("#id_category", value=option.get_attribute("value"))
    customer.fill("#id_subject", "Tagihan air bulan ini dua kali lipat")
    customer.fill("#id_description", "Pemakaian saya biasa saja, tapi tagihannya naik dua kali.")
    customer.locator("main form button[type=submit]").last.click()
    customer.wait_for_selector(".ticket-number")
    number = customer.locator(".ticket-number").inner_text().strip()
    with scopes_disabled():
        ticket = Ticket.objects.select_related("team", "assignee").get(number=number)
        assert (ticket.team.name, ticket.assignee_id) == ("Tim Tagihan", budi.pk)

    phone.goto(f"{live_server.url}/desk/")
    assert number in phone.locator("main").inner_text()
    shoot(phone, "routing-06-agent-gets-it-phone")
    desk.goto(f"{live_server.url}/desk/tickets/{number}/")
    history = desk.locator(".history").inner_text()
    assert "Tagihan ke Tim Tagihan" in history
    shoot(desk, "routing-07-history-names-the-rule")
