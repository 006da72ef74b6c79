"""The agent workspace: inbox, search, the ticket page, new tickets, bulk actions and files.

Every view parses a form, calls the desk's selectors and services, and renders. Who may
see which ticket is decided by desk.selectors only: a ticket outside a user's reach is a
404, never a 403, so ticket numbers cannot be probed.
"""

from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet, prefetch_related_objects
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from karcis.core.models import Event, Organisation
from karcis.core.selectors import teams_of
from karcis.desk.content import body_from
from karcis.desk.downloads import attachment_response
from karcis.desk.forms import (
    INBOX_VIEWS,
    PER_PAGE,
    SORT_LABELS,
    SORTS,
    BulkActionForm,
    ComposerForm,
    InboxFilterForm,
    NewTicketForm,
    TicketPropertiesForm,
    errors_to_form,
)
from karcis.desk.models import (
    Channel,
    CustomField,
    MessageKind,
    Priority,
    Status,
    Ticket,
    TicketType,
)
from karcis.desk.search import tickets_matching
from karcis.desk.selectors import (
    attachment_get_for_staff,
    categories_of,
    custom_fields_of,
    inbox_counts,
    messages_for,
    ticket_events,
    ticket_get_for_user,
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
from karcis.messaging.selectors import original_message_ids


def staff_required(view):
    """Only the organisation's staff work the desk: visitors sign in, customers go to the portal.

    Times on desk pages are shown in the organisation's time zone.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return _redirect(request, redirect_to_login(request.get_full_path()).url)
        if not user.is_staff_member:
            if user.organisation_id:
                return _redirect(
                    request, reverse("portal:my_tickets", kwargs={"org": user.organisation.slug})
                )
            return _redirect(request, reverse("core:home"))
        with timezone.override(user.organisation.time_zone):
            return view(request, *args, **kwargs)

    return wrapper


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    # htmx would swap the login page into the table; make the browser go there instead.
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


# --- lists ------------------------------------------------------------------------------


def _full_page_wanted(request: HttpRequest) -> bool:
    return not request.htmx or request.htmx.history_restore_request


def _ticket_page_of(
    request: HttpRequest, tickets: QuerySet[Ticket], *, total: int | None = None
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
    page.elided_range = list(
        paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    )
    now = timezone.now()
    # One reverse() for the page instead of two per row: they were a fifth of the render.
    url_pattern = reverse("desk:ticket", kwargs={"number": "NUMBER"})
    page.object_list = list(page.object_list)
    for ticket in page.object_list:
        ticket.url = url_pattern.replace("NUMBER", ticket.number)
        ticket.updated_ago = time_ago(ticket.updated_at, now)
    return page


def time_ago(moment, now) -> str:
    if now - moment < timedelta(minutes=1):
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(moment, now, depth=1)}


def _default_view(counts: dict[str, int] | None) -> str:
    """An agent with unsolved tickets of their own starts there; everyone else sees all."""
    return "mine" if counts and counts["mine"] else "all"


def _sort_links(request: HttpRequest, values: dict) -> dict[str, dict]:
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


@staff_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
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


@staff_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
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


def _back_url(request: HttpRequest, candidate: str | None) -> str:
    inbox_url = reverse("desk:inbox")
    if (
        candidate
        and candidate.startswith(inbox_url)
        and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()})
    ):
        return candidate
    return inbox_url


@staff_required
@require_POST
def tickets_bulk(request: HttpRequest) -> HttpResponse:
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
    request: HttpRequest, *, updated: int, failures: dict[str, str], order: list[str]
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
    request: HttpRequest,
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
    context = {
        "section": "tickets",
        "ticket": ticket,
        "conversation": messages_for(ticket=ticket, include_notes=True),
        "composer": composer or ComposerForm(ticket=ticket),
        # A closed ticket shows its properties as text: no form, no option lists to load.
        "properties": properties
        or (None if ticket.is_closed else _properties_form(ticket, custom_fields)),
        "custom_values": [
            (field.label, ticket.custom_fields.get(field.key))
            for field in custom_fields
            if ticket.custom_fields.get(field.key) not in (None, "")
        ],
        "other_tickets": _other_tickets_of_requester(user, ticket),
        "participants": ticket_participants(ticket=ticket),
        # Messages that came by e-mail link to their original (.eml).
        "email_originals": original_message_ids(ticket=ticket),
        "history": history_entries(list(ticket_events(ticket=ticket)), custom_fields),
        "presence_url": f"/ws/desk/tickets/{ticket.number}/",
    }
    return render(request, "desk/ticket.html", context, status=status)


def _other_tickets_of_requester(user, ticket: Ticket) -> list[Ticket]:
    """The requester's ten latest other tickets that this user may see, with their `url`."""
    others = list(
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


@staff_required
@require_GET
def ticket_detail(request: HttpRequest, number: str) -> HttpResponse:
    ticket = ticket_get_for_user(user=request.user, number=number)
    return _render_ticket(request, ticket)


def _service_error(request: HttpRequest, form, error: ValidationError) -> None:
    errors_to_form(form, error)
    messages.error(
        request, _("Nothing was saved: %(reason)s") % {"reason": " ".join(error.messages)}
    )


@staff_required
@require_POST
def ticket_reply(request: HttpRequest, number: str) -> HttpResponse:
    """The composer: a public reply or an internal note, optionally changing the status."""
    ticket = ticket_get_for_user(user=request.user, number=number)
    form = ComposerForm(request.POST, request.FILES, ticket=ticket)
    if form.is_valid():
        kind = form.cleaned_data["kind"]
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


@staff_required
@require_POST
def ticket_properties(request: HttpRequest, number: str) -> HttpResponse:
    """The properties panel: every change in one ticket_update call, or none of them."""
    ticket = ticket_get_for_user(user=request.user, number=number)
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


@staff_required
@require_GET
def attachment_download(request: HttpRequest, token: str) -> FileResponse:
    """A file of a ticket the user may see. Images open in the browser, the rest download."""
    attachment = attachment_get_for_staff(user=request.user, token=token)
    return attachment_response(attachment)


# --- new ticket ---------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def ticket_new(request: HttpRequest) -> HttpResponse:
    """A ticket taken down for a caller or a walk-in, in the requester's words."""
    user = request.user
    organisation = user.organisation
    options = {
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


def _after_create(request: HttpRequest, ticket: Ticket) -> HttpResponse:
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


# --- history ------------------------------------------------------------------------------


def _choice_label(choices, value) -> str:
    if value in (None, ""):
        return "—"
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _plain(value) -> str:
    return "—" if value in (None, "", []) else str(value)


def _actor_name(event: Event) -> str:
    if event.actor_id:
        return event.actor.name
    if event.actor_contact_id:
        return event.actor_contact.name
    return _("Karcis")


_CHOICE_CHANGES = {
    "desk.ticket.status_changed": (Status, gettext_lazy("Status")),
    "desk.ticket.priority_changed": (Priority, gettext_lazy("Priority")),
    "desk.ticket.type_changed": (TicketType, gettext_lazy("Type")),
}
_NAME_CHANGES = {
    "desk.ticket.category_changed": gettext_lazy("Category"),
    "desk.ticket.team_changed": gettext_lazy("Team"),
}


def history_entries(events: list[Event], custom_fields: list[CustomField]) -> list[dict]:
    """The ticket's events as sentences: {"text", "by" (when not in the text), "at"}."""
    labels = {field.key: field.label for field in custom_fields}
    entries = []
    for event in events:
        actor = _actor_name(event)
        text, by = _describe(event, actor, labels)
        entries.append({"text": text, "by": by, "at": event.created_at, "type": event.type})
    return entries


def _describe(event: Event, actor: str, labels: dict[str, str]) -> tuple[str, str]:
    payload = event.payload or {}
    old, new = payload.get("from"), payload.get("to")
    kind = event.type
    if kind == "desk.ticket.created":
        channel = _choice_label(Channel, payload.get("channel"))
        if event.actor_id:
            return _("%(actor)s opened the ticket (%(channel)s)") % {
                "actor": actor,
                "channel": channel,
            }, ""
        return _("%(actor)s submitted the ticket (%(channel)s)") % {
            "actor": actor,
            "channel": channel,
        }, ""
    if kind in _CHOICE_CHANGES:
        choices, label = _CHOICE_CHANGES[kind]
        return f"{label}: {_choice_label(choices, old)} → {_choice_label(choices, new)}", actor
    if kind in _NAME_CHANGES:
        return f"{_NAME_CHANGES[kind]}: {_plain(old)} → {_plain(new)}", actor
    if kind == "desk.ticket.assigned":
        if new:
            return _("%(actor)s assigned to %(assignee)s") % {"actor": actor, "assignee": new}, ""
        return _("%(actor)s unassigned %(assignee)s") % {
            "actor": actor,
            "assignee": _plain(old),
        }, ""
    if kind == "desk.ticket.subject_changed":
        return _("Subject: “%(old)s” → “%(new)s”") % {"old": _plain(old), "new": _plain(new)}, actor
    if kind == "desk.ticket.tags_changed":
        return _tags_sentence(old or [], new or []), actor
    if kind == "desk.ticket.fields_changed":
        old, new = old or {}, new or {}
        parts = [
            f"{labels.get(key, key)}: {_plain(old.get(key))} → {_plain(new.get(key))}"
            for key in sorted(set(old) | set(new))
            if old.get(key) != new.get(key)
        ]
        return "; ".join(parts) or _("Custom fields changed"), actor
    if kind == "desk.message.reply_added":
        return _("%(actor)s replied") % {"actor": actor}, ""
    if kind == "desk.message.note_added":
        return _("%(actor)s added an internal note") % {"actor": actor}, ""
    if kind == "desk.ticket.participants_added":
        return _("Now following the ticket (CC): %(names)s") % {
            "names": ", ".join(payload.get("participants", []))
        }, actor
    if kind == "desk.message.delivery_failed":
        return _("A reply could not be delivered by e-mail: %(reason)s") % {
            "reason": _plain(payload.get("reason"))
        }, ""
    if kind in ("messaging.delivery.sent", "messaging.delivery.failed"):
        return _mail_delivery_sentence(kind, payload), ""
    # Events of other modules (SLA, automation…) still show, by their name.
    return kind.replace("_", " "), actor


def _mail_delivery_sentence(kind: str, payload: dict) -> str:
    what = (
        _("The automatic reply")
        if payload.get("kind") == "auto_reply"
        else _("The notice that the ticket is solved")
    )
    to = ", ".join(payload.get("to", []))
    if kind == "messaging.delivery.sent":
        return _("%(what)s was e-mailed to %(to)s") % {"what": what, "to": to}
    return _("%(what)s could not be e-mailed to %(to)s: %(reason)s") % {
        "what": what,
        "to": to,
        "reason": _plain(payload.get("reason")),
    }


def _tags_sentence(old: list[str], new: list[str]) -> str:
    added = [name for name in new if name not in old]
    removed = [name for name in old if name not in new]
    parts = []
    if added:
        parts.append(_("Tags added: %(tags)s") % {"tags": ", ".join(added)})
    if removed:
        parts.append(_("Tags removed: %(tags)s") % {"tags": ", ".join(removed)})
    return "; ".join(parts) or _("Tags changed")
