"""What the SLA tells staff: a ticket's clock at risk or breached, when its policy says to
notify. The ticket's assignee and the supervisors who may see the ticket are told, by a
durable consumer of the log (after the scan's transaction commits, once per event)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from karcis.core.eventlog import consumer
from karcis.core.models import Event, Notification, Role
from karcis.core.notifications import notification_kind
from karcis.core.selectors import staff_of
from karcis.core.services import notify
from karcis.desk import selectors as desk_selectors
from karcis.sla import events
from karcis.sla.models import SlaPolicy, Target


def _ticket_url(notice: Notification) -> str:
    return reverse("desk:ticket", kwargs={"number": notice.data.get("number", "")})


def _target(notice: Notification) -> str:
    try:
        return str(Target(notice.data.get("target", "")).label).lower()
    except ValueError:
        return str(notice.data.get("target", ""))


AT_RISK = notification_kind(
    "sla.at_risk",
    label=gettext_lazy("A ticket's SLA is at risk"),
    describe=lambda notice, names: (
        _("%(ticket)s: the %(target)s target is at risk")
        % {"target": _target(notice), "ticket": names.of("desk.ticket", notice.object_id)}
    ),
    url=_ticket_url,
)
BREACHED = notification_kind(
    "sla.breached",
    label=gettext_lazy("A ticket's SLA is breached"),
    describe=lambda notice, names: (
        _("%(ticket)s: the %(target)s target is breached")
        % {"target": _target(notice), "ticket": names.of("desk.ticket", notice.object_id)}
    ),
    url=_ticket_url,
)


def notifications_from(event: Event) -> None:
    payload = event.payload or {}
    policy_id = payload.get("policy")
    if not isinstance(policy_id, int):
        return
    policy = SlaPolicy.objects.filter(pk=policy_id).first()
    if policy is None:
        return
    breached = event.type == events.BREACHED.name
    actions = policy.on_breach if breached else policy.on_warning
    if not (actions or {}).get("notify"):
        return
    ticket = desk_selectors.ticket_get(ticket_id=event.object_id)
    if ticket is None:
        return
    people = staff_of(organisation=ticket.organisation).filter(role=Role.SUPERVISOR)
    recipients = {person.pk: person for person in people}
    if ticket.assignee_id and ticket.assignee_id not in recipients:
        assignee = staff_of(organisation=ticket.organisation).filter(pk=ticket.assignee_id)
        recipients.update({person.pk: person for person in assignee})
    for person in recipients.values():
        if not desk_selectors.tickets_visible_to(user=person).filter(pk=ticket.pk).exists():
            continue
        notify(
            recipient=person,
            kind=BREACHED if breached else AT_RISK,
            obj=ticket,
            event=event,
            data={"number": ticket.number, "target": payload.get("target", "")},
        )


SLA_NOTIFICATIONS = consumer(
    "sla.notifications",
    types=[events.WARNING, events.BREACHED],
    handle=notifications_from,
    start="now",
)
