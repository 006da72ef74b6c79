"""Reads of the desk that carry rules. Who may see which ticket is decided here, and only here."""

import re

from django.conf import settings
from django.core import signing
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from karcis.core.models import Contact, Event, Organisation, User
from karcis.core.selectors import team_ids_of
from karcis.core.services import normalise_email
from karcis.desk.models import (
    UNSOLVED_STATUSES,
    Attachment,
    Category,
    CustomField,
    Message,
    MessageKind,
    Tag,
    Ticket,
    TicketParticipant,
)

TRACKING_SALT = "karcis.desk.tracking"


def tickets_visible_to(*, user: User) -> QuerySet[Ticket]:
    """Tickets a signed-in person may see.

    Admins, supervisors and agents granted 'sees every ticket' see the whole organisation;
    other agents see their teams' tickets, tickets assigned to them, and tickets not yet
    routed to any team (the shared triage pool). A customer sees the tickets they requested.
    """
    if not user.is_authenticated or user.organisation_id is None:
        return Ticket.objects.none()
    base = Ticket.objects.filter(organisation_id=user.organisation_id)
    if user.is_staff_member:
        if user.sees_everything:
            return base
        return base.filter(
            Q(team_id__in=team_ids_of(user=user)) | Q(team__isnull=True) | Q(assignee=user)
        )
    return base.filter(requester__user=user)


def ticket_get_for_user(*, user: User, number: str) -> Ticket:
    """The ticket with this number if the user may see it; 404 otherwise (never 403, so
    numbers of other people's tickets cannot be probed)."""
    ticket = (
        tickets_visible_to(user=user)
        .select_related("requester", "assignee", "team", "category", "organisation")
        .filter(number=number.strip().upper())
        .first()
    )
    if ticket is None:
        raise Http404("No such ticket")
    return ticket


def ticket_number_parse(*, organisation: Organisation, raw: str) -> str | None:
    """A ticket number as people type it, as stored: "501", "#501", "krc 501" → "KRC-000501";
    None when the text is not a ticket number of this organisation."""
    text = raw.strip().upper().lstrip("#")
    prefix = re.escape(organisation.ticket_prefix)
    digits = re.fullmatch(rf"(?:{prefix}[\s-]*)?0*(\d{{1,12}})", text)
    if digits is None:
        return None
    return f"{organisation.ticket_prefix}-{int(digits.group(1)):06d}"


def ticket_number_normalise(*, organisation: Organisation, raw: str) -> str:
    return ticket_number_parse(organisation=organisation, raw=raw) or raw.strip().upper()


def ticket_get_for_tracking(
    *, organisation: Organisation, number: str, email: str
) -> Ticket | None:
    """The ticket when its number and its requester's e-mail address both match."""
    return (
        Ticket.objects.filter(
            organisation=organisation,
            number=ticket_number_normalise(organisation=organisation, raw=number),
            requester__identities__kind="email",
            requester__identities__value=normalise_email(email),
        )
        .select_related("requester", "organisation", "category")
        .first()
    )


def tracking_token(*, ticket: Ticket) -> str:
    return signing.dumps(
        {"o": ticket.organisation_id, "t": ticket.pk}, salt=TRACKING_SALT, compress=True
    )


def ticket_get_by_tracking_token(*, organisation: Organisation, token: str) -> Ticket | None:
    """The ticket a signed tracking link points to; None when forged, expired or foreign."""
    try:
        data = signing.loads(
            token, salt=TRACKING_SALT, max_age=settings.KARCIS_TRACKING_LINK_MAX_AGE
        )
    except signing.BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(data, dict) or data.get("o") != organisation.pk:
        return None
    return (
        Ticket.objects.filter(organisation=organisation, pk=data.get("t"))
        .select_related("requester", "organisation", "category")
        .first()
    )


def messages_for(*, ticket: Ticket, include_notes: bool) -> QuerySet[Message]:
    messages = (
        Message.objects.filter(ticket=ticket)
        .select_related("author_user", "author_contact")
        .prefetch_related("attachments")
    )
    if not include_notes:
        messages = messages.filter(kind=MessageKind.REPLY)
    return messages


def ticket_participants(*, ticket: Ticket) -> list[Contact]:
    """The people who follow a ticket besides its requester, oldest first."""
    return [
        participant.contact
        for participant in TicketParticipant.objects.filter(ticket=ticket)
        .select_related("contact")
        .prefetch_related("contact__identities")
    ]


def inbox_counts(*, user: User) -> dict[str, int]:
    """Unsolved tickets per inbox view, in one query."""
    visible = tickets_visible_to(user=user).filter(status__in=UNSOLVED_STATUSES)
    # Counting a column of the partial index "ticket_unsolved" (organisation, assignee, team
    # WHERE unsolved) lets PostgreSQL answer from the index alone; COUNT("id") would read
    # the table.
    counts = visible.aggregate(
        mine=Count("organisation", filter=Q(assignee=user)),
        unassigned=Count("organisation", filter=Q(assignee__isnull=True)),
        teams=Count("organisation", filter=Q(team_id__in=team_ids_of(user=user))),
        all=Count("organisation"),
    )
    return counts


def categories_of(*, organisation: Organisation, active_only: bool = True) -> QuerySet[Category]:
    categories = Category.objects.filter(organisation=organisation)
    return categories.filter(is_active=True) if active_only else categories


def custom_fields_of(
    *, organisation: Organisation, for_customer: bool = False
) -> QuerySet[CustomField]:
    fields = CustomField.objects.filter(organisation=organisation, is_active=True)
    return fields.filter(visible_to_customer=True) if for_customer else fields


def category_tree_of(*, organisation: Organisation) -> list[Category]:
    """Every category (active or not) in tree order, each with `depth` and `ticket_count`.

    One query; the tree is ordered in Python because sorting on the stored path would put
    'Tagihan Air' between 'Tagihan' and its children.
    """
    categories = (
        Category.objects.filter(organisation=organisation)
        .annotate(ticket_count=Count("ticket"))
        .order_by()
    )
    children: dict[int | None, list[Category]] = {}
    for category in sorted(categories, key=lambda c: (c.name.casefold(), c.pk)):
        children.setdefault(category.parent_id, []).append(category)
    ordered: list[Category] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for category in children.get(parent_id, []):
            category.depth = depth
            ordered.append(category)
            walk(category.pk, depth + 1)

    walk(None, 0)
    return ordered


def custom_fields_all_of(*, organisation: Organisation) -> QuerySet[CustomField]:
    """Every custom field of the organisation, inactive ones included (for its admins)."""
    return CustomField.objects.filter(organisation=organisation)


def tags_with_usage_of(*, organisation: Organisation) -> QuerySet[Tag]:
    """The organisation's tags, each with `ticket_count`, in one query."""
    return (
        Tag.objects.filter(organisation=organisation)
        .annotate(ticket_count=Count("tickets"))
        .order_by("name")
    )


def ticket_events(*, ticket: Ticket) -> QuerySet[Event]:
    """The ticket's domain events, oldest first, with their actors: its history."""
    return (
        Event.objects.filter(
            organisation_id=ticket.organisation_id, object_type="desk.ticket", object_id=ticket.pk
        )
        .select_related("actor", "actor_contact")
        .order_by("id")
    )


def attachment_get_for_staff(*, user: User, token: str) -> Attachment:
    """A file on a ticket this staff member may see (internal notes included); 404 otherwise."""
    if not user.is_staff_member:
        raise Http404("No such file")
    attachment = (
        Attachment.objects.filter(token=token, message__ticket__in=tickets_visible_to(user=user))
        .select_related("message")
        .first()
    )
    if attachment is None:
        raise Http404("No such file")
    return attachment


def attachment_get_public(*, ticket: Ticket, token: str) -> Attachment | None:
    """A file on one of the ticket's public replies, for its requester (the portal).

    Files on internal notes are never returned, whoever asks.
    """
    return Attachment.objects.filter(
        token=token,
        organisation_id=ticket.organisation_id,
        message__ticket=ticket,
        message__kind=MessageKind.REPLY,
    ).first()


def attachment_get_for_user(*, user: User, token: str) -> Attachment:
    """A file the user may download, seen as its message is: staff get files on every
    ticket they see (internal notes included); a customer only files on public replies of
    their own tickets. 404 otherwise."""
    if user.is_staff_member:
        return attachment_get_for_staff(user=user, token=token)
    attachment = (
        Attachment.objects.filter(
            token=token,
            message__ticket__in=tickets_visible_to(user=user),
            message__kind=MessageKind.REPLY,
        )
        .select_related("message")
        .first()
    )
    if attachment is None:
        raise Http404("No such file")
    return attachment


def tickets_matching_for(*, user: User, tickets: QuerySet[Ticket], query: str) -> QuerySet[Ticket]:
    """Narrow `tickets` to those matching every word of `query`, as this user may search.

    Staff search the full-text index. It also holds internal notes, so a customer searches
    instead the subjects and public replies of their own (few) tickets, word by word.
    """
    from django.db.models import Exists, OuterRef

    from karcis.desk import search

    if user.is_staff_member:
        return search.tickets_matching(tickets, query)
    words = search.query_words(query)
    if not words:
        return tickets.none()
    for word in words:
        in_public_reply = Message.objects.filter(
            ticket=OuterRef("pk"), kind=MessageKind.REPLY, body_text__icontains=word
        )
        tickets = tickets.filter(Q(subject__icontains=word) | Exists(in_public_reply))
    return tickets
