"""The workspace's own screens: where work starts, Settings (its overview, and the
organisation, teams, agents and roles), and a person's notifications.

Every view reads the signed-in person's own organisation, parses a form, calls one service
or selector, and redirects after a successful POST (an invalid one answers 400 with the
form). Who may open each is said by its guard (workspace.guards).
"""

import copy
import secrets
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from karcis.core import permissions, selectors, services
from karcis.core.forms import service_errors_to_form
from karcis.workspace.forms import (
    AgentCreateForm,
    AgentEditForm,
    OrganisationForm,
    RoleForm,
    TeamForm,
    preferences_from,
)
from karcis.workspace.guards import StaffRequest, capability_required, forbidden, staff_required
from karcis.workspace.navigation import sections_for, settings_capabilities
from karcis.workspace.pages import form_page, settings_invalid, settings_page

# The session key that carries a generated password to the one page that shows it.
NEW_PASSWORD_SESSION_KEY = "karcis.settings.new_password"
# No look-alike characters (0/O, 1/l/I): the password is read out or copied by hand.
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
NOTIFICATIONS_PER_PAGE = 30
PANEL_SIZE = 8

get_head_post = require_http_methods(["GET", "HEAD", "POST"])
get_head = require_http_methods(["GET", "HEAD"])


def generated_password() -> str:
    groups = ("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3))
    return "-".join(groups)


def settings_required(capability: str):  # type: ignore[no-untyped-def]
    return capability_required(capability, settings_page=True)


# --- where work starts ----------------------------------------------------------------------


def staff_home(user: Any) -> str:
    """The first section of the top bar this person may open; their notifications if none."""
    from django.urls import reverse

    sections = sections_for(user)
    return sections[0]["url"] if sections else reverse("workspace:notifications")


# --- overview -------------------------------------------------------------------------------


def any_settings_page_required(view):  # type: ignore[no-untyped-def]
    """Staff who may open at least one page of Settings (which capabilities open one is only
    known once every app has registered its pages, so it is asked at each request)."""

    @staff_required
    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not any(permissions.user_can(request.user, name) for name in settings_capabilities()):
            return forbidden(request, settings_page=True)
        return view(request, *args, **kwargs)

    # The denial tests read this: refused to anyone who holds no Settings capability.
    guarded.capabilities = ("settings:any",)  # type: ignore[attr-defined]
    return guarded


@any_settings_page_required
@get_head
def settings_index(request: StaffRequest) -> HttpResponse:
    """The overview of the Settings pages the person may open."""
    return settings_page(request, "workspace/settings/index.html", {}, active="index")


# --- organisation ---------------------------------------------------------------------------


@settings_required(permissions.ORGANISATION_MANAGE)
@get_head_post
def organisation(request: StaffRequest) -> HttpResponse:
    current = request.user.organisation
    form = OrganisationForm(request.POST or None, initial=OrganisationForm.initial_for(current))
    context = {"form": form}
    template = "workspace/settings/organisation.html"
    if request.method != "POST":
        return settings_page(request, template, context, active="organisation")
    if form.is_valid():
        changes = {
            name: value
            for name, value in form.cleaned_data.items()
            if getattr(current, name) != value
        }
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("workspace:settings_organisation")
        old_prefix = current.ticket_prefix
        try:
            # The service sets the fields before it validates them; a copy keeps a refused
            # change out of the page header, which shows the organisation's name.
            services.organisation_update(
                organisation=copy.copy(current), actor=request.user, **changes
            )
        except ValidationError as error:
            service_errors_to_form(form, error)
        else:
            messages.success(request, _("The organisation settings have been saved."))
            if "ticket_prefix" in changes:
                messages.warning(
                    request,
                    _(
                        "New tickets are numbered %(new)s-…; tickets that already exist keep "
                        "their %(old)s-… numbers."
                    )
                    % {"new": changes["ticket_prefix"], "old": old_prefix},
                )
            return redirect("workspace:settings_organisation")
    return settings_invalid(request, template, context, active="organisation")


# --- teams ----------------------------------------------------------------------------------


@settings_required(permissions.STAFF_MANAGE)
@get_head
def teams(request: StaffRequest) -> HttpResponse:
    rows = selectors.teams_with_member_counts(organisation=request.user.organisation)
    return settings_page(request, "workspace/settings/teams.html", {"teams": rows}, active="teams")


@settings_required(permissions.STAFF_MANAGE)
@get_head_post
def team_create(request: StaffRequest) -> HttpResponse:
    organisation = request.user.organisation
    form = TeamForm(request.POST or None, organisation=organisation)

    def save(data: dict[str, Any]) -> str:
        team = services.team_create(
            organisation=organisation,
            name=data["name"],
            description=data["description"],
            members=list(data["members"]),
            capabilities=list(data["capabilities"]),
            actor=request.user,
        )
        return _("Team “%(name)s” has been created.") % {"name": team.name}

    return form_page(
        request,
        form,
        template="workspace/settings/team_form.html",
        context={"form": form, "team": None},
        active="teams",
        save=save,
        done="workspace:settings_teams",
    )


@settings_required(permissions.STAFF_MANAGE)
@get_head_post
def team_edit(request: StaffRequest, pk: int) -> HttpResponse:
    organisation = request.user.organisation
    team = get_object_or_404(selectors.teams_of(organisation=organisation), pk=pk)
    initial = {
        "name": team.name,
        "description": team.description,
        "members": list(team.members.all()),
        "capabilities": list(team.capabilities),
    }
    form = TeamForm(request.POST or None, initial=initial, organisation=organisation, team=team)

    def save(data: dict[str, Any]) -> str:
        services.team_update(
            team=team,
            actor=request.user,
            name=data["name"],
            description=data["description"],
            members=list(data["members"]),
            capabilities=list(data["capabilities"]),
        )
        return _("Team “%(name)s” has been saved.") % {"name": team.name}

    return form_page(
        request,
        form,
        template="workspace/settings/team_form.html",
        context={"form": form, "team": team},
        active="teams",
        save=save,
        done="workspace:settings_teams",
    )


# --- agents ---------------------------------------------------------------------------------


@settings_required(permissions.STAFF_MANAGE)
@get_head
def agents(request: StaffRequest) -> HttpResponse:
    organisation = request.user.organisation
    # Each agent gains its `role_name`, for the template.
    rows: list[Any] = list(selectors.staff_directory_of(organisation=organisation))
    role_names = {
        role["key"]: role["name"] for role in selectors.roles_of(organisation=organisation)
    }
    for agent in rows:
        agent.role_name = role_names.get(agent.role, agent.role)
    # Shown once: popping it from the session means a reload no longer shows it.
    new_password = request.session.pop(NEW_PASSWORD_SESSION_KEY, None)
    context = {"agents": rows, "new_password": new_password}
    return settings_page(request, "workspace/settings/agents.html", context, active="agents")


@settings_required(permissions.STAFF_MANAGE)
@get_head_post
def agent_create(request: StaffRequest) -> HttpResponse:
    organisation = request.user.organisation
    form = AgentCreateForm(request.POST or None, organisation=organisation)

    def save(data: dict[str, Any]) -> str:
        password = data["password"] or generated_password()
        agent = services.staff_user_create(
            organisation=organisation,
            email=data["email"],
            name=data["name"],
            role=data["role"],
            password=password,
            teams=list(data["teams"]),
            sees_all_tickets=data["sees_all_tickets"],
            actor=request.user,
        )
        if not data["password"]:
            request.session[NEW_PASSWORD_SESSION_KEY] = {
                "name": agent.name,
                "email": agent.email,
                "password": password,
            }
        return _("%(name)s can now sign in as %(email)s.") % {
            "name": agent.name,
            "email": agent.email,
        }

    return form_page(
        request,
        form,
        template="workspace/settings/agent_form.html",
        context={"form": form, "agent": None},
        active="agents",
        save=save,
        done="workspace:settings_agents",
    )


@settings_required(permissions.STAFF_MANAGE)
@get_head_post
def agent_edit(request: StaffRequest, pk: int) -> HttpResponse:
    organisation = request.user.organisation
    agent = get_object_or_404(selectors.staff_directory_of(organisation=organisation), pk=pk)
    form = AgentEditForm(
        request.POST or None, initial=AgentEditForm.initial_for(agent), organisation=organisation
    )

    def save(data: dict[str, Any]) -> str:
        services.staff_user_update(
            user=agent,
            actor=request.user,
            name=data["name"],
            role=data["role"],
            teams=list(data["teams"]),
            sees_all_tickets=data["sees_all_tickets"],
            is_active=data["is_active"],
        )
        return _("%(name)s has been saved.") % {"name": agent.name}

    context = {"form": form, "agent": agent, "is_self": agent.pk == request.user.pk}
    return form_page(
        request,
        form,
        template="workspace/settings/agent_form.html",
        context=context,
        active="agents",
        save=save,
        done="workspace:settings_agents",
    )


# --- roles ----------------------------------------------------------------------------------


def _capability_groups(granted: frozenset[str] | set[str]) -> list[dict[str, Any]]:
    """The staff capabilities by app, each marked whether the role holds it."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for capability in permissions.capabilities().values():
        if capability.staff:
            groups.setdefault(capability.app, []).append(
                {"capability": capability, "granted": capability.name in granted}
            )
    return [{"app": app, "capabilities": rows} for app, rows in groups.items()]


@settings_required(permissions.STAFF_MANAGE)
@get_head
def roles(request: StaffRequest) -> HttpResponse:
    rows = selectors.roles_of(organisation=request.user.organisation)
    for row in rows:
        row["groups"] = _capability_groups(row["capabilities"])
        row["count"] = sum(1 for name in row["capabilities"] if name in permissions.capabilities())
    context = {
        "roles": rows,
        "total": len([c for c in permissions.capabilities().values() if c.staff]),
    }
    return settings_page(request, "workspace/settings/roles.html", context, active="roles")


def _role_of(request: StaffRequest, pk: int) -> Any:
    return get_object_or_404(
        selectors.custom_roles_of(organisation=request.user.organisation), pk=pk
    )


@settings_required(permissions.STAFF_MANAGE)
@get_head_post
def role_create(request: StaffRequest) -> HttpResponse:
    organisation = request.user.organisation
    form = RoleForm(request.POST or None)

    def save(data: dict[str, Any]) -> str:
        role = services.custom_role_create(
            organisation=organisation,
            name=data["name"],
            description=data["description"],
            capabilities=list(data["capabilities"]),
            actor=request.user,
        )
        return _("Role “%(name)s” has been created. Give it to people under Agents.") % {
            "name": role.name
        }

    return form_page(
        request,
        form,
        template="workspace/settings/role_form.html",
        context={"form": form, "role": None},
        active="roles",
        save=save,
        done="workspace:settings_roles",
    )


@settings_required(permissions.STAFF_MANAGE)
@get_head_post
def role_edit(request: StaffRequest, pk: int) -> HttpResponse:
    role = _role_of(request, pk)
    form = RoleForm(request.POST or None, initial=RoleForm.initial_for(role))
    name = role.name

    def save(data: dict[str, Any]) -> str:
        services.custom_role_update(
            role=role,
            actor=request.user,
            name=data["name"],
            description=data["description"],
            capabilities=list(data["capabilities"]),
        )
        return _("Role “%(name)s” has been saved.") % {"name": role.name}

    return form_page(
        request,
        form,
        template="workspace/settings/role_form.html",
        context={"form": form, "role": role, "stored_name": name},
        active="roles",
        save=save,
        done="workspace:settings_roles",
    )


@settings_required(permissions.STAFF_MANAGE)
@require_POST
def role_delete(request: StaffRequest, pk: int) -> HttpResponse:
    role = _role_of(request, pk)
    name = role.name
    try:
        services.custom_role_delete(role=role, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("workspace:settings_role_edit", pk=pk)
    messages.success(request, _("Role “%(name)s” has been deleted.") % {"name": name})
    return redirect("workspace:settings_roles")


# --- notifications --------------------------------------------------------------------------


@staff_required
@get_head
def notifications(request: StaffRequest) -> HttpResponse:
    """Every notification of the person, newest first, a page at a time."""
    page = Paginator(
        selectors.notifications_of(user=request.user).select_related("actor", "actor_contact"),
        NOTIFICATIONS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    entries = selectors.notification_entries(list(page.object_list))
    context = {
        "section": "notifications",
        "page": page,
        "entries": entries,
        "unread": selectors.notifications_unread_count(user=request.user),
    }
    return render(request, "workspace/notifications.html", context)


@staff_required
@get_head
def notifications_panel(request: StaffRequest) -> HttpResponse:
    """The bell's panel: the latest notifications (an htmx fragment)."""
    return _panel(request)


def _panel(request: StaffRequest) -> HttpResponse:
    latest = list(
        selectors.notifications_of(user=request.user).select_related("actor", "actor_contact")[
            :PANEL_SIZE
        ]
    )
    context = {
        "entries": selectors.notification_entries(latest),
        "unread": selectors.notifications_unread_count(user=request.user),
    }
    return render(request, "workspace/partials/notifications_panel.html", context)


@staff_required
@get_head
def notifications_count(request: StaffRequest) -> JsonResponse:
    """The unread count, for a page whose websocket cannot stay open."""
    return JsonResponse({"unread": selectors.notifications_unread_count(user=request.user)})


@staff_required
@get_head
def notification_open(request: StaffRequest, pk: int) -> HttpResponse:
    """Follow a notification: it is read from now on."""
    notice = selectors.notifications_of(user=request.user).filter(pk=pk).first()
    if notice is None:
        raise Http404("No such notification")
    services.notifications_mark_read(user=request.user, ids=[notice.pk])
    entry = selectors.notification_entries([notice])[0]
    return redirect(entry["url"] or "workspace:notifications")


@staff_required
@require_POST
def notifications_read(request: StaffRequest) -> HttpResponseBase:
    """Mark every notification read; htmx gets the panel back, a form post the page."""
    services.notifications_mark_read(user=request.user)
    if request.htmx:
        return _panel(request)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    return redirect(back or "workspace:notifications")


@staff_required
@get_head_post
def notification_preferences(request: StaffRequest) -> HttpResponse:
    """Which notifications reach the person, and where: in Karcis, by e-mail."""
    rows = selectors.notification_preferences_of(user=request.user)
    if request.method == "POST":
        services.notification_preferences_set(
            user=request.user, wanted=preferences_from(request.POST, rows)
        )
        messages.success(request, _("Your notification choices have been saved."))
        return redirect("workspace:notification_preferences")
    context = {"section": "notifications", "rows": rows}
    return render(request, "workspace/notification_preferences.html", context)
