"""Forms of the calendars' Settings pages. They parse and check the shape of input (a day's
hours typed as "08:00-11:30, 13:00-17:00"); the services decide and write."""

import re
from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from karcis.core.forms import field_of
from karcis.core.models import INDONESIAN_TIME_ZONES, Organisation, Team
from karcis.core.selectors import teams_of

from .hours import clock, minutes
from .models import BusinessCalendar

DAY_FIELDS = [f"day_{weekday}" for weekday in range(7)]
_INTERVAL = re.compile(r"^\s*(\d{1,2}[:.]\d{2})\s*[-–—]\s*(\d{1,2}[:.]\d{2})\s*$")


def zone_choices() -> list[tuple[Any, Any]]:
    """Indonesia's three zones first (WIB, WITA, WIT), then every other IANA zone."""
    indonesian = {zone for zone, _label in INDONESIAN_TIME_ZONES}
    others = sorted(
        zone
        for zone in available_timezones()
        if zone not in indonesian and "/" in zone and not zone.startswith(("Etc/", "SystemV/"))
    )
    return [
        (_("Indonesia"), list(INDONESIAN_TIME_ZONES)),
        (_("Other time zones"), [("UTC", "UTC"), *((zone, zone) for zone in others)]),
    ]


def intervals_parse(text: str) -> list[tuple[int, int]]:
    """ "08:00-11:30, 13:00-17:00" → [(480, 690), (780, 1020)]; "" → [] (closed). Only the
    shape is checked here: the service refuses overlaps and ends before starts."""
    found = []
    for part in re.split(r"[,;\n]", text or ""):
        if not part.strip():
            continue
        match = _INTERVAL.match(part)
        try:
            if match is None:
                raise ValueError
            start, end = (minutes(value.replace(".", ":").zfill(5)) for value in match.groups())
        except ValueError:
            raise ValidationError(
                _("Write the hours as 08:00-11:30, 13:00-17:00 (or leave empty: closed)."),
                code="format",
            ) from None
        found.append((start, end))
    return found


def intervals_text(day: list[list[int]]) -> str:
    return ", ".join(f"{clock(start)}-{clock(end)}" for start, end in day)


class CalendarForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=zone_choices,
        initial="Asia/Jakarta",
        help_text=_("The hours below are in this zone's local time."),
    )
    national_holidays = forms.BooleanField(
        label=_("Closed on Indonesia's national holidays"),
        required=False,
        initial=True,
        help_text=_(
            "Dates that are not fixed yet (Islamic holidays of later years) are estimates, "
            "marked as such; correct them below."
        ),
    )
    is_default = forms.BooleanField(
        label=_("The default calendar: every team without its own follows it"),
        required=False,
    )
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams that follow this calendar instead of the default"),
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        organisation: Organisation,
        calendar: BusinessCalendar | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for weekday, name in enumerate(DAY_FIELDS):
            self.fields[name] = forms.CharField(
                label=str(WEEKDAYS[weekday]),
                required=False,
                max_length=200,
                widget=forms.TextInput(
                    attrs={"placeholder": "08:00-11:30, 13:00-17:00", "inputmode": "text"}
                ),
            )
        field_of(self, "teams", forms.ModelMultipleChoiceField).queryset = teams_of(
            organisation=organisation
        )
        if calendar is not None and calendar.is_default:
            # The default moves by making another calendar the default, never by unticking.
            del self.fields["is_default"]

    @staticmethod
    def initial_for(calendar: BusinessCalendar) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": calendar.name,
            "time_zone": calendar.time_zone,
            "national_holidays": calendar.national_holidays,
            "is_default": calendar.is_default,
            "teams": [link.team_id for link in calendar.team_links.all()],
        }
        for weekday, day in enumerate(calendar.weekly or [[]] * 7):
            initial[DAY_FIELDS[weekday]] = intervals_text(day)
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        week = []
        for name in DAY_FIELDS:
            try:
                week.append(intervals_parse(data.get(name, "")))
            except ValidationError as error:
                self.add_error(name, error)
        data["weekly"] = week
        return data


class DateAddForm(forms.Form):
    """A date added (closed all day) or a national holiday removed (open after all)."""

    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            ("added", _("Closed (cuti bersama, a regional holiday)")),
            ("removed", _("Open: this national holiday does not apply")),
        ],
        initial="added",
        widget=forms.RadioSelect,
    )
    name = forms.CharField(
        label=_("Name or reason"),
        max_length=200,
        required=False,
        help_text=_("For example: Cuti bersama Idul Fitri."),
    )
