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
