"""Errors in the caller's language: services' ValidationErrors, malformed bodies, 404s.

LocaleMiddleware has activated the language of the request (Accept-Language; Bahasa
Indonesia by default), so every message here is translated when it is raised.
"""

import codecs
import json

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers, serializers, status
from rest_framework.response import Response
from rest_framework.utils import json as drf_json
from rest_framework.views import exception_handler as drf_exception_handler


class MalformedBody(exceptions.ParseError):
    """A request body that cannot be read, with a message the caller can act on."""


class BodyTooLarge(exceptions.APIException):
    """A request body over DATA_UPLOAD_MAX_MEMORY_SIZE: 413, in JSON like every API error."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


def body_too_large_message() -> str:
    return _("The request body is too large (at most %(size)d MB).") % {
        "size": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024) or 1
    }


# No request of this API needs more than a few levels (a ticket's requester, a list of tags,
# custom fields); a body nested deeper is refused before anything walks it recursively.
MAX_JSON_DEPTH = 20


def _too_deep(value, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a parsed JSON value nests more than `limit` arrays or objects, walked without
    recursion (the point is to refuse what would exhaust the stack)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class KarcisJSONParser(parsers.JSONParser):
    """DRF's JSON parser, with the position of a syntax error told in the caller's language
    and bodies nested too deeply refused (400, not a RecursionError's 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(  # type: ignore[attr-defined]  # missing from the stubs
            parser_context or {}
        )
        # DRF hands the parser the raw request stream, which Django does not count: the
        # limit every form post has is applied here too, before anything is decoded.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise BodyTooLarge(body_too_large_message())
        try:
            data = json.loads(codecs.decode(raw, encoding), parse_constant=drf_json.strict_constant)
        except RecursionError as error:  # Python's decoder gave up on the depth
            raise MalformedBody(self.too_deep_message()) from error
        except json.JSONDecodeError as error:
            raise MalformedBody(
                _(
                    "The request body is not valid JSON (line %(line)d, column %(column)d). "
                    'Send a JSON object, e.g. {"subject": "…"}.'
                )
                % {"line": error.lineno, "column": error.colno}
            ) from error
        except ValueError as error:  # not text in the declared charset, NaN, Infinity
            raise MalformedBody(_("The request body is not valid JSON.")) from error
        if _too_deep(data):
            raise MalformedBody(self.too_deep_message())
        return data

    @staticmethod
    def too_deep_message() -> str:
        return _(
            "The request body is nested too deeply (at most %(depth)d levels of objects "
            "and arrays)."
        ) % {"depth": MAX_JSON_DEPTH}


def _django_validation_detail(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if field == NON_FIELD_ERRORS else field): [
                str(message) for error in errors for message in error.messages
            ]
            for field, errors in exc.error_dict.items()
        }
    return {"detail": " ".join(str(message) for message in exc.messages)}


def exception_handler(exc, context):
    """DRF's handler, plus services' Django ValidationErrors as 400s with field errors."""
    if isinstance(exc, DjangoValidationError):
        refusals = [] if hasattr(exc, "error_dict") else exc.error_list
        if refusals and all(error.code == "permission" for error in refusals):
            # A service refused the caller (core.permissions), not their input.
            exc = exceptions.PermissionDenied(" ".join(exc.messages))
        else:
            return Response(_django_validation_detail(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, RequestDataTooBig):  # Django's own limit, met reading request.body
        exc = BodyTooLarge(body_too_large_message())
    if isinstance(exc, TooManyFieldsSent):
        exc = MalformedBody(_("The request has too many fields."))
    if isinstance(exc, exceptions.ParseError) and not isinstance(exc, MalformedBody):
        exc = MalformedBody(
            _("The request body could not be read: %(error)s") % {"error": exc.detail}
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    return drf_exception_handler(exc, context)


class ErrorSerializer(serializers.Serializer):
    """The body of an error response (validation errors carry one list per field instead)."""

    detail = serializers.CharField()
