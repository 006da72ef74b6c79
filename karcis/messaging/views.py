"""Screens of the e-mail channel: Settings → E-mail (mailboxes) and Settings → Incoming mail
(every message as it arrived, with what became of it), for organisation admins; and the
original of an e-mail on a ticket, for the staff who may see that ticket.

Every query names the user's organisation: another organisation's mailbox or message is a
404, whatever its id. The raw mail is never rendered as HTML: its headers are shown as text
and the original is only ever downloaded.
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from karcis.core.permissions import user_can
from karcis.core.text import one_line
from karcis.desk.selectors import tickets_visible_to
from karcis.messaging import services
from karcis.messaging.email.parse import decode_words, read_headers
from karcis.messaging.forms import InboundFilterForm, MailboxForm
from karcis.messaging.models import InboundAction, InboundEmail, InboundState, Mailbox
from karcis.messaging.permissions import EMAIL_ORIGINAL, SETTINGS_MANAGE
from karcis.workspace.guards import StaffRequest, capability_required
from karcis.workspace.pages import form_page
from karcis.workspace.pages import settings_page as page

INBOUND_PER_PAGE = 25
# The headers an admin needs to tell what a message is and how it threads.
SHOWN_HEADERS = ("From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To", "References")
# How much of the source the detail page shows as text (the download has all of it).
SOURCE_PREVIEW_BYTES = 20_000


# A settings screen of the e-mail channel (times in the organisation's time zone).
admin_page = capability_required(SETTINGS_MANAGE, settings_page=True)


# --- mailboxes ----------------------------------------------------------------------------


def _mailboxes_of(request: StaffRequest):
    return Mailbox.objects.filter(organisation_id=request.user.organisation_id)


@admin_page
@require_http_methods(["GET", "HEAD"])
def mailboxes(request: StaffRequest) -> HttpResponse:
    rows = list(_mailboxes_of(request).defer("imap_password").order_by("address"))
    context = {"mailboxes": rows, "active_addresses": [m.address for m in rows if m.is_active]}
    return page(request, "messaging/settings/mailboxes.html", context, active="email")


@admin_page
@require_http_methods(["GET", "HEAD", "POST"])
def mailbox_create(request: StaffRequest) -> HttpResponse:
    form = MailboxForm(request.POST or None)

    def save(data) -> str:
        fields = form.mailbox_fields()
        mailbox = services.mailbox_create(
            organisation=request.user.organisation,
            actor=request.user,
            address=fields.pop("address"),
            **fields,
        )
        return _("Mailbox %(address)s has been created.") % {"address": mailbox.address}

    return form_page(
        request,
        form,
        template="messaging/settings/mailbox_form.html",
        context={"form": form, "mailbox": None},
        active="email",
        save=save,
        done="messaging:mailboxes",
    )


@admin_page
@require_http_methods(["GET", "HEAD", "POST"])
def mailbox_edit(request: StaffRequest, pk: int) -> HttpResponse:
    mailbox = get_object_or_404(_mailboxes_of(request), pk=pk)
    form = MailboxForm(request.POST or None, mailbox=mailbox)
    address = mailbox.address

    def save(data) -> str:
        services.mailbox_update(mailbox=mailbox, actor=request.user, **form.mailbox_fields())
        return _("Mailbox %(address)s has been saved.") % {"address": mailbox.address}

    return form_page(
        request,
        form,
        template="messaging/settings/mailbox_form.html",
        # The heading names the mailbox as stored, not as half-edited by a refused change.
        context={"form": form, "mailbox": mailbox, "stored_address": address},
        active="email",
        save=save,
        done="messaging:mailboxes",
    )


# --- incoming mail ------------------------------------------------------------------------


def _inbound_of(request: StaffRequest, pk: int) -> InboundEmail:
    queryset = InboundEmail.objects.filter(organisation_id=request.user.organisation_id)
    return get_object_or_404(queryset.select_related("mailbox", "ticket"), pk=pk)


def _state_counts(organisation_id: int) -> dict[str, int]:
    """How many messages there are in each state, and in all, in one query."""
    per_state = {state: Count("pk", filter=Q(state=state)) for state in InboundState.values}
    return InboundEmail.objects.filter(organisation_id=organisation_id).aggregate(
        all=Count("pk"), **per_state
    )


@admin_page
@require_http_methods(["GET", "HEAD"])
def inbound_list(request: StaffRequest) -> HttpResponse:
    """Every message received, newest first, by state; a fixed number of queries per page."""
    organisation_id = request.user.organisation_id
    state = InboundFilterForm(request.GET).state_or_all()
    counts = _state_counts(organisation_id)
    rows = (
        InboundEmail.objects.filter(organisation_id=organisation_id)
        .select_related("mailbox", "ticket")
        # The raw bytes stay in the database: the list shows only what was parsed out of them.
        .only(
            "received_at",
            "from_address",
            "subject",
            "state",
            "action",
            "reason",
            "keep",
            "raw_purged_at",
            "mailbox__address",
            "ticket__number",
        )
        .order_by("-received_at", "-id")
    )
    if state:
        rows = rows.filter(state=state)
    paginator = Paginator(rows, INBOUND_PER_PAGE)
    paginator.count = counts[state or "all"]  # known already: spares the COUNT query
    current = paginator.get_page(request.GET.get("page"))
    current.elided_range = list(  # type: ignore[attr-defined]  # for the template
        paginator.get_elided_page_range(current.number, on_each_side=2, on_ends=1)
    )
    filters = [
        {"value": "", "label": _("All"), "count": counts["all"]},
        *(
            {"value": value, "label": label, "count": counts[value]}
            for value, label in InboundState.choices
        ),
    ]
    context = {"page": current, "state": state, "filters": filters}
    return page(request, "messaging/settings/inbound_list.html", context, active="incoming-mail")


def mail_headers(raw: bytes) -> list[tuple[str, str]]:
    """The headers of SHOWN_HEADERS as (name, text) pairs, for any bytes at all (read by the
    parser's lenient header reader: encoded words decoded, 8-bit bytes made text)."""
    found = read_headers(raw, [])
    return [
        (
            name,
            ", ".join(
                one_line(decode_words(value), 2000) for key, value in found if key == name.lower()
            ),
        )
        for name in SHOWN_HEADERS
    ]


def _source_preview(raw: bytes) -> tuple[str, bool]:
    text = raw[:SOURCE_PREVIEW_BYTES].decode("utf-8", "replace")
    return text, len(raw) > SOURCE_PREVIEW_BYTES


@admin_page
@require_http_methods(["GET", "HEAD"])
def inbound_detail(request: StaffRequest, pk: int) -> HttpResponse:
    inbound = _inbound_of(request, pk)
    raw = bytes(inbound.raw)
    source, truncated = _source_preview(raw)
    purged = inbound.raw_purged_at is not None
    context = {
        "inbound": inbound,
        "purged": purged,
        "headers": [] if purged else mail_headers(raw),
        "source": source,
        "source_truncated": truncated,
        "can_rerun": not purged and inbound.state in (InboundState.REJECTED, InboundState.FAILED),
        "retention_days": settings.KARCIS_MAIL_RAW_RETENTION_DAYS,
    }
    return page(request, "messaging/settings/inbound_detail.html", context, active="incoming-mail")


def _outcome_report(request: StaffRequest, inbound: InboundEmail) -> None:
    if inbound.state == InboundState.PROCESSED:
        text = _("Processed again: %(action)s.") % {"action": inbound.get_action_display()}
        if inbound.action != InboundAction.BOUNCE and inbound.ticket is not None:
            text = _("Processed again: %(action)s (%(number)s).") % {
                "action": inbound.get_action_display(),
                "number": inbound.ticket.number,
            }
        messages.success(request, text)
    elif inbound.state == InboundState.REJECTED:
        messages.warning(request, _("Rejected again: %(reason)s") % {"reason": inbound.reason})
    else:
        messages.error(request, _("Failed again: %(reason)s") % {"reason": inbound.reason})


@admin_page
@require_POST
def inbound_rerun(request: StaffRequest, pk: int) -> HttpResponse:
    """Process a rejected or failed message again and say how it went this time."""
    inbound = _inbound_of(request, pk)
    try:
        result = services.inbound_rerun(inbound=inbound, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        _outcome_report(request, result)
    return redirect("messaging:inbound_detail", pk=inbound.pk)


@admin_page
@require_POST
def inbound_keep(request: StaffRequest, pk: int) -> HttpResponse:
    """Keep this message's original past the retention period, or let it go again."""
    inbound = _inbound_of(request, pk)
    keep = request.POST.get("keep") == "1"
    try:
        services.inbound_keep_set(inbound=inbound, actor=request.user, keep=keep)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The original will be kept.")
            if keep
            else _("The original will be purged with the rest after the retention period."),
        )
    return redirect("messaging:inbound_detail", pk=inbound.pk)


def _eml_response(inbound: InboundEmail, *, name: str) -> HttpResponse:
    """The message byte for byte, as a file to save: never shown by the browser."""
    if inbound.raw_purged_at is not None:
        # Nothing to give: the retention job dropped the bytes (the detail page says when).
        raise Http404("The original was purged")
    response = HttpResponse(bytes(inbound.raw), content_type="message/rfc822")
    response["Content-Disposition"] = content_disposition_header(True, f"{name}.eml")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def _eml_name(inbound: InboundEmail) -> str:
    if inbound.ticket is not None:
        return f"{inbound.ticket.number}-email-{inbound.pk}"
    return f"email-{inbound.pk}"


@admin_page
@require_GET
def inbound_download(request: StaffRequest, pk: int) -> HttpResponse:
    inbound = _inbound_of(request, pk)
    return _eml_response(inbound, name=_eml_name(inbound))


# --- originals on the ticket page -----------------------------------------------------------


def hidden_without(capability: str):  # type: ignore[no-untyped-def]
    """Staff who hold the capability; for everybody else (customers too) the page does not
    exist (404), so nothing about it can be learnt. Visitors sign in first."""

    def decorate(view):  # type: ignore[no-untyped-def]
        @wraps(view)
        def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user.is_staff_member or not user_can(user, capability):
                raise Http404("Not found")
            return view(request, *args, **kwargs)

        guarded.capabilities = (capability,)  # type: ignore[attr-defined]
        return guarded

    return decorate


@hidden_without(EMAIL_ORIGINAL)
@require_GET
def message_original(request: StaffRequest, message_pk: int) -> HttpResponse:
    """The original e-mail of a message on a ticket, for staff who may see the ticket.

    Customers never get it (it holds every recipient and header, and files we refused):
    for them, as for a ticket out of reach, it does not exist.
    """
    user = request.user
    inbound = (
        InboundEmail.objects.filter(
            organisation_id=user.organisation_id,
            desk_message_id=message_pk,
            desk_message__ticket__in=tickets_visible_to(user=user),
        )
        .select_related("ticket")
        .order_by("id")
        .first()
    )
    if inbound is None:
        raise Http404("No such message")
    return _eml_response(inbound, name=_eml_name(inbound))
