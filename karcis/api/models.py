"""What the API itself must remember: the outcome of create requests sent with a key."""

from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager

from karcis.core.models import Organisation, User

if TYPE_CHECKING:
    from karcis.core.models import ScopedManagerType

# How long a key protects against a duplicate; older records may be purged.
IDEMPOTENCY_KEY_TTL = timedelta(hours=24)


class IdempotencyKey(models.Model):
    """The stored response of a create request sent with an `Idempotency-Key` header.

    Written in the same transaction as the object the request created, so one never
    exists without the other; a retry with the same key gets this response back instead
    of creating a second object. Kept for 24 hours (api.services.idempotency_keys_purge).
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    # sha256 of the request body, to refuse the same key reused for a different request.
    request_fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField(encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects: ClassVar["ScopedManagerType[IdempotencyKey]"] = ScopedManager(
        organisation="organisation"
    )
    _default_manager: ClassVar["ScopedManagerType[IdempotencyKey]"]

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="uniq_idempotency_key_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"

    @property
    def is_expired(self) -> bool:
        return self.created_at < timezone.now() - IDEMPOTENCY_KEY_TTL
