"""Forms of the core (signing in) and the pieces every app's forms use: one attachments
field, one builder for the fields an organisation defines, one way to show a service's
refusal on a form."""

import math
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.utils import flatatt
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from karcis.core import throttle
from karcis.core.accounts import signin_failure_record
from karcis.core.content import ACCEPTED_TYPES, CheckedFile, attachments_check
from karcis.core.models import FieldKind, Organisation

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def locked_error(until: datetime) -> ValidationError:
    """Sign-in is paused until then: say when to try again, in the reader's time zone."""
    minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
    return ValidationError(
        _(
            "Too many failed attempts. For your safety, signing in is paused: try again "
            "after %(time)s (in %(minutes)s min)."
        ),
        code="throttled",
        params={"time": formats.time_format(timezone.localtime(until)), "minutes": minutes},
    )


class ThrottledSignInMixin:
    """Sign-in limited per account and per client (core.throttle), failures in the audit
    log (core.accounts). Over a limit the form refuses with a `throttled` error saying when
    to try again, before any password is checked.

    Mixed into an AuthenticationForm: `organisation` is given for a portal's customers
    (their accounts belong to it), None for the staff sign-in and the Django admin.
    """

    organisation: Organisation | None = None

    def clean(self):
        form = cast(AuthenticationForm, self)
        address = (form.cleaned_data.get("username") or "").strip().lower()
        password = form.cleaned_data.get("password")
        client = throttle.client_of(form.request)
        organisation_id = self.organisation.pk if self.organisation is not None else None
        account = throttle.account_subject(email=address, organisation_id=organisation_id)
        paused = [
            until
            for until in (
                throttle.SIGNIN_CLIENT.locked_until(client),
                throttle.SIGNIN_ACCOUNT.locked_until(account) if address else None,
            )
            if until is not None
        ]
        if paused:
            raise locked_error(max(paused))
        if not address or not password:
            return form.cleaned_data
        credentials = {"organisation": self.organisation} if self.organisation else {}
        form.user_cache = authenticate(
            form.request, username=address, password=password, **credentials
        )
        if form.user_cache is None:
            locks = [
                until
                for until in (
                    throttle.SIGNIN_ACCOUNT.hit(account),
                    throttle.SIGNIN_CLIENT.hit(client),
                )
                if until is not None
            ]
            signin_failure_record(
                email=address, organisation=self.organisation, client=client, locked=bool(locks)
            )
            if locks:
                raise locked_error(max(locks))
            raise form.get_invalid_login_error()
        form.confirm_login_allowed(form.user_cache)
        throttle.SIGNIN_ACCOUNT.clear(account)
        return form.cleaned_data

    @property
    def throttled(self) -> bool:
        return cast(forms.Form, self).has_error(NON_FIELD_ERRORS, "throttled")


SIGNIN_ERRORS: "dict[str, StrOrPromise]" = {
    "invalid_login": _("That e-mail address and password do not match. Check both and try again."),
    "inactive": _("This account has been deactivated. Ask your administrator."),
}


class LoginForm(ThrottledSignInMixin, AuthenticationForm):
    """The staff sign-in (/login/): staff accounts only, by address alone."""

    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = SIGNIN_ERRORS


class CustomerSignInForm(LoginForm):
    """A portal's sign-in: that organisation's customer accounts only."""

    def __init__(self, request=None, *args, organisation: Organisation, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.organisation = organisation


class AdminLoginForm(ThrottledSignInMixin, AdminAuthenticationForm):
    """The Django admin's sign-in, under the same limits as the staff sign-in."""


class EmailForm(forms.Form):
    """The address to send a password reset link to."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class NewPasswordForm(forms.Form):
    """A new password, typed twice and checked against the password rules (and the
    account: not too close to its name or address)."""

    password1 = forms.CharField(
        label=_("Your new password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}),
        help_text=_("At least 8 characters; not a common password."),
    )
    password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        cleaned = super().clean() or {}
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ. Type the same one twice."))
        elif password1:
            try:
                password_validation.validate_password(password1, self.user)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


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
