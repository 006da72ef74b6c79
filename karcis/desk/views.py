"""The agent workspace: inbox, search, the ticket page, new tickets, bulk actions and files.

Every view parses a form, calls the desk's selectors and services, and renders. Who may
see which ticket is decided by desk.selectors only: a ticket outside a user's reach is a
404, never a 403, so ticket numbers cannot be probed.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet, prefetch_related_objects
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from karcis.core import extensions
from karcis.core.content import body_from
from karcis.core.downloads import file_response
from karcis.core.forms import field_of, service_errors_to_form
from karcis.core.models import Channel
from karcis.core.permissions import CONTACTS_MANAGE, CONTACTS_VIEW, user_can, user_can_somewhere
from karcis.core.selectors import contacts_visible_to, teams_of
from karcis.core.text import time_ago, time_until
from karcis.desk.forms import (
    INBOX_VIEWS,
    LINK_KINDS,
    PER_PAGE,
    SORT_LABELS,
    SORTS,
    BulkActionForm,
    ComposerForm,
    ContactMergeForm,
    InboxFilterForm,
    LinkForm,
    MergeForm,
    NewTicketForm,
    ObjectChoiceField,
    ParticipantForm,
    SplitForm,
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
    PageOptions,
    attachment_get_for_staff,
    categories_of,
    contact_by_address,
    contact_tickets_count,
    custom_fields_of,
    inbox_counts,
    message_of_ticket,
    messages_for,
    page_options_of,
    ticket_find_for_user,
    ticket_get_for_user,
    ticket_history,
    ticket_links,
    ticket_number_parse,
    ticket_participants,
    tickets_visible_to,
)
from karcis.desk.services import (
    assignable_agents,
    contact_merge,
    message_add,
    ticket_create_for_caller,
    ticket_link_add,
    ticket_link_remove,
    ticket_merge,
    ticket_participant_add,
    ticket_participant_remove,
    ticket_split,
    ticket_update,
    tickets_bulk_tag,
    tickets_bulk_update,
)
from karcis.sla.clocks import ClockState
from karcis.workspace.guards import StaffRequest, capability_required, forbidden

# Other apps add links beside a message on the ticket page (messaging: the original e-mail):
# provider(ticket=…, user=…) → {message id: [{"label", "url", "title", "download"}]}.
MESSAGE_LINKS = "desk.ticket_page.message_links"
# Panels for the side of the ticket page: provider(ticket=, user=) returns safe HTML or "".
TICKET_PANELS = "desk.ticket_page.panels"


# --- lists ------------------------------------------------------------------------------


def _full_page_wanted(request: StaffRequest) -> bool:
    return not request.htmx or request.htmx.history_restore_request


# What a row of a ticket list shows (desk/partials/ticket_table.html), and nothing more.
TICKET_ROW_FIELDS = (
    "id",
    "sla_state",
    "sla_due_at",
    "number",
    "subject",
    "status",
    "priority",
    "updated_at",
    "requester__name",
    "assignee__name",
    "team__name",
)


@dataclass
class TicketRow:
    """A row of a ticket list (desk/partials/ticket_table.html) with the texts it shows,
    worked out once per page rather than per row in the template: a get_FOO_display() per
    cell translated every choice, the two reverse() per row were a fifth of the render, and
    the |date filters a third of what remained."""

    number: str
    subject: str
    status: str
    status_label: str
    priority: str
    priority_label: str
    requester_name: str
    assignee_name: str | None
    team_name: str | None
    tags: list[str]
    url: str
    select_label: str  # the checkbox's label for screen readers
    updated_iso: str
    updated_title: str
    updated_ago: str
    # The SLA's summary (Ticket.sla_state, sla_due_at): "" without a policy.
    sla_state: str = ""
    sla_label: str = ""
    due_iso: str = ""
    due_title: str = ""
    due_in: str = ""


def _times(moment: datetime) -> tuple[str, str]:
    """What the |date filter gives for 'c' and 'j M Y, H:i T', the time zone converted once:
    as filters, the timestamps of a page were a tenth of its render."""
    local = timezone.localtime(moment)
    return local.isoformat(), dateformat.format(local, "j M Y, H:i T")


def _ticket_page_of(
    request: StaffRequest, tickets: QuerySet[Ticket], *, total: int | None = None
) -> Page:
    """One page of a ticket list, with what its rows show, in a fixed number of queries.

    The rows are read as values, their tags by their ids: the models and the prefetch
    machinery cost a third of the list's CPU (issue 9). `total`, when the caller already
    knows it, spares the paginator its COUNT.
    """
    paginator = Paginator(tickets.values(*TICKET_ROW_FIELDS), PER_PAGE)
    if total is not None:
        paginator.count = total  # a cached_property: setting it skips the query
    page = paginator.get_page(request.GET.get("page"))
    page.elided_range = list(  # type: ignore[attr-defined]  # for the template
        paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    )
    page.object_list = _ticket_rows(list(page.object_list))
    return page


def _ticket_rows(values: list[dict[str, Any]]) -> list[TicketRow]:
    """The page's rows from their values, with their tags (one query, by name)."""
    if not values:
        return []
    tags: dict[int, list[str]] = {}
    # The tickets' own ids, from the visible tickets: the tag links need no scope of their own.
    for ticket_id, name in (
        Ticket.tags.through.objects.filter(ticket_id__in=[row["id"] for row in values])
        .order_by("tag__name")
        .values_list("ticket_id", "tag__name")
    ):
        tags.setdefault(ticket_id, []).append(name)
    now = timezone.now()
    url_pattern = reverse("desk:ticket", kwargs={"number": "NUMBER"})
    select_pattern = _("Select %(number)s")
    status_labels = {value: str(label) for value, label in Status.choices}
    priority_labels = {value: str(label) for value, label in Priority.choices}
    sla_labels = {value: str(label) for value, label in ClockState.choices}
    rows = []
    for row in values:
        number, status, priority = row["number"], row["status"], row["priority"]
        updated_iso, updated_title = _times(row["updated_at"])
        rows.append(
            TicketRow(
                number=number,
                subject=row["subject"],
                status=status,
                status_label=status_labels.get(status, status),
                priority=priority,
                priority_label=priority_labels.get(priority, priority),
                requester_name=row["requester__name"],
                assignee_name=row["assignee__name"],
                team_name=row["team__name"],
                tags=tags.get(row["id"], []),
                url=url_pattern.replace("NUMBER", number),
                select_label=select_pattern % {"number": number},
                updated_iso=updated_iso,
                updated_title=updated_title,
                updated_ago=time_ago(row["updated_at"], now),
                **_sla_cells(row, now, sla_labels),
            )
        )
    return rows


def _sla_cells(row: dict[str, Any], now: datetime, labels: dict[str, str]) -> dict[str, str]:
    """The SLA column of a row: the clocks' state and the soonest due time, relative."""
    state, due = row["sla_state"], row["sla_due_at"]
    if not state:
        return {}
    if due is not None and state in ("on_time", "at_risk") and due <= now:
        state = "breached"  # time brought it; the scan writes it within seconds
    cells = {"sla_state": state, "sla_label": labels.get(state, state)}
    if due is not None:
        cells["due_iso"], cells["due_title"] = _times(due)
        cells["due_in"] = time_until(due, now) if due > now else time_ago(due, now)
    return cells


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
        if active:
            params["dir"] = "asc" if values["dir"] == "desc" else "desc"
        else:  # the soonest due time first; the newest first otherwise
            params["dir"] = "asc" if key == "due" else "desc"
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
        **_filter_options(page_options_of(organisation=organisation)),
    }
    context["bulk_form"] = BulkActionForm(agents=context["agents"], teams=context["teams"])
    template = "desk/inbox.html" if full_page else "desk/partials/inbox_main.html"
    response = render(request, template, context, status=400 if form.errors else 200)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _filter_options(options: PageOptions) -> dict:
    """The inbox filters' options as (value, label) pairs, and the agents and teams (the bulk
    bar offers them too)."""
    agents, teams, categories = options.agents, options.teams, options.active_categories
    return {
        "agents": agents,
        "teams": teams,
        "agent_choices": [(agent.pk, agent.name) for agent in agents],
        "team_choices": [(team.pk, team.name) for team in teams],
        "category_choices": [(category.pk, str(category)) for category in categories],
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
    """The properties form that checks a submission: its choices read from the database."""
    organisation = ticket.organisation
    return TicketPropertiesForm(
        data,
        ticket=ticket,
        categories=categories_of(organisation=organisation, active_only=False),
        teams=teams_of(organisation=organisation),
        agents=assignable_agents(organisation=organisation),
        custom_fields=custom_fields,
    )


def _properties_form_shown(ticket: Ticket, options: PageOptions) -> TicketPropertiesForm:
    """The properties form a page shows: its choices from the cached page options."""
    return TicketPropertiesForm(
        ticket=ticket,
        categories=options.categories,
        teams=options.teams,
        agents=options.agents,
        custom_fields=options.custom_fields,
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
    options = page_options_of(organisation=ticket.organisation)
    custom_fields = options.custom_fields
    prefetch_related_objects([ticket], "tags", "requester__identities")
    # A closed ticket shows its properties as text: no form.
    if properties is None and not ticket.is_closed and user_can(user, TICKET_UPDATE, ticket):
        properties = _properties_form_shown(ticket, options)
    may_reply, may_note = user_can(user, TICKET_REPLY, ticket), user_can(user, TICKET_NOTE, ticket)
    if composer is None:
        composer = ComposerForm(
            ticket=ticket,
            kinds=[kind for kind, allowed in (("reply", may_reply), ("note", may_note)) if allowed],
            may_change_status=user_can(user, TICKET_UPDATE, ticket),
        )
    conversation = _conversation(ticket, user)
    may_update = not ticket.is_closed and user_can(user, TICKET_UPDATE, ticket)
    created_iso, created_title = _times(ticket.created_at)
    context = {
        "section": "tickets",
        "ticket": ticket,
        "conversation": conversation,
        "first_message_id": conversation[0].pk if conversation else None,
        "may_update": may_update,
        "may_split": may_update and user_can(user, TICKET_CREATE),
        "may_merge_contacts": user_can(user, CONTACTS_MANAGE) and user_can(user, CONTACTS_VIEW),
        "links": ticket_links(ticket=ticket, user=user),
        "link_kinds": LINK_KINDS,
        "merged_into": ticket.merged_into if ticket.merged_into_id else None,
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
        "history": _history(ticket, properties),
        # Panels other apps add beside the properties (the SLA's clocks), as HTML.
        "panels": [
            panel
            for provider in extensions.contributions(TICKET_PANELS)
            if (panel := provider(ticket=ticket, user=user))
        ],
        "created_iso": created_iso,
        "created_title": created_title,
        "presence_url": f"/ws/desk/tickets/{ticket.number}/",
    }
    return render(request, "desk/ticket.html", context, status=status)


def _history(ticket: Ticket, properties: TicketPropertiesForm | None) -> list[dict[str, Any]]:
    """The ticket's history entries, each with its time as the page shows it."""
    entries = ticket_history(ticket=ticket, known=_names_at_hand(properties))
    for entry in entries:
        entry["at_iso"], entry["at_title"] = _times(entry["at"])
    return entries


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
        message.created_iso, message.created_title = _times(message.created_at)
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
        created = timezone.localtime(other.created_at)
        other.created_iso, other.created_day = (
            created.isoformat(),
            dateformat.format(created, "j M Y"),
        )
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


# --- merge, split, links, CC and contacts --------------------------------------------------


def _ticket_url(number: str) -> str:
    return reverse("desk:ticket", kwargs={"number": number})


def _refused(request: StaffRequest, error: ValidationError, number: str) -> HttpResponse:
    messages.error(
        request, _("Nothing was saved: %(reason)s") % {"reason": " ".join(error.messages)}
    )
    return redirect("desk:ticket", number=number)


@capability_required(TICKET_UPDATE)
@require_http_methods(["GET", "POST"])
def ticket_merge_view(request: StaffRequest, number: str) -> HttpResponse:
    """Merge this ticket into another: GET asks for confirmation (both tickets side by side),
    POST merges. The other ticket is chosen by its number and must be one the agent sees."""
    user = request.user
    source = ticket_get_for_user(user=user, number=number)
    if not user_can(user, TICKET_UPDATE, source):
        return forbidden(request)
    if source.is_closed:
        # Merged already, or closed: nothing of it can move any more.
        return _refused(
            request,
            ValidationError(_("This ticket is closed and can no longer be changed.")),
            source.number,
        )
    form = MergeForm(request.POST if request.method == "POST" else request.GET)
    target = None
    if form.is_valid():
        target = ticket_find_for_user(user=user, raw=form.cleaned_data["into"])
        if target is None:
            form.add_error("into", _("No ticket with this number that you can see."))
    if target is not None and request.method == "POST" and form.cleaned_data["confirm"]:
        try:
            ticket_merge(
                source=source,
                target=target,
                actor=user,
                notify_requester=form.cleaned_data["notify"],
            )
        except ValidationError as error:
            _service_error(request, form, error)
        else:
            messages.success(
                request,
                _("%(source)s was merged into %(target)s.")
                % {"source": source.number, "target": target.number},
            )
            return redirect("desk:ticket", number=target.number)
    context = {
        "section": "tickets",
        "ticket": source,
        "target": target,
        "form": form,
        "back": _ticket_url(source.number),
    }
    status = 400 if form.errors else 200
    return render(request, "desk/ticket_merge.html", context, status=status)


@capability_required(TICKET_UPDATE)
@require_POST
def ticket_split_view(request: StaffRequest, number: str) -> HttpResponse:
    """Split one message off into a new ticket of the same requester."""
    user = request.user
    ticket = ticket_get_for_user(user=user, number=number)
    if not user_can(user, TICKET_UPDATE, ticket) or not user_can(user, TICKET_CREATE):
        return forbidden(request)
    form = SplitForm(request.POST)
    message = (
        message_of_ticket(ticket=ticket, message_id=form.cleaned_data["message"])
        if form.is_valid()
        else None
    )
    if message is None:
        messages.error(request, _("Nothing was saved: %(reason)s") % {"reason": _("Not found.")})
        return redirect("desk:ticket", number=ticket.number)
    try:
        new = ticket_split(message=message, actor=user, subject=form.cleaned_data["subject"])
    except ValidationError as error:
        return _refused(request, error, ticket.number)
    messages.success(
        request,
        _("The message now opens ticket %(number)s.") % {"number": new.number},
    )
    return redirect("desk:ticket", number=new.number)


@capability_required(TICKET_UPDATE)
@require_POST
def ticket_links_view(request: StaffRequest, number: str) -> HttpResponse:
    """Link this ticket to another (related, parent, child), or remove a link."""
    user = request.user
    ticket = ticket_get_for_user(user=user, number=number)
    if not user_can(user, TICKET_UPDATE, ticket):
        return forbidden(request)
    form = LinkForm(request.POST)
    if not form.is_valid():
        return _refused(request, ValidationError(_("Choose a ticket and a kind of link.")), number)
    other = ticket_find_for_user(user=user, raw=form.cleaned_data["ticket"])
    if other is None:
        return _refused(
            request, ValidationError(_("No ticket with this number that you can see.")), number
        )
    try:
        if form.cleaned_data["action"] == "remove":
            ticket_link_remove(ticket=ticket, other=other, actor=user)
            messages.success(request, _("Link removed."))
        else:
            ticket_link_add(ticket=ticket, other=other, kind=form.cleaned_data["kind"], actor=user)
            messages.success(request, _("Linked to %(number)s.") % {"number": other.number})
    except ValidationError as error:
        return _refused(request, error, ticket.number)
    return redirect("desk:ticket", number=ticket.number)


@capability_required(TICKET_UPDATE)
@require_POST
def ticket_participants_view(request: StaffRequest, number: str) -> HttpResponse:
    """Add someone to the ticket's CC by e-mail address, or take someone off it."""
    user = request.user
    ticket = ticket_get_for_user(user=user, number=number)
    if not user_can(user, TICKET_UPDATE, ticket):
        return forbidden(request)
    form = ParticipantForm(request.POST)
    if not form.is_valid():
        reasons = [str(message) for errors in form.errors.values() for message in errors]
        return _refused(request, ValidationError(" ".join(reasons)), number)
    try:
        if form.cleaned_data["remove"]:
            contact = next(
                (
                    person
                    for person in ticket_participants(ticket=ticket)
                    if person.pk == form.cleaned_data["remove"]
                ),
                None,
            )
            if contact is None:
                raise ValidationError(_("Not following this ticket."))
            ticket_participant_remove(ticket=ticket, contact=contact, actor=user)
            messages.success(request, _("%(name)s removed from CC.") % {"name": contact.name})
        else:
            added = ticket_participant_add(
                ticket=ticket,
                actor=user,
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
            )
            if added is None:
                messages.info(request, _("Already in the conversation."))
            else:
                messages.success(request, _("%(name)s added to CC.") % {"name": added.name})
    except ValidationError as error:
        return _refused(request, error, ticket.number)
    return redirect("desk:ticket", number=ticket.number)


@capability_required(CONTACTS_MANAGE)
@require_http_methods(["GET", "POST"])
def contact_merge_view(request: StaffRequest, pk: int) -> HttpResponse:
    """Merge a duplicate contact (found by e-mail address or phone number) into this one.

    Opened from a ticket's requester card (`ticket`: the number to return to); GET asks for
    confirmation with both contacts and their tickets counted, POST merges.
    """
    user = request.user
    contact = contacts_visible_to(user=user).filter(pk=pk).first()
    if contact is None or not user_can(user, CONTACTS_VIEW):
        raise Http404("No such contact")
    data = request.POST if request.method == "POST" else request.GET
    form = ContactMergeForm(data)
    back_number = ticket_number_parse(organisation=user.organisation, raw=data.get("ticket", ""))
    back = (
        _ticket_url(back_number)
        if back_number and tickets_visible_to(user=user).filter(number=back_number).exists()
        else reverse("desk:inbox")
    )
    duplicate = None
    if form.is_valid():
        duplicate = contact_by_address(
            organisation=user.organisation, address=form.cleaned_data["address"]
        )
        if duplicate is None:
            form.add_error("address", _("No contact has this e-mail address or phone number."))
        elif duplicate.pk == contact.pk:
            form.add_error("address", _("That is this contact's own address."))
            duplicate = None
    if duplicate is not None and request.method == "POST" and form.cleaned_data["confirm"]:
        try:
            contact_merge(source=duplicate, target=contact, actor=user)
        except ValidationError as error:
            _service_error(request, form, error)
        else:
            messages.success(
                request,
                _("%(other)s was merged into %(name)s.")
                % {"other": duplicate.name, "name": contact.name},
            )
            return redirect(back)
    context = {
        "section": "tickets",
        "contact": contact,
        "duplicate": duplicate,
        "contact_tickets": contact_tickets_count(contact=contact),
        "duplicate_tickets": contact_tickets_count(contact=duplicate) if duplicate else 0,
        "form": form,
        "back": back,
        "ticket_number": back_number or "",
    }
    status = 400 if form.errors else 200
    return render(request, "desk/contact_merge.html", context, status=status)
