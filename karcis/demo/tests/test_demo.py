"""The demo that `make run` loads: built through the real services, with a believable history."""

import string
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from karcis.core.models import Contact, Event, Organisation, Role, User
from karcis.demo import data
from karcis.demo.builder import HISTORY_DAYS, TEXT_KINDS, Planner, continuing, status_counts
from karcis.demo.data import DEMO_PASSWORD, DEMO_SLUG
from karcis.desk import search
from karcis.desk.models import (
    Category,
    CustomField,
    MessageKind,
    Status,
    Tag,
    Ticket,
    TicketParticipant,
)
from karcis.messaging.models import InboundAction, InboundEmail, Mailbox

DEMO_TICKETS = 40


def load(tickets: int = DEMO_TICKETS) -> str:
    out = StringIO()
    call_command("demo_load", tickets=tickets, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db):
    load()
    return Organisation.objects.get(slug=DEMO_SLUG)


def test_demo_load_creates_organisation_people_and_settings(demo):
    assert (demo.name, demo.ticket_prefix, demo.time_zone, demo.support_email) == (
        "PT Nusantara Digital",
        "KRC",
        "Asia/Jakarta",
        "bantuan@nusantara.test",
    )
    staff = User.objects.filter(organisation=demo).exclude(role=Role.CUSTOMER)
    roles = sorted(staff.values_list("role", flat=True))
    assert roles == ["admin"] + ["agent"] * 6 + ["supervisor"]
    assert all(user.check_password(DEMO_PASSWORD) for user in staff)
    assert sorted(demo.teams.values_list("name", flat=True)) == sorted(data.TEAMS)
    assert any(agent.teams.count() == 2 for agent in staff.filter(role=Role.AGENT))
    assert all(team.members.exists() for team in demo.teams.all())

    customer = User.objects.get(organisation=demo, role=Role.CUSTOMER)
    assert customer.check_password(DEMO_PASSWORD)
    assert Ticket.objects.filter(requester__user=customer).count() >= 3

    paths = set(Category.objects.filter(organisation=demo).values_list("path", flat=True))
    assert {"Tagihan › Pembayaran gagal", "Teknis › Gangguan total", "Informasi umum"} <= paths
    assert set(data.TAGS) <= set(
        Tag.objects.filter(organisation=demo).values_list("name", flat=True)
    )
    fields = {f.key: f for f in CustomField.objects.filter(organisation=demo)}
    assert fields["nomor_pelanggan"].visible_to_customer
    assert fields["wilayah"].choices == data.CITIES


def _from_demo_mail(demo) -> list[int]:
    """The tickets opened today, not by the plan: by the demo's sample e-mails
    (messaging/demo.py) and to show the SLA's clocks running (data.SLA_SHOWCASE)."""
    mail = InboundEmail.objects.filter(organisation=demo, action=InboundAction.TICKET_CREATED)
    showcase = Ticket.objects.filter(
        organisation=demo, subject__in=[spec["subject"] for spec in data.SLA_SHOWCASE]
    )
    return [
        *mail.values_list("ticket_id", flat=True),
        *showcase.values_list("pk", flat=True),
    ]


def test_demo_tickets_show_every_sla_state(demo):
    states = set(Ticket.objects.filter(organisation=demo).values_list("sla_state", flat=True))
    assert {"on_time", "at_risk", "breached", "paused", "met"} <= states


def test_demo_mailbox_received_sample_mail_through_the_pipeline(demo):
    mailbox = Mailbox.objects.get(organisation=demo)
    assert mailbox.address == demo.support_email and mailbox.is_default
    outcomes = sorted(InboundEmail.objects.filter(mailbox=mailbox).values_list("state", "action"))
    assert outcomes == [
        ("processed", "message_added"),
        ("processed", "ticket_created"),
        ("processed", "ticket_created"),
        ("rejected", ""),
    ]
    first = InboundEmail.objects.get(message_id="demo-modem-1@mail.example.net")
    assert first.ticket.participants.get().contact.email == "rosa.manurung@example.net"
    assert first.desk_message.attachments.get().filename == "lampu-modem.png"


def test_demo_tickets_cover_every_status_with_a_consistent_history(demo):
    now = timezone.now()
    tickets = list(
        Ticket.objects.filter(organisation=demo)
        .exclude(pk__in=_from_demo_mail(demo))
        .prefetch_related("messages__author_user")
        .order_by("number")
    )
    assert len(tickets) == DEMO_TICKETS
    assert {t.status for t in tickets} == set(Status.values)
    assert len({t.channel for t in tickets}) >= 4
    assert {t.priority for t in tickets} >= {"normal", "high"}
    # Numbers follow arrival, as they would in a desk that has been running for two months.
    assert [t.created_at for t in tickets] == sorted(t.created_at for t in tickets)
    assert now - timedelta(days=HISTORY_DAYS) < tickets[0].created_at
    assert (now - tickets[0].created_at) > timedelta(days=30)
    # Everyone is a requester, or (CC'd on a sample e-mail) a participant.
    followers = TicketParticipant.objects.values("contact_id")
    assert (
        Contact.objects.filter(organisation=demo, tickets__isnull=True)
        .exclude(pk__in=followers)
        .count()
        == 0
    )

    events = {}
    for event in Event.objects.filter(organisation=demo, object_type="desk.ticket"):
        events.setdefault(event.object_id, []).append(event)
    for ticket in tickets:
        messages = list(ticket.messages.all())
        assert 1 <= len(messages) <= 6 and ticket.message_count == len(messages)
        assert messages[0].created_at == ticket.created_at
        assert messages[0].author_contact_id == ticket.requester_id
        assert all(ticket.created_at <= m.created_at <= now for m in messages), ticket.number
        agent_replies = [
            m.created_at for m in messages if m.kind == MessageKind.REPLY and m.author_user_id
        ]
        assert ticket.first_response_at == (min(agent_replies) if agent_replies else None)
        assert ticket.updated_at >= messages[-1].created_at
        assert (ticket.solved_at is not None) == (ticket.status in (Status.SOLVED, Status.CLOSED))
        assert (ticket.closed_at is not None) == (ticket.status == Status.CLOSED)
        if ticket.closed_at:
            assert ticket.solved_at < ticket.closed_at <= now
        if ticket.status != Status.NEW:
            assert ticket.assignee_id and ticket.team_id and ticket.category_id
        history = events[ticket.pk]
        assert history[0].type == "desk.ticket.created"
        assert all(ticket.created_at <= e.created_at <= now for e in history), ticket.number
        assert [e.created_at for e in history] == sorted(e.created_at for e in history)


def test_demo_load_twice_reuses_the_demo(demo):
    counts = (
        Ticket.objects.count(),
        User.objects.count(),
        Contact.objects.count(),
        Event.objects.count(),
    )

    output = load()

    total = DEMO_TICKETS + len(_from_demo_mail(Organisation.objects.get(slug=DEMO_SLUG)))
    assert output.strip() == f"Demo already loaded: {total} tickets"
    assert (
        Ticket.objects.count(),
        User.objects.count(),
        Contact.objects.count(),
        Event.objects.count(),
    ) == counts
    assert Organisation.objects.filter(slug=DEMO_SLUG).count() == 1


def test_search_finds_demo_tickets(demo):
    tickets = Ticket.objects.filter(organisation=demo)
    about_bills = set(tickets.filter(subject__icontains="tagihan").values_list("pk", flat=True))

    found = set(search.tickets_matching(tickets, "tagihan").values_list("pk", flat=True))

    assert found and about_bills <= found
    first = tickets.order_by("number").first()
    word = max(search.query_words(first.subject), key=len)
    assert first.pk in set(search.tickets_matching(tickets, word).values_list("pk", flat=True))


def test_demo_logins_prints_addresses_and_logins(demo):
    out = StringIO()
    call_command("demo_logins", port=8123, stdout=out)
    text = out.getvalue()
    for url in (
        "http://127.0.0.1:8123/",
        "http://127.0.0.1:8123/desk/",
        "http://127.0.0.1:8123/portal/demo/",
        "http://127.0.0.1:8123/api/docs/",
    ):
        assert url in text
    for email in (
        "admin@nusantara.test",
        "supervisor@nusantara.test",
        "budi@nusantara.test",
        "sari@nusantara.test",
        data.CUSTOMER["email"],
    ):
        assert email in text
    assert DEMO_PASSWORD in text
    assert "not loaded" not in text


def test_demo_logins_says_when_demo_is_missing(db):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "demo_load" in out.getvalue()


# --- the plan, without a database ---------------------------------------------------------

FIXED_NOW = datetime(2025, 3, 12, 4, 30, tzinfo=UTC)


def test_status_counts_follow_the_shares():
    assert status_counts(500) == {
        "new": 50,
        "open": 125,
        "pending": 50,
        "on_hold": 25,
        "solved": 125,
        "closed": 125,
    }
    for total in (6, 7, 40, 123):
        counts = status_counts(total)
        assert sum(counts.values()) == total and min(counts.values()) >= 1


def test_plan_is_the_same_every_time():
    first, _people, _customer = Planner(tickets=60, now=FIXED_NOW).plans()
    again, _people, _customer = Planner(tickets=60, now=FIXED_NOW).plans()
    assert [(p.subject, p.status, p.created_at) for p in first] == [
        (p.subject, p.status, p.created_at) for p in again
    ]


def test_full_plan_is_rendered_and_links_follow_ups_to_closed_tickets():
    plans, people, _customer = Planner(tickets=500, now=FIXED_NOW).plans()

    assert 150 <= len(people) <= 200
    assert sum(p.outage for p in plans) == 25
    texts = [text for p in plans for text in (p.subject, p.opening, *(s.text for s in p.steps))]
    assert not [text for text in texts if "{" in text or "}" in text]
    follow_ups = [p for p in plans if p.follow_up_of]
    assert follow_ups
    for plan in follow_ups:
        original = plan.follow_up_of
        assert original.status == "closed" and original.closed_at < plan.created_at
        assert original.number in plan.opening and "follow-up" in plan.tags
        assert plan.opening.count("Terima kasih.") <= 1  # the original's sign-off is not copied


def test_every_demo_text_has_known_placeholders_and_every_case_has_texts():
    plans, _people, _customer = Planner(tickets=60, now=FIXED_NOW).plans()
    known = set(plans[0].context) | {
        "sapaan",
        "waktu",
        "agen",
        "agen_nama",
        "tim",
        "isi",
        "isi_lanjut",
    }
    texts = [
        data.NUDGES,
        data.THANKS,
        data.CONFIRM_SOLVED,
        data.AGENT_UPDATES,
        data.ESCALATION_NOTES,
        data.FOLLOW_UP_OPENINGS,
        *data.CUSTOMER_FORMATS.values(),
        *data.AGENT_FORMATS.values(),
    ]
    for name, topic in data.TOPICS.items():
        texts += [topic.get(kind, []) for kind in TEXT_KINDS]
        for case in topic["cases"]:
            texts += [case.get(kind, []) for kind in (*TEXT_KINDS, "subjects", "openings")]
            for kind in (*TEXT_KINDS, "subjects", "openings"):
                assert case.get(kind) or topic.get(kind), (name, kind, case["subjects"][0])
    for pool in texts:
        for text in pool:
            fields = {f for _literal, f, _spec, _conv in string.Formatter().parse(text) if f}
            assert fields <= known, (text, fields - known)


def test_continuing_lowercases_only_ordinary_words():
    assert continuing("Sudah beres.") == "sudah beres."
    assert continuing("NusaNet bagus") == "NusaNet bagus"
    assert continuing("OTP tidak masuk") == "OTP tidak masuk"
