"""Merge and split in a real browser: an agent splits a second question off a ticket into a
ticket of its own, then merges a duplicate ticket into the first after confirming; the inbox
and the ticket page are photographed at 1366 px (a laptop) and 390 px (a phone)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from karcis.core import services as core_services
from karcis.core.content import body_from
from karcis.core.models import Role
from karcis.desk import services as desk_services
from karcis.desk.models import Message, Ticket
from tests.browser.staff import PASSWORD, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk_data():
    with scopes_disabled():
        org = core_services.organisation_create(
            name="Dinas Pelayanan Publik", slug="dinas", ticket_prefix="KRC"
        )
        team = core_services.team_create(organisation=org, name="Pengaduan")
        agent = core_services.staff_user_create(
            organisation=org,
            email="budi@dinas.test",
            name="Budi Santoso",
            role=Role.AGENT,
            password=PASSWORD,
            teams=[team],
        )
        wati = core_services.contact_resolve(
            organisation=org, name="Wati", email="wati@example.com"
        )
        start = timezone.now() - timedelta(hours=3)
        first = desk_services.ticket_create(
            organisation=org,
            requester=wati,
            subject="Jalan berlubang di depan sekolah",
            body=body_from(text="Sudah dua minggu, berbahaya untuk anak-anak."),
            channel="web",
            team=team,
            created_at=start,
        )
        desk_services.message_add(
            ticket=first,
            body=body_from(text="Satu lagi: lampu jalan di Jl. Melati juga mati."),
            author_contact=wati,
            at=start + timedelta(minutes=30),
        )
        duplicate = desk_services.ticket_create(
            organisation=org,
            requester=wati,
            subject="Lubang jalan dekat SD 3",
            body=body_from(text="Foto menyusul. Lubangnya makin besar."),
            channel="web",
            team=team,
            created_at=start + timedelta(minutes=45),
        )
        for number in range(8):
            desk_services.ticket_create(
                organisation=org,
                requester=wati,
                subject=f"Pengaduan nomor {number + 1}",
                body=body_from(text="Mohon ditindaklanjuti."),
                channel="web",
                team=team,
            )
    return agent, first, duplicate


def test_split_then_merge(live_server, new_page, shoot, desk_data):
    agent, first, duplicate = desk_data
    desk = new_page(locale="id-ID", width=1366, height=800)
    sign_in(desk, live_server.url, agent.email)
    desk.goto(f"{live_server.url}/desk/")
    shoot(desk, "40-inbox-1366")

    # The second question of the first ticket becomes a ticket of its own.
    desk.goto(f"{live_server.url}/desk/tickets/{first.number}/")
    desk.get_by_text("Pisahkan menjadi tiket baru").click()
    desk.fill(f"#split-subject-{second_message_id(first)}", "Lampu jalan Jl. Melati mati")
    shoot(desk, "41-split-form-1366")
    desk.get_by_role("button", name="Pisahkan", exact=True).click()
    desk.wait_for_url(re.compile(r"/desk/tickets/KRC-\d+/$"))
    assert "Lampu jalan Jl. Melati mati" in desk.locator("h1").inner_text()
    assert first.number in desk.locator(".ticket-links").inner_text()
    shoot(desk, "42-split-result-1366")

    # The duplicate is merged into the first ticket, after a confirmation.
    desk.goto(f"{live_server.url}/desk/tickets/{duplicate.number}/")
    desk.get_by_text("Gabungkan ke tiket lain").click()
    desk.fill("#merge-into", first.number.split("-")[1].lstrip("0"))  # "1" is enough
    desk.get_by_role("button", name="Lanjutkan").first.click()
    desk.wait_for_url(re.compile(r"/merge/\?into="))
    shoot(desk, "43-merge-confirm-1366")
    desk.get_by_label("Beri tahu pelapor").check()
    desk.get_by_role("button", name=re.compile("^Gabungkan KRC")).click()
    desk.wait_for_url(f"{live_server.url}/desk/tickets/{first.number}/")
    conversation = desk.locator(".conversation").inner_text()
    assert conversation.index("berbahaya") < conversation.index("Lubangnya makin besar")
    assert "telah digabungkan" in conversation  # the notice to the requester
    shoot(desk, "44-merge-result-1366")
    desk.goto(f"{live_server.url}/desk/tickets/{duplicate.number}/")
    assert first.number in desk.locator(".merged-notice").inner_text()
    shoot(desk, "45-merged-ticket-1366")

    # On a phone: the inbox's view switcher and select-all row, and the merged ticket.
    phone = new_page(locale="id-ID", width=390, height=844)
    sign_in(phone, live_server.url, agent.email)
    phone.goto(f"{live_server.url}/desk/")
    shoot(phone, "46-inbox-390")
    phone.goto(f"{live_server.url}/desk/tickets/{first.number}/")
    shoot(phone, "47-ticket-390")
    phone.goto(f"{live_server.url}/desk/tickets/{duplicate.number}/merge/?into={first.number}")
    shoot(phone, "48-merge-confirm-390")
    with scopes_disabled():
        assert Ticket.objects.get(pk=duplicate.pk).merged_into_id == first.pk


def second_message_id(ticket):
    with scopes_disabled():
        return Message.objects.filter(ticket=ticket).order_by("created_at", "id")[1].pk
