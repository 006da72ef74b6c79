"""What the desk tells its staff (desk.notifications): made by a durable consumer of the
event log after the change commits, once per event and person, on the channels each person
chose, about tickets they may open."""

import pytest
from django.core import mail
from django.utils import translation

from karcis.core import services as core_services
from karcis.core.content import body_from
from karcis.core.eventlog import events_dispatch
from karcis.core.models import Notification
from karcis.core.selectors import notification_entries
from karcis.desk import services
from karcis.messaging.models import Delivery

pytestmark = pytest.mark.django_db


def notices(user) -> list[str]:
    """The person's notifications in words, newest first (in English)."""
    with translation.override("en"):
        rows = list(Notification.objects.filter(recipient=user).order_by("-id"))
        return [entry["text"] for entry in notification_entries(rows)]


def test_an_assignment_tells_the_new_assignee_once(make_ticket, admin_user, agent, team_billing):
    ticket = make_ticket(team=team_billing, subject="Tagihan dobel")
    services.ticket_update(ticket=ticket, actor=admin_user, assignee=agent)

    assert notices(agent) == []  # nothing before the dispatch: the change never waits for it
    events_dispatch()
    events_dispatch()

    assert notices(agent) == [f"Rina Admin assigned {ticket.number} Tagihan dobel to you"]
    notice = Notification.objects.get(recipient=agent)
    assert notice.data == {"number": ticket.number} and notice.event.type == "desk.ticket.assigned"


def test_taking_a_ticket_oneself_tells_nobody(make_ticket, agent, team_billing):
    ticket = make_ticket(team=team_billing)
    services.ticket_update(ticket=ticket, actor=agent, assignee=agent)
    events_dispatch()
    assert notices(agent) == []


def test_a_ticket_opened_for_someone_else_tells_them(org, admin_user, agent, contact):
    services.ticket_create(
        organisation=org,
        requester=contact,
        subject="Telepon masuk",
        body=body_from(text="Pelanggan menelepon."),
        channel="phone",
        actor=admin_user,
        assignee=agent,
    )
    events_dispatch()
    assert len(notices(agent)) == 1


def test_a_customers_reply_tells_the_tickets_owner(
    make_ticket, admin_user, agent, team_billing, contact
):
    ticket = make_ticket(team=team_billing, requester=contact, subject="Internet putus")
    services.ticket_update(ticket=ticket, actor=admin_user, assignee=agent)
    events_dispatch()
    Notification.objects.all().delete()

    services.message_add(ticket=ticket, body=body_from(text="Masih putus"), author_contact=contact)
    services.message_add(ticket=ticket, body=body_from(text="Sedang kami cek"), author_user=agent)
    events_dispatch()

    assert notices(agent) == [f"Andi Pratama replied on {ticket.number} Internet putus"]


def test_a_mention_in_a_note_tells_the_colleagues_who_may_see_the_ticket(
    make_ticket, admin_user, agent, tech_agent, team_billing
):
    ticket = make_ticket(team=team_billing, subject="Refund")
    services.message_add(
        ticket=ticket,
        body=body_from(text="@budi tolong cek, dan @sari juga. @rina sudah tahu. @siapa-saja"),
        kind="note",
        author_user=admin_user,
    )
    events_dispatch()

    assert notices(agent) == [f"Rina Admin mentioned you in a note on {ticket.number} Refund"]
    # Sari works in another team: she may not open the ticket, so she is not told of it.
    assert notices(tech_agent) == []
    # Nobody is told of their own words.
    assert notices(admin_user) == []


def test_mentions_find_colleagues_by_address_or_unique_first_name(org, agent, tech_agent):
    found = services.mentions_in(
        organisation=org, text="Halo @Budi dan @sari, juga email@budi dan @budi lagi."
    )
    assert found == [agent, tech_agent]


def test_the_history_names_who_was_mentioned(client, make_ticket, admin_user, agent, team_billing):
    ticket = make_ticket(team=team_billing)
    services.message_add(
        ticket=ticket, body=body_from(text="@budi cek ya"), kind="note", author_user=admin_user
    )
    client.force_login(admin_user)
    page = client.get(f"/desk/tickets/{ticket.number}/")
    history = [entry["text"] for entry in page.context["history"]]
    assert "Rina Admin menambahkan catatan internal yang menyebut Budi Santoso" in history


def test_a_notification_also_goes_by_e_mail_in_the_recipients_language(
    make_ticket, admin_user, agent, team_billing, django_capture_on_commit_callbacks
):
    ticket = make_ticket(team=team_billing, subject="Tagihan dobel")
    services.ticket_update(ticket=ticket, actor=admin_user, assignee=agent)
    with django_capture_on_commit_callbacks(execute=True):
        events_dispatch()

    delivery = Delivery.objects.get(kind="staff_notification")
    assert delivery.to == ["budi@nusantara.test"] and delivery.ticket_id is None
    assert delivery.headers["Auto-Submitted"] == "auto-generated"
    assert "Rina Admin" in delivery.subject and ticket.number in delivery.subject
    assert f"/desk/tickets/{ticket.number}/" in delivery.text
    [sent] = [message for message in mail.outbox if message.to == ["budi@nusantara.test"]]
    assert sent.subject == delivery.subject
    # In the organisation's language (Bahasa Indonesia) unless the person chose another.
    assert "Halo Budi Santoso" in delivery.text


def test_each_person_chooses_what_reaches_them(make_ticket, admin_user, agent, team_billing):
    core_services.notification_preferences_set(
        user=agent, wanted={"desk.assigned": {"app"}, "desk.customer_replied": set()}
    )
    ticket = make_ticket(team=team_billing)
    services.ticket_update(ticket=ticket, actor=admin_user, assignee=agent)
    events_dispatch()

    assert len(notices(agent)) == 1
    assert not Delivery.objects.filter(kind="staff_notification").exists()

    core_services.notification_preferences_set(user=agent, wanted={"desk.assigned": set()})
    services.ticket_update(ticket=ticket, actor=admin_user, assignee=admin_user)
    services.ticket_update(ticket=ticket, actor=admin_user, assignee=agent)
    events_dispatch()
    assert len(notices(agent)) == 1


def test_one_notification_per_event_even_if_the_event_comes_again(
    make_ticket, admin_user, agent, team_billing
):
    from karcis.core.models import EventCursor

    ticket = make_ticket(team=team_billing)
    services.ticket_update(ticket=ticket, actor=admin_user, assignee=agent)
    events_dispatch()
    # As after a crash between the effect and the cursor's commit: the events come again.
    EventCursor.objects.filter(consumer="desk.notifications").update(position_tx=0, position_id=0)
    events_dispatch()

    assert Notification.objects.filter(recipient=agent).count() == 1
