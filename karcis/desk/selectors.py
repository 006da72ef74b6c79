"""Reads of the desk that carry rules. Who may see which ticket is decided here, and only here.

Other apps read tickets through these functions (messaging threads mail into tickets with
them), never through the desk's models.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from karcis.core.caching import forget_when_changed
from karcis.core.eventlog import describe_events
from karcis.core.models import Contact, Event, FieldKind, Organisation, Team, User, as_member
from karcis.core.permissions import user_can
from karcis.core.selectors import staff_of, team_ids_of, teams_of
from karcis.core.services import normalise_email, normalise_phone
from karcis.desk import numbers, permissions, search
from karcis.desk.models import (
    UNSOLVED_STATUSES,
    Attachment,
    Category,
    CustomField,
    Message,
    MessageKind,
    Tag,
    Ticket,
    TicketLink,
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
        if not user_can(user, permissions.TICKET_VIEW):
            return Ticket.objects.none()
        if user_can(user, permissions.TICKET_VIEW_ALL):
            return base
        return base.filter(
            Q(team_id__in=team_ids_of(user=user)) | Q(team__isnull=True) | Q(assignee=user)
        )
    return base.filter(requester__user=user)


def ticket_get_for_user(*, user: User, number: str) -> Ticket:
    """The ticket with this number if the user may see it; 404 otherwise (never 403, so
    numbers of other people's tickets cannot be probed)."""
    try:
        # get(), not first(): a number is unique in an organisation, no ORDER BY needed.
        ticket = (
            tickets_visible_to(user=user)
            .select_related("requester", "assignee", "team", "category")
            .get(number=number.strip().upper())
        )
    except Ticket.DoesNotExist:
        raise Http404("No such ticket") from None
    # tickets_visible_to kept the user's organisation's tickets only: the ticket's
    # organisation is the one the user came with (read with them at sign-in), not a join.
    ticket.organisation = as_member(user).organisation
    return ticket


def ticket_number_parse(*, organisation: Organisation, raw: str) -> str | None:
    """A ticket number as people type it, as stored: "501", "#501", "krc 501" → "KRC-000501";
    None when the text is not a ticket number of this organisation."""
    return numbers.ticket_number_parse(organisation=organisation, raw=raw)


def ticket_find_for_user(*, user: User, raw: str) -> Ticket | None:
    """The ticket whose number the user typed ("501", "#501", "KRC-000501"), if they may
    see it; None otherwise (a number of another organisation, or out of their reach)."""
    organisation = as_member(user).organisation
    number = ticket_number_parse(organisation=organisation, raw=raw)
    if number is None:
        return None
    return (
        tickets_visible_to(user=user)
        .select_related("requester", "organisation")
        .filter(number=number)
        .first()
    )


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
    ticket_id: Any = data.get("t")  # as signed (None when missing: no ticket)
    return (
        Ticket.objects.filter(organisation=organisation, pk=ticket_id)
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


# --- what the agent pages offer, cached per organisation -----------------------------------

PAGE_OPTIONS_SECONDS = 600


@dataclass(frozen=True)
class Agent:
    """An active staff member as the pages offer them (the inbox's filters and bulk bar, the
    properties form): their id and name only, so the cache holds no more of an account.
    What a form saves is taken from the database again (views.ticket_properties,
    views.tickets_bulk), never from here."""

    pk: int
    name: str
    label: str  # what str(user) says: the name, or the address for an account without one

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class PageOptions:
    """What the inbox and the ticket page offer: the organisation's active staff (the same
    rule as desk.services.assignable_agents), its teams, every category (inactive ones too,
    in path order) and the active custom fields."""

    agents: list[Agent]
    teams: list[Team]
    categories: list[Category]
    custom_fields: list[CustomField]

    @property
    def active_categories(self) -> list[Category]:
        return [category for category in self.categories if category.is_active]


def _page_options_key(organisation_id: int) -> str:
    return f"karcis:desk:page-options:{organisation_id}"


def page_options_of(*, organisation: Organisation) -> PageOptions:
    """The organisation's PageOptions, read in four queries once, then from Django's cache
    until one of their rows changes (`forget_on_change`; decision 0019's mechanism): every
    inbox and ticket page showed them, and they change only when somebody edits settings,
    staff or teams."""
    key = _page_options_key(organisation.pk)
    options: PageOptions | None = cache.get(key)
    if options is None:
        options = PageOptions(
            agents=[
                Agent(pk=user.pk, name=user.name, label=str(user))
                for user in staff_of(organisation=organisation).only("name", "email")
            ],
            teams=list(teams_of(organisation=organisation)),
            categories=list(categories_of(organisation=organisation, active_only=False)),
            custom_fields=list(custom_fields_of(organisation=organisation)),
        )
        cache.set(key, options, timeout=PAGE_OPTIONS_SECONDS)
    return options


def forget_on_change() -> None:
    """Forget an organisation's PageOptions on every change of the rows behind them (a
    sign-in saves its user too)."""
    forget_when_changed(
        ("core.User", "core.Team", "desk.Category", "desk.CustomField"),
        lambda row: [_page_options_key(row.organisation_id)] if row.organisation_id else [],
        uid="desk-page-options",
    )


def custom_fields_shown_to_customer(*, organisation: Organisation) -> QuerySet[CustomField]:
    """The fields whose values a customer sees on their ticket (portal, API). An identity
    number (NIK) is asked on the portal when the field is shown there, but never shown
    back: a tracking link can be forwarded, and the number opens doors elsewhere."""
    return custom_fields_of(organisation=organisation, for_customer=True).exclude(
        kind=FieldKind.ID_NUMBER
    )


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
        category: Any  # each gains its `depth`, for the template
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


def ticket_history(
    *, ticket: Ticket, known: dict[str, dict[int, str]] | None = None
) -> list[dict[str, Any]]:
    """The ticket's history in words, oldest first: every app's events about the ticket,
    each described by the app that declared it (core.eventlog.describe_events). `known`:
    names the page has loaded already (its teams, agents, categories), by model label."""
    return describe_events(list(ticket_events(ticket=ticket)), known=known)


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


# --- for other apps: tickets by id, by number, by the tag in a subject ---------------------


def ticket_get(*, ticket_id: int) -> Ticket | None:
    """A ticket of the active organisation by id, with its organisation and requester."""
    return Ticket.objects.select_related("organisation", "requester").filter(pk=ticket_id).first()


def tickets_by_id(*, ticket_ids: Iterable[int]) -> dict[int, Ticket]:
    """The active organisation's tickets with these ids, with their organisation and
    requester, by id (one query: the SLA scan reads a batch's tickets at once)."""
    return Ticket.objects.select_related("organisation", "requester").in_bulk(set(ticket_ids))


def ticket_get_by_number(*, organisation: Organisation, number: str) -> Ticket | None:
    """The organisation's ticket with this number, however it was typed."""
    stored = numbers.ticket_number_parse(organisation=organisation, raw=number)
    if stored is None:
        return None
    return (
        Ticket.objects.select_related("organisation", "requester")
        .filter(organisation=organisation, number=stored)
        .first()
    )


def ticket_by_subject_tag(*, organisation: Organisation, subject: str) -> Ticket | None:
    """The ticket an e-mail subject names with its tag: "Re: [KRC-000123] …"."""
    number = numbers.ticket_number_in_subject(organisation=organisation, subject=subject)
    return ticket_get_by_number(organisation=organisation, number=number) if number else None


def message_get(*, message_id: int) -> Message | None:
    """A message with its ticket, the ticket's organisation and the staff member who wrote it."""
    found = Message.objects.select_related("ticket__organisation", "author_user").filter(
        pk=message_id
    )
    return next(iter(found.order_by()), None)


def ticket_first_message(*, ticket: Ticket) -> Message | None:
    """The request itself: the ticket's first message."""
    return Message.objects.filter(ticket=ticket).order_by("created_at", "id").first()


def messages_public_before(*, message: Message, limit: int) -> list[Message]:
    """The public messages of the ticket before this one, newest first (a reply quotes them)."""
    return list(
        Message.objects.filter(
            ticket_id=message.ticket_id, kind=MessageKind.REPLY, created_at__lte=message.created_at
        )
        .exclude(pk=message.pk)
        .select_related("author_user", "author_contact")
        .order_by("-created_at", "-id")[:limit]
    )


def ticket_people_emails(*, ticket: Ticket) -> set[str]:
    """The e-mail addresses of the requester and the people who follow the ticket."""
    people = [ticket.requester, *ticket_participants(ticket=ticket)]
    return {person.email.lower() for person in people if person.email}


def tickets_count_of(*, organisation: Organisation) -> int:
    return Ticket.objects.filter(organisation=organisation).count()


def ticket_statuses_of(*, organisation: Organisation) -> dict[str, str]:
    """Every ticket's status, by number."""
    return dict(Ticket.objects.filter(organisation=organisation).values_list("number", "status"))


def ticket_latest_of_requester(*, organisation: Organisation, email: str) -> Ticket | None:
    """The newest ticket of the contact who has this e-mail address."""
    return (
        Ticket.objects.filter(
            organisation=organisation,
            requester__identities__kind="email",
            requester__identities__value=normalise_email(email),
        )
        .order_by("-created_at", "-id")
        .first()
    )


def ticket_surviving(*, ticket: Ticket) -> Ticket:
    """The ticket that carries on a merged one's conversation (itself when not merged).

    Mail that still names a merged ticket (its Message-IDs, reply address or number) threads
    into this one, so a merged conversation never splits again. Merges are refused into a
    merged ticket, so the chain is short; the bound guards against a cycle anyway.
    """
    seen = {ticket.pk}
    while ticket.merged_into_id is not None and len(seen) < 20:
        following = (
            Ticket.objects.select_related("organisation", "requester")
            .filter(pk=ticket.merged_into_id, organisation_id=ticket.organisation_id)
            .first()
        )
        if following is None or following.pk in seen:
            break
        seen.add(following.pk)
        ticket = following
    return ticket


def ticket_links(*, ticket: Ticket, user: User | None = None) -> list[dict[str, Any]]:
    """The tickets linked to this one, as seen from it: {"kind": related | parent | child,
    "ticket": the other ticket}. With `user`, only the tickets that user may see."""
    # The links' ids first (most tickets have none: one light query), then the other
    # tickets, those the user may see, in one more.
    rows = TicketLink.objects.filter(
        Q(from_ticket=ticket) | Q(to_ticket=ticket), organisation_id=ticket.organisation_id
    ).values_list("from_ticket_id", "to_ticket_id", "kind")
    ends: list[tuple[int, str]] = []  # (the other ticket's id, the kind seen from this one)
    for from_id, to_id, link_kind in rows:
        outgoing = from_id == ticket.pk
        kind = ("parent" if outgoing else "child") if link_kind == "parent" else "related"
        ends.append((to_id if outgoing else from_id, kind))
    if not ends:
        return []
    candidates = (
        tickets_visible_to(user=user)
        if user is not None
        else Ticket.objects.filter(organisation_id=ticket.organisation_id)
    )
    others = candidates.in_bulk([other_id for other_id, _kind in ends])
    links = [
        {"kind": kind, "ticket": others[other_id]} for other_id, kind in ends if other_id in others
    ]
    order = {"parent": 0, "child": 1, "related": 2}
    return sorted(links, key=lambda link: (order[link["kind"]], link["ticket"].number))


# --- names, for histories and notifications (core.eventlog.Names) ---------------------------


def names_of_categories(ids: set[int]) -> dict[int, str]:
    return dict(Category.objects.filter(pk__in=ids).values_list("pk", "path"))


def names_of_tags(ids: set[int]) -> dict[int, str]:
    return dict(Tag.objects.filter(pk__in=ids).values_list("pk", "name"))


def names_of_tickets(ids: set[int]) -> dict[int, str]:
    return {
        pk: f"{number} {subject}"
        for pk, number, subject in Ticket.objects.filter(pk__in=ids).values_list(
            "pk", "number", "subject"
        )
    }


def contact_by_address(*, organisation: Organisation, address: str) -> Contact | None:
    """The contact who has this e-mail address or phone number (as typed), if any."""
    address = address.strip()
    if not address:
        return None
    if "@" in address:
        kind, value = "email", normalise_email(address)
    else:
        kind, value = "phone", normalise_phone(address)
    return (
        Contact.objects.filter(
            organisation=organisation, identities__kind=kind, identities__value=value
        )
        .prefetch_related("identities")
        .first()
    )


def contact_tickets_count(*, contact: Contact) -> int:
    return Ticket.objects.filter(requester=contact).count()


def message_of_ticket(*, ticket: Ticket, message_id: int) -> Message | None:
    return Message.objects.select_related("ticket").filter(ticket=ticket, pk=message_id).first()


def tickets_for_clocks(*, organisation_id: int, after: int, limit: int) -> list[Ticket]:
    """The organisation's unsolved tickets after id `after`, in id order, `limit` at most,
    with their organisation and requester (the SLA recomputes their clocks)."""
    return list(
        Ticket.objects.select_related("requester", "organisation")
        .filter(organisation_id=organisation_id, status__in=UNSOLVED_STATUSES, pk__gt=after)
        .order_by("pk")[:limit]
    )


def category_ids_of(*, organisation: Organisation) -> set[int]:
    return set(Category.objects.filter(organisation=organisation).values_list("pk", flat=True))
