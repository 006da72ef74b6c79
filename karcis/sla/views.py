"""The SLA's pages: why a ticket is due when it is, and the policies in Settings."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from karcis.desk import selectors as desk_selectors
from karcis.desk.permissions import TICKET_VIEW
from karcis.sla import selectors, services
from karcis.sla.forms import MoveForm, PolicyForm
from karcis.sla.permissions import POLICIES_MANAGE
from karcis.workspace.guards import StaffRequest, capability_required
from karcis.workspace.pages import form_page, settings_invalid, settings_page

safe_methods = require_http_methods(["GET", "HEAD", "POST"])
settings_required = capability_required(POLICIES_MANAGE, settings_page=True)


@capability_required(TICKET_VIEW)
@require_http_methods(["GET", "HEAD"])
def ticket_explain(request: StaffRequest, number: str) -> HttpResponse:
    """How each due time of the ticket was worked out: policy, hours, stretches, pauses."""
    ticket = desk_selectors.ticket_get_for_user(user=request.user, number=number)
    explanation = selectors.explanation_of(ticket=ticket)
    return render(
        request,
        "sla/explain.html",
        {"section": "tickets", "ticket": ticket, "explanation": explanation},
    )


# --- settings -------------------------------------------------------------------------------


@settings_required
@require_http_methods(["GET", "HEAD"])
def policies(request: StaffRequest) -> HttpResponse:
    rows = selectors.policies_of(organisation=request.user.organisation).select_related("calendar")
    return settings_page(request, "sla/settings/policies.html", {"policies": rows}, active="sla")


@settings_required
@safe_methods
def policy_create(request: StaffRequest) -> HttpResponse:
    organisation = request.user.organisation
    form = PolicyForm(request.POST or None, organisation=organisation)

    def save(data: dict) -> str:
        policy = services.policy_create(
            organisation=organisation, actor=request.user, **form.policy_data()
        )
        return _("Policy “%(name)s” has been created.") % {"name": policy.name}

    return form_page(
        request,
        form,
        template="sla/settings/policy_form.html",
        context={"form": form, "policy": None},
        active="sla",
        save=save,
        done="sla:settings_policies",
    )


def _policy_of(request: StaffRequest, pk: int):  # type: ignore[no-untyped-def]
    policy = selectors.policy_get(organisation=request.user.organisation, policy_id=pk)
    if policy is None:
        raise Http404
    return policy


@settings_required
@safe_methods
def policy_edit(request: StaffRequest, pk: int) -> HttpResponse:
    policy = _policy_of(request, pk)
    form = PolicyForm(
        request.POST or None,
        initial=PolicyForm.initial_of(policy),
        organisation=request.user.organisation,
    )

    def save(data: dict) -> str:
        services.policy_update(policy=policy, actor=request.user, **form.policy_data())
        return _("Policy “%(name)s” has been saved.") % {"name": policy.name}

    return form_page(
        request,
        form,
        template="sla/settings/policy_form.html",
        context={"form": form, "policy": policy},
        active="sla",
        save=save,
        done="sla:settings_policies",
    )


@settings_required
@require_POST
def policy_move(request: StaffRequest, pk: int) -> HttpResponse:
    policy = _policy_of(request, pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        rows = selectors.policies_of(organisation=request.user.organisation)
        context = {"policies": rows, "move_error": _("Choose a position from 1.")}
        return settings_invalid(request, "sla/settings/policies.html", context, active="sla")
    services.policy_move(policy=policy, actor=request.user, position=form.cleaned_data["position"])
    messages.success(request, _("Policy “%(name)s” moved.") % {"name": policy.name})
    return redirect("sla:settings_policies")


@settings_required
@require_POST
def policy_delete(request: StaffRequest, pk: int) -> HttpResponse:
    policy = _policy_of(request, pk)
    try:
        services.policy_delete(policy=policy, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("sla:settings_policy_edit", pk=policy.pk)
    messages.success(request, _("Policy “%(name)s” has been deleted.") % {"name": policy.name})
    return redirect("sla:settings_policies")
