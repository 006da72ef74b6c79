"""The managers' analytics at /queue/analytics/: a service point's waits and service times,
no-shows, served per day, quota use and staffing advice, for a period of its local days; and
the per-service table as CSV at /queue/analytics/services.csv.

Administrators and supervisors (the `queueing.analytics.view` capability), of their own
organisation's service points only. The numbers come from karcis.queueing.analytics; this
module parses the choices, words the numbers and draws the charts (karcis.queueing.charts).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django import forms
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods

from karcis.core.permissions import user_can
from karcis.queueing import analytics, charts, permissions
from karcis.queueing.models import Service, ServicePoint
from karcis.queueing.services import today_at
from karcis.workspace.guards import StaffRequest, capability_required

analytics_required = capability_required(permissions.ANALYTICS)
get_head = require_http_methods(["GET", "HEAD"])

PERIODS = (
    ("today", gettext_lazy("Today")),
    ("7d", gettext_lazy("Last 7 days")),
    ("28d", gettext_lazy("Last 28 days")),
    ("range", gettext_lazy("From – to")),
)
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AnalyticsForm(forms.Form):
    """The page's choices, read from the address (GET): the period, and the staffing
    advice's weekday, target and services. Missing ones take their defaults."""

    period = forms.ChoiceField(label=gettext_lazy("Period"), choices=PERIODS)
    start = forms.DateField(
        label=pgettext_lazy("period", "From"),
        required=False,
        widget=DATE_INPUT,
        input_formats=["%Y-%m-%d"],
    )
    end = forms.DateField(
        label=pgettext_lazy("period", "To"),
        required=False,
        widget=DATE_INPUT,
        input_formats=["%Y-%m-%d"],
    )
    weekday = forms.TypedChoiceField(
        label=gettext_lazy("Weekday"), choices=list(WEEKDAYS.items()), coerce=int
    )
    target = forms.IntegerField(
        label=gettext_lazy("Target wait (minutes)"),
        min_value=1,
        max_value=240,
    )
    staffing_service = forms.TypedChoiceField(
        label=gettext_lazy("Services"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, query: QueryDict, *, services: Sequence[Service], today: date) -> None:
        defaults = {
            "period": "7d",
            "weekday": str(today.weekday()),
            "target": str(analytics.DEFAULT_TARGET_MINUTES),
            "staffing_service": "",
        }
        data = {**defaults, **{key: query.get(key, "") for key in self.base_fields if key in query}}
        super().__init__(data)
        choices: list[tuple[Any, Any]] = [("", _("All services, one line"))]
        choices += [(service.pk, service.name) for service in services if service.is_active]
        self.fields["staffing_service"].choices = choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("period") != "range":
            return data
        start, end = data.get("start"), data.get("end")
        if start is None:
            self.add_error("start", _("Choose the first day."))
        if end is None:
            self.add_error("end", _("Choose the last day."))
        if start is None or end is None:
            return data
        if end < start:
            self.add_error("end", _("The last day comes before the first."))
        elif (end - start).days + 1 > analytics.MAX_PERIOD_DAYS:
            self.add_error(
                "end",
                _("Choose at most %(days)s days.") % {"days": analytics.MAX_PERIOD_DAYS},
            )
        return data

    def chosen_period(self, today: date) -> analytics.Period:
        data = self.cleaned_data
        return analytics.period_of(data["period"], today, data.get("start"), data.get("end"))


# --- wording the numbers ------------------------------------------------------------------------


def _hour_label(hour: int) -> str:
    return f"{hour:02d}:00"


def _number(value: float) -> str:
    """A value on a chart's axis or tooltip, in the reader's language: 2, 2,5."""
    return number_format(value, 0 if float(value).is_integer() else 1)


def _in_minutes(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 60


def shown_days(report: analytics.Report) -> list[analytics.DayRow]:
    """The period's open days, and any other day with numbers (a weekend is left out)."""
    return [row for row in report.days if row.is_open or row.taken]


def _charts(report: analytics.Report) -> dict[str, charts.Chart]:
    hours = [_hour_label(row.hour) for row in report.hours]
    days = shown_days(report)
    drawn = {
        "arrivals": charts.chart(
            _("Arrivals by hour of day"),
            hours,
            [charts.Series(_("Arrivals"), [row.arrivals for row in report.hours])],
            value_label=_number,
        ),
        "waits": charts.chart(
            _("Wait by hour of arrival (minutes)"),
            hours,
            [
                charts.Series(_("Median"), [_in_minutes(row.wait.median) for row in report.hours]),
                charts.Series(
                    _("90th percentile"),
                    [_in_minutes(row.wait.p90) for row in report.hours],
                    "line",
                    "b",
                ),
            ],
            value_label=_number,
        ),
        "days": charts.chart(
            _("Taken and served per day"),
            [date_format(row.day, "j M") for row in days],
            [
                charts.Series(_("Served"), [row.served for row in days]),
                charts.Series(_("Taken"), [row.taken for row in days], "line", "b"),
            ],
            value_label=_number,
        ),
    }
    if report.staffing is not None and report.staffing.rows:
        rows = report.staffing.rows
        drawn["staffing"] = charts.chart(
            _("Counters needed and open, by hour"),
            [_hour_label(row.hour) for row in rows],
            [
                charts.Series(_("Needed"), [row.needed for row in rows]),
                charts.Series(
                    _("Open on average"), [row.open_average for row in rows], "line", "b"
                ),
            ],
            value_label=_number,
        )
    return drawn


# --- the pages ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choices:
    """What a request asks for: among the points this person may read, which one; its
    services; the form of the other choices (None: there is no point to choose); and the
    moment the page is read, once for all its figures."""

    points: list[ServicePoint]
    point: ServicePoint | None
    services: list[Service]
    form: AnalyticsForm | None
    now: datetime


def _choices(request: StaffRequest) -> Choices:
    now = timezone.now()
    points = analytics.points_for(request.user)
    chosen = request.GET.get("point")
    if not points and not chosen:
        return Choices(points, None, [], None, now)
    point = analytics.point_for(request.user, points, chosen)
    services = analytics.services_of(point)
    form = AnalyticsForm(request.GET, services=services, today=today_at(point, now))
    return Choices(points, point, services, form, now)


@analytics_required
@get_head
def analytics_page(request: StaffRequest) -> HttpResponse:
    chosen = _choices(request)
    point, form = chosen.point, chosen.form
    context: dict[str, Any] = {
        "section": "queue",
        "active_view": "queue-analytics",
        "points": chosen.points,
        "point": point,
        "form": form,
        "may_read_analytics": True,
        "may_manage": user_can(request.user, permissions.MANAGE),
    }
    if point is None or form is None:
        return render(request, "queueing/analytics.html", context)
    if not form.is_valid():
        return render(request, "queueing/analytics.html", context, status=400)
    data = form.cleaned_data
    report = analytics.report_of(
        point,
        form.chosen_period(today_at(point, chosen.now)),
        services=chosen.services,
        weekday=data["weekday"],
        target_minutes=data["target"],
        staffing_service=data["staffing_service"],
        now=chosen.now,
    )
    context.update(
        report=report,
        charts=_charts(report),
        days=shown_days(report),
        weekday_name=WEEKDAYS[data["weekday"]],
        csv_query=_csv_query(point, form),
    )
    return render(request, "queueing/analytics.html", context)


def _csv_query(point: ServicePoint, form: AnalyticsForm) -> str:
    query = QueryDict(mutable=True)
    query["point"] = str(point.pk)
    for key in ("period", "start", "end"):
        value = form.data.get(key)
        if value:
            query[key] = value
    return query.urlencode()


# The columns of the CSV: counts, the no-show share as a fraction, times in whole seconds.
CSV_COLUMNS = (
    gettext_lazy("Service"),
    gettext_lazy("Number prefix"),
    gettext_lazy("Taken"),
    gettext_lazy("Served"),
    gettext_lazy("No-shows"),
    gettext_lazy("No-show share of calls"),
    gettext_lazy("Cancelled"),
    gettext_lazy("Booked, never came"),
    gettext_lazy("Wait, median (s)"),
    gettext_lazy("Wait, 90th percentile (s)"),
    gettext_lazy("Service time, median (s)"),
    gettext_lazy("Service time, 90th percentile (s)"),
)


def _cell(value: Any) -> Any:
    """A value a spreadsheet shows as it is: text that would start a formula is quoted."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _seconds_cell(value: float | None) -> Any:
    return "" if value is None else round(value)


def csv_rows(rows: Sequence[analytics.ServiceRow]) -> list[list[Any]]:
    result = []
    for row in rows:
        no_show_share = row.no_show_share
        result.append(
            [
                _cell(row.service.name if row.service else _("All services")),
                row.service.prefix if row.service else "",
                row.taken,
                row.served,
                row.no_shows,
                "" if no_show_share is None else round(no_show_share, 4),
                row.cancelled,
                row.not_come,
                _seconds_cell(row.wait.median),
                _seconds_cell(row.wait.p90),
                _seconds_cell(row.service_time.median),
                _seconds_cell(row.service_time.p90),
            ]
        )
    return result


@analytics_required
@get_head
def analytics_csv(request: StaffRequest) -> HttpResponse:
    """The per-service table of the page as CSV (UTF-8 with a byte-order mark, so that
    spreadsheets read the names right)."""
    chosen = _choices(request)
    point, form = chosen.point, chosen.form
    if point is None or form is None:
        return HttpResponse(
            _("This organisation has no service points yet."),
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    if not form.is_valid():
        errors = "; ".join(str(message) for field in form.errors.values() for message in field)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    today = today_at(point, chosen.now)
    period = form.chosen_period(today)
    rows, total = analytics.service_rows(point, period, chosen.services, today)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"antrean-{point.slug}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([str(label) for label in CSV_COLUMNS])
    writer.writerows(csv_rows([*rows, total]))
    return response
