"""What the desk tells its staff (core.notifications): a ticket assigned to them, a customer's
reply on their ticket, a mention in a note.

A durable consumer of the event log makes them after the change has committed, so the
change itself never waits for them, and each is made once (core.eventlog).
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from karcis.core.eventlog import Names, consumer
from karcis.core.models import Event, Notification, User
from karcis.core.notifications import notification_kind
from karcis.core.services import notify
from karcis.desk import events
from karcis.desk.models import Ticket
from karcis.desk.selectors import tickets_visible_to


def _ticket_url(notice: Notification) -> str:
    return reverse("desk:ticket", kwargs={"number": notice.data.get("number", "")})


def _who(notice: Notification) -> str:
    if notice.actor is not None:  # no query without an actor_id
        return notice.actor.name
    if notice.actor_contact is not None:
        return notice.actor_contact.name
    return _("Karcis")


ASSIGNED = notification_kind(
    "desk.assigned",
    label=gettext_lazy("A ticket is assigned to me"),
    describe=lambda notice, names: (
        _("%(actor)s assigned %(ticket)s to you")
        % {"actor": _who(notice), "ticket": names.of("desk.ticket", notice.object_id)}
    ),
    url=_ticket_url,
)
CUSTOMER_REPLIED = notification_kind(
    "desk.customer_replied",
    label=gettext_lazy("A customer replies on my ticket"),
    describe=lambda notice, names: (
        _("%(customer)s replied on %(ticket)s")
        % {"customer": _who(notice), "ticket": names.of("desk.ticket", notice.object_id)}
    ),
    url=_ticket_url,
)
MENTIONED = notification_kind(
    "desk.mentioned",
    label=gettext_lazy("A colleague mentions me in a note"),
    describe=lambda notice, names: (
        _("%(actor)s mentioned you in a note on %(ticket)s")
        % {"actor": _who(notice), "ticket": names.of("desk.ticket", notice.object_id)}
    ),
    url=_ticket_url,
)


def _recipients(event: Event) -> list[tuple[str, int]]:
    """(kind, user id) for each person the event concerns, never its own actor."""
    payload = event.payload or {}
    wanted: list[tuple[str, int]] = []
    if event.type in (events.ASSIGNED.name, events.TICKET_CREATED.name):
        assignee = (
            payload.get("to") if event.type == events.ASSIGNED.name else payload.get("assignee")
        )
        if isinstance(assignee, int):
            wanted.append((ASSIGNED, assignee))
    elif event.type == events.NOTE_ADDED.name:
        wanted.extend((MENTIONED, person) for person in payload.get("mentions") or [])
    return [(kind, person) for kind, person in wanted if person != event.actor_id]


def notifications_from(event: Event) -> None:
    """Turn one desk event into the notifications it calls for (the consumer's handler)."""
    wanted = _recipients(event)
    # An out-of-office answer is not the customer writing: nobody is told of it.
    customer_wrote = (
        event.type == events.REPLY_ADDED.name
        and event.actor_contact_id is not None
        and not (event.payload or {}).get("automatic")
    )
    if not wanted and not customer_wrote:
        return  # most events concern nobody: decided from the payload, without a query
    ticket = Ticket.objects.select_related("organisation").filter(pk=event.object_id).first()
    if ticket is None:
        return
    if customer_wrote and ticket.assignee_id:
        # The requester (or someone they copied in) wrote: the ticket's owner hears of it.
        wanted.append((CUSTOMER_REPLIED, ticket.assignee_id))
    if not wanted:
        return
    people = {
        person.pk: person
        for person in User.objects.select_related("organisation").filter(
            pk__in={person for _kind, person in wanted}, organisation_id=ticket.organisation_id
        )
    }
    for kind, person_id in wanted:
        person = people.get(person_id)
        # Only about a ticket they may open: a mention does not show a ticket of another team.
        if person is None or not tickets_visible_to(user=person).filter(pk=ticket.pk).exists():
            continue
        notify(
            recipient=person,
            kind=kind,
            obj=ticket,
            event=event,
            actor=event.actor,
            actor_contact=event.actor_contact,
            data={"number": ticket.number},
        )


DESK_NOTIFICATIONS = consumer(
    "desk.notifications",
    types=[events.TICKET_CREATED, events.ASSIGNED, events.REPLY_ADDED, events.NOTE_ADDED],
    handle=notifications_from,
    start="now",
)

__all__ = ["ASSIGNED", "CUSTOMER_REPLIED", "DESK_NOTIFICATIONS", "MENTIONED", "Names"]
