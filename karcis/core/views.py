from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from karcis.core import accounts, throttle
from karcis.core.forms import EmailForm, LoginForm, NewPasswordForm, locked_error
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
        response.status_code = 429 if form.throttled else 400
        return response


# --- password reset (staff; a portal's customers reset theirs on the portal) -------------


def reset_client_paused(request) -> ValidationError | None:
    """Too many reset requests from this client: the error to show, else None."""
    until = throttle.RESET_CLIENT.locked_until(throttle.client_of(request))
    return locked_error(until) if until is not None else None


def reset_request(request, *, organisation: Organisation | None, link) -> None:
    """Count the request and send the link if the address has an account. Past the limit
    per address no more mail goes to it; the answer stays the same either way."""
    client = throttle.client_of(request)
    throttle.RESET_CLIENT.hit(client)
    email = request.POST.get("email", "").strip().lower()
    subject = throttle.account_subject(
        email=email, organisation_id=organisation.pk if organisation else None
    )
    if throttle.RESET_ACCOUNT.locked_until(subject) is not None:
        return
    throttle.RESET_ACCOUNT.hit(subject)
    accounts.password_reset_request(
        email=email, organisation=organisation, client=client, link=link
    )


def reset_form_handled(
    request, *, organisation: Organisation | None, link
) -> tuple[EmailForm, int]:
    """The password-reset request form, for the staff sign-in (`organisation` None) and for a
    portal's: (form, status). Status 302 means the request was taken (the same answer whether
    or not the address has an account); 429 a client over its limit; 400 a form to correct."""
    form = EmailForm(request.POST if request.method == "POST" else None)
    if request.method != "POST":
        return form, 200
    paused = reset_client_paused(request)
    if paused is not None:
        form.add_error(None, paused)
        return form, 429
    if not form.is_valid():
        return form, 400
    reset_request(request, organisation=organisation, link=link)
    return form, 302


@require_http_methods(["GET", "POST"])
def password_reset(request):
    form, status = reset_form_handled(
        request,
        organisation=None,
        link=lambda uidb64, token: (
            settings.KARCIS_BASE_URL + reverse("core:password_reset_confirm", args=[uidb64, token])
        ),
    )
    if status == 302:
        return redirect("core:password_reset_sent")
    return render(request, "core/password_reset.html", {"form": form}, status=status)


@require_GET
def password_reset_sent(request):
    return render(
        request, "core/password_reset_sent.html", {"hours": accounts.password_reset_hours()}
    )


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_confirm(request, uidb64: str, token: str):
    user = accounts.password_reset_user(uidb64=uidb64, token=token, organisation=None)
    if user is None:
        response = render(request, "core/password_reset_confirm.html", {"invalid": True})
        response.status_code = 404
        return response
    form = NewPasswordForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST" and form.is_valid():
        accounts.password_reset_complete(
            user=user,
            password=form.cleaned_data["password1"],
            client=throttle.client_of(request),
        )
        throttle.SIGNIN_ACCOUNT.clear(
            throttle.account_subject(email=user.email, organisation_id=None)
        )
        messages.success(request, _("Your password has been changed. Sign in with it now."))
        return redirect("core:login")
    status = 400 if form.is_bound else 200
    return render(
        request,
        "core/password_reset_confirm.html",
        {"form": form, "email": user.email},
        status=status,
    )


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
