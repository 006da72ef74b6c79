"""Every write of the core: organisations, numbering, people, teams and the event log."""

import copy
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from karcis.core import events
from karcis.core.models import (
    Contact,
    ContactIdentity,
    Event,
    IdentityKind,
    Organisation,
    Role,
    Sequence,
    Team,
    User,
)
from karcis.core.text import one_line


def event_record(
    *,
    organisation: Organisation,
    type: str,
    obj: Any,
    actor: User | None = None,
    actor_contact: Contact | None = None,
    payload: dict | None = None,
) -> Event:
    """Write one domain event. Call inside the transaction that made the change.

    Subscribers (core/events.py) see it before the transaction commits.
    """
    event = Event.objects.create(
        organisation=organisation,
        type=type,
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_contact=actor_contact,
        payload=payload or {},
    )
    events.publish(event)
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
    return value


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
        return cursor.fetchone()[0]


def organisation_create(
    *,
    name: str,
    slug: str,
    ticket_prefix: str,
    time_zone: str = "Asia/Jakarta",
    language: str = "id",
    support_email: str = "",
) -> Organisation:
    organisation = Organisation(
        name=name,
        slug=slug,
        ticket_prefix=ticket_prefix.upper(),
        time_zone=time_zone,
        language=language,
        support_email=support_email,
    )
    organisation.full_clean()
    organisation.save()
    return organisation


def organisation_update(*, organisation: Organisation, actor: User, **fields: Any) -> Organisation:
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
            type="core.organisation.updated",
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
    *, organisation: Organisation, name: str = "", email: str = "", phone: str = ""
) -> Contact:
    """Find the contact behind an e-mail address or phone number, or create one.

    The e-mail address, when given, decides who the contact is; the phone number decides
    only when there is no e-mail address. An address is added to the contact found only
    while nobody else has it. Never the other way round: anyone can type anyone's phone
    number into a form or say it on a call, and attaching their own e-mail address to the
    phone owner's contact would let that address track (and, after sign-up, read) the
    owner's tickets. Two contacts that are one person are merged by an agent, not here.
    """
    email = normalise_email(email)
    phone = validate_phone(phone) if phone else ""
    if not email and not phone:
        raise ValidationError(_("An e-mail address or a phone number is required."))
    key_kind, key_value = (IdentityKind.EMAIL, email) if email else (IdentityKind.PHONE, phone)
    # No savepoint of its own: nothing here is rolled back on its own, only with the caller.
    with transaction.atomic(savepoint=False):
        identity = (
            ContactIdentity.objects.select_related("contact")
            .filter(organisation=organisation, kind=key_kind, value=key_value)
            .first()
        )
        if identity is not None:
            contact = identity.contact
            if name and not contact.name:
                contact.name = one_line(name, 150)
                contact.save(update_fields=["name"])
        else:
            fallback = email.split("@")[0] if email else phone
            contact = Contact.objects.create(
                organisation=organisation, name=one_line(name or "", 150) or fallback
            )
            ContactIdentity.objects.create(
                organisation=organisation, contact=contact, kind=key_kind, value=key_value
            )
        if email and phone:
            # The phone joins this contact only if it belongs to nobody yet.
            ContactIdentity.objects.get_or_create(
                organisation=organisation,
                kind=IdentityKind.PHONE,
                value=phone,
                defaults={"contact": contact},
            )
    return contact


def staff_user_create(
    *,
    organisation: Organisation,
    email: str,
    name: str,
    role: str = Role.AGENT,
    password: str | None = None,
    teams: list[Team] | None = None,
    sees_all_tickets: bool = False,
    actor: User | None = None,
) -> User:
    if role not in (Role.ADMIN, Role.SUPERVISOR, Role.AGENT):
        raise ValidationError(_("Unknown role."))
    email = normalise_email(email)
    if User.objects.filter(email=email).exists():
        raise ValidationError({"email": _("A user with this e-mail address already exists.")})
    with transaction.atomic():
        user = User.objects.create_user(
            email=email,
            password=password,
            name=name,
            organisation=organisation,
            role=role,
            sees_all_tickets=sees_all_tickets,
        )
        if teams:
            user.teams.set(teams)
        event_record(
            organisation=organisation,
            type="core.user.created",
            obj=user,
            actor=actor,
            payload={"role": role},
        )
    return user


def staff_user_update(*, user: User, actor: User, **fields: Any) -> User:
    teams = fields.pop("teams", None)
    allowed = {"name", "role", "sees_all_tickets", "is_active", "language"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"Cannot change {', '.join(sorted(unknown))}")
    if user.pk == actor.pk and (
        fields.get("is_active") is False or fields.get("role", user.role) != user.role
    ):
        raise ValidationError(_("You cannot deactivate yourself or change your own role."))
    with transaction.atomic():
        for key, value in fields.items():
            setattr(user, key, value)
        if fields:
            user.save(update_fields=list(fields))
        if teams is not None:
            user.teams.set(teams)
        event_record(
            organisation=user.organisation,
            type="core.user.updated",
            obj=user,
            actor=actor,
            payload={"fields": sorted([*fields, *(["teams"] if teams is not None else [])])},
        )
    return user


def customer_user_create(
    *, organisation: Organisation, email: str, name: str, password: str
) -> User:
    """A customer account, linked to the contact that owns this e-mail address."""
    email = normalise_email(email)
    if User.objects.filter(email=email).exists():
        raise ValidationError({"email": _("A user with this e-mail address already exists.")})
    with transaction.atomic():
        user = User.objects.create_user(
            email=email,
            password=password,
            name=name,
            organisation=organisation,
            role=Role.CUSTOMER,
        )
        contact = contact_resolve(organisation=organisation, name=name, email=email)
        if contact.user_id is None:
            contact.user = user
            contact.save(update_fields=["user"])
        event_record(
            organisation=organisation,
            type="core.user.created",
            obj=user,
            actor_contact=contact,
            payload={"role": Role.CUSTOMER},
        )
    return user


def team_create(
    *,
    organisation: Organisation,
    name: str,
    description: str = "",
    members: list[User] | None = None,
    actor: User | None = None,
) -> Team:
    name = name.strip()
    if Team.objects.filter(organisation=organisation, name__iexact=name).exists():
        raise ValidationError({"name": _("A team with this name already exists.")})
    with transaction.atomic():
        team = Team.objects.create(organisation=organisation, name=name, description=description)
        if members:
            team.members.set(members)
        event_record(organisation=organisation, type="core.team.created", obj=team, actor=actor)
    return team


def team_update(
    *,
    team: Team,
    actor: User,
    name: str | None = None,
    description: str | None = None,
    members: list[User] | None = None,
) -> Team:
    with transaction.atomic():
        fields = []
        if name is not None and name.strip() != team.name:
            if (
                Team.objects.filter(organisation=team.organisation, name__iexact=name.strip())
                .exclude(pk=team.pk)
                .exists()
            ):
                raise ValidationError({"name": _("A team with this name already exists.")})
            team.name = name.strip()
            fields.append("name")
        if description is not None:
            team.description = description
            fields.append("description")
        if fields:
            team.save(update_fields=fields)
        if members is not None:
            team.members.set(members)
        event_record(
            organisation=team.organisation, type="core.team.updated", obj=team, actor=actor
        )
    return team


def contact_create(
    *,
    organisation: Organisation,
    name: str,
    email: str = "",
    phone: str = "",
    notes: str = "",
    actor: User | None = None,
) -> Contact:
    """A new contact with an e-mail address and/or a phone number.

    Unlike contact_resolve, an address that already belongs to a contact is refused (with
    that contact's id), so an integration cannot create the same person twice.
    """
    from django.core.validators import validate_email

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
            contact = Contact.objects.create(organisation=organisation, name=name, notes=notes)
            ContactIdentity.objects.bulk_create(
                [
                    ContactIdentity(
                        organisation=organisation, contact=contact, kind=kind, value=value
                    )
                    for _field, kind, value in wanted
                ]
            )
            event_record(
                organisation=organisation, type="core.contact.created", obj=contact, actor=actor
            )
    except IntegrityError as error:  # the same address added at the same moment
        raise ValidationError(_("This address was just added to another contact.")) from error
    return contact


def contact_update(
    *, contact: Contact, actor: User, name: str | None = None, notes: str | None = None
) -> Contact:
    """Change a contact's name or notes; records core.contact.updated when something changed."""
    changed: dict[str, str] = {}
    if name is not None:
        name = one_line(name, 150)
        if not name:
            raise ValidationError({"name": _("A name is required.")})
        if name != contact.name:
            changed["name"] = name
    if notes is not None and notes != contact.notes:
        changed["notes"] = notes
    if not changed:
        return contact
    with transaction.atomic():
        for field, value in changed.items():
            setattr(contact, field, value)
        contact.save(update_fields=sorted(changed))
        event_record(
            organisation=contact.organisation,
            type="core.contact.updated",
            obj=contact,
            actor=actor,
            payload={"fields": sorted(changed)},
        )
    return contact


def customer_contact(*, user: User) -> Contact:
    """The contact a customer account speaks as: the one linked to it at sign-up, or else
    the one that owns the account's e-mail address."""
    contact = Contact.objects.filter(organisation_id=user.organisation_id, user=user).first()
    if contact is None:
        contact = contact_resolve(organisation=user.organisation, name=user.name, email=user.email)
    return contact
