"""The base every API view stands on: its organisation's scope, parsers and permissions."""

from collections.abc import Sequence
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponseBase
from django_scopes import scope
from rest_framework import authentication, parsers
from rest_framework.authentication import BaseAuthentication
from rest_framework.parsers import BaseParser
from rest_framework.permissions import BasePermission

from karcis.api.authentication import TokenAuthentication
from karcis.api.errors import KarcisJSONParser
from karcis.api.permissions import IsOrganisationMember

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

    from karcis.core.models import OrganisationMember

    class MemberRequest(Request):
        """A request the API's permissions let through, as type checkers should see it: its
        caller belongs to an organisation, and Django gave it its method."""

        user: OrganisationMember
        method: str

    _MixinBase = APIView
else:
    _MixinBase = object


class OrganisationScopedMixin(_MixinBase):
    """Activates the caller's organisation around the whole API call.

    Token authentication happens inside DRF, after the middleware has run, so API views
    activate the scope themselves once the user is known. Permission classes run before
    the scope is active: they may look at the user, never at scoped rows.

    The scope is left in `dispatch`'s `with`, whatever happens (an error included): a scope
    left open would be closed later by the garbage collector, in whichever request's
    context happens to be running then.
    """

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        with ExitStack() as self._karcis_scope:
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request: "Request", *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        user = request.user
        if user.is_authenticated and user.organisation_id is not None:
            self._karcis_scope.enter_context(scope(organisation=user.organisation_id))


class KarcisAPIMixin(OrganisationScopedMixin):
    """Every Karcis endpoint: scoped to the caller's organisation, members only, errors
    in the caller's language."""

    authentication_classes: Sequence[type[BaseAuthentication]] = [
        TokenAuthentication,
        authentication.SessionAuthentication,
    ]
    parser_classes: Sequence[type[BaseParser]] = [
        KarcisJSONParser,
        parsers.FormParser,
        parsers.MultiPartParser,
    ]
    permission_classes: Sequence[type[BasePermission]] = [IsOrganisationMember]
    # Every view's permissions (IsOrganisationMember, or HasCapability, which asks it too)
    # let in only members of an organisation.
    request: "MemberRequest"
