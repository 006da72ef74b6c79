"""Loads the service-desk benchmark data set into a dedicated PostgreSQL database, fast.

The organisation, its teams, staff, categories and tags are made by the real services.
The 100,000 tickets with their messages and events are too many for the services (a
ticket_create is ~10 queries), so they are built here in Python, row by row, exactly as
the services would leave them, and written with PostgreSQL COPY:

- numbers PREFIX-000001… in creation order, and the 'desk.ticket' Sequence at the last one;
- each ticket tells one of six short stories (new, open, pending, on hold, solved, closed)
  with three messages and the events message_add / ticket_update would record, so status,
  updated_at, first_response_at, solved_at, closed_at, message_count and priority_rank agree
  with the conversation;
- the search document is filled afterwards by ONE set-based UPDATE that builds the same
  tsvector as karcis.desk.search.ticket_index (checked on a sample before we finish).

Call load() with Django set up and the bench database as 'default'.
"""

import json
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from desk_text import TextMaker
from django.db import connection, models, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from karcis.core import services as core_services
from karcis.core.content import body_from
from karcis.core.models import Contact, ContactIdentity, Event, IdentityKind, Role, Sequence
from karcis.desk import search
from karcis.desk import services as desk_services
from karcis.desk.models import (
    PRIORITY_RANK,
    Channel,
    Message,
    MessageKind,
    Priority,
    Status,
    Ticket,
    TicketType,
)

ORG_SLUG = "bench"
ORG_PREFIX = "KRC"
PASSWORD = "bench-rahasia-123"
COMMON_WORD = "router"  # planted in 10% of the tickets
RARE_WORD = "kwitansi"  # planted in 0.1% of the tickets
COMMON_SENTENCE = "Lampu indikator router berkedip merah sejak kemarin."
RARE_SENTENCE = "Kwitansi pembayaran sudah saya lampirkan."

TEAMS = ("Tagihan", "Teknis", "Layanan Pelanggan")
# email, name, role, team (None: works across teams)
STAFF = (
    ("admin@bench.test", "Rina Admin", Role.ADMIN, None),
    ("supervisor@bench.test", "Sinta Supervisor", Role.SUPERVISOR, None),
    ("budi@bench.test", "Budi Santoso", Role.AGENT, "Tagihan"),
    ("ani@bench.test", "Ani Rahayu", Role.AGENT, "Tagihan"),
    ("sari@bench.test", "Sari Wulandari", Role.AGENT, "Teknis"),
    ("tono@bench.test", "Tono Siregar", Role.AGENT, "Teknis"),
    ("yuli@bench.test", "Yuli Hakim", Role.AGENT, "Layanan Pelanggan"),
    ("rudi@bench.test", "Rudi Nasution", Role.AGENT, "Layanan Pelanggan"),
)
SUPERVISOR_EMAIL = "supervisor@bench.test"
TEAM_AGENT_EMAIL = "budi@bench.test"  # sees Tagihan, the triage pool and his own tickets
API_AGENT_EMAIL = "ani@bench.test"
CATEGORIES = {
    "Tagihan": ("Pembayaran gagal", "Koreksi tagihan", "Pengembalian dana"),
    "Gangguan": ("Internet", "Aplikasi", "Perangkat"),
    "Akun": ("Masuk dan kata sandi", "Data pribadi"),
    "Pengiriman": ("Keterlambatan", "Barang rusak"),
    "Pelayanan": ("Keluhan petugas", "Informasi layanan"),
}
TAGS = ("vip", "gangguan-massal", "tindak-lanjut", "keluhan-berulang", "media-sosial")
TOPIC_TEAM = {
    "tagihan": "Tagihan",
    "teknis": "Teknis",
    "akun": "Teknis",
    "pengiriman": "Layanan Pelanggan",
    "layanan": "Layanan Pelanggan",
}
TOPIC_WEIGHTS = {"tagihan": 35, "teknis": 30, "akun": 10, "pengiriman": 10, "layanan": 15}
PRIORITY_WEIGHTS = {Priority.LOW: 15, Priority.NORMAL: 60, Priority.HIGH: 20, Priority.URGENT: 5}
TYPE_WEIGHTS = {
    TicketType.QUESTION: 40,
    TicketType.INCIDENT: 25,
    TicketType.PROBLEM: 10,
    TicketType.REQUEST: 15,
    TicketType.COMPLAINT: 10,
}
CHANNEL_WEIGHTS = {
    Channel.EMAIL: 35,
    Channel.WEB: 25,
    Channel.WHATSAPP: 25,
    Channel.CHAT: 8,
    Channel.PHONE: 5,
    Channel.API: 2,
}
# Among unsolved tickets; solved ones close automatically after CLOSE_AFTER.
UNSOLVED_WEIGHTS = {Status.NEW: 15, Status.OPEN: 55, Status.PENDING: 20, Status.ON_HOLD: 10}
CLOSE_AFTER = timedelta(days=4)
HISTORY = timedelta(days=365)
CHUNK = 10_000


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(tuple(weights), weights=tuple(weights.values()))[0]


def unsolved_probability(position: float) -> float:
    """Recent tickets are mostly still open; old ones mostly done (about 1/3 unsolved overall)."""
    if position > 0.9:
        return 0.9
    if position > 0.7:
        return 0.5
    return 0.2


# --- COPY -------------------------------------------------------------------------------


def copy_rows(model: type[models.Model], rows: list[dict]) -> None:
    """COPY rows (dicts by attname) into the model's table; missing fields get their default."""
    if not rows:
        return
    meta = model._meta
    given = rows[0].keys()
    fields = [f for f in meta.concrete_fields if not (f.primary_key and f.attname not in given)]
    defaults = {f.attname: f.get_default() for f in fields if f.attname not in given}
    json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    attnames = [f.attname for f in fields]
    sql = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
    connection.ensure_connection()
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            values = []
            for name in attnames:
                value = row[name] if name in row else defaults[name]
                if name in json_fields and value is not None:
                    value = json.dumps(value)
                values.append(value)
            copy.write_row(values)


def _max_id(model: type[models.Model]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")
        return cursor.fetchone()[0]


def _sync_id_sequence(model: type[models.Model]) -> None:
    # Rows came in with explicit ids: move the identity sequence past them.
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT MAX(id) FROM {table}))",
            [table],
        )


# --- configuration through the real services ----------------------------------------------


@dataclass
class Setup:
    organisation: object
    teams: dict
    staff: dict  # email -> User
    team_members: dict  # team name -> [User]
    category_ids: list
    tag_ids: list


def setup_organisation() -> Setup:
    org = core_services.organisation_create(
        name="PT Bench Nusantara",
        slug=ORG_SLUG,
        ticket_prefix=ORG_PREFIX,
        support_email="bantuan@bench.test",
    )
    teams = {name: core_services.team_create(organisation=org, name=name) for name in TEAMS}
    staff, members = {}, {name: [] for name in TEAMS}
    for email, name, role, team in STAFF:
        user = core_services.staff_user_create(
            organisation=org,
            email=email,
            name=name,
            role=role,
            password=PASSWORD,
            teams=[teams[team]] if team else [],
        )
        staff[email] = user
        if team:
            members[team].append(user)
    admin = staff["admin@bench.test"]
    category_ids = []
    for root_name, children in CATEGORIES.items():
        root = desk_services.category_create(organisation=org, name=root_name, actor=admin)
        for child in children:
            category = desk_services.category_create(
                organisation=org, name=child, parent=root, actor=admin
            )
            category_ids.append(category.pk)
    tags = desk_services.tags_resolve(organisation=org, names=TAGS)
    return Setup(org, teams, staff, members, category_ids, [t.pk for t in tags])


# --- contacts ---------------------------------------------------------------------------------


def load_contacts(*, org, count: int, rng: random.Random, now: datetime) -> list[tuple[int, str]]:
    """COPY `count` contacts with an e-mail (all) and a phone (half); returns [(id, name)]."""
    text = TextMaker(rng)
    base_contact, base_identity = _max_id(Contact), _max_id(ContactIdentity)
    contacts, identities, result = [], [], []
    domains = ("gmail.com", "yahoo.co.id", "outlook.com", "contoh.co.id")
    for i in range(count):
        contact_id = base_contact + i + 1
        name = text.person_name()
        contacts.append(
            {
                "id": contact_id,
                "organisation_id": org.pk,
                "name": name,
                "user_id": None,
                "notes": "",
                "created_at": now - HISTORY - timedelta(days=rng.randint(1, 900)),
            }
        )
        local = name.lower().replace(" ", ".")
        email = core_services.normalise_email(f"{local}.{i}@{rng.choice(domains)}")
        identities.append({"kind": IdentityKind.EMAIL, "value": email, "contact_id": contact_id})
        if i % 2 == 0:
            phone = core_services.normalise_phone(f"0812{i:08d}")
            identities.append(
                {"kind": IdentityKind.PHONE, "value": phone, "contact_id": contact_id}
            )
        result.append((contact_id, name))
    for offset, identity in enumerate(identities, start=1):
        identity.update(id=base_identity + offset, organisation_id=org.pk)
    with transaction.atomic():
        copy_rows(Contact, contacts)
        copy_rows(ContactIdentity, identities)
    _sync_id_sequence(Contact)
    _sync_id_sequence(ContactIdentity)
    return result


# --- tickets ----------------------------------------------------------------------------------


class TicketWriter:
    """Builds each ticket's rows as the desk services would have written them."""

    def __init__(
        self,
        *,
        setup: Setup,
        contacts,
        total: int,
        rng: random.Random,
        now: datetime,
        unsolved_only: bool = False,
    ):
        self.s = setup
        self.unsolved_only = unsolved_only
        self.org_id = setup.organisation.pk
        self.contacts = contacts
        self.total = total
        self.rng = rng
        self.text = TextMaker(rng)
        self.now = now
        self.start = now - HISTORY
        self.ticket_id = _max_id(Ticket)
        self.message_id = _max_id(Message)
        self.event_id = _max_id(Event)
        self.tag_link_id = _max_id(Ticket.tags.through)
        self.common = set(rng.sample(range(total), total // 10))
        self.rare = set(rng.sample(range(total), max(1, total // 1000)))
        self.supervisor = setup.staff[SUPERVISOR_EMAIL]
        self.reset()

    def reset(self) -> None:
        self.tickets, self.messages, self.events, self.tag_links = [], [], [], []

    def flush(self) -> None:
        with transaction.atomic():
            copy_rows(Ticket, self.tickets)
            copy_rows(Ticket.tags.through, self.tag_links)
            copy_rows(Message, self.messages)
            copy_rows(Event, self.events)
        self.reset()

    # rows ---------------------------------------------------------------------------------

    def _event(self, ticket: dict, type: str, at, *, actor=None, contact_id=None, payload=None):
        self.event_id += 1
        self.events.append(
            {
                "id": self.event_id,
                "organisation_id": self.org_id,
                "type": type,
                "object_type": Ticket._meta.label_lower,
                "object_id": ticket["id"],
                "actor_id": actor.pk if actor else None,
                "actor_contact_id": contact_id,
                "payload": payload or {},
                "created_at": at,
            }
        )

    def _store_message(self, ticket: dict, at, text: str, *, kind, user, channel) -> int:
        """_message_store: the message row and message_count (ticket_create's first message)."""
        body = body_from(text=text)
        self.message_id += 1
        self.messages.append(
            {
                "id": self.message_id,
                "organisation_id": self.org_id,
                "ticket_id": ticket["id"],
                "kind": kind,
                "author_user_id": user.pk if user else None,
                "author_contact_id": None if user else ticket["requester_id"],
                "channel": channel,
                "body_html": body.html,
                "body_text": body.text,
                "created_at": at,
            }
        )
        ticket["message_count"] += 1
        return self.message_id

    def _message(
        self,
        ticket: dict,
        at,
        text: str,
        *,
        kind=MessageKind.REPLY,
        user=None,
        channel=Channel.WEB,
        status: str | None = None,
    ) -> None:
        """message_add: the message, its event, updated_at, first response, status rules."""
        message_id = self._store_message(ticket, at, text, kind=kind, user=user, channel=channel)
        contact_id = None if user else ticket["requester_id"]
        ticket["updated_at"] = at
        is_staff = user is not None
        if is_staff and kind == MessageKind.REPLY and ticket["first_response_at"] is None:
            ticket["first_response_at"] = at
        # The status change first, then the message's event (as message_add records them).
        if status and status != ticket["status"]:
            self._status(ticket, status, at, actor=user, message_id=message_id)
        elif not is_staff and ticket["status"] in (Status.PENDING, Status.SOLVED):
            self._status(ticket, Status.OPEN, at, contact_id=ticket["requester_id"])
        elif is_staff and kind == MessageKind.REPLY and ticket["status"] == Status.NEW:
            self._status(ticket, Status.OPEN, at, actor=user)
        event = (
            "desk.message.note_added" if kind == MessageKind.NOTE else "desk.message.reply_added"
        )
        self._event(
            ticket,
            event,
            at,
            actor=user,
            contact_id=contact_id,
            payload={"message_id": message_id, "attachments": 0},
        )

    def _status(
        self, ticket: dict, status: str, at, *, actor=None, contact_id=None, message_id=None
    ) -> None:
        """_status_change: the timestamps it keeps and its event (with the reply that made
        the move, if any)."""
        old = ticket["status"]
        ticket["status"] = status
        ticket["updated_at"] = at
        if status == Status.SOLVED:
            ticket["solved_at"] = at
        elif status == Status.CLOSED:
            ticket["closed_at"] = at
        elif old == Status.SOLVED:
            ticket["solved_at"] = None
        self._event(
            ticket,
            "desk.ticket.status_changed",
            at,
            actor=actor,
            contact_id=contact_id,
            payload={"from": old, "to": status}
            | ({"message_id": message_id} if message_id is not None else {}),
        )

    def _assign(self, ticket: dict, assignee, at, *, actor) -> None:
        """ticket_update(assignee=…): a new ticket opens first, then the assignment event."""
        ticket["assignee_id"] = assignee.pk
        if ticket["status"] == Status.NEW:
            self._status(ticket, Status.OPEN, at, actor=actor)
        self._event(
            ticket,
            "desk.ticket.assigned",
            at,
            actor=actor,
            payload={"from": None, "to": assignee.pk},
        )
        ticket["updated_at"] = at

    # the story of one ticket ----------------------------------------------------------------

    def _final_status(self, index: int) -> str:
        if self.unsolved_only:
            return _weighted(self.rng, UNSOLVED_WEIGHTS)
        if self.rng.random() < unsolved_probability(index / self.total):
            return _weighted(self.rng, UNSOLVED_WEIGHTS)
        return Status.SOLVED  # becomes closed when CLOSE_AFTER has passed

    def _times(self, created: datetime) -> list[datetime]:
        """Created, assigned, first reply, third message: squeezed to end before now."""
        r = self.rng
        steps = [
            timedelta(minutes=r.uniform(1, 60)),
            timedelta(minutes=r.uniform(5, 480)),
            timedelta(minutes=r.uniform(10, 2880)),
        ]
        room = self.now - created - timedelta(seconds=1)
        total = sum(steps, timedelta())
        if total > room:
            steps = [step * (room / total) for step in steps]
        times = [created]
        for step in steps:
            times.append(times[-1] + step)
        return times

    def add(self, index: int) -> None:
        r = self.rng
        span = HISTORY / self.total
        created = self.start + span * index + span * r.random() * 0.9
        self.ticket_id += 1
        contact_id, customer = self.contacts[int(len(self.contacts) * r.random() ** 2)]
        topic = _weighted(r, TOPIC_WEIGHTS)
        team_name = TOPIC_TEAM[topic] if r.random() > 0.05 else None
        team = self.s.teams[team_name] if team_name else None
        channel = _weighted(r, CHANNEL_WEIGHTS)
        priority = _weighted(r, PRIORITY_WEIGHTS)
        number = index + 1
        ticket = {
            "id": self.ticket_id,
            "organisation_id": self.org_id,
            "number": f"{ORG_PREFIX}-{number:06d}",
            "subject": " ".join(self.text.subject(topic, customer).split())[:200],
            "status": Status.NEW,
            "priority": priority,
            "priority_rank": PRIORITY_RANK[priority],
            "type": _weighted(r, TYPE_WEIGHTS),
            "channel": channel,
            "category_id": r.choice(self.s.category_ids) if r.random() < 0.7 else None,
            "requester_id": contact_id,
            "assignee_id": None,
            "team_id": team.pk if team else None,
            "custom_fields": {},
            "linked_to_id": None,
            "created_at": created,
            "updated_at": created,
            "first_response_at": None,
            "solved_at": None,
            "closed_at": None,
            "message_count": 0,
            "search_vector": None,
        }
        if r.random() < 0.15:
            for tag_id in sorted(r.sample(self.s.tag_ids, r.randint(1, 2))):
                self.tag_link_id += 1
                self.tag_links.append(
                    {"id": self.tag_link_id, "ticket_id": ticket["id"], "tag_id": tag_id}
                )
        members = self.s.team_members[team_name] if team_name else []
        worker = r.choice(members) if members and r.random() < 0.9 else self.supervisor

        # ticket_create: a phone or walk-in request is typed in by an agent.
        typed_by = worker if channel in (Channel.PHONE, Channel.WALK_IN) else None
        extra = " ".join(
            sentence
            for sentence, chosen in (
                (COMMON_SENTENCE, index in self.common),
                (RARE_SENTENCE, index in self.rare),
            )
            if chosen
        )
        request = self.text.request(topic, customer, extra)
        first = self._store_message(
            ticket, created, request, kind=MessageKind.REPLY, user=None, channel=channel
        )
        # After the first message, with ids (core.eventlog), as ticket_create writes it.
        self._event(
            ticket,
            "desk.ticket.created",
            created,
            actor=typed_by,
            contact_id=None if typed_by else contact_id,
            payload={
                "number": ticket["number"],
                "channel": channel,
                "priority": priority,
                "type": ticket["type"],
                "team": ticket["team_id"],
                "assignee": None,
                "category": ticket["category_id"],
                "message_id": first,
            },
        )

        final = self._final_status(index)
        times = self._times(created)
        _, assigned_at, replied_at, last_at = times
        text = self.text
        if final == Status.NEW:
            # Nobody has taken it yet: a colleague's note, then the customer adds detail.
            self._message(
                ticket, replied_at, text.note(customer), kind=MessageKind.NOTE, user=worker
            )
            self._message(ticket, last_at, text.customer_follow_up(customer), channel=channel)
        else:
            assigner = worker if r.random() < 0.6 else self.supervisor
            self._assign(ticket, worker, assigned_at, actor=assigner)
            reply = text.agent_reply(topic, customer, worker.name)
            if final == Status.OPEN:
                self._message(ticket, replied_at, reply, user=worker)
                self._message(ticket, last_at, text.customer_follow_up(customer), channel=channel)
            elif final == Status.PENDING:
                self._message(ticket, replied_at, reply, user=worker, status=Status.PENDING)
                self._message(
                    ticket, last_at, text.note(customer), kind=MessageKind.NOTE, user=worker
                )
            elif final == Status.ON_HOLD:
                self._message(ticket, replied_at, reply, user=worker)
                self._message(
                    ticket,
                    last_at,
                    text.note(customer),
                    kind=MessageKind.NOTE,
                    user=worker,
                    status=Status.ON_HOLD,
                )
            else:
                self._message(ticket, replied_at, reply, user=worker)
                closing = text.agent_reply(topic, customer, worker.name)
                self._message(ticket, last_at, closing, user=worker, status=Status.SOLVED)
                if last_at + CLOSE_AFTER < self.now:
                    self._status(ticket, Status.CLOSED, last_at + CLOSE_AFTER, actor=worker)
        self.tickets.append(ticket)


# --- the search document ----------------------------------------------------------------------

SEARCH_UPDATE = """
UPDATE desk_ticket AS t
SET search_vector =
    setweight(to_tsvector(%(config)s::regconfig, COALESCE(t.subject, '')), 'A')
    || setweight(to_tsvector(%(config)s::regconfig, COALESCE(LEFT(d.body, %(max_chars)s), '')), 'B')
FROM (
    SELECT ticket_id, string_agg(body_text, E'\\n' ORDER BY created_at, id) AS body
    FROM desk_message WHERE organisation_id = %(org)s GROUP BY ticket_id
) AS d
WHERE d.ticket_id = t.id AND t.organisation_id = %(org)s
"""


def fill_search_vectors(*, org) -> int:
    """One set-based UPDATE: subject weighted A, messages (in conversation order) B."""
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        cursor.execute(
            SEARCH_UPDATE,
            {"config": search.PG_CONFIG, "org": org.pk, "max_chars": search.MAX_DOCUMENT_CHARS},
        )
        return cursor.rowcount


class _Rollback(Exception):
    pass


def check_search_vectors(*, org, sample: int, rng: random.Random) -> int:
    """Re-index a sample through the services' own code and compare; returns mismatches.

    Uses desk.services._reindex, the function ticket_create and message_add call, inside
    a transaction that is rolled back.
    """
    ids = list(Ticket.objects.filter(organisation=org).values_list("id", flat=True))
    chosen = rng.sample(ids, min(sample, len(ids)))
    mismatches = 0
    try:
        with transaction.atomic():
            before = _vectors(chosen)
            for ticket in Ticket.objects.filter(pk__in=chosen):
                desk_services._reindex(ticket)
            after = _vectors(chosen)
            mismatches = sum(1 for pk in chosen if before[pk] != after[pk])
            raise _Rollback
    except _Rollback:
        pass
    return mismatches


def _vectors(ids: list[int]) -> dict[int, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, search_vector::text FROM desk_ticket WHERE id = ANY(%s)", [ids])
        return dict(cursor.fetchall())


def check_stories(*, org) -> list[str]:
    """Replay loaded tickets through the real services and compare: the newest ticket of
    each final status, and the newest one an agent typed in from a phone call.

    Runs ticket_create, ticket_update and message_add with the loaded ticket's people and
    words inside a transaction that is rolled back; returns the differences found.
    """
    loaded_tickets = Ticket.objects.filter(organisation=org).order_by("-id")
    samples = [loaded_tickets.filter(status=status).first() for status in Status.values]
    samples.append(loaded_tickets.filter(channel=Channel.PHONE).first())
    problems: list[str] = []
    try:
        with transaction.atomic():
            for loaded in filter(None, samples):
                mine, theirs = _story_of(loaded), _story_of(_replay(loaded))
                for key in mine:
                    if mine[key] != theirs[key]:
                        problems.append(
                            f"{loaded.number} ({loaded.status}) {key}: loaded {mine[key]!r}, "
                            f"services {theirs[key]!r}"
                        )
            raise _Rollback
    except _Rollback:
        pass
    return problems


def _replay(loaded: Ticket) -> Ticket:
    messages = list(loaded.messages.order_by("created_at", "id"))
    events = list(
        Event.objects.filter(object_type="desk.ticket", object_id=loaded.pk).order_by("id")
    )
    worker = next((m.author_user for m in messages if m.author_user_id), None)
    assigned = next((e for e in events if e.type == "desk.ticket.assigned"), None)
    ticket = desk_services.ticket_create(
        actor=events[0].actor,  # desk.ticket.created: the agent who typed it in, if any
        organisation=loaded.organisation,
        requester=loaded.requester,
        subject=loaded.subject,
        body=body_from(text=messages[0].body_text),
        channel=loaded.channel,
        category=loaded.category,
        priority=loaded.priority,
        type=loaded.type,
        team=loaded.team,
        tags=[t.name for t in loaded.tags.all()],
    )
    if assigned is not None:
        ticket = desk_services.ticket_update(ticket=ticket, actor=assigned.actor, assignee=worker)
    # The status an agent set with a message: its status event names the message.
    set_with = {
        e.payload["message_id"]: e.payload["to"]
        for e in events
        if e.type == "desk.ticket.status_changed" and "message_id" in e.payload
    }
    for message in messages[1:]:
        status = set_with.get(message.pk)
        desk_services.message_add(
            ticket=ticket,
            body=body_from(text=message.body_text),
            kind=message.kind,
            author_user=message.author_user,
            author_contact=message.author_contact,
            channel=message.channel,
            status=status,
        )
    if loaded.status == Status.CLOSED:
        ticket.refresh_from_db()
        desk_services.ticket_update(ticket=ticket, actor=worker, status=Status.CLOSED)
    ticket.refresh_from_db()
    return ticket


def _story_of(ticket: Ticket) -> dict:
    """What must agree between a loaded ticket and its replay (not ids, numbers or times)."""
    events = Event.objects.filter(object_type="desk.ticket", object_id=ticket.pk).order_by("id")
    messages = ticket.messages.order_by("created_at", "id")

    def payload(event: Event) -> dict:
        # Ids differ between the two; that a message is named must not.
        return {
            k: "<message>" if k == "message_id" else v
            for k, v in event.payload.items()
            if k != "number"
        }

    return {
        "fields": (
            ticket.status,
            ticket.priority,
            ticket.priority_rank,
            ticket.type,
            ticket.channel,
            ticket.team_id,
            ticket.assignee_id,
            ticket.requester_id,
            ticket.category_id,
            ticket.message_count,
            ticket.custom_fields,
            ticket.subject,
        ),
        "timestamps set": tuple(
            getattr(ticket, name) is not None
            for name in ("first_response_at", "solved_at", "closed_at")
        ),
        "tags": sorted(t.name for t in ticket.tags.all()),
        "messages": [
            (m.kind, m.author_user_id, m.author_contact_id, m.channel, m.body_html, m.body_text)
            for m in messages
        ],
        "events": [(e.type, e.actor_id, e.actor_contact_id, payload(e)) for e in events],
        "search document": _vectors([ticket.pk])[ticket.pk],
    }


# --- the whole load ---------------------------------------------------------------------------


def _step(label: str):
    print(f"  {label}…", end="", flush=True)
    return time.perf_counter()


def _done(started: float, note: str = "") -> None:
    print(f" {time.perf_counter() - started:.1f} s{note}", flush=True)


def load(
    *,
    tickets: int,
    contacts: int,
    seed: int = 2024,
    unsolved_only: bool = False,
    configure: Callable[[Setup], None] | None = None,
) -> dict:
    """Load the data set; returns the high-water marks that define 'the loaded data'.

    `unsolved_only`: every ticket ends new, open, pending or on hold (bench/sla.py's open
    tickets), in the same proportions as the unsolved ones of the desk's set.
    `configure(setup)`: runs after the organisation is made and before any ticket is
    written (bench/sla.py makes its calendar and SLA policies there, through the services).
    """
    rng = random.Random(seed)
    now = timezone.now().replace(microsecond=0)
    with scopes_disabled():
        t = _step("organisation, teams, 8 staff, categories, tags (services)")
        setup = setup_organisation()
        _done(t)
        if configure is not None:
            configure(setup)
        t = _step(f"{contacts:,} contacts with e-mail/phone identities (COPY)")
        contact_list = load_contacts(org=setup.organisation, count=contacts, rng=rng, now=now)
        _done(t)

        writer = TicketWriter(
            setup=setup,
            contacts=contact_list,
            total=tickets,
            rng=rng,
            now=now,
            unsolved_only=unsolved_only,
        )
        started = time.perf_counter()
        interactive = sys.stdout.isatty()
        for index in range(tickets):
            writer.add(index)
            if (index + 1) % CHUNK == 0 or index + 1 == tickets:
                writer.flush()
                elapsed = time.perf_counter() - started
                line = (
                    f"  tickets {index + 1:>7,}/{tickets:,} with messages and events "
                    f"(COPY) {elapsed:.1f} s"
                )
                # One updating line on a terminal, one line per chunk in a log.
                print(
                    "\r" + line if interactive else line,
                    end="" if interactive else "\n",
                    flush=True,
                )
        if interactive:
            print(flush=True)
        for model in (Ticket, Ticket.tags.through, Message, Event):
            _sync_id_sequence(model)
        Sequence.objects.update_or_create(
            organisation=setup.organisation,
            name=desk_services.TICKET_SEQUENCE,
            defaults={"last_value": tickets},
        )

        t = _step("search documents (one UPDATE … to_tsvector)")
        updated = fill_search_vectors(org=setup.organisation)
        _done(t, f", {updated:,} tickets")
        t = _step("VACUUM ANALYZE")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
        _done(t)
        t = _step("check: a ticket of each status replayed through the services")
        problems = check_stories(org=setup.organisation)
        _done(t, f", {len(problems)} differences")
        for problem in problems:
            print(f"    {problem}")
        if problems:
            raise SystemExit(
                "The loaded tickets differ from what the services write; fix desk_load."
            )
        t = _step("check: 50 search documents rebuilt by the services' code")
        mismatches = check_search_vectors(org=setup.organisation, sample=50, rng=rng)
        _done(t, f", {mismatches} differ")
        if mismatches:
            raise SystemExit(
                "The loader's search documents differ from the services'; fix SEARCH_UPDATE."
            )
    return {
        "tickets": tickets,
        "organisation_id": setup.organisation.pk,
        "max_ticket_id": _max_id(Ticket),
        "max_message_id": _max_id(Message),
        "max_event_id": _max_id(Event),
        "max_contact_id": _max_id(Contact),
        "max_identity_id": _max_id(ContactIdentity),
        "max_ticket_tag_id": _max_id(Ticket.tags.through),
    }
