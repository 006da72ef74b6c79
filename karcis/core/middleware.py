from django.core.exceptions import DisallowedHost
from django_scopes import scope, scopes_disabled


class OrganisationScopeMiddleware:
    """Activates the signed-in user's organisation for every scoped query of the request.

    Anonymous requests get no scope: a view that serves the public (the portal) activates
    the organisation it serves itself, and any query that forgets it fails loudly.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.organisation_id is not None:
                with scope(organisation=user.organisation_id):
                    return self.get_response(request)
            if user.is_superuser:
                with scopes_disabled():
                    return self.get_response(request)
        return self.get_response(request)


# Nothing runs or loads on a Karcis page but the site's own files: no inline script, no
# inline style (style="" attributes included), no eval, no plugin, no framing. Images may be
# data: URLs (Swagger UI's icons; a pasted screenshot's preview). WebSockets are named with
# the page's own host: 'self' covers ws:/wss: only in browsers that follow CSP level 3.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self' {websockets}; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# The browser features no Karcis page uses, refused to the page and to anything it embeds.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)


class SecurityHeadersMiddleware:
    """Adds the Content-Security-Policy and Permissions-Policy to every response (every HTML
    page, and files and API answers too, where they cost nothing), unless a view set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            try:
                host = request.get_host()
            except DisallowedHost:  # the 400 for that host is the response
                websockets = ""
            else:
                websockets = f"ws://{host} wss://{host}"
            response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.format(
                websockets=websockets
            )
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = PERMISSIONS_POLICY
        return response
