"""The base every API view stands on: its organisation's scope, parsers and permissions."""

from contextlib import ExitStack

from django_scopes import scope
from rest_framework import authentication, parsers

from karcis.api.authentication import TokenAuthentication
from karcis.api.errors import KarcisJSONParser
from karcis.api.permissions import IsOrganisationMember


class OrganisationScopedMixin:
    """Activates the caller's organisation around the whole API call.

    Token authentication happens inside DRF, after the middleware has run, so API views
    activate the scope themselves once the user is known. Permission classes run before
    the scope is active: they may look at the user, never at scoped rows.

    The scope is left in `dispatch`'s `with`, whatever happens (an error included): a scope
    left open would be closed later by the garbage collector, in whichever request's
    context happens to be running then.
    """

    def dispatch(self, request, *args, **kwargs):
        with ExitStack() as self._karcis_scope:
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        user = request.user
        if user.is_authenticated and user.organisation_id is not None:
            self._karcis_scope.enter_context(scope(organisation=user.organisation_id))


class KarcisAPIMixin(OrganisationScopedMixin):
    """Every Karcis endpoint: scoped to the caller's organisation, members only, errors
    in the caller's language."""

    authentication_classes = [TokenAuthentication, authentication.SessionAuthentication]
    parser_classes = [KarcisJSONParser, parsers.FormParser, parsers.MultiPartParser]
    permission_classes = [IsOrganisationMember]
