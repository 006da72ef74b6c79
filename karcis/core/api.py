"""Shared API plumbing: errors in the caller's language, tenancy for token-authenticated calls."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django_scopes import scope
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """DRF's handler, plus Django ValidationErrors from services as 400s with field errors."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()}
        else:
            detail = {"detail": " ".join(exc.messages)}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.ParseError):
        return Response(
            {"detail": _("The request body is not valid JSON: %(error)s") % {"error": exc.detail}},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    return drf_exception_handler(exc, context)


class OrganisationScopedMixin:
    """Activates the caller's organisation around the whole API call.

    Token authentication happens inside DRF, after the middleware has run, so API views
    activate the scope themselves once the user is known.
    """

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        user = request.user
        if user.is_authenticated and user.organisation_id is not None:
            self._karcis_scope = scope(organisation=user.organisation_id)
            self._karcis_scope.__enter__()

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        active = getattr(self, "_karcis_scope", None)
        if active is not None:
            active.__exit__(None, None, None)
            self._karcis_scope = None
        return response
