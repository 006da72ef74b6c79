"""Reads of the core that carry rules: who belongs to which organisation, who may see whom."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from karcis.core import eventlog, notifications, permissions
from karcis.core.models import (
    Contact,
    CustomRole,
    Notification,
    NotificationPreference,
    Organisation,
    Role,
    Team,
    User,
)

if TYPE_CHECKING:
    from karcis.core.models import OrganisationMember


def _staff(**filters: Any) -> QuerySet[User]:
    # Every role but the customer's is a staff role (the built-in ones and the custom ones).
    return User.objects.filter(**filters).exclude(role=Role.CUSTOMER)


def staff_of(*, organisation: Organisation) -> QuerySet[User]:
    """The organisation's active staff."""
    return _staff(organisation=organisation, is_active=True)


def teams_of(*, organisation: Organisation) -> QuerySet[Team]:
    return Team.objects.filter(organisation=organisation)


def team_ids_of(*, user: User) -> list[int]:
    """The teams a user works in (read once per request, with what each team grants)."""
    return list(permissions.team_grants_of(user))


def contacts_visible_to(*, user: "OrganisationMember") -> QuerySet[Contact]:
    """Staff see their organisation's contacts; a customer sees only their own."""
    base = Contact.objects.filter(organisation_id=user.organisation_id).prefetch_related(
        "identities"
    )
    if permissions.user_can(user, permissions.CONTACTS_VIEW):
        return base
    return base.filter(user=user)


def users_visible_to(*, user: User) -> QuerySet[User]:
    if not permissions.user_can(user, permissions.STAFF_VIEW):
        return User.objects.filter(pk=user.pk)
    return _staff(organisation_id=user.organisation_id)


def organisation_default() -> Organisation | None:
    """The organisation the bare site root serves when exactly one exists (the demo)."""
    organisations = list(Organisation.objects.order_by("id")[:2])
    return organisations[0] if len(organisations) == 1 else None


def teams_with_member_counts(*, organisation: Organisation) -> QuerySet[Team]:
    """The organisation's teams, each with `member_count` (active members), in one query."""
    return Team.objects.filter(organisation=organisation).annotate(
        member_count=Count("members", filter=Q(members__is_active=True))
    )


def staff_directory_of(*, organisation: Organisation) -> QuerySet[User]:
    """Every staff account of the organisation, deactivated ones last, with their teams."""
    return (
        _staff(organisation=organisation)
        .prefetch_related("teams")
        .order_by("-is_active", "name", "pk")
    )


def roles_of(*, organisation: Organisation) -> list[dict[str, Any]]:
    """Every role the organisation's staff can hold, the built-in ones first, each as
    {key, name, description, capabilities, built_in, role (the CustomRole), holders}."""
    holders = {
        row["role"]: row["count"]
        for row in _staff(organisation=organisation)
        .order_by()
        .values("role")
        .annotate(count=Count("pk"))
    }
    roles: list[dict[str, Any]] = [
        {
            "key": role.value,
            "name": role.label,
            "description": "",
            "capabilities": permissions.built_in_role_capabilities(role.value),
            "built_in": True,
            "role": None,
            "holders": holders.get(role.value, 0),
        }
        for role in permissions.STAFF_BUILT_IN_ROLES
    ]
    for custom in CustomRole.objects.filter(organisation=organisation).order_by("name", "pk"):
        roles.append(
            {
                "key": custom.key,
                "name": custom.name,
                "description": custom.description,
                "capabilities": frozenset(custom.capabilities),
                "built_in": False,
                "role": custom,
                "holders": holders.get(custom.key, 0),
            }
        )
    return roles


def custom_roles_of(*, organisation: Organisation) -> QuerySet[CustomRole]:
    return CustomRole.objects.filter(organisation=organisation)


def role_name(*, organisation_id: int, key: str) -> str:
    """A role's name as people read it (a built-in role's label, a custom role's name)."""
    if key in permissions.BUILT_IN_ROLES:
        return str(Role(key).label)
    custom = CustomRole.objects.filter(organisation_id=organisation_id, key=key).first()
    return custom.name if custom is not None else key


# --- notifications ----------------------------------------------------------------------


def notifications_of(*, user: User) -> QuerySet[Notification]:
    """The person's notifications, newest first."""
    return Notification.objects.filter(recipient=user).order_by("-id")


def notifications_unread_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_entries(notices: list[Notification]) -> list[dict[str, Any]]:
    """Notifications as the bell and the list show them: {notification, text, url}, with
    the names they mention looked up together (one query per kind of object)."""
    wanted: dict[str, set[int]] = {}
    for notice in notices:
        wanted.setdefault(notice.object_type, set()).add(notice.object_id)
    names = eventlog.Names(wanted)
    entries = []
    for notice in notices:
        kind = notifications.notification_kinds().get(notice.kind)
        if kind is None:  # a kind whose app is gone: say what it was
            text, url = notice.kind, ""
        else:
            text, url = str(kind.describe(notice, names)), kind.url(notice)
        entries.append({"notification": notice, "text": text, "url": url})
    return entries


def notification_preferences_of(*, user: User) -> list[dict[str, Any]]:
    """Each kind of notification with the channels, and which are on for this person:
    [{kind, label, channels: [{name, label, enabled}]}]."""
    chosen = {
        (kind, channel): enabled
        for kind, channel, enabled in NotificationPreference.objects.filter(user=user).values_list(
            "kind", "channel", "enabled"
        )
    }
    channels = notifications.notification_channels()
    rows = []
    for name, kind in notifications.notification_kinds().items():
        rows.append(
            {
                "kind": name,
                "label": kind.label,
                "channels": [
                    {
                        "name": channel,
                        "label": label,
                        "enabled": chosen.get((name, channel), channel in kind.defaults),
                    }
                    for channel, label in channels.items()
                ],
            }
        )
    return rows


# --- names, for histories and notifications (core.eventlog.Names) ---------------------------


def names_of_users(ids: set[int]) -> dict[int, str]:
    return dict(User.objects.filter(pk__in=ids).values_list("pk", "name"))


def names_of_teams(ids: set[int]) -> dict[int, str]:
    return dict(Team.objects.filter(pk__in=ids).values_list("pk", "name"))


def names_of_contacts(ids: set[int]) -> dict[int, str]:
    return dict(Contact.objects.filter(pk__in=ids).values_list("pk", "name"))


# --- where a person's work starts ---------------------------------------------------------

_staff_home: Callable[[User], str] | None = None


def staff_home_resolver(resolve: Callable[[User], str]) -> None:
    """Say where a staff member's work starts (the workspace registers it: the first section
    they may open)."""
    global _staff_home
    _staff_home = resolve


def home_url_of(user: Any) -> str:
    """Where this person lands: staff in their workspace, a customer on their portal."""
    if user.is_authenticated and user.organisation_id is not None:
        if user.is_staff_member and _staff_home is not None:
            return _staff_home(user)
        if not user.is_staff_member:
            return reverse("portal:my_tickets", kwargs={"org": user.organisation.slug})
    if user.is_authenticated and user.is_superuser:
        return reverse("admin:index")
    return reverse("core:home")
