"""Every write of the core: organisations, numbering, people, teams and the event log."""

import copy
import functools
import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import BigIntegerField, Func, Model
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from karcis.core import eventlog, events, extensions, notifications, permissions
from karcis.core.eventlog import EventType
from karcis.core.models import (
    SEES_ALL_TICKETS,
    Contact,
    ContactIdentity,
    CustomRole,
    Event,
    IdentityKind,
    Notification,
    NotificationPreference,
    Organisation,
    Role,
    Sequence,
    Team,
    User,
    Verification,
    as_member,
)
from karcis.core.rows import row_insert, row_insert_unless_taken
from karcis.core.text import one_line

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

    from karcis.core.models import OrganisationMember


class _TransactionId(Func):
    """The writing transaction's id (PostgreSQL), stored with each event: see core.eventlog."""

    template = "pg_current_xact_id()::text::bigint"
    output_field = BigIntegerField()

    def as_sqlite(
        self, compiler: "SQLCompiler", connection: "BaseDatabaseWrapper", **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        return "0", ()


def event_record(
    *,
    organisation: Organisation,
    type: EventType,
    obj: Model,
    actor: User | None = None,
    actor_contact: Contact | None = None,
    payload: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Event:
    """Write one domain event. Call inside the transaction that made the change.

    `type` is declared in the writing app's events.py, and the payload must match it.
    In-transaction subscribers (core.eventlog.subscribe) see the event before the
    transaction commits; durable consumers read it after. `at`: when it happened, for
    history brought in from elsewhere (the demo, an import); now by default.
    """
    payload = payload or {}
    type.check_payload(payload)
    event = Event(
        organisation=organisation,
        type=type.name,
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_contact=actor_contact,
        payload=payload,
        created_at=at or timezone.now(),
        tx_id=_TransactionId(),
    )
    row_insert(event)
    # The expression is not read back: subscribers and callers never need the value.
    event.tx_id = 0
    event.instance = obj
    eventlog.publish(event)
    return event


def sequence_next(*, organisation: Organisation, name: str) -> int:
    """The next value of a per-organisation counter; never the same value twice.

    The UPDATE takes the row lock, so concurrent callers queue behind each other until
    the surrounding transaction ends (PostgreSQL row lock; SQLite's IMMEDIATE write lock).
    """
    value = _sequence_advance(organisation.pk, name)
    if value is None:
        # First use: create the row, then advance it like everyone else. A parallel
        # creator loses the race on the unique constraint and simply advances the row.
        try:
            with transaction.atomic():
                Sequence.objects.create(organisation=organisation, name=name, last_value=0)
        except IntegrityError:
            pass
        value = _sequence_advance(organisation.pk, name)
    return cast(int, value)  # the row exists by now


def _sequence_advance(organisation_id: int, name: str) -> int | None:
    table = Sequence._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One round trip: the increment and the new value together.
            cursor.execute(
                f"UPDATE {table} SET last_value = last_value + 1 "
                "WHERE organisation_id = %s AND name = %s RETURNING last_value",
                [organisation_id, name],
            )
            row = cursor.fetchone()
            return row[0] if row else None
        cursor.execute(
            f"UPDATE {table} SET last_value = last_value + 1 WHERE organisation_id = %s AND name = %s",
            [organisation_id, name],
        )
        if cursor.rowcount == 0:
            return None
        cursor.execute(
            f"SELECT last_value FROM {table} WHERE organisation_id = %s AND name = %s",
            [organisation_id, name],
        )
        value: int = cursor.fetchone()[0]
        return value


def organisation_create(
    *,
    name: str,
    slug: str,
    ticket_prefix: str,
    time_zone: str = "Asia/Jakarta",
    language: str = "id",
    support_email: str = "",
    created_at: datetime | None = None,
) -> Organisation:
    organisation = Organisation(
        name=name,
        slug=slug,
        ticket_prefix=ticket_prefix.upper(),
        time_zone=time_zone,
        language=language,
        support_email=support_email,
        created_at=created_at or timezone.now(),
    )
    organisation.full_clean()
    organisation.save()
    return organisation


def organisation_update(*, organisation: Organisation, actor: User, **fields: Any) -> Organisation:
    _require(actor, permissions.ORGANISATION_MANAGE)
    allowed = {"name", "ticket_prefix", "time_zone", "language", "support_email"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"Cannot change {', '.join(sorted(unknown))}")
    # Validate a copy first, so a refused change never lingers on the caller's object.
    candidate = copy.copy(organisation)
    for key, value in fields.items():
        setattr(candidate, key, value)
    candidate.full_clean()
    for key, value in fields.items():
        setattr(organisation, key, value)
    with transaction.atomic():
        organisation.save(update_fields=list(fields))
        event_record(
            organisation=organisation,
            type=events.ORGANISATION_UPDATED,
            obj=organisation,
            actor=actor,
            payload={"fields": sorted(fields)},
        )
    return organisation


# --- people ---------------------------------------------------------------------------

_PHONE_DIGITS = re.compile(r"\D+")


def normalise_email(value: str) -> str:
    return value.strip().lower()


def normalise_phone(value: str) -> str:
    """Indonesian numbers to E.164 digits with '+': 0812-3456-7890 → +6281234567890."""
    raw = value.strip()
    digits = _PHONE_DIGITS.sub("", raw)
    if not digits:
        return ""
    if raw.startswith("+"):
        return "+" + digits
    if digits.startswith("0"):
        return "+62" + digits[1:]
    if digits.startswith("62"):
        return "+" + digits
    return "+" + digits


def validate_phone(value: str) -> str:
    phone = normalise_phone(value)
    if phone and not 8 <= len(phone) - 1 <= 15:
        raise ValidationError(_("Enter a phone number such as 0812 3456 7890."), code="phone")
    return phone


def contact_resolve(
    *,
    organisation: Organisation,
    name: str = "",
    email: str = "",
    phone: str = "",
    at: datetime | None = None,
    proven: Iterable[str] = (),
    proof: str = "",
) -> Contact:
    """Find the contact behind an e-mail address or phone number, or create one.

    The e-mail address, when given, decides who the contact is; the phone number decides
    only when there is no e-mail address. An address is added to the contact found only
    while nobody else has it. Never the other way round: anyone can type anyone's phone
    number into a form or say it on a call, and attaching their own e-mail address to the
    phone owner's contact would let that address track (and, after sign-up, read) the
    owner's tickets. Two contacts that are one person are merged by an agent, not here.

    `proven`: the kinds of address the caller's channel proves (an e-mail that arrived from
    the address, staff taking a call), with `proof` saying how (a `Verification`). An
    address only typed (the portal's form, a Cc) stays unverified, and an unverified
    address never brings a ticket to a contact whose tickets someone else can read
    (decision 0016): a proof takes the address over into a contact of its own; without
    proof the ticket gets a contact without that address.
    """
    email = normalise_email(email)
    phone = validate_phone(phone) if phone else ""
    if not email and not phone:
        raise ValidationError(_("An e-mail address or a phone number is required."))
    proven = set(proven)
    if proven and not proof:
        raise ValueError("contact_resolve: say how the addresses are proven")
    at = at or timezone.now()
    key_kind, key_value = (IdentityKind.EMAIL, email) if email else (IdentityKind.PHONE, phone)
    display_name = one_line(name or "", 150) or (email.split("@")[0] if email else phone)
    # No savepoint: a new contact's address, which a parallel creator may win, is written
    # unless taken (no error to recover from); the rest is rolled back only with the caller.
    with transaction.atomic(savepoint=False):
        held = _holder_identities(organisation=organisation, kind=key_kind, value=key_value)
        identity = next((i for i in held if i.kind == key_kind and i.value == key_value), None)
        key_proven = key_kind in proven
        if identity is None:
            contact, created = _contact_with_identity_create(
                organisation=organisation,
                name=display_name,
                kind=key_kind,
                value=key_value,
                at=at,
                proof=proof if key_proven else "",
            )
            if created is not None and not phone:
                _identities_known(contact, [created])
        elif identity.is_verified or not _others_read(identity, held):
            contact = identity.contact
            if key_proven and not identity.is_verified:
                _identity_verify(identity, proof=proof, at=at)
            if name and not contact.name:
                contact.name = one_line(name, 150)
                contact.save(update_fields=["name"])
            if not phone:  # a phone number may add an address below
                _identities_known(contact, held)
        elif key_proven:
            # An unproven claim on somebody else's contact: the proof takes it over.
            contact = Contact.objects.create(
                organisation=organisation, name=display_name, created_at=at
            )
            _identity_move(identity, to=contact, proof=proof, at=at)
        else:
            # Nobody proved it: not that contact, and the address stays where it is (one
            # contact per address); an agent merges the two when they are one person.
            contact = Contact.objects.create(
                organisation=organisation, name=display_name, created_at=at
            )
        if email and phone:
            _phone_attach(contact, phone, proven=IdentityKind.PHONE in proven, proof=proof, at=at)
    return contact


def _holder_identities(
    *, organisation: Organisation, kind: str, value: str
) -> list[ContactIdentity]:
    """Every address of the contact that holds this one (none when nobody does), each with
    that one contact and its account: one query answers who it is, whether others read its
    tickets, and what the caller shows of the contact afterwards.

    Written in SQL: every new ticket of every channel asks it, and the ORM took several
    times longer to compose this query (a join back through the contact, two related
    objects) than the database took to answer it. The columns come from the models.
    """
    sql = _holder_identities_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [organisation.pk, organisation.pk, kind, value])
        rows = cursor.fetchall()
    held = []
    contact = None
    for row in rows:
        identity, contact_row, user_row = _split_row(row, _HOLDER_MODELS)
        if contact is None:
            contact = Contact.from_db(connection.alias, _attnames(Contact), contact_row)
            user = (
                None
                if user_row[0] is None
                else User.from_db(connection.alias, _attnames(User), user_row)
            )
            contact.user = user
        held.append(ContactIdentity.from_db(connection.alias, _attnames(ContactIdentity), identity))
        held[-1].contact = contact  # the rows are one contact: one object
    return held


_HOLDER_MODELS = (ContactIdentity, Contact, User)


@functools.cache
def _holder_identities_sql() -> str:
    identity, contact, user = (
        ", ".join(f'{alias}."{field.column}"' for field in model._meta.concrete_fields)
        for alias, model in zip(("i", "c", "u"), _HOLDER_MODELS, strict=True)
    )
    return (
        f"SELECT {identity}, {contact}, {user} "
        "FROM core_contactidentity i "
        "JOIN core_contact c ON c.id = i.contact_id "
        "LEFT JOIN core_user u ON u.id = c.user_id "
        "WHERE i.organisation_id = %s AND i.contact_id = ("
        "  SELECT contact_id FROM core_contactidentity "
        "  WHERE organisation_id = %s AND kind = %s AND value = %s) "
        "ORDER BY i.id"
    )


@functools.cache
def _attnames(model: type[Model]) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


def _split_row(row: tuple[Any, ...], models: tuple[type[Model], ...]) -> list[tuple[Any, ...]]:
    """A joined row cut into each model's columns, in the order the models are given."""
    parts, start = [], 0
    for model in models:
        end = start + len(_attnames(model))
        parts.append(row[start:end])
        start = end
    return parts


def _identities_known(contact: Contact, identities: list[ContactIdentity]) -> None:
    """Give the contact its addresses as read or written here, as prefetch_related would,
    so the caller's answer (the API shows the requester's addresses) costs no query."""
    addresses = contact.identities.all()
    addresses._result_cache = list(identities)
    addresses._prefetch_done = True  # type: ignore[attr-defined]  # as prefetching marks it
    contact.__dict__.setdefault("_prefetched_objects_cache", {})["identities"] = addresses


def _others_read(identity: ContactIdentity, held: list[ContactIdentity]) -> bool:
    """Whether somebody other than the holder of this address may read its contact's
    tickets: the portal shows them to whoever has another of the contact's e-mail
    addresses (tracking, links by e-mail) or its customer account. `held`: all the
    contact's addresses."""
    user = identity.contact.user  # read with it (_holder_identities)
    own_account = (
        identity.kind == IdentityKind.EMAIL and user is not None and user.email == identity.value
    )
    if user is not None and not own_account:
        return True
    return any(other.kind == IdentityKind.EMAIL and other.pk != identity.pk for other in held)


def _phone_attach(contact: Contact, phone: str, *, proven: bool, proof: str, at: datetime) -> None:
    """Add the phone number to the contact while nobody has it; a proven number also comes
    over from a contact that holds it unverified."""
    identity, created = ContactIdentity.objects.select_related("contact").get_or_create(
        organisation_id=contact.organisation_id,
        kind=IdentityKind.PHONE,
        value=phone,
        defaults={
            "contact": contact,
            "verified_at": at if proven else None,
            "verified_by": proof if proven else "",
        },
    )
    if created or not proven or identity.is_verified:
        return
    if identity.contact_id == contact.pk:
        _identity_verify(identity, proof=proof, at=at)
    else:
        _identity_move(identity, to=contact, proof=proof, at=at)


def _identity_verify(
    identity: ContactIdentity, *, proof: str, at: datetime, actor: User | None = None
) -> None:
    identity.verified_at, identity.verified_by = at, proof
    identity.code_hash, identity.code_attempts = "", 0
    identity.save(update_fields=["verified_at", "verified_by", "code_hash", "code_attempts"])
    event_record(
        organisation=identity.contact.organisation,
        type=events.IDENTITY_VERIFIED,
        obj=identity.contact,
        actor=actor,
        payload={"identity": identity.pk, "kind": identity.kind, "proof": proof},
        at=at,
    )


def _identity_move(identity: ContactIdentity, *, to: Contact, proof: str, at: datetime) -> None:
    """Give a proven address to the contact it was proven for, away from the contact that
    only claimed it; recorded on both contacts' history."""
    previous = identity.contact
    identity.contact = to
    identity.verified_at, identity.verified_by = at, proof
    identity.code_hash, identity.code_attempts = "", 0
    identity.save(
        update_fields=["contact", "verified_at", "verified_by", "code_hash", "code_attempts"]
    )
    event_record(
        organisation=to.organisation,
        type=events.IDENTITY_MOVED,
        obj=previous,
        payload={"identity": identity.pk, "kind": identity.kind, "to_contact": to.pk},
        at=at,
    )


def _contact_with_identity_create(
    *,
    organisation: Organisation,
    name: str,
    kind: str,
    value: str,
    at: datetime | None,
    proof: str = "",
) -> tuple[Contact, ContactIdentity | None]:
    """A new contact with this address, and the address; the contact that has it, when
    another transaction created one with it at the same moment (two e-mails of a new sender
    processed at once), and None."""
    contact = row_insert(
        Contact(organisation=organisation, name=name, created_at=at or timezone.now())
    )
    identity = row_insert_unless_taken(
        ContactIdentity(
            organisation=organisation,
            contact=contact,
            kind=kind,
            value=value,
            verified_at=(at or timezone.now()) if proof else None,
            verified_by=proof,
        ),
        unique=("organisation", "kind", "value"),
    )
    if identity is not None:
        return contact, identity
    # Taken by the other transaction, which has committed: its contact is the one. Ours,
    # created a moment ago and referenced by nothing, goes.
    contact.delete()
    winner = ContactIdentity.objects.select_related("contact").get(
        organisation=organisation, kind=kind, value=value
    )
    return winner.contact, None


# --- proving an address with a code -------------------------------------------------------

IDENTITY_CODE_POINT = "core.identity_code.{kind}"
IDENTITY_CODE_VALID = timedelta(minutes=30)
IDENTITY_CODE_RESEND_AFTER = timedelta(minutes=1)
IDENTITY_CODE_MAX_ATTEMPTS = 5


def identity_code_senders(kind: str) -> list[Any]:
    """Who can deliver a code to an address of this kind: the apps that contribute a sender
    to the extension point (messaging for e-mail; none for phone numbers yet)."""
    return extensions.contributions(IDENTITY_CODE_POINT.format(kind=kind))


def identity_code_send(*, identity: ContactIdentity, actor: User) -> None:
    """Send a fresh six-digit code to the address; whoever reads it there can prove the
    address is theirs by telling the code (identity_code_check).

    The first sender contributed for the kind delivers it (an e-mail goes through the
    outbox, after the commit). Refused when no channel reaches this kind of address.
    """
    _require(actor, permissions.CONTACTS_MANAGE)
    senders = identity_code_senders(identity.kind)
    if not senders:
        raise ValidationError(
            _(
                "Karcis cannot send a code to this kind of address yet. Call the number "
                "and mark it verified when the person answering confirms it."
            )
        )
    now = timezone.now()
    if identity.code_sent_at and now - identity.code_sent_at < IDENTITY_CODE_RESEND_AFTER:
        raise ValidationError(
            _("A code was sent a moment ago. Wait a minute before sending another.")
        )
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        identity.code_hash = make_password(code)
        identity.code_sent_at, identity.code_attempts = now, 0
        identity.save(update_fields=["code_hash", "code_sent_at", "code_attempts"])
        event_record(
            organisation=identity.contact.organisation,
            type=events.IDENTITY_CODE_SENT,
            obj=identity.contact,
            actor=actor,
            payload={"identity": identity.pk, "kind": identity.kind},
        )
        senders[0](identity=identity, code=code)


def identity_code_check(*, identity: ContactIdentity, code: str, actor: User) -> None:
    """Verify the address when `code` is the one last sent to it (valid for 30 minutes,
    five tries); a wrong code counts as a try."""
    _require(actor, permissions.CONTACTS_MANAGE)
    now = timezone.now()
    if (
        not identity.code_hash
        or identity.code_sent_at is None
        or now - identity.code_sent_at > IDENTITY_CODE_VALID
        or identity.code_attempts >= IDENTITY_CODE_MAX_ATTEMPTS
    ):
        raise ValidationError(_("This code has expired. Send a new one."))
    if not check_password(re.sub(r"\s", "", code or ""), identity.code_hash):
        identity.code_attempts += 1
        identity.save(update_fields=["code_attempts"])
        raise ValidationError(_("That code is not right. Check it and try again."))
    with transaction.atomic():
        _identity_verify(identity, proof=Verification.CODE, at=now, actor=actor)


def identity_mark_verified(*, identity: ContactIdentity, actor: User) -> None:
    """Staff confirm a phone number after calling it (recorded with who did it). E-mail
    addresses are proven by a code or by mail from them, never by a click."""
    _require(actor, permissions.CONTACTS_MANAGE)
    if identity.kind != IdentityKind.PHONE:
        raise ValidationError(_("Only a phone number can be confirmed by calling it."))
    if identity.is_verified:
        return
    with transaction.atomic():
        _identity_verify(identity, proof=Verification.STAFF, at=timezone.now(), actor=actor)


def _require(actor: User | None, capability: str) -> None:
    """Refuse a change by a person who may not make it; changes without a person (the system,
    the demo) are not asked."""
    if actor is not None and not permissions.user_can(actor, capability):
        raise PermissionDenied(_("You may not make this change."))


def _staff_role_check(organisation: Organisation, role: str) -> None:
    if role in permissions.STAFF_BUILT_IN_ROLES:
        return
    if role in permissions.custom_roles_of(organisation.pk):
        return
    raise ValidationError({"role": _("Unknown role.")})


def _capabilities_check(names: list[str], *, per_team: bool = False) -> list[str]:
    """Declared capabilities that may be granted this way, sorted and distinct."""
    declared = permissions.capabilities()
    wanted = sorted(set(names))
    for name in wanted:
        found = declared.get(name)
        grantable = found is not None and found.staff and (found.per_team if per_team else True)
        if not grantable:
            raise ValidationError(
                {"capabilities": _("Unknown capability “%(name)s”.") % {"name": name}}
            )
    return wanted


def _personal_capabilities(
    current: list[str], *, sees_all_tickets: bool | None, capabilities: list[str] | None
) -> list[str]:
    wanted = set(current if capabilities is None else capabilities)
    if sees_all_tickets is True:
        wanted.add(SEES_ALL_TICKETS)
    elif sees_all_tickets is False:
        wanted.discard(SEES_ALL_TICKETS)
    return _capabilities_check(sorted(wanted))


def staff_user_create(
    *,
    organisation: Organisation,
    email: str,
    name: str,
    role: str = Role.AGENT,
    password: str | None = None,
    teams: list[Team] | None = None,
    sees_all_tickets: bool = False,
    capabilities: list[str] | None = None,
    actor: User | None = None,
    at: datetime | None = None,
) -> User:
    """A staff account with a role (built-in or the organisation's own) and, beside it,
    capabilities of its own (`sees_all_tickets` is the desk's "sees every ticket")."""
    _require(actor, permissions.STAFF_MANAGE)
    _staff_role_check(organisation, role)
    granted = _personal_capabilities(
        [], sees_all_tickets=sees_all_tickets, capabilities=capabilities
    )
    email = normalise_email(email)
    # Staff sign in by address alone: unique among every organisation's staff. A customer
    # account with the address (here or elsewhere) is another account (decision 0015).
    if User.objects.exclude(role=Role.CUSTOMER).filter(email=email).exists():
        raise ValidationError({"email": _("A user with this e-mail address already exists.")})
    with transaction.atomic():
        user = User.objects.create_user(
            email=email,
            password=password,
            name=name,
            organisation=organisation,
            role=role,
            capabilities=granted,
            date_joined=at or timezone.now(),
        )
        if teams:
            user.teams.set(teams)
        event_record(
            organisation=organisation,
            type=events.USER_CREATED,
            obj=user,
            actor=actor,
            payload={"role": role},
            at=at,
        )
    return user


def staff_user_update(*, user: User, actor: User, **fields: Any) -> User:
    """Change a staff account; `sees_all_tickets` and `capabilities` change what it holds
    beside its role, `teams` replaces its teams."""
    _require(actor, permissions.STAFF_MANAGE)
    teams = fields.pop("teams", None)
    allowed = {"name", "role", "sees_all_tickets", "capabilities", "is_active", "language"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"Cannot change {', '.join(sorted(unknown))}")
    if user.pk == actor.pk and (
        fields.get("is_active") is False or fields.get("role", user.role) != user.role
    ):
        raise ValidationError(_("You cannot deactivate yourself or change your own role."))
    if "role" in fields:
        _staff_role_check(as_member(user).organisation, fields["role"])
    if "sees_all_tickets" in fields or "capabilities" in fields:
        fields["capabilities"] = _personal_capabilities(
            list(user.capabilities),
            sees_all_tickets=fields.pop("sees_all_tickets", None),
            capabilities=fields.get("capabilities"),
        )
    with transaction.atomic():
        for key, value in fields.items():
            setattr(user, key, value)
        if fields:
            user.save(update_fields=list(fields))
        if teams is not None:
            user.teams.set(teams)
        permissions.permissions_changed(user)
        event_record(
            organisation=as_member(user).organisation,
            type=events.USER_UPDATED,
            obj=user,
            actor=actor,
            payload={"fields": sorted([*fields, *(["teams"] if teams is not None else [])])},
        )
    return user


def customer_user_create(
    *, organisation: Organisation, email: str, name: str, password: str, at: datetime | None = None
) -> User:
    """A customer account of this organisation, linked to the contact that owns this e-mail
    address. The same address may have accounts at other organisations (decision 0015)."""
    email = normalise_email(email)
    if User.objects.filter(organisation=organisation, role=Role.CUSTOMER, email=email).exists():
        raise ValidationError({"email": _("A user with this e-mail address already exists.")})
    with transaction.atomic():
        user = User.objects.create_user(
            email=email,
            password=password,
            name=name,
            organisation=organisation,
            role=Role.CUSTOMER,
            date_joined=at or timezone.now(),
        )
        # The portal creates an account only from its e-mailed sign-up link.
        contact = contact_resolve(
            organisation=organisation,
            name=name,
            email=email,
            at=at,
            proven={IdentityKind.EMAIL},
            proof=Verification.SIGNUP,
        )
        if contact.user_id is None:
            contact.user = user
            contact.save(update_fields=["user"])
        event_record(
            organisation=organisation,
            type=events.USER_CREATED,
            obj=user,
            actor_contact=contact,
            payload={"role": Role.CUSTOMER},
            at=at,
        )
    return user


def team_create(
    *,
    organisation: Organisation,
    name: str,
    description: str = "",
    members: list[User] | None = None,
    capabilities: list[str] | None = None,
    actor: User | None = None,
    at: datetime | None = None,
) -> Team:
    """A team; `capabilities` are what its members may do for the team's own things."""
    _require(actor, permissions.STAFF_MANAGE)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    granted = _capabilities_check(list(capabilities or ()), per_team=True)
    if Team.objects.filter(organisation=organisation, name__iexact=name).exists():
        raise ValidationError({"name": _("A team with this name already exists.")})
    with transaction.atomic():
        team = Team.objects.create(
            organisation=organisation, name=name, description=description, capabilities=granted
        )
        if members:
            team.members.set(members)
        event_record(
            organisation=organisation, type=events.TEAM_CREATED, obj=team, actor=actor, at=at
        )
    return team


def team_update(
    *,
    team: Team,
    actor: User,
    name: str | None = None,
    description: str | None = None,
    members: list[User] | None = None,
    capabilities: list[str] | None = None,
) -> Team:
    _require(actor, permissions.STAFF_MANAGE)
    with transaction.atomic():
        fields = []
        if name is not None and name.strip() != team.name:
            if not name.strip():
                raise ValidationError({"name": _("A name is required.")})
            if (
                Team.objects.filter(organisation=team.organisation, name__iexact=name.strip())
                .exclude(pk=team.pk)
                .exists()
            ):
                raise ValidationError({"name": _("A team with this name already exists.")})
            team.name = name.strip()
            fields.append("name")
        if description is not None and description != team.description:
            team.description = description
            fields.append("description")
        if capabilities is not None:
            granted = _capabilities_check(list(capabilities), per_team=True)
            if granted != sorted(team.capabilities):
                team.capabilities = granted
                fields.append("capabilities")
        if fields:
            team.save(update_fields=fields)
        if members is not None:
            team.members.set(members)
            fields.append("members")
        event_record(
            organisation=team.organisation,
            type=events.TEAM_UPDATED,
            obj=team,
            actor=actor,
            payload={"fields": sorted(fields)},
        )
    return team


# --- roles ------------------------------------------------------------------------------


def custom_role_create(
    *,
    organisation: Organisation,
    name: str,
    capabilities: list[str],
    description: str = "",
    actor: User | None = None,
) -> CustomRole:
    """A role of the organisation's own: a name and the capabilities its holders have."""
    _require(actor, permissions.STAFF_MANAGE)
    name = one_line(name, 100)
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    key = slugify(name)[:50]
    if not key:
        raise ValidationError({"name": _("The name needs at least one letter or digit.")})
    if (
        key in permissions.BUILT_IN_ROLES
        or CustomRole.objects.filter(organisation=organisation, key=key).exists()
    ):
        raise ValidationError({"name": _("A role with this name already exists.")})
    granted = _capabilities_check(capabilities)
    with transaction.atomic():
        role = CustomRole.objects.create(
            organisation=organisation,
            key=key,
            name=name,
            description=one_line(description, 300),
            capabilities=granted,
        )
        permissions.custom_roles_changed(organisation.pk)
        event_record(
            organisation=organisation,
            type=events.ROLE_CREATED,
            obj=role,
            actor=actor,
            payload={"key": key},
        )
    return role


def custom_role_update(
    *,
    role: CustomRole,
    actor: User,
    name: str | None = None,
    description: str | None = None,
    capabilities: list[str] | None = None,
) -> CustomRole:
    """Rename a role or change what it may do; its key (held by its users) stays."""
    _require(actor, permissions.STAFF_MANAGE)
    changed: dict[str, Any] = {}
    if name is not None:
        name = one_line(name, 100)
        if not name:
            raise ValidationError({"name": _("A name is required.")})
        if name != role.name:
            changed["name"] = name
    if description is not None and one_line(description, 300) != role.description:
        changed["description"] = one_line(description, 300)
    if capabilities is not None:
        granted = _capabilities_check(capabilities)
        if granted != sorted(role.capabilities):
            changed["capabilities"] = granted
    if not changed:
        return role
    with transaction.atomic():
        for field, value in changed.items():
            setattr(role, field, value)
        role.save(update_fields=sorted(changed))
        permissions.custom_roles_changed(role.organisation_id)
        event_record(
            organisation=role.organisation,
            type=events.ROLE_UPDATED,
            obj=role,
            actor=actor,
            payload={"key": role.key, "fields": sorted(changed)},
        )
    return role


def custom_role_delete(*, role: CustomRole, actor: User) -> None:
    """Delete a role nobody holds any more (a role in use is refused: its people would be
    left without one)."""
    _require(actor, permissions.STAFF_MANAGE)
    holders = User.objects.filter(organisation_id=role.organisation_id, role=role.key).count()
    if holders:
        raise ValidationError(
            ngettext(
                "%(count)d person has this role; give them another role first.",
                "%(count)d people have this role; give them another role first.",
                holders,
            )
            % {"count": holders}
        )
    with transaction.atomic():
        event_record(
            organisation=role.organisation,
            type=events.ROLE_DELETED,
            obj=role,
            actor=actor,
            payload={"key": role.key},
        )
        permissions.custom_roles_changed(role.organisation_id)
        role.delete()


def contact_create(
    *,
    organisation: Organisation,
    name: str,
    email: str = "",
    phone: str = "",
    notes: str = "",
    company: str = "",
    vip: bool = False,
    actor: User | None = None,
) -> Contact:
    """A new contact with an e-mail address and/or a phone number.

    Unlike contact_resolve, an address that already belongs to a contact is refused (with
    that contact's id), so an integration cannot create the same person twice.
    """
    _require(actor, permissions.CONTACTS_MANAGE)
    name = one_line(name, 150)
    email = normalise_email(email)
    errors: dict[str, Any] = {}
    if not name:
        errors["name"] = _("A name is required.")
    if email:
        try:
            validate_email(email)
        except ValidationError as error:
            errors["email"] = error.messages
    try:
        phone = validate_phone(phone) if phone else ""
    except ValidationError as error:
        errors["phone"] = error.messages
    if not email and not phone and "phone" not in errors and "email" not in errors:
        errors["email"] = _("An e-mail address or a phone number is required.")
    wanted = [
        (field, kind, value)
        for field, kind, value in (
            ("email", IdentityKind.EMAIL, email),
            ("phone", IdentityKind.PHONE, phone),
        )
        if value and field not in errors
    ]
    for field, kind, value in wanted:
        owner = (
            ContactIdentity.objects.filter(organisation=organisation, kind=kind, value=value)
            .values_list("contact_id", flat=True)
            .first()
        )
        if owner is not None:
            errors[field] = _("This address already belongs to contact %(id)s.") % {"id": owner}
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            contact = Contact.objects.create(
                organisation=organisation,
                name=name,
                notes=notes,
                company=one_line(company, 150),
                vip=vip,
            )
            ContactIdentity.objects.bulk_create(
                [
                    ContactIdentity(
                        organisation=organisation,
                        contact=contact,
                        kind=kind,
                        value=value,
                        verified_at=contact.created_at,
                        verified_by=Verification.STAFF,
                    )
                    for _field, kind, value in wanted
                ]
            )
            event_record(
                organisation=organisation, type=events.CONTACT_CREATED, obj=contact, actor=actor
            )
    except IntegrityError as error:  # the same address added at the same moment
        raise ValidationError(_("This address was just added to another contact.")) from error
    return contact


def contact_update(
    *,
    contact: Contact,
    actor: User,
    name: str | None = None,
    notes: str | None = None,
    company: str | None = None,
    vip: bool | None = None,
) -> Contact:
    """Change a contact's name, notes, company or VIP flag; records core.contact.updated
    when something changed."""
    _require(actor, permissions.CONTACTS_MANAGE)
    changed: dict[str, Any] = {}
    if name is not None:
        name = one_line(name, 150)
        if not name:
            raise ValidationError({"name": _("A name is required.")})
        if name != contact.name:
            changed["name"] = name
    if notes is not None and notes != contact.notes:
        changed["notes"] = notes
    if company is not None and one_line(company, 150) != contact.company:
        changed["company"] = one_line(company, 150)
    if vip is not None and vip != contact.vip:
        changed["vip"] = vip
    if not changed:
        return contact
    with transaction.atomic():
        for field, value in changed.items():
            setattr(contact, field, value)
        contact.save(update_fields=sorted(changed))
        event_record(
            organisation=contact.organisation,
            type=events.CONTACT_UPDATED,
            obj=contact,
            actor=actor,
            payload={"fields": sorted(changed)},
        )
    return contact


def customer_contact(*, user: "OrganisationMember") -> Contact:
    """The contact a customer account speaks as: the one linked to it at sign-up, or else
    the one that owns the account's e-mail address."""
    contact = Contact.objects.filter(organisation_id=user.organisation_id, user=user).first()
    if contact is None:
        contact = contact_resolve(
            organisation=user.organisation,
            name=user.name,
            email=user.email,
            proven={IdentityKind.EMAIL},
            proof=Verification.SIGNUP,
        )
    return contact


# --- notifications ----------------------------------------------------------------------

NOTIFICATIONS_GROUP = "karcis.notifications.{user_id}"
# Read notifications are kept this long (notifications_purge, a daily job).
NOTIFICATIONS_KEPT = timedelta(days=90)


def notification_channels_for(*, user: User, kind: str) -> set[str]:
    """The channels this person receives a kind of notification on: the kind's defaults,
    changed by their own choices."""
    declared = notifications.notification_kind_of(kind)
    wanted = set(declared.defaults) & set(notifications.notification_channels())
    for channel, enabled in NotificationPreference.objects.filter(user=user, kind=kind).values_list(
        "channel", "enabled"
    ):
        if enabled:
            wanted.add(channel)
        else:
            wanted.discard(channel)
    return wanted


def notify(
    *,
    recipient: User,
    kind: str,
    obj: Model,
    event: Event | None = None,
    actor: User | None = None,
    actor_contact: Contact | None = None,
    data: dict[str, Any] | None = None,
) -> Notification | None:
    """Tell one staff member something, on the channels they chose for this kind.

    Nothing for someone inactive, outside the object's organisation, or who switched every
    channel of the kind off. Given the event it comes from, a second call for the same
    event and person returns the first notification (a consumer may see an event twice).
    Call inside a transaction; the e-mail goes through the outbox, the bell's update after
    the commit.
    """
    organisation_id = obj.organisation_id  # type: ignore[attr-defined]
    if (
        not recipient.is_active
        or recipient.organisation_id != organisation_id
        or not recipient.is_staff_member
    ):
        return None
    channels = notification_channels_for(user=recipient, kind=kind)
    if not channels:
        return None
    if event is not None:
        existing = Notification.objects.filter(recipient=recipient, kind=kind, event=event).first()
        if existing is not None:
            return existing
    notification = Notification(
        organisation_id=organisation_id,
        recipient=recipient,
        kind=kind,
        event=event,
        actor=actor,
        actor_contact=actor_contact,
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
        data=data or {},
        created_at=timezone.now(),
    )
    if notifications.APP in channels:
        notification.save()
        user_id = recipient.pk
        transaction.on_commit(lambda: notifications_changed(user_id=user_id), robust=True)
    others = channels - {notifications.APP}
    if others:
        text, url = _notification_words(notification, recipient)
        for name in sorted(others):
            channel = notifications.notification_channel_of(name)
            if channel is not None:
                channel.deliver(notification, text, url)
    return notification


def _notification_words(notification: Notification, recipient: User) -> tuple[str, str]:
    """The notification's sentence, in the recipient's language, and its absolute link."""
    from django.conf import settings

    kind = notifications.notification_kind_of(notification.kind)
    names = eventlog.Names({notification.object_type: {notification.object_id}})
    with translation.override(notifications.recipient_language(recipient)):
        text = str(kind.describe(notification, names))
    return text, settings.KARCIS_BASE_URL + kind.url(notification)


def notifications_changed(*, user_id: int) -> None:
    """Tell the person's open pages that their notifications changed (the bell's count).

    Reaches them when the channel layer spans processes (Redis); without it the page's
    socket looks for itself every few seconds (core.consumers)."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(
        NOTIFICATIONS_GROUP.format(user_id=user_id), {"type": "notifications.changed"}
    )


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark the person's notifications read (these ids, or all); returns how many changed."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    changed = unread.update(read_at=timezone.now())
    if changed:
        user_id = user.pk
        transaction.on_commit(lambda: notifications_changed(user_id=user_id), robust=True)
    return changed


def notification_preferences_set(
    *, user: "OrganisationMember", wanted: dict[str, set[str]]
) -> None:
    """Record which channels the person wants for each kind ({kind: {channels}}); only the
    choices that differ from a kind's defaults are stored."""
    kinds = notifications.notification_kinds()
    channels = set(notifications.notification_channels())
    unknown = set(wanted) - set(kinds)
    if unknown:
        raise ValidationError(_("Unknown kind of notification."))
    with transaction.atomic():
        NotificationPreference.objects.filter(user=user).delete()
        rows = []
        for name, declared in kinds.items():
            chosen = wanted.get(name, set(declared.defaults)) & channels
            for channel in sorted(channels):
                enabled = channel in chosen
                if enabled != (channel in declared.defaults):
                    rows.append(
                        NotificationPreference(
                            organisation_id=user.organisation_id,
                            user=user,
                            kind=name,
                            channel=channel,
                            enabled=enabled,
                        )
                    )
        NotificationPreference.objects.bulk_create(rows)


def notifications_purge(
    *, organisation: Organisation, older_than: timedelta = NOTIFICATIONS_KEPT
) -> int:
    """Delete the organisation's read notifications older than `older_than`; returns how many."""
    deleted, _per_model = Notification.objects.filter(
        organisation=organisation,
        read_at__isnull=False,
        created_at__lt=timezone.now() - older_than,
    ).delete()
    return deleted
