import pytest
from django.core.exceptions import ValidationError

from karcis.core.content import body_from
from karcis.core.models import Event
from karcis.desk import search, services
from karcis.desk.models import Message, MessageKind, Status, Ticket


def test_ticket_create_numbers_and_first_message(org, contact, make_ticket):
    first = make_ticket(requester=contact)
    second = make_ticket(requester=contact, subject="Internet putus")

    assert first.number == "KRC-000001"
    assert second.number == "KRC-000002"
    assert first.status == Status.NEW
    assert first.messages.get().author_contact == contact
    assert list(Event.objects.filter(object_id=first.pk).values_list("type", flat=True)) == [
        "desk.ticket.created"
    ]


def test_ticket_create_rejects_empty_subject_and_saves_nothing(org, contact):
    with pytest.raises(ValidationError):
        services.ticket_create(
            organisation=org,
            requester=contact,
            subject="  ",
            body=body_from(text="x"),
            channel="web",
        )
    assert Ticket.objects.count() == 0
    assert Message.objects.count() == 0


def test_agent_reply_sets_first_response_and_opens(agent, make_ticket):
    ticket = make_ticket()
    services.message_add(ticket=ticket, body=body_from(text="Kami cek ya."), author_user=agent)
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None
    assert ticket.status == Status.OPEN


def test_internal_note_does_not_count_as_first_response(agent, make_ticket):
    ticket = make_ticket()
    services.message_add(
        ticket=ticket, body=body_from(text="Cek log dulu"), author_user=agent, kind=MessageKind.NOTE
    )
    ticket.refresh_from_db()
    assert ticket.first_response_at is None


def test_customer_reply_reopens_solved(agent, contact, make_ticket):
    ticket = make_ticket(requester=contact)
    services.ticket_update(ticket=ticket, actor=agent, status=Status.SOLVED)
    services.message_add(ticket=ticket, body=body_from(text="Masih error"), author_contact=contact)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.solved_at is None


def test_status_transitions_are_enforced(agent, make_ticket):
    ticket = make_ticket()
    services.ticket_update(ticket=ticket, actor=agent, status=Status.SOLVED)
    services.ticket_update(ticket=ticket, actor=agent, status=Status.CLOSED)
    ticket.refresh_from_db()
    with pytest.raises(ValidationError):
        services.ticket_update(ticket=ticket, actor=agent, status=Status.OPEN)
    with pytest.raises(ValidationError):
        services.message_add(ticket=ticket, body=body_from(text="halo"), author_user=agent)


def test_update_records_one_event_per_change(agent, team_billing, make_ticket):
    ticket = make_ticket()
    services.ticket_update(
        ticket=ticket,
        actor=agent,
        priority="urgent",
        team=team_billing,
        assignee=agent,
        tags=["VIP", "gangguan massal"],
    )
    types = set(Event.objects.filter(object_id=ticket.pk).values_list("type", flat=True))
    assert {
        "desk.ticket.priority_changed",
        "desk.ticket.team_changed",
        "desk.ticket.assigned",
        "desk.ticket.tags_changed",
        "desk.ticket.status_changed",
    } <= types
    ticket.refresh_from_db()
    assert sorted(t.name for t in ticket.tags.all()) == ["gangguan-massal", "vip"]


def test_assignee_must_be_staff_of_the_organisation(
    org, other_org_agent, customer, make_ticket, agent
):
    ticket = make_ticket()
    for wrong in (other_org_agent, customer):
        with pytest.raises(ValidationError):
            services.ticket_update(ticket=ticket, actor=agent, assignee=wrong)


def test_search_finds_words_in_subject_and_messages(org, agent, make_ticket):
    t1 = make_ticket(subject="Pembayaran gagal", text="Transfer via BCA tidak masuk")
    make_ticket(subject="Lupa kata sandi", text="Tidak bisa login")
    services.message_add(
        ticket=t1, body=body_from(text="Mohon kirim bukti transfer"), author_user=agent
    )
    found = search.tickets_matching(Ticket.objects.all(), "bukti")
    assert list(found) == [t1]
    assert search.tickets_matching(Ticket.objects.all(), "sandi").count() == 1
    assert search.tickets_matching(Ticket.objects.all(), "  ").count() == 0
    assert search.tickets_matching(Ticket.objects.all(), 'OR "* NEAR(').count() == 0


def test_agent_only_required_field_does_not_block_customers(org, agent, contact):
    services.custom_field_create(
        organisation=org, key="wilayah", label="Wilayah", kind="text", required=True
    )
    ticket = services.ticket_create(
        organisation=org,
        requester=contact,
        subject="Dari portal",
        body=body_from(text="x"),
        channel="web",
    )
    assert ticket.custom_fields == {}
    with pytest.raises(ValidationError):
        services.ticket_create(
            organisation=org,
            requester=contact,
            subject="Oleh agen",
            body=body_from(text="x"),
            channel="phone",
            actor=agent,
        )


def test_direction_overrides_are_removed_from_subjects(make_ticket):
    ticket = make_ticket(subject="Tagihan \u202egpj.exe")
    assert ticket.subject == "Tagihan gpj.exe"


def test_tags_without_letters_or_too_long_are_refused_not_dropped(agent, make_ticket):
    ticket = make_ticket()
    services.ticket_update(ticket=ticket, actor=agent, tags=["vip"])
    for bad in (["✓✓"], ["x" * 80]):
        with pytest.raises(ValidationError):
            services.ticket_update(ticket=ticket, actor=agent, tags=bad)
    assert [t.name for t in ticket.tags.all()] == ["vip"]


def test_required_field_must_be_filled_before_solving(org, agent, make_ticket):
    services.custom_field_create(
        organisation=org, key="wilayah", label="Wilayah", kind="text", required=True
    )
    ticket = make_ticket()
    with pytest.raises(ValidationError):
        services.ticket_update(ticket=ticket, actor=agent, status=Status.SOLVED)
    services.ticket_update(
        ticket=ticket, actor=agent, custom_fields={"wilayah": "Bandung"}, status=Status.SOLVED
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED


@pytest.mark.parametrize("typed", ["KRC-000001", "krc-000001", "1", "#1", "KRC 1", " 000001 "])
def test_ticket_numbers_are_found_however_they_are_typed(org, typed):
    from karcis.desk.selectors import ticket_number_normalise

    assert ticket_number_normalise(organisation=org, raw=typed) == "KRC-000001"


def test_search_by_requester_email_or_phone(org, contact, make_ticket):
    mine = make_ticket(requester=contact, subject="Modem mati")
    make_ticket(subject="Lain")
    assert list(search.tickets_matching(Ticket.objects.all(), "ANDI@example.com")) == [mine]
    assert list(search.tickets_matching(Ticket.objects.all(), "0812-3456-7890")) == [mine]
