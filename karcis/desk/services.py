"""Every write of the service desk. Each change records its domain event in its transaction,
and each change a person makes is first asked of core.permissions.

`at`, where a service takes it, is when the change happened, for history brought in from
elsewhere (the demo, an import from another desk); now by default.
"""

import re
import secrets
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, TypeVar

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F, Model, QuerySet, TextChoices
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from karcis.core.caching import forget
from karcis.core.content import Body, CheckedFile, body_from
from karcis.core.models import (
    Channel,
    Contact,
    ContactIdentity,
    DeliveryState,
    Event,
    FieldKind,
    IdentityKind,
    Notification,
    Organisation,
    Team,
    User,
    Verification,
)
from karcis.core.permissions import CONTACTS_MANAGE, user_can
from karcis.core.rows import row_insert, row_update, rows_update
from karcis.core.selectors import staff_of
from karcis.core.services import contact_resolve, event_record, sequence_next
from karcis.core.text import one_line
from karcis.desk import events, permissions, search
from karcis.desk.models import (
    PRIORITY_RANK,
    STATUS_TRANSITIONS,
    Attachment,
    Category,
    CustomField,
    IntakeNote,
    LinkKind,
    Message,
    MessageKind,
    Priority,
    Status,
    Tag,
    Ticket,
    TicketLink,
    TicketParticipant,
    TicketType,
)
from karcis.desk.numbers import ticket_number_format
from karcis.desk.selectors import tickets_visible_to

TICKET_SEQUENCE = "desk.ticket"


def ticket_number_next(*, organisation: Organisation) -> str:
    value = sequence_next(organisation=organisation, name=TICKET_SEQUENCE)
    return ticket_number_format(prefix=organisation.ticket_prefix, value=value)


# --- validation helpers -----------------------------------------------------------------


def _check_choice(value: str, choices: type[TextChoices], field: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: _("Unknown value “%(value)s”.") % {"value": value}})
    return value


class _Owned(Protocol):
    @property
    def organisation_id(self) -> int: ...


_OwnedT = TypeVar("_OwnedT", bound=_Owned)


def _check_same_org(obj: _OwnedT | None, organisation: Organisation, field: str) -> _OwnedT | None:
    if obj is not None and obj.organisation_id != organisation.pk:
        raise ValidationError({field: _("Not found.")})
    return obj


def _refuse_unless(actor: User | None, capability: str, obj: Model | None, message: str) -> None:
    """A change a person makes must be theirs to make; changes without a person (the system,
    the demo, a customer's own request) are not asked."""
    if actor is not None and actor.is_staff_member and not user_can(actor, capability, obj):
        raise ValidationError(message, code="permission")


def _require_settings(actor: User | None) -> None:
    if actor is not None and not user_can(actor, permissions.SETTINGS_MANAGE):
        raise ValidationError(_("Only administrators can change settings."), code="permission")


def _check_assignee(user: User | None, organisation: Organisation) -> User | None:
    if user is None:
        return None
    if user.organisation_id != organisation.pk or not user.is_staff_member or not user.is_active:
        raise ValidationError({"assignee": _("Tickets can be assigned only to active agents.")})
    return user


def _custom_fields_cache_key(organisation_id: int) -> str:
    return f"karcis:desk:custom-fields:{organisation_id}"


def _active_custom_fields(organisation_id: int) -> list[CustomField]:
    """The organisation's active field definitions, cached: every new ticket checks them,
    and they change only when an admin edits them (which clears the cache)."""
    key = _custom_fields_cache_key(organisation_id)
    fields: list[CustomField] | None = cache.get(key)
    if fields is None:
        fields = list(CustomField.objects.filter(organisation_id=organisation_id, is_active=True))
        cache.set(key, fields, timeout=600)
    return fields


def _custom_fields_changed(organisation_id: int) -> None:
    forget(_custom_fields_cache_key(organisation_id))


def custom_fields_clean(
    *,
    organisation: Organisation,
    values: dict[str, Any],
    partial: bool = False,
    by_customer: bool = False,
) -> dict[str, Any]:
    """Validate custom field values against the organisation's definitions.

    A customer (portal, e-mail) is held only to the required fields they are shown; the
    agent-only ones are for agents to fill in, and must never block a request coming in.
    Returns JSON-ready values: numbers as strings of a decimal, dates as ISO strings.
    """
    fields = {f.key: f for f in _active_custom_fields(organisation.pk)}
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for key in values:
        if key not in fields:
            errors[key] = _("Unknown field.")
    for key, field in fields.items():
        if key not in values:
            if field.required and not partial and (field.visible_to_customer or not by_customer):
                errors[key] = _("%(label)s is required.") % {"label": field.label}
            continue
        raw = values[key]
        if raw in (None, ""):
            if field.required:
                errors[key] = _("%(label)s is required.") % {"label": field.label}
            else:
                clean[key] = None
            continue
        try:
            clean[key] = _custom_value(field, raw)
        except (ValueError, InvalidOperation, ValidationError):
            errors[key] = _("“%(value)s” is not a valid %(kind)s for %(label)s.") % {
                "value": raw,
                "kind": field.get_kind_display().lower(),
                "label": field.label,
            }
    if errors:
        raise ValidationError(errors)
    return clean


def _custom_value(field: CustomField, raw: Any) -> Any:
    text = str(raw).strip()
    if field.kind == FieldKind.TEXT:
        return text[:1000]
    if field.kind == FieldKind.NUMBER:
        number = Decimal(text.replace(",", "."))
        if not number.is_finite():
            raise ValueError(text)
        return str(number)
    if field.kind == FieldKind.DATE:
        return date.fromisoformat(text).isoformat()
    if field.kind == FieldKind.CHOICE:
        if text not in field.choices:
            raise ValueError(text)
        return text
    if field.kind == FieldKind.URL:
        URLValidator(schemes=["http", "https"])(text)
        return text
    if field.kind == FieldKind.ID_NUMBER:
        digits = re.sub(r"[\s.-]", "", text)
        if not re.fullmatch(r"\d{16}", digits):  # a NIK has 16 digits
            raise ValueError(text)
        return digits
    raise ValueError(field.kind)


def tags_resolve(*, organisation: Organisation, names: Iterable[str]) -> list[Tag]:
    """Tags by name, created on first use; names are slugified ('Gangguan Massal' → gangguan-massal)."""
    names = [name.strip() for name in names if name.strip()]
    for name in names:
        if not slugify(name, allow_unicode=True):
            raise ValidationError(
                {
                    "tags": _("The tag “%(name)s” needs at least one letter or digit.")
                    % {"name": name}
                }
            )
        if len(slugify(name, allow_unicode=True)) > 50:
            raise ValidationError(
                {
                    "tags": _("The tag “%(name)s” is longer than 50 characters.")
                    % {"name": name[:60]}
                }
            )
    slugs = sorted({slugify(name, allow_unicode=True) for name in names})
    if not slugs:
        return []
    existing = {t.name: t for t in Tag.objects.filter(organisation=organisation, name__in=slugs)}
    for slug in slugs:
        if slug not in existing:
            existing[slug], _created = Tag.objects.get_or_create(
                organisation=organisation, name=slug
            )
    return [existing[slug] for slug in slugs]


# --- tickets ----------------------------------------------------------------------------


def ticket_create(
    *,
    organisation: Organisation,
    requester: Contact,
    subject: str,
    body: Body,
    channel: str,
    actor: User | None = None,
    category: Category | None = None,
    priority: str = Priority.NORMAL,
    type: str = TicketType.QUESTION,
    team: Team | None = None,
    assignee: User | None = None,
    tags: Iterable[str] = (),
    custom_fields: dict[str, Any] | None = None,
    attachments: Iterable[CheckedFile] = (),
    created_at: datetime | None = None,
    linked_to: Ticket | None = None,
    origin: dict[str, Any] | None = None,
    automatic: bool = False,
    intake_notes: Iterable[dict[str, Any]] = (),
) -> Ticket:
    """Open a ticket with its first message (the requester's words, even when an agent types them).

    `actor`: the staff member who opens it for the requester (a call, a walk-in, the API);
    None when the requester opens it themselves. `origin`: how the channel that brought it
    knows it ({"inbound_email": 12}), kept in the event for that channel to find.
    `automatic` and `intake_notes` describe the first message (see Message).
    """
    subject = one_line(subject, 200)
    if not subject:
        raise ValidationError({"subject": _("A subject is required.")})
    if not body.text:
        raise ValidationError({"description": _("Describe the request.")})
    _check_choice(channel, Channel, "channel")
    _check_choice(priority, Priority, "priority")
    _check_choice(type, TicketType, "type")
    _check_same_org(requester, organisation, "requester")
    _check_same_org(category, organisation, "category")
    _check_same_org(team, organisation, "team")
    _check_same_org(linked_to, organisation, "linked_to")
    _check_assignee(assignee, organisation)
    _refuse_unless(
        actor, permissions.TICKET_CREATE, None, _("Your role does not allow opening tickets.")
    )
    by_customer = actor is None or not actor.is_staff_member
    clean_fields = custom_fields_clean(
        organisation=organisation, values=custom_fields or {}, by_customer=by_customer
    )
    now = created_at or timezone.now()
    # Everything is validated above, so no savepoint is needed: a failure from here on is a
    # database error that rolls back the caller's whole transaction anyway.
    with transaction.atomic(savepoint=False):
        ticket = row_insert(
            Ticket(
                organisation=organisation,
                number=ticket_number_next(organisation=organisation),
                subject=subject,
                status=Status.OPEN if assignee else Status.NEW,
                priority=priority,
                priority_rank=PRIORITY_RANK[priority],
                type=type,
                channel=channel,
                category=category,
                requester=requester,
                assignee=assignee,
                team=team,
                custom_fields=clean_fields,
                linked_to=linked_to,
                created_at=now,
                updated_at=now,
                message_count=1,
                # Stored with the INSERT on PostgreSQL: one round trip fewer per ticket.
                search_vector=(
                    search.ticket_document(subject=subject, body=body.text)
                    if search.is_postgres()
                    else None
                ),
            )
        )
        tag_objects = tags_resolve(organisation=organisation, names=tags)
        if tag_objects:
            ticket.tags.set(tag_objects)
        message = _message_store(
            ticket=ticket,
            kind=MessageKind.REPLY,
            body=body,
            author_contact=requester,
            channel=channel,
            attachments=attachments,
            created_at=now,
            counted=True,
            automatic=automatic,
            intake_notes=intake_notes,
        )
        search.ticket_index_new(ticket_id=ticket.pk, subject=ticket.subject, body=body.text)
        # Last: whoever reads the event finds the whole ticket, its first message included.
        payload = _created_payload(ticket, message_id=message.pk)
        if linked_to is not None:
            payload["linked_to"] = linked_to.pk
        if origin:
            payload["origin"] = origin
        event_record(
            organisation=organisation,
            type=events.TICKET_CREATED,
            obj=ticket,
            actor=actor,
            actor_contact=None if actor else requester,
            payload=payload,
            at=now,
        )
    return ticket


def _created_payload(ticket: Ticket, *, message_id: int, **extra: Any) -> dict[str, Any]:
    """The payload of desk.ticket.created: what the ticket opened with, as ids and codes."""
    return {
        "number": ticket.number,
        "channel": ticket.channel,
        "priority": ticket.priority,
        "type": ticket.type,
        "team": ticket.team_id,
        "assignee": ticket.assignee_id,
        "category": ticket.category_id,
        "message_id": message_id,
        **extra,
    }


def _message_store(
    *,
    ticket: Ticket,
    kind: str,
    body: Body,
    channel: str,
    author_user: User | None = None,
    author_contact: Contact | None = None,
    attachments: Iterable[CheckedFile] = (),
    created_at: datetime | None = None,
    counted: bool = False,
    automatic: bool = False,
    intake_notes: Iterable[dict[str, Any]] = (),
) -> Message:
    """Store a message and its files; `counted` when the ticket's message_count already includes it."""
    notes = list(intake_notes)
    for note in notes:
        _check_choice(note.get("code", ""), IntakeNote, "intake_notes")
    message = row_insert(
        Message(
            organisation_id=ticket.organisation_id,
            ticket=ticket,
            kind=kind,
            body_html=body.html,
            body_text=body.text,
            quoted_html=body.quoted_html,
            channel=channel,
            author_user=author_user,
            author_contact=author_contact,
            automatic=automatic,
            intake_notes=notes,
            created_at=created_at or timezone.now(),
        )
    )
    for checked in attachments:
        attachment = Attachment(
            organisation_id=ticket.organisation_id,
            message=message,
            token=secrets.token_hex(16),
            filename=checked.filename,
            content_type=checked.content_type,
            size=checked.size,
            content_id=checked.content_id,
        )
        checked.upload.seek(0)
        attachment.file.save(checked.filename, checked.upload, save=False)
        attachment.save()
    if not counted:
        Ticket.objects.filter(pk=ticket.pk).update(message_count=F("message_count") + 1)
        ticket.message_count += 1
    return message


def _reindex(ticket: Ticket) -> None:
    texts = Message.objects.filter(ticket=ticket).values_list("body_text", flat=True)
    search.ticket_index(ticket_id=ticket.pk, subject=ticket.subject, body="\n".join(texts))


def _ticket_lock(ticket: Ticket) -> Ticket:
    """The ticket re-read under a row lock, so concurrent changes apply one after the other.

    Only the ticket row is locked; its organisation is carried over from the caller's object
    (not re-queried, and not locked: that would serialise a whole organisation's work).
    """
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    locked.organisation = ticket.organisation
    return locked


# "@budi" or "@budi.santoso": a colleague, by the first part of their e-mail address or by
# their first name (when no colleague shares it).
_MENTION = re.compile(r"(?<![\w.@])@([\w][\w.\-]{1,49})")


def mentions_in(*, organisation: Organisation, text: str) -> list[User]:
    """The colleagues a note mentions, in the order they are first mentioned."""
    handles = [handle.rstrip(".-").lower() for handle in _MENTION.findall(text)]
    if not handles:
        return []
    by_address: dict[str, User] = {}
    by_first_name: dict[str, list[User]] = {}
    person: User | None
    for person in staff_of(organisation=organisation):
        by_address[person.email.split("@", 1)[0].lower()] = person
        first = (person.name.split() or [""])[0].lower()
        by_first_name.setdefault(first, []).append(person)
    found: list[User] = []
    for handle in handles:
        person = by_address.get(handle)
        if person is None and len(by_first_name.get(handle, [])) == 1:
            person = by_first_name[handle][0]
        if person is not None and person not in found:
            found.append(person)
    return found


def message_add(
    *,
    ticket: Ticket,
    body: Body,
    kind: str = MessageKind.REPLY,
    author_user: User | None = None,
    author_contact: Contact | None = None,
    channel: str = Channel.WEB,
    attachments: Iterable[CheckedFile] = (),
    status: str | None = None,
    reopen: bool = True,
    at: datetime | None = None,
    automatic: bool = False,
    intake_notes: Iterable[dict[str, Any]] = (),
) -> Message:
    """Add a reply or note; an agent may set the status in the same step.

    A requester's reply reopens a pending or solved ticket, unless `reopen` is off. An
    `automatic` message (an out-of-office answer, marked so on the message) is kept on the
    ticket but is not the requester speaking: it never reopens the ticket, and its event
    says so (the assignee is not told "the customer replied"). Closed
    tickets take no more messages: the portal offers a follow-up ticket instead. A note's
    @mentions are recorded with it (the people mentioned are told, desk.notifications).
    """
    attachments = list(attachments)
    if (author_user is None) == (author_contact is None):
        raise ValueError("A message has exactly one author: a user or a contact.")
    if automatic and author_contact is None:
        raise ValueError("Only a contact's message can be automatic.")
    if not body.text and not attachments:
        raise ValidationError({"body": _("Write a message or attach a file.")})
    _check_choice(kind, MessageKind, "kind")
    is_staff = author_user is not None and author_user.is_staff_member
    if kind == MessageKind.NOTE and not is_staff:
        raise ValidationError(_("Only agents can write internal notes."))
    if kind == MessageKind.NOTE:
        _refuse_unless(
            author_user,
            permissions.TICKET_NOTE,
            ticket,
            _("Your role does not allow internal notes on this ticket."),
        )
    else:
        _refuse_unless(
            author_user,
            permissions.TICKET_REPLY,
            ticket,
            _("Your role does not allow replying to the customer on this ticket."),
        )
    if status and status != ticket.status:
        _refuse_unless(
            author_user,
            permissions.TICKET_UPDATE,
            ticket,
            _("Your role does not allow changing this ticket."),
        )
    if ticket.is_closed:
        raise ValidationError(_("This ticket is closed. Open a new ticket to follow up."))
    mentioned = (
        mentions_in(organisation=ticket.organisation, text=body.text)
        if kind == MessageKind.NOTE
        else []
    )
    now = at or timezone.now()
    with transaction.atomic():
        ticket = _ticket_lock(ticket)
        message = _message_store(
            ticket=ticket,
            kind=kind,
            body=body,
            channel=channel,
            author_user=author_user,
            author_contact=author_contact,
            attachments=attachments,
            created_at=now,
            automatic=automatic,
            intake_notes=intake_notes,
        )
        fields = ["updated_at"]
        ticket.updated_at = now
        if is_staff and kind == MessageKind.REPLY and ticket.first_response_at is None:
            ticket.first_response_at = now
            fields.append("first_response_at")
        ticket.save(update_fields=fields)
        if status and status != ticket.status:
            if not is_staff:
                raise ValidationError(_("Only agents can change the status."))
            _status_change(ticket, status, actor=author_user, now=now, message=message)
        elif (
            reopen
            and not automatic
            and not is_staff
            and ticket.status in (Status.PENDING, Status.SOLVED)
        ):
            _status_change(ticket, Status.OPEN, actor=None, actor_contact=author_contact, now=now)
        elif is_staff and kind == MessageKind.REPLY and ticket.status == Status.NEW:
            _status_change(ticket, Status.OPEN, actor=author_user, now=now)
        # After the status change: subscribers (the e-mail to the requester) see the ticket
        # as this step leaves it.
        payload: dict[str, Any] = {"message_id": message.pk, "attachments": len(attachments)}
        if mentioned:
            payload["mentions"] = [person.pk for person in mentioned]
        if automatic:
            payload["automatic"] = True
        event_record(
            organisation=ticket.organisation,
            type=events.NOTE_ADDED if kind == MessageKind.NOTE else events.REPLY_ADDED,
            obj=ticket,
            actor=author_user,
            actor_contact=author_contact if author_user is None else None,
            payload=payload,
            at=now,
        )
        _reindex(ticket)
    return message


def ticket_participants_add(
    *,
    ticket: Ticket,
    contacts: Iterable[Contact],
    actor_contact: Contact | None = None,
    actor: User | None = None,
) -> list[Contact]:
    """Make people follow a ticket (they receive its public replies); returns those added.

    The requester is one already; someone who already follows it is skipped.
    """
    added: list[Contact] = []
    with transaction.atomic():
        following = set(
            TicketParticipant.objects.filter(ticket=ticket).values_list("contact_id", flat=True)
        )
        following.add(ticket.requester_id)
        for contact in contacts:
            _check_same_org(contact, ticket.organisation, "participant")
            if contact.pk in following:
                continue
            TicketParticipant.objects.create(
                organisation_id=ticket.organisation_id, ticket=ticket, contact=contact
            )
            following.add(contact.pk)
            added.append(contact)
        if added:
            event_record(
                organisation=ticket.organisation,
                type=events.PARTICIPANTS_ADDED,
                obj=ticket,
                actor=actor,
                actor_contact=actor_contact,
                payload={"participants": [contact.pk for contact in added]},
            )
    return added


def message_delivery_set(*, message: Message, state: str, detail: str = "") -> None:
    """Record how a reply's delivery went, as reported by the channel that sends it.

    A failure is also an event on the ticket, so the agent sees it in the history.
    """
    _check_choice(state, DeliveryState, "delivery_state")
    detail = one_line(detail, 300)
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(delivery_state=state, delivery_detail=detail)
        message.delivery_state, message.delivery_detail = state, detail
        if state == DeliveryState.FAILED:
            event_record(
                organisation=message.ticket.organisation,
                type=events.DELIVERY_FAILED,
                obj=message.ticket,
                payload={"message_id": message.pk, "reason": detail},
            )


def _check_required_fields_filled(ticket: Ticket) -> None:
    """A ticket is solved only with every required field filled in (agents fill them as they
    work, so they are not demanded when a request comes in)."""
    missing = [
        field.label
        for field in _active_custom_fields(ticket.organisation_id)
        if field.required and ticket.custom_fields.get(field.key) in (None, "")
    ]
    if missing:
        raise ValidationError(
            {
                "status": _("Fill in %(fields)s before solving the ticket.")
                % {"fields": ", ".join(missing)}
            }
        )


def _status_change(
    ticket: Ticket,
    status: str,
    *,
    actor: User | None,
    now: datetime,
    actor_contact: Contact | None = None,
    message: Message | None = None,
    by: dict[str, Any] | None = None,
) -> None:
    """Move the ticket to `status`; `message` is the reply that made the move, if any (the
    e-mail of that reply tells the requester, so no separate notice is needed); `by` the
    rule that did, if one did."""
    _check_choice(status, Status, "status")
    if status not in STATUS_TRANSITIONS[ticket.status]:
        raise ValidationError(
            {
                "status": _("A ticket cannot go from %(old)s to %(new)s.")
                % {"old": Status(ticket.status).label, "new": Status(status).label}
            }
        )
    if status == Status.SOLVED:
        _check_required_fields_filled(ticket)
    old = ticket.status
    ticket.status = status
    fields = ["status", "updated_at"]
    ticket.updated_at = now
    if status == Status.SOLVED:
        ticket.solved_at = now
        fields.append("solved_at")
    elif status == Status.CLOSED:
        ticket.closed_at = now
        fields.append("closed_at")
    elif old == Status.SOLVED:
        ticket.solved_at = None
        fields.append("solved_at")
    ticket.save(update_fields=fields)
    event_record(
        organisation=ticket.organisation,
        type=events.STATUS_CHANGED,
        obj=ticket,
        actor=actor,
        actor_contact=actor_contact,
        payload={"from": old, "to": status}
        | ({"message_id": message.pk} if message is not None else {})
        | ({"by": by} if by is not None else {}),
        at=now,
    )


# Fields ticket_update may change, and the event each change records.
UPDATE_EVENTS = {
    "status": events.STATUS_CHANGED,
    "priority": events.PRIORITY_CHANGED,
    "type": events.TYPE_CHANGED,
    "category": events.CATEGORY_CHANGED,
    "team": events.TEAM_CHANGED,
    "assignee": events.ASSIGNED,
    "subject": events.SUBJECT_CHANGED,
    "tags": events.TAGS_CHANGED,
    "custom_fields": events.FIELDS_CHANGED,
}


def _code(value: Any) -> Any:
    """What an event keeps of a value: an object's id, a code or text as it is."""
    if isinstance(value, Model):
        return value.pk
    return value


def ticket_update(
    *, ticket: Ticket, actor: User, at: datetime | None = None, **changes: Any
) -> Ticket:
    """Change a ticket's properties; one event per property that really changed.

    `tags` replaces the whole set (names); `custom_fields` merges into the current values.
    """
    if not actor.is_staff_member or actor.organisation_id != ticket.organisation_id:
        raise ValidationError(_("Only the organisation's agents can change tickets."))
    _refuse_unless(
        actor,
        permissions.TICKET_UPDATE,
        ticket,
        _("Your role does not allow changing this ticket."),
    )
    return _ticket_change(ticket, actor=actor, by=None, at=at, changes=changes)


def ticket_update_by_rule(
    *, ticket: Ticket, by: dict[str, Any], at: datetime | None = None, **changes: Any
) -> Ticket:
    """Change a ticket as a rule decided (an SLA escalation, a routing rule): no person
    acts, so no permission applies; each event names the rule in its payload's "by"
    ({"app", "kind", "id", "name"}), and the ticket's history shows it."""
    if not {"app", "kind", "id", "name"} <= set(by):
        raise ValueError("by names the rule: app, kind, id and name")
    return _ticket_change(ticket, actor=None, by=by, at=at, changes=changes)


def _ticket_change(
    ticket: Ticket,
    *,
    actor: User | None,
    by: dict[str, Any] | None,
    at: datetime | None,
    changes: dict[str, Any],
) -> Ticket:
    unknown = set(changes) - set(UPDATE_EVENTS)
    if unknown:
        raise ValueError(f"Cannot change {', '.join(sorted(unknown))}")
    organisation = ticket.organisation
    if ticket.is_closed:
        raise ValidationError(_("This ticket is closed and can no longer be changed."))
    now = at or timezone.now()
    rule = {"by": by} if by is not None else {}
    with transaction.atomic():
        ticket = _ticket_lock(ticket)
        fields: list[str] = []
        # The status last: solving checks the fields this same change may be filling in.
        for name, value in sorted(changes.items(), key=lambda change: change[0] == "status"):
            if name == "status":
                if value != ticket.status:
                    _status_change(ticket, value, actor=actor, now=now, by=by)
                continue
            if name == "tags":
                new_tags = tags_resolve(organisation=organisation, names=value)
                old_tags = sorted(ticket.tags.all(), key=lambda tag: tag.name)
                if [t.name for t in old_tags] != [t.name for t in new_tags]:
                    ticket.tags.set(new_tags)
                    event_record(
                        organisation=organisation,
                        type=UPDATE_EVENTS[name],
                        obj=ticket,
                        actor=actor,
                        payload={
                            "from": [tag.pk for tag in old_tags],
                            "to": [tag.pk for tag in new_tags],
                            "names": {str(tag.pk): tag.name for tag in [*old_tags, *new_tags]},
                        }
                        | rule,
                        at=now,
                    )
                    fields.append("updated_at")
                continue
            if name == "custom_fields":
                clean = custom_fields_clean(organisation=organisation, values=value, partial=True)
                merged = {**ticket.custom_fields, **clean}
                if merged != ticket.custom_fields:
                    event_record(
                        organisation=organisation,
                        type=UPDATE_EVENTS[name],
                        obj=ticket,
                        actor=actor,
                        payload={"from": ticket.custom_fields, "to": merged} | rule,
                        at=now,
                    )
                    ticket.custom_fields = merged
                    fields.append("custom_fields")
                continue
            if name == "priority":
                _check_choice(value, Priority, name)
            elif name == "type":
                _check_choice(value, TicketType, name)
            elif name in ("category", "team"):
                _check_same_org(value, organisation, name)
            elif name == "assignee":
                _check_assignee(value, organisation)
            elif name == "subject":
                value = one_line(str(value), 200)
                if not value:
                    raise ValidationError({"subject": _("A subject is required.")})
            old = getattr(ticket, name)
            if old == value:
                continue
            setattr(ticket, name, value)
            fields.append(name)
            if name == "priority":
                ticket.priority_rank = PRIORITY_RANK[value]
                fields.append("priority_rank")
            if name == "assignee" and value is not None and ticket.status == Status.NEW:
                _status_change(ticket, Status.OPEN, actor=actor, now=now, by=by)
            event_record(
                organisation=organisation,
                type=UPDATE_EVENTS[name],
                obj=ticket,
                actor=actor,
                payload={"from": _code(old), "to": _code(value)} | rule,
                at=now,
            )
        if fields:
            ticket.updated_at = now
            ticket.save(update_fields=sorted({*fields, "updated_at"}))
        if "subject" in fields:
            _reindex(ticket)
    return ticket


# The columns of the SLA's summary on a ticket, which the sla app writes (with its clocks'
# own statement when it can: karcis.sla.services.ticket_clocks_compute).
SLA_SUMMARY_FIELDS = ("sla_state", "sla_due_at")


def ticket_sla_summary_set(*, ticket: Ticket, state: str, due_at: datetime | None) -> None:
    """Keep the SLA clocks' summary on the ticket (Ticket.sla_state, sla_due_at) for lists.

    Called by the sla app in the transaction that changed the clocks, with the ticket it
    holds. Not a change of the ticket by anyone: no event, and updated_at stays (the sla
    app writes its own events). One UPDATE of the two columns (statement built once: the
    SLA scan writes a thousand of them in a rush).
    """
    ticket.sla_state, ticket.sla_due_at = state, due_at
    row_update(ticket, SLA_SUMMARY_FIELDS)


def tickets_sla_summary_set(*, summaries: list[tuple[Ticket, str, datetime | None]]) -> None:
    """ticket_sla_summary_set for many tickets at once (the SLA scan's batch): one
    executemany."""
    for ticket, state, due_at in summaries:
        ticket.sla_state, ticket.sla_due_at = state, due_at
    rows_update([ticket for ticket, _state, _due in summaries], SLA_SUMMARY_FIELDS)


def tickets_bulk_update(
    *, tickets: Iterable[Ticket], actor: User, **changes: Any
) -> dict[str, str]:
    """Apply the same change to many tickets; each succeeds or fails on its own.

    Returns {ticket number: reason} for the tickets that could not be changed.
    """
    failures: dict[str, str] = {}
    for ticket in tickets:
        try:
            ticket_update(ticket=ticket, actor=actor, **changes)
        except ValidationError as error:
            failures[ticket.number] = " ".join(error.messages)
    return failures


def tickets_bulk_tag(
    *, tickets: Iterable[Ticket], actor: User, add: Iterable[str]
) -> dict[str, str]:
    add = list(add)
    failures: dict[str, str] = {}
    for ticket in tickets:
        names = sorted(
            {t.name for t in ticket.tags.all()} | {slugify(n, allow_unicode=True) for n in add}
        )
        try:
            ticket_update(ticket=ticket, actor=actor, tags=names)
        except ValidationError as error:
            failures[ticket.number] = " ".join(error.messages)
    return failures


def assignable_agents(*, organisation: Organisation) -> QuerySet[User]:
    return staff_of(organisation=organisation)


# --- configuration ----------------------------------------------------------------------


def category_create(
    *,
    organisation: Organisation,
    name: str,
    parent: Category | None = None,
    actor: User | None = None,
    at: datetime | None = None,
) -> Category:
    _require_settings(actor)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    _check_same_org(parent, organisation, "parent")
    if Category.objects.filter(
        organisation=organisation, parent=parent, name__iexact=name
    ).exists():
        raise ValidationError({"name": _("This category already exists here.")})
    with transaction.atomic():
        category = Category.objects.create(
            organisation=organisation,
            parent=parent,
            name=name,
            path=f"{parent.path} › {name}" if parent else name,
        )
        event_record(
            organisation=organisation,
            type=events.CATEGORY_CREATED,
            obj=category,
            actor=actor,
            at=at,
        )
    return category


def category_update(
    *,
    category: Category,
    actor: User,
    name: str | None = None,
    is_active: bool | None = None,
) -> Category:
    _require_settings(actor)
    with transaction.atomic():
        if name is not None and name.strip() and name.strip() != category.name:
            siblings = Category.objects.filter(
                organisation_id=category.organisation_id,
                parent_id=category.parent_id,
                name__iexact=name.strip(),
            ).exclude(pk=category.pk)
            if siblings.exists():
                raise ValidationError({"name": _("This category already exists here.")})
            category.name = name.strip()
            _category_repath(category)
        if is_active is not None:
            category.is_active = is_active
        category.save(update_fields=["name", "path", "is_active"])
        event_record(
            organisation=category.organisation,
            type=events.CATEGORY_UPDATED,
            obj=category,
            actor=actor,
        )
    return category


def _category_repath(category: Category) -> None:
    category.path = (
        f"{category.parent.path} › {category.name}"
        if category.parent is not None  # no query without a parent_id
        else category.name
    )
    for child in category.children.all():
        _category_repath(child)
        child.save(update_fields=["path"])


def custom_field_create(
    *,
    organisation: Organisation,
    key: str,
    label: str,
    kind: str,
    choices: Iterable[str] = (),
    required: bool = False,
    visible_to_customer: bool = False,
    actor: User | None = None,
    at: datetime | None = None,
) -> CustomField:
    _require_settings(actor)
    _check_choice(kind, FieldKind, "kind")
    key = slugify(key or label).replace("-", "_")[:50]
    if not key:
        raise ValidationError({"key": _("A key is required.")})
    choices = [c.strip() for c in choices if c.strip()]
    if kind == FieldKind.CHOICE and not choices:
        raise ValidationError({"choices": _("A choice field needs at least one choice.")})
    if CustomField.objects.filter(organisation=organisation, key=key).exists():
        raise ValidationError({"key": _("A field with this key already exists.")})
    position = CustomField.objects.filter(organisation=organisation).count()
    with transaction.atomic():
        field = CustomField.objects.create(
            organisation=organisation,
            key=key,
            label=label.strip(),
            kind=kind,
            choices=choices,
            required=required,
            visible_to_customer=visible_to_customer,
            position=position,
        )
        event_record(
            organisation=organisation,
            type=events.CUSTOM_FIELD_CREATED,
            obj=field,
            actor=actor,
            at=at,
        )
        _custom_fields_changed(organisation.pk)
    return field


def custom_field_update(
    *,
    field: CustomField,
    actor: User,
    label: str | None = None,
    choices: Iterable[str] | None = None,
    required: bool | None = None,
    visible_to_customer: bool | None = None,
    is_active: bool | None = None,
) -> CustomField:
    """Change how a custom field is labelled, checked and shown; None leaves a property as is.

    The key and kind stay fixed once created: stored ticket values, reports and API clients
    depend on them. Records desk.custom_field.updated only when something really changed.
    """
    _require_settings(actor)
    wanted: dict[str, Any] = {}
    if label is not None:
        label = " ".join(label.split())[:100]
        if not label:
            raise ValidationError({"label": _("A label is required.")})
        wanted["label"] = label
    if choices is not None:
        # One entry per distinct choice, in the order given.
        cleaned = list(dict.fromkeys(c.strip() for c in choices if c.strip()))
        if field.kind == FieldKind.CHOICE:
            if not cleaned:
                raise ValidationError({"choices": _("A choice field needs at least one choice.")})
            wanted["choices"] = cleaned
        elif cleaned:
            raise ValidationError({"choices": _("Only choice fields have choices.")})
    for name, value in (
        ("required", required),
        ("visible_to_customer", visible_to_customer),
        ("is_active", is_active),
    ):
        if value is not None:
            wanted[name] = bool(value)
    changed = {name: value for name, value in wanted.items() if getattr(field, name) != value}
    if not changed:
        return field
    with transaction.atomic():
        for name, value in changed.items():
            setattr(field, name, value)
        _custom_fields_changed(field.organisation_id)
        field.save(update_fields=sorted(changed))
        event_record(
            organisation=field.organisation,
            type=events.CUSTOM_FIELD_UPDATED,
            obj=field,
            actor=actor,
            payload={"fields": sorted(changed)},
        )
    return field


def tag_rename(*, tag: Tag, name: str, actor: User) -> Tag:
    """Rename a tag. When the organisation already has a tag of that name, merge into it:
    its tickets move to the existing tag and this one is deleted.

    Returns the tag that carries the tickets afterwards (the existing one after a merge).
    """
    _require_settings(actor)
    slug = slugify(name, allow_unicode=True)[:50]
    if not slug:
        raise ValidationError({"name": _("A name is required.")})
    if slug == tag.name:
        return tag
    links = Ticket.tags.through.objects
    with transaction.atomic():
        target = (
            Tag.objects.select_for_update()
            .filter(organisation_id=tag.organisation_id, name=slug)
            .exclude(pk=tag.pk)
            .first()
        )
        if target is None:
            old_name = tag.name
            tag.name = slug
            tag.save(update_fields=["name"])
            event_record(
                organisation=tag.organisation,
                type=events.TAG_RENAMED,
                obj=tag,
                actor=actor,
                payload={"from": old_name, "to": slug},
            )
            return tag
        # Tickets that carry both tags keep just the target; the rest move over.
        moved = (
            links.filter(tag=tag)
            .exclude(ticket_id__in=links.filter(tag=target).values("ticket_id"))
            .update(tag=target)
        )
        event_record(
            organisation=target.organisation,
            type=events.TAG_MERGED,
            obj=target,
            actor=actor,
            payload={
                "from": tag.name,
                "to": target.name,
                "from_id": tag.pk,
                "tickets_moved": moved,
            },
        )
        tag.delete()
    return target


def tag_delete(*, tag: Tag, actor: User) -> None:
    """Delete a tag and take it off every ticket; the tickets themselves stay as they are."""
    _require_settings(actor)
    with transaction.atomic():
        tickets = Ticket.tags.through.objects.filter(tag=tag).count()
        event_record(
            organisation=tag.organisation,
            type=events.TAG_DELETED,
            obj=tag,
            actor=actor,
            payload={"name": tag.name, "tickets": tickets},
        )
        tag.delete()


def ticket_create_for_caller(
    *,
    organisation: Organisation,
    actor: User,
    requester_name: str = "",
    requester_email: str = "",
    requester_phone: str = "",
    **ticket_fields: Any,
) -> Ticket:
    """Open a ticket an agent takes down for a caller or a walk-in.

    The requester is found (or created) from the e-mail address or phone number given;
    the contact and the ticket are saved together or not at all. Staff entered them, so
    they count as verified (decision 0016).
    """
    with transaction.atomic(savepoint=False):
        requester = contact_resolve(
            organisation=organisation,
            name=requester_name,
            email=requester_email,
            phone=requester_phone,
            proven={IdentityKind.EMAIL, IdentityKind.PHONE},
            proof=Verification.STAFF,
        )
        return ticket_create(
            organisation=organisation, requester=requester, actor=actor, **ticket_fields
        )


# --- merge, split, links and participants -------------------------------------------------


def _agent_of(actor: User, organisation_id: int) -> None:
    if not actor.is_staff_member or actor.organisation_id != organisation_id:
        raise ValidationError(
            _("Only the organisation's agents can change tickets."), code="permission"
        )


def _visible_to(actor: User, ticket: Ticket) -> bool:
    return tickets_visible_to(user=actor).filter(pk=ticket.pk).exists()


def _locked_pair(first: Ticket, second: Ticket) -> tuple[Ticket, Ticket]:
    """Both tickets re-read under row locks, taken in id order so that two agents merging
    the same pair in opposite directions wait for each other instead of deadlocking."""
    locked = {
        ticket.pk: ticket
        for ticket in Ticket.objects.select_for_update()
        .filter(pk__in=[first.pk, second.pk])
        .order_by("pk")
    }
    for ticket in (first, second):
        locked[ticket.pk].organisation = ticket.organisation
    return locked[first.pk], locked[second.pk]


def ticket_merge(
    *,
    source: Ticket,
    target: Ticket,
    actor: User,
    notify_requester: bool = False,
    at: datetime | None = None,
) -> Ticket:
    """Merge `source` into `target`: its messages (with their files) and its people move to
    `target`, where the conversation reads in time order; `source` is closed with a pointer
    to `target`, and mail that names it threads into `target` from then on.

    The source's requester, when another person, follows the target (CC) so that they hear
    how it goes on. `notify_requester`: a public reply on the target says so (it reaches the
    requester and everyone who follows the ticket by e-mail, through the outbox).
    """
    _agent_of(actor, source.organisation_id)
    if target.organisation_id != source.organisation_id:
        raise ValidationError({"target": _("Not found.")})
    if source.pk == target.pk:
        raise ValidationError({"target": _("A ticket cannot be merged into itself.")})
    for ticket in (source, target):
        _refuse_unless(
            actor,
            permissions.TICKET_UPDATE,
            ticket,
            _("Your role does not allow changing ticket %(number)s.") % {"number": ticket.number},
        )
    if not _visible_to(actor, target) or not _visible_to(actor, source):
        raise ValidationError({"target": _("Not found.")})
    now = at or timezone.now()
    with transaction.atomic():
        source, target = _locked_pair(source, target)
        if source.is_closed:
            raise ValidationError(_("This ticket is closed and can no longer be changed."))
        if target.is_merged:
            raise ValidationError(
                {
                    "target": _("%(number)s was itself merged into another ticket.")
                    % {"number": target.number}
                }
            )
        if target.is_closed:
            raise ValidationError(
                {
                    "target": _("%(number)s is closed; choose an open ticket.")
                    % {"number": target.number}
                }
            )
        moved = Message.objects.filter(ticket=source).update(ticket=target)
        # The people: the source's followers, and its requester when another person.
        following = set(
            TicketParticipant.objects.filter(ticket=target).values_list("contact_id", flat=True)
        )
        following.add(target.requester_id)
        newcomers = [
            contact_id
            for contact_id in [
                source.requester_id,
                *TicketParticipant.objects.filter(ticket=source).values_list(
                    "contact_id", flat=True
                ),
            ]
            if contact_id not in following
        ]
        newcomers = list(dict.fromkeys(newcomers))
        TicketParticipant.objects.filter(ticket=source).delete()
        TicketParticipant.objects.bulk_create(
            TicketParticipant(
                organisation_id=target.organisation_id, ticket=target, contact_id=contact_id
            )
            for contact_id in newcomers
        )
        old_status = source.status
        source.merged_into = target
        source.status = Status.CLOSED
        source.closed_at = source.updated_at = now
        source.message_count = 0
        source.save(
            update_fields=["merged_into", "status", "closed_at", "updated_at", "message_count"]
        )
        target.message_count += moved
        target.updated_at = now
        target.save(update_fields=["message_count", "updated_at"])
        event_record(
            organisation=source.organisation,
            type=events.STATUS_CHANGED,
            obj=source,
            actor=actor,
            payload={"from": old_status, "to": Status.CLOSED},
            at=now,
        )
        event_record(
            organisation=source.organisation,
            type=events.MERGED,
            obj=source,
            actor=actor,
            payload={
                "into": target.pk,
                "status": old_status,
                "messages": moved,
                "notified": notify_requester,
            },
            at=now,
        )
        event_record(
            organisation=target.organisation,
            type=events.MERGED_IN,
            obj=target,
            actor=actor,
            payload={"from": source.pk, "messages": moved, "participants": newcomers},
            at=now,
        )
        _reindex(source)
        _reindex(target)
        if notify_requester:
            with translation.override(target.organisation.language):
                text = _(
                    "Your request %(source)s (“%(subject)s”) has been merged into this "
                    "request, %(target)s. We continue here; please reply to this message."
                ) % {"source": source.number, "subject": source.subject, "target": target.number}
            message_add(
                ticket=target,
                body=body_from(text=text),
                kind=MessageKind.REPLY,
                author_user=actor,
                channel=target.channel,
                at=now,
            )
    return target


def ticket_split(
    *, message: Message, actor: User, subject: str = "", at: datetime | None = None
) -> Ticket:
    """Split a message off its ticket into a new ticket of the same requester, which that
    message opens; the two tickets are linked as related.

    The first message is the ticket's request and stays; only the customer's messages
    split off (a ticket opens with their words, never with a note or an agent's answer). The new ticket takes the old
    one's team, category, type, priority and assignee.
    """
    original = message.ticket
    _agent_of(actor, original.organisation_id)
    _refuse_unless(
        actor,
        permissions.TICKET_UPDATE,
        original,
        _("Your role does not allow changing this ticket."),
    )
    _refuse_unless(
        actor, permissions.TICKET_CREATE, None, _("Your role does not allow opening tickets.")
    )
    if message.kind == MessageKind.NOTE or message.author_contact_id is None:
        # A ticket opens with the customer's words: not a note, nor an agent's answer.
        raise ValidationError(_("Only a message from the customer can open a new ticket."))
    subject = one_line(subject, 200) or original.subject
    now = at or timezone.now()
    with transaction.atomic():
        original = _ticket_lock(original)
        if original.is_closed:
            raise ValidationError(_("This ticket is closed and can no longer be changed."))
        first = Message.objects.filter(ticket=original).order_by("created_at", "id").first()
        if first is None or first.pk == message.pk:
            raise ValidationError(
                _("The first message is the ticket's request; split a later message.")
            )
        if not Message.objects.filter(pk=message.pk, ticket=original).exists():
            raise ValidationError(_("Not found."))
        ticket = Ticket.objects.create(
            organisation=original.organisation,
            number=ticket_number_next(organisation=original.organisation),
            subject=subject,
            status=Status.OPEN if original.assignee_id else Status.NEW,
            priority=original.priority,
            priority_rank=original.priority_rank,
            type=original.type,
            channel=message.channel,
            category_id=original.category_id,
            requester_id=original.requester_id,
            assignee_id=original.assignee_id,
            team_id=original.team_id,
            created_at=now,
            updated_at=now,
            message_count=1,
        )
        Message.objects.filter(pk=message.pk).update(ticket=ticket)
        original.message_count = max(original.message_count - 1, 0)
        original.updated_at = now
        original.save(update_fields=["message_count", "updated_at"])
        TicketLink.objects.create(
            organisation_id=original.organisation_id,
            from_ticket=ticket,
            to_ticket=original,
            kind=LinkKind.RELATED,
        )
        search.ticket_index_new(ticket_id=ticket.pk, subject=ticket.subject, body=message.body_text)
        _reindex(original)
        event_record(
            organisation=original.organisation,
            type=events.SPLIT,
            obj=original,
            actor=actor,
            payload={"message_id": message.pk, "to": ticket.pk},
            at=now,
        )
        event_record(
            organisation=original.organisation,
            type=events.TICKET_CREATED,
            obj=ticket,
            actor=actor,
            payload=_created_payload(ticket, message_id=message.pk, split_from=original.pk),
            at=now,
        )
    return ticket


_LINK_KINDS = ("related", "parent", "child")
_OPPOSITE = {"related": "related", "parent": "child", "child": "parent"}


def ticket_link_add(*, ticket: Ticket, other: Ticket, kind: str, actor: User) -> TicketLink:
    """Link two tickets. `kind` says what `other` is to `ticket`: related, its parent (the
    problem this incident belongs to) or its child (an incident of this problem).

    Parents and children are one level deep: a parent has no parent, a child no children;
    so links never form a cycle.
    """
    _agent_of(actor, ticket.organisation_id)
    if kind not in _LINK_KINDS:
        raise ValidationError({"kind": _("Unknown value “%(value)s”.") % {"value": kind}})
    if other.organisation_id != ticket.organisation_id or not _visible_to(actor, other):
        raise ValidationError({"ticket": _("Not found.")})
    if other.pk == ticket.pk:
        raise ValidationError({"ticket": _("A ticket cannot be linked to itself.")})
    _refuse_unless(
        actor,
        permissions.TICKET_UPDATE,
        ticket,
        _("Your role does not allow changing this ticket."),
    )
    child, parent = (ticket, other) if kind == "parent" else (other, ticket)
    with transaction.atomic():
        ticket, other = _locked_pair(ticket, other)
        pair = TicketLink.objects.filter(
            from_ticket__in=[ticket.pk, other.pk], to_ticket__in=[ticket.pk, other.pk]
        )
        if pair.exists():
            raise ValidationError({"ticket": _("These tickets are already linked.")})
        if kind != "related":
            links = TicketLink.objects.filter(kind=LinkKind.PARENT)
            if links.filter(from_ticket=child).exists():
                raise ValidationError(
                    {
                        "ticket": _("%(number)s already has a parent ticket.")
                        % {"number": child.number}
                    }
                )
            if links.filter(from_ticket=parent).exists() or links.filter(to_ticket=child).exists():
                raise ValidationError(
                    {"ticket": _("A parent ticket cannot itself be a child, nor a child a parent.")}
                )
        link = TicketLink.objects.create(
            organisation_id=ticket.organisation_id,
            from_ticket=child if kind != "related" else ticket,
            to_ticket=parent if kind != "related" else other,
            kind=LinkKind.RELATED if kind == "related" else LinkKind.PARENT,
        )
        for here, there, seen_as in ((ticket, other, kind), (other, ticket, _OPPOSITE[kind])):
            event_record(
                organisation=ticket.organisation,
                type=events.LINK_ADDED,
                obj=here,
                actor=actor,
                payload={"ticket": there.pk, "kind": seen_as},
            )
    return link


def ticket_link_remove(*, ticket: Ticket, other: Ticket, actor: User) -> None:
    """Remove the link between two tickets, whichever way it was made."""
    _agent_of(actor, ticket.organisation_id)
    _refuse_unless(
        actor,
        permissions.TICKET_UPDATE,
        ticket,
        _("Your role does not allow changing this ticket."),
    )
    with transaction.atomic():
        link = (
            TicketLink.objects.select_for_update()
            .filter(
                organisation_id=ticket.organisation_id,
                from_ticket__in=[ticket.pk, other.pk],
                to_ticket__in=[ticket.pk, other.pk],
            )
            .first()
        )
        if link is None or ticket.pk == other.pk:
            raise ValidationError({"ticket": _("These tickets are not linked.")})
        if link.kind == LinkKind.RELATED:
            kind = "related"
        else:
            kind = "parent" if link.from_ticket_id == ticket.pk else "child"
        link.delete()
        for here, there, seen_as in ((ticket, other, kind), (other, ticket, _OPPOSITE[kind])):
            event_record(
                organisation=ticket.organisation,
                type=events.LINK_REMOVED,
                obj=here,
                actor=actor,
                payload={"ticket": there.pk, "kind": seen_as},
            )


def ticket_participant_add(
    *, ticket: Ticket, actor: User, email: str, name: str = ""
) -> Contact | None:
    """An agent adds someone to a ticket's CC by e-mail address (the contact is found, or
    created); returns the contact, or None when they already follow it."""
    _agent_of(actor, ticket.organisation_id)
    _refuse_unless(
        actor,
        permissions.TICKET_UPDATE,
        ticket,
        _("Your role does not allow changing this ticket."),
    )
    if ticket.is_closed:
        raise ValidationError(_("This ticket is closed and can no longer be changed."))
    if not email.strip():
        raise ValidationError({"email": _("An e-mail address is required.")})
    with transaction.atomic():
        contact = contact_resolve(organisation=ticket.organisation, name=name, email=email)
        added = ticket_participants_add(ticket=ticket, contacts=[contact], actor=actor)
    return added[0] if added else None


def ticket_participant_remove(*, ticket: Ticket, contact: Contact, actor: User) -> None:
    """An agent takes someone off a ticket's CC: they no longer receive its public replies."""
    _agent_of(actor, ticket.organisation_id)
    _refuse_unless(
        actor,
        permissions.TICKET_UPDATE,
        ticket,
        _("Your role does not allow changing this ticket."),
    )
    if ticket.is_closed:
        raise ValidationError(_("This ticket is closed and can no longer be changed."))
    with transaction.atomic():
        deleted, _rows = TicketParticipant.objects.filter(ticket=ticket, contact=contact).delete()
        if not deleted:
            raise ValidationError({"participant": _("Not following this ticket.")})
        event_record(
            organisation=ticket.organisation,
            type=events.PARTICIPANTS_REMOVED,
            obj=ticket,
            actor=actor,
            payload={"participants": [contact.pk]},
        )


def contact_merge(*, source: Contact, target: Contact, actor: User) -> Contact:
    """Merge two contacts who are one person: `source`'s addresses, tickets, messages, CCs
    and portal account move to `target`, and `source` is deleted.

    Refused when both have a portal account (which password would win is not ours to pick).
    The event log keeps its rows; the merge event says which contact went into which.
    """
    if not actor.is_staff_member or actor.organisation_id != target.organisation_id:
        raise ValidationError(_("Only the organisation's agents can merge contacts."))
    if not user_can(actor, CONTACTS_MANAGE):
        raise ValidationError(_("Your role does not allow changing contacts."), code="permission")
    if source.organisation_id != target.organisation_id:
        raise ValidationError({"contact": _("Not found.")})
    if source.pk == target.pk:
        raise ValidationError({"contact": _("A contact cannot be merged with itself.")})
    if source.user_id and target.user_id:
        raise ValidationError(
            {"contact": _("Both contacts have a portal account; they cannot be merged.")}
        )
    with transaction.atomic():
        locked = {
            contact.pk: contact
            for contact in Contact.objects.select_for_update()
            .filter(pk__in=[source.pk, target.pk])
            .order_by("pk")
        }
        if len(locked) != 2:
            raise ValidationError({"contact": _("Not found.")})
        source, target = locked[source.pk], locked[target.pk]
        identity_ids = list(
            ContactIdentity.objects.filter(contact=source).values_list("pk", flat=True)
        )
        ContactIdentity.objects.filter(pk__in=identity_ids).update(contact=target)
        tickets = Ticket.objects.filter(requester=source).update(requester=target)
        Message.objects.filter(author_contact=source).update(author_contact=target)
        # CCs: one row per person and ticket; none on the tickets they now request.
        participants = TicketParticipant.objects.filter(contact=source)
        participants.filter(ticket__participants__contact=target).delete()
        participants.filter(ticket__requester=target).delete()
        participants.update(contact=target)
        TicketParticipant.objects.filter(contact=target, ticket__requester=target).delete()
        # What they did stays theirs (otherwise deleting the source would blank it).
        Event.objects.filter(actor_contact=source).update(actor_contact=target)
        Notification.objects.filter(actor_contact=source).update(actor_contact=target)
        fields = []
        if source.user_id and not target.user_id:
            user_id = source.user_id
            source.user = None
            source.save(update_fields=["user"])
            target.user_id = user_id
            fields.append("user")
        if source.notes.strip():
            target.notes = "\n\n".join(part for part in (target.notes, source.notes) if part)
            fields.append("notes")
        if fields:
            target.save(update_fields=fields)
        event_record(
            organisation=target.organisation,
            type=events.CONTACT_MERGED,
            obj=target,
            actor=actor,
            payload={
                "from": source.pk,
                "name": source.name,
                "identities": identity_ids,
                "tickets": tickets,
            },
        )
        source.delete()
    return target
