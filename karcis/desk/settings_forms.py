"""Forms of the settings screens. They parse and check input; the services decide and write."""

import re

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from karcis.core.models import INDONESIAN_TIME_ZONES, STAFF_ROLES, Organisation, Role, Team, User
from karcis.core.selectors import teams_of
from karcis.desk.models import Category, CustomField, FieldKind
from karcis.desk.selectors import categories_of

PREFIX_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
LANGUAGE_CHOICES = Organisation._meta.get_field("language").choices
STAFF_ROLE_CHOICES = [(role.value, role.label) for role in STAFF_ROLES]
TRUE_FALSE = [("true", _("Yes")), ("false", _("No"))]


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's refusal on the form: next to its field when the form has that
    field, otherwise at the top of the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def lines_of(text: str) -> list[str]:
    """Non-empty, distinct lines of a textarea, in order (choices are typed one per line)."""
    return list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))


class StaffMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.name if obj.is_active else _("%(name)s (deactivated)") % {"name": obj.name}


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
    def initial_for(organisation: Organisation) -> dict:
        return {name: getattr(organisation, name) for name in OrganisationForm.base_fields}

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

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

    def __init__(self, *args, organisation: Organisation, team: Team | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # Active staff can join; members who were deactivated stay listed so that saving
        # the form does not silently drop them.
        current = Q(pk__in=team.members.values("pk")) if team is not None else Q(pk__in=[])
        self.fields["members"].queryset = User.objects.filter(
            organisation=organisation, role__in=STAFF_ROLES
        ).filter(Q(is_active=True) | current)

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())


# --- agents ---------------------------------------------------------------------------------


class AgentFormBase(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=STAFF_ROLE_CHOICES,
        initial=Role.AGENT,
        help_text=_(
            "Agents work tickets; supervisors also see every ticket; administrators also "
            "change these settings."
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

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = teams_of(organisation=organisation)

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())


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
        password = self.cleaned_data["password"]
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
    def initial_for(user: User) -> dict:
        return {
            "name": user.name,
            "role": user.role,
            "teams": list(user.teams.all()),
            "sees_all_tickets": user.sees_all_tickets,
            "is_active": user.is_active,
        }


# --- categories -----------------------------------------------------------------------------


class CategoryParentField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return obj.path if obj.is_active else _("%(name)s (inactive)") % {"name": obj.path}


class CategoryCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    parent = CategoryParentField(
        label=_("Inside"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("— Top level —"),
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = categories_of(organisation=organisation, active_only=False)

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())


class CategoryRenameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)

    def __init__(self, *args, organisation: Organisation, category: Category, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.category = category

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        # category_update does not check this, and the database constraint cannot see
        # duplicates among top-level categories (their parent is NULL).
        siblings = categories_of(organisation=self.organisation, active_only=False)
        duplicate = (
            siblings.filter(parent_id=self.category.parent_id, name__iexact=name)
            .exclude(pk=self.category.pk)
            .exists()
        )
        if duplicate:
            raise ValidationError(_("This category already exists here."), code="duplicate")
        return name


class ActiveForm(forms.Form):
    """The activate/deactivate buttons: is_active=true|false."""

    is_active = forms.TypedChoiceField(choices=TRUE_FALSE, coerce=lambda value: value == "true")


# --- custom fields --------------------------------------------------------------------------


class CustomFieldFormBase(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=100)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        help_text=_("One choice per line."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    required = forms.BooleanField(
        label=_("Required"),
        required=False,
        help_text=_("A ticket cannot be solved without a value."),
    )
    visible_to_customer = forms.BooleanField(
        label=_("Shown on the portal"),
        required=False,
        help_text=_("Customers fill it in when they submit a request."),
    )

    def clean_label(self) -> str:
        return " ".join(self.cleaned_data["label"].split())

    def clean_choices(self) -> list[str]:
        return lines_of(self.cleaned_data["choices"])


class CustomFieldCreateForm(CustomFieldFormBase):
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        help_text=_("Only for the kind Choice: one choice per line."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    key = forms.CharField(
        label=_("Key"),
        max_length=50,
        required=False,
        help_text=_(
            "The field's name in the API and exports. Made from the label when left empty; "
            "it cannot be changed later."
        ),
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocapitalize": "off"}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=FieldKind.choices,
        initial=FieldKind.TEXT,
        help_text=_("Cannot be changed later."),
    )
    field_order = ["label", "key", "kind", "choices", "required", "visible_to_customer"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == FieldKind.CHOICE:
            if "choices" in cleaned and not cleaned["choices"]:
                self.add_error(
                    "choices", _("A choice field needs at least one choice: one per line.")
                )
        else:
            # Choices typed before switching the kind away from "choice" mean nothing.
            cleaned["choices"] = []
        return cleaned


class CustomFieldEditForm(CustomFieldFormBase):
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("Inactive fields are hidden from forms; values already stored stay."),
    )

    def __init__(self, *args, field: CustomField, **kwargs):
        super().__init__(*args, **kwargs)
        self.custom_field = field
        if field.kind != FieldKind.CHOICE:
            del self.fields["choices"]

    @staticmethod
    def initial_for(field: CustomField) -> dict:
        return {
            "label": field.label,
            "choices": "\n".join(field.choices),
            "required": field.required,
            "visible_to_customer": field.visible_to_customer,
            "is_active": field.is_active,
        }

    def clean(self):
        cleaned = super().clean()
        if "choices" in self.fields and "choices" in cleaned and not cleaned["choices"]:
            self.add_error("choices", _("A choice field needs at least one choice: one per line."))
        return cleaned


# --- tags -----------------------------------------------------------------------------------


class TagRenameForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=50,
        help_text=_(
            "Lower-case letters, digits and hyphens; spaces become hyphens. If another tag "
            "already has this name, the two tags are merged into it."
        ),
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocapitalize": "off"}),
    )
