"""Token authentication that also loads the caller's organisation: every endpoint needs it,
so it comes in the same query as the user rather than in one more."""

from typing import TYPE_CHECKING, cast

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

if TYPE_CHECKING:
    from rest_framework.authtoken.models import Token


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`, as DRF's, in one query with the user's organisation."""

    def authenticate_credentials(self, key):
        model = cast("type[Token]", self.get_model())
        try:
            # get(), not first(): no ORDER BY to compile and run for a unique key.
            token = model.objects.select_related("user__organisation").get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)


class TokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI document (and the Swagger page's Authorize dialog) explains tokens."""

    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "Send `Authorization: Token <key>`. An administrator issues an integration's "
                "key on the server with `karcis api_token <email of its user>` (prints the "
                "key, creating it on first use; `--rotate` replaces it). Create the "
                "integration's user first, as an agent (POST /api/users/)."
            ),
        }
