"""Who may call which endpoint: the capabilities each view names (core.permissions).

Which *objects* a caller sees is decided by the selectors; what they may do is asked here,
with the one check the views and services use (`user_can`).
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from karcis.core.permissions import user_can, user_can_somewhere


def is_member(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.organisation_id is not None)


class IsOrganisationMember(BasePermission):
    """Signed in and belonging to an organisation: its staff or one of its customers."""

    message = _("Your account does not belong to an organisation.")

    def has_permission(self, request: Any, view: Any) -> bool:
        return is_member(request.user)


def _action_of(request: Any, view: Any) -> str:
    action = getattr(view, "action", None)
    if action == "metadata" or request.method == "OPTIONS":
        return "metadata"
    return action or request.method.lower()


class HasCapability(BasePermission):
    """The caller holds, for the action they call, one of the capabilities the view names.

    `view.capabilities`: {action: (capability, …)}, any one of which lets the caller in
    (for the whole organisation or for one of their teams). An action the view does not
    name is refused: an endpoint is closed until it says who may use it. OPTIONS needs any
    of the view's capabilities.

    `view.object_capabilities`: {action: (capability, …)}, asked again of the object once
    the selector found it, so that a caller who may not see it gets the selector's 404
    first and never learns it exists.
    """

    message = _("Your role does not allow this.")

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not is_member(user):
            return False
        if getattr(view, "action", "") is None and request.method != "OPTIONS":
            return True  # a method the endpoint does not take: DRF answers 405
        declared: dict[str, tuple[str, ...]] = getattr(view, "capabilities", {})
        action = _action_of(request, view)
        if action == "metadata":
            needed = {name for names in declared.values() for name in names}
        else:
            needed = set(declared.get(action, ()))
        return bool(needed) and user_can_somewhere(user, *sorted(needed))

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        declared: dict[str, tuple[str, ...]] = getattr(view, "object_capabilities", {})
        needed = declared.get(_action_of(request, view))
        if not needed:
            return True
        return any(user_can(request.user, name, obj) for name in needed)
