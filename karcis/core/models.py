"""Organisations, people and the domain event log: what every Karcis module stands on."""

from typing import TYPE_CHECKING, Any, ClassVar, cast
from zoneinfo import available_timezones

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

if TYPE_CHECKING:
    from typing import Self, TypeVar

    _M = TypeVar("_M", bound=models.Model)

    class ScopedManagerType(models.Manager[_M]):
        """What django-scopes' ScopedManager returns, for mypy: it builds its manager class
        at run time, which the django-stubs plugin cannot follow. Declare a scoped model's
        `objects` and `_default_manager` with it."""

        def with_scope(self, **scope: Any) -> Self: ...
        def with_scopes_disabled(self) -> Self: ...


# The largest id a row can have (BigAutoField): bigger numbers in a query string are bad
# input, not something to hand to the database.
MAX_ID = 2**63 - 1

INDONESIAN_TIME_ZONES = [
    ("Asia/Jakarta", _("WIB (Asia/Jakarta)")),
    ("Asia/Makassar", _("WITA (Asia/Makassar)")),
    ("Asia/Jayapura", _("WIT (Asia/Jayapura)")),
]


class Channel(models.TextChoices):
    """Where a request came from or a reply goes: shared by every domain that takes requests
    (desk tickets now; queue numbers and orders later) and by the adapters in messaging."""

    WEB = "web", _("Web form")
    EMAIL = "email", _("E-mail")
    WHATSAPP = "whatsapp", _("WhatsApp")
    CHAT = "chat", _("Live chat")
    PHONE = "phone", _("Phone")
    WALK_IN = "walk_in", _("Walk-in")
    API = "api", _("API")


class DeliveryState(models.TextChoices):
    """How a message we send fares, as the channel that sends it reports it."""

    NONE = "", _("Not sent")
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class FieldKind(models.TextChoices):
    """The kinds of field an organisation can add to its forms (core.forms builds them)."""

    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    URL = "url", _("URL")
    # A person's identity number (NIK, 16 digits): asked on the portal when the field is
    # shown there, but its value is never shown back on any portal page (decision 0016).
    ID_NUMBER = "id_number", _("Identity number (NIK)")


class Organisation(models.Model):
    """A tenant: a company, agency or office. Every other row belongs to one."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    ticket_prefix = models.CharField(
        _("ticket number prefix"),
        max_length=8,
        validators=[RegexValidator(r"^[A-Z][A-Z0-9]{1,7}$", _("2–8 capital letters or digits."))],
        help_text=_("Ticket numbers look like PREFIX-000123."),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=40, choices=INDONESIAN_TIME_ZONES, default="Asia/Jakarta"
    )
    language = models.CharField(
        _("default language"),
        max_length=8,
        choices=[("id", "Bahasa Indonesia"), ("en", "English")],
        default="id",
    )
    support_email = models.EmailField(_("support e-mail address"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.time_zone not in available_timezones():
            raise ValidationError({"time_zone": _("Unknown time zone.")})


class Sequence(models.Model):
    """A per-organisation counter (ticket numbers, queue numbers…), advanced under a row lock."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    name = models.CharField(max_length=40)
    last_value = models.BigIntegerField(default=0)

    objects: ClassVar["ScopedManagerType[Sequence]"] = ScopedManager(organisation="organisation")
    _default_manager: ClassVar["ScopedManagerType[Sequence]"]

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="uniq_sequence_per_org")
        ]


class Role(models.TextChoices):
    """The built-in roles. Their capabilities are declared with each capability
    (core.permissions); an organisation may add roles of its own (CustomRole)."""

    ADMIN = "admin", _("Administrator")
    SUPERVISOR = "supervisor", _("Supervisor")
    AGENT = "agent", _("Agent")
    CUSTOMER = "customer", _("Customer")


STAFF_ROLES = (Role.ADMIN, Role.SUPERVISOR, Role.AGENT)
# The capability behind User.sees_all_tickets (declared by the desk, karcis/desk/permissions.py).
SEES_ALL_TICKETS = "desk.ticket.view_all"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> "User":
        """The staff (or platform) account with this address. A customer's address is
        theirs only within one organisation (decision 0015): customers are found with the
        organisation, by core.auth, never by address alone."""
        return self.exclude(role=Role.CUSTOMER).get(email=(username or "").strip().lower())

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", Role.ADMIN)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Someone who signs in: staff of an organisation (admin, supervisor, agent) or a customer.

    A staff address is unique among staff (they sign in at /login/, before any organisation
    is known); a customer account belongs to one organisation, so one person may be a
    customer of several with one address, each account apart (decision 0015).

    Users are not scoped by django-scopes: authentication must find them before any
    organisation is known. Every selector that lists users filters by organisation.
    """

    # Not unique on its own: see the constraints below, and core.auth for who finds whom.
    email = models.EmailField(_("e-mail address"), db_index=True)
    name = models.CharField(_("name"), max_length=150)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="users"
    )
    # A built-in role (Role) or the key of one of the organisation's CustomRoles.
    role = models.CharField(_("role"), max_length=50, default=Role.AGENT)
    # Capabilities granted to this person beyond their role (core.permissions).
    capabilities = models.JSONField(_("extra capabilities"), default=list, blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=[("id", "Bahasa Indonesia"), ("en", "English")],
        blank=True,
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("may use the Django admin"), default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False) | Q(is_superuser=True),
                name="user_has_organisation_unless_superuser",
            ),
            models.UniqueConstraint(
                fields=["email"],
                condition=~Q(role=Role.CUSTOMER),
                name="uniq_staff_email",
                violation_error_message=_("A user with this e-mail address already exists."),
            ),
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=Q(role=Role.CUSTOMER),
                name="uniq_customer_email_per_org",
                violation_error_message=_("A user with this e-mail address already exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def is_staff_member(self) -> bool:
        """Works in the staff workspace (any role but customer) rather than being served.

        Who: an identity, not a permission. What a staff member may do is asked of
        core.permissions.user_can.
        """
        return self.role != Role.CUSTOMER and self.organisation_id is not None

    @property
    def sees_all_tickets(self) -> bool:
        """Given every ticket to see, personally (the agent form's checkbox and the API's
        `sees_all_tickets`): the personal grant of the desk's capability of that name."""
        return SEES_ALL_TICKETS in self.capabilities

    @property
    def initials(self) -> str:
        parts = (self.name or self.email).split()
        return "".join(p[0] for p in parts[:2]).upper()


if TYPE_CHECKING:

    class OrganisationMember(User):
        """For type checkers only: a User who belongs to an organisation (its staff or one
        of its customers), as the workspace's guards and the API's permissions let in. The
        constraint above leaves `organisation` empty only for a platform superuser."""

        organisation: Organisation
        organisation_id: int


def as_member(user: User) -> "OrganisationMember":
    """`user`, known to belong to an organisation, as type checkers should see them. It checks
    nothing: call it only where that is known (a staff account, a notification's recipient)."""
    return cast("OrganisationMember", user)


class Team(models.Model):
    """A group of agents that tickets are routed to (e.g. 'Tagihan', 'Teknis')."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    members = models.ManyToManyField(User, related_name="teams", blank=True)
    # Capabilities the members hold for what belongs to this team (core.permissions).
    capabilities = models.JSONField(_("team capabilities"), default=list, blank=True)

    objects: ClassVar["ScopedManagerType[Team]"] = ScopedManager(organisation="organisation")
    _default_manager: ClassVar["ScopedManagerType[Team]"]

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="uniq_team_name_per_org")
        ]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A person the organisation serves; one history across every channel and module."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=150)
    user = models.OneToOneField(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="contact"
    )
    notes = models.TextField(_("notes"), blank=True)
    # The customer's own organisation ("PT Maju Jaya"), as SLA policies and routing rules
    # name it; matched without regard to case.
    company = models.CharField(_("company"), max_length=150, blank=True)
    vip = models.BooleanField(_("VIP"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar["ScopedManagerType[Contact]"] = ScopedManager(organisation="organisation")
    _default_manager: ClassVar["ScopedManagerType[Contact]"]

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def email(self) -> str:
        return self._identity(IdentityKind.EMAIL)

    @property
    def phone(self) -> str:
        return self._identity(IdentityKind.PHONE)

    def _identity(self, kind: str) -> str:
        identity = self.identity_of(kind)
        return identity.value if identity else ""

    def identity_of(self, kind: str) -> "ContactIdentity | None":
        """The contact's address of that kind (the one `email`/`phone` show), if any."""
        # Iterates the (usually prefetched) identities instead of querying per property.
        for identity in self.identities.all():
            if identity.kind == kind:
                return identity
        return None


class IdentityKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone / WhatsApp")


class Verification(models.TextChoices):
    """How an identity was proven to belong to its contact (decision 0016)."""

    INBOUND = "inbound", _("Message received from it")
    STAFF = "staff", _("Entered or confirmed by staff")
    CODE = "code", _("Code sent to it and entered")
    SIGNUP = "signup", _("Confirmed by the sign-up link")
    EXISTING = "existing", _("Existing before verification")


class ContactIdentity(models.Model):
    """One address a contact reaches us from: an e-mail address or a phone/WhatsApp number.

    Values are stored normalised (lower-case e-mail, E.164 phone) so lookups are exact.
    An identity typed by an anonymous visitor is unverified (`verified_at` empty) until a
    channel proves it; an unverified identity never brings another channel's ticket to its
    contact (core.services.contact_resolve, decision 0016).
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=16, choices=IdentityKind.choices)
    value = models.CharField(max_length=254)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.CharField(
        _("verified by"), max_length=16, choices=Verification.choices, blank=True
    )
    # The last code sent to prove it (hashed, like a password), when, and the wrong tries.
    code_hash = models.CharField(max_length=128, blank=True, editable=False)
    code_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    code_attempts = models.PositiveSmallIntegerField(default=0, editable=False)

    objects: ClassVar["ScopedManagerType[ContactIdentity]"] = ScopedManager(
        organisation="organisation"
    )
    _default_manager: ClassVar["ScopedManagerType[ContactIdentity]"]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "value"], name="uniq_identity_per_org"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class CustomRole(models.Model):
    """A role an organisation defines itself: a named set of capabilities for its staff
    (the built-in roles are declared in code, core.permissions)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    key = models.SlugField(_("key"), max_length=50)
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    capabilities = models.JSONField(_("capabilities"), default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar["ScopedManagerType[CustomRole]"] = ScopedManager(organisation="organisation")
    _default_manager: ClassVar["ScopedManagerType[CustomRole]"]

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "key"], name="uniq_role_key_per_org"),
        ]

    def __str__(self) -> str:
        return self.name


class Event(models.Model):
    """One domain event (`desk.ticket.assigned`…), written in the transaction of the change.

    History, reports, webhooks, live updates and automation all read this one stream. Its
    types are declared in each app's events.py (core.eventlog); the payload holds ids and
    codes, and names are looked up when the event is shown.
    """

    # Indexed by the indexes below that begin with it, not on its own as well.
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, db_index=False)
    type = models.CharField(max_length=80)
    # The subject: what the event is about (e.g. desk.ticket #42).
    object_type = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True)
    actor_contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # PostgreSQL: the writing transaction's id, so that consumers read the log in an order
    # that no later commit can slip behind (core.eventlog). SQLite writes one transaction at
    # a time, and leaves it 0.
    tx_id = models.BigIntegerField(default=0, editable=False)
    # Not stored: the subject itself, on an event just written in this process, so that an
    # in-transaction subscriber (core.eventlog.subscribe) uses the object in hand instead of
    # reading it again. None on an event read from the log.
    instance: models.Model | None = None

    objects: ClassVar["ScopedManagerType[Event]"] = ScopedManager(organisation="organisation")
    _default_manager: ClassVar["ScopedManagerType[Event]"]

    class Meta:
        indexes = [
            models.Index(fields=["object_type", "object_id", "id"], name="event_subject"),
            models.Index(fields=["organisation", "type", "created_at"], name="event_org_type_time"),
            models.Index(fields=["organisation", "created_at"], name="event_org_time"),
            models.Index(fields=["tx_id", "id"], name="event_position"),
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.type} {self.object_type}#{self.object_id}"


class EventCursor(models.Model):
    """How far a durable consumer of the event log has read (core.eventlog.events_dispatch).

    The position is (tx_id, event id) of the last event handed to it. The consumer's own
    writes and the cursor's advance commit in one transaction, so each effect happens once.
    Not scoped: one cursor reads the events of every organisation.
    """

    consumer = models.CharField(max_length=80, unique=True)
    position_tx = models.BigIntegerField(default=0)
    position_id = models.BigIntegerField(default=0)
    delivered = models.BigIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["consumer"]

    def __str__(self) -> str:
        return f"{self.consumer} at ({self.position_tx}, {self.position_id})"


class Notification(models.Model):
    """Something a staff member should know about (a ticket assigned to them, a mention).

    Its words are drawn when it is shown, by the kind's describer (core.notifications),
    from the ids it keeps; `data` holds what the link needs (a ticket number).
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=80)
    event = models.ForeignKey(Event, on_delete=models.SET_NULL, null=True, blank=True)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    object_type = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar["ScopedManagerType[Notification]"] = ScopedManager(
        organisation="organisation"
    )
    _default_manager: ClassVar["ScopedManagerType[Notification]"]

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["recipient", "-id"], name="notification_recipient"),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]
        constraints = [
            # One notification of a kind per event and person, however often it is handed over.
            models.UniqueConstraint(
                fields=["recipient", "kind", "event"], name="uniq_notification_per_event"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class NotificationPreference(models.Model):
    """A person's choice for one kind of notification on one channel (in the app, by
    e-mail), where it differs from the kind's default."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=80)
    channel = models.CharField(max_length=20)
    enabled = models.BooleanField()

    objects: ClassVar["ScopedManagerType[NotificationPreference]"] = ScopedManager(
        organisation="organisation"
    )
    _default_manager: ClassVar["ScopedManagerType[NotificationPreference]"]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "channel"], name="uniq_notification_preference"
            )
        ]


class ScheduledRun(models.Model):
    """One run of a daily or weekly job for one organisation at one slot (core.schedule).

    Inserted before the job runs: the unique slot makes two schedulers run it once.
    """

    job = models.CharField(max_length=80)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    slot = models.DateTimeField()
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-slot"]
        constraints = [
            models.UniqueConstraint(fields=["job", "organisation", "slot"], name="uniq_run_slot")
        ]

    def __str__(self) -> str:
        return f"{self.job} for {self.organisation_id} at {self.slot:%Y-%m-%d %H:%M}"
