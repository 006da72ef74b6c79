"""What the agent is told about how an e-mail came in, in a real browser: a forwarded message
readable on the ticket, the people in Cc beyond the limit counted, a damaged attachment noted,
and an out-of-office marked as automatic. Shot at 1366 px and at phone width (390 px)."""

import re
from pathlib import Path

import pytest
from django_scopes import scopes_disabled

from karcis.core import services as core_services
from karcis.core.models import Role
from karcis.messaging import services as messaging_services
from karcis.messaging.models import InboundState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "rahasia-123"
CORPUS = Path(__file__).resolve().parents[2] / "karcis/messaging/tests/corpus"


def _forward_with_many_cc_and_a_cut_file() -> bytes:
    """Corpus 59 (a forwarded message) copied to 55 people, with a file cut off in transit."""
    raw = (CORPUS / "59-forwarded-rfc822-html.eml").read_bytes()
    cc = ",\r\n ".join(f"Warga {n} <warga{n}@example.org>" for n in range(55))
    raw = raw.replace(
        b"To: bantuan@nusantara.test\n", f"To: bantuan@nusantara.test\nCc: {cc}\n".encode(), 1
    )
    cut_file = (
        b'--outer59\nContent-Type: text/plain; name="server.log"\n'
        b'Content-Disposition: attachment; filename="server.log"\n'
        b"Content-Transfer-Encoding: base64\n\nMjAyNC0wMi0yMCBFUlJPUiBrb25la3NpIHB1dH\n"
    )
    return raw.replace(b"--outer59--", cut_file + b"--outer59--")


def _out_of_office(message_id: str) -> bytes:
    return (
        "From: Rina Marlina <rina@example.com>\nTo: bantuan@nusantara.test\n"
        "Subject: Balasan Otomatis: Komplain pelanggan kantor cabang\n"
        f"In-Reply-To: <{message_id}>\nMessage-ID: <ooo.rina@example.com>\n"
        "Content-Type: text/plain; charset=UTF-8\n\n"
        "Saya sedang cuti sampai 1 Maret.\n"
    ).encode()


def test_the_agent_reads_a_forward_and_what_was_noted_while_mail_came_in(
    live_server, new_page, shoot
):
    with scopes_disabled():
        org = core_services.organisation_create(
            name="PT Nusantara Net", slug="nusanet", ticket_prefix="KRC"
        )
        agent = core_services.staff_user_create(
            organisation=org,
            email="budi@nusanet.test",
            name="Budi Santoso",
            role=Role.AGENT,
            password=PASSWORD,
        )
        mailbox = messaging_services.mailbox_create(
            organisation=org, address="bantuan@nusantara.test", name="Bantuan"
        )
        first = messaging_services.inbound_receive(
            mailbox=mailbox, raw=_forward_with_many_cc_and_a_cut_file(), source="mailgate"
        )
        assert first.state == InboundState.PROCESSED, first.reason
        away = messaging_services.inbound_receive(
            mailbox=mailbox, raw=_out_of_office("forward-59@example.com"), source="mailgate"
        )
        assert away.ticket == first.ticket
        number = first.ticket.number

    for width, height, suffix in ((1366, 900, ""), (390, 844, "-phone")):
        page = new_page(locale="id-ID", width=width, height=height)
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", agent.email)
        page.fill("input[name=password]", PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/desk/"))
        page.goto(f"{live_server.url}/desk/tickets/{number}/")

        messages = page.locator(".conversation article.message")
        forward = messages.nth(0)
        notes = forward.locator(".intake-notes")
        assert notes.is_visible()
        assert notes.get_by_text("Sebagian pesan rusak").is_visible()
        assert notes.get_by_text("5 orang lagi di Cc tidak ditambahkan").is_visible()
        block = forward.locator(".body blockquote", has_text="Pesan yang diteruskan")
        assert block.get_by_text("rusak total").is_visible()
        assert block.locator("th", has_text="Dari").count() == 1
        automatic = messages.nth(1).locator(".automatic-badge")
        assert automatic.is_visible() and "Pesan otomatis" in automatic.inner_text()
        shoot(page, f"email-notes-01-ticket{suffix}")
