"""What every workspace page needs in its layout: the sections and Settings pages the
person may open (workspace.navigation), and where their work starts."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from karcis.core.extensions import contributions
from karcis.core.selectors import home_url_of
from karcis.workspace import navigation


def workspace(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff_member:
        return {}
    # Lazy: pages outside the workspace (the portal, the login page) never work them out.
    return {
        "workspace_sections": SimpleLazyObject(lambda: navigation.sections_for(user)),
        "workspace_settings_pages": SimpleLazyObject(lambda: navigation.settings_pages_for(user)),
        "workspace_home_url": SimpleLazyObject(lambda: home_url_of(user)),
        # What apps add to the top bar ("workspace.topbar_tools": request → safe HTML).
        "workspace_topbar_tools": SimpleLazyObject(
            lambda: [tool(request) for tool in contributions("workspace.topbar_tools")]
        ),
    }
