"""Reads of the API's own records."""

from karcis.api.models import IdempotencyKey
from karcis.core.models import User


def idempotency_key_find(*, user: User, key: str) -> IdempotencyKey | None:
    """The stored outcome of this user's earlier request with this key, if any (expired or not)."""
    return IdempotencyKey.objects.filter(user=user, key=key).first()
