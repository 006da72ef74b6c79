"""The public portal of an organisation: its help page, the ticket form, tracking by number
and e-mail or by a signed link, the conversation with replies, and customers' own tickets.

Every view runs inside the organisation's scope (django-scopes) and time zone, activated by
`portal_view` from the slug in the URL: visitors are anonymous, so no middleware knows the
organisation for them.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.hashers import make_password
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache as never_cache_view
from django.views.decorators.http import require_GET, require_http_methods
from django_scopes import scope

from karcis.core import accounts, throttle
from karcis.core.content import body_from
from karcis.core.downloads import file_response
from karcis.core.forms import CustomerSignInForm, NewPasswordForm
from karcis.core.models import Channel, Organisation, User
from karcis.core.views import reset_form_handled
from karcis.desk.selectors import (
    attachment_get_public,
    custom_fields_shown_to_customer,
    messages_for,
    ticket_get_by_tracking_token,
    ticket_get_for_tracking,
    ticket_get_for_user,
    ticket_surviving,
    tickets_visible_to,
    tracking_token,
)
from karcis.desk.services import message_add
from karcis.messaging.selectors import acknowledgement_address
from karcis.portal import stash
from karcis.portal.forms import PasswordsForm, ReplyForm, SignupForm, TicketSubmitForm, TrackForm
from karcis.portal.selectors import form_choices, organisation_by_slug
from karcis.portal.services import (
    customer_signup_complete,
    signup_link_send,
    web_ticket_submit,
)
from karcis.portal.throttle import (
    SIGNUP_MAILS,
    SUBMISSIONS_PER_ADDRESS,
    SUBMISSIONS_PER_CLIENT,
    TRACKING_FAILURES,
)

MY_TICKETS_PER_PAGE = 20
SIGNUP_SALT = "karcis.portal.signup"
SIGNUP_LINK_MAX_AGE = 3 * 24 * 3600
SIGNUP_SESSION_KEY = "karcis_portal_signup"

# Ticket statuses (the desk's codes) in the words a customer uses, with what each means.
CUSTOMER_STATUS = {
    "new": (
        gettext_lazy("Received"),
        gettext_lazy("We have received your ticket and will pick it up soon."),
    ),
    "open": (
        gettext_lazy("Being handled"),
        gettext_lazy("Our team is working on your ticket."),
    ),
    "pending": (
        gettext_lazy("Waiting for your reply"),
        gettext_lazy("We need something from you: please reply below."),
    ),
    "on_hold": (
        gettext_lazy("Waiting on another party"),
        gettext_lazy("We are waiting for another party and will update you."),
    ),
    "solved": (
        gettext_lazy("Solved"),
        gettext_lazy("We think this is solved. If it is not, reply below and we will reopen it."),
    ),
    "closed": (
        gettext_lazy("Closed"),
        gettext_lazy("This ticket is closed. If you need more help, open a follow-up ticket."),
    ),
}


# --- the organisation, the visitor ------------------------------------------------------


def portal_view(view: Callable) -> Callable:
    """Serve a portal page for the organisation named in the URL (404 when there is none),
    inside that organisation's scope and time zone."""

    @wraps(view)
    def wrapper(request, org: str, **kwargs):
        organisation = organisation_by_slug(org)
        if organisation is None:
            raise Http404("No such organisation")
        with scope(organisation=organisation.pk), timezone.override(organisation.time_zone):
            return view(request, organisation, **kwargs)

    return wrapper


def customer_of(request, organisation: Organisation) -> User | None:
    """The signed-in customer of this organisation, if that is who is visiting."""
    user = request.user
    if (
        user.is_authenticated
        and user.organisation_id == organisation.pk
        and not user.is_staff_member
    ):
        return user
    return None


def customer_required(view: Callable) -> Callable:
    """Only for the organisation's signed-in customers: visitors sign in first, staff go to
    the desk, and everybody else finds nothing here (404)."""

    @wraps(view)
    def wrapper(request, organisation: Organisation, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(
                request.get_full_path(),
                login_url=reverse("portal:signin", kwargs={"org": organisation.slug}),
            )
        if user.organisation_id != organisation.pk:
            raise Http404("Not a customer of this organisation")
        if user.is_staff_member:
            return redirect("desk:inbox")
        return view(request, organisation, **kwargs)

    return wrapper


def _posted(request, *, files: bool = True) -> tuple:
    """A form's data: bound on every POST, even an empty one (that is an invalid form,
    not a fresh one)."""
    if request.method != "POST":
        return (None, None) if files else (None,)
    return (request.POST, request.FILES) if files else (request.POST,)


def _render(request, organisation, template, context=None, status=200):
    context = {
        "organisation": organisation,
        "customer": customer_of(request, organisation),
        **(context or {}),
    }
    return render(request, template, context, status=status)


# --- help page, submit ------------------------------------------------------------------


@require_GET
@portal_view
def home(request, organisation: Organisation):
    return _render(request, organisation, "portal/home.html", {"track_form": TrackForm()})


def _submit_form(request, organisation, *, requester_known: bool, initial=None):
    choices = form_choices(organisation=organisation)
    return TicketSubmitForm(
        *_posted(request),
        categories=choices.categories,
        custom_fields=choices.custom_fields,
        requester_known=requester_known,
        initial=initial,
    )


def _form_error_status(form) -> int:
    too_large = any(
        error.code == "too_large" for error in form.errors.as_data().get("attachments", [])
    )
    return 413 if too_large else 400


def _kept_files(request, organisation) -> list[stash.KeptFile]:
    """The files kept from this form's refused sending, less those the visitor removed."""
    if request.method != "POST":
        return []
    kept = stash.from_token(organisation_id=organisation.pk, token=request.POST.get("kept_files"))
    dropped = set(request.POST.getlist("drop_kept"))
    return [k for k in kept if k.path not in dropped]


def _submit(organisation, form, kept: list[stash.KeptFile], **requester):
    """Open the ticket from a valid form and go to its receipt (POST-redirect-GET); None
    when the service refused it (its errors are then on the form)."""
    data = form.cleaned_data
    attachments = stash.checked_files(kept) + data["attachments"]
    if len(attachments) > settings.KARCIS_ATTACHMENTS_PER_MESSAGE:
        form.add_error(
            "attachments",
            _("At most %(n)d files per message.") % {"n": settings.KARCIS_ATTACHMENTS_PER_MESSAGE},
        )
        return None
    try:
        ticket = web_ticket_submit(
            organisation=organisation,
            subject=data["subject"],
            description=data["description"],
            category=data.get("category"),
            custom_fields=form.custom_field_values(),
            attachments=attachments,
            **requester,
        )
    except ValidationError as error:
        form.add_service_errors(error)
        return None
    finally:
        for checked in attachments[: len(kept)]:
            checked.upload.close()
    stash.discard(kept)
    return redirect("portal:submitted", org=organisation.slug, token=tracking_token(ticket=ticket))


def _submit_page(request, organisation, form, kept, *, status: int | None = None, **context):
    """The form again, with the files that passed their checks kept for the next try."""
    if request.method == "POST":
        kept = stash.stash(
            organisation_id=organisation.pk, uploads=request.FILES.getlist("attachments"), kept=kept
        )
    if status is None:
        status = _form_error_status(form) if form.is_bound else 200
    return _render(
        request,
        organisation,
        "portal/submit.html",
        {
            "form": form,
            "kept_files": kept,
            "kept_token": stash.token_for(organisation_id=organisation.pk, kept=kept),
            **context,
        },
        status=status,
    )


TOO_MANY = gettext_lazy(
    "Too many tickets were sent from here in a short time. Nothing was sent now: please try "
    "again in an hour. Your text and files are kept below."
)


def _throttled(request, address: str) -> bool:
    return SUBMISSIONS_PER_CLIENT.exceeded(request) or (
        bool(address) and SUBMISSIONS_PER_ADDRESS.exceeded(address)
    )


def _submitted_count(request, address: str) -> None:
    SUBMISSIONS_PER_CLIENT.hit(request)
    if address:
        SUBMISSIONS_PER_ADDRESS.hit(address)


@require_http_methods(["GET", "POST"])
@portal_view
def submit(request, organisation: Organisation):
    """The ticket form. Each ticket may e-mail its automatic reply to the address typed, so
    a client and an address send only a few an hour (429, nothing saved, files kept)."""
    customer = customer_of(request, organisation)
    form = _submit_form(request, organisation, requester_known=customer is not None)
    kept = _kept_files(request, organisation)
    if request.method == "POST" and form.is_valid():
        address = customer.email if customer is not None else form.cleaned_data["email"]
        if _throttled(request, address):
            form.add_error(None, TOO_MANY)
            return _submit_page(request, organisation, form, kept, status=429)
        if customer is not None:
            requester = {"customer": customer}
        else:
            requester = {key: form.cleaned_data[key] for key in ("name", "email", "phone")}
        response = _submit(organisation, form, kept, **requester)
        if response is not None:
            _submitted_count(request, address)
            return response
    return _submit_page(request, organisation, form, kept)


@require_GET
@portal_view
def submitted(request, organisation: Organisation, token: str):
    """The receipt after submitting: the number, and the private link to come back with."""
    ticket = ticket_get_by_tracking_token(organisation=organisation, token=token)
    if ticket is None:
        return _link_invalid(request, organisation)
    link = request.build_absolute_uri(
        reverse("portal:ticket", kwargs={"org": organisation.slug, "token": token})
    )
    response = _render(
        request,
        organisation,
        "portal/submitted.html",
        {
            "ticket": ticket,
            "tracking_link": link,
            "token": token,
            "mailed_to": acknowledgement_address(ticket=ticket),
        },
    )
    add_never_cache_headers(response)
    return response


# --- track ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@portal_view
def track(request, organisation: Organisation):
    """Find a ticket by its number and the requester's e-mail address.

    A miss never says which of the two was wrong, and too many misses from one address
    are refused for a while, so numbers cannot be tried in bulk.
    """
    form = TrackForm(*_posted(request, files=False))
    if request.method == "GET":
        return _render(request, organisation, "portal/track.html", {"form": form})
    if TRACKING_FAILURES.exceeded(request):
        return _render(
            request,
            organisation,
            "portal/track.html",
            {"form": form, "throttled": True},
            status=429,
        )
    if not form.is_valid():
        return _render(request, organisation, "portal/track.html", {"form": form}, status=400)
    ticket = ticket_get_for_tracking(
        organisation=organisation,
        number=form.cleaned_data["number"],
        email=form.cleaned_data["email"],
    )
    if ticket is None:
        TRACKING_FAILURES.hit(request)
        form.add_error(None, _("We found no ticket with that number and e-mail address."))
        return _render(request, organisation, "portal/track.html", {"form": form}, status=400)
    return redirect("portal:ticket", org=organisation.slug, token=tracking_token(ticket=ticket))


def _link_invalid(request, organisation):
    response = _render(
        request, organisation, "portal/link_invalid.html", {"track_form": TrackForm()}, status=404
    )
    add_never_cache_headers(response)
    return response


# --- the ticket page (by signed link or, signed in, by number) ----------------------------


class TicketAccess:
    """How the visitor reached a ticket, and so which URLs its page links to."""

    def __init__(self, organisation: Organisation, ticket: Any, *, token: str = ""):
        self.organisation, self.ticket, self.token = organisation, ticket, token

    def _url(self, name: str, **kwargs) -> str:
        if self.token:
            return reverse(
                f"portal:{name}",
                kwargs={"org": self.organisation.slug, "token": self.token, **kwargs},
            )
        return reverse(
            f"portal:my_{name}",
            kwargs={"org": self.organisation.slug, "number": self.ticket.number, **kwargs},
        )

    def page_url(self) -> str:
        return self._url("ticket")

    def merged_into(self) -> tuple[Any, str] | None:
        """The ticket this one was merged into, with a link to it only when it is the same
        requester's (another person's ticket is named, never opened)."""
        if not self.ticket.merged_into_id:
            return None
        target = ticket_surviving(ticket=self.ticket)
        if target.requester_id != self.ticket.requester_id:
            return target, ""
        if self.token:
            url = reverse(
                "portal:ticket",
                kwargs={"org": self.organisation.slug, "token": tracking_token(ticket=target)},
            )
        else:
            url = reverse(
                "portal:my_ticket", kwargs={"org": self.organisation.slug, "number": target.number}
            )
        return target, url

    def follow_up_url(self) -> str:
        return self._url("ticket_follow_up")

    def file_url(self, attachment: Any) -> str:
        return self._url("ticket_file", file_token=attachment.token)


def _author_label(message) -> str:
    # Agents sign with their first name only: customers need a person, not a staff list.
    if message.author_user_id:
        return (message.author_user.name or "").split(" ")[0]
    return message.author_name


def _conversation(access: TicketAccess) -> list:
    # Each message gains what the portal's template shows of it.
    conversation: list[Any] = list(messages_for(ticket=access.ticket, include_notes=False))
    for message in conversation:
        message.portal_author = _author_label(message)
        message.from_agent = bool(message.author_user_id)
        message.portal_files = [
            (attachment, access.file_url(attachment)) for attachment in message.attachments.all()
        ]
    return conversation


def _visible_custom_values(organisation, ticket) -> list[tuple[str, str]]:
    fields = custom_fields_shown_to_customer(organisation=organisation)
    values = ticket.custom_fields or {}
    return [
        (field.label, values[field.key])
        for field in fields
        if values.get(field.key) not in (None, "")
    ]


def _ticket_page(request, access: TicketAccess):
    """Show the public conversation; a POST is a reply from the requester."""
    organisation, ticket = access.organisation, access.ticket
    kept = _kept_files(request, organisation)
    form = ReplyForm(*_posted(request), kept_files=len(kept))
    status = 200
    if request.method == "POST":
        if ticket.is_closed:
            status = 409
            form = ReplyForm()
            stash.discard(kept)
            kept = []
        elif form.is_valid():
            attachments = stash.checked_files(kept) + form.cleaned_data["attachments"]
            try:
                message_add(
                    ticket=ticket,
                    body=body_from(text=form.cleaned_data["body"] or ""),
                    author_contact=ticket.requester,
                    channel=Channel.WEB,
                    attachments=attachments,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                stash.discard(kept)
                messages.success(request, _("Your reply has been sent."))
                return redirect(access.page_url())
            finally:
                for checked in attachments[: len(kept)]:
                    checked.upload.close()
        if status == 200:
            status = _form_error_status(form)
            kept = stash.stash(
                organisation_id=organisation.pk,
                uploads=request.FILES.getlist("attachments"),
                kept=kept,
            )
    label, explanation = CUSTOMER_STATUS[ticket.status]
    response = _render(
        request,
        organisation,
        "portal/ticket.html",
        {
            "ticket": ticket,
            "access": access,
            "status_label": label,
            "status_explanation": explanation,
            "conversation": _conversation(access),
            "custom_values": _visible_custom_values(organisation, ticket),
            "reply_form": form,
            "reply_refused": status == 409,
            "kept_files": kept,
            "kept_token": stash.token_for(organisation_id=organisation.pk, kept=kept),
            "page_url": access.page_url(),
            "follow_up_url": access.follow_up_url(),
            "merged_into": access.merged_into(),
        },
        status=status,
    )
    add_never_cache_headers(response)
    return response


def _follow_up_page(request, access: TicketAccess):
    """A new ticket that continues a closed one; the requester stays the same person."""
    organisation, closed = access.organisation, access.ticket
    if not closed.is_closed:
        return redirect(access.page_url())
    form = _submit_form(
        request,
        organisation,
        requester_known=True,
        initial={
            "subject": closed.subject,
            "category": str(closed.category_id) if closed.category_id else "",
        },
    )
    kept = _kept_files(request, organisation)
    context = {"follow_up_of": closed, "back_url": access.page_url()}
    if request.method == "POST" and form.is_valid():
        if _throttled(request, ""):
            form.add_error(None, TOO_MANY)
            return _submit_page(request, organisation, form, kept, status=429, **context)
        response = _submit(organisation, form, kept, requester=closed.requester, linked_to=closed)
        if response is not None:
            _submitted_count(request, "")
            return response
    return _submit_page(request, organisation, form, kept, **context)


def _file(access: TicketAccess, file_token: str):
    """A file of the ticket's public conversation, shown inline only when it is an image."""
    attachment = attachment_get_public(ticket=access.ticket, token=file_token)
    if attachment is None:
        raise Http404("No such file")
    return file_response(
        attachment.file,
        filename=attachment.filename,
        content_type=attachment.content_type,
        inline=attachment.is_image,
    )


def _access_by_token(organisation, token: str) -> TicketAccess | None:
    ticket = ticket_get_by_tracking_token(organisation=organisation, token=token)
    return TicketAccess(organisation, ticket, token=token) if ticket else None


@require_http_methods(["GET", "POST"])
@portal_view
def ticket(request, organisation: Organisation, token: str):
    access = _access_by_token(organisation, token)
    if access is None:
        return _link_invalid(request, organisation)
    return _ticket_page(request, access)


@require_http_methods(["GET", "POST"])
@portal_view
def ticket_follow_up(request, organisation: Organisation, token: str):
    access = _access_by_token(organisation, token)
    if access is None:
        return _link_invalid(request, organisation)
    return _follow_up_page(request, access)


@require_GET
@portal_view
def ticket_file(request, organisation: Organisation, token: str, file_token: str):
    access = _access_by_token(organisation, token)
    if access is None:
        raise Http404("No such ticket")
    return _file(access, file_token)


# --- signed-in customers ----------------------------------------------------------------


@require_GET
@portal_view
@customer_required
def my_tickets(request, organisation: Organisation):
    tickets = (
        tickets_visible_to(user=request.user)
        .only("number", "subject", "status", "updated_at")
        .order_by("-updated_at", "-id")
    )
    page = Paginator(tickets, MY_TICKETS_PER_PAGE).get_page(request.GET.get("page"))
    row: Any  # each gains its `status_label`, for the template
    for row in page:
        row.status_label = CUSTOMER_STATUS[row.status][0]
    return _render(request, organisation, "portal/my_tickets.html", {"page": page})


def _access_by_number(request, organisation, number: str) -> TicketAccess:
    return TicketAccess(organisation, ticket_get_for_user(user=request.user, number=number))


@require_http_methods(["GET", "POST"])
@portal_view
@customer_required
def my_ticket(request, organisation: Organisation, number: str):
    return _ticket_page(request, _access_by_number(request, organisation, number))


@require_http_methods(["GET", "POST"])
@portal_view
@customer_required
def my_ticket_follow_up(request, organisation: Organisation, number: str):
    return _follow_up_page(request, _access_by_number(request, organisation, number))


@require_GET
@portal_view
@customer_required
def my_ticket_file(request, organisation: Organisation, number: str, file_token: str):
    return _file(_access_by_number(request, organisation, number), file_token)


# --- sign-up ----------------------------------------------------------------------------
# Signing up shows every earlier ticket sent from the address, so the address is proven
# first: the account is created only from the link we e-mail to it. Until then the chosen
# password waits, hashed, in this browser's session; a link opened elsewhere asks for it.


@require_http_methods(["GET", "POST"])
@portal_view
def signup(request, organisation: Organisation):
    if customer_of(request, organisation):
        return redirect("portal:my_tickets", org=organisation.slug)
    form = SignupForm(*_posted(request, files=False))
    if request.method == "POST":
        if SIGNUP_MAILS.exceeded(request):
            return _render(
                request,
                organisation,
                "portal/signup.html",
                {"form": form, "throttled": True},
                status=429,
            )
        if form.is_valid():
            email, name = form.cleaned_data["email"], form.cleaned_data["name"]
            request.session[SIGNUP_SESSION_KEY] = {
                "o": organisation.pk,
                "e": email,
                "p": make_password(form.cleaned_data["password1"]),
            }
            # Through the outbox: a mail server that is down gets the link later, retried.
            _send_signup_link(request, organisation, email=email, name=name)
            SIGNUP_MAILS.hit(request)
            return redirect("portal:signup_sent", org=organisation.slug)
    return _render(
        request,
        organisation,
        "portal/signup.html",
        {"form": form},
        status=400 if form.is_bound else 200,
    )


def _send_signup_link(request, organisation, *, email: str, name: str) -> None:
    """The e-mail that answers a sign-up. The page after it reads the same either way; the
    e-mail says what to do next: confirm the new account, or, when the address has one
    here already, sign in or set a new password. An account at another organisation is
    another account, and changes nothing here."""
    portal_url = settings.KARCIS_BASE_URL + reverse(
        "portal:home", kwargs={"org": organisation.slug}
    )
    if accounts.account_find(email=email, organisation=organisation) is not None:
        context = {
            "organisation": organisation,
            "name": name,
            "signin_link": settings.KARCIS_BASE_URL
            + reverse("portal:signin", kwargs={"org": organisation.slug}),
            "reset_link": settings.KARCIS_BASE_URL
            + reverse("portal:password_reset", kwargs={"org": organisation.slug}),
            "portal_url": portal_url,
        }
        signup_link_send(
            organisation=organisation,
            email=email,
            name=name,
            subject=_("Your account at %(organisation)s") % {"organisation": organisation.name},
            text=render_to_string("portal/email/signup_exists.txt", context, request=request),
        )
        return
    token = signing.dumps({"o": organisation.pk, "e": email, "n": name}, salt=SIGNUP_SALT)
    link = request.build_absolute_uri(
        reverse("portal:signup_confirm", kwargs={"org": organisation.slug, "token": token})
    )
    context = {
        "organisation": organisation,
        "name": name,
        "link": link,
        "days": SIGNUP_LINK_MAX_AGE // (24 * 3600),
    }
    signup_link_send(
        organisation=organisation,
        email=email,
        name=name,
        subject=_("Confirm your account at %(organisation)s") % {"organisation": organisation.name},
        text=render_to_string("portal/email/signup_confirm.txt", context, request=request),
    )


@require_GET
@portal_view
def signup_sent(request, organisation: Organisation):
    pending = request.session.get(SIGNUP_SESSION_KEY) or {}
    return _render(request, organisation, "portal/signup_sent.html", {"email": pending.get("e")})


def _signup_claim(organisation, token: str) -> dict | None:
    try:
        claim = signing.loads(token, salt=SIGNUP_SALT, max_age=SIGNUP_LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(claim, dict) or claim.get("o") != organisation.pk:
        return None
    return claim


@require_http_methods(["GET", "POST"])
@portal_view
def signup_confirm(request, organisation: Organisation, token: str):
    claim = _signup_claim(organisation, token)
    if claim is None:
        return _render(
            request, organisation, "portal/signup_confirm.html", {"invalid": True}, status=404
        )
    pending = request.session.get(SIGNUP_SESSION_KEY) or {}
    password_waiting = pending.get("o") == organisation.pk and pending.get("e") == claim["e"]
    form = None if password_waiting else PasswordsForm(*_posted(request, files=False))
    context = {"email": claim["e"], "form": form}
    if request.method == "POST" and (form is None or form.is_valid()):
        password_hash = (
            pending["p"] if form is None else make_password(form.cleaned_data["password1"])
        )
        try:
            user = customer_signup_complete(
                organisation=organisation,
                email=claim["e"],
                name=claim["n"],
                password_hash=password_hash,
            )
        except ValidationError:
            # The address has an account already (this link was used, or it existed).
            return _render(
                request,
                organisation,
                "portal/signup_confirm.html",
                {**context, "exists": True},
                status=409,
            )
        request.session.pop(SIGNUP_SESSION_KEY, None)
        login(request, user)
        messages.success(request, _("Welcome! Your account is ready."))
        return redirect("portal:my_tickets", org=organisation.slug)
    status = 400 if request.method == "POST" else 200
    return _render(request, organisation, "portal/signup_confirm.html", context, status=status)


# --- sign-in and password reset ----------------------------------------------------------
# A customer account belongs to this organisation (decision 0015): the sign-in, and the
# reset link, find only this organisation's customers. Limits and the audit log are the
# staff sign-in's (core.forms, core.throttle).


def _next_url(request, organisation: Organisation) -> str:
    """Where to go after signing in: a page of this portal the visitor came from, else
    their tickets."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    home = reverse("portal:home", kwargs={"org": organisation.slug})
    if target.startswith(home) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("portal:my_tickets", kwargs={"org": organisation.slug})


@never_cache_view
@require_http_methods(["GET", "POST"])
@portal_view
def signin(request, organisation: Organisation):
    if customer_of(request, organisation):
        return redirect(_next_url(request, organisation))
    form = CustomerSignInForm(
        request, data=request.POST if request.method == "POST" else None, organisation=organisation
    )
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        login(request, user)
        response = redirect(_next_url(request, organisation))
        if user.language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                user.language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite="Lax",
            )
        return response
    status = 200
    if form.is_bound:
        status = 429 if form.throttled else 400
    return _render(
        request,
        organisation,
        "portal/signin.html",
        {"form": form, "next": request.POST.get("next") or request.GET.get("next") or ""},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@portal_view
def password_reset(request, organisation: Organisation):
    form, status = reset_form_handled(
        request,
        organisation=organisation,
        link=lambda uidb64, token: (
            settings.KARCIS_BASE_URL
            + reverse(
                "portal:password_reset_confirm",
                kwargs={"org": organisation.slug, "uidb64": uidb64, "token": token},
            )
        ),
    )
    if status == 302:
        return redirect("portal:password_reset_sent", org=organisation.slug)
    return _render(
        request, organisation, "portal/password_reset.html", {"form": form}, status=status
    )


@require_GET
@portal_view
def password_reset_sent(request, organisation: Organisation):
    return _render(
        request,
        organisation,
        "portal/password_reset_sent.html",
        {"hours": accounts.password_reset_hours()},
    )


@never_cache_view
@require_http_methods(["GET", "POST"])
@portal_view
def password_reset_confirm(request, organisation: Organisation, uidb64: str, token: str):
    user = accounts.password_reset_user(uidb64=uidb64, token=token, organisation=organisation)
    if user is None:
        return _render(
            request, organisation, "portal/password_reset_confirm.html", {"invalid": True}, 404
        )
    form = NewPasswordForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST" and form.is_valid():
        accounts.password_reset_complete(
            user=user, password=form.cleaned_data["password1"], client=throttle.client_of(request)
        )
        throttle.SIGNIN_ACCOUNT.clear(
            throttle.account_subject(email=user.email, organisation_id=organisation.pk)
        )
        messages.success(request, _("Your password has been changed. Sign in with it now."))
        return redirect("portal:signin", org=organisation.slug)
    return _render(
        request,
        organisation,
        "portal/password_reset_confirm.html",
        {"form": form, "email": user.email},
        status=400 if form.is_bound else 200,
    )
