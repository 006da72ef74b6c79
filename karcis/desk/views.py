"""The agent workspace: inbox, search, the ticket page, new tickets, bulk actions and files.

Every view parses a form, calls the desk's selectors and services, and renders. Who may
see which ticket is decided by desk.selectors only: a ticket outside a user's reach is a
404, never a 403, so ticket numbers cannot be probed.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet, prefetch_related_objects
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from karcis.core import extensions
from karcis.core.content import body_from
from karcis.core.downloads import file_response
from karcis.core.forms import field_of, service_errors_to_form
from karcis.core.models import Channel, Organisation
from karcis.core.permissions import CONTACTS_MANAGE, user_can, user_can_somewhere
from karcis.core.selectors import teams_of
from karcis.core.text import time_ago
from karcis.desk.forms import (
    INBOX_VIEWS,
    PER_PAGE,
    SORT_LABELS,
    SORTS,
    BulkActionForm,
    ComposerForm,
    InboxFilterForm,
    NewTicketForm,
    ObjectChoiceField,
    TicketPropertiesForm,
)
from karcis.desk.identity_views import requester_identities
from karcis.desk.models import CustomField, MessageKind, Priority, Status, Ticket
from karcis.desk.permissions import (
    TICKET_CREATE,
    TICKET_NOTE,
    TICKET_REPLY,
    TICKET_UPDATE,
    TICKET_VIEW,
)
from karcis.desk.search import tickets_matching
from karcis.desk.selectors import (
    attachment_get_for_staff,
    categories_of,
    custom_fields_of,
    inbox_counts,
    messages_for,
    ticket_get_for_user,
    ticket_history,
    ticket_number_parse,
    ticket_participants,
    tickets_visible_to,
)
from karcis.desk.services import (
    assignable_agents,
    message_add,
    ticket_create_for_caller,
    ticket_update,
    tickets_bulk_tag,
    tickets_bulk_update,
)
from karcis.workspace.guards import StaffRequest, capability_required, forbidden

# Other apps add links beside a message on the ticket page (messaging: the original e-mail):
# provider(ticket=…, user=…) → {message id: [{"label", "url", "title", "download"}]}.
MESSAGE_LINKS = "desk.ticket_page.message_links"


# --- lists ------------------------------------------------------------------------------


def _full_page_wanted(request: StaffRequest) -> bool:
    return not request.htmx or request.htmx.history_restore_request


def _ticket_page_of(
    request: StaffRequest, tickets: QuerySet[Ticket], *, total: int | None = None
) -> Page:
    """One page of a ticket list, with what its rows show, in a fixed number of queries.

    `total`, when the caller already knows it, spares the paginator its COUNT.
    """
    rows = (
        tickets.select_related("requester", "assignee", "team")
        .defer("search_vector", "custom_fields", "requester__notes")
        .prefetch_related("tags")
    )
    paginator = Paginator(rows, PER_PAGE)
    if total is not None:
        paginator.count = total  # a cached_property: setting it skips the query
    page = paginator.get_page(request.GET.get("page"))
    page.elided_range = list(  # type: ignore[attr-defined]  # for the template
        paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    )
    now = timezone.now()
    # One reverse() for the page instead of two per row: they were a fifth of the render.
    url_pattern = reverse("desk:ticket", kwargs={"number": "NUMBER"})
    page.object_list = list(page.object_list)
    ticket: Any  # each row gains its `url` and `updated_ago`, for the template
    for ticket in page.object_list:
        ticket.url = url_pattern.replace("NUMBER", ticket.number)
        ticket.updated_ago = time_ago(ticket.updated_at, now)
    return page


def _default_view(counts: dict[str, int] | None) -> str:
    """An agent with unsolved tickets of their own starts there; everyone else sees all."""
    return "mine" if counts and counts["mine"] else "all"


def _sort_links(request: StaffRequest, values: dict) -> dict[str, dict]:
    """Table-header links: a click sorts by the column, a second click reverses it."""
    links = {}
    for key in SORTS:
        active = values["sort"] == key
        params = request.GET.copy()
        params.pop("page", None)
        params["sort"] = key
        params["dir"] = "asc" if active and values["dir"] == "desc" else "desc"
        links[key] = {
            "label": SORT_LABELS[key],
            "url": f"?{params.urlencode()}",
            "aria_sort": ("descending" if values["dir"] == "desc" else "ascending")
            if active
            else "",
        }
    return links


@capability_required(TICKET_VIEW)
@require_GET
def inbox(request: StaffRequest) -> HttpResponse:
    user = request.user
    organisation = user.organisation
    full_page = _full_page_wanted(request)
    counts = inbox_counts(user=user) if full_page else None
    form = InboxFilterForm(request.GET, default_view=_default_view(counts))
    values = form.values
    tickets = form.filter_tickets(tickets_visible_to(user=user), user=user)
    total = counts[values["view"]] if counts is not None and form.is_plain_view else None
    context = {
        "section": "tickets",
        "active_view": values["view"],
        "view_title": INBOX_VIEWS[values["view"]],
        "inbox_counts": counts,
        "form": form,
        "values": values,
        "filters_active": form.active_count,
        "page": _ticket_page_of(request, tickets, total=total),
        "sort_links": _sort_links(request, values),
        "may_update": user_can_somewhere(user, TICKET_UPDATE),
        **_filter_options(organisation),
    }
    context["bulk_form"] = BulkActionForm(agents=context["agents"], teams=context["teams"])
    template = "desk/inbox.html" if full_page else "desk/partials/inbox_main.html"
    response = render(request, template, context, status=400 if form.errors else 200)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _filter_options(organisation: Organisation) -> dict:
    return {
        "agents": list(assignable_agents(organisation=organisation)),
        "teams": list(teams_of(organisation=organisation)),
        "categories": list(categories_of(organisation=organisation)),
        "statuses": Status.choices,
        "priorities": Priority.choices,
        "channels": Channel.choices,
    }


@capability_required(TICKET_VIEW)
@require_GET
def search(request: StaffRequest) -> HttpResponse:
    """Full text over subjects and messages; a ticket number jumps straight to its ticket."""
    user = request.user
    query = request.GET.get("q", "").strip()[:200]
    visible = tickets_visible_to(user=user)
    number = ticket_number_parse(organisation=user.organisation, raw=query) if query else None
    if number and visible.filter(number=number).exists():
        return redirect("desk:ticket", number=number)
    tickets = tickets_matching(visible, query).order_by("-updated_at", "-id") if query else None
    context = {
        "section": "tickets",
        "active_view": "search",
        "query": query,
        "page": _ticket_page_of(request, tickets) if tickets is not None else None,
    }
    return render(request, "desk/search.html", context)


# --- bulk actions -------------------------------------------------------------------------


def _back_url(request: StaffRequest, candidate: str | None) -> str:
    inbox_url = reverse("desk:inbox")
    if (
        candidate
        and candidate.startswith(inbox_url)
        and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()})
    ):
        return candidate
    return inbox_url


@capability_required(TICKET_UPDATE)
@require_POST
def tickets_bulk(request: StaffRequest) -> HttpResponse:
    """Apply one change to the checked tickets; only tickets the user may see are touched."""
    user = request.user
    organisation = user.organisation
    form = BulkActionForm(
        request.POST,
        agents=list(assignable_agents(organisation=organisation)),
        teams=list(teams_of(organisation=organisation)),
    )
    back = _back_url(request, request.POST.get("next"))
    if not form.is_valid():
        context = {"section": "tickets", "form": form, "back": back}
        return render(request, "desk/bulk_invalid.html", context, status=400)
    numbers = form.cleaned_data["tickets"]
    tickets = list(
        tickets_visible_to(user=user)
        .filter(number__in=numbers)
        .select_related("organisation")
        .prefetch_related("tags")
    )
    found = {ticket.number for ticket in tickets}
    if form.cleaned_data["action"] == "tag":
        failures = tickets_bulk_tag(tickets=tickets, actor=user, add=[form.cleaned_data["tag"]])
    else:
        failures = tickets_bulk_update(tickets=tickets, actor=user, **form.ticket_changes())
    for number in numbers:
        if number not in found:
            failures[number] = _("not found")
    _report_bulk(
        request, updated=len(found) - len(failures.keys() & found), failures=failures, order=numbers
    )
    return redirect(back)


def _report_bulk(
    request: StaffRequest, *, updated: int, failures: dict[str, str], order: list[str]
) -> None:
    if updated:
        messages.success(
            request,
            ngettext("%(count)d ticket updated.", "%(count)d tickets updated.", updated)
            % {"count": updated},
        )
    if failures:
        reasons = ", ".join(
            f"{number} ({failures[number].rstrip('.')})" for number in order if number in failures
        )
        messages.warning(
            request,
            ngettext(
                "%(count)d could not be changed: %(reasons)s",
                "%(count)d could not be changed: %(reasons)s",
                len(failures),
            )
            % {"count": len(failures), "reasons": reasons},
        )


# --- the ticket page ----------------------------------------------------------------------


def _properties_form(
    ticket: Ticket, custom_fields: list[CustomField], data=None
) -> TicketPropertiesForm:
    organisation = ticket.organisation
    return TicketPropertiesForm(
        data,
        ticket=ticket,
        categories=categories_of(organisation=organisation, active_only=False),
        teams=teams_of(organisation=organisation),
        agents=assignable_agents(organisation=organisation),
        custom_fields=custom_fields,
    )


def _render_ticket(
    request: StaffRequest,
    ticket: Ticket,
    *,
    composer: ComposerForm | None = None,
    properties: TicketPropertiesForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    organisation = ticket.organisation
    custom_fields = list(custom_fields_of(organisation=organisation))
    prefetch_related_objects([ticket], "tags", "requester__identities")
    # A closed ticket shows its properties as text: no form, no option lists to load.
    if properties is None and not ticket.is_closed and user_can(user, TICKET_UPDATE, ticket):
        properties = _properties_form(ticket, custom_fields)
    may_reply, may_note = user_can(user, TICKET_REPLY, ticket), user_can(user, TICKET_NOTE, ticket)
    if composer is None:
        composer = ComposerForm(
            ticket=ticket,
            kinds=[kind for kind, allowed in (("reply", may_reply), ("note", may_note)) if allowed],
            may_change_status=user_can(user, TICKET_UPDATE, ticket),
        )
    context = {
        "section": "tickets",
        "ticket": ticket,
        "conversation": _conversation(ticket, user),
        "may_reply": may_reply,
        "may_note": may_note,
        "composer": composer,
        "properties": properties,
        "custom_values": [
            (field.label, ticket.custom_fields.get(field.key))
            for field in custom_fields
            if ticket.custom_fields.get(field.key) not in (None, "")
        ],
        "other_tickets": _other_tickets_of_requester(user, ticket),
        "requester_identities": requester_identities(ticket),
        "may_verify": user_can(user, CONTACTS_MANAGE),
        "participants": ticket_participants(ticket=ticket),
        "history": ticket_history(ticket=ticket, known=_names_at_hand(properties)),
        "presence_url": f"/ws/desk/tickets/{ticket.number}/",
    }
    return render(request, "desk/ticket.html", context, status=status)


def _names_at_hand(properties: TicketPropertiesForm | None) -> dict[str, dict[int, str]]:
    """The names of the teams, agents and categories the properties form offers: the
    history reads its names from them instead of looking them up again."""
    if properties is None:
        return {}
    return {
        label: {
            obj.pk: getattr(obj, attribute)
            for obj in field_of(properties, name, ObjectChoiceField).objects.values()
        }
        for label, name, attribute in (
            ("core.team", "team", "name"),
            ("core.user", "assignee", "name"),
            ("desk.category", "category", "path"),
        )
    }


def _conversation(ticket: Ticket, user) -> list:
    """The ticket's messages, notes included, each with the links other apps add to it."""
    # Each message gains its `extra_links`, for the template.
    conversation: list[Any] = list(messages_for(ticket=ticket, include_notes=True))
    links: dict[int, list[dict]] = {}
    for provider in extensions.contributions(MESSAGE_LINKS):
        for message_id, extra in provider(ticket=ticket, user=user).items():
            links.setdefault(message_id, []).extend(extra)
    for message in conversation:
        message.extra_links = links.get(message.pk, [])
    return conversation


def _other_tickets_of_requester(user, ticket: Ticket) -> list[Ticket]:
    """The requester's ten latest other tickets that this user may see, with their `url`."""
    others: list[Any] = list(  # each gains its `url`, for the template
        tickets_visible_to(user=user)
        .filter(requester_id=ticket.requester_id)
        .exclude(pk=ticket.pk)
        .only("number", "subject", "status", "created_at")
        .order_by("-created_at", "-id")[:10]
    )
    url_pattern = reverse("desk:ticket", kwargs={"number": "NUMBER"})
    for other in others:
        other.url = url_pattern.replace("NUMBER", other.number)
    return others


@capability_required(TICKET_VIEW)
@require_GET
def ticket_detail(request: StaffRequest, number: str) -> HttpResponse:
    ticket = ticket_get_for_user(user=request.user, number=number)
    return _render_ticket(request, ticket)


def _service_error(request: StaffRequest, form, error: ValidationError) -> None:
    service_errors_to_form(form, error)
    messages.error(
        request, _("Nothing was saved: %(reason)s") % {"reason": " ".join(error.messages)}
    )


@capability_required(TICKET_VIEW)
@require_POST
def ticket_reply(request: StaffRequest, number: str) -> HttpResponse:
    """The composer: a public reply or an internal note, optionally changing the status."""
    ticket = ticket_get_for_user(user=request.user, number=number)
    form = ComposerForm(request.POST, request.FILES, ticket=ticket)
    if form.is_valid():
        kind = form.cleaned_data["kind"]
        needed = TICKET_NOTE if kind == MessageKind.NOTE else TICKET_REPLY
        if not user_can(request.user, needed, ticket):
            return forbidden(request)
        try:
            message_add(
                ticket=ticket,
                body=body_from(text=form.cleaned_data["body"]),
                kind=kind,
                author_user=request.user,
                channel=ticket.channel,
                attachments=form.cleaned_data["attachments"],
                status=form.cleaned_data["status"],
            )
        except ValidationError as error:
            _service_error(request, form, error)
        else:
            messages.success(
                request, _("Internal note added.") if kind == MessageKind.NOTE else _("Reply sent.")
            )
            return redirect("desk:ticket", number=ticket.number)
    return _render_ticket(request, ticket, composer=form, status=400)


@capability_required(TICKET_UPDATE)
@require_POST
def ticket_properties(request: StaffRequest, number: str) -> HttpResponse:
    """The properties panel: every change in one ticket_update call, or none of them."""
    ticket = ticket_get_for_user(user=request.user, number=number)
    if not user_can(request.user, TICKET_UPDATE, ticket):
        return forbidden(request)
    custom_fields = list(custom_fields_of(organisation=ticket.organisation))
    form = _properties_form(ticket, custom_fields, data=request.POST)
    if form.is_valid():
        try:
            ticket_update(ticket=ticket, actor=request.user, **form.changes())
        except ValidationError as error:
            _service_error(request, form, error)
        else:
            if tickets_visible_to(user=request.user).filter(pk=ticket.pk).exists():
                messages.success(request, _("Ticket updated."))
                return redirect("desk:ticket", number=ticket.number)
            # Moved to a team the agent is not in: say where it went instead of a 404.
            messages.success(
                request,
                _("Ticket %(number)s updated and routed to %(team)s.")
                % {"number": ticket.number, "team": form.cleaned_data["team"] or "—"},
            )
            return redirect("desk:inbox")
    return _render_ticket(request, ticket, properties=form, status=400)


@capability_required(TICKET_VIEW)
@require_GET
def attachment_download(request: StaffRequest, token: str) -> FileResponse:
    """A file of a ticket the user may see. Images open in the browser, the rest download."""
    attachment = attachment_get_for_staff(user=request.user, token=token)
    return attachment_response(attachment)


def attachment_response(attachment) -> FileResponse:
    """A file of a ticket, once a selector has said who may have it: images may open in the
    browser, everything else downloads (core.downloads keeps it inert)."""
    return file_response(
        attachment.file,
        filename=attachment.filename,
        content_type=attachment.content_type,
        inline=attachment.is_image,
    )


# --- new ticket ---------------------------------------------------------------------------


@capability_required(TICKET_CREATE)
@require_http_methods(["GET", "POST"])
def ticket_new(request: StaffRequest) -> HttpResponse:
    """A ticket taken down for a caller or a walk-in, in the requester's words."""
    user = request.user
    organisation = user.organisation
    options: dict[str, Any] = {
        "categories": categories_of(organisation=organisation),
        "teams": teams_of(organisation=organisation),
        "agents": assignable_agents(organisation=organisation),
        "custom_fields": list(custom_fields_of(organisation=organisation)),
    }
    if request.method == "GET":
        form = NewTicketForm(**options)
        return render(
            request,
            "desk/ticket_new.html",
            {"section": "tickets", "active_view": "new", "form": form},
        )
    form = NewTicketForm(request.POST, request.FILES, **options)
    if form.is_valid():
        try:
            ticket = ticket_create_for_caller(
                organisation=organisation,
                actor=user,
                body=body_from(text=form.cleaned_data["description"]),
                **form.ticket_fields(),
            )
        except ValidationError as error:
            _service_error(request, form, error)
        else:
            return _after_create(request, ticket)
    context = {"section": "tickets", "active_view": "new", "form": form}
    return render(request, "desk/ticket_new.html", context, status=400)


def _after_create(request: StaffRequest, ticket: Ticket) -> HttpResponse:
    if tickets_visible_to(user=request.user).filter(pk=ticket.pk).exists():
        messages.success(request, _("Ticket %(number)s created.") % {"number": ticket.number})
        return redirect("desk:ticket", number=ticket.number)
    # Routed to a team the agent is not in: say where it went instead of showing a 404.
    messages.success(
        request,
        _("Ticket %(number)s created and routed to %(team)s.")
        % {"number": ticket.number, "team": ticket.team.name if ticket.team else "—"},
    )
    return redirect("desk:inbox")
