"""The business calendars' REST API: /api/business-calendars/ (administrators).

Serializers check the shape of a request and turn "08:00" into minutes; calendars.services
write and check the rules (overlaps, zones, dates); calendars.selectors decide who sees what.
"""

from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from karcis.api.idempotency import idempotent_create_schema, respond_idempotently
from karcis.api.permissions import HasCapability
from karcis.api.serializers import PrimaryKeysInOrganisation, validated
from karcis.api.views import KarcisAPIMixin
from karcis.core import selectors as core_selectors

from . import permissions, selectors, services
from .hours import clock, minutes
from .models import BusinessCalendar, DateKind, HolidaySource

# --- what the API shows and takes ---------------------------------------------------------


class IntervalSerializer(serializers.Serializer):
    """One opening interval of one weekday, in the calendar's local time; half-open (the
    end is the first closed minute); "24:00" ends at midnight."""

    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0 = Monday")
    start = serializers.CharField(max_length=5, help_text='"08:00"')
    end = serializers.CharField(max_length=5, help_text='"17:00"; "24:00" for midnight')

    def _minutes(self, value: str) -> int:
        try:
            return minutes(value)
        except ValueError:
            raise serializers.ValidationError(_("Use HH:MM, from 00:00 to 24:00.")) from None

    def validate_start(self, value: str) -> str:
        self._minutes(value)
        return value

    def validate_end(self, value: str) -> str:
        self._minutes(value)
        return value


class ListedDateSerializer(serializers.Serializer):
    date = serializers.DateField()
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class HolidaySerializer(serializers.Serializer):
    date = serializers.DateField(read_only=True)
    name = serializers.CharField(read_only=True)
    # DRF's metaclass takes declared fields off the class: no clash with Field.source.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=HolidaySource.choices,
        read_only=True,
        help_text="national, national_estimated (the holidays package's estimate), added or "
        "removed (by an admin: then the day is open)",
    )
    note = serializers.CharField(read_only=True, help_text="The admin's reason, when removed")


class CalendarSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    time_zone = serializers.CharField(read_only=True, help_text="An IANA zone: Asia/Jakarta")
    is_default = serializers.BooleanField(read_only=True)
    teams = serializers.SerializerMethodField(help_text="Teams that follow this calendar")
    weekly = serializers.SerializerMethodField()
    national_holidays = serializers.BooleanField(read_only=True)
    added_dates = serializers.SerializerMethodField()
    removed_dates = serializers.SerializerMethodField()
    holidays = serializers.SerializerMethodField(
        help_text="The holidays of the current year (or ?year= on retrieve), with their source"
    )

    def get_teams(self, calendar: BusinessCalendar) -> list[int]:
        return [link.team_id for link in calendar.team_links.all()]

    @extend_schema_field(IntervalSerializer(many=True))
    def get_weekly(self, calendar: BusinessCalendar) -> list[dict]:
        return [
            {"weekday": weekday, "start": clock(start), "end": clock(end)}
            for weekday, day in enumerate(calendar.weekly or [])
            for start, end in day
        ]

    def _dates(self, calendar: BusinessCalendar, kind: str) -> list[dict]:
        return [
            {"date": row.date.isoformat(), "name": row.name}
            for row in calendar.dates.all()
            if row.kind == kind
        ]

    @extend_schema_field(ListedDateSerializer(many=True))
    def get_added_dates(self, calendar: BusinessCalendar) -> list[dict]:
        return self._dates(calendar, DateKind.ADDED)

    @extend_schema_field(ListedDateSerializer(many=True))
    def get_removed_dates(self, calendar: BusinessCalendar) -> list[dict]:
        return self._dates(calendar, DateKind.REMOVED)

    @extend_schema_field(HolidaySerializer(many=True))
    def get_holidays(self, calendar: BusinessCalendar) -> list[dict]:
        year = self.context.get("year") or timezone.localdate().year
        return [
            {
                "date": holiday.date.isoformat(),
                "name": holiday.name,
                "source": holiday.source,
                "note": holiday.note,
            }
            for holiday in selectors.holidays_of(calendar=calendar, year=year)
        ]


class CalendarCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    time_zone = serializers.CharField(max_length=64, required=False, default="Asia/Jakarta")
    is_default = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Make this the default (the organisation's first calendar always is)",
    )
    teams = PrimaryKeysInOrganisation(many=True, required=False, default=list)
    weekly = IntervalSerializer(many=True, required=False, default=list)
    national_holidays = serializers.BooleanField(required=False, default=True)
    added_dates = ListedDateSerializer(many=True, required=False, default=list)
    removed_dates = ListedDateSerializer(many=True, required=False, default=list)


class CalendarUpdateSerializer(serializers.Serializer):
    """What is sent changes; lists sent replace the whole list."""

    name = serializers.CharField(max_length=100, required=False)
    time_zone = serializers.CharField(max_length=64, required=False)
    is_default = serializers.BooleanField(required=False)
    teams = PrimaryKeysInOrganisation(many=True, required=False)
    weekly = IntervalSerializer(many=True, required=False)
    national_holidays = serializers.BooleanField(required=False)
    added_dates = ListedDateSerializer(many=True, required=False)
    removed_dates = ListedDateSerializer(many=True, required=False)


def _service_arguments(data: dict) -> dict:
    """The serializers' shapes → the services' arguments."""
    if "weekly" in data:
        week: list[list[tuple[int, int]]] = [[] for _day in range(7)]
        for interval in data["weekly"]:
            week[interval["weekday"]].append((minutes(interval["start"]), minutes(interval["end"])))
        data["weekly"] = week
    for key in ("added_dates", "removed_dates"):
        if key in data:
            data[key] = [(entry["date"], entry["name"]) for entry in data[key]]
    return data


# --- examples for the OpenAPI document --------------------------------------------------------

OFFICE_WEEK = [
    *(
        {"weekday": weekday, "start": "08:00", "end": "17:00"}
        for weekday in range(4)  # Monday to Thursday
    ),
    {"weekday": 4, "start": "08:00", "end": "11:30"},
    {"weekday": 4, "start": "13:00", "end": "17:00"},  # after Friday prayers
]
CREATE_EXAMPLE = OpenApiExample(
    "Office hours with Friday prayers",
    request_only=True,
    value={
        "name": "Jam kerja kantor",
        "time_zone": "Asia/Jakarta",
        "is_default": True,
        "weekly": OFFICE_WEEK,
        "national_holidays": True,
        "added_dates": [{"date": "2026-12-24", "name": "Cuti bersama Natal"}],
        "removed_dates": [],
    },
)
TEAM_EXAMPLE = OpenApiExample(
    "A team's own calendar in eastern Indonesia",
    request_only=True,
    value={
        "name": "Layanan Papua",
        "time_zone": "Asia/Jayapura",
        "teams": [3],
        "weekly": [{"weekday": d, "start": "07:30", "end": "16:00"} for d in range(5)],
    },
)
CALENDAR_EXAMPLE = OpenApiExample(
    "A calendar",
    response_only=True,
    value={
        "id": 1,
        "name": "Jam kerja kantor",
        "time_zone": "Asia/Jakarta",
        "is_default": True,
        "teams": [],
        "weekly": OFFICE_WEEK,
        "national_holidays": True,
        "added_dates": [{"date": "2026-12-24", "name": "Cuti bersama Natal"}],
        "removed_dates": [{"date": "2026-03-21", "name": "Tanggal resmi bergeser"}],
        "holidays": [
            {"date": "2026-01-01", "name": "Tahun Baru Masehi", "source": "national", "note": ""},
            {
                "date": "2026-03-21",
                "name": "Hari Raya Idul Fitri",
                "source": "removed",
                "note": "Tanggal resmi bergeser",
            },
            {
                "date": "2026-12-24",
                "name": "Cuti bersama Natal",
                "source": "added",
                "note": "",
            },
        ],
    },
)
UPDATE_EXAMPLES = [
    OpenApiExample(
        "Move a national date that was estimated",
        request_only=True,
        value={
            "removed_dates": [{"date": "2026-03-21", "name": "Tanggal resmi bergeser"}],
            "added_dates": [
                {"date": "2026-12-24", "name": "Cuti bersama Natal"},
                {"date": "2026-03-23", "name": "Idul Fitri (tanggal resmi)"},
            ],
        },
    ),
    OpenApiExample(
        "Shorter Friday",
        request_only=True,
        value={"weekly": [*OFFICE_WEEK[:4], {"weekday": 4, "start": "08:00", "end": "11:00"}]},
    ),
]
YEAR_PARAMETER = OpenApiParameter(
    "year", OpenApiTypes.INT, description="The year of `holidays` (the current year by default)"
)


@extend_schema_view(
    list=extend_schema(
        summary="List business calendars",
        description="The organisation's calendars, the default first (administrators).",
        examples=[CALENDAR_EXAMPLE],
    ),
    retrieve=extend_schema(
        summary="A business calendar", parameters=[YEAR_PARAMETER], examples=[CALENDAR_EXAMPLE]
    ),
    destroy=extend_schema(
        summary="Delete a business calendar",
        description="Its teams follow the default again. The default calendar can be deleted "
        "only when it is the last one.",
    ),
)
class BusinessCalendarViewSet(
    KarcisAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Opening hours and holidays: the organisation's default calendar and the teams' own.

    Weekly intervals are half-open [start, end) in the calendar's time zone, several a day
    allowed; national holidays come from the `holidays` package's Indonesian calendar, and
    admins add dates (cuti bersama) or remove national ones (a corrected estimate)."""

    queryset = BusinessCalendar.objects.none()
    serializer_class = CalendarSerializer
    permission_classes = [HasCapability]
    capabilities = {
        action: (permissions.CALENDARS_MANAGE,)
        for action in ("list", "retrieve", "create", "partial_update", "destroy")
    }
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.calendars_visible_to(user=self.request.user).order_by(
            "-is_default", "name", "pk"
        )

    @cached_property
    def related_querysets(self):
        return {"teams": core_selectors.teams_of(organisation=self.request.user.organisation)}

    def get_serializer_context(self):
        context = dict(super().get_serializer_context())
        raw = self.request.query_params.get("year") if self.action == "retrieve" else None
        if raw is not None:
            try:
                year = int(raw)
                if not services.DATE_MIN.year <= year <= services.DATE_MAX.year:
                    raise ValueError
            except ValueError:
                raise serializers.ValidationError(
                    {"year": [_("Not a year between 2000 and 2100.")]}
                ) from None
            context["year"] = year
        return context

    @idempotent_create_schema(
        request=CalendarCreateSerializer,
        response=CalendarSerializer,
        summary="Add a business calendar",
        examples=[CREATE_EXAMPLE, TEAM_EXAMPLE, CALENDAR_EXAMPLE],
    )
    def create(self, request, *args, **kwargs):
        def create_calendar():
            data = _service_arguments(validated(CalendarCreateSerializer, request, view=self))
            calendar = services.calendar_create(
                organisation=request.user.organisation, actor=request.user, **data
            )
            return Response(self.reread(calendar), status=status.HTTP_201_CREATED)

        return respond_idempotently(request, create_calendar)

    @extend_schema(
        summary="Change a business calendar",
        request=CalendarUpdateSerializer,
        responses=CalendarSerializer,
        examples=[*UPDATE_EXAMPLES, CALENDAR_EXAMPLE],
    )
    def partial_update(self, request, *args, **kwargs):
        calendar = self.get_object()
        data = _service_arguments(validated(CalendarUpdateSerializer, request, view=self))
        services.calendar_update(calendar=calendar, actor=request.user, **data)
        return Response(self.reread(calendar))

    def perform_destroy(self, instance: BusinessCalendar) -> None:
        services.calendar_delete(calendar=instance, actor=self.request.user)

    def reread(self, calendar: BusinessCalendar) -> dict:
        return CalendarSerializer(
            self.get_queryset().get(pk=calendar.pk), context=self.get_serializer_context()
        ).data
