"""Forms of the workspace's own settings (organisation, teams, agents, roles) and of a
person's notification choices. They parse and check input; the services decide and write."""

import re
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from karcis.core import permissions
from karcis.core.forms import field_of
from karcis.core.models import INDONESIAN_TIME_ZONES, Organisation, Role, Team, User
from karcis.core.selectors import custom_roles_of, staff_directory_of, teams_of

PREFIX_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
LANGUAGE_CHOICES = Organisation._meta.get_field("language").choices or []


def _one_line(value: str) -> str:
    return " ".join(value.split())


class StaffMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.name if obj.is_active else _("%(name)s (deactivated)") % {"name": obj.name}


def capability_groups(bound_field: Any) -> list[dict[str, Any]]:
    """The checkboxes of a CapabilitiesField, by the app that declares each capability:
    [{"label": the app's name, "options": [{"widget", "description"}]}]."""
    from django.apps import apps

    declared = permissions.capabilities()
    groups: dict[str, dict[str, Any]] = {}
    for option in bound_field.subwidgets:
        capability = declared[option.data["value"]]
        group = groups.setdefault(
            capability.app,
            {"label": apps.get_app_config(capability.app).verbose_name, "options": []},
        )
        group["options"].append({"widget": option, "description": capability.description})
    return list(groups.values())


class CapabilitiesField(forms.MultipleChoiceField):
    """Checkboxes of declared capabilities, grouped by the app that declares them."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, which: str = "all", **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        declared = [c for c in permissions.capabilities().values() if c.staff]
        if which == "per_team":
            declared = [c for c in declared if c.per_team]
        elif which == "personal":
            declared = [c for c in declared if c.personal]
        self.choices = [(c.name, c.label) for c in declared]
        self.descriptions = {c.name: c.description for c in declared}


# --- organisation ---------------------------------------------------------------------------


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    ticket_prefix = forms.CharField(
        label=_("Ticket number prefix"),
        max_length=8,
        help_text=_(
            "2–8 capital letters or digits, starting with a letter: KRC gives KRC-000123. "
            "Tickets that already exist keep their numbers and their old prefix."
        ),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=INDONESIAN_TIME_ZONES)
    language = forms.ChoiceField(label=_("Default language"), choices=LANGUAGE_CHOICES)
    support_email = forms.EmailField(
        label=_("Support e-mail address"),
        required=False,
        help_text=_("Shown to customers on the portal."),
    )

    @staticmethod
    def initial_for(organisation: Organisation) -> dict[str, Any]:
        return {name: getattr(organisation, name) for name in OrganisationForm.base_fields}

    def clean_name(self) -> str:
        return _one_line(self.cleaned_data["name"])

    def clean_ticket_prefix(self) -> str:
        prefix = self.cleaned_data["ticket_prefix"].strip().upper()
        if not PREFIX_PATTERN.match(prefix):
            raise ValidationError(
                _("Use 2–8 capital letters or digits, starting with a letter (for example KRC)."),
                code="prefix",
            )
        return prefix

    def clean_support_email(self) -> str:
        return self.cleaned_data["support_email"].strip().lower()


# --- teams ----------------------------------------------------------------------------------


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"),
        max_length=300,
        required=False,
        help_text=_("What the team handles, so colleagues know where to send a ticket."),
    )
    members = StaffMultipleChoiceField(
        label=_("Members"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    capabilities = CapabilitiesField(
        which="per_team",
        label=_("What members may do for this team's tickets"),
        help_text=_(
            "Beside what their role allows: for example, a role without public replies may "
            "still reply on this team's tickets."
        ),
    )

    def __init__(
        self, *args: Any, organisation: Organisation, team: Team | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # Active staff can join; members who were deactivated stay listed so that saving
        # the form does not silently drop them.
        current = Q(pk__in=team.members.values("pk")) if team is not None else Q(pk__in=[])
        field_of(self, "members", forms.ModelMultipleChoiceField).queryset = staff_directory_of(
            organisation=organisation
        ).filter(Q(is_active=True) | current)

    def capability_groups(self) -> list[dict[str, Any]]:
        return capability_groups(self["capabilities"])

    def clean_name(self) -> str:
        return _one_line(self.cleaned_data["name"])


# --- agents ---------------------------------------------------------------------------------


class AgentFormBase(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    role = forms.ChoiceField(
        label=_("Role"),
        initial=Role.AGENT,
        help_text=_(
            "Agents work tickets; supervisors also see every ticket; administrators also "
            "change these settings. Settings → Roles shows what each role may do."
        ),
    )
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    sees_all_tickets = forms.BooleanField(
        label=_("Sees every ticket"),
        required=False,
        help_text=_("Agents see only their teams' tickets unless this is set."),
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "teams", forms.ModelMultipleChoiceField).queryset = teams_of(
            organisation=organisation
        )
        field_of(self, "role", forms.ChoiceField).choices = [
            *[(role.value, role.label) for role in permissions.STAFF_BUILT_IN_ROLES],
            *[(role.key, role.name) for role in custom_roles_of(organisation=organisation)],
        ]

    def clean_name(self) -> str:
        return _one_line(self.cleaned_data["name"])


class AgentCreateForm(AgentFormBase):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("They sign in with this address."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        strip=False,
        help_text=_("Leave empty and Karcis makes one up; it is shown to you once, after saving."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    field_order = ["name", "email", "role", "teams", "sees_all_tickets", "password"]

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if password:
            password_validation.validate_password(password)
        return password


class AgentEditForm(AgentFormBase):
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("A deactivated account cannot sign in; its history stays."),
    )

    @staticmethod
    def initial_for(user: User) -> dict[str, Any]:
        return {
            "name": user.name,
            "role": user.role,
            "teams": list(user.teams.all()),
            "sees_all_tickets": user.sees_all_tickets,
            "is_active": user.is_active,
        }


# --- roles ----------------------------------------------------------------------------------


class RoleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"),
        max_length=300,
        required=False,
        help_text=_("Who has this role, so colleagues choose it well."),
    )
    capabilities = CapabilitiesField(label=_("What people with this role may do"))

    def capability_groups(self) -> list[dict[str, Any]]:
        return capability_groups(self["capabilities"])

    @staticmethod
    def initial_for(role: Any) -> dict[str, Any]:
        return {
            "name": role.name,
            "description": role.description,
            "capabilities": list(role.capabilities),
        }

    def clean_name(self) -> str:
        return _one_line(self.cleaned_data["name"])


# --- notification choices -------------------------------------------------------------------


def preferences_from(data: Any, rows: list[dict[str, Any]]) -> dict[str, set[str]]:
    """The channels ticked per kind on the preferences page (checkbox `<kind>:<channel>`)."""
    return {
        row["kind"]: {
            channel["name"]
            for channel in row["channels"]
            if data.get(f"{row['kind']}:{channel['name']}")
        }
        for row in rows
    }
