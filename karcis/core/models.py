"""Organisations, people and the domain event log: what every Karcis module stands on."""

from zoneinfo import available_timezones

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

# The largest id a row can have (BigAutoField): bigger numbers in a query string are bad
# input, not something to hand to the database.
MAX_ID = 2**63 - 1

INDONESIAN_TIME_ZONES = [
    ("Asia/Jakarta", _("WIB (Asia/Jakarta)")),
    ("Asia/Makassar", _("WITA (Asia/Makassar)")),
    ("Asia/Jayapura", _("WIT (Asia/Jayapura)")),
]


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

    objects = ScopedManager(organisation="organisation")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="uniq_sequence_per_org")
        ]


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    SUPERVISOR = "supervisor", _("Supervisor")
    AGENT = "agent", _("Agent")
    CUSTOMER = "customer", _("Customer")


STAFF_ROLES = (Role.ADMIN, Role.SUPERVISOR, Role.AGENT)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", Role.ADMIN)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Someone who signs in: staff of an organisation (admin, supervisor, agent) or a customer.

    Users are not scoped by django-scopes: authentication must find them before any
    organisation is known. Every selector that lists users filters by organisation.
    """

    email = models.EmailField(_("e-mail address"), unique=True)
    name = models.CharField(_("name"), max_length=150)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="users"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)
    sees_all_tickets = models.BooleanField(
        _("sees every ticket"),
        default=False,
        help_text=_("Agents see only their teams' tickets unless this is set."),
    )
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
            )
        ]

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def is_staff_member(self) -> bool:
        """Works the desk (admin, supervisor or agent) rather than being served by it."""
        return self.role in STAFF_ROLES and self.organisation_id is not None

    @property
    def is_org_admin(self) -> bool:
        return self.role == Role.ADMIN and self.organisation_id is not None

    @property
    def sees_everything(self) -> bool:
        return self.role in (Role.ADMIN, Role.SUPERVISOR) or self.sees_all_tickets

    @property
    def initials(self) -> str:
        parts = (self.name or self.email).split()
        return "".join(p[0] for p in parts[:2]).upper()


class Team(models.Model):
    """A group of agents that tickets are routed to (e.g. 'Tagihan', 'Teknis')."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    members = models.ManyToManyField(User, related_name="teams", blank=True)

    objects = ScopedManager(organisation="organisation")

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
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organisation="organisation")

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
        # Iterates the (usually prefetched) identities instead of querying per property.
        for identity in self.identities.all():
            if identity.kind == kind:
                return identity.value
        return ""


class IdentityKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone / WhatsApp")


class ContactIdentity(models.Model):
    """One address a contact reaches us from: an e-mail address or a phone/WhatsApp number.

    Values are stored normalised (lower-case e-mail, E.164 phone) so lookups are exact.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=16, choices=IdentityKind.choices)
    value = models.CharField(max_length=254)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "value"], name="uniq_identity_per_org"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class Event(models.Model):
    """One domain event (`desk.ticket.assigned`…), written in the transaction of the change.

    History, reports, webhooks, live updates and automation all read this one stream.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    type = models.CharField(max_length=80)
    object_type = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True)
    actor_contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id", "id"])]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.type} {self.object_type}#{self.object_id}"
