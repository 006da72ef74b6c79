"""Forms of the public portal. They parse and check input; services do the writing."""

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from karcis.core.forms import (
    AttachmentsField,
    CustomFieldsMixin,
    field_of,
    service_errors_to_form,
)
from karcis.core.services import normalise_email, validate_phone


class TicketSubmitForm(CustomFieldsMixin, forms.Form):
    """The web form for a new ticket (and for a follow-up to a closed one).

    With `requester_known` the sender is already identified (signed in, or following up
    a ticket they can see), so name, e-mail and phone are not asked. `categories` come in
    the order they are offered (portal.selectors.form_choices).
    """

    name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_(
            "With this address and the ticket number you can always find your ticket again."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone / WhatsApp (optional)"),
        required=False,
        max_length=30,
        help_text=_("For example 0812 3456 7890."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    category = forms.ChoiceField(label=_("Topic"), required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        max_length=20000,
        help_text=_("What happened, what you expected, and any reference numbers."),
        widget=forms.Textarea(attrs={"rows": 7}),
    )
    attachments = AttachmentsField(
        label=_("Attachments (optional)"),
        help_text=_("Screenshots, photos, PDF or Office documents; up to 10 files."),
    )
    # A trap for bots: hidden from people (and from screen readers), filled by scripts.
    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(
        self, *args, categories=(), custom_fields=(), requester_known: bool = False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        field_of(self, "category", forms.ChoiceField).choices = [
            ("", _("Choose a topic (optional)")),
            *[(str(c.pk), c.path or c.name) for c in categories],
        ]
        self._categories = {str(c.pk): c for c in categories}
        if not categories:
            del self.fields["category"]
        if requester_known:
            for name in ("name", "email", "phone"):
                del self.fields[name]
        self.add_custom_fields(list(custom_fields), required=True)

    def clean_category(self) -> Any:
        # ChoiceField has checked the id is one of the active categories offered.
        return self._categories.get(self.cleaned_data.get("category") or "")

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])

    def clean_phone(self) -> str:
        return validate_phone(self.cleaned_data.get("phone") or "")

    def clean(self):
        super().clean()
        # Browsers that fill forms in by themselves sometimes fill the trap too: say what
        # happened, and the page offers the trap empty again (its value is never shown).
        if self.cleaned_data.get("website"):
            self.add_error(
                None,
                _(
                    "Nothing was sent yet: a field hidden from people was filled in, which "
                    "automatic form filling sometimes does and which we also use to stop "
                    "spam. Please check your details and press Send again."
                ),
            )
        return self.cleaned_data

    def custom_field_values(self) -> dict[str, Any]:
        """The custom values typed, an empty one as None (the desk service parses them)."""
        return {key: value or None for key, value in self.custom_values().items()}

    def add_service_errors(self, error: ValidationError) -> None:
        """Put a service's errors on the fields they belong to. An error about a field the
        visitor is not shown (a required field only agents fill in) is nothing they can fix,
        and its name is internal: say so plainly instead."""
        service_errors_to_form(
            self,
            error,
            unplaced=_(
                "Your ticket could not be accepted because of a setting on our side. "
                "Please contact us another way, for example by e-mail."
            ),
        )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    attachments = AttachmentsField(label=_("Attachments (optional)"))

    def __init__(self, *args, kept_files: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.kept_files = kept_files  # files kept from a refused try count as attached

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        empty = (
            not (cleaned.get("body") or "").strip()
            and not cleaned.get("attachments")
            and not self.kept_files
        )
        # A reply whose only file was refused already says why; no second message.
        if empty and not self.errors:
            raise ValidationError(_("Write a message or attach a file."))
        return cleaned


class TrackForm(forms.Form):
    number = forms.CharField(
        label=_("Ticket number"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "placeholder": "KRC-000123",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
    )
    email = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class PasswordsForm(forms.Form):
    """A new password, typed twice and checked against the password rules."""

    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters; not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ. Type the same one twice."))
        elif password1:
            try:
                password_validation.validate_password(password1)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class SignupForm(PasswordsForm):
    name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    field_order = ["name", "email", "password1", "password2"]

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])
