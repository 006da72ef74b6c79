"""Who may call which endpoint. Which *objects* they see is decided by the selectors."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission


def is_member(user) -> bool:
    return bool(user and user.is_authenticated and user.organisation_id is not None)


class IsOrganisationMember(BasePermission):
    """Signed in and belonging to an organisation: its staff or one of its customers."""

    message = _("Your account does not belong to an organisation.")

    def has_permission(self, request, view) -> bool:
        return is_member(request.user)


class IsStaffMember(BasePermission):
    """An admin, supervisor or agent of the caller's organisation."""

    message = _("Only the organisation's agents can do this.")

    def has_permission(self, request, view) -> bool:
        return is_member(request.user) and request.user.is_staff_member


class StaffReadsAdminWrites(BasePermission):
    """Staff may read; only the organisation's administrators may create or change."""

    message = _("Only the organisation's administrators can do this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not is_member(user) or not user.is_staff_member:
            return False
        return request.method in SAFE_METHODS or user.is_org_admin


class MembersReadAdminWrites(BasePermission):
    """Everyone of the organisation may read (customers too); administrators write."""

    message = _("Only the organisation's administrators can do this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not is_member(user):
            return False
        return request.method in SAFE_METHODS or user.is_org_admin


class StaffChangesObjects(BasePermission):
    """Any member may reach the endpoint; changing an object they can see needs staff.

    Checked on the object, after the selector found it: a customer who PATCHes their own
    ticket gets 403, one who PATCHes someone else's gets 404 (the selector hides it).
    """

    message = _("Only the organisation's agents can change this.")

    def has_permission(self, request, view) -> bool:
        return is_member(request.user)

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in SAFE_METHODS or request.user.is_staff_member
