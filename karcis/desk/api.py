"""The service desk's REST API: tickets, their messages and files, and categories.

Serializers check the shape of a request; desk.services write; desk.selectors decide who
sees what (tickets_visible_to is the one rule for tickets, their messages and files).
"""

from typing import cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from karcis.api.errors import ErrorSerializer
from karcis.api.idempotency import idempotent_create_schema, respond_idempotently
from karcis.api.permissions import HasCapability
from karcis.api.serializers import NamedRefSerializer, PrimaryKeysInOrganisation, validated
from karcis.api.views import KarcisAPIMixin
from karcis.core import selectors as core_selectors
from karcis.core import services as core_services
from karcis.core.content import attachments_check, body_from
from karcis.core.downloads import file_response
from karcis.core.models import MAX_ID, Channel, DeliveryState
from karcis.core.permissions import user_can
from karcis.desk import permissions, selectors, services
from karcis.desk.models import (
    Attachment,
    Category,
    Message,
    MessageKind,
    Priority,
    Status,
    Tag,
    Ticket,
    TicketType,
)
from karcis.sla.api import TARGET_ORDER, SlaClockSerializer, clock_representation

# --- tickets: what the API shows --------------------------------------------------------

# What another ticket is to a ticket: related, its parent (the problem), its child (an incident).
LINK_KINDS = ["related", "parent", "child"]


class RequesterSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)


class TicketSerializer(serializers.Serializer):
    """A ticket as every endpoint returns it.

    For customers, tags and the custom fields not meant for the portal stay hidden
    (context `customer_field_keys`: the keys they may see; None for staff).
    """

    number = serializers.CharField(read_only=True)
    subject = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)
    priority = serializers.ChoiceField(choices=Priority.choices, read_only=True)
    type = serializers.ChoiceField(choices=TicketType.choices, read_only=True)
    channel = serializers.ChoiceField(choices=Channel.choices, read_only=True)
    category = NamedRefSerializer(read_only=True, allow_null=True)
    requester = RequesterSerializer(read_only=True)
    assignee = NamedRefSerializer(read_only=True, allow_null=True)
    team = NamedRefSerializer(read_only=True, allow_null=True)
    tags = serializers.SerializerMethodField()
    custom_fields = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    first_response_at = serializers.DateTimeField(read_only=True, allow_null=True)
    solved_at = serializers.DateTimeField(read_only=True, allow_null=True)
    merged_into = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="The number of the ticket this one was merged into (it is closed), or null.",
    )
    url = serializers.SerializerMethodField(help_text="The ticket's page in the agents' desk.")
    sla = SlaClockSerializer(
        many=True,
        read_only=True,
        help_text="One entry per SLA target of the policy that applies (karcis.sla); empty "
        "without a policy, and for customers.",
    )

    def get_sla(self, ticket: Ticket) -> list[dict]:
        if self.context.get("customer_field_keys") is not None or not ticket.sla_state:
            return []  # no clock has run on a ticket whose summary is empty
        order = TARGET_ORDER
        clocks = sorted(ticket.sla_clocks.all(), key=lambda clock: order[clock.target])
        return [clock_representation(clock) for clock in clocks]

    def get_tags(self, ticket: Ticket) -> list[str]:
        if self.context.get("customer_field_keys") is not None:
            return []
        return sorted(tag.name for tag in ticket.tags.all())

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_custom_fields(self, ticket: Ticket) -> dict:
        visible = self.context.get("customer_field_keys")
        if visible is None:
            return ticket.custom_fields
        return {key: value for key, value in ticket.custom_fields.items() if key in visible}

    def get_url(self, ticket: Ticket) -> str:
        return self._url_template.replace(_NUMBER_PLACEHOLDER, ticket.number)

    @cached_property
    def _url_template(self) -> str:
        # Resolved once per response, not once per ticket of a page.
        path = reverse("desk:ticket", kwargs={"number": _NUMBER_PLACEHOLDER})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def to_representation(self, ticket: Ticket) -> dict:
        # The fields above describe the shape (and the OpenAPI document); this builds it
        # directly, without DRF copying and walking ~20 field objects per request and per
        # ticket: the create path and the lists are the hottest code of the API.
        # test_ticket_representation_matches_its_declared_fields keeps the two in step.
        requester = ticket.requester
        return {
            "number": ticket.number,
            "subject": ticket.subject,
            "status": ticket.status,
            "priority": ticket.priority,
            "type": ticket.type,
            "channel": ticket.channel,
            "category": _ref(ticket.category),
            "requester": {
                "id": requester.pk,
                "name": requester.name,
                "email": requester.email,
                "phone": requester.phone,
            },
            "assignee": _ref(ticket.assignee),
            "team": _ref(ticket.team),
            "tags": self.get_tags(ticket),
            "custom_fields": self.get_custom_fields(ticket),
            "created_at": _datetime(ticket.created_at),
            "updated_at": _datetime(ticket.updated_at),
            "first_response_at": _datetime(ticket.first_response_at),
            "solved_at": _datetime(ticket.solved_at),
            # Only the number: it opens nothing by itself (the ticket's own rules decide).
            "merged_into": ticket.merged_into.number if ticket.merged_into else None,
            "url": self.get_url(ticket),
            "sla": self.get_sla(ticket),
        }


class TicketLinkSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=LINK_KINDS,
        read_only=True,
        help_text="What the other ticket is to this one.",
    )
    number = serializers.CharField(read_only=True)
    subject = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)


class TicketDetailSerializer(TicketSerializer):
    """One ticket, with the tickets linked to it that the caller may see (context `links`)."""

    links = TicketLinkSerializer(many=True, read_only=True)

    def to_representation(self, ticket: Ticket) -> dict:
        return {
            **super().to_representation(ticket),
            "links": [
                {
                    "kind": link["kind"],
                    "number": link["ticket"].number,
                    "subject": link["ticket"].subject,
                    "status": link["ticket"].status,
                }
                for link in self.context.get("links", [])
            ],
        }


_NUMBER_PLACEHOLDER = "__number__"

_DATETIME_FIELD = serializers.DateTimeField()  # stateless: formats as DRF does everywhere


def _datetime(value) -> str | None:
    return _DATETIME_FIELD.to_representation(value) if value is not None else None


def _ref(obj) -> dict | None:
    return {"id": obj.pk, "name": obj.name} if obj is not None else None


# --- tickets: what the API accepts ------------------------------------------------------


class RequesterInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")

    def validate_phone(self, value: str) -> str:
        try:
            return core_services.validate_phone(value) if value else ""
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error

    def validate(self, attrs):
        if not attrs["email"] and not attrs["phone"]:
            raise serializers.ValidationError(
                {"email": _("An e-mail address or a phone number is required.")}
            )
        return attrs


class TicketCreateSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(
        required=False, allow_blank=True, help_text="The request, as plain text."
    )
    body = serializers.CharField(
        required=False, allow_blank=True, help_text="Another name for `description`."
    )
    body_html = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="The request as HTML (sanitised); instead of `description`.",
    )
    requester = RequesterInputSerializer(
        required=False,
        help_text="Who asks: found by e-mail address or phone number, or created. Staff only.",
    )
    requester_id = PrimaryKeysInOrganisation(
        required=False, help_text="An existing contact's id, instead of `requester`. Staff only."
    )
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.API)
    category = PrimaryKeysInOrganisation(required=False, allow_null=True)
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    type = serializers.ChoiceField(choices=TicketType.choices, default=TicketType.QUESTION)
    team = PrimaryKeysInOrganisation(required=False, allow_null=True)
    assignee = PrimaryKeysInOrganisation(required=False, allow_null=True)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, max_length=50
    )
    custom_fields = serializers.DictField(required=False)

    def validate(self, attrs):
        # description, body and body_html are three ways to give the same thing: the Body.
        description = attrs.pop("description", "")
        text = attrs.pop("body", "")
        html = attrs.pop("body_html", "")
        attrs["body"] = body_from(text=description or text, html_body=html)
        if not attrs["body"].text:
            raise serializers.ValidationError({"description": _("Describe the request.")})
        return attrs


# What a customer may send when opening a ticket; everything else (the requester too: a
# customer always asks for themselves) is for agents.
CUSTOMER_TICKET_FIELDS = {
    "subject",
    "description",
    "body",
    "body_html",
    "category",
    "type",
    "custom_fields",
}


class TicketMergeSerializer(serializers.Serializer):
    into = serializers.CharField(max_length=40, help_text="The number of the ticket to merge into.")
    notify_requester = serializers.BooleanField(default=False)


class TicketLinkInputSerializer(serializers.Serializer):
    ticket = serializers.CharField(max_length=40, help_text="The other ticket's number.")
    kind = serializers.ChoiceField(choices=LINK_KINDS, default="related")
    remove = serializers.BooleanField(default=False)


class TicketUpdateSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=200, required=False)
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    type = serializers.ChoiceField(choices=TicketType.choices, required=False)
    category = PrimaryKeysInOrganisation(required=False, allow_null=True)
    team = PrimaryKeysInOrganisation(required=False, allow_null=True)
    assignee = PrimaryKeysInOrganisation(required=False, allow_null=True)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50),
        required=False,
        max_length=50,
        help_text="Replaces the ticket's tags.",
    )
    custom_fields = serializers.DictField(
        required=False, help_text="Merged into the ticket's values; null clears a field."
    )


class CommaSeparatedChoiceFilter(filters.CharFilter):
    """`?status=new,open`: any of the listed values; an unknown value is a 400."""

    def __init__(self, *args, choices, **kwargs):
        self.allowed = {value for value, _label in choices}
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        wanted = {v.strip() for v in value.split(",") if v.strip()}
        unknown = wanted - self.allowed
        if unknown:
            raise serializers.ValidationError(
                {
                    self.field_name: [
                        _("Unknown value “%(value)s”.") % {"value": ", ".join(sorted(unknown))}
                    ]
                }
            )
        return qs.filter(**{f"{self.field_name}__in": sorted(wanted)})


class TicketFilter(filters.FilterSet):
    status = CommaSeparatedChoiceFilter(
        choices=Status.choices, label="Status, or several separated by commas (new,open)"
    )
    priority = CommaSeparatedChoiceFilter(
        choices=Priority.choices, label="Priority (or a comma list)"
    )
    type = filters.ChoiceFilter(choices=TicketType.choices)
    channel = filters.ChoiceFilter(choices=Channel.choices)
    # Ids past the database's integer range are refused (400) rather than sent to it.
    category = filters.NumberFilter(
        field_name="category_id", label="Category id", min_value=1, max_value=MAX_ID
    )
    team = filters.NumberFilter(
        field_name="team_id", label="Team id", min_value=1, max_value=MAX_ID
    )
    requester = filters.NumberFilter(
        field_name="requester_id", label="Requester (contact) id", min_value=1, max_value=MAX_ID
    )
    assignee = filters.CharFilter(
        method="filter_assignee", label='Assignee: a user id, "me" or "none"'
    )
    tag = filters.CharFilter(method="filter_tag", label="Tag name (staff)")
    updated_after = filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gt")
    created_after = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gt")
    q = filters.CharFilter(method="filter_text", label="Words in the subject or the messages")
    ordering = filters.OrderingFilter(
        fields=(
            ("updated_at", "updated_at"),
            ("created_at", "created_at"),
            ("priority_rank", "priority"),
            ("number", "number"),
            ("status", "status"),
        ),
        label="Order by updated_at (default: -updated_at), created_at, priority, number or status",
    )

    def filter_assignee(self, queryset, name, value):
        value = value.strip().lower()
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value == "me":
            return queryset.filter(assignee=self.request.user)
        if not value.isdigit() or int(value) > MAX_ID:
            raise serializers.ValidationError({"assignee": [_('Give a user id, "me" or "none".')]})
        return queryset.filter(assignee_id=int(value))

    def filter_text(self, queryset, name, value):
        if not value.strip():
            return queryset
        return selectors.tickets_matching_for(user=self.request.user, tickets=queryset, query=value)

    def filter_tag(self, queryset, name, value):
        # Tags are the staff's own labels, hidden from customers: for them no tag matches.
        if not self.request.user.is_staff_member:
            return queryset.none()
        return queryset.filter(tags__name=value.strip())

    @property
    def qs(self):
        # The newest change first; the id breaks ties so pages never overlap.
        queryset = super().qs
        return queryset.order_by(*(queryset.query.order_by or ["-updated_at"]), "-pk")


@extend_schema_view(
    list=extend_schema(
        summary="List tickets",
        description=(
            "The tickets the caller may see: staff by their teams (or all), customers their own."
        ),
    ),
    retrieve=extend_schema(summary="A ticket, by its number", responses=TicketDetailSerializer),
)
class TicketViewSet(
    KarcisAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Service-desk tickets, addressed by number (KRC-000001)."""

    queryset = Ticket.objects.none()
    serializer_class = TicketSerializer
    permission_classes = [HasCapability]
    capabilities = {
        "list": (permissions.TICKET_VIEW, permissions.TICKET_REQUEST),
        "retrieve": (permissions.TICKET_VIEW, permissions.TICKET_REQUEST),
        "create": (permissions.TICKET_CREATE, permissions.TICKET_REQUEST),
        # Any member may reach a ticket they see; changing it is asked of the ticket, so a
        # ticket out of their sight is a 404 before anything else.
        "partial_update": (permissions.TICKET_VIEW, permissions.TICKET_REQUEST),
        "merge": (permissions.TICKET_UPDATE,),
        "links": (permissions.TICKET_UPDATE,),
    }
    object_capabilities = {
        "partial_update": (permissions.TICKET_UPDATE,),
        "merge": (permissions.TICKET_UPDATE,),
        "links": (permissions.TICKET_UPDATE,),
    }
    filterset_class = TicketFilter
    lookup_field = "number"
    lookup_value_regex = "[A-Za-z0-9-]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        user = self.request.user
        tickets = selectors.tickets_visible_to(user=user).select_related(
            "requester", "assignee", "team", "category", "merged_into"
        )
        lookups = ["requester__identities"] + (["tags"] if user.is_staff_member else [])
        return tickets.prefetch_related(*lookups)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None and self.request.user.is_staff_member:
            # The SLA clocks of the page's tickets that have any, in one query.
            prefetch_related_objects([t for t in page if t.sla_state], "sla_clocks")
        return page

    def get_object(self):
        ticket = self.get_queryset().filter(number=self.kwargs["number"].upper()).first()
        if ticket is None:
            raise exceptions.NotFound(_("No ticket with this number."))
        self.check_object_permissions(self.request, ticket)
        return ticket

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "customer_field_keys": self.customer_field_keys}

    @cached_property
    def customer_field_keys(self) -> set[str] | None:
        user = self.request.user
        if user.is_staff_member:
            return None
        fields = selectors.custom_fields_shown_to_customer(organisation=user.organisation)
        return set(fields.values_list("key", flat=True))

    @cached_property
    def related_querysets(self):
        organisation = self.request.user.organisation
        return {
            "requester_id": core_selectors.contacts_visible_to(user=self.request.user),
            "category": selectors.categories_of(organisation=organisation),
            "team": core_selectors.teams_of(organisation=organisation),
            "assignee": core_selectors.staff_of(organisation=organisation),
        }

    @idempotent_create_schema(
        request=TicketCreateSerializer,
        response=TicketSerializer,
        summary="Open a ticket",
        description=(
            "Staff open tickets for anyone (`requester` or `requester_id`); a customer "
            "opens their own (subject, description, category, type, custom fields)."
        ),
    )
    def create(self, request, *args, **kwargs):
        return respond_idempotently(request, lambda: self._create(request))

    def _create(self, request) -> Response:
        user = request.user
        if not user.is_staff_member:
            return self._create_for_customer(request)
        data = validated(TicketCreateSerializer, request, view=self)
        requester = data.pop("requester", None)
        contact = data.pop("requester_id", None)
        if (contact is None) == (requester is None):
            raise serializers.ValidationError(
                {"requester": [_("Say who asks: requester {name, email, phone} or requester_id.")]}
            )
        if contact is not None:
            ticket = services.ticket_create(
                organisation=user.organisation, requester=contact, actor=user, **data
            )
        else:
            ticket = services.ticket_create_for_caller(
                organisation=user.organisation,
                actor=user,
                requester_name=requester["name"],
                requester_email=requester["email"],
                requester_phone=requester["phone"],
                **data,
            )
        return Response(
            self._represent_new(ticket, tagged=bool(data.get("tags"))),
            status=status.HTTP_201_CREATED,
        )

    def _create_for_customer(self, request) -> Response:
        sent = set(request.data) if isinstance(request.data, dict) else set()
        for_agents = sorted(sent - CUSTOMER_TICKET_FIELDS)
        if for_agents:
            raise exceptions.PermissionDenied(
                _("Only agents can set: %(fields)s.") % {"fields": ", ".join(for_agents)}
            )
        data = validated(TicketCreateSerializer, request, view=self)
        # A customer's keys: a set (None is for staff).
        hidden = set(data.get("custom_fields", {})) - cast(set[str], self.customer_field_keys)
        if hidden:
            raise serializers.ValidationError(
                {"custom_fields": {key: [_("Unknown field.")] for key in sorted(hidden)}}
            )
        ticket = services.ticket_create(
            organisation=request.user.organisation,
            requester=core_services.customer_contact(user=request.user),
            **data,
        )
        return Response(
            self._represent_new(ticket, tagged=bool(data.get("tags"))),
            status=status.HTTP_201_CREATED,
        )

    def _represent_new(self, ticket: Ticket, *, tagged: bool) -> dict:
        # The category, team and assignee objects are those the request named, already in
        # memory; one query reads the requester's addresses. An untagged new ticket has no
        # tags to read: its tag list is filled in the way prefetching would, already
        # evaluated (an unevaluated none() still compiles its SQL when iterated).
        prefetch_related_objects([ticket], "requester__identities", *(["tags"] if tagged else []))
        if not tagged:
            no_tags = Tag.objects.none()
            no_tags._result_cache = []
            ticket.__dict__.setdefault("_prefetched_objects_cache", {})["tags"] = no_tags
        # As GET shows it: a new ticket has no links yet.
        context = {**self.get_serializer_context(), "links": []}
        return TicketDetailSerializer(ticket, context=context).data

    @extend_schema(
        request=TicketUpdateSerializer,
        responses={200: TicketDetailSerializer, 403: ErrorSerializer, 404: ErrorSerializer},
        summary="Change a ticket",
        description="Status, priority, type, category, team, assignee, tags, custom fields, subject.",
    )
    def partial_update(self, request, *args, **kwargs):
        ticket = self.get_object()
        data = validated(TicketUpdateSerializer, request, view=self)
        services.ticket_update(ticket=ticket, actor=request.user, **data)
        return self.retrieve(request)

    def retrieve(self, request, *args, **kwargs):
        ticket = self.get_object()
        links = (
            selectors.ticket_links(ticket=ticket, user=request.user)
            if request.user.is_staff_member
            else []  # a customer's ticket may be linked to other people's
        )
        context = {**self.get_serializer_context(), "links": links}
        return Response(TicketDetailSerializer(ticket, context=context).data)

    def _other_ticket(self, raw: str) -> Ticket:
        other = selectors.ticket_find_for_user(user=self.request.user, raw=raw)
        if other is None:
            raise serializers.ValidationError({"ticket": [_("No ticket with this number.")]})
        return other

    @extend_schema(
        request=TicketMergeSerializer,
        responses={200: TicketDetailSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
        summary="Merge this ticket into another",
        operation_id="tickets_merge",
        description=(
            "Its messages, files and CCs move to the other ticket (`into`), which it then "
            "points to; it is closed. `notify_requester`: a public reply on the other ticket "
            "tells the requester."
        ),
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, *args, **kwargs):
        ticket = self.get_object()
        data = validated(TicketMergeSerializer, request, view=self)
        target = self._other_ticket(data["into"])
        services.ticket_merge(
            source=ticket,
            target=target,
            actor=request.user,
            notify_requester=data["notify_requester"],
        )
        self.kwargs["number"] = target.number
        return self.retrieve(request)

    @extend_schema(
        request=TicketLinkInputSerializer,
        responses={200: TicketDetailSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
        summary="Link or unlink another ticket",
        operation_id="tickets_links",
        description=(
            "`kind`: what the other ticket is to this one (related, parent, child); "
            "`remove`: true removes the link instead."
        ),
    )
    @action(detail=True, methods=["post"])
    def links(self, request, *args, **kwargs):
        ticket = self.get_object()
        data = validated(TicketLinkInputSerializer, request, view=self)
        other = self._other_ticket(data["ticket"])
        if data["remove"]:
            services.ticket_link_remove(ticket=ticket, other=other, actor=request.user)
        else:
            services.ticket_link_add(
                ticket=ticket, other=other, kind=data["kind"], actor=request.user
            )
        return self.retrieve(request)


# --- messages and files -----------------------------------------------------------------


class AttachmentSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)
    filename = serializers.CharField(read_only=True)
    content_type = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()

    def get_url(self, attachment: Attachment) -> str:
        path = reverse("api:attachment-detail", kwargs={"token": attachment.token})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class AuthorSerializer(serializers.Serializer):
    kind = serializers.CharField(
        read_only=True, help_text='"user": someone of the staff; "contact": a customer.'
    )
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=MessageKind.choices, read_only=True)
    author = serializers.SerializerMethodField()
    channel = serializers.ChoiceField(choices=Channel.choices, read_only=True)
    body_html = serializers.CharField(read_only=True)
    body_text = serializers.CharField(read_only=True)
    quoted_html = serializers.CharField(
        read_only=True, help_text="History an e-mail quoted below its new words (sanitised)."
    )
    delivery_state = serializers.ChoiceField(
        choices=DeliveryState.choices,
        read_only=True,
        help_text='How an e-mailed reply fared: "" (not e-mailed), queued, sent or failed.',
    )
    delivery_detail = serializers.CharField(
        read_only=True, help_text="Why a delivery failed, in the mail server's words."
    )
    attachments = AttachmentSerializer(many=True, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)

    @extend_schema_field(AuthorSerializer(allow_null=True))
    def get_author(self, message: Message) -> dict | None:
        if message.author_user is not None:  # no query without an author_user_id
            return {"kind": "user", "id": message.author_user_id, "name": message.author_user.name}
        if message.author_contact is not None:
            return {
                "kind": "contact",
                "id": message.author_contact_id,
                "name": message.author_contact.name,
            }
        return None


class MessageCreateSerializer(serializers.Serializer):
    body = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="The message as plain text."
    )
    body_html = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="The message as HTML (sanitised); instead of `body`.",
    )
    kind = serializers.ChoiceField(
        choices=MessageKind.choices,
        default=MessageKind.REPLY,
        help_text="`note` (internal) is for staff only.",
    )
    status = serializers.ChoiceField(
        choices=Status.choices,
        required=False,
        help_text="Staff may set the ticket's status in the same step.",
    )


class MessageUploadSerializer(MessageCreateSerializer):
    """The multipart form of a new message: the same fields, plus files."""

    files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text="Files to attach (also accepted as `files[]`).",
    )


@extend_schema_view(
    list=extend_schema(
        summary="A ticket's conversation",
        description="Customers see the public replies; staff also the internal notes.",
    )
)
class MessageViewSet(KarcisAPIMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The messages of one ticket: /api/tickets/<number>/messages/."""

    queryset = Message.objects.none()
    serializer_class = MessageSerializer
    filter_backends = []
    permission_classes = [HasCapability]
    capabilities = {
        "list": (permissions.TICKET_VIEW, permissions.TICKET_REQUEST),
        "create": (permissions.TICKET_REPLY, permissions.TICKET_NOTE, permissions.TICKET_REQUEST),
    }

    @cached_property
    def ticket(self) -> Ticket:
        return selectors.ticket_get_for_user(
            user=self.request.user, number=self.kwargs["ticket_number"]
        )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.messages_for(
            ticket=self.ticket, include_notes=self.request.user.is_staff_member
        )

    @idempotent_create_schema(
        request={
            "application/json": MessageCreateSerializer,
            "multipart/form-data": MessageUploadSerializer,
        },
        response=MessageSerializer,
        summary="Reply, or add an internal note",
        description=(
            "Staff reply or write notes and may set the status; the requesting customer "
            "replies. Files go in a multipart form (`files` or `files[]`)."
        ),
    )
    def create(self, request, *args, **kwargs):
        ticket = self.ticket  # 404 before anything else when the ticket is not visible
        return respond_idempotently(request, lambda: self._create(request, ticket))

    def _create(self, request, ticket: Ticket) -> Response:
        user = request.user
        data = validated(MessageCreateSerializer, request, also=("files", "files[]"))
        if not user.is_staff_member and data["kind"] == MessageKind.NOTE:
            raise exceptions.PermissionDenied(_("Only agents can write internal notes."))
        if not user.is_staff_member and "status" in data:
            raise exceptions.PermissionDenied(_("Only agents can change the status."))
        if user.is_staff_member:
            needed = (
                permissions.TICKET_NOTE
                if data["kind"] == MessageKind.NOTE
                else permissions.TICKET_REPLY
            )
            if not user_can(user, needed, ticket):
                raise exceptions.PermissionDenied(_("Your role does not allow this."))
        try:
            files = attachments_check(
                [*request.FILES.getlist("files"), *request.FILES.getlist("files[]")]
            )
        except DjangoValidationError as error:
            raise serializers.ValidationError({"files": error.messages}) from error
        author = (
            {"author_user": user}
            if user.is_staff_member
            else {"author_contact": core_services.customer_contact(user=user)}
        )
        message = services.message_add(
            ticket=ticket,
            body=body_from(text=data["body"], html_body=data["body_html"]),
            kind=data["kind"],
            channel=Channel.API,
            attachments=files,
            status=data.get("status"),
            **author,
        )
        message = self.get_queryset().get(pk=message.pk)
        return Response(self.get_serializer(message).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    retrieve=extend_schema(
        summary="Download a file",
        description="Seen as its message is: files on internal notes only for staff.",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY),
            404: ErrorSerializer,
        },
    )
)
class AttachmentViewSet(KarcisAPIMixin, viewsets.GenericViewSet):
    """Files on messages, by their token."""

    queryset = Attachment.objects.none()
    lookup_field = "token"
    lookup_value_regex = "[0-9a-f]{32}"
    filter_backends = []
    permission_classes = [HasCapability]
    capabilities = {"retrieve": (permissions.TICKET_VIEW, permissions.TICKET_REQUEST)}

    def perform_content_negotiation(self, request, force=False):
        # The file is the answer whatever Accept says; errors still come as JSON.
        return super().perform_content_negotiation(request, force=True)

    def retrieve(self, request, *args, **kwargs):
        attachment = selectors.attachment_get_for_user(user=request.user, token=kwargs["token"])
        return file_response(
            attachment.file,
            filename=attachment.filename,
            content_type=attachment.content_type,
            inline=False,
        )


# --- categories -------------------------------------------------------------------------


class CategorySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    path = serializers.CharField(
        read_only=True, help_text="The full name: Tagihan › Pembayaran gagal"
    )
    # DRF's metaclass takes declared fields off the class: no clash with Field.parent.
    parent = serializers.IntegerField(  # type: ignore[assignment]
        source="parent_id", read_only=True, allow_null=True
    )
    is_active = serializers.BooleanField(read_only=True)


class CategoryCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    parent = PrimaryKeysInOrganisation(  # type: ignore[assignment]  # as above
        required=False, allow_null=True, default=None
    )


@extend_schema_view(
    list=extend_schema(
        summary="List categories",
        description=("Staff see every category; customers the active ones."),
    ),
    retrieve=extend_schema(summary="A category"),
)
class CategoryViewSet(
    KarcisAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The organisation's category tree: staff see every category, customers the active ones."""

    queryset = Category.objects.none()
    serializer_class = CategorySerializer
    permission_classes = [HasCapability]
    capabilities = {
        "list": (permissions.TICKET_VIEW, permissions.TICKET_REQUEST),
        "retrieve": (permissions.TICKET_VIEW, permissions.TICKET_REQUEST),
        "create": (permissions.SETTINGS_MANAGE,),
    }
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        user = self.request.user
        categories = selectors.categories_of(
            organisation=user.organisation, active_only=not user.is_staff_member
        )
        return categories.order_by("path", "pk")

    @cached_property
    def related_querysets(self):
        return {"parent": self.get_queryset()}

    @idempotent_create_schema(
        request=CategoryCreateSerializer,
        response=CategorySerializer,
        summary="Add a category",
    )
    def create(self, request, *args, **kwargs):
        def create_category():
            data = validated(CategoryCreateSerializer, request, view=self)
            category = services.category_create(
                organisation=request.user.organisation, actor=request.user, **data
            )
            return Response(CategorySerializer(category).data, status=status.HTTP_201_CREATED)

        return respond_idempotently(request, create_category)
