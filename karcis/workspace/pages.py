"""How a workspace page is drawn and how a settings form lives: one way for every app.

`settings_page` renders a page of Settings with its navigation marked; `form_page` is the
life of every settings form: GET shows it; a valid POST calls `save(cleaned_data)`, which
calls one service and returns the success message, then goes to `done`; anything else
(invalid input, or the service refusing) shows the form again with its errors, as a 400.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from karcis.core.forms import service_errors_to_form


def settings_page(
    request: HttpRequest, template: str, context: dict[str, Any], *, active: str, status: int = 200
) -> HttpResponse:
    context = {"section": "settings", "active_view": f"settings-{active}", **context}
    return render(request, template, context, status=status)


def settings_invalid(
    request: HttpRequest, template: str, context: dict[str, Any], *, active: str
) -> HttpResponse:
    """The form again, with its errors, as a 400: the browser shows it, clients see the failure."""
    return settings_page(request, template, context, active=active, status=400)


def form_page(
    request: HttpRequest,
    form: forms.Form,
    *,
    template: str,
    context: dict[str, Any],
    active: str,
    save: Callable[[dict[str, Any]], str],
    done: str,
) -> HttpResponse:
    if request.method != "POST":
        return settings_page(request, template, context, active=active)
    if form.is_valid():
        try:
            message = save(form.cleaned_data)
        except ValidationError as error:
            service_errors_to_form(form, error)
        else:
            messages.success(request, message)
            return redirect(done)
    return settings_invalid(request, template, context, active=active)
