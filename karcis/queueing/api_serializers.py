"""The shapes of the public queues' REST API (karcis.queueing.api): what each endpoint takes
and answers, and the examples the OpenAPI document shows.

Serializers check the shape of a request only; queueing.services check its meaning and
answer by field (400), or refuse what the queue's state does not allow (409).
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

from karcis.queueing import selectors
from karcis.queueing.models import QueueChannel, QueueStatus, QueueTicket
from karcis.queueing.services import zone_of

# Ids sent in a body or a query: positive and within the database's integers.
MAX_ID = 2**63 - 1


def id_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


# The channels a daily quota counts (a ticket's channel maps onto one: models.QUOTA_CHANNEL).
QUOTA_CHANNELS = ["online", "walk_in"]


def local_iso(moment: datetime | None, zone: tzinfo) -> str | None:
    """A moment as ISO 8601 in the service point's own time zone, with its offset: the local
    time people there read (a Jayapura office's 09:00 is 09:00+09:00)."""
    return moment.astimezone(zone).isoformat() if moment is not None else None


# --- service points ---------------------------------------------------------------------------


class ServicePointSerializer(serializers.Serializer):
    """An office or branch where people queue."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=150)
    slug = serializers.CharField(
        max_length=60,
        help_text="The short name in the public addresses (/antrean/<organisation>/<slug>/): "
        "lowercase letters, digits and dashes; unique in the organisation.",
    )
    address = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    time_zone = serializers.CharField(
        required=False,
        max_length=64,
        help_text="An IANA zone: Asia/Jakarta (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT). "
        "Default: the organisation's.",
    )
    calendar = id_field(
        required=False,
        allow_null=True,
        source="calendar_id",
        help_text="The business calendar (opening hours and holidays) by id; null: the "
        "organisation's default calendar.",
    )
    printer_host = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="An ESC/POS network receipt printer beside the kiosk; blank: the kiosk's "
        "browser prints the ticket.",
    )
    printer_port = serializers.IntegerField(required=False, help_text="Usually 9100.")
    is_active = serializers.BooleanField(
        required=False, help_text="false: the point takes no numbers and its pages are gone."
    )
    created_at = serializers.DateTimeField(read_only=True)


class ServicePointUpdateSerializer(ServicePointSerializer):
    """What is sent changes; the rest stays."""

    name = serializers.CharField(max_length=150, required=False)
    slug = serializers.CharField(max_length=60, required=False)


# --- services ---------------------------------------------------------------------------------


class QueueBucketSerializer(serializers.Serializer):
    key = serializers.CharField(
        max_length=30, help_text="Lowercase letters, digits and _, e.g. jkn."
    )
    # DRF's metaclass takes declared fields off the class: no clash with Field.label.
    label = serializers.CharField(  # type: ignore[assignment]
        max_length=60, help_text="As people read it, e.g. JKN."
    )


class QueueQuotaSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(
        choices=QUOTA_CHANNELS,
        help_text="online counts online, API and WhatsApp tickets; walk_in counts the kiosk's "
        "and the staff's.",
    )
    bucket = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        default="",
        help_text="A bucket's key; blank: every bucket together.",
    )
    limit = serializers.IntegerField(help_text="At most this many tickets a day, 0 to 100,000.")


class QueueServiceSerializer(serializers.Serializer):
    """Something a service point serves, with its own line of numbers, its quotas and
    slots."""

    id = serializers.IntegerField(read_only=True)
    point = id_field(
        source="point_id", help_text="The service point's id (set when created, then fixed)."
    )
    name = serializers.CharField(max_length=150)
    prefix = serializers.CharField(
        max_length=3, help_text="One to three letters, unique in the point: A gives A-001."
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=300)
    buckets = QueueBucketSerializer(
        many=True,
        required=False,
        help_text="Kinds of visitor with quotas of their own (JKN / umum); when there are "
        "buckets, every ticket names one.",
    )
    quotas = QueueQuotaSerializer(
        many=True,
        required=False,
        help_text="Daily limits per channel (and bucket); none: no limit.",
    )
    slot_minutes = serializers.IntegerField(
        required=False,
        help_text="Online bookings pick a start every this many minutes within opening hours; "
        "0: no slots, a booking is for the day.",
    )
    slot_capacity = serializers.IntegerField(required=False, help_text="People per slot.")
    booking_days_ahead = serializers.IntegerField(
        required=False, help_text="How many days ahead booking opens (0: today only)."
    )
    booking_closes_at = serializers.TimeField(
        required=False,
        allow_null=True,
        format="%H:%M",
        input_formats=["%H:%M", "%H:%M:%S"],
        help_text='Booking for a day closes at this local time that day, e.g. "14:00"; null: '
        "at closing.",
    )
    requeue_after = serializers.IntegerField(
        required=False,
        help_text="A no-show who comes back is queued again after this many further calls.",
    )
    online_booking = serializers.BooleanField(required=False)
    position = serializers.IntegerField(required=False, help_text="Order in lists.")
    is_active = serializers.BooleanField(required=False)
    created_at = serializers.DateTimeField(read_only=True)


class QueueServiceUpdateSerializer(QueueServiceSerializer):
    """What is sent changes; lists sent replace the whole list. The point stays."""

    point = serializers.IntegerField(source="point_id", read_only=True)
    name = serializers.CharField(max_length=150, required=False)
    prefix = serializers.CharField(max_length=3, required=False)


# --- counters ---------------------------------------------------------------------------------


class QueueStaffRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class QueueCounterSerializer(serializers.Serializer):
    """A counter (loket) and the services it calls, first served first."""

    id = serializers.IntegerField(read_only=True)
    point = id_field(
        source="point_id", help_text="The service point's id (set when created, then fixed)."
    )
    name = serializers.CharField(max_length=100)
    code = serializers.CharField(
        max_length=20,
        help_text='How the board and its announcement call it: "3" is spoken "loket tiga".',
    )
    services = serializers.ListField(
        child=id_field(),
        required=False,
        help_text="Service ids of the point, in the order the counter calls from them.",
    )
    is_active = serializers.BooleanField(required=False)
    is_open = serializers.BooleanField(
        read_only=True, help_text="Someone is signed in at it (POST .../open/)."
    )
    staff = QueueStaffRefSerializer(read_only=True, allow_null=True, help_text="Who is signed in.")
    signed_in_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


class QueueCounterUpdateSerializer(QueueCounterSerializer):
    point = serializers.IntegerField(source="point_id", read_only=True)
    name = serializers.CharField(max_length=100, required=False)
    code = serializers.CharField(max_length=20, required=False)


# --- queue tickets ----------------------------------------------------------------------------

SLOT_HELP = (
    "The booked slot's start: an ISO 8601 date-time with its offset "
    '("2026-12-14T09:00:00+07:00") or the local time "HH:MM" ("09:00") on `date` at the '
    "service point. Needs `date`; required when the service has slots, ignored when it has "
    "none. GET /api/queue/services/{id}/ tells the slot length."
)


class QueueTicketCreateSerializer(serializers.Serializer):
    """A new number: for today, in line at once (no `date`), or a booking for a day and slot
    (with `date`), checked in on arrival."""

    service = id_field(help_text="The service's id.")
    channel = serializers.ChoiceField(
        choices=QueueChannel.choices,
        required=False,
        default=QueueChannel.API,
        help_text="Where the number was taken; it decides the quota counted (online, api, "
        "whatsapp: online; kiosk, staff: walk_in). Default: api.",
    )
    name = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required for a booking."
    )
    phone = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Indonesian mobile number (0812…, +62812…). A booking needs a phone or a "
        "NIK: one live number per person (NIK, else phone) per service and day.",
    )
    email = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="For the message when few are ahead (`notify_ahead`).",
    )
    nik = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="The 16-digit NIK, checked for shape (region code and date of birth); only "
        "its masked form is kept.",
    )
    bucket = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="The quota bucket's key (e.g. jkn); required when the service has buckets.",
    )
    date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="YYYY-MM-DD: a booking for that local day (status booked). Absent: a number "
        "for today, in line at once (status waiting).",
    )
    slot = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, default=None, help_text=SLOT_HELP
    )
    notify_ahead = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=50,
        default=0,
        help_text="Send a message (e-mail now) when this many people or fewer are ahead; 0: none.",
    )


class QueueWaitSerializer(serializers.Serializer):
    """The estimated wait, a range holding about 80% of real waits."""

    low = serializers.IntegerField(help_text="Seconds.")
    high = serializers.IntegerField(help_text="Seconds.")
    expected = serializers.IntegerField(help_text="Seconds: the most likely wait.")
    unknown = serializers.BooleanField(
        help_text="true: no estimate can be given (see reason); the figures are 0 and mean "
        "nothing then."
    )
    reason = serializers.CharField(
        allow_blank=True,
        help_text='Why there is no estimate: "no_counter" (no counter serves the service now), '
        '"no_history" (no service time recorded yet), "closing" (the counters are likely to '
        'close first); "" when there is one.',
    )


class QueuePersonSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField(help_text="E.164, e.g. +6281234567890; blank when not given.")
    email = serializers.CharField()
    nik = serializers.CharField(help_text="Masked (3271••••••••0001); blank when not given.")


class QueueCounterRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class QueueTicketSerializer(serializers.Serializer):
    """A queue ticket, as the ticket list shows it."""

    id = serializers.IntegerField()
    number = serializers.CharField(help_text="A-012: the service's prefix and the day's number.")
    status = serializers.ChoiceField(
        choices=QueueStatus.choices,
        help_text="booked → (arrived: checked in before the slot) → waiting → called → serving "
        "→ done; or parked, no_show, cancelled, transferred.",
    )
    status_url = serializers.URLField(
        help_text="The person's live status page (absolute; its address is the key: give it "
        "to the person only)."
    )
    service = serializers.IntegerField()
    point = serializers.IntegerField()
    date = serializers.DateField(help_text="The local day the number is for.")
    slot = serializers.DateTimeField(
        allow_null=True, help_text="The booked slot's start, in the point's time zone; or null."
    )
    channel = serializers.ChoiceField(choices=QueueChannel.choices)
    bucket = serializers.CharField(allow_blank=True)
    counter = QueueCounterRefSerializer(
        allow_null=True, help_text="The counter that called it (or that it is sent to)."
    )
    calls = serializers.IntegerField(help_text="How many times it was called (recalls count).")
    notify_ahead = serializers.IntegerField()
    transferred_from = serializers.IntegerField(
        allow_null=True, help_text="The ticket this one continues after a transfer."
    )
    created_at = serializers.DateTimeField()
    arrived_at = serializers.DateTimeField(allow_null=True)
    called_at = serializers.DateTimeField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    person = QueuePersonSerializer(
        allow_null=True,
        help_text="Who it is for; null for callers without queueing.counter.operate or "
        "queueing.manage.",
    )


class QueueTicketDetailSerializer(QueueTicketSerializer):
    """A queue ticket with where it stands: one ticket, a new one, a counter's action."""

    position = serializers.IntegerField(
        allow_null=True,
        help_text="1: next to be called; null while not in line (booked, called, done…).",
    )
    estimated_wait = QueueWaitSerializer(allow_null=True, help_text="null while not in line.")


def ticket_data(ticket: QueueTicket, *, show_person: bool) -> dict[str, Any]:
    """A ticket as QueueTicketSerializer describes it. Needs `point` and `counter` loaded."""
    zone = zone_of(ticket.point)
    counter = ticket.counter
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "status": ticket.status,
        # The public site's own address: the page is for the person, wherever the API is
        # called from (a hospital system inside its own network).
        "status_url": settings.KARCIS_BASE_URL + selectors.status_url(ticket),
        "service": ticket.service_id,
        "point": ticket.point_id,
        "date": ticket.day.isoformat(),
        "slot": local_iso(ticket.slot_start, zone),
        "channel": ticket.channel,
        "bucket": ticket.bucket,
        "counter": (
            {"id": counter.pk, "code": counter.code, "name": counter.name}
            if counter is not None
            else None
        ),
        "calls": ticket.calls,
        "notify_ahead": ticket.notify_ahead,
        "transferred_from": ticket.transferred_from_id,
        "created_at": local_iso(ticket.created_at, zone),
        "arrived_at": local_iso(ticket.arrived_at, zone),
        "called_at": local_iso(ticket.called_at, zone),
        "started_at": local_iso(ticket.started_at, zone),
        "finished_at": local_iso(ticket.finished_at, zone),
        "person": (
            {
                "name": ticket.name,
                "phone": ticket.phone,
                "email": ticket.email,
                "nik": ticket.nik_masked,
            }
            if show_person
            else None
        ),
    }


def ticket_detail_data(ticket: QueueTicket, *, show_person: bool) -> dict[str, Any]:
    """A ticket as QueueTicketDetailSerializer describes it: with its place in line now."""
    state = selectors.status_of(ticket)
    wait = state["wait"]
    return {
        **ticket_data(ticket, show_person=show_person),
        "position": state["position"],
        "estimated_wait": (
            {
                "low": wait.low,
                "high": wait.high,
                "expected": wait.expected,
                "unknown": wait.unknown,
                "reason": wait.reason,
            }
            if wait is not None
            else None
        ),
    }


# --- refusals and counter actions -------------------------------------------------------------


class QueueRefusalSerializer(serializers.Serializer):
    """409: the request was well formed, but the queue cannot give this number now."""

    detail = serializers.CharField(help_text="Why, in the caller's language.")
    code = serializers.ChoiceField(
        choices=["full", "closed", "duplicate"],
        help_text="full: the quota or the slot is full; closed: the office or the booking is "
        "closed for that day; duplicate: this person already has a number for the service "
        "that day.",
    )
    next_open_date = serializers.DateField(
        allow_null=True,
        help_text="The first later date (within the booking window) that is open and still "
        "has room for this channel and bucket; for a full slot, the same date when other "
        "slots have room; null when there is none.",
    )


class CounterRefusalSerializer(serializers.Serializer):
    """409: the counter's state does not allow this action."""

    detail = serializers.CharField(help_text="Why, in the caller's language.")
    code = serializers.ChoiceField(
        choices=["closed", "none", "state", "busy"],
        help_text="closed: nobody is signed in at the counter (POST .../open/ first); none: it "
        "has called no one to do this with; state: the ticket is not parked here; busy: "
        "finish or park the current person first.",
    )


class CounterActionSerializer(serializers.Serializer):
    """The counter after the action, and the ticket the action concerned."""

    counter = QueueCounterSerializer()
    ticket = QueueTicketDetailSerializer(
        allow_null=True,
        help_text="call-next: the person called (null: nobody is waiting); transfer: the new "
        "ticket in the other service's line; open and close: null.",
    )


class CounterTransferSerializer(serializers.Serializer):
    service = id_field(help_text="The service (of this point) to send them to.")
    counter = id_field(
        required=False,
        allow_null=True,
        default=None,
        help_text="A counter serving that service, to be called there only; null: any.",
    )


class CounterResumeSerializer(serializers.Serializer):
    ticket = id_field(help_text="The id of a ticket parked at this counter.")


class NoBodySerializer(serializers.Serializer):
    """Nothing to send (a key sent is refused by name)."""


# --- examples ---------------------------------------------------------------------------------

POINT_EXAMPLE = OpenApiExample(
    "A Dukcapil office",
    value={
        "id": 1,
        "name": "Disdukcapil Kota Bandung",
        "slug": "dukcapil-bandung",
        "address": "Jl. Ambon No. 1B, Bandung",
        "time_zone": "Asia/Jakarta",
        "calendar": 2,
        "printer_host": "192.168.10.50",
        "printer_port": 9100,
        "is_active": True,
        "created_at": "2026-12-01T08:00:00+07:00",
    },
    response_only=True,
)
POINT_CREATE_EXAMPLE = OpenApiExample(
    "A new office",
    value={
        "name": "Disdukcapil Kota Bandung",
        "slug": "dukcapil-bandung",
        "address": "Jl. Ambon No. 1B, Bandung",
        "time_zone": "Asia/Jakarta",
        "calendar": 2,
        "printer_host": "192.168.10.50",
    },
    request_only=True,
)
POINT_UPDATE_EXAMPLE = OpenApiExample("Deactivate", value={"is_active": False}, request_only=True)
SERVICE_EXAMPLE = OpenApiExample(
    "Poli Umum with JKN and umum quotas",
    value={
        "id": 4,
        "point": 1,
        "name": "Poli Umum",
        "prefix": "A",
        "description": "Pemeriksaan umum",
        "buckets": [{"key": "jkn", "label": "JKN"}, {"key": "umum", "label": "Umum"}],
        "quotas": [
            {"channel": "online", "bucket": "jkn", "limit": 40},
            {"channel": "online", "bucket": "umum", "limit": 20},
            {"channel": "walk_in", "bucket": "", "limit": 60},
        ],
        "slot_minutes": 30,
        "slot_capacity": 6,
        "booking_days_ahead": 7,
        "booking_closes_at": "14:00",
        "requeue_after": 5,
        "online_booking": True,
        "position": 0,
        "is_active": True,
        "created_at": "2026-12-01T08:00:00+07:00",
    },
    response_only=True,
)
SERVICE_CREATE_EXAMPLE = OpenApiExample(
    "Poli Umum",
    value={
        "point": 1,
        "name": "Poli Umum",
        "prefix": "A",
        "buckets": [{"key": "jkn", "label": "JKN"}, {"key": "umum", "label": "Umum"}],
        "quotas": [
            {"channel": "online", "bucket": "jkn", "limit": 40},
            {"channel": "online", "bucket": "umum", "limit": 20},
            {"channel": "walk_in", "bucket": "", "limit": 60},
        ],
        "slot_minutes": 30,
        "slot_capacity": 6,
        "booking_days_ahead": 7,
        "booking_closes_at": "14:00",
    },
    request_only=True,
)
SERVICE_UPDATE_EXAMPLE = OpenApiExample(
    "A larger online quota",
    value={"quotas": [{"channel": "online", "bucket": "", "limit": 80}]},
    request_only=True,
)
COUNTER_VALUE = {
    "id": 7,
    "point": 1,
    "name": "Loket 3",
    "code": "3",
    "services": [4, 5],
    "is_active": True,
    "is_open": True,
    "staff": {"id": 12, "name": "Budi Santoso"},
    "signed_in_at": "2026-12-14T07:55:00+07:00",
    "created_at": "2026-12-01T08:00:00+07:00",
}
COUNTER_EXAMPLE = OpenApiExample("Loket 3", value=COUNTER_VALUE, response_only=True)
COUNTER_CREATE_EXAMPLE = OpenApiExample(
    "Loket 3",
    value={"point": 1, "name": "Loket 3", "code": "3", "services": [4, 5]},
    request_only=True,
)
COUNTER_UPDATE_EXAMPLE = OpenApiExample(
    "Serve Kartu Keluarga first", value={"services": [5, 4]}, request_only=True
)
WAITING_TICKET = {
    "id": 345,
    "number": "A-012",
    "status": "waiting",
    "status_url": "https://antrean.example.go.id/antrean/tiket/bX6Qy1mF0pR2sT8uV4wZ9aC3/",
    "service": 4,
    "point": 1,
    "date": "2026-12-14",
    "slot": None,
    "channel": "api",
    "bucket": "jkn",
    "counter": None,
    "calls": 0,
    "notify_ahead": 3,
    "transferred_from": None,
    "created_at": "2026-12-14T08:41:07+07:00",
    "arrived_at": "2026-12-14T08:41:07+07:00",
    "called_at": None,
    "started_at": None,
    "finished_at": None,
    "person": {
        "name": "Siti Aminah",
        "phone": "+6281234567890",
        "email": "siti@example.com",
        "nik": "3273••••••••0001",
    },
    "position": 4,
    "estimated_wait": {
        "low": 420,
        "high": 1260,
        "expected": 780,
        "unknown": False,
        "reason": "",
    },
}
BOOKED_TICKET = {
    **WAITING_TICKET,
    "id": 346,
    "number": "A-013",
    "status": "booked",
    "date": "2026-12-15",
    "slot": "2026-12-15T09:00:00+07:00",
    "arrived_at": None,
    "created_at": "2026-12-14T08:45:00+07:00",
    "position": None,
    "estimated_wait": None,
}
CALLED_TICKET = {
    **WAITING_TICKET,
    "status": "called",
    "counter": {"id": 7, "code": "3", "name": "Loket 3"},
    "calls": 1,
    "called_at": "2026-12-14T09:02:30+07:00",
    "position": None,
    "estimated_wait": None,
}
TICKET_EXAMPLE = OpenApiExample("Waiting in line", value=WAITING_TICKET, response_only=True)
BOOKED_EXAMPLE = OpenApiExample("A booking", value=BOOKED_TICKET, response_only=True)
TICKET_LIST_EXAMPLE = OpenApiExample(
    "A ticket called to a counter",
    value={
        key: value
        for key, value in CALLED_TICKET.items()
        if key not in ("position", "estimated_wait")
    },
    response_only=True,
)
TICKET_CREATE_EXAMPLES = [
    OpenApiExample(
        "A number for today",
        value={
            "service": 4,
            "bucket": "jkn",
            "name": "Siti Aminah",
            "phone": "0812 3456 7890",
            "notify_ahead": 3,
        },
        request_only=True,
    ),
    OpenApiExample(
        "A booking with a local slot time",
        value={
            "service": 4,
            "channel": "online",
            "bucket": "umum",
            "name": "Siti Aminah",
            "phone": "081234567890",
            "nik": "3273014107900001",
            "date": "2026-12-15",
            "slot": "09:00",
        },
        request_only=True,
    ),
    OpenApiExample(
        "A booking with an ISO 8601 slot",
        value={
            "service": 4,
            "bucket": "jkn",
            "name": "Siti Aminah",
            "phone": "081234567890",
            "date": "2026-12-15",
            "slot": "2026-12-15T09:00:00+07:00",
        },
        request_only=True,
    ),
]
FULL_EXAMPLE = OpenApiExample(
    "The quota is full",
    value={
        "detail": "The quota for 2026-12-15 is full.",
        "code": "full",
        "next_open_date": "2026-12-16",
    },
    response_only=True,
    status_codes=["409"],
)
DUPLICATE_EXAMPLE = OpenApiExample(
    "Already has a number",
    value={
        "detail": "This person already has a number for this service on 2026-12-15.",
        "code": "duplicate",
        "next_open_date": None,
    },
    response_only=True,
    status_codes=["409"],
)
BAD_TICKET_EXAMPLE = OpenApiExample(
    "Bad input, by field",
    value={
        "slot": ["Choose one of the day's time slots."],
        "nik": ["A NIK has 16 digits, not 15."],
    },
    response_only=True,
    status_codes=["400"],
)
COUNTER_REFUSED_EXAMPLE = OpenApiExample(
    "Nobody called",
    value={"detail": "The counter has called no one to do this with.", "code": "none"},
    response_only=True,
    status_codes=["409"],
)
COUNTER_CLOSED_EXAMPLE = OpenApiExample(
    "The counter is closed",
    value={"detail": "Open the counter first (sign in at it).", "code": "closed"},
    response_only=True,
    status_codes=["409"],
)
FORBIDDEN_EXAMPLE = OpenApiExample(
    "Not allowed",
    value={"detail": "You may not work at a counter."},
    response_only=True,
    status_codes=["403"],
)
CALLED_EXAMPLE = OpenApiExample(
    "Someone called",
    value={"counter": COUNTER_VALUE, "ticket": CALLED_TICKET},
    response_only=True,
)
NOBODY_EXAMPLE = OpenApiExample(
    "Nobody waiting",
    value={"counter": COUNTER_VALUE, "ticket": None},
    response_only=True,
)
TRANSFER_EXAMPLE = OpenApiExample(
    "To Kartu Keluarga, at counter 5",
    value={"service": 5, "counter": 9},
    request_only=True,
)
TRANSFERRED_EXAMPLE = OpenApiExample(
    "The new ticket in the other line",
    value={
        "counter": COUNTER_VALUE,
        "ticket": {
            **WAITING_TICKET,
            "id": 350,
            "number": "B-031",
            "service": 5,
            "channel": "staff",
            "bucket": "",
            "counter": {"id": 9, "code": "5", "name": "Loket 5"},
            "transferred_from": 345,
            "position": 1,
        },
    },
    response_only=True,
)
RESUME_EXAMPLE = OpenApiExample("A parked ticket", value={"ticket": 345}, request_only=True)
