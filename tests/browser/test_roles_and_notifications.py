"""Roles and the bell, in a real browser: an administrator makes a role that may only write
internal notes and gives it to an agent; a supervisor assigns the agent a ticket and mentions
them in a note; the agent sees the bell's count, opens the notification and lands on the
ticket, where the composer offers only notes."""

import re

import pytest
from django_scopes import scopes_disabled

from karcis.core import services as core_services
from karcis.core.content import body_from
from karcis.core.eventlog import events_dispatch
from karcis.core.models import Role
from karcis.desk import services as desk_services
from tests.browser.staff import PASSWORD, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people():
    with scopes_disabled():
        org = core_services.organisation_create(
            name="Dinas Pelayanan Publik", slug="dinas", ticket_prefix="KRC"
        )
        team = core_services.team_create(organisation=org, name="Pengaduan")
        admin = core_services.staff_user_create(
            organisation=org,
            email="rina@dinas.test",
            name="Rina Admin",
            role=Role.ADMIN,
            password=PASSWORD,
        )
        agent = core_services.staff_user_create(
            organisation=org,
            email="budi@dinas.test",
            name="Budi Santoso",
            role=Role.AGENT,
            password=PASSWORD,
            teams=[team],
        )
        requester = core_services.contact_resolve(
            organisation=org, name="Wati", email="wati@example.com"
        )
        ticket = desk_services.ticket_create(
            organisation=org,
            requester=requester,
            subject="Jalan berlubang di depan sekolah",
            body=body_from(text="Sudah dua minggu, berbahaya untuk anak-anak."),
            channel="web",
            team=team,
        )
    return org, admin, agent, ticket


def test_a_role_for_notes_only_and_the_bell(live_server, new_page, shoot, people):
    org, admin, agent, ticket = people

    # An administrator makes a role that works tickets but only writes internal notes.
    desk = new_page(locale="id-ID")
    sign_in(desk, live_server.url, admin.email)
    desk.goto(f"{live_server.url}/settings/roles/")
    shoot(desk, "20-admin-roles")
    desk.get_by_role("link", name="Peran baru").click()
    desk.fill("#id_name", "Agen Ringan")
    desk.fill("#id_description", "Relawan: mencatat, tidak membalas warga")
    desk.get_by_label("Mengerjakan tiket").check()
    desk.get_by_label("Menulis catatan internal").check()
    shoot(desk, "21-admin-new-role")
    desk.locator("main form button[type=submit]").first.click()
    desk.wait_for_url(re.compile(r"/settings/roles/$"))
    assert desk.locator("text=Agen Ringan").count() >= 1

    # …and gives it to Budi.
    desk.goto(f"{live_server.url}/settings/agents/")
    desk.get_by_role("link", name="Budi Santoso").click()
    desk.select_option("#id_role", label="Agen Ringan")
    desk.locator("main form button[type=submit]").first.click()
    desk.wait_for_url(re.compile(r"/settings/agents/$"))
    assert desk.locator("td", has_text="Agen Ringan").count() == 1

    # The administrator assigns Budi the ticket and asks him about it in a note.
    desk.goto(f"{live_server.url}/desk/tickets/{ticket.number}/")
    desk.select_option("#id_assignee", label="Budi Santoso")
    desk.locator(".properties button[type=submit]").click()
    desk.wait_for_selector("text=Tiket diperbarui")
    desk.check("input[name=kind][value=note]")
    desk.fill("#composer textarea[name=body]", "@budi tolong cek lokasinya besok pagi ya.")
    desk.locator("#composer button[type=submit]").click()
    desk.wait_for_selector("text=tolong cek lokasinya")
    # What the scheduler does every few seconds: hand the new events to the notifications.
    with scopes_disabled():
        assert events_dispatch() >= 2

    # Budi signs in: the bell shows two, and opens on them.
    budi = new_page(locale="id-ID")
    sign_in(budi, live_server.url, agent.email)
    count = budi.locator("[data-bell-count]")
    count.wait_for(state="visible")
    assert count.inner_text() == "2"
    budi.locator("[data-bell-toggle]").click()
    panel = budi.locator("#bell-panel")
    panel.get_by_text("Rina Admin menyebut Anda").wait_for()
    assert panel.get_by_text(f"Rina Admin menugaskan {ticket.number}").count() == 1
    shoot(budi, "22-agent-bell-open")

    # Following the mention leads to the ticket, and reads it.
    panel.get_by_text("Rina Admin menyebut Anda").click()
    budi.wait_for_url(re.compile(rf"/desk/tickets/{ticket.number}/"))
    # His role writes notes only: the composer offers nothing else.
    assert budi.locator("input[name=kind][value=reply]").count() == 0
    assert budi.locator("input[name=kind][value=note]").count() == 1
    shoot(budi, "23-agent-ticket-notes-only")
    budi.goto(f"{live_server.url}/notifications/")
    assert budi.locator(".notices .unread").count() == 1
    shoot(budi, "24-agent-notifications")

    # On a phone, the bell's panel fits the screen.
    phone = new_page(locale="id-ID", width=390, height=800)
    sign_in(phone, live_server.url, agent.email)
    phone.locator("[data-bell-toggle]").click()
    phone.locator("#bell-panel").get_by_text("Rina Admin menugaskan").wait_for()
    box = phone.locator("#bell-panel").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    shoot(phone, "25-agent-bell-on-a-phone")
