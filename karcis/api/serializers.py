"""Serializer pieces every app's API uses."""

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


def validated(serializer_class, request, *, view=None) -> dict:
    """The request body checked by `serializer_class`; a 400 with field errors otherwise."""
    serializer = serializer_class(data=request.data, context={"request": request, "view": view})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
