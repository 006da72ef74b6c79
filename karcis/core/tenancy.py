"""Tenancy outside requests: every background job works inside one organisation's scope.

A request gets its organisation's scope from the middleware (or the portal's view); a job
has no request, so it says which organisation it works for:

* a task about one organisation's rows takes `organisation_id` first and is decorated with
  `in_organisation` (its body runs in that scope);
* a sweep over all organisations uses `for_each_organisation`, which runs the job once per
  organisation, each inside its own scope.

A query that forgets its organisation then fails loudly (django-scopes), as in a request.
`scopes_disabled()` remains only where a job truly looks across organisations (finding
which organisation an incoming e-mail is for, purging expired rows of all of them); each
such place is listed in SCOPES_DISABLED_ALLOWLIST with its reason, and a test checks the
code against the list.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django_scopes import scope, scopes_disabled

from karcis.core.models import Organisation

logger = logging.getLogger(__name__)

T = TypeVar("T")

# "module.function": why it looks across organisations.
SCOPES_DISABLED_ALLOWLIST: dict[str, str] = {
    "karcis.core.tenancy.organisation_ids_where": (
        "finds which organisations have work waiting, before visiting each in its scope"
    ),
    "karcis.core.tenancy.for_each_organisation": "lists the organisations to visit",
    "karcis.core.middleware.OrganisationScopeMiddleware.__call__": (
        "a platform operator (superuser, no organisation) uses the Django admin"
    ),
    "karcis.messaging.selectors.mailbox_for_recipient": (
        "an incoming e-mail belongs to no organisation until its recipient says which"
    ),
    "karcis.messaging.services.inbound_waiting_process": (
        "the mail server's workers claim waiting e-mail of every organisation in one "
        "statement; each message is then processed in its own organisation's scope"
    ),
    "karcis.messaging.services._mailbox_check": (
        "mailbox addresses are unique across organisations"
    ),
    "karcis.api.services.idempotency_keys_purge": (
        "deletes expired idempotency records of every organisation in one statement"
    ),
    "karcis.core.eventlog._whole_log": (
        "the log is read across organisations; each event is then handed to its consumer "
        "in its own organisation's scope"
    ),
    "karcis.core.apps._event_cursors_prepare": (
        "after migrating: whether any organisation has a history yet"
    ),
    "karcis.sla.services.clocks_due_announce": (
        "the SLA scan finds the clocks due in every organisation with one indexed statement; "
        "each batch is then announced in its own organisation's scope"
    ),
    "karcis.queueing.selectors.ticket_by_token": (
        "a queue ticket's status page is reached by its token alone (the QR code on the "
        "ticket), which names the organisation; unguessable, unique across organisations"
    ),
    "karcis.queueing.board_views.call_audio": (
        "a call's spoken announcement is found by the ticket's id; it says only the number "
        "and the counter, which every board shows"
    ),
    "karcis.queueing.board_consumers.snapshot_of": (
        "a board's socket names its service point by id; the point names the organisation, "
        "whose scope the board's state is then read in"
    ),
}


def in_organisation(task: Callable[..., T]) -> Callable[..., T]:
    """Run a job's body inside the scope of the organisation it is given first
    (`organisation_id`); a job for an organisation that no longer exists does nothing."""

    @functools.wraps(task)
    def scoped(organisation_id: int, *args: Any, **kwargs: Any) -> T | None:
        if not Organisation.objects.filter(pk=organisation_id).exists():
            logger.warning("%s: organisation %s is gone", task.__name__, organisation_id)
            return None
        with scope(organisation=organisation_id):
            return task(organisation_id, *args, **kwargs)

    return scoped  # type: ignore[return-value]


def organisation_ids_where(queryset_of: Callable[[], Iterable[int]]) -> list[int]:
    """The ids of the organisations a cross-organisation query names, e.g. those with mail
    due to be sent: `queryset_of()` returns organisation ids, and runs unscoped."""
    with scopes_disabled():
        return sorted(set(queryset_of()))


def for_each_organisation(
    job: Callable[[Organisation], T],
    *,
    only: Iterable[int] | None = None,
    stop_when: Callable[[T], bool] | None = None,
) -> dict[int, T]:
    """Run `job(organisation)` for every organisation (or those in `only`), each inside its
    own scope; returns the results by organisation id.

    One organisation's failure is logged and does not stop the others. `stop_when(result)`
    ends the sweep early (e.g. the mail server is down: the others would wait out the same
    timeout).
    """
    with scopes_disabled():
        organisations = Organisation.objects.order_by("pk")
        if only is not None:
            organisations = organisations.filter(pk__in=list(only))
        targets = list(organisations)
    results: dict[int, T] = {}
    for organisation in targets:
        try:
            with scope(organisation=organisation.pk):
                result = job(organisation)
        except Exception:
            logger.exception("%s failed for organisation %s", _name(job), organisation.pk)
            continue
        results[organisation.pk] = result
        if stop_when is not None and stop_when(result):
            break
    return results


def _name(job: Callable[..., Any]) -> str:
    return getattr(job, "__qualname__", repr(job))
