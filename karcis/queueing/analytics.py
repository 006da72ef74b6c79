"""What the managers' analytics page reads: where the time of a service point goes.

For a service point and a period of its local days: per service the numbers taken, served,
no-shows and cancelled, with the waiting and service times (median and 90th percentile); per
hour of day the arrivals and their waits; per counter what it served and how busy it was;
served per day; the quotas used; and staffing advice from Erlang C (karcis.queueing.staffing).

Every figure is aggregated in the database, in a fixed number of statements whatever the
period: percentiles with PostgreSQL's `percentile_cont`, and on SQLite with the same
interpolation registered on the connection as an aggregate function (`Percentile`), so both
give the same numbers.

The measures (also the page's footnote):
- wait: from joining the line to being called; joining is the later of the place in line
  and the arrival (the rule of the `queueing.ticket.called` event's `waited`); a number
  transferred from another service joins when it is transferred; never below zero;
- service time: from the call to the end of service, of the numbers served or transferred
  on (as karcis.queueing.estimates measures it);
- a counter is open from its `queueing.counter.opened` event to its `closed` one, within
  the point's opening hours; busy from each call to the end of that number.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db import NotSupportedError
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractHour, Greatest
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from karcis.core.models import Event, User, as_member
from karcis.core.permissions import user_can
from karcis.queueing import events, permissions, staffing
from karcis.queueing.models import (
    AT_A_COUNTER,
    Counter,
    QueueStatus,
    QueueTicket,
    Service,
    ServiceDay,
    ServicePoint,
)
from karcis.queueing.services import hours_of_point, today_at, zone_of

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

    from karcis.calendars.hours import Hours

# The longest from–to period: a quarter (the page stays a page, the statements quick).
MAX_PERIOD_DAYS = 92
# Staffing advice reads this many past weeks of the chosen weekday.
HISTORY_WEEKS = 4
# A counter opened the day before a window and still open counts from the window's start.
OPEN_LOOKBACK = timedelta(days=1)
DEFAULT_TARGET_MINUTES = 10

CALLED_STATES = (*AT_A_COUNTER, QueueStatus.DONE, QueueStatus.NO_SHOW, QueueStatus.TRANSFERRED)
SERVICE_STATES = (QueueStatus.DONE, QueueStatus.TRANSFERRED)
# A counter is busy from a call to the end of that number, whatever the end.
BUSY_STATES = (QueueStatus.DONE, QueueStatus.TRANSFERRED, QueueStatus.NO_SHOW)


# --- who may see what -----------------------------------------------------------------------


def points_for(user: User) -> list[ServicePoint]:
    """The service points whose analytics this person may read: all of their organisation's,
    for holders of the analytics capability; none for anybody else."""
    if not user_can(user, permissions.ANALYTICS):
        return []
    return list(
        ServicePoint.objects.filter(organisation_id=as_member(user).organisation_id)
        .select_related("organisation", "calendar")
        .order_by("-is_active", "name", "id")
    )


def point_for(user: User, points: Sequence[ServicePoint], pk: Any) -> ServicePoint:
    """The point asked for among `points_for(user)` (the first without a choice); Http404
    for any other, another organisation's included: it does not say whether it exists."""
    if pk in (None, "") and points:
        return points[0]
    for point in points:
        if str(point.pk) == str(pk):
            return point
    raise Http404


# --- percentiles, the same on both databases ---------------------------------------------------


def percentile(values: Iterable[float], fraction: float) -> float | None:
    """The `fraction` percentile of the values by linear interpolation between the closest
    ranks, as PostgreSQL's percentile_cont computes it (same steps, same rounding); None
    when there are no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    first, second = math.floor(position), math.ceil(position)
    low = ordered[first]
    if first == second:
        return low
    return low + (ordered[second] - low) * (position - first)


class _PercentileCont:
    """percentile_cont as an SQLite aggregate function: step(value, fraction) per row."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value: float | None, fraction: float) -> None:
        self.fraction = fraction
        if value is not None:
            self.values.append(float(value))

    def finalize(self) -> float | None:
        return percentile(self.values, self.fraction)


SQLITE_PERCENTILE = "karcis_percentile_cont"


class Percentile(Aggregate):
    """The `fraction` percentile (0.5: the median) of an expression's non-null values in
    each group, as a float (None for a group without values)."""

    name = "Percentile"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        self.fraction = float(fraction)
        super().__init__(expression)

    def _compiled(self, compiler: SQLCompiler) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return sql, tuple(params)

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        sql, params = self._compiled(compiler)
        return f"percentile_cont({self.fraction!r}) WITHIN GROUP (ORDER BY {sql})", params

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        # Registered on the connection that runs the statement, as Django registers its own
        # functions: idempotent and cheap, and no connection opened elsewhere lacks it.
        connection.ensure_connection()
        connection.connection.create_aggregate(SQLITE_PERCENTILE, 2, _PercentileCont)
        sql, params = self._compiled(compiler)
        return f"{SQLITE_PERCENTILE}({sql}, {self.fraction!r})", params

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        raise NotSupportedError("Percentile needs PostgreSQL or SQLite")


class Seconds(Func):
    """A later moment minus an earlier one, in seconds (a float on both databases)."""

    output_field = FloatField()

    def __init__(self, later: Any, earlier: Any) -> None:
        super().__init__(ExpressionWrapper(later - earlier, output_field=DurationField()))

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"EXTRACT(EPOCH FROM {sql})::double precision", tuple(params)

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        # Django's SQLite subtraction of two moments gives whole microseconds.
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"({sql} / 1000000.0)", tuple(params)


# The ticket's measures, as expressions (None where a ticket has none).
_JOINED = Case(
    When(transferred_from__isnull=False, then=F("created_at")),
    default=Greatest(Coalesce("queued_at", "arrived_at"), Coalesce("arrived_at", "queued_at")),
    output_field=DateTimeField(),
)
WAIT = Case(
    When(
        Q(status__in=CALLED_STATES, called_at__isnull=False),
        then=Greatest(Seconds(F("called_at"), _JOINED), Value(0.0)),
    ),
    default=None,
    output_field=FloatField(),
)
_CALL_TO_END = Greatest(Seconds(F("finished_at"), F("called_at")), Value(0.0))
SERVICE_TIME = Case(
    When(
        Q(status__in=SERVICE_STATES, called_at__isnull=False, finished_at__isnull=False),
        then=_CALL_TO_END,
    ),
    default=None,
    output_field=FloatField(),
)
BUSY = Case(
    When(
        Q(status__in=BUSY_STATES, called_at__isnull=False, finished_at__isnull=False),
        then=_CALL_TO_END,
    ),
    default=None,
    output_field=FloatField(),
)
ARRIVED = Q(arrived_at__isnull=False, transferred_from__isnull=True)


# --- the period -----------------------------------------------------------------------------

PERIOD_KEYS = ("today", "7d", "28d", "range")


@dataclass(frozen=True)
class Period:
    """Local days of a service point, both ends included."""

    key: str
    start: date
    end: date

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


def period_of(key: str, today: date, start: date | None = None, end: date | None = None) -> Period:
    """today, the last 7 or 28 days (today included), or from `start` to `end`; the caller
    has checked a from–to period (start ≤ end, at most MAX_PERIOD_DAYS)."""
    if key == "today":
        return Period(key, today, today)
    if key == "7d":
        return Period(key, today - timedelta(days=6), today)
    if key == "28d":
        return Period(key, today - timedelta(days=27), today)
    if key == "range" and start is not None and end is not None:
        return Period(key, start, end)
    raise ValueError(f"unknown period {key!r}")


def _window(period_days: Sequence[date], zone: ZoneInfo) -> tuple[datetime, datetime]:
    return (
        datetime.combine(period_days[0], time.min, zone),
        datetime.combine(period_days[-1] + timedelta(days=1), time.min, zone),
    )


# --- the rows the page shows --------------------------------------------------------------------


@dataclass(frozen=True)
class Times:
    """Median and 90th percentile, in seconds (None: nothing measured)."""

    median: float | None = None
    p90: float | None = None


@dataclass(frozen=True)
class ServiceRow:
    service: Service | None  # None: all services together
    taken: int = 0
    served: int = 0
    no_shows: int = 0
    cancelled: int = 0
    calls: int = 0  # called and finished: served, no-show or transferred
    not_come: int = 0  # bookings of past days never checked in
    wait: Times = field(default_factory=Times)
    service_time: Times = field(default_factory=Times)

    @property
    def no_show_share(self) -> float | None:
        """No-shows among the numbers called (as the wait estimate counts them)."""
        return self.no_shows / self.calls if self.calls else None


@dataclass(frozen=True)
class HourRow:
    hour: int
    arrivals: int = 0
    wait: Times = field(default_factory=Times)


@dataclass(frozen=True)
class CounterRow:
    counter: Counter
    served: int = 0
    service_time: Times = field(default_factory=Times)
    busy_seconds: float = 0.0
    open_seconds: float = 0.0

    @property
    def busy_share(self) -> float | None:
        if self.open_seconds <= 0:
            return None
        return min(1.0, self.busy_seconds / self.open_seconds)


@dataclass(frozen=True)
class DayRow:
    day: date
    is_open: bool
    taken: int = 0
    served: int = 0


@dataclass(frozen=True)
class QuotaColumn:
    key: str  # "channel:bucket", as ServiceDay.used counts it
    label: str
    limit: int | None


@dataclass(frozen=True)
class QuotaCell:
    used: int
    limit: int | None
    label: str  # its column's

    @property
    def share(self) -> float | None:
        if not self.limit:
            return None
        return min(1.0, self.used / self.limit)


@dataclass(frozen=True)
class QuotaTable:
    service: Service
    columns: list[QuotaColumn]
    days: list[tuple[date, list[QuotaCell]]]


@dataclass(frozen=True)
class StaffingRow:
    hour: int
    arrivals_per_hour: float
    mean_service_seconds: float | None
    # No service measured in this hour: the mean of all the weekday's hours stands in.
    service_from_all_hours: bool
    needed: int | None  # None: unknown (no service time), or more than staffing allows
    open_average: float
    expected_wait_open: float | None  # at the counters open, rounded; None: no counter

    @property
    def short_by(self) -> int:
        if self.needed is None:
            return 0
        return max(0, self.needed - counters_open(self.open_average))


@dataclass(frozen=True)
class Staffing:
    weekday: int
    target_seconds: int
    service: Service | None
    history_days: list[date]  # the weekday's past dates read
    open_days: list[date]  # those the point was open
    rows: list[StaffingRow]
    max_servers: int = 50

    @property
    def has_history(self) -> bool:
        """Whether anybody arrived, or any counter was open, in the weeks read."""
        return any(row.arrivals_per_hour or row.open_average for row in self.rows)


@dataclass(frozen=True)
class Report:
    point: ServicePoint
    period: Period
    services: list[ServiceRow]
    total: ServiceRow
    hours: list[HourRow]
    counters: list[CounterRow]
    days: list[DayRow]
    quotas: list[QuotaTable]
    staffing: Staffing | None


# --- the statements ----------------------------------------------------------------------------

_FIGURES: dict[str, Any] = {
    "taken": Count("id"),
    "served": Count("id", filter=Q(status=QueueStatus.DONE)),
    "no_shows": Count("id", filter=Q(status=QueueStatus.NO_SHOW)),
    "cancelled": Count("id", filter=Q(status=QueueStatus.CANCELLED)),
    "calls": Count("id", filter=Q(status__in=BUSY_STATES)),
    "wait_median": Percentile(WAIT, 0.5),
    "wait_p90": Percentile(WAIT, 0.9),
    "service_median": Percentile(SERVICE_TIME, 0.5),
    "service_p90": Percentile(SERVICE_TIME, 0.9),
}


def _service_row(service: Service | None, figures: dict[str, Any] | None) -> ServiceRow:
    if not figures:
        return ServiceRow(service)
    return ServiceRow(
        service,
        taken=figures["taken"],
        served=figures["served"],
        no_shows=figures["no_shows"],
        cancelled=figures["cancelled"],
        calls=figures["calls"],
        not_come=figures["not_come"],
        wait=Times(figures["wait_median"], figures["wait_p90"]),
        service_time=Times(figures["service_median"], figures["service_p90"]),
    )


def _tickets_of(point: ServicePoint, period: Period) -> Any:
    return QueueTicket.objects.filter(point=point, day__gte=period.start, day__lte=period.end)


def service_rows(
    point: ServicePoint, period: Period, services: Sequence[Service], today: date
) -> tuple[list[ServiceRow], ServiceRow]:
    """Per service (those active, and inactive ones with numbers in the period), and all
    together. Two statements."""
    figures = {
        **_FIGURES,
        "not_come": Count("id", filter=Q(status=QueueStatus.BOOKED, day__lt=today)),
    }
    tickets = _tickets_of(point, period)
    by_service = {
        row["service_id"]: row for row in tickets.values("service_id").annotate(**figures)
    }
    total = tickets.aggregate(**figures)
    rows = [
        _service_row(service, by_service.get(service.pk))
        for service in services
        if service.is_active or service.pk in by_service
    ]
    return rows, _service_row(None, total if total["taken"] else None)


def hour_rows(point: ServicePoint, period: Period, hours: Hours) -> list[HourRow]:
    """Per local hour of arrival: how many arrived and how long they waited (a number
    transferred from another service is no arrival); every hour from the first open or busy
    one to the last. One statement."""
    zone = zone_of(point)
    found = {
        row["hour"]: row
        for row in _tickets_of(point, period)
        .filter(ARRIVED)
        .annotate(hour=ExtractHour("arrived_at", tzinfo=zone))
        .values("hour")
        .annotate(
            arrivals=Count("id"),
            wait_median=Percentile(WAIT, 0.5),
            wait_p90=Percentile(WAIT, 0.9),
        )
    }
    open_hours = _open_hours(hours, period.days, zone)
    present = set(open_hours) | set(found)
    if not present:
        return []
    return [
        HourRow(
            hour,
            arrivals=found[hour]["arrivals"],
            wait=Times(found[hour]["wait_median"], found[hour]["wait_p90"]),
        )
        if hour in found
        else HourRow(hour)
        for hour in range(min(present), max(present) + 1)
    ]


def day_rows(point: ServicePoint, period: Period, hours: Hours) -> list[DayRow]:
    """Every day of the period, open or not, with the numbers taken and served. One
    statement."""
    zone = zone_of(point)
    open_days = {low.astimezone(zone).date() for low, _high in _opening(hours, period.days, zone)}
    found = {
        row["day"]: row
        for row in _tickets_of(point, period)
        .values("day")
        .annotate(taken=Count("id"), served=Count("id", filter=Q(status=QueueStatus.DONE)))
    }
    return [
        DayRow(day, day in open_days, found[day]["taken"], found[day]["served"])
        if day in found
        else DayRow(day, day in open_days)
        for day in period.days
    ]


def counter_rows(
    point: ServicePoint,
    period: Period,
    counters: Sequence[Counter],
    open_spans: dict[int, list[tuple[datetime, datetime]]],
) -> list[CounterRow]:
    """Per counter: served, service time, and busy against open time. One statement."""
    found = {
        row["counter_id"]: row
        for row in _tickets_of(point, period)
        .filter(counter__isnull=False)
        .values("counter_id")
        .annotate(
            served=Count("id", filter=Q(status=QueueStatus.DONE)),
            service_median=Percentile(SERVICE_TIME, 0.5),
            service_p90=Percentile(SERVICE_TIME, 0.9),
            busy=Sum(BUSY),
        )
    }
    rows = []
    for counter in counters:
        row = found.get(counter.pk)
        opened = sum((end - start).total_seconds() for start, end in open_spans.get(counter.pk, []))
        if row is None and not opened and not counter.is_active:
            continue
        rows.append(
            CounterRow(
                counter,
                served=row["served"] if row else 0,
                service_time=Times(row["service_median"], row["service_p90"]) if row else Times(),
                busy_seconds=float(row["busy"] or 0) if row else 0.0,
                open_seconds=opened,
            )
        )
    return rows


def _quota_label(channel: str, bucket: str, buckets: dict[str, str]) -> str:
    channel_label = _("Online") if channel == "online" else _("Walk-in")
    if not bucket:
        return channel_label
    return f"{channel_label} · {buckets.get(bucket, bucket)}"


def _quota_columns(service: Service) -> list[QuotaColumn]:
    buckets = {entry["key"]: entry["label"] for entry in service.buckets}
    if service.quotas:
        entries = [(quota["channel"], quota["bucket"], quota["limit"]) for quota in service.quotas]
    else:
        entries = [("online", "", None), ("walk_in", "", None)]
    return [
        QuotaColumn(f"{channel}:{bucket}", _quota_label(channel, bucket, buckets), limit)
        for channel, bucket, limit in entries
    ]


def quota_tables(
    point: ServicePoint, period: Period, services: Sequence[Service]
) -> list[QuotaTable]:
    """Per service, per day something was taken: each quota's use against its limit (the
    counts kept under the day's lock; a cancellation gives its place back). One statement."""
    by_service: dict[int, list[tuple[date, dict[str, int]]]] = defaultdict(list)
    for service_id, day, used in (
        ServiceDay.objects.filter(service__point=point, day__gte=period.start, day__lte=period.end)
        .order_by("day")
        .values_list("service_id", "day", "used")
    ):
        by_service[service_id].append((day, used))
    tables = []
    for service in services:
        if service.pk not in by_service and not service.is_active:
            continue
        columns = _quota_columns(service)
        days = [
            (
                day,
                [
                    QuotaCell(int(used.get(column.key, 0)), column.limit, column.label)
                    for column in columns
                ],
            )
            for day, used in by_service.get(service.pk, [])
        ]
        tables.append(QuotaTable(service, columns, days))
    return tables


# --- counters open, from their events ------------------------------------------------------------

Span = tuple[datetime, datetime]


def _counter_events(
    point: ServicePoint, counter_ids: Sequence[int], windows: Sequence[Span]
) -> list[tuple[int, str, datetime]]:
    """The counters' opened and closed events in these windows (each from a day before its
    start). One statement."""
    if not counter_ids or not windows:
        return []
    when = Q()
    for start, end in windows:
        when |= Q(created_at__gte=start - OPEN_LOOKBACK, created_at__lt=end)
    return list(
        Event.objects.filter(
            when,
            organisation_id=point.organisation_id,
            type__in=(events.COUNTER_OPENED.name, events.COUNTER_CLOSED.name),
            object_type="queueing.counter",
            object_id__in=list(counter_ids),
        )
        .order_by("created_at", "id")
        .values_list("object_id", "type", "created_at")
    )


def open_spans(
    rows: Sequence[tuple[int, str, datetime]],
    window: Span,
    opening: Sequence[Span],
    now: datetime,
) -> dict[int, list[Span]]:
    """Per counter, when it was open within the window and the point's opening hours: from
    each `opened` to the next `closed` (or now, when it is still open)."""
    start, end = window
    spans: dict[int, list[Span]] = defaultdict(list)
    since: dict[int, datetime] = {}
    for counter_id, kind, at in rows:
        if not start - OPEN_LOOKBACK <= at < end:
            continue
        if kind == events.COUNTER_OPENED.name:
            since.setdefault(counter_id, at)
        elif counter_id in since:
            spans[counter_id].append((since.pop(counter_id), at))
    for counter_id, at in since.items():
        spans[counter_id].append((at, min(end, now)))
    return {
        counter_id: _intersect(_intersect(found, [(start, end)]), opening)
        for counter_id, found in spans.items()
    }


def _intersect(spans: Sequence[Span], others: Sequence[Span]) -> list[Span]:
    result = []
    for a_start, a_end in spans:
        for b_start, b_end in others:
            low, high = max(a_start, b_start), min(a_end, b_end)
            if low < high:
                result.append((low, high))
    return result


def _seconds(spans: Iterable[Span]) -> float:
    return sum((end - start).total_seconds() for start, end in spans)


# --- opening hours ----------------------------------------------------------------------------


def _opening(hours: Hours, days: Sequence[date], zone: ZoneInfo) -> list[Span]:
    if not days:
        return []
    start, end = _window(sorted(days), zone)
    wanted = set(days)
    return [
        (low, high)
        for low, high in hours.open_intervals(start, end)
        if low.astimezone(zone).date() in wanted or high.astimezone(zone).date() in wanted
    ]


def _open_hours(hours: Hours, days: Sequence[date], zone: ZoneInfo) -> list[int]:
    """The local hours of day (0–23) in which the point is open on any of these days."""
    found: set[int] = set()
    for low, high in _opening(hours, days, zone):
        moment = low.astimezone(zone).replace(minute=0, second=0, microsecond=0)
        while moment < high:
            found.add(moment.astimezone(zone).hour)
            moment += timedelta(hours=1)
    return sorted(found)


def _weekday_hours(hours: Hours, weekday: int, today: date, zone: ZoneInfo) -> list[int]:
    """The open hours of the next open date on this weekday (holidays skipped)."""
    first = today + timedelta(days=(weekday - today.weekday()) % 7)
    for week in range(9):
        found = _open_hours(hours, [first + timedelta(weeks=week)], zone)
        if found:
            return found
    return []


# --- staffing advice ----------------------------------------------------------------------------


def history_days(weekday: int, today: date, weeks: int = HISTORY_WEEKS) -> list[date]:
    """The last `weeks` dates of this weekday before today, latest first."""
    back = (today.weekday() - weekday) % 7 or 7
    latest = today - timedelta(days=back)
    return [latest - timedelta(weeks=n) for n in range(weeks)]


def _hour_window(day: date, hour: int, zone: ZoneInfo) -> Span:
    start = datetime.combine(day, time(hour), zone)
    return start, start + timedelta(hours=1)


def staffing_advice(
    point: ServicePoint,
    *,
    weekday: int,
    target_seconds: int,
    service: Service | None,
    counters: Sequence[Counter],
    spans_by_day: dict[date, dict[int, list[Span]]],
    hours: Hours,
    today: date,
) -> Staffing:
    """For each open hour of the weekday: the forecast arrivals per hour (the mean of the
    weekday's last four open dates), the mean service time, the counters Erlang C says keep
    the expected wait at most the target, and the counters open then on average. Two
    statements (the counters' open times come from the caller's one)."""
    zone = zone_of(point)
    past = history_days(weekday, today)
    open_days = [day for day in past if _open_hours(hours, [day], zone)]
    advised_hours = _weekday_hours(hours, weekday, today, zone)
    tickets = QueueTicket.objects.filter(point=point, day__in=open_days)
    if service is not None:
        tickets = tickets.filter(service=service)
    arrivals = dict(
        tickets.filter(ARRIVED)
        .annotate(hour=ExtractHour("arrived_at", tzinfo=zone))
        .values("hour")
        .annotate(count=Count("id"))
        .values_list("hour", "count")
    )
    service_sums = {
        row["hour"]: (float(row["seconds"] or 0), row["count"])
        for row in tickets.filter(status__in=SERVICE_STATES, called_at__isnull=False)
        .annotate(hour=ExtractHour("called_at", tzinfo=zone))
        .values("hour")
        .annotate(seconds=Sum(SERVICE_TIME), count=Count(SERVICE_TIME))
    }
    total_seconds = sum(seconds for seconds, _count in service_sums.values())
    total_count = sum(count for _seconds, count in service_sums.values())
    overall = total_seconds / total_count if total_count else None
    serving = [
        counter.pk for counter in counters if service is None or service.pk in counter.services
    ]
    rows = []
    for hour in advised_hours:
        rate = arrivals.get(hour, 0) / len(open_days) if open_days else 0.0
        seconds, count = service_sums.get(hour, (0.0, 0))
        mean = seconds / count if count else overall
        open_average = _open_average(spans_by_day, open_days, serving, hour, zone)
        rows.append(
            StaffingRow(
                hour=hour,
                arrivals_per_hour=rate,
                mean_service_seconds=mean,
                service_from_all_hours=not count and mean is not None,
                needed=_needed(rate, mean, target_seconds),
                open_average=open_average,
                expected_wait_open=_expected_wait(rate, mean, counters_open(open_average)),
            )
        )
    return Staffing(weekday, target_seconds, service, past, open_days, rows)


def counters_open(average: float) -> int:
    """An average of counters open as whole counters, halves rounded up."""
    return int(average + 0.5)


def _needed(rate: float, mean: float | None, target_seconds: int) -> int | None:
    if rate == 0:
        return 0
    if not mean:
        return None
    return staffing.servers_needed(rate, mean, target_seconds)


def _expected_wait(rate: float, mean: float | None, servers: int) -> float | None:
    if servers < 1 or not mean:
        return None
    return staffing.expected_wait(rate, mean, servers)


def _open_average(
    spans_by_day: dict[date, dict[int, list[Span]]],
    days: Sequence[date],
    counter_ids: Sequence[int],
    hour: int,
    zone: ZoneInfo,
) -> float:
    """How many counters were open in this hour, on average over these days (a counter open
    half the hour counts a half)."""
    if not days:
        return 0.0
    total = 0.0
    for day in days:
        window = [_hour_window(day, hour, zone)]
        spans = spans_by_day.get(day, {})
        total += sum(_seconds(_intersect(spans.get(pk, []), window)) for pk in counter_ids)
    return total / 3600 / len(days)


# --- the whole page --------------------------------------------------------------------------


def services_of(point: ServicePoint) -> list[Service]:
    """The point's services, inactive ones too (their past numbers still count)."""
    return list(Service.objects.filter(point=point))


def report_of(
    point: ServicePoint,
    period: Period,
    *,
    services: Sequence[Service],
    weekday: int,
    target_minutes: int = DEFAULT_TARGET_MINUTES,
    staffing_service: int | None = None,
    now: datetime | None = None,
) -> Report:
    """Everything the analytics page shows for a service point and period (`services`:
    services_of(point)). Ten statements, whatever the period and however many numbers it
    holds."""
    now = now or timezone.now()
    zone = zone_of(point)
    today = today_at(point, now)
    hours = hours_of_point(point)
    counters = list(Counter.objects.filter(point=point))
    chosen = next((s for s in services if s.pk == staffing_service), None)

    period_window = _window(period.days, zone)
    past = history_days(weekday, today)
    day_windows = {day: _window([day], zone) for day in past}
    rows = _counter_events(point, [c.pk for c in counters], [period_window, *day_windows.values()])
    period_spans = open_spans(rows, period_window, _opening(hours, period.days, zone), now)
    spans_by_day = {
        day: open_spans(rows, window, _opening(hours, [day], zone), now)
        for day, window in day_windows.items()
    }

    by_service, total = service_rows(point, period, services, today)
    return Report(
        point=point,
        period=period,
        services=by_service,
        total=total,
        hours=hour_rows(point, period, hours),
        counters=counter_rows(point, period, counters, period_spans),
        days=day_rows(point, period, hours),
        quotas=quota_tables(point, period, services),
        staffing=staffing_advice(
            point,
            weekday=weekday,
            target_seconds=target_minutes * 60,
            service=chosen,
            counters=counters,
            spans_by_day=spans_by_day,
            hours=hours,
            today=today,
        ),
    )
