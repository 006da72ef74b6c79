"""Settings screens of the agent workspace, for organisation admins.

Every view reads the admin's own organisation, parses a form, calls one service or
selector, and redirects after a successful POST (an invalid one answers 400 with the form).
"""

import copy
import secrets
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from karcis.core import selectors as core_selectors
from karcis.core import services as core_services
from karcis.desk import selectors, services
from karcis.desk.settings_forms import (
    ActiveForm,
    AgentCreateForm,
    AgentEditForm,
    CategoryCreateForm,
    CategoryRenameForm,
    CustomFieldCreateForm,
    CustomFieldEditForm,
    OrganisationForm,
    TagRenameForm,
    TeamForm,
    add_service_errors,
)

# The session key that carries a generated password to the one page that shows it.
NEW_PASSWORD_SESSION_KEY = "karcis.settings.new_password"
# No look-alike characters (0/O, 1/l/I): the password is read out or copied by hand.
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

safe_methods = require_http_methods(["GET", "HEAD", "POST"])


def admin_required(view):
    """Organisation admins only. Anonymous visitors go to the login page, customers to their
    portal, other staff get a friendly 403 page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if user.is_org_admin:
            return view(request, *args, **kwargs)
        if user.is_staff_member:
            return render(
                request, "desk/settings/forbidden.html", {"section": "settings"}, status=403
            )
        if user.organisation_id is not None:
            return redirect("portal:my_tickets", org=user.organisation.slug)
        raise PermissionDenied

    return wrapper


def page(request, template: str, context: dict, *, active: str, status: int = 200):
    context = {"section": "settings", "active_view": f"settings-{active}", **context}
    return render(request, template, context, status=status)


def invalid(request, template: str, context: dict, *, active: str):
    """The form again, with its errors, as a 400: the browser shows it, clients see the failure."""
    return page(request, template, context, active=active, status=400)


def form_page(request, form, *, template: str, context: dict, active: str, save, done: str):
    """The life of every settings form: GET shows it; a valid POST calls `save(cleaned_data)`,
    which calls one service and returns the success message, then goes to `done`; anything
    else (invalid input, or the service refusing) shows the form again with its errors."""
    if request.method != "POST":
        return page(request, template, context, active=active)
    if form.is_valid():
        try:
            message = save(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, message)
            return redirect(done)
    return invalid(request, template, context, active=active)


def generated_password() -> str:
    groups = ("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3))
    return "-".join(groups)


# --- overview -------------------------------------------------------------------------------


@admin_required
@safe_methods
def index(request):
    return page(request, "desk/settings/index.html", {}, active="index")


# --- organisation ---------------------------------------------------------------------------


@admin_required
@safe_methods
def organisation(request):
    current = request.user.organisation
    form = OrganisationForm(request.POST or None, initial=OrganisationForm.initial_for(current))
    context = {"form": form}
    if request.method != "POST":
        return page(request, "desk/settings/organisation.html", context, active="organisation")
    if form.is_valid():
        changes = {
            name: value
            for name, value in form.cleaned_data.items()
            if getattr(current, name) != value
        }
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("desk:settings_organisation")
        old_prefix = current.ticket_prefix
        try:
            # The service sets the fields before it validates them; a copy keeps a refused
            # change out of the page header, which shows the organisation's name.
            core_services.organisation_update(
                organisation=copy.copy(current), actor=request.user, **changes
            )
        except ValidationError as error:
            add_service_errors(form, error)
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
            return redirect("desk:settings_organisation")
    return invalid(request, "desk/settings/organisation.html", context, active="organisation")


# --- teams ----------------------------------------------------------------------------------


@admin_required
@require_http_methods(["GET", "HEAD"])
def teams(request):
    rows = core_selectors.teams_with_member_counts(organisation=request.user.organisation)
    return page(request, "desk/settings/teams.html", {"teams": rows}, active="teams")


@admin_required
@safe_methods
def team_create(request):
    organisation = request.user.organisation
    form = TeamForm(request.POST or None, organisation=organisation)

    def save(data):
        team = core_services.team_create(
            organisation=organisation,
            name=data["name"],
            description=data["description"],
            members=list(data["members"]),
            actor=request.user,
        )
        return _("Team “%(name)s” has been created.") % {"name": team.name}

    return form_page(
        request,
        form,
        template="desk/settings/team_form.html",
        context={"form": form, "team": None},
        active="teams",
        save=save,
        done="desk:settings_teams",
    )


@admin_required
@safe_methods
def team_edit(request, pk: int):
    organisation = request.user.organisation
    team = get_object_or_404(core_selectors.teams_of(organisation=organisation), pk=pk)
    initial = {
        "name": team.name,
        "description": team.description,
        "members": list(team.members.all()),
    }
    form = TeamForm(request.POST or None, initial=initial, organisation=organisation, team=team)

    def save(data):
        core_services.team_update(
            team=team,
            actor=request.user,
            name=data["name"],
            description=data["description"],
            members=list(data["members"]),
        )
        return _("Team “%(name)s” has been saved.") % {"name": team.name}

    return form_page(
        request,
        form,
        template="desk/settings/team_form.html",
        context={"form": form, "team": team},
        active="teams",
        save=save,
        done="desk:settings_teams",
    )


# --- agents ---------------------------------------------------------------------------------


@admin_required
@require_http_methods(["GET", "HEAD"])
def agents(request):
    rows = core_selectors.staff_directory_of(organisation=request.user.organisation)
    # Shown once: popping it from the session means a reload no longer shows it.
    new_password = request.session.pop(NEW_PASSWORD_SESSION_KEY, None)
    context = {"agents": rows, "new_password": new_password}
    return page(request, "desk/settings/agents.html", context, active="agents")


@admin_required
@safe_methods
def agent_create(request):
    organisation = request.user.organisation
    form = AgentCreateForm(request.POST or None, organisation=organisation)

    def save(data):
        password = data["password"] or generated_password()
        agent = core_services.staff_user_create(
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
        template="desk/settings/agent_form.html",
        context={"form": form, "agent": None},
        active="agents",
        save=save,
        done="desk:settings_agents",
    )


@admin_required
@safe_methods
def agent_edit(request, pk: int):
    organisation = request.user.organisation
    agent = get_object_or_404(core_selectors.users_visible_to(user=request.user), pk=pk)
    form = AgentEditForm(
        request.POST or None, initial=AgentEditForm.initial_for(agent), organisation=organisation
    )

    def save(data):
        core_services.staff_user_update(
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
        template="desk/settings/agent_form.html",
        context=context,
        active="agents",
        save=save,
        done="desk:settings_agents",
    )


# --- categories -----------------------------------------------------------------------------


@admin_required
@require_http_methods(["GET", "HEAD"])
def categories(request):
    tree = selectors.category_tree_of(organisation=request.user.organisation)
    return page(request, "desk/settings/categories.html", {"categories": tree}, active="categories")


@admin_required
@safe_methods
def category_create(request):
    organisation = request.user.organisation
    initial = {"parent": request.GET.get("parent")} if request.GET.get("parent") else None
    form = CategoryCreateForm(request.POST or None, initial=initial, organisation=organisation)

    def save(data):
        category = services.category_create(
            organisation=organisation, name=data["name"], parent=data["parent"], actor=request.user
        )
        return _("Category “%(name)s” has been created.") % {"name": category.path}

    return form_page(
        request,
        form,
        template="desk/settings/category_form.html",
        context={"form": form, "category": None},
        active="categories",
        save=save,
        done="desk:settings_categories",
    )


def _category_of(request, pk: int):
    organisation = request.user.organisation
    queryset = selectors.categories_of(organisation=organisation, active_only=False)
    return get_object_or_404(queryset.select_related("parent"), pk=pk)


@admin_required
@safe_methods
def category_edit(request, pk: int):
    category = _category_of(request, pk)
    form = CategoryRenameForm(
        request.POST or None,
        initial={"name": category.name},
        organisation=request.user.organisation,
        category=category,
    )

    def save(data):
        services.category_update(category=category, actor=request.user, name=data["name"])
        return _("Category “%(name)s” has been saved.") % {"name": category.path}

    return form_page(
        request,
        form,
        template="desk/settings/category_form.html",
        context={"form": form, "category": category},
        active="categories",
        save=save,
        done="desk:settings_categories",
    )


@admin_required
@require_POST
def category_set_active(request, pk: int):
    category = _category_of(request, pk)
    form = ActiveForm(request.POST)
    if not form.is_valid():
        rename = CategoryRenameForm(
            initial={"name": category.name},
            organisation=request.user.organisation,
            category=category,
        )
        context = {"form": rename, "category": category, "active_error": True}
        return invalid(request, "desk/settings/category_form.html", context, active="categories")
    active = form.cleaned_data["is_active"]
    services.category_update(category=category, actor=request.user, is_active=active)
    if active:
        text = _("Category “%(name)s” is active again.")
    else:
        text = _(
            "Category “%(name)s” has been deactivated. Tickets keep it; new tickets cannot use it."
        )
    messages.success(request, text % {"name": category.path})
    return redirect("desk:settings_categories")


# --- custom fields --------------------------------------------------------------------------


@admin_required
@require_http_methods(["GET", "HEAD"])
def custom_fields(request):
    rows = selectors.custom_fields_all_of(organisation=request.user.organisation)
    return page(request, "desk/settings/fields.html", {"fields": rows}, active="fields")


@admin_required
@safe_methods
def custom_field_create(request):
    organisation = request.user.organisation
    form = CustomFieldCreateForm(request.POST or None)

    def save(data):
        field = services.custom_field_create(
            organisation=organisation,
            key=data["key"],
            label=data["label"],
            kind=data["kind"],
            choices=data["choices"],
            required=data["required"],
            visible_to_customer=data["visible_to_customer"],
            actor=request.user,
        )
        return _("Field “%(label)s” has been created.") % {"label": field.label}

    return form_page(
        request,
        form,
        template="desk/settings/field_form.html",
        context={"form": form, "field": None},
        active="fields",
        save=save,
        done="desk:settings_fields",
    )


@admin_required
@safe_methods
def custom_field_edit(request, pk: int):
    organisation = request.user.organisation
    field = get_object_or_404(selectors.custom_fields_all_of(organisation=organisation), pk=pk)
    form = CustomFieldEditForm(
        request.POST or None, initial=CustomFieldEditForm.initial_for(field), field=field
    )

    def save(data):
        services.custom_field_update(
            field=field,
            actor=request.user,
            label=data["label"],
            choices=data.get("choices"),
            required=data["required"],
            visible_to_customer=data["visible_to_customer"],
            is_active=data["is_active"],
        )
        return _("Field “%(label)s” has been saved.") % {"label": field.label}

    return form_page(
        request,
        form,
        template="desk/settings/field_form.html",
        context={"form": form, "field": field},
        active="fields",
        save=save,
        done="desk:settings_fields",
    )


# --- tags -----------------------------------------------------------------------------------


@admin_required
@require_http_methods(["GET", "HEAD"])
def tags(request):
    rows = selectors.tags_with_usage_of(organisation=request.user.organisation)
    return page(request, "desk/settings/tags.html", {"tags": rows}, active="tags")


def _tag_of(request, pk: int):
    queryset = selectors.tags_with_usage_of(organisation=request.user.organisation)
    return get_object_or_404(queryset, pk=pk)


@admin_required
@safe_methods
def tag_edit(request, pk: int):
    tag = _tag_of(request, pk)
    form = TagRenameForm(request.POST or None, initial={"name": tag.name})
    old_name = tag.name

    def save(data):
        result = services.tag_rename(tag=tag, name=data["name"], actor=request.user)
        if result.pk != tag.pk:
            text = _("Tag “%(old)s” has been merged into “%(new)s”.")
        else:
            text = _("Tag “%(old)s” is now called “%(new)s”.")
        return text % {"old": old_name, "new": result.name}

    return form_page(
        request,
        form,
        template="desk/settings/tag_form.html",
        context={"form": form, "tag": tag},
        active="tags",
        save=save,
        done="desk:settings_tags",
    )


@admin_required
@require_POST
def tag_delete(request, pk: int):
    tag = _tag_of(request, pk)
    name = tag.name
    services.tag_delete(tag=tag, actor=request.user)
    messages.success(request, _("Tag “%(name)s” has been deleted.") % {"name": name})
    return redirect("desk:settings_tags")
