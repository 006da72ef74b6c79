"""Serializer pieces every app's API uses."""

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class NamedRefSerializer(serializers.Serializer):
    """A reference to another object: its id and name."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


@extend_schema_field(OpenApiTypes.INT)
class PrimaryKeysInOrganisation(serializers.PrimaryKeyRelatedField):
    """Ids of objects of the caller's organisation; any other id 'does not exist'.

    The view's `related_querysets[field name]` says where to look, so the rule comes from
    the selectors and never from the serializer.
    """

    def get_queryset(self):
        # With many=True this field is the child of a ManyRelatedField, which has the name.
        name = self.field_name or self.parent.field_name
        return self.context["view"].related_querysets[name]


_INTEGER = re.compile(r"-?[0-9]+")


def _type_refusal(field: serializers.Field, value: Any) -> Any:
    """Why `value`, as the caller sent it, is not of `field`'s type; None if it is.

    DRF is lenient where a caller's mistake should be told: a CharField takes 5 as "5", and
    an id field takes 1.5 or true as 1 (Django's int()). Only JSON bodies carry such types:
    form values are always text, which the fields themselves check.
    """
    if value is None:
        return None  # allow_null is the field's own business
    if isinstance(field, serializers.Serializer):
        return _refusals(field.fields, value) or None
    if isinstance(field, serializers.ListField) and isinstance(value, list):
        return _children_refusals(field.child, value)
    if isinstance(field, serializers.ManyRelatedField) and isinstance(value, list):
        return _children_refusals(field.child_relation, value)
    if isinstance(field, serializers.CharField) and not isinstance(value, str):
        return [_("Not a valid string.")]
    if isinstance(field, serializers.IntegerField | serializers.PrimaryKeyRelatedField):
        whole = isinstance(value, int) and not isinstance(value, bool)
        if not whole and not (isinstance(value, str) and _INTEGER.fullmatch(value.strip())):
            return [serializers.IntegerField.default_error_messages["invalid"]]
    return None


def _children_refusals(child: serializers.Field, values: list) -> Any:
    refused = {
        index: refusal
        for index, value in enumerate(values)
        if (refusal := _type_refusal(child, value)) is not None
    }
    return refused or None


def _refusals(fields: Mapping[str, serializers.Field], data: Any, also: Iterable[str] = ()) -> dict:
    """Field errors for keys a caller may not send (read-only or unknown: named, never
    silently dropped) and for values of the wrong JSON type."""
    if not isinstance(data, Mapping):
        return {}  # the serializer itself says a dictionary was expected
    writable = {name: field for name, field in fields.items() if not field.read_only}
    refused: dict[str, Any] = {
        key: [_("This field cannot be set (it is read-only or unknown).")]
        for key in data
        if key not in writable and key not in also
    }
    if isinstance(data, dict):  # JSON (a QueryDict of form values is text only)
        for name, field in writable.items():
            if name in data and (refusal := _type_refusal(field, data[name])) is not None:
                refused[name] = refusal
    return refused


def validated(serializer_class, request, *, view=None, also: Iterable[str] = ()) -> dict:
    """The request body checked by `serializer_class`; a 400 with field errors otherwise.

    Stricter than DRF alone: a key the serializer does not accept is refused by name (a
    caller who sends `status` on create, or misspells `priority`, learns it), and a value of
    the wrong JSON type is refused rather than converted. `also`: keys read elsewhere (files).
    """
    serializer = serializer_class(data=request.data, context={"request": request, "view": view})
    refused = _refusals(serializer.fields, request.data, also)
    if refused:
        raise serializers.ValidationError(refused)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
