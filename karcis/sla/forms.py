"""The form of an SLA policy in Settings. It parses input into what policy_create and
policy_update take; the services validate and decide."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from karcis.calendars import selectors as calendars
from karcis.core.models import Channel, Organisation
from karcis.core.selectors import teams_of
from karcis.desk import selectors as desk_selectors
from karcis.desk.services import Priority
from karcis.sla.models import DEFAULT_PAUSE_STATUSES
from karcis.sla.services import PAUSABLE_STATUSES

VIP_CHOICES = [
    ("", _("Any requester")),
    ("true", _("Only VIP requesters")),
    ("false", _("Only requesters who are not VIP")),
]
MINUTES_HELP = _("In minutes: 60 is an hour, 480 a working day of 8 hours. Empty: no target.")


def _minutes(label: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, required=False, min_value=1, max_value=366 * 24 * 60, help_text=MINUTES_HELP
    )


class PolicyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    priorities = forms.MultipleChoiceField(
        label=_("Priorities"),
        choices=Priority.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    categories = forms.TypedMultipleChoiceField(
        label=_("Categories"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    teams = forms.TypedMultipleChoiceField(
        label=_("Teams"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    companies = forms.CharField(
        label=_("Requester's organisations"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, as on the contact (PT Maju Jaya). Empty: any."),
    )
    vip = forms.ChoiceField(label=_("VIP requesters"), choices=VIP_CHOICES, required=False)
    first_response_minutes = _minutes(_("First response target"))
    next_response_minutes = _minutes(_("Next response target"))
    resolution_minutes = _minutes(_("Resolution target"))
    business_time = forms.BooleanField(
        label=_("Count business hours only (off: every minute counts)"),
        required=False,
        initial=True,
    )
    calendar = forms.TypedChoiceField(
        label=_("Business calendar"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Empty: the calendar of the ticket's team, else the organisation's default."),
    )
    warning_percent = forms.IntegerField(
        label=_("At risk from (percent of the target used)"), min_value=1, max_value=99, initial=75
    )
    pause_statuses = forms.MultipleChoiceField(
        label=_("Statuses that pause the resolution clock"),
        choices=PAUSABLE_STATUSES,
        required=False,
        initial=DEFAULT_PAUSE_STATUSES,
        widget=forms.CheckboxSelectMultiple,
    )
    warning_notify = forms.BooleanField(
        label=_("Notify the assignee and supervisors"), required=False
    )
    warning_raise_priority = forms.BooleanField(
        label=_("Raise the priority one step"), required=False
    )
    warning_team = forms.TypedChoiceField(
        label=_("Move to team"), coerce=int, required=False, empty_value=None
    )
    warning_tag = forms.CharField(label=_("Add the tag"), max_length=50, required=False)
    breach_notify = forms.BooleanField(
        label=_("Notify the assignee and supervisors"), required=False
    )
    breach_raise_priority = forms.BooleanField(
        label=_("Raise the priority one step"), required=False
    )
    breach_team = forms.TypedChoiceField(
        label=_("Move to team"), coerce=int, required=False, empty_value=None
    )
    breach_tag = forms.CharField(label=_("Add the tag"), max_length=50, required=False)

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        categories = [
            (c.pk, c.path) for c in desk_selectors.categories_of(organisation=organisation)
        ]
        teams = [(t.pk, t.name) for t in teams_of(organisation=organisation).order_by("name")]
        self.fields["categories"].choices = categories  # type: ignore[attr-defined]
        self.fields["teams"].choices = teams  # type: ignore[attr-defined]
        no_team = [("", _("— Stay in its team —"))]
        self.fields["warning_team"].choices = no_team + teams  # type: ignore[attr-defined]
        self.fields["breach_team"].choices = no_team + teams  # type: ignore[attr-defined]
        self.fields["calendar"].choices = [  # type: ignore[attr-defined]
            ("", _("— The team's or the default —")),
            *calendars.calendar_names_of(organisation_id=organisation.pk),
        ]

    @classmethod
    def initial_of(cls, policy: Any) -> dict[str, Any]:
        initial = {
            name: getattr(policy, name)
            for name in (
                "name",
                "description",
                "is_active",
                "priorities",
                "categories",
                "teams",
                "channels",
                "first_response_minutes",
                "next_response_minutes",
                "resolution_minutes",
                "business_time",
                "warning_percent",
                "pause_statuses",
            )
        }
        initial["companies"] = "\n".join(policy.companies or [])
        initial["vip"] = "" if policy.vip is None else ("true" if policy.vip else "false")
        initial["calendar"] = policy.calendar_id
        for prefix, actions in (("warning", policy.on_warning), ("breach", policy.on_breach)):
            actions = actions or {}
            for key in ("notify", "raise_priority", "team", "tag"):
                initial[f"{prefix}_{key}"] = actions.get(key)
        return initial

    def policy_data(self) -> dict[str, Any]:
        """What policy_create / policy_update take, from the cleaned form."""
        data = dict(self.cleaned_data)
        data["companies"] = [
            line.strip() for line in (data.get("companies") or "").splitlines() if line.strip()
        ]
        vip = data.get("vip")
        data["vip"] = None if not vip else vip == "true"
        for prefix, field in (("warning", "on_warning"), ("breach", "on_breach")):
            data[field] = {
                "notify": data.pop(f"{prefix}_notify", False),
                "raise_priority": data.pop(f"{prefix}_raise_priority", False),
                "team": data.pop(f"{prefix}_team", None),
                "tag": data.pop(f"{prefix}_tag", ""),
            }
        return data


class MoveForm(forms.Form):
    position = forms.IntegerField(min_value=1, max_value=10_000)
