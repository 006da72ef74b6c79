"""The core's REST API: contacts, staff users and teams of the caller's organisation.

Serializers check the shape of a request; the services write; the selectors decide what
the caller sees. Another organisation's objects are simply not in the querysets (404).
"""

from django.contrib.auth.password_validation import validate_password
from django.db.models import Exists, OuterRef, Q
from django.utils.functional import cached_property
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from karcis.api.idempotency import idempotent_create_schema, respond_idempotently
from karcis.api.permissions import HasCapability
from karcis.api.serializers import NamedRefSerializer, PrimaryKeysInOrganisation, validated
from karcis.api.views import KarcisAPIMixin
from karcis.core import permissions, selectors, services
from karcis.core.models import MAX_ID, Contact, ContactIdentity, Role, Team, User

# --- contacts ---------------------------------------------------------------------------


class ContactIdentitySerializer(serializers.Serializer):
    kind = serializers.CharField(read_only=True)
    value = serializers.CharField(read_only=True)
    verified_at = serializers.DateTimeField(
        read_only=True,
        help_text="When the address was proven to be the contact's; null while only typed "
        "(an unverified address never brings another channel's ticket to the contact).",
    )
    verified_by = serializers.CharField(
        read_only=True,
        help_text="How: inbound (mail came from it), staff, code, signup or existing.",
    )


class ContactSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)
    identities = ContactIdentitySerializer(many=True, read_only=True)
    notes = serializers.CharField(read_only=True)
    company = serializers.CharField(
        read_only=True, help_text="The customer's own organisation, as SLA policies name it."
    )
    vip = serializers.BooleanField(read_only=True)
    has_account = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)

    def get_has_account(self, contact: Contact) -> bool:
        return contact.user_id is not None


class ContactCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    company = serializers.CharField(required=False, allow_blank=True, default="", max_length=150)
    vip = serializers.BooleanField(required=False, default=False)


class ContactUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    company = serializers.CharField(required=False, allow_blank=True, max_length=150)
    vip = serializers.BooleanField(required=False)


class ContactFilter(filters.FilterSet):
    search = filters.CharFilter(
        method="filter_search", label="Name, e-mail address or phone number (part of)"
    )

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        addresses = Q(value__icontains=value.lower())
        phone = services.normalise_phone(value)
        if len(phone) > 4:  # 0812-3456 finds +6281234567890
            addresses |= Q(kind="phone", value__contains=phone.removeprefix("+"))
        matching_identity = ContactIdentity.objects.filter(addresses, contact=OuterRef("pk"))
        return queryset.filter(Q(name__icontains=value) | Exists(matching_identity))


@extend_schema_view(
    list=extend_schema(summary="List contacts"),
    retrieve=extend_schema(summary="A contact"),
)
class ContactViewSet(
    KarcisAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The people the organisation serves, with their e-mail addresses and phone numbers."""

    queryset = Contact.objects.none()
    serializer_class = ContactSerializer
    permission_classes = [HasCapability]
    capabilities = {
        "list": (permissions.CONTACTS_VIEW,),
        "retrieve": (permissions.CONTACTS_VIEW,),
        "create": (permissions.CONTACTS_MANAGE,),
        "partial_update": (permissions.CONTACTS_MANAGE,),
    }
    filterset_class = ContactFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.contacts_visible_to(user=self.request.user).order_by("name", "pk")

    @idempotent_create_schema(request=ContactCreateSerializer, response=ContactSerializer)
    def create(self, request, *args, **kwargs):
        def create_contact():
            data = validated(ContactCreateSerializer, request)
            contact = services.contact_create(
                organisation=request.user.organisation, actor=request.user, **data
            )
            return Response(self.reread(contact), status=status.HTTP_201_CREATED)

        return respond_idempotently(request, create_contact)

    @extend_schema(request=ContactUpdateSerializer, responses=ContactSerializer)
    def partial_update(self, request, *args, **kwargs):
        contact = self.get_object()
        data = validated(ContactUpdateSerializer, request)
        services.contact_update(contact=contact, actor=request.user, **data)
        return Response(self.reread(contact))

    def reread(self, contact: Contact) -> dict:
        """The contact as GET shows it (identities included)."""
        return ContactSerializer(self.get_queryset().get(pk=contact.pk)).data


# --- staff users ------------------------------------------------------------------------


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    name = serializers.CharField(read_only=True)
    role = serializers.CharField(
        read_only=True,
        help_text="A built-in role (admin, supervisor, agent) or the key of a role of the "
        "organisation's own.",
    )
    teams = NamedRefSerializer(many=True, read_only=True)
    sees_all_tickets = serializers.BooleanField(read_only=True)
    capabilities = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Capabilities granted to this person beside their role.",
    )
    is_active = serializers.BooleanField(read_only=True)
    language = serializers.CharField(read_only=True)


ROLE_HELP = "admin, supervisor, agent, or the key of one of the organisation's own roles."
CAPABILITIES_HELP = "Capabilities granted beside the role (e.g. desk.ticket.view_all)."
LANGUAGE_CHOICES = [("", "-"), ("id", "Bahasa Indonesia"), ("en", "English")]


class UserCreateSerializer(serializers.Serializer):
    email = serializers.EmailField()
    name = serializers.CharField(max_length=150)
    role = serializers.CharField(max_length=50, default=Role.AGENT, help_text=ROLE_HELP)
    password = serializers.CharField(
        required=False,
        write_only=True,
        style={"input_type": "password"},
        help_text="Leave out for an integration user that signs in only with an API token.",
    )
    teams = PrimaryKeysInOrganisation(many=True, required=False, default=list)
    sees_all_tickets = serializers.BooleanField(default=False)
    capabilities = serializers.ListField(
        child=serializers.CharField(max_length=80),
        required=False,
        max_length=100,
        help_text=CAPABILITIES_HELP,
    )

    def validate_password(self, value: str) -> str:
        validate_password(value)
        return value


class UserUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150, required=False)
    role = serializers.CharField(max_length=50, required=False, help_text=ROLE_HELP)
    teams = PrimaryKeysInOrganisation(many=True, required=False)
    sees_all_tickets = serializers.BooleanField(required=False)
    capabilities = serializers.ListField(
        child=serializers.CharField(max_length=80),
        required=False,
        max_length=100,
        help_text=CAPABILITIES_HELP,
    )
    is_active = serializers.BooleanField(required=False)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False)


class UserFilter(filters.FilterSet):
    role = filters.CharFilter(label="A role's key")
    is_active = filters.BooleanFilter()
    team = filters.NumberFilter(field_name="teams", min_value=1, max_value=MAX_ID)


@extend_schema_view(
    list=extend_schema(summary="List staff users"),
    retrieve=extend_schema(summary="A staff user"),
)
class UserViewSet(
    KarcisAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The organisation's staff accounts (integration users included), with their role.

    Give an integration its token with `karcis api_token <email>`.
    """

    queryset = User.objects.none()
    serializer_class = UserSerializer
    permission_classes = [HasCapability]
    capabilities = {
        "list": (permissions.STAFF_VIEW,),
        "retrieve": (permissions.STAFF_VIEW,),
        "create": (permissions.STAFF_MANAGE,),
        "partial_update": (permissions.STAFF_MANAGE,),
    }
    filterset_class = UserFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return (
            selectors.users_visible_to(user=self.request.user)
            .prefetch_related("teams")
            .order_by("name", "pk")
        )

    @cached_property
    def related_querysets(self):
        return {"teams": selectors.teams_of(organisation=self.request.user.organisation)}

    @idempotent_create_schema(request=UserCreateSerializer, response=UserSerializer)
    def create(self, request, *args, **kwargs):
        def create_user():
            data = validated(UserCreateSerializer, request, view=self)
            user = services.staff_user_create(
                organisation=request.user.organisation, actor=request.user, **data
            )
            return Response(self.reread(user), status=status.HTTP_201_CREATED)

        return respond_idempotently(request, create_user)

    @extend_schema(request=UserUpdateSerializer, responses=UserSerializer)
    def partial_update(self, request, *args, **kwargs):
        user = self.get_object()
        data = validated(UserUpdateSerializer, request, view=self)
        services.staff_user_update(user=user, actor=request.user, **data)
        return Response(self.reread(user))

    def reread(self, user: User) -> dict:
        return UserSerializer(self.get_queryset().get(pk=user.pk)).data


# --- teams ------------------------------------------------------------------------------


class TeamSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    members = NamedRefSerializer(many=True, read_only=True)


class TeamCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )
    members = PrimaryKeysInOrganisation(many=True, required=False, default=list)


class TeamUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)
    members = PrimaryKeysInOrganisation(many=True, required=False)


@extend_schema_view(
    list=extend_schema(summary="List teams"),
    retrieve=extend_schema(summary="A team"),
)
class TeamViewSet(
    KarcisAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Groups of agents that tickets are routed to."""

    queryset = Team.objects.none()
    serializer_class = TeamSerializer
    permission_classes = [HasCapability]
    capabilities = {
        "list": (permissions.STAFF_VIEW,),
        "retrieve": (permissions.STAFF_VIEW,),
        "create": (permissions.STAFF_MANAGE,),
        "partial_update": (permissions.STAFF_MANAGE,),
    }
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return (
            selectors.teams_of(organisation=self.request.user.organisation)
            .prefetch_related("members")
            .order_by("name", "pk")
        )

    @cached_property
    def related_querysets(self):
        return {"members": selectors.staff_of(organisation=self.request.user.organisation)}

    @idempotent_create_schema(request=TeamCreateSerializer, response=TeamSerializer)
    def create(self, request, *args, **kwargs):
        def create_team():
            data = validated(TeamCreateSerializer, request, view=self)
            team = services.team_create(
                organisation=request.user.organisation, actor=request.user, **data
            )
            return Response(self.reread(team), status=status.HTTP_201_CREATED)

        return respond_idempotently(request, create_team)

    @extend_schema(request=TeamUpdateSerializer, responses=TeamSerializer)
    def partial_update(self, request, *args, **kwargs):
        team = self.get_object()
        data = validated(TeamUpdateSerializer, request, view=self)
        services.team_update(team=team, actor=request.user, **data)
        return Response(self.reread(team))

    def reread(self, team: Team) -> dict:
        return TeamSerializer(self.get_queryset().get(pk=team.pk)).data
