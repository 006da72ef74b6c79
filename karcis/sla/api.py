"""The SLA's REST API: the `sla` of every ticket representation (used by the desk's ticket
endpoints) and the policies at /api/sla-policies/ for admins."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response

from karcis.api.idempotency import idempotent_create_schema, respond_idempotently
from karcis.api.permissions import HasCapability
from karcis.api.serializers import validated
from karcis.api.views import KarcisAPIMixin
from karcis.core.models import Channel
from karcis.desk.services import Priority
from karcis.sla import permissions, selectors, services
from karcis.sla.models import ClockState, SlaClock, SlaPolicy, Target

# --- a ticket's clocks ----------------------------------------------------------------------


class SlaClockSerializer(serializers.Serializer):
    """One target's clock on a ticket."""

    target = serializers.ChoiceField(choices=Target.choices, read_only=True)
    due_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When the target is due (ISO 8601 with offset); null while paused.",
    )
    state = serializers.ChoiceField(
        choices=ClockState.choices,
        read_only=True,
        help_text="on_time, at_risk (the policy's warning share used), breached, paused "
        "(a resolution clock in a pause status) or met.",
    )
    met_at = serializers.DateTimeField(read_only=True, allow_null=True)
    breached_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="The moment the target broke, or null."
    )
    policy = serializers.IntegerField(read_only=True, help_text="The SLA policy's id.")


TARGET_ORDER = {target: index for index, target in enumerate(Target.values)}


_DATETIME = serializers.DateTimeField()


def _iso(moment: Any) -> str | None:
    """As every date-time of the API: ISO 8601 in the active time zone, with its offset."""
    return _DATETIME.to_representation(moment) if moment is not None else None


def clock_representation(clock: SlaClock) -> dict[str, Any]:
    state = selectors.clock_state_now(clock)
    return {
        "target": clock.target,
        "due_at": _iso(clock.due_at),
        "state": state,
        "met_at": _iso(clock.met_at),
        "breached_at": _iso(clock.breached_at or (clock.due_at if state == "breached" else None)),
        "policy": clock.policy_id,
    }


# --- policies -------------------------------------------------------------------------------


class EscalationSerializer(serializers.Serializer):
    notify = serializers.BooleanField(
        required=False, default=False, help_text="Tell the assignee and supervisors."
    )
    raise_priority = serializers.BooleanField(required=False, default=False)
    team = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="Move to this team (id)."
    )
    tag = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)


class SlaPolicySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)
    position = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="1 is tried first; the first policy that matches applies. Setting it moves "
        "the policy there and renumbers the others (new policies go last by default).",
    )
    is_active = serializers.BooleanField(required=False)
    priorities = serializers.ListField(
        child=serializers.ChoiceField(choices=Priority.choices),
        required=False,
        help_text="Condition: the ticket's priority is one of these (empty: any).",
    )
    categories = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Category ids (empty: any)."
    )
    teams = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Team ids (empty: any)."
    )
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), required=False
    )
    companies = serializers.ListField(
        child=serializers.CharField(max_length=150),
        required=False,
        help_text="The requester's organisation is one of these (case ignored; empty: any).",
    )
    vip = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text="true: only VIP requesters; false: only others; null: any.",
    )
    first_response_minutes = serializers.IntegerField(required=False, allow_null=True)
    next_response_minutes = serializers.IntegerField(required=False, allow_null=True)
    resolution_minutes = serializers.IntegerField(required=False, allow_null=True)
    business_time = serializers.BooleanField(
        required=False, help_text="true: business hours of the calendar; false: calendar time."
    )
    calendar = serializers.IntegerField(
        required=False,
        allow_null=True,
        source="calendar_id",
        help_text="A business calendar's id; null: the ticket team's, else the default.",
    )
    warning_percent = serializers.IntegerField(required=False, min_value=1, max_value=99)
    pause_statuses = serializers.ListField(
        child=serializers.ChoiceField(choices=services.PAUSABLE_STATUSES),
        required=False,
        help_text="Statuses that pause the resolution clock.",
    )
    on_warning = EscalationSerializer(required=False)
    on_breach = EscalationSerializer(required=False)


class SlaPolicyUpdateSerializer(SlaPolicySerializer):
    name = serializers.CharField(max_length=100, required=False)


POLICY_EXAMPLE = OpenApiExample(
    "Urgent tickets",
    value={
        "name": "Urgent",
        "priorities": ["urgent"],
        "first_response_minutes": 30,
        "next_response_minutes": 60,
        "resolution_minutes": 240,
        "business_time": True,
        "calendar": None,
        "warning_percent": 75,
        "pause_statuses": ["pending", "on_hold"],
        "on_warning": {"notify": True},
        "on_breach": {"notify": True, "raise_priority": False, "team": None, "tag": "sla-breach"},
    },
    request_only=True,
)


def _policy_data(request: Any, *, partial: bool) -> dict[str, Any]:
    """The request's policy fields as the services take them (`position` apart)."""
    data = validated(SlaPolicyUpdateSerializer if partial else SlaPolicySerializer, request)
    for field in ("on_warning", "on_breach"):
        if field in data:
            data[field] = dict(data[field])
    if "calendar_id" in data:
        data["calendar"] = data.pop("calendar_id")
    return data


@extend_schema_view(
    list=extend_schema(summary="List SLA policies", description="First match first."),
    retrieve=extend_schema(summary="An SLA policy"),
    partial_update=extend_schema(
        summary="Change an SLA policy",
        request=SlaPolicyUpdateSerializer,
        responses=SlaPolicySerializer,
        examples=[POLICY_EXAMPLE],
    ),
    destroy=extend_schema(
        summary="Delete an SLA policy",
        description="Refused (400) once tickets have run on it: deactivate it instead.",
    ),
)
class SlaPolicyViewSet(
    KarcisAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Service-level policies: conditions, targets in minutes, hours, escalations."""

    queryset = SlaPolicy.objects.none()
    serializer_class = SlaPolicySerializer
    permission_classes = [HasCapability]
    capabilities = {
        action: (permissions.POLICIES_MANAGE,)
        for action in ("list", "retrieve", "create", "partial_update", "destroy")
    }
    filter_backends = []
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.policies_of(organisation=self.request.user.organisation)

    def get_object(self):
        try:
            pk = int(self.kwargs["pk"])
        except (TypeError, ValueError):
            raise exceptions.NotFound() from None
        policy = self.get_queryset().filter(pk=pk).first()
        if policy is None:
            raise exceptions.NotFound()
        return policy

    @idempotent_create_schema(
        request=SlaPolicySerializer,
        response=SlaPolicySerializer,
        summary="Add an SLA policy",
        examples=[POLICY_EXAMPLE],
    )
    def create(self, request, *args, **kwargs):
        def create_policy():
            data = _policy_data(request, partial=False)
            position = data.pop("position", None)

            def create() -> SlaPolicy:
                with transaction.atomic():
                    policy = services.policy_create(
                        organisation=request.user.organisation, actor=request.user, **data
                    )
                    if position is not None:
                        services.policy_move(policy=policy, actor=request.user, position=position)
                    return policy

            policy = create()
            return Response(SlaPolicySerializer(policy).data, status=status.HTTP_201_CREATED)

        return respond_idempotently(request, create_policy)

    def partial_update(self, request, *args, **kwargs):
        policy = self.get_object()
        data = _policy_data(request, partial=True)
        position = data.pop("position", None)

        def update() -> None:
            with transaction.atomic():
                services.policy_update(policy=policy, actor=request.user, **data)
                if position is not None:
                    services.policy_move(policy=policy, actor=request.user, position=position)

        update()
        return Response(SlaPolicySerializer(policy).data)

    def destroy(self, request, *args, **kwargs):
        policy = self.get_object()
        services.policy_delete(policy=policy, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
