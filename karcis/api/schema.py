"""The OpenAPI description says, for every action, which capabilities may call it.

Read from the same `capabilities` the permission class enforces (api.permissions), so the
documentation cannot drift from what the server does.
"""

from typing import Any

from drf_spectacular.openapi import AutoSchema

from karcis.api.permissions import HasCapability


class CapabilityAutoSchema(AutoSchema):
    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        needed = self._capabilities_needed()
        if operation is not None and needed:
            names = ", ".join(f"`{name}`" for name in needed)
            which = names if len(needed) == 1 else f"any of {names}"
            allowed = f"**Who may call:** a role or grant with {which}."
            described = operation.get("description")
            operation["description"] = f"{described}\n\n{allowed}" if described else allowed
        return operation

    def _capabilities_needed(self) -> tuple[str, ...]:
        if not any(
            isinstance(permission, HasCapability) for permission in self.view.get_permissions()
        ):
            return ()
        action = getattr(self.view, "action", None) or self.method.lower()
        # What is asked of the object itself decides: the view-wide check only lets the
        # caller reach it (a 404 for what they may not see comes before the 403).
        for declared_on in ("object_capabilities", "capabilities"):
            declared: dict[str, tuple[str, ...]] = getattr(self.view, declared_on, {})
            if action in declared:
                return tuple(declared[action])
        return ()
