"""The staff's queue pages in the workspace: the overview at /queue/ (every service point's
counters and lines) and a counter's console at /queue/counters/<id>/.

The console's buttons post to /queue/counters/<id>/<action>/; htmx gets the console back as a
fragment (a refusal as a 409 with its message), a browser without JavaScript a redirect to
the console with the message. The console hears of its service point's changes over a
websocket (console_consumers.py) and re-fetches its lines, and polls every 20 s besides.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from karcis.core.permissions import user_can
from karcis.queueing import permissions, selectors, services
from karcis.queueing.models import Counter, QueueStatus, QueueTicket, Service, ServicePoint
from karcis.workspace.guards import StaffRequest, capability_required, forbidden

get_head = require_http_methods(["GET", "HEAD"])
queue_staff_required = capability_required(
    permissions.OPERATE, permissions.MANAGE, permissions.ANALYTICS
)
operate_required = capability_required(permissions.OPERATE)


# --- links to the public pages ---------------------------------------------------------------

# The public pages' URL names (karcis/queueing/urls.py) and what each needs besides the
# organisation's and the point's short names.
PUBLIC_PAGES = (
    ("booking", "queueing:point", False),
    ("board", "queueing:board", False),
    ("kiosk", "queueing:kiosk", True),
)


def public_links(request: HttpRequest, point: ServicePoint, *, kiosk: bool) -> dict[str, str]:
    """The point's public pages as full addresses: booking, the board and, for managers
    only, the kiosk (its address carries the key that lets it take walk-in numbers). A page
    that is not routed leaves no link rather than a broken one."""
    links = {}
    for key, url_name, keyed in PUBLIC_PAGES:
        if keyed and not kiosk:
            continue
        kwargs = {"org": point.organisation.slug, "point": point.slug}
        if keyed:
            kwargs["key"] = point.kiosk_key
        try:
            links[key] = request.build_absolute_uri(reverse(url_name, kwargs=kwargs))
        except NoReverseMatch:
            continue
    return links


# --- the overview ------------------------------------------------------------------------------


@queue_staff_required
@get_head
def overview(request: StaffRequest) -> HttpResponse:
    """Every active service point: its counters (open or closed, who is signed in, whom they
    serve), how many wait per service, and the ways to the consoles and public pages."""
    user = request.user
    manager = user_can(user, permissions.MANAGE)
    points = selectors.queue_overview(user)
    for entry in points:
        entry["links"] = public_links(request, entry["point"], kiosk=manager)
    may_operate = user_can(user, permissions.OPERATE)
    context = {
        "section": "queue",
        "active_view": "queue-overview",
        "points": points,
        "may_operate": may_operate,
        "may_manage": manager,
        "may_read_analytics": user_can(user, permissions.ANALYTICS),
        "nav_counters": [
            row["counter"] for entry in points for row in entry["counters"] if may_operate
        ],
    }
    return render(request, "queueing/staff/overview.html", context)


# --- the console -------------------------------------------------------------------------------


def _masked_phone(phone: str) -> str:
    """A phone number for the counter's screen: its last four digits (+62 ••• 7890)."""
    digits = [c for c in phone if c.isdigit()]
    if len(digits) <= 4:
        return "•" * len(digits)
    return "••• " + "".join(digits[-4:])


def _seconds(start: Any, end: Any) -> int | None:
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds()))


def _current_of(ticket: QueueTicket | None, now: Any) -> dict[str, Any] | None:
    """What the console says of the person at the counter: how long they waited before
    the call, since when they have been called or served."""
    if ticket is None:
        return None
    since = ticket.queued_at or ticket.arrived_at or ticket.created_at
    return {
        "ticket": ticket,
        "called": ticket.status == QueueStatus.CALLED,
        "serving": ticket.status == QueueStatus.SERVING,
        "waited": _seconds(since, ticket.called_at),
        "since_call": _seconds(ticket.called_at, now),
        "served": _seconds(ticket.started_at, now) if ticket.started_at else None,
        "phone": _masked_phone(ticket.phone) if ticket.phone else "",
    }


def _console_context(request: StaffRequest, counter: Counter) -> dict[str, Any]:
    now = timezone.now()
    state = selectors.console_state(counter, now)
    counter = state["counter"]
    mine = counter.is_open and counter.staff_id == request.user.pk
    return {
        **state,
        "section": "queue",
        "active_view": f"queue-counter-{counter.pk}",
        "current": _current_of(state["current"], now),
        "waiting": sum(len(line["tickets"]) for line in state["lines"]),
        "mine": mine,
        "socket_url": f"/ws/queue/counters/{counter.pk}/",
        "nav_counters": sorted(
            [counter, *state["other_counters"]], key=lambda item: (item.code, item.pk)
        ),
        "may_manage": user_can(request.user, permissions.MANAGE),
        "may_read_analytics": user_can(request.user, permissions.ANALYTICS),
    }


@operate_required
@get_head
def console(request: StaffRequest, pk: int) -> HttpResponse:
    counter = selectors.counter_get_for_user(user=request.user, pk=pk)
    return render(request, "queueing/staff/console.html", _console_context(request, counter))


@operate_required
@get_head
def console_lines(request: StaffRequest, pk: int) -> HttpResponse:
    """The waiting lines alone: what the console re-fetches when its point's lines change."""
    counter = selectors.counter_get_for_user(user=request.user, pk=pk)
    return render(request, "queueing/staff/partials/lines.html", _console_context(request, counter))


# --- the console's actions ---------------------------------------------------------------------

Action = Callable[[StaffRequest, Counter], str]


def _number_or_nobody(ticket: QueueTicket | None, called: str, nobody: str) -> str:
    return called % {"number": ticket.number} if ticket is not None else nobody


def _open(request: StaffRequest, counter: Counter) -> str:
    services.counter_open(counter=counter, actor=request.user)
    return _("You are signed in at %(counter)s.") % {"counter": counter.name}


def _close(request: StaffRequest, counter: Counter) -> str:
    services.counter_close(counter=counter, actor=request.user)
    return _("You have signed out of %(counter)s.") % {"counter": counter.name}


def _seen(request: StaffRequest) -> int | None:
    """The ticket the console showed when the button was pressed (0: nobody); None when the
    form did not say (an API-like client): then no check is made."""
    value = request.POST.get("seen", "")
    return int(value) if value.isdigit() else None


def _call_next(request: StaffRequest, counter: Counter) -> str:
    ticket = services.counter_call_next(counter=counter, actor=request.user, seen=_seen(request))
    return _number_or_nobody(
        ticket, _("%(number)s is called."), _("Nobody is waiting for this counter.")
    )


def _recall(request: StaffRequest, counter: Counter) -> str:
    ticket = services.counter_recall(counter=counter, actor=request.user)
    return _("%(number)s is called again.") % {"number": ticket.number}


def _no_show(request: StaffRequest, counter: Counter) -> str:
    ticket = services.counter_no_show(counter=counter, actor=request.user)
    return _("%(number)s did not come: marked as a no-show.") % {"number": ticket.number}


def _start(request: StaffRequest, counter: Counter) -> str:
    ticket = services.counter_start(counter=counter, actor=request.user)
    return _("Serving %(number)s.") % {"number": ticket.number}


def _finish(request: StaffRequest, counter: Counter) -> str:
    ticket = services.counter_finish(counter=counter, actor=request.user)
    return _("%(number)s is done.") % {"number": ticket.number}


def _park(request: StaffRequest, counter: Counter) -> str:
    ticket = services.counter_park(counter=counter, actor=request.user)
    return _("%(number)s is parked; resume it when they are back.") % {"number": ticket.number}


def _chosen(model: type[Service] | type[Counter], counter: Counter, value: str) -> Any:
    """A service or counter of the counter's own service point, by the id a form sent."""
    if not value.isdigit():
        return None
    return model.objects.filter(point_id=counter.point_id, is_active=True, pk=int(value)).first()


def _transfer(request: StaffRequest, counter: Counter) -> str:
    service = _chosen(Service, counter, request.POST.get("service", ""))
    if service is None:
        raise ValidationError({"service": _("Choose the service to send the person to.")})
    to_counter = None
    if request.POST.get("to_counter"):
        to_counter = _chosen(Counter, counter, request.POST["to_counter"])
        if to_counter is None:
            raise ValidationError({"counter": _("Choose a counter of this service point.")})
    moved = services.counter_transfer(
        counter=counter, actor=request.user, service=service, to_counter=to_counter
    )
    if to_counter is not None:
        return _("Sent to %(service)s at %(counter)s as %(number)s.") % {
            "service": service.name,
            "counter": to_counter.name,
            "number": moved.number,
        }
    return _("Sent to %(service)s as %(number)s.") % {
        "service": service.name,
        "number": moved.number,
    }


def _resume(request: StaffRequest, counter: Counter) -> str:
    value = request.POST.get("ticket", "")
    if not value.isdigit():
        raise services.CounterRefused(_("Choose a parked number to resume."), code="state")
    ticket = selectors.ticket_get_for_user(user=request.user, pk=int(value))
    resumed = services.counter_resume(counter=counter, actor=request.user, ticket=ticket)
    return _("Serving %(number)s again.") % {"number": resumed.number}


ACTIONS: dict[str, Action] = {
    "open": _open,
    "close": _close,
    "call-next": _call_next,
    "recall": _recall,
    "no-show": _no_show,
    "start": _start,
    "finish": _finish,
    "park": _park,
    "transfer": _transfer,
    "resume": _resume,
}


def _answer(
    request: StaffRequest, counter: Counter, message: str, *, ok: bool, status: int = 200
) -> HttpResponse:
    """htmx: the refreshed console with the message (a refusal keeps its 4xx status, the
    page's script swaps it in all the same); otherwise back to the console page."""
    if request.htmx:
        counter = selectors.counter_get_for_user(user=request.user, pk=counter.pk)  # as it is now
        context = {**_console_context(request, counter), "notice": message, "notice_ok": ok}
        return render(request, "queueing/staff/partials/console.html", context, status=status)
    (messages.success if ok else messages.error)(request, message)
    return redirect("queueing:counter_console", pk=counter.pk)


@operate_required
@require_POST
def counter_action(request: StaffRequest, pk: int, action: str) -> HttpResponseBase:
    run = ACTIONS.get(action)
    if run is None:
        raise Http404
    counter = selectors.counter_get_for_user(user=request.user, pk=pk)
    try:
        message = run(request, counter)
    except services.CounterRefused as refused:
        return _answer(request, counter, refused.message, ok=False, status=409)
    except ValidationError as error:
        if getattr(error, "code", None) == "permission":
            return forbidden(request)
        return _answer(request, counter, " ".join(error.messages), ok=False, status=400)
    return _answer(request, counter, message, ok=True)
