"""The requester's addresses on the ticket page: which are verified, and the actions that
verify one (decision 0016). Staff who may change contacts send a code to an address, enter
the code the person reads back to them, or confirm a phone number after calling it."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from karcis.core.models import ContactIdentity
from karcis.core.permissions import CONTACTS_MANAGE
from karcis.core.services import (
    identity_code_check,
    identity_code_send,
    identity_code_senders,
    identity_mark_verified,
)
from karcis.desk.models import Ticket
from karcis.desk.selectors import ticket_get_for_user
from karcis.workspace.guards import StaffRequest, capability_required


def requester_identities(ticket: Ticket) -> list[ContactIdentity]:
    """The requester's addresses (prefetched with the ticket), e-mail first, each with
    `code_sendable`: whether a channel can deliver a code to it."""
    identities = sorted(ticket.requester.identities.all(), key=lambda i: (i.kind != "email", i.pk))
    for identity in identities:
        identity.code_sendable = bool(identity_code_senders(identity.kind))  # type: ignore[attr-defined]
    return identities


@capability_required(CONTACTS_MANAGE)
@require_POST
def requester_identity(request: StaffRequest, number: str, pk: int, action: str) -> HttpResponse:
    """One verification action on an address of the ticket's requester, then back to the
    ticket with what happened."""
    ticket = ticket_get_for_user(user=request.user, number=number)
    identity = (
        ContactIdentity.objects.select_related("contact__organisation")
        .filter(pk=pk, contact_id=ticket.requester_id)
        .first()
    )
    if identity is None:
        raise Http404("No such address of this requester")
    try:
        if action == "confirm":
            identity_mark_verified(identity=identity, actor=request.user)
            messages.success(
                request, _("%(address)s is marked verified.") % {"address": identity.value}
            )
        elif action == "send-code":
            identity_code_send(identity=identity, actor=request.user)
            messages.success(
                request,
                _("A code is on its way to %(address)s. Ask the person to read it back to you.")
                % {"address": identity.value},
            )
        elif action == "check-code":
            identity_code_check(
                identity=identity, code=request.POST.get("code", ""), actor=request.user
            )
            messages.success(request, _("%(address)s is verified.") % {"address": identity.value})
        else:
            raise Http404("No such action")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(reverse("desk:ticket", kwargs={"number": ticket.number}) + "#requester-title")
