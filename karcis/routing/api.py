"""Routing's REST endpoints: the routing rules (administrators) and one's own status."""

from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from karcis.api.idempotency import idempotent_create_schema, respond_idempotently
from karcis.api.permissions import HasCapability
from karcis.api.serializers import PrimaryKeysInOrganisation, validated
from karcis.api.views import KarcisAPIMixin
from karcis.core.models import Channel
from karcis.core.selectors import teams_of
from karcis.routing import permissions, selectors, services
from karcis.routing.language import LANGUAGES
from karcis.routing.models import AgentStatus, RoutingRule

CONDITION_HELP = "Empty: any. Within a list any value matches; all the lists given must match."


class RuleSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    position = serializers.IntegerField(read_only=True, help_text="Rules are tried in this order.")
    is_active = serializers.BooleanField(read_only=True)
    team = serializers.IntegerField(source="team_id", read_only=True)
    categories = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    channels = serializers.ListField(child=serializers.CharField(), read_only=True)
    mailboxes = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    languages = serializers.ListField(child=serializers.CharField(), read_only=True)
    keywords = serializers.ListField(child=serializers.CharField(), read_only=True)
    companies = serializers.ListField(child=serializers.CharField(), read_only=True)
    match_count = serializers.IntegerField(read_only=True)
    last_matched_at = serializers.DateTimeField(read_only=True, allow_null=True)


class RuleWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    team = PrimaryKeysInOrganisation()
    is_active = serializers.BooleanField(required=False, default=True)
    categories = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text=CONDITION_HELP
    )
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), required=False
    )
    mailboxes = serializers.ListField(child=serializers.IntegerField(), required=False)
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=list(LANGUAGES)), required=False
    )
    keywords = serializers.ListField(
        child=serializers.CharField(max_length=100),
        required=False,
        help_text="Whole words or phrases, in the subject or the first message, any case.",
    )
    companies = serializers.ListField(
        child=serializers.CharField(max_length=150),
        required=False,
        help_text="The requester's organisation (Contact.company), any case.",
    )
    position = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Move the rule to this place in the order (1: tried first).",
    )


class RuleUpdateSerializer(RuleWriteSerializer):
    name = serializers.CharField(max_length=100, required=False)
    team = PrimaryKeysInOrganisation(required=False)
    is_active = serializers.BooleanField(required=False)


@extend_schema_view(
    list=extend_schema(summary="List routing rules", description="In the order they are tried."),
    retrieve=extend_schema(summary="A routing rule"),
    destroy=extend_schema(summary="Delete a routing rule"),
)
class RoutingRuleViewSet(
    KarcisAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Routing rules: a new ticket without a team goes to the team of the first active rule
    it matches (administrators)."""

    queryset = RoutingRule.objects.none()
    serializer_class = RuleSerializer
    permission_classes = [HasCapability]
    capabilities = {
        action: (permissions.SETTINGS_MANAGE,)
        for action in ("list", "retrieve", "create", "partial_update", "destroy")
    }
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.rules_of(organisation=self.request.user.organisation).order_by(
            "position", "id"
        )

    @cached_property
    def related_querysets(self):
        return {"team": teams_of(organisation=self.request.user.organisation)}

    def _write(self, rule, data):
        position = data.pop("position", None)
        if rule is None:
            rule = services.rule_create(
                organisation=self.request.user.organisation, actor=self.request.user, **data
            )
        elif data:
            services.rule_update(rule=rule, actor=self.request.user, **data)
        if position is not None:
            order = [r.pk for r in self.get_queryset() if r.pk != rule.pk]
            order.insert(min(position, len(order) + 1) - 1, rule.pk)
            services.rules_reorder(
                organisation=self.request.user.organisation, actor=self.request.user, order=order
            )
        return RuleSerializer(self.get_queryset().get(pk=rule.pk)).data

    @idempotent_create_schema(
        request=RuleWriteSerializer, response=RuleSerializer, summary="Add a routing rule"
    )
    def create(self, request, *args, **kwargs):
        def create_rule():
            data = validated(RuleWriteSerializer, request, view=self)
            return Response(self._write(None, data), status=status.HTTP_201_CREATED)

        return respond_idempotently(request, create_rule)

    @extend_schema(
        request=RuleUpdateSerializer, responses=RuleSerializer, summary="Change a routing rule"
    )
    def partial_update(self, request, *args, **kwargs):
        rule = self.get_object()
        data = validated(RuleUpdateSerializer, request, view=self)
        return Response(self._write(rule, data))

    def perform_destroy(self, instance):
        services.rule_delete(rule=instance, actor=self.request.user)


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=AgentStatus.choices)
    since = serializers.DateTimeField(read_only=True, allow_null=True)
    capacity = serializers.IntegerField(read_only=True)
    skills = serializers.ListField(child=serializers.CharField(), read_only=True)


class MyStatusViewSet(KarcisAPIMixin, viewsets.ViewSet):
    """The caller's own availability: only online agents get tickets automatically."""

    permission_classes = [HasCapability]
    capabilities = {"retrieve": (permissions.STATUS_SET,), "update": (permissions.STATUS_SET,)}
    serializer_class = StatusSerializer

    def _answer(self, profile):
        return {
            "status": profile.status if profile else AgentStatus.OFF,
            "since": profile.status_changed_at if profile else None,
            "capacity": profile.capacity if profile else 10,
            "skills": profile.skills if profile else [],
        }

    @extend_schema(responses=StatusSerializer, summary="My status")
    def retrieve(self, request, *args, **kwargs):
        return Response(self._answer(selectors.agent_profile_of(user=request.user)))

    @extend_schema(request=StatusSerializer, responses=StatusSerializer, summary="Set my status")
    def update(self, request, *args, **kwargs):
        data = validated(StatusSerializer, request, view=self)
        profile = services.agent_status_set(
            agent=request.user, status=data["status"], actor=request.user
        )
        return Response(self._answer(profile))


my_status = MyStatusViewSet.as_view({"get": "retrieve", "put": "update"})
