"""The calendars' page of Settings (for `calendars.manage`): the list of calendars, one
calendar's hours, teams and holidays of a year, adding and removing dates. Mounted under
/settings/calendars/ (names calendars:settings_*); the workspace draws the layout and lives
each form.
"""

from datetime import date
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from karcis.core.forms import service_errors_to_form
from karcis.workspace.guards import capability_required
from karcis.workspace.pages import form_page, settings_invalid, settings_page

from . import selectors, services
from .models import BusinessCalendar
from .permissions import CALENDARS_MANAGE
from .settings_forms import CalendarForm, DateAddForm, intervals_text

safe_methods = require_http_methods(["GET", "HEAD", "POST"])
settings_required = capability_required(CALENDARS_MANAGE, settings_page=True)
FORM = "calendars/settings/calendar_form.html"


def week_summary(weekly: list[list[list[int]]]) -> list[tuple[str, str]]:
    """[("Sen–Kam", "08:00-17:00"), ("Jum", "08:00-11:30, 13:00-17:00")]: runs of weekdays
    with the same hours, the closed ones left out."""
    days = list(enumerate(weekly or [[]] * 7))
    summary = []
    for hours, run in groupby(days, key=lambda day: intervals_text(day[1])):
        weekdays = [weekday for weekday, _day in run]
        if not hours:
            continue
        first, last = str(WEEKDAYS_ABBR[weekdays[0]]), str(WEEKDAYS_ABBR[weekdays[-1]])
        summary.append((first if first == last else f"{first}–{last}", hours))
    return summary


def _calendar_of(request: HttpRequest, pk: int) -> BusinessCalendar:
    return selectors.calendar_get_for_user(user=request.user, pk=pk)  # type: ignore[arg-type]


@settings_required
@require_http_methods(["GET", "HEAD"])
def calendars(request):
    found = selectors.calendars_visible_to(user=request.user).prefetch_related("team_links__team")
    rows = [
        {
            "calendar": calendar,
            "summary": week_summary(calendar.weekly),
            "team_names": [link.team.name for link in calendar.team_links.all()],
        }
        for calendar in found.order_by("-is_default", "name", "pk")
    ]
    return settings_page(
        request, "calendars/settings/calendars.html", {"calendars": rows}, active="calendars"
    )


@settings_required
@safe_methods
def calendar_create(request):
    organisation = request.user.organisation
    form = CalendarForm(
        request.POST or None,
        organisation=organisation,
        initial={
            "day_0": "08:00-17:00",
            "day_1": "08:00-17:00",
            "day_2": "08:00-17:00",
            "day_3": "08:00-17:00",
            "day_4": "08:00-11:30, 13:00-17:00",
        },
    )
    created: dict[str, BusinessCalendar] = {}

    def save(data: dict[str, Any]) -> str:
        created["calendar"] = services.calendar_create(
            organisation=organisation,
            actor=request.user,
            name=data["name"],
            time_zone=data["time_zone"],
            weekly=data["weekly"],
            national_holidays=data["national_holidays"],
            is_default=data.get("is_default", False),
            teams=data["teams"],
        )
        return _("Calendar “%(name)s” has been created.") % {"name": created["calendar"].name}

    response = form_page(
        request,
        form,
        template=FORM,
        context={"form": form, "calendar": None},
        active="calendars",
        save=save,
        done="calendars:settings_calendars",
    )
    if "calendar" in created:  # on to its holidays
        return redirect("calendars:settings_calendar_edit", created["calendar"].pk)
    return response


def _holidays_context(request: HttpRequest, calendar: BusinessCalendar) -> dict[str, Any]:
    try:
        year = int(request.GET.get("year", ""))
        if not services.DATE_MIN.year <= year <= services.DATE_MAX.year:
            raise ValueError
    except ValueError:
        year = timezone.localdate().year
    listed = {(row.date, row.kind): row for row in calendar.dates.all()}
    return {
        "year": year,
        "previous_year": year - 1,
        "next_year": year + 1,
        # Each holiday with the admin's row behind it (added or removed), to undo it.
        "holidays": [
            (holiday, listed.get((holiday.date, holiday.source)))
            for holiday in selectors.holidays_of(calendar=calendar, year=year)
        ],
    }


@settings_required
@safe_methods
def calendar_edit(request, pk: int):
    calendar = _calendar_of(request, pk)
    form = CalendarForm(
        request.POST or None,
        organisation=request.user.organisation,
        calendar=calendar,
        initial=CalendarForm.initial_for(calendar),
    )

    def save(data: dict[str, Any]) -> str:
        services.calendar_update(
            calendar=calendar,
            actor=request.user,
            name=data["name"],
            time_zone=data["time_zone"],
            weekly=data["weekly"],
            national_holidays=data["national_holidays"],
            is_default=data.get("is_default") or None,
            teams=data["teams"],
        )
        return _("Calendar “%(name)s” has been saved.") % {"name": calendar.name}

    context = {
        "form": form,
        "calendar": calendar,
        "date_form": DateAddForm(),
        **_holidays_context(request, calendar),
    }
    return form_page(
        request,
        form,
        template=FORM,
        context=context,
        active="calendars",
        save=save,
        done=reverse("calendars:settings_calendar_edit", args=[calendar.pk]),
    )


@settings_required
@require_POST
def calendar_delete(request, pk: int):
    calendar = _calendar_of(request, pk)
    name = calendar.name
    try:
        services.calendar_delete(calendar=calendar, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("calendars:settings_calendar_edit", calendar.pk)
    messages.success(request, _("Calendar “%(name)s” has been deleted.") % {"name": name})
    return redirect("calendars:settings_calendars")


def _back_to_year(calendar: BusinessCalendar, day: date) -> str:
    url = reverse("calendars:settings_calendar_edit", args=[calendar.pk])
    return f"{url}?year={day.year}#holidays"


@settings_required
@require_POST
def calendar_date_add(request, pk: int) -> HttpResponse:
    calendar = _calendar_of(request, pk)
    date_form = DateAddForm(request.POST)
    if date_form.is_valid():
        data = date_form.cleaned_data
        try:
            services.calendar_date_add(
                calendar=calendar,
                date=data["date"],
                kind=data["kind"],
                name=data["name"],
                actor=request.user,
            )
        except ValidationError as error:
            service_errors_to_form(date_form, error)
        else:
            if data["kind"] == "added":
                text = _("%(date)s is now closed all day.")
            else:
                text = _("%(date)s is no longer a holiday in this calendar.")
            messages.success(request, text % {"date": data["date"].isoformat()})
            return redirect(_back_to_year(calendar, data["date"]))
    form = CalendarForm(
        organisation=request.user.organisation,
        calendar=calendar,
        initial=CalendarForm.initial_for(calendar),
    )
    context = {
        "form": form,
        "calendar": calendar,
        "date_form": date_form,
        **_holidays_context(request, calendar),
    }
    return settings_invalid(request, FORM, context, active="calendars")


@settings_required
@require_POST
def calendar_date_delete(request, pk: int) -> HttpResponse:
    row = selectors.calendar_date_get_for_user(user=request.user, pk=pk)
    calendar = row.calendar
    services.calendar_date_remove(calendar_date=row, actor=request.user)
    if row.kind == "added":
        text = _("%(date)s is open again.")
    else:
        text = _("%(date)s is a holiday again.")
    messages.success(request, text % {"date": row.date.isoformat()})
    return redirect(_back_to_year(calendar, row.date))


urlpatterns = [
    path("settings/calendars/", calendars, name="settings_calendars"),
    path("settings/calendars/new/", calendar_create, name="settings_calendar_create"),
    path("settings/calendars/<int:pk>/", calendar_edit, name="settings_calendar_edit"),
    path("settings/calendars/<int:pk>/delete/", calendar_delete, name="settings_calendar_delete"),
    path(
        "settings/calendars/<int:pk>/dates/", calendar_date_add, name="settings_calendar_date_add"
    ),
    path(
        "settings/calendars/dates/<int:pk>/delete/",
        calendar_date_delete,
        name="settings_calendar_date_delete",
    ),
]
