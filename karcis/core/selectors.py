"""Reads of the core that carry rules: who belongs to which organisation, who may see whom."""

from django.db.models import Count, Q, QuerySet

from karcis.core.models import STAFF_ROLES, Contact, Organisation, Team, User


def staff_of(*, organisation: Organisation) -> QuerySet[User]:
    return User.objects.filter(organisation=organisation, role__in=STAFF_ROLES, is_active=True)


def teams_of(*, organisation: Organisation) -> QuerySet[Team]:
    return Team.objects.filter(organisation=organisation)


def team_ids_of(*, user: User) -> list[int]:
    """The teams a user works in, cached on the user object for the request."""
    cached = getattr(user, "_karcis_team_ids", None)
    if cached is None:
        cached = list(user.teams.values_list("id", flat=True))
        user._karcis_team_ids = cached
    return cached


def contacts_visible_to(*, user: User) -> QuerySet[Contact]:
    """Staff see their organisation's contacts; a customer sees only their own."""
    base = Contact.objects.filter(organisation_id=user.organisation_id).prefetch_related(
        "identities"
    )
    if user.is_staff_member:
        return base
    return base.filter(user=user)


def users_visible_to(*, user: User) -> QuerySet[User]:
    if not user.is_staff_member:
        return User.objects.filter(pk=user.pk)
    return User.objects.filter(organisation_id=user.organisation_id, role__in=STAFF_ROLES)


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
        User.objects.filter(organisation=organisation, role__in=STAFF_ROLES)
        .prefetch_related("teams")
        .order_by("-is_active", "name", "pk")
    )
