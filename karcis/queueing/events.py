"""The public queues' event types (core.eventlog): every change of a queue ticket, and of
the service points, services and counters an admin manages.

A ticket's events carry what the analytics read (the service, the counter, how long it
waited or was served), so the reports never have to reconstruct them from the rows.
"""

from karcis.core.eventlog import event_type

TICKET = "queueing.queueticket"
TICKET_FIELDS = {
    "number": "the number, e.g. A-012",
    "service": "the Service's id",
    "status": "its status after the change",
}
AT_COUNTER = {**TICKET_FIELDS, "counter": "the Counter's id"}
REFS = {"service": "queueing.service", "counter": "queueing.counter"}

TICKET_CREATED = event_type(
    "queueing.ticket.created",
    subject=TICKET,
    payload={
        **TICKET_FIELDS,
        "channel": "online, kiosk, staff, api or whatsapp",
        "day": "the local day, ISO 8601",
    },
    optional={
        "slot": "the booked slot's start, ISO 8601",
        "bucket": "the quota bucket, e.g. jkn",
        "from": "the ticket it was transferred from (its id)",
    },
    refs=REFS,
)
CHECKED_IN = event_type("queueing.ticket.checked_in", subject=TICKET, payload=TICKET_FIELDS)
CALLED = event_type(
    "queueing.ticket.called",
    subject=TICKET,
    payload={**AT_COUNTER, "waited": "seconds from joining the line to this call"},
    optional={"recall": "true when the same ticket is called again"},
    refs=REFS,
)
STARTED = event_type("queueing.ticket.started", subject=TICKET, payload=AT_COUNTER, refs=REFS)
FINISHED = event_type(
    "queueing.ticket.finished",
    subject=TICKET,
    payload={**AT_COUNTER, "served": "seconds of service, from its start to its end"},
    refs=REFS,
)
NO_SHOW = event_type("queueing.ticket.no_show", subject=TICKET, payload=AT_COUNTER, refs=REFS)
REQUEUED = event_type(
    "queueing.ticket.requeued",
    subject=TICKET,
    payload={**TICKET_FIELDS, "after": "how many further calls it waits for"},
    refs=REFS,
)
PARKED = event_type("queueing.ticket.parked", subject=TICKET, payload=AT_COUNTER, refs=REFS)
TRANSFERRED = event_type(
    "queueing.ticket.transferred",
    subject=TICKET,
    payload={**TICKET_FIELDS, "to": "the new ticket's id", "to_service": "its Service's id"},
    optional={"to_counter": "the Counter it is sent to, if one"},
    refs=REFS,
)
CANCELLED = event_type(
    "queueing.ticket.cancelled",
    subject=TICKET,
    payload=TICKET_FIELDS,
    refs=REFS,
)

FIELDS = "the names of the fields that changed, sorted"
POINT_CREATED = event_type("queueing.point.created", subject="queueing.servicepoint")
POINT_UPDATED = event_type(
    "queueing.point.updated", subject="queueing.servicepoint", payload={"fields": FIELDS}
)
SERVICE_CREATED = event_type("queueing.service.created", subject="queueing.service")
SERVICE_UPDATED = event_type(
    "queueing.service.updated", subject="queueing.service", payload={"fields": FIELDS}
)
COUNTER_CREATED = event_type("queueing.counter.created", subject="queueing.counter")
COUNTER_UPDATED = event_type(
    "queueing.counter.updated", subject="queueing.counter", payload={"fields": FIELDS}
)
COUNTER_OPENED = event_type(
    "queueing.counter.opened", subject="queueing.counter", payload={"staff": "the User's id"}
)
COUNTER_CLOSED = event_type("queueing.counter.closed", subject="queueing.counter")
