"""Token authentication that also loads the caller's organisation: every endpoint needs it,
so it comes in the same query as the user rather than in one more, and that query is
cached: an integration that opens a ticket a second pays for it once, not every time."""

import hashlib
from typing import TYPE_CHECKING, cast

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from karcis.core.caching import forget

if TYPE_CHECKING:
    from rest_framework.authtoken.models import Token

# With Redis (production) a change reaches every process at once, as the cache entry is
# deleted; a per-process cache (no REDIS_URL: the demo) learns of a change made by another
# process (`karcis api_token --rotate`) only when its entry expires, so it is kept short.
TOKEN_CACHE_SECONDS = 60


def _cache_key(key: str) -> str:
    # The token itself never becomes a cache key (keys show up in monitoring and logs).
    return "karcis:api:token:" + hashlib.sha256(key.encode()).hexdigest()


def tokens_forget(keys: list[str]) -> None:
    """Forget the cached look-ups of these tokens (core.caching)."""
    forget(*(_cache_key(key) for key in keys))


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`, as DRF's, with the user and their organisation read in
    one query and cached until the token, the user or the organisation changes
    (karcis.api.apps connects the signals that forget it)."""

    def authenticate_credentials(self, key):
        name = _cache_key(key)
        token = cache.get(name)
        if token is None:
            token = self._token_read(key)
            cache.set(name, token, timeout=TOKEN_CACHE_SECONDS)
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)

    def _token_read(self, key) -> "Token":
        model = cast("type[Token]", self.get_model())
        try:
            # get(), not first(): no ORDER BY to compile and run for a unique key.
            return model.objects.select_related("user__organisation").get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None


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
