"""SLA clocks in a real browser: an administrator sets the office hours and a policy; a
customer's ticket shows its due time and how it was worked out; the clock moves on (the
scheduler's scan, run as it runs every 20 seconds, at the moments the clock reaches its
warning and its due time); the inbox shows the ticket at risk, then breached; the
supervisor finds the breach under the bell."""

import re
from datetime import timedelta

import pytest
from django_scopes import scope, scopes_disabled

from karcis.core import services as core_services
from karcis.core.eventlog import events_dispatch
from karcis.core.models import Role
from karcis.sla import services as sla_services
from karcis.sla.models import SlaClock
from tests.browser.staff import PASSWORD, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people():
    with scopes_disabled():
        org = core_services.organisation_create(
            name="Dinas Pelayanan Publik", slug="dinas", ticket_prefix="KRC"
        )
        staff = {
            role: core_services.staff_user_create(
                organisation=org,
                email=f"{name.lower()}@dinas.test",
                name=name,
                role=role,
                password=PASSWORD,
            )
            for role, name in ((Role.ADMIN, "Rina"), (Role.SUPERVISOR, "Sinta"))
        }
    return org, staff[Role.ADMIN], staff[Role.SUPERVISOR]


def test_due_time_at_risk_breached_and_told(live_server, new_page, shoot, people):
    org, admin, supervisor = people

    # Given an administrator who sets the office hours…
    desk = new_page(locale="id-ID")
    sign_in(desk, live_server.url, admin.email)
    desk.goto(f"{live_server.url}/settings/calendars/")
    desk.get_by_role("link", name="Buat kalender pertama").click()
    desk.get_by_label("Nama", exact=True).fill("Jam kerja kantor")
    for day in ("Senin", "Selasa", "Rabu", "Kamis"):
        desk.get_by_label(day).fill("08:00-17:00")
    desk.get_by_label("Jumat").fill("08:00-11:30, 13:00-17:00")
    desk.get_by_label("Sabtu").press("Enter")
    desk.wait_for_url("**/settings/calendars/*/")
    shoot(desk, "sla-01-office-hours")

    # …and a policy: first answer within an hour of business time, at risk at 75%.
    desk.goto(f"{live_server.url}/settings/sla/")
    desk.get_by_role("link", name="Buat kebijakan pertama").click()
    desk.get_by_label("Nama", exact=True).fill("Standar")
    desk.get_by_label("Target respons pertama").fill("60")
    desk.get_by_label("Target penyelesaian").fill("480")
    form = desk.locator("form.settings-form")
    form.get_by_label("Beri tahu penanggung jawab dan supervisor").last.check()
    shoot(desk, "sla-02-policy-form")
    form.get_by_role("button", name="Buat kebijakan").click()
    desk.wait_for_url("**/settings/sla/")
    assert "Standar" in desk.locator("table.list").inner_text()
    shoot(desk, "sla-03-policies")

    # When a customer sends a request from the portal
    customer = new_page(locale="id-ID")
    customer.goto(f"{live_server.url}/portal/{org.slug}/new/")
    customer.fill("#id_name", "Dewi Lestari")
    customer.fill("#id_email", "dewi@example.com")
    customer.fill("#id_subject", "KTP-el belum jadi setelah tiga bulan")
    customer.fill(
        "#id_description", "Saya merekam KTP-el bulan Agustus, sampai sekarang belum jadi."
    )
    customer.locator("main form button[type=submit]").last.click()
    customer.wait_for_selector(".ticket-number")
    number = customer.locator(".ticket-number").inner_text().strip()

    # Then its page shows the due time, and explains it
    desk.goto(f"{live_server.url}/desk/tickets/{number}/")
    panel = desk.locator(".sla-panel")
    assert "Respons pertama" in panel.inner_text()
    assert "Tepat waktu" in panel.inner_text()
    shoot(desk, "sla-04-ticket-due-time")
    panel.get_by_role("link", name="Jelaskan tenggat ini").click()
    desk.wait_for_url(re.compile(rf"/desk/tickets/{number}/sla/"))
    explained = desk.locator("main").inner_text()
    assert "Standar" in explained and "Jam kerja kalender “Jam kerja kantor”" in explained
    shoot(desk, "sla-05-explained")

    # When the clock reaches 75% of the hour (the scheduler's scan at that moment)
    with scopes_disabled(), scope(organisation=org.pk):
        clock = SlaClock.objects.get(target="first_response")
        warn_at, due_at = clock.warn_at, clock.due_at
        assert sla_services.clocks_due_announce(now=warn_at + timedelta(seconds=1)) == 1
    desk.goto(f"{live_server.url}/desk/?view=all&sort=due")
    row = desk.locator("table.tickets tr", has_text=number)
    assert "Berisiko" in row.inner_text()
    shoot(desk, "sla-06-inbox-at-risk")

    # …and then its due time
    with scopes_disabled(), scope(organisation=org.pk):
        assert sla_services.clocks_due_announce(now=due_at + timedelta(seconds=1)) == 1
    desk.reload()
    assert "Dilanggar" in desk.locator("table.tickets tr", has_text=number).inner_text()
    shoot(desk, "sla-07-inbox-breached")
    history = desk.goto(f"{live_server.url}/desk/tickets/{number}/")
    assert history is not None
    assert "SLA dilanggar" in desk.locator(".history").inner_text()

    # Then the supervisor is told (the scheduler hands the events to the notifications)
    with scopes_disabled():
        events_dispatch()
    boss = new_page(locale="id-ID", width=390, height=844)
    sign_in(boss, live_server.url, supervisor.email)
    boss.locator("[data-bell-count]").wait_for(state="visible")
    boss.locator("[data-bell-toggle]").click()
    notice = boss.locator("#bell-panel").get_by_text("target respons pertama dilanggar")
    notice.wait_for()
    shoot(boss, "sla-08-supervisor-told-phone")
    notice.click()
    boss.wait_for_url(re.compile(rf"/desk/tickets/{number}/"))
    assert "Dilanggar" in boss.locator(".sla-panel").inner_text()
    shoot(boss, "sla-09-supervisor-ticket-phone")
    assert boss.evaluate("document.documentElement.scrollWidth") <= 390
