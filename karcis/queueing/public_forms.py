"""The online booking form: the slot and bucket offered for the chosen day, the person, and
the one-time token that keeps one form from booking twice.

The form checks only what a form can (required, lengths, choices); the person's details are
checked by `services.ticket_take`, whose errors by field land on the same fields.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from karcis.queueing.public import BucketChoice
from karcis.queueing.selectors import Slot

# "Tell me by e-mail when this many people are ahead of me": a few choices, no free number.
NOTIFY_CHOICES = [0, 2, 3, 5, 10, 20]
_ONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def once_token() -> str:
    return secrets.token_urlsafe(18)


def _notify_label(ahead: int) -> str:
    if not ahead:
        return str(_("No e-mail"))
    return str(_("When %(count)d people are ahead of me")) % {"count": ahead}


class BookingForm(forms.Form):
    slot = forms.ChoiceField(label=_("Time"), widget=forms.RadioSelect, required=True)
    bucket = forms.ChoiceField(label=_("Category"), widget=forms.RadioSelect, required=True)
    name = forms.CharField(
        label=_("Name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text=_("The name of the person who will come."),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=32,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("One booking per phone number for this service and day."),
    )
    nik = forms.CharField(
        label=_("NIK (optional)"),
        max_length=24,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("The 16-digit number on the KTP. It is checked, then only shown masked."),
    )
    email = forms.EmailField(
        label=_("E-mail address (optional)"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("The link to your booking is sent there."),
    )
    notify_ahead = forms.TypedChoiceField(
        label=_("Tell me by e-mail"), coerce=int, required=False, choices=[]
    )
    once = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        slots: list[Slot] | None = None,
        buckets: list[BucketChoice] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.once_refused = False
        self.slots = {slot.label: slot for slot in slots or []}
        if slots is None:
            del self.fields["slot"]  # the service books whole days
        else:
            self._choices("slot", [(slot.label, slot.label) for slot in slots])
        if not buckets:
            del self.fields["bucket"]
        else:
            self._choices("bucket", [(bucket.key, bucket.label) for bucket in buckets])
        # The labels are built in the language of the request that makes the form.
        self._choices("notify_ahead", [(value, _notify_label(value)) for value in NOTIFY_CHOICES])

    def _choices(self, name: str, choices: list[tuple[Any, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def clean_slot(self) -> str:
        label: str = self.cleaned_data["slot"]
        if self.slots[label].left <= 0:
            raise ValidationError(_("This time is full; choose another."), code="full")
        return label

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["notify_ahead"] = data.get("notify_ahead") or 0
        if not _ONCE.match(data.get("once") or ""):
            # A form without the token its page was given: not one this site served.
            self.once_refused = True
            self.add_error(
                None, _("This form is out of date: check the details and send it again.")
            )
        if data.get("notify_ahead") and not data.get("email"):
            self.add_error(
                "email", _("Enter an e-mail address to be told when your turn comes near.")
            )
        return data

    def chosen_slot(self) -> Slot | None:
        label = self.cleaned_data.get("slot")
        return self.slots.get(label) if label else None

    def add_service_errors(self, error: ValidationError) -> None:
        """The service's refusal by field, on the fields it names (the others above the form)."""
        by_field = getattr(error, "error_dict", None)
        if by_field is None:
            self.add_error(None, error)
            return
        for name, errors in error.message_dict.items():
            field = name if name in self.fields and name != "once" else None
            for message in errors:
                self.add_error(field, message)
