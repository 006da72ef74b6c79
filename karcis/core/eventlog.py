"""The domain event log: declared event types, who reads them, and how they are shown.

Every change of a ticket, a queue number or an order writes one `Event` row in the
transaction that makes the change (core.services.event_record). Three kinds of reader
follow the log:

* **In-transaction subscribers** (`subscribe`) run inside the writing transaction, before
  it commits. Only for what must commit or roll back with the change itself: an outgoing
  e-mail rendered into the outbox with the reply it carries (decision 0008).
* **Durable consumers** (`Consumer`) read the log after commit, in order, from a cursor
  of their own (`EventCursor`). `events_dispatch` hands each consumer the events after
  its cursor; the consumer's writes and the cursor's advance commit in one transaction,
  so an effect happens once even though an event may be handed over again after a crash
  (at least once). SLA clocks, reports, webhooks and notifications are consumers.
* **Describers** turn events into sentences for a history (`describe_events`), each app
  for its own types, with names looked up when shown (`NameResolver`), never frozen into
  the row.

Each app declares its event types in its own events.py with `EventType`: the name, the
kind of object it is about, and what the payload holds. Payloads carry ids and codes (a
user id, a status code), so that reports can join on them.

Ordering on PostgreSQL. Event ids are handed out when a row is inserted, but transactions
commit in another order: a reader that remembered only "the last id I saw" would skip an
event whose transaction committed after a later id was read. Each event therefore keeps
its transaction's id (`tx_id`), and a consumer reads only events of transactions older
than every transaction still running (the snapshot's xmin), ordered by (tx_id, id): that
set can no longer grow, so a cursor on that position never skips anything. A long-running
writing transaction anywhere on the server holds delivery back until it ends; it never
loses an event. SQLite runs one writing transaction at a time, so ids are in commit order.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope

from karcis.core.models import Event, EventCursor

logger = logging.getLogger(__name__)

# --- event types --------------------------------------------------------------------------


@dataclass(frozen=True)
class EventType:
    """A kind of event, declared once by the app that writes it.

    `subject`: the model label of what it is about ("desk.ticket"). `payload`: the keys it
    always carries, each with what it holds; `optional`: keys it may carry. `refs`: the
    payload keys that hold ids of other objects, with their model label, so that a history
    can look their names up in one query per kind (a list of ids is allowed).
    """

    name: str
    subject: str
    payload: Mapping[str, str] = field(default_factory=dict)
    optional: Mapping[str, str] = field(default_factory=dict)
    refs: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.name

    def check_payload(self, payload: Mapping[str, Any]) -> None:
        """Refuse a payload that does not match the declaration (a programming error)."""
        missing = set(self.payload) - set(payload)
        unknown = set(payload) - set(self.payload) - set(self.optional)
        if missing or unknown:
            raise ValueError(
                f"Payload of {self.name}: missing {sorted(missing)}, undeclared {sorted(unknown)}"
            )


_types: dict[str, EventType] = {}


def event_type(
    name: str,
    *,
    subject: str,
    payload: Mapping[str, str] | None = None,
    optional: Mapping[str, str] | None = None,
    refs: Mapping[str, str] | None = None,
) -> EventType:
    """Declare an event type (from an app's events.py); declaring it again is harmless."""
    declared = EventType(
        name=name,
        subject=subject,
        payload=dict(payload or {}),
        optional=dict(optional or {}),
        refs=dict(refs or {}),
    )
    existing = _types.get(name)
    if existing is not None and existing != declared:
        raise ValueError(f"Event type {name} is declared twice, differently.")
    _types[name] = declared
    return declared


def event_types() -> dict[str, EventType]:
    """Every declared event type, by name."""
    return dict(_types)


def event_type_of(name: str) -> EventType | None:
    return _types.get(name)


# --- in-transaction subscribers ----------------------------------------------------------

Handler = Callable[[Event], None]

_subscribers: dict[str, list[Handler]] = defaultdict(list)


def subscribe(type: EventType, handler: Handler) -> None:
    """Call `handler(event)` inside the transaction that writes each event of this type.

    Only for what must commit with the change (an outbox row); anything else is a durable
    consumer. Register once, from AppConfig.ready().
    """
    if handler not in _subscribers[type.name]:
        _subscribers[type.name].append(handler)


def publish(event: Event) -> None:
    """Hand a just-written event to its in-transaction subscribers (event_record does)."""
    for handler in _subscribers.get(event.type, ()):
        handler(event)


# --- durable consumers --------------------------------------------------------------------


@dataclass(frozen=True)
class Consumer:
    """A reader of the log that keeps its own cursor.

    `handle(event)` is called once per event of `types`, in order, inside a transaction and
    the event's organisation scope; what it writes commits with the cursor's advance. It
    may raise: the event is handed over again at the next dispatch (the effects of earlier
    events stay done). `start`: where a consumer that is new to an installation with a
    history starts: "now" (only what happens from now on, e.g. notifications) or
    "beginning" (the whole history, e.g. reports).
    """

    name: str
    types: frozenset[str]
    handle: Handler
    start: str = "now"


_consumers: dict[str, Consumer] = {}

# A position in the log: (transaction id, event id).
Position = tuple[int, int]
MAX_POSITION_PART = 2**63 - 1
DISPATCH_BATCH = 500


def consumer(
    name: str, *, types: Iterable[EventType], handle: Handler, start: str = "now"
) -> Consumer:
    """Register a durable consumer (from AppConfig.ready())."""
    if start not in ("now", "beginning"):
        raise ValueError("start must be 'now' or 'beginning'")
    registered = Consumer(
        name=name, types=frozenset(t.name for t in types), handle=handle, start=start
    )
    _consumers[name] = registered
    return registered


def consumers() -> dict[str, Consumer]:
    return dict(_consumers)


def _whole_log() -> Any:
    """Every organisation's events: the log is read across organisations, and each event is
    then handed to its consumer inside its own organisation's scope."""
    return Event.objects.with_scopes_disabled()


def log_horizon() -> Position:
    """The newest position up to which the log can no longer change (see the module's
    docstring). Call inside the transaction that reads up to it."""
    if connection.vendor != "postgresql":
        latest = _whole_log().order_by("-id").values_list("id", flat=True).first()
        return (0, latest or 0)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, "
            "pg_current_xact_id_if_assigned()::text::bigint"
        )
        xmin, own = cursor.fetchone()
    if own is not None and own == xmin:
        # Only our own transaction is older than the rest (dispatch runs inside a test's
        # transaction): what it wrote so far is as final to us as the committed events, and
        # what it writes next comes after the newest id.
        latest = _whole_log().order_by("-id").values_list("id", flat=True).first()
        return (own, latest or 0)
    return (xmin - 1, MAX_POSITION_PART)


def _after(position: Position) -> Q:
    tx, event_id = position
    return Q(tx_id__gt=tx) | Q(tx_id=tx, id__gt=event_id)


def _up_to(position: Position) -> Q:
    tx, event_id = position
    return Q(tx_id__lt=tx) | Q(tx_id=tx, id__lte=event_id)


def event_cursors_prepare(*, history_exists: bool) -> None:
    """Give every registered consumer its cursor: at the beginning of the log, or, for a
    consumer that starts "now" on an installation that already has a history, at its end."""
    with transaction.atomic():
        known = set(EventCursor.objects.values_list("consumer", flat=True))
        horizon = log_horizon()
        for name, registered in _consumers.items():
            if name in known:
                continue
            at = horizon if history_exists and registered.start == "now" else (0, 0)
            EventCursor.objects.get_or_create(
                consumer=name, defaults={"position_tx": at[0], "position_id": at[1]}
            )


def event_cursors_skip_history() -> None:
    """Move the consumers that start "now" to the end of the log (after loading a history,
    such as the demo's, that must not set off notifications)."""
    with transaction.atomic():
        horizon = log_horizon()
        for name, registered in _consumers.items():
            if registered.start == "now":
                EventCursor.objects.update_or_create(
                    consumer=name,
                    defaults={"position_tx": horizon[0], "position_id": horizon[1]},
                )


def events_dispatch(*, only: Iterable[str] | None = None, batch: int = DISPATCH_BATCH) -> int:
    """Hand each consumer the events after its cursor; returns how many were handled.

    Two dispatchers at once never hand one event to the same consumer twice: each consumer's
    cursor row is locked while its events are handled, and a dispatcher that finds it
    locked leaves that consumer to the other one.
    """
    names = [name for name in _consumers if only is None or name in set(only)]
    handled = 0
    for name in names:
        handled += _dispatch_one(_consumers[name], batch=batch)
    return handled


def _cursor_locked(name: str) -> EventCursor | None:
    """The consumer's cursor row, locked for this transaction; None when another
    dispatcher holds it (PostgreSQL; SQLite already runs one writer at a time)."""
    rows = EventCursor.objects.filter(consumer=name)
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True)
    cursor = rows.first()
    if cursor is not None:
        return cursor
    # A consumer without a cursor (a database emptied since it was migrated): from the start.
    EventCursor.objects.get_or_create(consumer=name)
    return rows.first()


def _dispatch_one(registered: Consumer, *, batch: int) -> int:
    handled = 0
    with transaction.atomic():
        cursor = _cursor_locked(registered.name)
        if cursor is None:
            return 0
        position: Position = (cursor.position_tx, cursor.position_id)
        horizon = log_horizon()
        events = list(
            _whole_log()
            .filter(_after(position), _up_to(horizon), type__in=sorted(registered.types))
            .select_related("organisation")
            .order_by("tx_id", "id")[:batch]
        )
        failed = False
        for event in events:
            try:
                # A savepoint per event: a failing one is undone alone, and the consumer
                # resumes at it next time.
                with transaction.atomic(), scope(organisation=event.organisation_id):
                    registered.handle(event)
            except Exception as error:
                logger.exception("Consumer %s failed on event %s", registered.name, event.pk)
                cursor.failures += 1
                reason = f"{type(error).__name__}: {error}"
                cursor.last_error = f"event {event.pk} ({event.type}): {reason}"[:2000]
                cursor.last_error_at = timezone.now()
                failed = True
                break
            position = (event.tx_id, event.pk)
            handled += 1
        if not failed:
            if cursor.last_error:
                cursor.last_error = ""
            if len(events) < batch:
                # Nothing more to hand over below the horizon: the cursor goes there, so the
                # next dispatch does not read the other types' events again.
                position = max(position, horizon)
        cursor.position_tx, cursor.position_id = position
        cursor.delivered += handled
        cursor.updated_at = timezone.now()
        cursor.save()
    return handled


def event_cursors_status() -> list[dict[str, Any]]:
    """Each consumer's cursor and how many events of its types wait beyond it."""
    rows = []
    with transaction.atomic():
        horizon = log_horizon()
        cursors = {c.consumer: c for c in EventCursor.objects.all()}
        for name, registered in sorted(_consumers.items()):
            cursor = cursors.get(name)
            position = (cursor.position_tx, cursor.position_id) if cursor else (0, 0)
            waiting = (
                _whole_log()
                .filter(_after(position), _up_to(horizon), type__in=sorted(registered.types))
                .count()
            )
            rows.append(
                {
                    "consumer": name,
                    "waiting": waiting,
                    "delivered": cursor.delivered if cursor else 0,
                    "failures": cursor.failures if cursor else 0,
                    "last_error": cursor.last_error if cursor else "",
                    "last_error_at": cursor.last_error_at if cursor else None,
                }
            )
    return rows


# --- showing events -----------------------------------------------------------------------

# model label → function(ids) → {id: display name}
NameResolver = Callable[[set[int]], dict[int, str]]
_resolvers: dict[str, NameResolver] = {}


def name_resolver(label: str, resolve: NameResolver) -> None:
    """Say how to name objects of a model in histories (register from AppConfig.ready())."""
    _resolvers[label] = resolve


class Names:
    """Display names of the objects a batch of events refers to, looked up together."""

    def __init__(
        self,
        wanted: Mapping[str, set[int]],
        known: Mapping[str, Mapping[int, str]] | None = None,
    ):
        """`known`: names the caller has at hand already (a page that lists the teams), so
        that only the others are looked up."""
        self._memo: dict[str, Any] = {}
        self._names: dict[str, dict[int, str]] = {}
        for label, ids in wanted.items():
            names = dict((known or {}).get(label, {}))
            missing = ids - set(names)
            resolve = _resolvers.get(label)
            if resolve and missing:
                names.update(resolve(missing))
            self._names[label] = names

    def of(self, label: str, value: Any) -> str:
        """The name of one referred object; older events held names, which show as they are."""
        if value in (None, ""):
            return "—"
        if isinstance(value, str):
            return value
        return self._names.get(label, {}).get(value) or _("(deleted)")

    def list_of(self, label: str, values: Iterable[Any]) -> list[str]:
        return [self.of(label, value) for value in values or []]

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """Something a describer looks up once for the whole batch (e.g. field labels)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]


@dataclass(frozen=True)
class Description:
    """An event in words: `text`, and `by` (the actor) when the text does not name them."""

    text: str
    by: str = ""


Describer = Callable[[Event, Names, str], Description]
_describers: dict[str, Describer] = {}


def describer(*types: EventType) -> Callable[[Describer], Describer]:
    """Decorate `describe(event, names, actor) -> Description` for these event types."""

    def register(function: Describer) -> Describer:
        for declared in types:
            _describers[declared.name] = function
        return function

    return register


def actor_name(event: Event) -> str:
    if event.actor is not None:  # no query without an actor_id
        return event.actor.name
    if event.actor_contact is not None:
        return event.actor_contact.name
    rule = (event.payload or {}).get("by")
    if isinstance(rule, dict) and rule.get("name"):
        # A rule's change (desk ticket_update_by_rule): the rule, as it was named then.
        return _("Rule “%(name)s”") % {"name": rule["name"]}
    return _("Karcis")


def _referred(events: Iterable[Event]) -> dict[str, set[int]]:
    wanted: dict[str, set[int]] = defaultdict(set)
    for event in events:
        declared = _types.get(event.type)
        if declared is None:
            continue
        for key, label in declared.refs.items():
            value = (event.payload or {}).get(key)
            values = value if isinstance(value, list) else [value]
            wanted[label].update(v for v in values if isinstance(v, int))
    return wanted


def describe_events(
    events: list[Event], *, known: Mapping[str, Mapping[int, str]] | None = None
) -> list[dict[str, Any]]:
    """Events (with actor and actor_contact loaded) as history entries:
    {"text", "by", "at", "type"}; an event no app describes still shows, by its type.
    `known`: names the caller has loaded already, by model label (see Names)."""
    names = Names(_referred(events), known)
    entries = []
    for event in events:
        actor = actor_name(event)
        describe = _describers.get(event.type)
        if describe is None:
            description = Description(event.type.replace("_", " "), actor)
        else:
            description = describe(event, names, actor)
        entries.append(
            {
                "text": description.text,
                "by": description.by,
                "at": event.created_at,
                "type": event.type,
            }
        )
    return entries
