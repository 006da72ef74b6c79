"""Capabilities: what a person may do, asked in one way everywhere.

Each app declares the capabilities of its domain in its permissions.py (`capability`), and
says which built-in roles hold each one. A role is a set of capabilities: the built-in
roles (admin, supervisor, agent, customer) are the sets declared here in code; an
organisation may define roles of its own (`CustomRole`). On top of their role:

* a person may be given capabilities of their own (`User.capabilities`), such as seeing
  every ticket;
* a team may be given capabilities that its members hold for what belongs to that team
  (`Team.capabilities`): e.g. a role without public replies, whose members may still reply
  on the tickets of the one team that grants it.

`user_can(user, capability, obj)` is the one check, used by views, the API and services
alike. With an object it also counts the grants of the object's team (`team_of`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_scopes import scope

from karcis.core.models import CustomRole, Role, Team

BUILT_IN_ROLES = tuple(Role.values)
STAFF_BUILT_IN_ROLES = (Role.ADMIN, Role.SUPERVISOR, Role.AGENT)


@dataclass(frozen=True)
class Capability:
    """Something a person may do ("desk.ticket.reply").

    `roles`: the built-in roles that hold it. `per_team`: it may be granted to a team, for
    what belongs to the team. `personal`: it may be granted to one person beside their role.
    `staff`: a capability of the staff workspace (False for what customers do).
    """

    name: str
    label: str | Promise
    description: str | Promise
    roles: frozenset[str]
    per_team: bool = False
    personal: bool = False
    staff: bool = True

    @property
    def app(self) -> str:
        return self.name.split(".", 1)[0]


_capabilities: dict[str, Capability] = {}


def capability(
    name: str,
    *,
    label: str | Promise,
    description: str | Promise = "",
    roles: Iterable[str],
    per_team: bool = False,
    personal: bool = False,
    staff: bool = True,
) -> str:
    """Declare a capability; returns its name, for the declaring app's constants."""
    roles = frozenset(roles)
    unknown = roles - set(BUILT_IN_ROLES)
    if unknown:
        raise ValueError(f"{name}: unknown built-in roles {sorted(unknown)}")
    _capabilities[name] = Capability(
        name=name,
        label=label,
        description=description,
        roles=roles,
        per_team=per_team,
        personal=personal,
        staff=staff,
    )
    return name


def capabilities() -> dict[str, Capability]:
    """Every declared capability, by name, in the order the apps declared them."""
    return dict(_capabilities)


def capability_of(name: str) -> Capability:
    try:
        return _capabilities[name]
    except KeyError:
        raise LookupError(f"No capability {name!r} is declared.") from None


def built_in_role_capabilities(role: str) -> frozenset[str]:
    return frozenset(name for name, c in _capabilities.items() if role in c.roles)


# --- roles of an organisation -------------------------------------------------------------


def _custom_roles_key(organisation_id: int) -> str:
    return f"karcis:core:roles:{organisation_id}"


def custom_roles_of(organisation_id: int) -> dict[str, frozenset[str]]:
    """The organisation's own roles, key → capabilities; cached until a role changes."""
    key = _custom_roles_key(organisation_id)
    roles = cache.get(key)
    if roles is None:
        # In the organisation's own scope: the check may run before a request's scope is
        # active (the API's permission classes do).
        with scope(organisation=organisation_id):
            roles = {
                role_key: frozenset(caps)
                for role_key, caps in CustomRole.objects.filter(
                    organisation_id=organisation_id
                ).values_list("key", "capabilities")
            }
        cache.set(key, roles, timeout=600)
    return roles


def custom_roles_changed(organisation_id: int) -> None:
    """Forget the cached roles (call in the transaction that changes one)."""
    from karcis.core.caching import forget

    forget(_custom_roles_key(organisation_id))


def role_capabilities(*, organisation_id: int | None, role: str) -> frozenset[str]:
    if role in BUILT_IN_ROLES:
        return built_in_role_capabilities(role)
    if organisation_id is None:
        return frozenset()
    return custom_roles_of(organisation_id).get(role, frozenset())


# --- the check ----------------------------------------------------------------------------


def _is_member(user: Any) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and getattr(user, "organisation_id", None) is not None
    )


def capabilities_of(user: Any) -> frozenset[str]:
    """What the user may do everywhere in their organisation: their role's capabilities
    and their own. Cached on the user object for the request."""
    if not _is_member(user):
        return frozenset()
    cached = getattr(user, "_karcis_capabilities", None)
    if cached is None:
        cached = role_capabilities(
            organisation_id=user.organisation_id, role=user.role
        ) | frozenset(user.capabilities or ())
        user._karcis_capabilities = cached
    return cached


def team_grants_of(user: Any) -> dict[int, frozenset[str]]:
    """The user's teams, each with the capabilities it grants its members (one query,
    cached on the user object for the request)."""
    if not _is_member(user):
        return {}
    cached = getattr(user, "_karcis_team_grants", None)
    if cached is None:
        with scope(organisation=user.organisation_id):  # see custom_roles_of
            cached = {
                team_id: frozenset(caps or ())
                for team_id, caps in Team.objects.filter(
                    members=user, organisation_id=user.organisation_id
                ).values_list("id", "capabilities")
            }
        user._karcis_team_grants = cached
    return cached


# model label → function(obj) → the id of the team the object belongs to, or None
_team_resolvers: dict[str, Callable[[Any], int | None]] = {}


def team_resolver(label: str, resolve: Callable[[Any], int | None]) -> None:
    """Say how to find the team an object belongs to (register from AppConfig.ready())."""
    _team_resolvers[label] = resolve


def team_of(obj: Any) -> int | None:
    resolve = _team_resolvers.get(obj._meta.label_lower)
    if resolve is not None:
        return resolve(obj)
    return getattr(obj, "team_id", None)


def user_can(user: Any, capability: str, obj: Any = None) -> bool:
    """Whether the user may do this: in their whole organisation, or, given an object, for
    that object (the grants of the object's team count too).

    Asking for an undeclared capability is a programming error (LookupError), not a "no".
    """
    capability_of(capability)
    if not _is_member(user):
        return False
    if obj is not None and getattr(obj, "organisation_id", None) != user.organisation_id:
        return False
    if capability in capabilities_of(user):
        return True
    if obj is None:
        return False
    team_id = team_of(obj)
    return team_id is not None and capability in team_grants_of(user).get(team_id, frozenset())


def user_can_somewhere(user: Any, *capabilities: str) -> bool:
    """Whether the user may do any of these anywhere: everywhere, or for at least one team's
    things (to offer a screen whose rows are then checked one by one). The team grants are
    read only when the role and the person's own grants do not settle it."""
    for name in capabilities:
        capability_of(name)
    held = capabilities_of(user)
    if any(name in held for name in capabilities):
        return True
    granted = set().union(*team_grants_of(user).values()) if _is_member(user) else set()
    return any(name in granted for name in capabilities)


def teams_where(user: Any, capability: str) -> set[int] | None:
    """The teams for whose things the user may do this; None when they may everywhere."""
    capability_of(capability)
    if capability in capabilities_of(user):
        return None
    return {team_id for team_id, caps in team_grants_of(user).items() if capability in caps}


def permissions_changed(user: Any) -> None:
    """Forget what was cached on a user object (after their role or teams changed)."""
    for attribute in ("_karcis_capabilities", "_karcis_team_grants", "_karcis_team_ids"):
        user.__dict__.pop(attribute, None)


# --- the core's own capabilities ------------------------------------------------------------

ORGANISATION_MANAGE = capability(
    "core.organisation.manage",
    label=_("Manage the organisation's settings"),
    description=_("Name, ticket number prefix, time zone, language, support address."),
    roles=[Role.ADMIN],
)
STAFF_MANAGE = capability(
    "core.staff.manage",
    label=_("Manage staff, teams and roles"),
    description=_("Create and change accounts, teams and roles, and what each may do."),
    roles=[Role.ADMIN],
)
STAFF_VIEW = capability(
    "core.staff.view",
    label=_("See colleagues and teams"),
    roles=[Role.ADMIN, Role.SUPERVISOR, Role.AGENT],
)
CONTACTS_VIEW = capability(
    "core.contacts.view",
    label=_("See contacts"),
    description=_("The people the organisation serves, with their addresses."),
    roles=[Role.ADMIN, Role.SUPERVISOR, Role.AGENT],
)
CONTACTS_MANAGE = capability(
    "core.contacts.manage",
    label=_("Add and change contacts"),
    roles=[Role.ADMIN, Role.SUPERVISOR, Role.AGENT],
)
