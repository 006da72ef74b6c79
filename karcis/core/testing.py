"""Test helpers that make the test client behave like a real server."""

from django_scopes.state import state


class FreshScopeMiddleware:
    """Each request starts with no organisation scope, as it does on a real server.

    Tests run with scopes disabled for convenience; without this, that state would leak
    into the views under test and hide a view that forgets to activate its organisation.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = state.set({})
        try:
            return self.get_response(request)
        finally:
            state.reset(token)
