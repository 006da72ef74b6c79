"""Idempotent creates, as Stripe does them.

A client that sends `Idempotency-Key: <unique key>` with a POST may retry it safely (after a
timeout, a dropped connection, a crash of its own): the first request runs and its
response is stored in the same transaction as the object it created; a retry with the
same key and the same body gets that response again (`Idempotent-Replayed: true`) and
creates nothing. The same key with a different body is refused (422), and a retry that
arrives while the first request is still running is told to wait (409).

Concurrency: on PostgreSQL the request takes a transaction-scoped advisory lock on
(user, key) in the same query that looks for a stored response, so a duplicate in flight
is detected without waiting; the lock is released when the first transaction commits.
A key costs two queries: that look-up and, after the create, the stored response.
SQLite runs write transactions one at a time (BEGIN IMMEDIATE), so the duplicate simply
waits and is replayed. The unique (user, key) constraint is the last line on both: it also
catches the one race the single query leaves open (the first request commits after the
look-up read its snapshot but before it tried the lock), and the retry is then replayed.
"""

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from karcis.api import selectors, services
from karcis.api.errors import ErrorSerializer
from karcis.api.models import IdempotencyKey

if TYPE_CHECKING:
    from karcis.api.views import MemberRequest

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX_LENGTH = cast(int, IdempotencyKey._meta.get_field("key").max_length)


class KeyInFlight(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _(
        "A request with this Idempotency-Key is still being processed; retry in a moment."
    )
    default_code = "idempotency_key_in_flight"


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _(
        "This Idempotency-Key was already used for a different request. "
        "Send a new key with a new request."
    )
    default_code = "idempotency_key_reused"


def respond_idempotently(request: "MemberRequest", create: Callable[[], Response]) -> Response:
    """Run `create`, honouring the request's Idempotency-Key if it has one.

    `create` validates, calls ONE service (which is atomic itself, so a failure saves
    nothing) and returns the 201 response. With a key, `create` and the stored response
    share one transaction.
    """
    key = request.headers.get(HEADER)
    if key is None:
        return create()
    key = _valid_key(key)
    fingerprint = request_fingerprint(request)
    try:
        with transaction.atomic():
            stored = _lock_and_find(user=request.user, key=key)
            if stored is not None and stored.is_expired:
                services.idempotency_key_forget(record=stored)
                stored = None
            if stored is not None:
                return _replay(stored, request=request, fingerprint=fingerprint)
            response = create()
            if status.is_success(response.status_code):
                services.idempotency_key_store(
                    user=request.user,
                    key=key,
                    method=request.method,
                    path=request.path,
                    fingerprint=fingerprint,
                    status_code=response.status_code,
                    response_body=response.data,
                )
            return response
    except IntegrityError:
        # Another request stored this key between our look-up and our insert (possible
        # only without the advisory lock); everything we wrote was rolled back: replay it.
        stored = selectors.idempotency_key_find(user=request.user, key=key)
        if stored is None:
            raise
        return _replay(stored, request=request, fingerprint=fingerprint)


def _valid_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > KEY_MAX_LENGTH:
        raise exceptions.ValidationError(
            {
                HEADER: [
                    _("Send a key of 1 to %(max)d characters, e.g. a UUID.")
                    % {"max": KEY_MAX_LENGTH}
                ]
            }
        )
    return key


def lock_id(*, user_id: int, key: str) -> int:
    """The advisory lock number of (user, key): 64 bits of a hash, so collisions are
    negligible (and would only make a request wait for a retry, never mix responses)."""
    digest = hashlib.blake2b(f"{user_id}\0{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


# One row whatever happens: the lock's outcome, with the stored record's columns (NULL
# when there is none) joined to it.
_LOCK_AND_FIND_SQL = (
    "SELECT pg_try_advisory_xact_lock(%s) AS locked, k.* FROM (SELECT 1) AS one "
    f"LEFT JOIN {IdempotencyKey._meta.db_table} AS k ON k.user_id = %s AND k.key = %s"
)


def _lock_and_find(*, user, key: str) -> IdempotencyKey | None:
    """Take the (user, key) lock for this transaction and return the stored outcome of
    this key, if any, in one query; KeyInFlight when another request holds the lock.

    Call inside the transaction that will store the outcome.
    """
    if connection.vendor != "postgresql":
        return selectors.idempotency_key_find(user=user, key=key)
    row: Any = IdempotencyKey.objects.raw(  # an IdempotencyKey, with the lock's `locked`
        _LOCK_AND_FIND_SQL, [lock_id(user_id=user.pk, key=key), user.pk, key]
    )[0]
    if not row.locked:
        raise KeyInFlight()
    return row if row.pk is not None else None


def _replay(stored: IdempotencyKey, *, request: Request, fingerprint: str) -> Response:
    same_request = (
        stored.request_fingerprint == fingerprint
        and stored.method == request.method
        and stored.path == request.path
    )
    if not same_request:
        raise KeyReused()
    return Response(
        stored.response_body, status=stored.status_code, headers={REPLAYED_HEADER: "true"}
    )


def request_fingerprint(request: Request) -> str:
    """sha256 of the request body.

    A multipart body is hashed by its parts (each field, each file's name and bytes)
    because a client draws a new boundary for every retry of the same upload.
    """
    digest = hashlib.sha256()
    if request.content_type.startswith("multipart/"):
        for name, values in sorted(request.POST.lists()):
            digest.update(repr((name, values)).encode())
        for name, uploads in sorted(request.FILES.lists()):
            for upload in uploads:
                digest.update(repr((name, upload.name, upload.size)).encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    else:
        digest.update(request.body)
    return digest.hexdigest()


# --- OpenAPI ----------------------------------------------------------------------------

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "A unique key (e.g. a UUID, at most 200 characters) that makes this POST safe to "
        "retry for 24 hours: a retry with the same key and body returns the first "
        "response (header `Idempotent-Replayed: true`) and creates nothing. The same key "
        "with another body: 422. While the first request is still running: 409."
    ),
)


def idempotent_create_schema(*, request, response, **kwargs):
    """extend_schema for a POST create that honours Idempotency-Key."""
    return extend_schema(
        request=request,
        responses={
            201: response,
            400: OpenApiResponse(ErrorSerializer, description="Invalid request; field errors."),
            409: OpenApiResponse(
                ErrorSerializer, description="A request with this key is still being processed."
            ),
            422: OpenApiResponse(
                ErrorSerializer, description="This key was already used for a different request."
            ),
        },
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        **kwargs,
    )
