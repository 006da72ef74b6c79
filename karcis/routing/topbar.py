"""Routing's part of the workspace's top bar: the agent's own status (online, away, off).

The bar draws a plain link to the status page; htmx swaps the control in once the page
has loaded (routing:status), so no workspace page pays a query for it, and without
JavaScript the link still leads to a page where the status is set.
"""

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from karcis.core.permissions import user_can
from karcis.routing.permissions import STATUS_SET


def status_control(request: HttpRequest) -> SafeString:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user_can(user, STATUS_SET):
        return mark_safe("")
    return mark_safe(render_to_string("routing/partials/status_placeholder.html", request=request))
