"""E-mail in and out: mailboxes, every raw message received, the Message-IDs that thread a
conversation, and every message sent with its delivery state."""

from typing import TYPE_CHECKING, ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from karcis.core.encryption import EncryptedTextField
from karcis.core.models import DeliveryState, Organisation

if TYPE_CHECKING:
    from karcis.core.models import ScopedManagerType

# The desk's models, by name: messaging threads mail into tickets through the desk's services
# and selectors, and never imports its models.
TICKET = "desk.Ticket"
MESSAGE = "desk.Message"


class ImapSecurity(models.TextChoices):
    SSL = "ssl", _("SSL/TLS (IMAPS, port 993)")
    STARTTLS = "starttls", _("STARTTLS (port 143)")
    NONE = "none", _("None (only on a trusted network)")


class Mailbox(models.Model):
    """An address of the organisation that receives requests (bantuan@dinas.go.id).

    Mail reaches it by IMAP polling (when imap_host is set), by the SMTP/LMTP server or by
    the mail-gate; replies go out from this address.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="mailboxes"
    )
    name = models.CharField(_("name"), max_length=100)
    address = models.EmailField(_("address"), unique=True)
    is_default = models.BooleanField(
        _("default sender"),
        default=False,
        help_text=_("Replies to tickets that did not come by e-mail are sent from this address."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    auto_reply = models.BooleanField(
        _("send an automatic reply"),
        default=True,
        help_text=_("A new ticket gets a reply with its number and tracking link."),
    )
    imap_host = models.CharField(_("IMAP server"), max_length=200, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(
        _("IMAP security"), max_length=10, choices=ImapSecurity.choices, default=ImapSecurity.SSL
    )
    imap_username = models.CharField(_("IMAP user name"), max_length=200, blank=True)
    # Encrypted at rest (karcis.core.encryption); the settings form never shows it back.
    imap_password = EncryptedTextField(_("IMAP password"), blank=True)
    imap_folder = models.CharField(_("IMAP folder"), max_length=200, default="INBOX")
    # Where polling resumes: the folder's UIDVALIDITY and the last UID stored.
    imap_uidvalidity = models.BigIntegerField(null=True, blank=True, editable=False)
    imap_last_uid = models.BigIntegerField(default=0, editable=False)
    last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar["ScopedManagerType[Mailbox]"] = ScopedManager(organisation="organisation")
    _default_manager: ClassVar["ScopedManagerType[Mailbox]"]

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["address"]

    def __str__(self) -> str:
        return self.address

    @property
    def polls_imap(self) -> bool:
        return bool(self.imap_host)


class InboundSource(models.TextChoices):
    IMAP = "imap", _("IMAP")
    LMTP = "lmtp", _("LMTP")
    SMTP = "smtp", _("SMTP")
    MAILGATE = "mailgate", _("Mail-gate")


class InboundState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    PROCESSED = "processed", _("Processed")
    REJECTED = "rejected", _("Rejected")
    FAILED = "failed", _("Failed")


class InboundAction(models.TextChoices):
    NONE = "", _("None")
    TICKET_CREATED = "ticket_created", _("New ticket")
    MESSAGE_ADDED = "message_added", _("Added to a ticket")
    FOLLOWUP_CREATED = "followup_created", _("Follow-up ticket")
    BOUNCE = "bounce", _("Bounce recorded")
    ALREADY_RECEIVED = "already_received", _("Already received in another mailbox")


class InboundEmail(models.Model):
    """One message as it arrived, byte for byte, stored before anything else happens.

    Processing reads it from here, so a crash between receiving and processing loses
    nothing, and a message that failed can be run again after a fix.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="inbound")
    source = models.CharField(max_length=10, choices=InboundSource.choices)
    # The Message-ID when the message has one, else "sha256:<hash of the bytes>".
    dedupe_key = models.CharField(max_length=255)
    message_id = models.CharField(max_length=255, blank=True)
    raw = models.BinaryField()
    size = models.PositiveIntegerField()
    received_at = models.DateTimeField(default=timezone.now)
    # When it reached the mailbox, by the mail server (IMAP INTERNALDATE); null when it came
    # straight to us (then received_at). Never the Date header, which the sender writes.
    arrived_at = models.DateTimeField(null=True, blank=True)
    # Already in the mailbox when we began reading it (the first poll's history): it becomes
    # a ticket but gets no automatic reply.
    backfill = models.BooleanField(default=False)
    envelope_recipients = models.JSONField(default=list, blank=True)
    from_address = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    state = models.CharField(
        max_length=10, choices=InboundState.choices, default=InboundState.PENDING
    )
    action = models.CharField(
        max_length=20, choices=InboundAction.choices, default=InboundAction.NONE, blank=True
    )
    reason = models.TextField(blank=True)
    ticket = models.ForeignKey(TICKET, on_delete=models.SET_NULL, null=True, blank=True)
    desk_message = models.ForeignKey(
        MESSAGE, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    # The raw bytes go after KARCIS_MAIL_RAW_RETENTION_DAYS (the purge-raw-mail job); the
    # ticket and its messages stay. An admin keeps one (evidence, a parser bug) with `keep`.
    keep = models.BooleanField(_("keep the original"), default=False)
    raw_purged_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects: ClassVar["ScopedManagerType[InboundEmail]"] = ScopedManager(
        organisation="organisation"
    )
    _default_manager: ClassVar["ScopedManagerType[InboundEmail]"]

    class Meta:
        verbose_name = _("incoming e-mail")
        verbose_name_plural = _("incoming e-mail")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "dedupe_key"], name="uniq_inbound_per_mailbox"
            )
        ]
        indexes = [
            models.Index(fields=["organisation", "state", "-received_at"], name="inbound_state"),
            models.Index(fields=["mailbox", "from_address", "received_at"], name="inbound_sender"),
            models.Index(fields=["desk_message"], name="inbound_desk_message"),
            # The processing worker's claim: what still waits, oldest first (a handful of
            # rows at any time, however large the table grows).
            models.Index(
                fields=["id"], name="inbound_waiting", condition=models.Q(state="pending")
            ),
            # The retention job's scan: what still has its bytes, oldest first.
            models.Index(
                fields=["received_at"],
                name="inbound_raw_kept",
                condition=models.Q(raw_purged_at__isnull=True, keep=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id or self.dedupe_key} ({self.state})"


class Direction(models.TextChoices):
    IN = "in", _("Incoming")
    OUT = "out", _("Outgoing")


class EmailMessageId(models.Model):
    """A Message-ID we received or sent, and the ticket it belongs to: the first and
    strongest threading signal (a reply names them in In-Reply-To / References)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    value = models.CharField(max_length=255)
    ticket = models.ForeignKey(TICKET, on_delete=models.CASCADE, related_name="+")
    desk_message = models.ForeignKey(
        MESSAGE, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar["ScopedManagerType[EmailMessageId]"] = ScopedManager(
        organisation="organisation"
    )
    _default_manager: ClassVar["ScopedManagerType[EmailMessageId]"]

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "value"], name="message_id_value"),
            models.Index(fields=["ticket", "id"], name="message_id_ticket"),
        ]

    def __str__(self) -> str:
        return self.value


class DeliveryKind(models.TextChoices):
    REPLY = "reply", _("Reply")
    AUTO_REPLY = "auto_reply", _("Automatic reply")
    NOTIFICATION = "notification", _("Notification")  # to the requester: "solved"
    STAFF_NOTIFICATION = "staff_notification", _("Notification to staff")
    ACCOUNT = "account", _("Account e-mail")  # confirming a sign-up


class Delivery(models.Model):
    """One e-mail we send (the outbox), rendered when it is queued so that every retry sends
    the same bytes, with its delivery state for the agent to see.

    Mail of a ticket's conversation comes from a mailbox and threads into its ticket; mail
    to a person about their account or their work (a sign-up link, a notification) has no
    ticket, and comes from the organisation's default mailbox or else the installation's
    sender (KARCIS_DEFAULT_FROM_EMAIL).
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.PROTECT, null=True, blank=True, related_name="deliveries"
    )
    ticket = models.ForeignKey(
        TICKET, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    desk_message = models.ForeignKey(
        MESSAGE, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    kind = models.CharField(max_length=20, choices=DeliveryKind.choices)
    message_id = models.CharField(max_length=255, unique=True)
    to = models.JSONField(default=list)
    cc = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=255)
    text = models.TextField()
    html = models.TextField()
    headers = models.JSONField(default=dict, blank=True)
    # The desk's states (less "not sent"): what a reply shows is what this row records.
    state = models.CharField(
        max_length=8,
        choices=[(value, label) for value, label in DeliveryState.choices if value],
        default=DeliveryState.QUEUED,
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar["ScopedManagerType[Delivery]"] = ScopedManager(organisation="organisation")
    _default_manager: ClassVar["ScopedManagerType[Delivery]"]

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mail")
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(state="queued"),
                name="delivery_due",
            ),
            models.Index(fields=["ticket", "id"], name="delivery_ticket"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.state})"
