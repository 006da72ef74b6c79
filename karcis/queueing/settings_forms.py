"""The forms of the public queues' Settings: a service point, a service (its buckets and its
quotas as a table of channel × bucket), a counter (its services, in order). They parse input
into what point_create/update, service_create/update and counter_create/update take; the
services validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from karcis.calendars import selectors as calendars
from karcis.core.models import INDONESIAN_TIME_ZONES, Organisation
from karcis.queueing.models import Counter, Service, ServicePoint

QUOTA_CHANNELS = (("online", _("Online")), ("walk_in", _("Walk-in")))


class PointForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    slug = forms.CharField(
        label=_("Short name"),
        max_length=60,
        help_text=_("In the public addresses: lowercase letters, digits and dashes."),
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    address = forms.CharField(
        label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=INDONESIAN_TIME_ZONES)
    calendar = forms.TypedChoiceField(
        label=_("Opening hours"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("A business calendar: its hours and holidays. Empty: the default calendar."),
    )
    printer_host = forms.CharField(
        label=_("Receipt printer address"),
        max_length=200,
        required=False,
        help_text=_("An ESC/POS network printer beside the kiosk. Empty: the browser prints."),
    )
    printer_port = forms.IntegerField(
        label=_("Receipt printer port"), min_value=1, max_value=65535, initial=9100
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["calendar"].choices = [  # type: ignore[attr-defined]
            ("", _("— The organisation's default —")),
            *calendars.calendar_names_of(organisation_id=organisation.pk),
        ]
        if not self.is_bound and "time_zone" not in self.initial:
            self.initial["time_zone"] = organisation.time_zone or "Asia/Jakarta"

    @staticmethod
    def initial_of(point: ServicePoint) -> dict[str, Any]:
        initial = {name: getattr(point, name) for name in PointForm.base_fields}
        initial["calendar"] = point.calendar_id
        return initial

    def point_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["printer_host"] = data["printer_host"].strip()
        return data


def _buckets_text(buckets: list[dict[str, str]]) -> str:
    return "\n".join(f"{bucket['key']}: {bucket['label']}" for bucket in buckets)


def buckets_parsed(text: str) -> list[dict[str, str]]:
    """ "jkn: Pasien JKN" lines → [{"key": "jkn", "label": "Pasien JKN"}]; the service checks
    the keys and labels."""
    buckets = []
    for line in text.splitlines():
        if not line.strip():
            continue
        key, _colon, label = line.partition(":")
        buckets.append({"key": key.strip().lower(), "label": label.strip()})
    return buckets


def _quota_field_name(channel: str, bucket: str) -> str:
    # "-" never appears in a bucket's key, so "" (every bucket) cannot meet a bucket's name.
    return f"quota-{channel}-{bucket}"


class ServiceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    # The form's own `prefix` (of its field names) is left alone: Django's form class takes
    # declared fields out of the class attributes.
    prefix = forms.CharField(  # type: ignore[assignment]
        label=_("Number prefix"),
        max_length=3,
        help_text=_("One to three letters: numbers are A-001, A-002, …"),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    buckets = forms.CharField(
        label=_("Buckets"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=_(
            "Kinds of visitor counted apart, one per line as key: label, e.g. jkn: Pasien JKN. "
            "Empty: one line for everybody."
        ),
    )
    slot_minutes = forms.IntegerField(
        label=_("Slot length (minutes)"),
        min_value=0,
        max_value=480,
        initial=15,
        help_text=_("0: online bookings are for the day, without a time."),
    )
    slot_capacity = forms.IntegerField(
        label=_("People per slot"), min_value=1, max_value=10_000, initial=4
    )
    booking_days_ahead = forms.IntegerField(
        label=_("Days ahead booking opens"), min_value=0, max_value=90, initial=7
    )
    booking_closes_at = forms.TimeField(
        label=_("Booking for a day closes at"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Local time on that day. Empty: at closing time."),
    )
    requeue_after = forms.IntegerField(
        label=_("A returning no-show waits for"),
        min_value=0,
        max_value=100,
        initial=5,
        help_text=_("How many further calls before a no-show who came back is called."),
    )
    online_booking = forms.BooleanField(label=_("Bookable online"), required=False, initial=True)
    position = forms.IntegerField(
        label=_("Order"),
        min_value=0,
        max_value=10_000,
        initial=0,
        help_text=_("Services are listed by this number, smallest first."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, service: Service | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        quotas = service.quotas if service is not None else []
        # The table's rows: every bucket of the form as sent (so a bucket just added gets its
        # row on the page that shows the form again), else of the service as saved.
        if self.is_bound:
            keys = [b["key"] for b in buckets_parsed(self.data.get("buckets", "")) if b["key"]]
            labels = {b["key"]: b["label"] for b in buckets_parsed(self.data.get("buckets", ""))}
        else:
            saved = service.buckets if service is not None else []
            keys = [bucket["key"] for bucket in saved]
            labels = {bucket["key"]: bucket["label"] for bucket in saved}
        limits = {(quota["channel"], quota["bucket"]): quota["limit"] for quota in quotas}
        self.quota_rows: list[dict[str, Any]] = []
        for bucket in ["", *dict.fromkeys(keys)]:
            row: dict[str, Any] = {
                "bucket": bucket,
                "label": labels.get(bucket) or bucket or _("Everybody"),
                "fields": [],
            }
            for channel, channel_label in QUOTA_CHANNELS:
                name = _quota_field_name(channel, bucket)
                self.fields[name] = forms.IntegerField(
                    label=_("%(channel)s quota for %(bucket)s")
                    % {"channel": channel_label, "bucket": row["label"]},
                    required=False,
                    min_value=0,
                    max_value=100_000,
                    initial=limits.get((channel, bucket)),
                )
                row["fields"].append(name)
            self.quota_rows.append(row)

    @property
    def quota_table(self) -> list[dict[str, Any]]:
        """The rows as the template draws them: a label and a bound field per channel."""
        return [{**row, "cells": [self[name] for name in row["fields"]]} for row in self.quota_rows]

    @staticmethod
    def initial_of(service: Service) -> dict[str, Any]:
        names = [name for name in ServiceForm.base_fields if name != "buckets"]
        initial = {name: getattr(service, name) for name in names}
        initial["buckets"] = _buckets_text(service.buckets)
        return initial

    def service_data(self) -> dict[str, Any]:
        data = {
            name: value
            for name, value in self.cleaned_data.items()
            if not name.startswith("quota-")
        }
        data["buckets"] = buckets_parsed(data.get("buckets") or "")
        data["quotas"] = [
            {"channel": channel, "bucket": row["bucket"], "limit": limit}
            for row in self.quota_rows
            for channel, _label in QUOTA_CHANNELS
            if (limit := self.cleaned_data.get(_quota_field_name(channel, row["bucket"])))
            is not None
        ]
        return data


class CounterForm(forms.Form):
    """A counter and the services it calls, in its order: each service of the point has a
    checkbox (served) and a number (its place in the order), so the order is set with the
    keyboard alone."""

    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.CharField(
        label=_("Called as"),
        max_length=20,
        help_text=_("How the board calls it: 3 is announced as “loket tiga”."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(
        self,
        *args: Any,
        point_services: list[Service],
        counter: Counter | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        order = {pk: place for place, pk in enumerate(counter.services if counter else [], 1)}
        self.service_rows: list[dict[str, Any]] = []
        for service in point_services:
            serve, place = f"serve-{service.pk}", f"order-{service.pk}"
            self.fields[serve] = forms.BooleanField(
                label=service.name, required=False, initial=service.pk in order
            )
            self.fields[place] = forms.IntegerField(
                label=_("Place of %(service)s in the order") % {"service": service.name},
                required=False,
                min_value=1,
                max_value=1000,
                initial=order.get(service.pk),
            )
            self.service_rows.append({"service": service, "serve": serve, "order": place})

    @property
    def service_table(self) -> list[dict[str, Any]]:
        return [
            {"service": row["service"], "serve": self[row["serve"]], "order": self[row["order"]]}
            for row in self.service_rows
        ]

    @staticmethod
    def initial_of(counter: Counter) -> dict[str, Any]:
        return {"name": counter.name, "code": counter.code, "is_active": counter.is_active}

    def counter_data(self) -> dict[str, Any]:
        """The checked services by their place (unnumbered ones last, in the list's order)."""
        chosen = [
            (self.cleaned_data.get(row["order"]) or 10_000, index, row["service"].pk)
            for index, row in enumerate(self.service_rows)
            if self.cleaned_data.get(row["serve"])
        ]
        return {
            "name": self.cleaned_data["name"],
            "code": self.cleaned_data["code"],
            "is_active": self.cleaned_data["is_active"],
            "services": [pk for _place, _index, pk in sorted(chosen)],
        }
