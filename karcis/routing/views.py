"""Routing's pages: under Settings (rules, team assignment, required skills, the preview),
and the availability control every agent reaches from the workspace's top bar."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from karcis.core.selectors import staff_directory_of, teams_of
from karcis.desk import selectors as desk_selectors
from karcis.routing import selectors, services
from karcis.routing.forms import AgentForm, ModeForm, PreviewForm, RuleForm, StatusForm
from karcis.routing.language import LANGUAGES
from karcis.routing.models import AgentStatus, Mode
from karcis.routing.permissions import SETTINGS_MANAGE, STATUS_SET
from karcis.workspace.guards import capability_required
from karcis.workspace.pages import form_page, settings_invalid, settings_page

safe_methods = require_http_methods(["GET", "HEAD", "POST"])
settings_required = capability_required(SETTINGS_MANAGE, settings_page=True)


# --- rules ----------------------------------------------------------------------------------


@settings_required
@require_http_methods(["GET", "HEAD"])
def rules(request):
    organisation = request.user.organisation
    rows = list(selectors.rules_of(organisation=organisation))
    categories = {c.pk: c.path for c in desk_selectors.categories_of(organisation=organisation)}
    for rule in rows:
        setattr(rule, "summary", _summary(rule, categories))  # noqa: B010 (for the template)
    return settings_page(request, "routing/settings/rules.html", {"rules": rows}, active="routing")


def _summary(rule: Any, categories: dict[int, str]) -> list[str]:
    """The rule's conditions in words, for the list."""
    parts = []
    if rule.categories:
        names = ", ".join(categories.get(c, "?") for c in rule.categories)
        parts.append(_("category: %(values)s") % {"values": names})
    if rule.channels:
        parts.append(_("channel: %(values)s") % {"values": ", ".join(rule.channels)})
    if rule.mailboxes:
        parts.append(_("mailboxes: %(count)d") % {"count": len(rule.mailboxes)})
    if rule.languages:
        parts.append(_("language: %(values)s") % {"values": ", ".join(rule.languages)})
    if rule.keywords:
        parts.append(_("words: %(values)s") % {"values": ", ".join(rule.keywords)})
    if rule.companies:
        parts.append(_("organisation: %(values)s") % {"values": ", ".join(rule.companies)})
    return parts or [_("every ticket without a team")]


def _rule_data(data: dict[str, Any], organisation: Any) -> dict[str, Any]:
    team = teams_of(organisation=organisation).filter(pk=data["team"]).first()
    return {
        "name": data["name"],
        "team": team,
        "is_active": data["is_active"],
        "categories": data["categories"],
        "channels": data["channels"],
        "mailboxes": data["mailboxes"],
        "languages": data["languages"],
        "keywords": data["keywords"],
        "companies": data["companies"],
    }


@settings_required
@safe_methods
def rule_create(request):
    organisation = request.user.organisation
    form = RuleForm(request.POST or None, organisation=organisation)

    def save(data):
        rule = services.rule_create(
            organisation=organisation, actor=request.user, **_rule_data(data, organisation)
        )
        return _("Rule “%(name)s” has been created.") % {"name": rule.name}

    return form_page(
        request,
        form,
        template="routing/settings/rule_form.html",
        context={"form": form, "rule": None},
        active="routing",
        save=save,
        done="routing:settings_rules",
    )


def _rule_of(request, pk: int):
    return get_object_or_404(selectors.rules_of(organisation=request.user.organisation), pk=pk)


@settings_required
@safe_methods
def rule_edit(request, pk: int):
    organisation = request.user.organisation
    rule = _rule_of(request, pk)
    form = RuleForm(
        request.POST or None, initial=RuleForm.initial_for(rule), organisation=organisation
    )

    def save(data):
        services.rule_update(rule=rule, actor=request.user, **_rule_data(data, organisation))
        return _("Rule “%(name)s” has been saved.") % {"name": rule.name}

    return form_page(
        request,
        form,
        template="routing/settings/rule_form.html",
        context={"form": form, "rule": rule},
        active="routing",
        save=save,
        done="routing:settings_rules",
    )


@settings_required
@require_POST
def rule_delete(request, pk: int):
    rule = _rule_of(request, pk)
    name = rule.name
    services.rule_delete(rule=rule, actor=request.user)
    messages.success(request, _("Rule “%(name)s” has been deleted.") % {"name": name})
    return redirect("routing:settings_rules")


@settings_required
@require_POST
def rule_move(request, pk: int):
    rule = _rule_of(request, pk)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        messages.error(request, _("That request was not understood. Use the arrows."))
        return redirect("routing:settings_rules")
    services.rule_move(rule=rule, actor=request.user, up=direction == "up")
    return redirect(reverse("routing:settings_rules") + f"#rule-{rule.pk}")


# --- team assignment ------------------------------------------------------------------------


@settings_required
@require_http_methods(["GET", "HEAD"])
def assignment(request):
    organisation = request.user.organisation
    teams = list(teams_of(organisation=organisation))
    modes = {
        state.team_id: state.mode for state in selectors.team_routings_of(organisation=organisation)
    }
    for team in teams:
        setattr(team, "mode", modes.get(team.pk, Mode.MANUAL))  # noqa: B010
    agents = list(staff_directory_of(organisation=organisation))
    profiles = selectors.agent_profiles_of(organisation=organisation)
    loads = desk_selectors.unsolved_counts_of(
        organisation_id=organisation.pk, user_ids=[a.pk for a in agents]
    )
    for agent in agents:
        setattr(agent, "profile", profiles.get(agent.pk))  # noqa: B010
        setattr(agent, "load", loads.get(agent.pk, 0))  # noqa: B010
    context = {"teams": teams, "agents": agents, "modes": Mode.choices}
    return settings_page(request, "routing/settings/assignment.html", context, active="assignment")


@settings_required
@require_POST
def team_mode(request, pk: int):
    team = get_object_or_404(teams_of(organisation=request.user.organisation), pk=pk)
    form = ModeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the assignment modes."))
        return redirect("routing:settings_assignment")
    services.team_mode_set(team=team, mode=form.cleaned_data["mode"], actor=request.user)
    label = Mode(form.cleaned_data["mode"]).label
    messages.success(
        request, _("Team “%(team)s” now assigns: %(mode)s.") % {"team": team.name, "mode": label}
    )
    return redirect("routing:settings_assignment")


@settings_required
@safe_methods
def agent_edit(request, pk: int):
    organisation = request.user.organisation
    agent = get_object_or_404(staff_directory_of(organisation=organisation), pk=pk)
    profile = selectors.agent_profile_of(user=agent)
    initial = {
        "capacity": profile.capacity if profile else 10,
        "skills": ", ".join(profile.skills) if profile else "",
    }
    form = AgentForm(request.POST or None, initial=initial)

    def save(data):
        services.agent_settings_set(
            agent=agent, actor=request.user, capacity=data["capacity"], skills=data["skills"]
        )
        return _("%(name)s's capacity and skills have been saved.") % {"name": agent.name}

    return form_page(
        request,
        form,
        template="routing/settings/agent_form.html",
        context={"form": form, "agent": agent},
        active="assignment",
        save=save,
        done="routing:settings_assignment",
    )


# --- required skills ------------------------------------------------------------------------


@settings_required
@safe_methods
def skills(request):
    organisation = request.user.organisation
    categories = list(desk_selectors.categories_of(organisation=organisation))
    existing = selectors.skill_requirements_of(organisation=organisation)
    by_category = {r.category: r.skills for r in existing if r.category is not None}
    by_language = {r.language: r.skills for r in existing if r.language}
    language_names = {"id": "Bahasa Indonesia", "en": "English"}
    rows: list[dict[str, Any]] = [
        {
            "key": f"category-{c.pk}",
            "label": c.path,
            "category": c,
            "language": "",
            "skills": ", ".join(by_category.get(c.pk, [])),
        }
        for c in categories
    ] + [
        {
            "key": f"language-{code}",
            "label": language_names[code],
            "category": None,
            "language": code,
            "skills": ", ".join(by_language.get(code, [])),
        }
        for code in LANGUAGES
    ]
    if request.method == "POST":
        try:
            for row in rows:
                typed = request.POST.get(row["key"], "")
                if len(typed) > 1000:
                    raise ValidationError(_("At most %(n)d characters.") % {"n": 1000})
                wanted = services.split_values(typed)
                if ", ".join(sorted(wanted)) == row["skills"]:
                    continue
                services.skills_required_set(
                    organisation=organisation,
                    actor=request.user,
                    skills=wanted,
                    category=row["category"],
                    language=row["language"],
                )
        except ValidationError as error:
            for row in rows:
                row["skills"] = request.POST.get(row["key"], "")
            context = {"rows": rows, "errors": error.messages}
            return settings_invalid(
                request, "routing/settings/skills.html", context, active="skills"
            )
        messages.success(request, _("The required skills have been saved."))
        return redirect("routing:settings_skills")
    return settings_page(request, "routing/settings/skills.html", {"rows": rows}, active="skills")


# --- preview --------------------------------------------------------------------------------


@settings_required
@require_http_methods(["GET", "HEAD"])
def preview(request):
    organisation = request.user.organisation
    form = PreviewForm(request.GET or None, organisation=organisation)
    result = None
    status = 200
    if request.GET:
        if form.is_valid():
            data = form.cleaned_data
            now = timezone.now()
            if data["number"]:
                ticket = desk_selectors.ticket_get_by_number(
                    organisation=organisation, number=data["number"]
                )
                if ticket is None:
                    form.add_error("number", _("No ticket has this number."))
                    status = 400
                else:
                    facts = selectors.facts_of_ticket(ticket)
                    result = selectors.routing_preview(
                        organisation=organisation, facts=facts, now=now, ticket=ticket
                    )
            else:
                facts = selectors.facts_typed(
                    organisation=organisation,
                    subject=data["subject"],
                    text=data["text"],
                    channel=data["channel"],
                    category_id=data["category"],
                    company=data["company"],
                    account_language=data["language"],
                )
                result = selectors.routing_preview(organisation=organisation, facts=facts, now=now)
        else:
            status = 400
    context = {"form": form, "result": result}
    return settings_page(
        request, "routing/settings/preview.html", context, active="routing-preview", status=status
    )


# --- one's own availability -----------------------------------------------------------------


@capability_required(STATUS_SET)
@safe_methods
def my_status(request):
    """GET: the control (a fragment for htmx, the page otherwise); POST: set it."""
    user = request.user
    if request.method == "POST":
        form = StatusForm(request.POST)
        if not form.is_valid():
            return _status_response(request, status=400, error=True)
        services.agent_status_set(agent=user, status=form.cleaned_data["status"], actor=user)
        if not request.htmx:
            messages.success(request, _("Your status has been saved."))
            return redirect(request.POST.get("next") or reverse("routing:status"))
    return _status_response(request)


def _status_response(request, *, status: int = 200, error: bool = False) -> HttpResponse:
    profile = selectors.agent_profile_of(user=request.user)
    current = profile.status if profile else AgentStatus.OFF
    context = {
        "current": current,
        "current_label": AgentStatus(current).label,
        "statuses": AgentStatus.choices,
        "since": profile.status_changed_at if profile else None,
        "error": error,
    }
    template = "routing/partials/status.html" if request.htmx else "routing/status.html"
    return render(request, template, context, status=status)


urlpatterns = [
    path("settings/routing/", rules, name="settings_rules"),
    path("settings/routing/new/", rule_create, name="settings_rule_create"),
    path("settings/routing/<int:pk>/", rule_edit, name="settings_rule_edit"),
    path("settings/routing/<int:pk>/delete/", rule_delete, name="settings_rule_delete"),
    path("settings/routing/<int:pk>/move/", rule_move, name="settings_rule_move"),
    path("settings/routing/preview/", preview, name="settings_preview"),
    path("settings/assignment/", assignment, name="settings_assignment"),
    path("settings/assignment/teams/<int:pk>/", team_mode, name="settings_team_mode"),
    path("settings/assignment/agents/<int:pk>/", agent_edit, name="settings_agent"),
    path("settings/skills/", skills, name="settings_skills"),
    path("me/status/", my_status, name="status"),
]
