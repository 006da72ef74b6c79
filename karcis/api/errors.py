"""Errors in the caller's language: services' ValidationErrors, malformed bodies, 404s.

LocaleMiddleware has activated the language of the request (Accept-Language; Bahasa
Indonesia by default), so every message here is translated when it is raised.
"""

import codecs
import json

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers, serializers, status
from rest_framework.response import Response
from rest_framework.utils import json as drf_json
from rest_framework.views import exception_handler as drf_exception_handler


class MalformedBody(exceptions.ParseError):
    """A request body that cannot be read, with a message the caller can act on."""


class KarcisJSONParser(parsers.JSONParser):
    """DRF's JSON parser, with the position of a syntax error told in the caller's language."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(  # type: ignore[attr-defined]  # missing from the stubs
            parser_context or {}
        )
        try:
            return json.load(
                codecs.getreader(encoding)(stream), parse_constant=drf_json.strict_constant
            )
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
