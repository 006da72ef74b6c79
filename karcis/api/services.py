"""Writes of the API's own records.

Stored idempotency outcomes are bookkeeping of the transport, not domain changes: they
record no domain event (the object the request created records its own).
"""

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django_scopes import scopes_disabled

from karcis.api.models import IDEMPOTENCY_KEY_TTL, IdempotencyKey

if TYPE_CHECKING:
    from karcis.core.models import OrganisationMember


def idempotency_key_store(
    *,
    user: "OrganisationMember",
    key: str,
    method: str,
    path: str,
    fingerprint: str,
    status_code: int,
    response_body: Any,
) -> IdempotencyKey:
    """Remember a create request's response. Call inside the transaction that created the
    object, so a crash can never keep one without the other."""
    return IdempotencyKey.objects.create(
        organisation_id=user.organisation_id,
        user=user,
        key=key,
        method=method,
        path=path,
        request_fingerprint=fingerprint,
        status_code=status_code,
        response_body=response_body,
    )


def idempotency_key_forget(*, record: IdempotencyKey) -> None:
    """Drop an expired record so its key can start a new request."""
    record.delete()


def idempotency_keys_purge(*, older_than: timedelta = IDEMPOTENCY_KEY_TTL) -> int:
    """Delete stored outcomes older than `older_than` (all organisations); returns how many.

    Safe to run at any time, e.g. hourly from the scheduler: a key past its age is
    treated as unknown anyway.
    """
    with scopes_disabled():
        deleted, _per_model = IdempotencyKey.objects.filter(
            created_at__lt=timezone.now() - older_than
        ).delete()
    return deleted
