""" "Few ahead" e-mails: a person who asked to be told when N people are ahead of them
(`QueueTicket.notify_ahead`, with an e-mail address) gets one e-mail when the line comes
that close, with the link to their status page.

A durable consumer of the event log (core.eventlog): each change that moves a service's
line forward (a call, and the endings after one) looks at that line's tickets still
waiting for their message. Each ticket is told once: the message is queued only by the
worker whose conditional UPDATE (… WHERE notified_at IS NULL) set `notified_at`, in the
transaction that queues it, so two dispatchers (or one event handed over twice after a
crash) never send two.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from karcis.core.accounts import account_email_queue
from karcis.core.models import Event
from karcis.queueing import events
from karcis.queueing.models import IN_LINE, QueueTicket
from karcis.queueing.selectors import people_ahead, status_url

CONSUMER = "queueing.few_ahead"
# The changes after which someone may have come within reach of their number.
MOVES_THE_LINE = (events.CALLED, events.NO_SHOW, events.FINISHED, events.CANCELLED)
# The message is in Bahasa Indonesia: the person's language is not asked when booking.
LANGUAGE = "id"


def waiting_for_message(service_id: int, day: date) -> list[QueueTicket]:
    """The tickets in a service's line on a day that still wait for their message."""
    return list(
        QueueTicket.objects.select_related("service", "point__organisation")
        .filter(
            service_id=service_id,
            day=day,
            status__in=IN_LINE,
            notify_ahead__gt=0,
            notified_at__isnull=True,
        )
        .exclude(email="")
    )


def mark_notified(ticket: QueueTicket, now: datetime) -> bool:
    """Claim the ticket's one message: True for the one caller that set `notified_at`."""
    claimed = QueueTicket.objects.filter(pk=ticket.pk, notified_at__isnull=True).update(
        notified_at=now
    )
    return claimed == 1


def few_ahead_mail(ticket: QueueTicket, ahead: int) -> None:
    """Queue the e-mail (sent after the commit by the outbox)."""
    point = ticket.point
    context = {
        "ticket": ticket,
        "point": point,
        "ahead": ahead,
        "link": settings.KARCIS_BASE_URL + status_url(ticket),
    }
    with translation.override(LANGUAGE):
        subject = _("Queue number %(number)s: %(ahead)d ahead of you") % {
            "number": ticket.number,
            "ahead": ahead,
        }
        account_email_queue(
            organisation=point.organisation,
            to=[(ticket.name, ticket.email)],
            subject=subject,
            text=render_to_string("queueing/email/few_ahead.txt", context),
        )


def few_ahead_notify(event: Event) -> None:
    """The durable consumer's handler: tell those in the event's line who are now within
    the number of people they asked for."""
    moved = QueueTicket.objects.filter(pk=event.object_id).values_list("day", flat=True).first()
    if moved is None:
        return
    now = timezone.now()
    for ticket in waiting_for_message(event.payload["service"], moved):
        ahead = people_ahead(ticket, now)
        if ahead is None or ahead > ticket.notify_ahead:
            continue
        if mark_notified(ticket, now):
            few_ahead_mail(ticket, ahead)
