"""Public queues: service points, their services and counters, and queue tickets
(docs/queueing.md, decision 0025).

A queue ticket has a number per service and local day (`A-012`), taken at a kiosk, by
staff or through the API, or booked online for a time slot within a quota. Every number
and every quota of a service's day is counted on one row (`ServiceDay`), changed under its
row lock: numbers are gapless and a quota is never exceeded, however many people book at
the same moment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from karcis.core.models import Organisation, User

if TYPE_CHECKING:
    from karcis.core.models import ScopedManagerType


class ServicePoint(models.Model):
    """An office or branch where people queue: a Dukcapil office, a puskesmas, a bank."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, db_index=False)
    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("short name"), max_length=60)
    address = models.TextField(_("address"), blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Jakarta")
    # Opening hours and holidays; none: the organisation's default calendar.
    calendar = models.ForeignKey(
        "calendars.BusinessCalendar",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opening hours"),
    )
    # The kiosk's address carries this key: only the office's own kiosk takes walk-in
    # numbers (the walk-in quota is not for people at home).
    kiosk_key = models.CharField(max_length=64, editable=False)
    # An ESC/POS network printer beside the kiosk; none: the browser prints the ticket.
    printer_host = models.CharField(_("receipt printer address"), max_length=200, blank=True)
    printer_port = models.PositiveIntegerField(_("receipt printer port"), default=9100)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ScopedManagerType[ServicePoint]] = ScopedManager(organisation="organisation")
    _default_manager: ClassVar[ScopedManagerType[ServicePoint]]

    class Meta:
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="uniq_point_slug"),
        ]

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    """Something a service point serves, with its own line of numbers (prefix `A`).

    `quotas` is a list of {"channel": "online" | "walk_in", "bucket": key or "", "limit": n}:
    at most n tickets a day through that channel (and of that bucket, e.g. JKN or umum; ""
    counts every bucket). `buckets` is a list of {"key": ..., "label": ...}. Slots: online
    bookings pick a start time every `slot_minutes` within opening hours, at most
    `slot_capacity` people each; 0 minutes: no slots, a booking is for the day.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, db_index=False)
    point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="services")
    name = models.CharField(_("name"), max_length=150)
    prefix = models.CharField(_("number prefix"), max_length=3)
    description = models.CharField(_("description"), max_length=300, blank=True)
    buckets = models.JSONField(_("buckets"), default=list, blank=True)
    quotas = models.JSONField(_("daily quotas"), default=list, blank=True)
    slot_minutes = models.PositiveIntegerField(
        _("slot length (minutes)"), default=15, validators=[MaxValueValidator(480)]
    )
    slot_capacity = models.PositiveIntegerField(
        _("people per slot"), default=4, validators=[MinValueValidator(1)]
    )
    booking_days_ahead = models.PositiveIntegerField(
        _("days ahead booking opens"), default=7, validators=[MaxValueValidator(90)]
    )
    # Online booking for a day closes at this local time on that day (none: at closing).
    booking_closes_at = models.TimeField(_("booking closes at"), null=True, blank=True)
    # A no-show who comes back is queued again after this many further calls.
    requeue_after = models.PositiveIntegerField(
        _("a returning no-show waits for"), default=5, validators=[MaxValueValidator(100)]
    )
    online_booking = models.BooleanField(_("bookable online"), default=True)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ScopedManagerType[Service]] = ScopedManager(organisation="organisation")
    _default_manager: ClassVar[ScopedManagerType[Service]]

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["point", "prefix"], name="uniq_service_prefix"),
        ]

    def __str__(self) -> str:
        return self.name


class Counter(models.Model):
    """A counter (loket) that calls people of the services it serves, in its order."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, db_index=False)
    point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="counters")
    name = models.CharField(_("name"), max_length=100)
    # How the board and its announcement call it: "3" is spoken "loket tiga".
    code = models.CharField(_("called as"), max_length=20)
    # Service ids, first served first.
    services = models.JSONField(_("services, in order"), default=list)
    staff = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_in_at = models.DateTimeField(null=True, blank=True)
    is_open = models.BooleanField(_("open"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ScopedManagerType[Counter]] = ScopedManager(organisation="organisation")
    _default_manager: ClassVar[ScopedManagerType[Counter]]

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")
        ordering = ["code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["point", "code"], name="uniq_counter_code"),
        ]

    def __str__(self) -> str:
        return self.name


class ServiceDay(models.Model):
    """A service's numbers and quota use on one local day: the row whose lock every new
    ticket of that day takes. `used` counts live tickets per "channel:bucket" (and per
    "channel:" for the channel as a whole); `slots` counts them per slot start ("HH:MM")."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, db_index=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last_number = models.PositiveIntegerField(default=0)
    used = models.JSONField(default=dict)
    slots = models.JSONField(default=dict)

    objects: ClassVar[ScopedManagerType[ServiceDay]] = ScopedManager(organisation="organisation")
    _default_manager: ClassVar[ScopedManagerType[ServiceDay]]

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "day"], name="uniq_service_day"),
        ]


class QueueChannel(models.TextChoices):
    ONLINE = "online", _("Online")
    KIOSK = "kiosk", _("Kiosk")
    STAFF = "staff", _("Staff")
    API = "api", _("API")
    WHATSAPP = "whatsapp", _("WhatsApp")


# Which quota a channel's tickets count against.
QUOTA_CHANNEL = {
    QueueChannel.ONLINE: "online",
    QueueChannel.API: "online",
    QueueChannel.WHATSAPP: "online",
    QueueChannel.KIOSK: "walk_in",
    QueueChannel.STAFF: "walk_in",
}


class QueueStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    ARRIVED = "arrived", _("Checked in, before the slot")
    WAITING = "waiting", _("Waiting")
    CALLED = "called", _("Called")
    SERVING = "serving", _("Being served")
    PARKED = "parked", _("Parked")
    DONE = "done", _("Done")
    NO_SHOW = "no_show", _("No-show")
    CANCELLED = "cancelled", _("Cancelled")
    TRANSFERRED = "transferred", _("Transferred")


# In the line to be called (`queued_at` says where).
IN_LINE = (QueueStatus.ARRIVED, QueueStatus.WAITING)
# Counting against the day's quotas and the one-booking-per-person rule.
LIVE = (
    QueueStatus.BOOKED,
    QueueStatus.ARRIVED,
    QueueStatus.WAITING,
    QueueStatus.CALLED,
    QueueStatus.SERVING,
    QueueStatus.PARKED,
)
AT_A_COUNTER = (QueueStatus.CALLED, QueueStatus.SERVING, QueueStatus.PARKED)
FINISHED = (
    QueueStatus.DONE,
    QueueStatus.NO_SHOW,
    QueueStatus.CANCELLED,
    QueueStatus.TRANSFERRED,
)


class QueueTicket(models.Model):
    """One person's place in a service's line on one day."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, db_index=False)
    point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    sequence = models.PositiveIntegerField()
    number = models.CharField(max_length=12)
    channel = models.CharField(max_length=16, choices=QueueChannel.choices)
    bucket = models.CharField(max_length=30, blank=True)
    status = models.CharField(max_length=16, choices=QueueStatus.choices)
    # The person. The NIK itself is not kept: its keyed hash (one booking per person) and
    # a masked form to show.
    name = models.CharField(_("name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    nik_hash = models.CharField(max_length=64, blank=True)
    nik_masked = models.CharField(max_length=20, blank=True)
    slot_start = models.DateTimeField(null=True, blank=True)
    # Where it stands in the line: earlier is called first; none while not in line.
    queued_at = models.DateTimeField(null=True, blank=True)
    counter = models.ForeignKey(
        Counter, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    served_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    transferred_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    calls = models.PositiveSmallIntegerField(default=0)
    # The status page's address: unguessable, so a number alone shows nothing.
    token = models.CharField(max_length=32, unique=True)
    notify_ahead = models.PositiveSmallIntegerField(default=0)  # 0: no message
    notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    arrived_at = models.DateTimeField(null=True, blank=True)
    called_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[ScopedManagerType[QueueTicket]] = ScopedManager(organisation="organisation")
    _default_manager: ClassVar[ScopedManagerType[QueueTicket]]

    class Meta:
        verbose_name = _("queue ticket")
        verbose_name_plural = _("queue tickets")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "day", "sequence"], name="uniq_queue_number"
            ),
        ]
        indexes = [
            # The line: call next, position, people ahead.
            models.Index(
                fields=["service", "queued_at"],
                name="queue_line",
                condition=Q(status__in=["arrived", "waiting"]),
            ),
            models.Index(fields=["point", "day", "status"], name="queue_point_day"),
            models.Index(fields=["service", "day", "nik_hash"], name="queue_person_nik"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_live(self) -> bool:
        return self.status in LIVE
