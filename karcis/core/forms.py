"""Forms of the core (signing in) and the pieces every app's forms use: one attachments
field, one builder for the fields an organisation defines, one way to show a service's
refusal on a form."""

from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from karcis.core.content import ACCEPTED_TYPES, CheckedFile, attachments_check
from karcis.core.models import FieldKind

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        "invalid_login": _(
            "That e-mail address and password do not match. Check both and try again."
        ),
        "inactive": _("This account has been deactivated. Ask your administrator."),
    }


# --- pieces every app's forms use -----------------------------------------------------------


class QuickSelect(forms.Select):
    """Django's <select>, with its options written in Python.

    Django renders a Select through one template per <option> (and one more for each
    option's attributes); the ticket page's ~50 options took a quarter of its time that way.
    The markup is the same, the attributes still come from the bound field (required,
    aria-invalid, aria-describedby).
    """

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        html: list[str] = [format_html('<select name="{}"{}>', name, flatatt(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                html.append(format_html('<optgroup label="{}">', group_name))
            html.extend(
                format_html(
                    '<option value="{}"{}>{}</option>',
                    option["value"],
                    flatatt(option["attrs"]),
                    option["label"],
                )
                for option in options
            )
            if group_name:
                html.append("</optgroup>")
        html.append("</select>")
        return mark_safe("\n".join(html))


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


# What the file picker offers: every extension core.content accepts.
ATTACHMENT_ACCEPT = ",".join(
    sorted({extension for extensions in ACCEPTED_TYPES.values() for extension in extensions})
)


class AttachmentsField(forms.FileField):
    """Several files under one name, each checked by its bytes (core.content); cleans to a
    list of CheckedFile (empty when none was chosen)."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Attachments"))
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ATTACHMENT_ACCEPT}))
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[CheckedFile]:
        uploads = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        uploads = [upload for upload in uploads if upload]
        return attachments_check(uploads) if uploads else []


FieldT = TypeVar("FieldT", bound=forms.Field)


def field_of(form: forms.BaseForm, name: str, kind: type[FieldT]) -> FieldT:
    """`form.fields[name]`, as the kind of field the form declares it to be: type checkers
    see a form's fields as plain Fields, without `queryset`, `choices` and the like."""
    return cast(FieldT, form.fields[name])


# --- fields an organisation defines ---------------------------------------------------------


class FieldDefinition(Protocol):
    """What the builder needs to know of a field an organisation defined (desk.CustomField)."""

    key: str
    label: str
    kind: str
    choices: list[str]
    required: bool


def custom_field_formfield(definition: FieldDefinition, *, required: bool) -> forms.Field:
    """A form field for one field an organisation defined, with the browser's own input for
    its kind. Values stay text: the owning app's service is the one place that parses them
    (desk.services.custom_fields_clean)."""
    common: dict[str, Any] = {"label": definition.label, "required": required}
    if definition.kind == FieldKind.CHOICE:
        return forms.ChoiceField(
            choices=[("", "—"), *[(c, c) for c in definition.choices]],
            widget=QuickSelect,
            **common,
        )
    widgets: dict[str, forms.Widget] = {
        FieldKind.NUMBER: forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        FieldKind.DATE: forms.DateInput(attrs={"type": "date"}),
        FieldKind.URL: forms.URLInput(attrs={"placeholder": "https://"}),
        FieldKind.ID_NUMBER: forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": "20"}
        ),
    }
    return forms.CharField(max_length=1000, widget=widgets.get(definition.kind), **common)


class CustomFieldsMixin:
    """Adds one `cf_<key>` field per field the organisation defined."""

    PREFIX = "cf_"
    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]

    def add_custom_fields(self, definitions: list[Any], *, required: bool) -> None:
        """`required`: whether the definitions' own "required" applies on this form."""
        self.custom_fields = list(definitions)
        for definition in self.custom_fields:
            self.fields[self.PREFIX + definition.key] = custom_field_formfield(
                definition, required=required and definition.required
            )

    def custom_bound_fields(self) -> list[Any]:
        return [self[self.PREFIX + d.key] for d in self.custom_fields]  # type: ignore[index]

    def custom_values(self) -> dict[str, str]:
        """The values typed, as text, by key ("" when left empty)."""
        return {
            d.key: (self.cleaned_data.get(self.PREFIX + d.key) or "").strip()
            for d in self.custom_fields
        }


def service_errors_to_form(
    form: forms.Form,
    error: ValidationError,
    *,
    aliases: dict[str, str] | None = None,
    unplaced: "StrOrPromise | None" = None,
) -> None:
    """Put a service's refusal onto the form: each error beside the field it names (a custom
    field's key finds its `cf_` field; `aliases` maps other names), the rest at the top.

    `unplaced`: said instead of the errors about fields the form does not have (a visitor
    cannot fix a field they are not shown, and its name is internal).
    """
    aliases = aliases or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    elsewhere = False
    for key, errors in error.error_dict.items():
        name = aliases.get(key, key)
        if name not in form.fields and CustomFieldsMixin.PREFIX + key in form.fields:
            name = CustomFieldsMixin.PREFIX + key
        if name in form.fields:
            form.add_error(name, errors)
        elif unplaced is None:
            form.add_error(None, errors)
        else:
            elsewhere = True
    if elsewhere and unplaced is not None:  # `elsewhere` is only set when `unplaced` is given
        form.add_error(None, unplaced)
