"""Service-desk tickets, their conversation, and the organisation's desk configuration."""

from typing import TYPE_CHECKING, ClassVar

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from karcis.core.content import storage_name
from karcis.core.models import Channel, Contact, DeliveryState, FieldKind, Organisation, Team, User

if TYPE_CHECKING:
    from karcis.core.models import ScopedManagerType


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")
    ON_HOLD = "on_hold", _("On hold")
    SOLVED = "solved", _("Solved")
    CLOSED = "closed", _("Closed")


# The statuses a ticket may move to from each status. A closed ticket is final: a
# follow-up becomes a new ticket that links to it.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED}),
    Status.OPEN: frozenset({Status.PENDING, Status.ON_HOLD, Status.SOLVED}),
    Status.PENDING: frozenset({Status.OPEN, Status.ON_HOLD, Status.SOLVED}),
    Status.ON_HOLD: frozenset({Status.OPEN, Status.PENDING, Status.SOLVED}),
    Status.SOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}
UNSOLVED_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


PRIORITY_RANK: dict[str, int] = {
    Priority.LOW: 0,
    Priority.NORMAL: 1,
    Priority.HIGH: 2,
    Priority.URGENT: 3,
}


class TicketType(models.TextChoices):
    QUESTION = "question", _("Question")
    INCIDENT = "incident", _("Incident")
    PROBLEM = "problem", _("Problem")
    REQUEST = "request", _("Request")
    COMPLAINT = "complaint", _("Complaint")


class Category(models.Model):
    """A node of the organisation's category tree (e.g. Tagihan › Pembayaran gagal)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    name = models.CharField(_("name"), max_length=100)
    path = models.CharField(max_length=400, editable=False, help_text="Full name, for sorting")
    is_active = models.BooleanField(_("active"), default=True)

    objects: ClassVar["ScopedManagerType[Category]"] = ScopedManager(organisation="organisation")
    _default_manager: ClassVar["ScopedManagerType[Category]"]

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "parent", "name"], name="uniq_category_name_per_parent"
            )
        ]

    def __str__(self) -> str:
        return self.path or self.name


class Tag(models.Model):
    """A free label on tickets, unique per organisation ('vip', 'gangguan-massal')."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    name = models.SlugField(_("name"), max_length=50, allow_unicode=True)

    objects: ClassVar["ScopedManagerType[Tag]"] = ScopedManager(organisation="organisation")
    _default_manager: ClassVar["ScopedManagerType[Tag]"]

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="uniq_tag_per_org")
        ]

    def __str__(self) -> str:
        return self.name


class CustomField(models.Model):
    """An extra ticket field an organisation defines; values live in Ticket.custom_fields."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    key = models.SlugField(_("key"), max_length=50)
    label = models.CharField(_("label"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=FieldKind.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    visible_to_customer = models.BooleanField(_("shown on the portal"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects: ClassVar["ScopedManagerType[CustomField]"] = ScopedManager(organisation="organisation")
    _default_manager: ClassVar["ScopedManagerType[CustomField]"]

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        ordering = ["position", "label"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "key"], name="uniq_field_key_per_org")
        ]

    def __str__(self) -> str:
        return self.label


class Ticket(models.Model):
    """A case: one request from one requester, with its conversation, owner and state."""

    # No index of its own for the organisation or the requester: the indexes below begin
    # with them, and each index is one more write for every new ticket.
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, db_index=False)
    number = models.CharField(_("number"), max_length=20)
    subject = models.CharField(_("subject"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    priority_rank = models.PositiveSmallIntegerField(default=1, editable=False)
    type = models.CharField(
        _("type"), max_length=12, choices=TicketType.choices, default=TicketType.QUESTION
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("category")
    )
    requester = models.ForeignKey(
        Contact,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("requester"),
        db_index=False,
    )
    assignee = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("team")
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    custom_fields = models.JSONField(default=dict, blank=True)
    linked_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="follow_ups"
    )
    # Set when an agent merged this ticket into another: its conversation moved there, it is
    # closed, and mail that still refers to it threads into the ticket it went into.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_tickets",
        verbose_name=_("merged into"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    solved_at = models.DateTimeField(_("solved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    message_count = models.PositiveIntegerField(default=0)
    # The SLA clocks in one state and one time, for lists (kept by the sla app through
    # services.ticket_sla_summary_set): the worst state of the running clocks, and the
    # soonest due time among them (null when none runs).
    sla_state = models.CharField(_("SLA"), max_length=10, blank=True, default="")
    sla_due_at = models.DateTimeField(_("due"), null=True, blank=True)
    # PostgreSQL full-text document (subject weighted A, messages B). On SQLite the
    # FTS5 table desk_ticket_fts plays this part; see desk/search.py.
    search_vector = SearchVectorField(null=True, editable=False)

    objects: ClassVar["ScopedManagerType[Ticket]"] = ScopedManager(organisation="organisation")
    _default_manager: ClassVar["ScopedManagerType[Ticket]"]

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="uniq_ticket_number"),
        ]
        indexes = [
            models.Index(
                fields=["organisation", "status", "-updated_at"], name="ticket_status_upd"
            ),
            models.Index(fields=["organisation", "assignee", "status"], name="ticket_assignee"),
            models.Index(fields=["organisation", "team", "status"], name="ticket_team"),
            models.Index(fields=["organisation", "-updated_at"], name="ticket_updated"),
            models.Index(fields=["requester", "-created_at"], name="ticket_requester"),
            models.Index(
                fields=["organisation", "assignee", "team"],
                condition=models.Q(status__in=["new", "open", "pending", "on_hold"]),
                name="ticket_unsolved",
            ),
            # The inbox's "due soonest" over the unsolved tickets (its default status): the
            # index is read in order, tickets without a running clock (NULL) last.
            models.Index(
                fields=["organisation", "sla_due_at", "id"],
                condition=models.Q(status__in=["new", "open", "pending", "on_hold"]),
                name="ticket_sla_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_closed(self) -> bool:
        return self.status == Status.CLOSED

    @property
    def is_unsolved(self) -> bool:
        return self.status in UNSOLVED_STATUSES

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None


class MessageKind(models.TextChoices):
    REPLY = "reply", _("Public reply")
    NOTE = "note", _("Internal note")


class IntakeNote(models.TextChoices):
    """What the channel that brought a message had to repair or leave out while taking it
    in, for the agent to know (the original stays available where the channel keeps it)."""

    DAMAGED_PART = (
        "damaged_part",
        _("A part of the message was damaged; what could be read was kept."),
    )
    UNCLOSED_STRUCTURE = (
        "unclosed_structure",
        _("The message's structure was broken or not closed; its parts were recovered."),
    )
    UNKNOWN_CHARSET = "unknown_charset", _("The text declared an unknown character set.")
    INVALID_TEXT = "invalid_text", _("Some characters could not be read and were replaced.")
    MALFORMED_HEADERS = (
        "malformed_headers",
        _("Some headers were malformed and were read leniently."),
    )
    UNREADABLE = "unreadable", _("The message could not be read; it is shown as raw text.")
    PARTICIPANTS_LEFT_OUT = "participants_left_out", _("Some people in Cc were not added.")


class Message(models.Model):
    """One entry of a ticket's conversation: a public reply or an internal note.

    body_html is sanitised on the way in; body_text is its plain-text form for search,
    e-mail and previews. quoted_html is the history an e-mail quoted below its new part,
    folded away on screen but kept. delivery_state says whether a reply reached the
    requester by e-mail (set by the channel that sends it). `automatic`: written by a
    machine on the requester's side (an out-of-office); `intake_notes`: what the channel
    had to repair or leave out ({"code": IntakeNote, "detail": str, "count": int}).
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    # Indexed by message_ticket (ticket, created_at) below, not on its own as well.
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    kind = models.CharField(max_length=8, choices=MessageKind.choices, default=MessageKind.REPLY)
    author_user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    body_html = models.TextField()
    body_text = models.TextField()
    quoted_html = models.TextField(blank=True)
    delivery_state = models.CharField(
        max_length=8, choices=DeliveryState.choices, default=DeliveryState.NONE, blank=True
    )
    delivery_detail = models.CharField(max_length=300, blank=True)
    automatic = models.BooleanField(default=False)
    intake_notes = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar["ScopedManagerType[Message]"] = ScopedManager(organisation="organisation")
    _default_manager: ClassVar["ScopedManagerType[Message]"]

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket")]

    @property
    def is_public(self) -> bool:
        return self.kind == MessageKind.REPLY

    @property
    def intake_note_lines(self) -> list[str]:
        """The intake notes in words, in the reader's language (read when shown)."""
        lines = []
        for note in self.intake_notes or []:
            code, detail = note.get("code", ""), str(note.get("detail", ""))[:80]
            if code == IntakeNote.PARTICIPANTS_LEFT_OUT:
                count, limit = int(note.get("count", 0)), int(note.get("limit", 0))
                lines.append(
                    ngettext(
                        "%(count)d more person in Cc was not added to the ticket "
                        "(at most %(limit)d per message).",
                        "%(count)d more people in Cc were not added to the ticket "
                        "(at most %(limit)d per message).",
                        count,
                    )
                    % {"count": count, "limit": limit}
                )
            elif code == IntakeNote.UNKNOWN_CHARSET and detail:
                lines.append(
                    gettext(
                        "The text declared an unknown character set (%(charset)s) and was "
                        "read as UTF-8."
                    )
                    % {"charset": detail}
                )
            elif code in IntakeNote.values:
                lines.append(str(IntakeNote(code).label))
        return lines

    @property
    def author_name(self) -> str:
        if self.author_user is not None:  # no query without an author_user_id
            return self.author_user.name
        if self.author_contact is not None:
            return self.author_contact.name
        return ""


def attachment_path(instance: "Attachment", filename: str) -> str:
    # A random folder per file: names from users never collide and are never guessable.
    # On disk a name any storage accepts; people see the name as given (Attachment.filename).
    return (
        f"attachments/{instance.organisation_id}/{instance.token}/{storage_name(instance.filename)}"
    )


class Attachment(models.Model):
    """A file on a message. Served only through a view that checks who may see it."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to=attachment_path, max_length=300)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    # The Content-ID of an image an e-mail shows inline (<img src="cid:...">).
    content_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar["ScopedManagerType[Attachment]"] = ScopedManager(organisation="organisation")
    _default_manager: ClassVar["ScopedManagerType[Attachment]"]

    class Meta:
        ordering = ["id"]

    @property
    def is_image(self) -> bool:
        return self.content_type in {"image/png", "image/jpeg", "image/gif", "image/webp"}


class TicketParticipant(models.Model):
    """Someone besides the requester who follows a ticket (a colleague CC'd on the e-mail)
    and receives its public replies."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="participants")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar["ScopedManagerType[TicketParticipant]"] = ScopedManager(
        organisation="organisation"
    )
    _default_manager: ClassVar["ScopedManagerType[TicketParticipant]"]

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "contact"], name="uniq_participant")
        ]


class LinkKind(models.TextChoices):
    RELATED = "related", _("Related")
    # from_ticket is a child (an incident) of to_ticket (its problem).
    PARENT = "parent", _("Parent")


class TicketLink(models.Model):
    """Two tickets an agent linked: related to each other, or an incident (from_ticket) and
    the problem it belongs to (to_ticket). One row per pair, read from both sides."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    from_ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    to_ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=8, choices=LinkKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar["ScopedManagerType[TicketLink]"] = ScopedManager(organisation="organisation")
    _default_manager: ClassVar["ScopedManagerType[TicketLink]"]

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["from_ticket", "to_ticket"], name="uniq_ticket_link"),
            # An incident belongs to one problem at most.
            models.UniqueConstraint(
                fields=["from_ticket"],
                condition=models.Q(kind="parent"),
                name="uniq_ticket_parent",
            ),
            models.CheckConstraint(
                condition=~models.Q(from_ticket=models.F("to_ticket")), name="ticket_link_not_self"
            ),
        ]
