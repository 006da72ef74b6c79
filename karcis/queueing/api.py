"""The public queues' REST API under /api/queue/ (docs/queueing.md): service points,
services and counters for their managers; queue tickets for counter staff and the
organisation's integrations (a hospital's system); what a counter does with them.

Who may call:
- read points, services and counters: `queueing.counter.operate`, `queueing.manage` or
  `queueing.analytics.view`; change them: `queueing.manage` (nothing is deleted: PATCH
  `is_active: false` takes one out of use and keeps its history);
- take a number (POST /api/queue/tickets/): `queueing.counter.operate` or
  `queueing.manage`, through any channel. That is counter staff, and an integration's API
  token (its user is an agent, or a role of the organisation's own with one of these). An
  anonymous caller may not: the public booking and kiosk pages are for the public;
- read tickets: the readers of points; the person (name, phone, e-mail, masked NIK) is shown
  only to those with `queueing.counter.operate` or `queueing.manage`;
- counter actions: `queueing.counter.operate`.
Another organisation's objects do not exist for a caller (404).

Answers: services' field errors are 400s by field (karcis.api.errors); a number the queue
cannot give (`QueueRefused`) and a counter action its state does not allow
(`CounterRefused`) are 409s with `detail` and `code` (and `next_open_date` for a number);
a refused role is a 403.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from django.db.models import QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from karcis.api.errors import ErrorSerializer
from karcis.api.idempotency import (
    IDEMPOTENCY_KEY_PARAMETER,
    idempotent_create_schema,
    respond_idempotently,
)
from karcis.api.permissions import HasCapability
from karcis.api.serializers import validated
from karcis.api.views import KarcisAPIMixin
from karcis.core.permissions import user_can
from karcis.queueing import api_serializers as shapes
from karcis.queueing import permissions, selectors, services
from karcis.queueing.models import Counter, QueueStatus, QueueTicket, Service, ServicePoint
from karcis.queueing.services import CounterRefused, Person, QueueRefused, zone_of

READ = (permissions.OPERATE, permissions.MANAGE, permissions.ANALYTICS)
WRITE = (permissions.MANAGE,)
TAKE = (permissions.OPERATE, permissions.MANAGE)
OPERATE = (permissions.OPERATE,)


def refusal_body(refusal: QueueRefused | CounterRefused) -> dict[str, Any]:
    body: dict[str, Any] = {"detail": refusal.message, "code": refusal.code}
    if isinstance(refusal, QueueRefused):
        body["next_open_date"] = (
            refusal.next_open_date.isoformat() if refusal.next_open_date else None
        )
    return body


def _id(value: Any) -> int | None:
    """An id from the address or the query string; None when it cannot be one."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= shapes.MAX_ID else None


def _query_id(request: Any, name: str) -> int | None:
    """An id filter of the query string (?point=3); a 400 when it is not a number."""
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    number = _id(raw)
    if number is None:
        raise serializers.ValidationError({name: [_("A whole number (an id).")]})
    return number


def _refused_field(name: str, message: str) -> serializers.ValidationError:
    return serializers.ValidationError({name: [message]})


class QueueViewSet(KarcisAPIMixin, viewsets.GenericViewSet):
    """The queues' endpoints: capability checks, no deletes, refusals as 409s."""

    permission_classes = [HasCapability]
    filter_backends = []
    http_method_names = ["get", "post", "patch", "head", "options"]

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, QueueRefused | CounterRefused):
            return Response(refusal_body(exc), status=status.HTTP_409_CONFLICT)
        return super().handle_exception(exc)

    def _by_pk(self, queryset: QuerySet[Any]) -> Any:
        pk = _id(self.kwargs["pk"])
        found = queryset.filter(pk=pk).first() if pk is not None else None
        if found is None:
            raise exceptions.NotFound()
        return found

    def get_object(self) -> Any:
        return self._by_pk(self.get_queryset())

    @property
    def organisation_id(self) -> int:
        return self.request.user.organisation_id


# --- service points ---------------------------------------------------------------------------

FORBIDDEN = OpenApiResponse(ErrorSerializer, description="Your role does not allow this.")
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such object in your organisation.")
POINT_PARAMETER = OpenApiParameter(
    "point", OpenApiTypes.INT, description="Only those of this service point (its id)."
)


def _point_arguments(data: dict[str, Any]) -> dict[str, Any]:
    if "calendar_id" in data:
        data["calendar"] = data.pop("calendar_id")
    return data


@extend_schema_view(
    list=extend_schema(summary="List service points", examples=[shapes.POINT_EXAMPLE]),
    retrieve=extend_schema(
        summary="A service point",
        responses={200: shapes.ServicePointSerializer, 404: NOT_FOUND},
        examples=[shapes.POINT_EXAMPLE],
    ),
)
class ServicePointViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, QueueViewSet):
    """Offices and branches where people queue, with their time zone and opening hours."""

    queryset = ServicePoint.objects.none()
    serializer_class = shapes.ServicePointSerializer
    capabilities = {
        "list": READ,
        "retrieve": READ,
        "create": WRITE,
        "partial_update": WRITE,
    }

    def get_queryset(self) -> QuerySet[ServicePoint]:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return ServicePoint.objects.filter(organisation_id=self.organisation_id).order_by(
            "name", "id"
        )

    @idempotent_create_schema(
        request=shapes.ServicePointSerializer,
        response=shapes.ServicePointSerializer,
        summary="Add a service point",
        examples=[shapes.POINT_CREATE_EXAMPLE, shapes.POINT_EXAMPLE],
    )
    def create(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        def create_point() -> Response:
            data = _point_arguments(validated(shapes.ServicePointSerializer, request))
            point = services.point_create(
                organisation=request.user.organisation, actor=request.user, **data
            )
            return Response(
                shapes.ServicePointSerializer(point).data, status=status.HTTP_201_CREATED
            )

        return respond_idempotently(request, create_point)

    @extend_schema(
        summary="Change a service point",
        request=shapes.ServicePointUpdateSerializer,
        responses={200: shapes.ServicePointSerializer, 400: ErrorSerializer, 403: FORBIDDEN},
        examples=[shapes.POINT_UPDATE_EXAMPLE, shapes.POINT_EXAMPLE],
    )
    def partial_update(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        point = self.get_object()
        data = _point_arguments(validated(shapes.ServicePointUpdateSerializer, request))
        services.point_update(point=point, actor=request.user, **data)
        return Response(shapes.ServicePointSerializer(point).data)


# --- services ---------------------------------------------------------------------------------


def _point_of_organisation(organisation_id: int, pk: int) -> ServicePoint:
    point = (
        ServicePoint.objects.select_related("organisation")
        .filter(organisation_id=organisation_id, pk=pk)
        .first()
    )
    if point is None:
        raise _refused_field("point", _("Choose one of your organisation's service points."))
    return point


def _service_arguments(data: dict[str, Any]) -> dict[str, Any]:
    data.pop("point_id", None)
    for name in ("buckets", "quotas"):
        if name in data:
            data[name] = [dict(entry) for entry in data[name]]
    return data


@extend_schema_view(
    list=extend_schema(
        summary="List services",
        parameters=[POINT_PARAMETER],
        examples=[shapes.SERVICE_EXAMPLE],
    ),
    retrieve=extend_schema(
        summary="A service",
        responses={200: shapes.QueueServiceSerializer, 404: NOT_FOUND},
        examples=[shapes.SERVICE_EXAMPLE],
    ),
)
class ServiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, QueueViewSet):
    """What the service points serve, each with its line of numbers: the prefix, daily
    quotas per channel and bucket, time slots and the booking window."""

    queryset = Service.objects.none()
    serializer_class = shapes.QueueServiceSerializer
    capabilities = ServicePointViewSet.capabilities

    def get_queryset(self) -> QuerySet[Service]:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        services_ = Service.objects.filter(organisation_id=self.organisation_id).order_by(
            "point_id", "position", "id"
        )
        point = _query_id(self.request, "point") if self.action == "list" else None
        if point is not None:
            services_ = services_.filter(point_id=point)
        return services_

    @idempotent_create_schema(
        request=shapes.QueueServiceSerializer,
        response=shapes.QueueServiceSerializer,
        summary="Add a service",
        examples=[shapes.SERVICE_CREATE_EXAMPLE, shapes.SERVICE_EXAMPLE],
    )
    def create(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        def create_service() -> Response:
            data = validated(shapes.QueueServiceSerializer, request)
            point = _point_of_organisation(self.organisation_id, data["point_id"])
            service = services.service_create(
                point=point, actor=request.user, **_service_arguments(data)
            )
            return Response(
                shapes.QueueServiceSerializer(service).data, status=status.HTTP_201_CREATED
            )

        return respond_idempotently(request, create_service)

    @extend_schema(
        summary="Change a service",
        description="Lists sent (buckets, quotas) replace the whole list.",
        request=shapes.QueueServiceUpdateSerializer,
        responses={200: shapes.QueueServiceSerializer, 400: ErrorSerializer, 403: FORBIDDEN},
        examples=[shapes.SERVICE_UPDATE_EXAMPLE, shapes.SERVICE_EXAMPLE],
    )
    def partial_update(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        service = self._by_pk(self.get_queryset().select_related("point__organisation"))
        data = validated(shapes.QueueServiceUpdateSerializer, request)
        services.service_update(service=service, actor=request.user, **_service_arguments(data))
        return Response(shapes.QueueServiceSerializer(service).data)


# --- counters ---------------------------------------------------------------------------------


def _action_schema(
    name: str,
    summary: str,
    description: str,
    *,
    request: Any = None,
    examples: list[Any] | None = None,
) -> Any:
    return extend_schema(
        # Not "…_create": a counter's action creates nothing (but a transfer's new number).
        operation_id=f"queue_counters_{name}",
        summary=summary,
        description=description,
        request=request,
        responses={
            200: shapes.CounterActionSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Bad input, by field."),
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: OpenApiResponse(
                shapes.CounterRefusalSerializer,
                description="The counter's state does not allow this.",
            ),
        },
        examples=[
            *(examples or [shapes.CALLED_EXAMPLE]),
            shapes.COUNTER_REFUSED_EXAMPLE,
            shapes.COUNTER_CLOSED_EXAMPLE,
            shapes.FORBIDDEN_EXAMPLE,
        ],
    )


@extend_schema_view(
    list=extend_schema(
        summary="List counters", parameters=[POINT_PARAMETER], examples=[shapes.COUNTER_EXAMPLE]
    ),
    retrieve=extend_schema(
        summary="A counter",
        responses={200: shapes.QueueCounterSerializer, 404: NOT_FOUND},
        examples=[shapes.COUNTER_EXAMPLE],
    ),
)
class CounterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, QueueViewSet):
    """Counters (loket): the services each calls, in order, and who is signed in; and what
    a counter does: call the next person, recall, no-show, start, finish, transfer, park and
    resume. A counter acts once someone is signed in at it (POST .../open/)."""

    queryset = Counter.objects.none()
    serializer_class = shapes.QueueCounterSerializer
    capabilities = {
        **ServicePointViewSet.capabilities,
        **{
            name: OPERATE
            for name in (
                "open_counter",
                "close_counter",
                "call_next",
                "recall",
                "no_show",
                "start",
                "finish",
                "transfer",
                "park",
                "resume",
            )
        },
    }

    def get_queryset(self) -> QuerySet[Counter]:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        counters = (
            Counter.objects.filter(organisation_id=self.organisation_id)
            .select_related("staff")
            .order_by("point_id", "code", "id")
        )
        point = _query_id(self.request, "point") if self.action == "list" else None
        if point is not None:
            counters = counters.filter(point_id=point)
        return counters

    @idempotent_create_schema(
        request=shapes.QueueCounterSerializer,
        response=shapes.QueueCounterSerializer,
        summary="Add a counter",
        examples=[shapes.COUNTER_CREATE_EXAMPLE, shapes.COUNTER_EXAMPLE],
    )
    def create(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        def create_counter() -> Response:
            data = validated(shapes.QueueCounterSerializer, request)
            point = _point_of_organisation(self.organisation_id, data.pop("point_id"))
            counter = services.counter_create(point=point, actor=request.user, **data)
            return Response(
                shapes.QueueCounterSerializer(counter).data, status=status.HTTP_201_CREATED
            )

        return respond_idempotently(request, create_counter)

    @extend_schema(
        summary="Change a counter",
        request=shapes.QueueCounterUpdateSerializer,
        responses={200: shapes.QueueCounterSerializer, 400: ErrorSerializer, 403: FORBIDDEN},
        examples=[shapes.COUNTER_UPDATE_EXAMPLE, shapes.COUNTER_EXAMPLE],
    )
    def partial_update(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        counter = self._by_pk(self.get_queryset().select_related("point__organisation"))
        data = validated(shapes.QueueCounterUpdateSerializer, request)
        data.pop("point_id", None)
        services.counter_update(counter=counter, actor=request.user, **data)
        return Response(shapes.QueueCounterSerializer(counter).data)

    # --- what a counter does ---

    @cached_property
    def counter(self) -> Counter:
        """The counter acted on: the caller's organisation's, active (404 otherwise)."""
        pk = _id(self.kwargs["pk"])
        if pk is None:
            raise exceptions.NotFound()
        return selectors.counter_get_for_user(user=self.request.user, pk=pk)

    def _answer(self, counter: Counter, ticket: QueueTicket | None) -> Response:
        counter = self.get_queryset().get(pk=counter.pk)  # as it is now, with its staff
        return Response(
            {
                "counter": shapes.QueueCounterSerializer(counter).data,
                "ticket": (
                    shapes.ticket_detail_data(ticket, show_person=True)
                    if ticket is not None
                    else None
                ),
            }
        )

    def _act(self, request: Any, service: Any) -> Response:
        counter = self.counter
        validated(shapes.NoBodySerializer, request)
        return self._answer(counter, service(counter=counter, actor=request.user))

    @_action_schema(
        "open",
        "Open the counter (sign in)",
        "The caller signs in at the counter (and out of any other): it starts calling.",
        examples=[shapes.NOBODY_EXAMPLE],
    )
    @action(detail=True, methods=["post"], url_path="open", url_name="open")
    def open_counter(self, request: Any, pk: Any = None) -> Response:
        counter = self.counter
        validated(shapes.NoBodySerializer, request)
        services.counter_open(counter=counter, actor=request.user)
        return self._answer(counter, None)

    @_action_schema(
        "close",
        "Close the counter (sign out)",
        "Nobody is signed in at it any more: it calls no one.",
        examples=[shapes.NOBODY_EXAMPLE],
    )
    @action(detail=True, methods=["post"], url_path="close", url_name="close")
    def close_counter(self, request: Any, pk: Any = None) -> Response:
        counter = self.counter
        validated(shapes.NoBodySerializer, request)
        services.counter_close(counter=counter, actor=request.user)
        return self._answer(counter, None)

    @_action_schema(
        "call_next",
        "Call the next person",
        "Finishes whoever the counter has called or is serving, then calls the first in line "
        "of its services, in the counter's order (a booking whose slot has come first, else "
        "an early arrival). Nobody waiting: 200 with `ticket: null` (not an error: the "
        "counter's previous person is still finished).",
        examples=[shapes.CALLED_EXAMPLE, shapes.NOBODY_EXAMPLE],
    )
    @action(detail=True, methods=["post"], url_path="call-next", url_name="call-next")
    def call_next(self, request: Any, pk: Any = None) -> Response:
        return self._act(request, services.counter_call_next)

    @_action_schema(
        "recall", "Call again", "The board shows and announces the called number again."
    )
    @action(detail=True, methods=["post"])
    def recall(self, request: Any, pk: Any = None) -> Response:
        return self._act(request, services.counter_recall)

    @_action_schema(
        "no_show",
        "No-show",
        "The called person did not come. If they return the same day they can be queued "
        "again (after the service's `requeue_after` calls).",
    )
    @action(detail=True, methods=["post"], url_path="no-show", url_name="no-show")
    def no_show(self, request: Any, pk: Any = None) -> Response:
        return self._act(request, services.counter_no_show)

    @_action_schema("start", "Start serving", "The called person has come to the counter.")
    @action(detail=True, methods=["post"])
    def start(self, request: Any, pk: Any = None) -> Response:
        return self._act(request, services.counter_start)

    @_action_schema("finish", "Finish", "Done with the person called or being served.")
    @action(detail=True, methods=["post"])
    def finish(self, request: Any, pk: Any = None) -> Response:
        return self._act(request, services.counter_finish)

    @_action_schema(
        "park",
        "Park",
        "Set the person being served aside (fetching a document) to call someone else; "
        "resume them later.",
    )
    @action(detail=True, methods=["post"])
    def park(self, request: Any, pk: Any = None) -> Response:
        return self._act(request, services.counter_park)

    @_action_schema(
        "resume",
        "Resume a parked person",
        "Serve a ticket parked at this counter again (the counter must have nobody else "
        "called or being served).",
        request=shapes.CounterResumeSerializer,
        examples=[shapes.RESUME_EXAMPLE, shapes.CALLED_EXAMPLE],
    )
    @action(detail=True, methods=["post"])
    def resume(self, request: Any, pk: Any = None) -> Response:
        counter = self.counter
        data = validated(shapes.CounterResumeSerializer, request)
        ticket = QueueTicket.objects.filter(
            organisation_id=self.organisation_id, pk=data["ticket"]
        ).first()
        if ticket is None:
            raise _refused_field("ticket", _("No such ticket in your organisation."))
        return self._answer(
            counter, services.counter_resume(counter=counter, actor=request.user, ticket=ticket)
        )

    @_action_schema(
        "transfer",
        "Transfer to another service",
        "The person being served goes to another service of the point (and, if given, to one "
        "counter of it): this ticket ends as transferred, and a new number in that service's "
        "line keeps the place in time they had. Answers the new ticket.",
        request=shapes.CounterTransferSerializer,
        examples=[shapes.TRANSFER_EXAMPLE, shapes.TRANSFERRED_EXAMPLE],
    )
    @action(detail=True, methods=["post"])
    def transfer(self, request: Any, pk: Any = None) -> Response:
        counter = self.counter
        data = validated(shapes.CounterTransferSerializer, request)
        service = (
            Service.objects.filter(organisation_id=self.organisation_id, pk=data["service"])
            .select_related("point")
            .first()
        )
        if service is None:
            raise _refused_field("service", _("Choose one of your organisation's services."))
        to_counter = None
        if data["counter"] is not None:
            to_counter = Counter.objects.filter(
                organisation_id=self.organisation_id, pk=data["counter"]
            ).first()
            if to_counter is None:
                raise _refused_field("counter", _("Choose one of your organisation's counters."))
        moved = services.counter_transfer(
            counter=counter, actor=request.user, service=service, to_counter=to_counter
        )
        return self._answer(counter, moved)


# --- queue tickets ----------------------------------------------------------------------------

_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


def slot_moment(raw: str | None, day: date | None, point: ServicePoint) -> datetime | None:
    """The slot a caller sent: an ISO 8601 date-time with its offset, or "HH:MM" local time at
    the point on `day`. A 400 on `slot` (or `date`) when it is neither, or on another day."""
    if raw is None or not raw.strip():
        return None
    raw = raw.strip()
    if day is None:
        raise _refused_field("date", _("Give the date of the slot (YYYY-MM-DD)."))
    zone = zone_of(point)
    clock = _CLOCK.match(raw)
    if clock:
        return datetime.combine(day, time(int(clock[1]), int(clock[2])), zone)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise _refused_field(
            "slot",
            _('A local time "HH:MM" or an ISO 8601 date-time with its offset, e.g. %(example)s.')
            % {"example": datetime.combine(day, time(9), zone).isoformat()},
        )
    if moment.astimezone(zone).date() != day:
        raise _refused_field("slot", _("The slot is not on the date given."))
    return moment


STATUS_PARAMETER = OpenApiParameter(
    "status", OpenApiTypes.STR, enum=QueueStatus.values, description="Only tickets in this state."
)
DATE_PARAMETER = OpenApiParameter(
    "date", OpenApiTypes.DATE, description="Only the numbers of this local day (YYYY-MM-DD)."
)
SERVICE_PARAMETER = OpenApiParameter(
    "service", OpenApiTypes.INT, description="Only the numbers of this service (its id)."
)


@extend_schema_view(
    list=extend_schema(
        summary="List queue tickets",
        description="The organisation's numbers, newest day first, then by service and "
        "number. Without `position` and `estimated_wait`: read one ticket for those.",
        parameters=[POINT_PARAMETER, SERVICE_PARAMETER, DATE_PARAMETER, STATUS_PARAMETER],
        responses={
            200: shapes.QueueTicketSerializer(many=True),
            400: ErrorSerializer,
            403: FORBIDDEN,
        },
        examples=[shapes.TICKET_LIST_EXAMPLE],
    ),
    retrieve=extend_schema(
        summary="A queue ticket",
        description="With its place in line and the estimated wait.",
        responses={200: shapes.QueueTicketDetailSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
        examples=[shapes.TICKET_EXAMPLE, shapes.BOOKED_EXAMPLE],
    ),
)
class QueueTicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, QueueViewSet):
    """Queue numbers: take one for today or book a day and slot, within the quotas."""

    queryset = QueueTicket.objects.none()
    serializer_class = shapes.QueueTicketSerializer
    capabilities = {"list": READ, "retrieve": READ, "create": TAKE}
    http_method_names = ["get", "post", "head", "options"]

    @cached_property
    def show_person(self) -> bool:
        user = self.request.user
        return user_can(user, permissions.OPERATE) or user_can(user, permissions.MANAGE)

    def get_queryset(self) -> QuerySet[QueueTicket]:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return QueueTicket.objects.filter(organisation_id=self.organisation_id).select_related(
            "point", "counter"
        )

    def list(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        tickets = self._filtered(self.get_queryset()).order_by(
            "-day", "service_id", "sequence", "id"
        )
        page = self.paginate_queryset(tickets)
        assert page is not None  # the API's lists are always paginated
        return self.get_paginated_response(
            [shapes.ticket_data(ticket, show_person=self.show_person) for ticket in page]
        )

    def _filtered(self, tickets: QuerySet[QueueTicket]) -> QuerySet[QueueTicket]:
        for name in ("point", "service"):
            number = _query_id(self.request, name)
            if number is not None:
                tickets = tickets.filter(**{f"{name}_id": number})
        raw_date = self.request.query_params.get("date")
        if raw_date:
            try:
                tickets = tickets.filter(day=date.fromisoformat(raw_date))
            except ValueError:
                raise _refused_field("date", _("A date as YYYY-MM-DD.")) from None
        raw_status = self.request.query_params.get("status")
        if raw_status:
            if raw_status not in QueueStatus.values:
                raise _refused_field(
                    "status",
                    _("One of: %(statuses)s.") % {"statuses": ", ".join(QueueStatus.values)},
                )
            tickets = tickets.filter(status=raw_status)
        return tickets

    def retrieve(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        ticket = self.get_object()
        return Response(shapes.ticket_detail_data(ticket, show_person=self.show_person))

    @extend_schema(
        request=shapes.QueueTicketCreateSerializer,
        responses={
            201: shapes.QueueTicketDetailSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Bad input, by field."),
            403: FORBIDDEN,
            409: OpenApiResponse(
                shapes.QueueRefusalSerializer,
                description="The queue cannot give this number (or a request with this "
                "Idempotency-Key is still running: then only `detail`).",
            ),
            422: OpenApiResponse(
                ErrorSerializer, description="This key was already used for a different request."
            ),
        },
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        summary="Take a queue number or book a slot",
        description=(
            "Without `date`: a number for today, in line at once (`waiting`), while the "
            "service point is open. With `date`: a booking for that day (`booked`; checked in "
            "on arrival), within the booking window, and with `slot` when the service has "
            'slots (ISO 8601 with offset, or "HH:MM" local time on `date`). Quotas count by '
            "channel: online, api and whatsapp against the online quota; kiosk and staff "
            "against the walk-in quota. One live number per person (NIK, else phone) per "
            "service and day.\n\n"
            "409 when the queue cannot give the number: `code` full (the quota or the slot), "
            "closed, or duplicate, with `next_open_date`, the first later date with room "
            "(null: none within the booking window). A 409 with only `detail` is the "
            "Idempotency-Key's (a request with this key still running). Refusals are not "
            "stored under the key: a retry asks again."
        ),
        examples=[
            *shapes.TICKET_CREATE_EXAMPLES,
            shapes.TICKET_EXAMPLE,
            shapes.BOOKED_EXAMPLE,
            shapes.FULL_EXAMPLE,
            shapes.DUPLICATE_EXAMPLE,
            shapes.BAD_TICKET_EXAMPLE,
        ],
    )
    def create(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        return respond_idempotently(request, lambda: self._create(request))

    def _create(self, request: Any) -> Response:
        data = validated(shapes.QueueTicketCreateSerializer, request)
        service = (
            Service.objects.filter(organisation_id=self.organisation_id, pk=data["service"])
            .select_related("point__organisation", "point__calendar")
            .first()
        )
        if service is None:
            raise _refused_field("service", _("Choose one of your organisation's services."))
        ticket = services.ticket_take(
            service=service,
            channel=data["channel"],
            person=Person(
                name=data["name"], phone=data["phone"], email=data["email"], nik=data["nik"]
            ),
            bucket=data["bucket"],
            day=data["date"],
            slot=slot_moment(data["slot"], data["date"], service.point),
            actor=request.user,
            notify_ahead=data["notify_ahead"],
        )
        return Response(
            shapes.ticket_detail_data(ticket, show_person=True), status=status.HTTP_201_CREATED
        )
