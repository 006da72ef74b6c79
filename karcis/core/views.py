from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_GET

from karcis.core.forms import LoginForm
from karcis.core.models import Organisation
from karcis.core.selectors import home_url_of, organisation_default


@require_GET
def home(request):
    """Staff land in their inbox, customers on their tickets, visitors on the portal."""
    user = request.user
    if user.is_authenticated and (user.organisation_id or user.is_superuser):
        return redirect(home_url_of(user))
    organisation = organisation_default()
    if organisation is not None:
        return redirect("portal:home", org=organisation.slug)
    organisations = Organisation.objects.order_by("name")
    return render(request, "core/organisations.html", {"organisations": organisations})


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        # A person's own language choice follows them to every browser they sign in on.
        language = form.get_user().language
        if language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite="Lax",
            )
        return response

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


def logout_view(request):
    if request.method == "POST":
        from django.contrib.auth import logout

        logout(request)
        messages.info(request, _("You have signed out."))
        return redirect(reverse("core:login"))
    return render(request, "core/logout.html")


def bad_request(request, exception=None):
    """Django's 400, told apart: a body over the size limit is a 413 that says so, and the
    API's paths answer in JSON as every API error does (a body too large for a form post is
    refused while the CSRF check reads it, before any view or the API's handler runs).

    Rendered without the request, as Django's own handler does: the request may be the
    problem (a host not allowed), and the page must not depend on it."""
    if not isinstance(exception, RequestDataTooBig):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": _("The request could not be read.")}, status=400)
        return defaults.bad_request(request, exception)
    if request.path.startswith("/api/"):
        detail = _("The request body is too large (at most %(size)d MB).") % {
            "size": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024) or 1
        }
        return JsonResponse({"detail": detail}, status=413)
    return HttpResponse(loader.get_template("413.html").render(), status=413)
