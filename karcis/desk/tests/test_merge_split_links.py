"""Merging, splitting and linking tickets, CC by hand and merging contacts: the services."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from karcis.core import services as core_services
from karcis.core.content import body_from
from karcis.core.models import Contact, ContactIdentity, Event
from karcis.desk import events, selectors, services
from karcis.desk.models import Message, MessageKind, Status, Ticket, TicketLink, TicketParticipant

pytestmark = pytest.mark.django_db


def reply(ticket, contact, text, minutes):
    return services.message_add(
        ticket=ticket,
        body=body_from(text=text),
        author_contact=contact,
        at=timezone.now() + timedelta(minutes=minutes),
    )


@pytest.fixture
def pair(make_ticket, contact, team_billing):
    """Two tickets of the same person about the same thing, written in turns."""
    first = make_ticket(requester=contact, subject="Tagihan ganda", team=team_billing)
    second = make_ticket(requester=contact, subject="Tagihan dobel lagi", team=team_billing)
    reply(first, contact, "satu-a", 1)
    reply(second, contact, "dua-a", 2)
    reply(first, contact, "satu-b", 3)
    return first, second


@pytest.fixture
def light_agent(org, admin_user, team_billing):
    """An agent of the billing team who may see tickets and write notes, but not change them."""
    role = core_services.custom_role_create(
        organisation=org,
        name="Hanya Lihat",
        capabilities=["desk.ticket.view", "desk.ticket.note"],
        actor=admin_user,
    )
    return core_services.staff_user_create(
        organisation=org,
        email="lihat@nusantara.test",
        name="Lihat Saja",
        role=role.key,
        teams=[team_billing],
        password="rahasia-123",
    )


# --- merge ----------------------------------------------------------------------------------


def test_merge_moves_the_conversation_in_time_order_and_closes_the_source(pair, agent):
    source, target = pair

    services.ticket_merge(source=source, target=target, actor=agent)

    source.refresh_from_db()
    target.refresh_from_db()
    texts = [m.body_text for m in selectors.messages_for(ticket=target, include_notes=True)]
    assert texts == ["Mohon dicek.", "Mohon dicek.", "satu-a", "dua-a", "satu-b"]
    assert target.message_count == 5
    assert Message.objects.filter(ticket=source).count() == 0
    assert source.status == Status.CLOSED and source.closed_at is not None
    assert source.merged_into == target
    types = list(
        Event.objects.filter(object_id=source.pk, object_type="desk.ticket")
        .order_by("id")
        .values_list("type", flat=True)
    )
    assert types[-2:] == [events.STATUS_CHANGED.name, events.MERGED.name]
    merged_in = Event.objects.get(type=events.MERGED_IN.name)
    assert merged_in.object_id == target.pk
    assert merged_in.payload["from"] == source.pk
    assert merged_in.actor == agent


def test_merge_brings_the_other_requester_and_participants_into_cc(
    make_ticket, contact, agent, org
):
    other = core_services.contact_resolve(organisation=org, name="Wati", email="wati@example.com")
    cc = core_services.contact_resolve(organisation=org, name="Joko", email="joko@example.com")
    source = make_ticket(requester=other, subject="Lampu mati")
    target = make_ticket(requester=contact, subject="Listrik padam")
    services.ticket_participants_add(ticket=source, contacts=[cc, contact])

    services.ticket_merge(source=source, target=target, actor=agent)

    following = {c.pk for c in selectors.ticket_participants(ticket=target)}
    assert following == {other.pk, cc.pk}  # the target's requester is not a CC of their own
    assert not TicketParticipant.objects.filter(ticket=source).exists()


def test_merge_tells_the_requester_through_the_outbox_when_asked(pair, agent, mailbox):
    from karcis.messaging.models import Delivery, DeliveryKind

    source, target = pair
    services.ticket_merge(source=source, target=target, actor=agent, notify_requester=True)

    note = Message.objects.filter(ticket=target, author_user=agent).get()
    assert note.kind == MessageKind.REPLY
    assert source.number in note.body_text and target.number in note.body_text
    delivery = Delivery.objects.get(desk_message=note)
    assert delivery.kind == DeliveryKind.REPLY
    assert delivery.to == ["andi@example.com"] or "andi@example.com" in str(delivery.to)


def test_merge_without_notice_sends_nothing(pair, agent, mailbox):
    from karcis.messaging.models import Delivery

    source, target = pair
    services.ticket_merge(source=source, target=target, actor=agent)

    assert not Message.objects.filter(ticket=target, author_user=agent).exists()
    assert not Delivery.objects.exists()


def test_merge_refuses_itself_merged_and_closed_targets(pair, agent, make_ticket, contact):
    source, target = pair
    with pytest.raises(ValidationError):
        services.ticket_merge(source=source, target=source, actor=agent)
    services.ticket_merge(source=source, target=target, actor=agent)
    third = make_ticket(requester=contact, subject="Ketiga")
    source.refresh_from_db()
    with pytest.raises(ValidationError):
        services.ticket_merge(source=third, target=source, actor=agent)
    with pytest.raises(ValidationError):
        services.ticket_merge(source=source, target=third, actor=agent)


def test_merge_refuses_another_organisation(pair, other_org, other_org_agent, agent):
    source, _target = pair
    foreign = services.ticket_create(
        organisation=other_org,
        requester=core_services.contact_resolve(organisation=other_org, email="x@example.com"),
        subject="Lain",
        body=body_from(text="lain"),
        channel="web",
    )
    with pytest.raises(ValidationError):
        services.ticket_merge(source=source, target=foreign, actor=agent)
    with pytest.raises(ValidationError):
        services.ticket_merge(source=foreign, target=source, actor=other_org_agent)
    assert Ticket.objects.filter(merged_into__isnull=False).count() == 0


def test_merge_needs_the_right_to_change_and_see_both(
    pair, light_agent, tech_agent, make_ticket, team_tech, contact
):
    source, target = pair
    with pytest.raises(ValidationError):
        services.ticket_merge(source=source, target=target, actor=light_agent)
    tech = make_ticket(requester=contact, subject="Teknis", team=team_tech)
    # A billing agent may not merge into a technical ticket they cannot see, nor the reverse.
    with pytest.raises(ValidationError):
        services.ticket_merge(source=tech, target=target, actor=tech_agent)
    assert Ticket.objects.filter(merged_into__isnull=False).count() == 0


def test_the_surviving_ticket_of_a_chain(pair, agent, make_ticket, contact):
    source, target = pair
    services.ticket_merge(source=source, target=target, actor=agent)
    third = make_ticket(requester=contact, subject="Ketiga")
    services.ticket_merge(source=target, target=third, actor=agent)
    source.refresh_from_db()
    assert selectors.ticket_surviving(ticket=source) == third


# --- split ----------------------------------------------------------------------------------


def test_split_opens_a_new_ticket_with_that_message_linked_to_the_original(pair, agent):
    original, _other = pair
    message = Message.objects.get(ticket=original, body_text="satu-b")

    new = services.ticket_split(message=message, actor=agent, subject="Soal baru")

    assert new.subject == "Soal baru" and new.requester_id == original.requester_id
    assert list(Message.objects.filter(ticket=new)) == [message]
    assert new.team_id == original.team_id
    original.refresh_from_db()
    assert original.message_count == 2 and new.message_count == 1
    assert selectors.ticket_links(ticket=original) == [{"kind": "related", "ticket": new}]
    created = Event.objects.get(type=events.TICKET_CREATED.name, object_id=new.pk)
    assert created.payload["split_from"] == original.pk
    assert Event.objects.filter(type=events.SPLIT.name, object_id=original.pk).exists()


def test_split_refuses_the_first_message_and_notes(pair, agent):
    original, _other = pair
    first = selectors.ticket_first_message(ticket=original)
    with pytest.raises(ValidationError):
        services.ticket_split(message=first, actor=agent)
    note = services.message_add(
        ticket=original, body=body_from(text="catatan"), kind=MessageKind.NOTE, author_user=agent
    )
    with pytest.raises(ValidationError):
        services.ticket_split(message=note, actor=agent)
    assert Ticket.objects.count() == 2


def test_split_needs_the_right_to_change(pair, light_agent):
    original, _other = pair
    message = Message.objects.get(ticket=original, body_text="satu-b")
    with pytest.raises(ValidationError):
        services.ticket_split(message=message, actor=light_agent)
    assert Ticket.objects.count() == 2


# --- links ----------------------------------------------------------------------------------


def test_links_are_seen_from_both_sides_and_removed(pair, agent):
    incident, problem = pair

    services.ticket_link_add(ticket=incident, other=problem, kind="parent", actor=agent)

    assert selectors.ticket_links(ticket=incident) == [{"kind": "parent", "ticket": problem}]
    assert selectors.ticket_links(ticket=problem) == [{"kind": "child", "ticket": incident}]
    assert Event.objects.filter(type=events.LINK_ADDED.name).count() == 2
    services.ticket_link_remove(ticket=problem, other=incident, actor=agent)
    assert not TicketLink.objects.exists()
    assert Event.objects.filter(type=events.LINK_REMOVED.name).count() == 2


def test_links_refuse_self_duplicates_and_deeper_trees(pair, agent, make_ticket, contact):
    first, second = pair
    third = make_ticket(requester=contact, subject="Ketiga")
    with pytest.raises(ValidationError):
        services.ticket_link_add(ticket=first, other=first, kind="related", actor=agent)
    services.ticket_link_add(ticket=first, other=second, kind="child", actor=agent)
    with pytest.raises(ValidationError):
        services.ticket_link_add(ticket=second, other=first, kind="related", actor=agent)
    # second is a child of first: it cannot become a parent, first cannot become a child.
    with pytest.raises(ValidationError):
        services.ticket_link_add(ticket=third, other=second, kind="parent", actor=agent)
    with pytest.raises(ValidationError):
        services.ticket_link_add(ticket=first, other=third, kind="parent", actor=agent)
    with pytest.raises(ValidationError):
        services.ticket_link_add(ticket=first, other=third, kind="bogus", actor=agent)


def test_links_refuse_other_organisations_and_roles_without_the_right(
    pair, agent, light_agent, other_org
):
    first, second = pair
    foreign = services.ticket_create(
        organisation=other_org,
        requester=core_services.contact_resolve(organisation=other_org, email="x@example.com"),
        subject="Lain",
        body=body_from(text="lain"),
        channel="web",
    )
    with pytest.raises(ValidationError):
        services.ticket_link_add(ticket=first, other=foreign, kind="related", actor=agent)
    with pytest.raises(ValidationError):
        services.ticket_link_add(ticket=first, other=second, kind="related", actor=light_agent)
    assert not TicketLink.objects.exists()


# --- CC by hand -------------------------------------------------------------------------------


def test_agents_add_and_remove_cc_by_address(pair, agent):
    ticket, _other = pair

    added = services.ticket_participant_add(ticket=ticket, actor=agent, email="Rudi@Example.com")

    assert added is not None and added.email == "rudi@example.com"
    assert selectors.ticket_participants(ticket=ticket) == [added]
    assert (
        services.ticket_participant_add(ticket=ticket, actor=agent, email="rudi@example.com")
        is None
    )
    services.ticket_participant_remove(ticket=ticket, contact=added, actor=agent)
    assert selectors.ticket_participants(ticket=ticket) == []
    types = set(Event.objects.filter(object_id=ticket.pk).values_list("type", flat=True))
    assert {events.PARTICIPANTS_ADDED.name, events.PARTICIPANTS_REMOVED.name} <= types


def test_cc_by_hand_needs_the_right_to_change(pair, light_agent):
    ticket, _other = pair
    with pytest.raises(ValidationError):
        services.ticket_participant_add(ticket=ticket, actor=light_agent, email="x@example.com")
    assert not TicketParticipant.objects.exists()


# --- merging contacts -------------------------------------------------------------------------


def test_merge_contacts_moves_addresses_tickets_messages_and_cc(org, agent, make_ticket, contact):
    duplicate = core_services.contact_resolve(
        organisation=org, name="Andi P.", email="andi.kantor@example.com"
    )
    theirs = make_ticket(requester=duplicate, subject="Dari alamat kantor")
    mine = make_ticket(requester=contact, subject="Dari alamat rumah")
    services.ticket_participants_add(ticket=mine, contacts=[duplicate])

    services.contact_merge(source=duplicate, target=contact, actor=agent)

    assert not Contact.objects.filter(pk=duplicate.pk).exists()
    theirs.refresh_from_db()
    assert theirs.requester_id == contact.pk
    assert Message.objects.get(ticket=theirs).author_contact_id == contact.pk
    assert set(ContactIdentity.objects.filter(contact=contact).values_list("value", flat=True)) == {
        "andi@example.com",
        "andi.kantor@example.com",
        "+6281234567890",
    }
    assert not TicketParticipant.objects.filter(ticket=mine).exists()  # now the requester
    merged = Event.objects.get(type=events.CONTACT_MERGED.name)
    assert merged.object_id == contact.pk and merged.payload["from"] == duplicate.pk
    assert merged.payload["tickets"] == 1 and merged.actor == agent
    # What the duplicate did stays theirs, now under the surviving contact.
    created = Event.objects.get(type=events.TICKET_CREATED.name, object_id=theirs.pk)
    assert created.actor_contact_id == contact.pk


def test_merge_contacts_refusals(org, other_org, agent, contact, customer, light_agent):
    with pytest.raises(ValidationError):
        services.contact_merge(source=contact, target=contact, actor=agent)
    foreign = core_services.contact_resolve(organisation=other_org, email="andi@example.com")
    with pytest.raises(ValidationError):
        services.contact_merge(source=foreign, target=contact, actor=agent)
    # Both with a portal account: whose password would win is not the agent's to pick.
    dewi = Contact.objects.get(user=customer)
    second = core_services.customer_user_create(
        organisation=org, email="dewi2@example.com", name="Dewi 2", password="rahasia-123"
    )
    with pytest.raises(ValidationError):
        services.contact_merge(source=Contact.objects.get(user=second), target=dewi, actor=agent)
    with pytest.raises(ValidationError):
        services.contact_merge(source=dewi, target=contact, actor=light_agent)
    assert Contact.objects.filter(pk__in=[contact.pk, dewi.pk, foreign.pk]).count() == 3


def test_split_refuses_an_agents_reply(pair, agent):
    original, _other = pair
    answer = services.message_add(
        ticket=original, body=body_from(text="Kami cek"), author_user=agent
    )
    with pytest.raises(ValidationError):
        services.ticket_split(message=answer, actor=agent)
    assert Ticket.objects.count() == 2


def test_merge_contacts_hands_the_portal_account_to_the_survivor(org, agent, contact, customer):
    dewi = Contact.objects.get(user=customer)

    services.contact_merge(source=dewi, target=contact, actor=agent)

    contact.refresh_from_db()
    assert contact.user_id == customer.pk
    assert not Contact.objects.filter(pk=dewi.pk).exists()
