"""The public queues' pages in Settings (/settings/queue/): service points, with their kiosk,
board and booking links; each point's services (quotas, slots, booking window) and counters
(their services in order). Managers only (queueing.manage); another organisation's point,
service or counter is not found.

Each form page: GET shows it; a valid POST calls one service and goes back to the point;
invalid input, or the service's refusal, shows the form again with its errors as a 400.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from karcis.core.forms import service_errors_to_form
from karcis.queueing import permissions, selectors, services
from karcis.queueing.settings_forms import CounterForm, PointForm, ServiceForm
from karcis.queueing.staff_views import public_links
from karcis.workspace.guards import StaffRequest, capability_required
from karcis.workspace.pages import form_page, settings_invalid, settings_page

ACTIVE = "queue"
settings_required = capability_required(permissions.MANAGE, settings_page=True)
get_head = require_http_methods(["GET", "HEAD"])
get_head_post = require_http_methods(["GET", "HEAD", "POST"])


def _organisation_id(request: StaffRequest) -> int:
    return request.user.organisation_id


# --- service points ------------------------------------------------------------------------


@settings_required
@get_head
def points(request: StaffRequest) -> HttpResponse:
    rows = selectors.points_of(_organisation_id(request))
    return settings_page(request, "queueing/settings/points.html", {"points": rows}, active=ACTIVE)


@settings_required
@get_head_post
def point_create(request: StaffRequest) -> HttpResponse:
    """A new point; then its own page, where its services and counters are added."""
    organisation = request.user.organisation
    form = PointForm(request.POST or None, organisation=organisation)
    template, context = "queueing/settings/point_form.html", {"form": form, "point": None}
    if request.method != "POST":
        return settings_page(request, template, context, active=ACTIVE)
    if form.is_valid():
        try:
            point = services.point_create(
                organisation=organisation, actor=request.user, **form.point_data()
            )
        except ValidationError as error:
            service_errors_to_form(form, error)
        else:
            messages.success(
                request,
                _("Service point “%(name)s” has been created. Now add its services and counters.")
                % {"name": point.name},
            )
            return redirect("queueing:settings_point", pk=point.pk)
    return settings_invalid(request, template, context, active=ACTIVE)


@settings_required
@get_head_post
def point_edit(request: StaffRequest, pk: int) -> HttpResponse:
    point = selectors.point_get(organisation_id=_organisation_id(request), pk=pk)
    form = PointForm(
        request.POST or None,
        initial=PointForm.initial_of(point),
        organisation=request.user.organisation,
    )

    def save(data: dict[str, Any]) -> str:
        services.point_update(point=point, actor=request.user, **form.point_data())
        return _("Service point “%(name)s” has been saved.") % {"name": point.name}

    context = {
        "form": form,
        "point": point,
        "links": public_links(request, point, kiosk=True),
        **selectors.setup_of(point),
    }
    return form_page(
        request,
        form,
        template="queueing/settings/point_form.html",
        context=context,
        active=ACTIVE,
        save=save,
        done=reverse("queueing:settings_point", kwargs={"pk": point.pk}),
    )


@settings_required
@require_POST
def point_kiosk_key_renew(request: StaffRequest, pk: int) -> HttpResponse:
    point = selectors.point_get(organisation_id=_organisation_id(request), pk=pk)
    services.point_kiosk_key_renew(point=point, actor=request.user)
    messages.success(
        request,
        _(
            "The kiosk has a new address: the old one takes no more numbers. Open the new one on the kiosk."
        ),
    )
    return redirect("queueing:settings_point", pk=point.pk)


# --- services ------------------------------------------------------------------------------


@settings_required
@get_head_post
def service_create(request: StaffRequest, pk: int) -> HttpResponse:
    point = selectors.point_get(organisation_id=_organisation_id(request), pk=pk)
    form = ServiceForm(request.POST or None)

    def save(data: dict[str, Any]) -> str:
        service = services.service_create(point=point, actor=request.user, **form.service_data())
        return _("Service “%(name)s” has been created.") % {"name": service.name}

    return form_page(
        request,
        form,
        template="queueing/settings/service_form.html",
        context={"form": form, "point": point, "service": None},
        active=ACTIVE,
        save=save,
        done=reverse("queueing:settings_point", kwargs={"pk": point.pk}),
    )


@settings_required
@get_head_post
def service_edit(request: StaffRequest, pk: int) -> HttpResponse:
    service = selectors.service_get(organisation_id=_organisation_id(request), pk=pk)
    form = ServiceForm(
        request.POST or None, initial=ServiceForm.initial_of(service), service=service
    )

    def save(data: dict[str, Any]) -> str:
        services.service_update(service=service, actor=request.user, **form.service_data())
        return _("Service “%(name)s” has been saved.") % {"name": service.name}

    return form_page(
        request,
        form,
        template="queueing/settings/service_form.html",
        context={"form": form, "point": service.point, "service": service},
        active=ACTIVE,
        save=save,
        done=reverse("queueing:settings_point", kwargs={"pk": service.point_id}),
    )


# --- counters ------------------------------------------------------------------------------


@settings_required
@get_head_post
def counter_create(request: StaffRequest, pk: int) -> HttpResponse:
    point = selectors.point_get(organisation_id=_organisation_id(request), pk=pk)
    form = CounterForm(request.POST or None, point_services=selectors.all_services_of(point))

    def save(data: dict[str, Any]) -> str:
        counter = services.counter_create(point=point, actor=request.user, **form.counter_data())
        return _("Counter “%(name)s” has been created.") % {"name": counter.name}

    return form_page(
        request,
        form,
        template="queueing/settings/counter_form.html",
        context={"form": form, "point": point, "counter": None},
        active=ACTIVE,
        save=save,
        done=reverse("queueing:settings_point", kwargs={"pk": point.pk}),
    )


@settings_required
@get_head_post
def counter_edit(request: StaffRequest, pk: int) -> HttpResponse:
    counter = selectors.counter_get(organisation_id=_organisation_id(request), pk=pk)
    form = CounterForm(
        request.POST or None,
        initial=CounterForm.initial_of(counter),
        point_services=selectors.all_services_of(counter.point),
        counter=counter,
    )

    def save(data: dict[str, Any]) -> str:
        services.counter_update(counter=counter, actor=request.user, **form.counter_data())
        return _("Counter “%(name)s” has been saved.") % {"name": counter.name}

    return form_page(
        request,
        form,
        template="queueing/settings/counter_form.html",
        context={"form": form, "point": counter.point, "counter": counter},
        active=ACTIVE,
        save=save,
        done=reverse("queueing:settings_point", kwargs={"pk": counter.point_id}),
    )
