"""Background jobs of the messaging app: each takes ids, calls one service, and is safe to run
twice. Their schedule is declared in MessagingConfig.ready() (core.schedule).

A job about one e-mail runs in its organisation's scope (core.tenancy.in_organisation);
the sweeps visit each organisation with work waiting, in its scope.
"""

from celery import shared_task

from karcis.core.tenancy import in_organisation
from karcis.messaging import outbound


@shared_task(ignore_result=True)
@in_organisation
def delivery_send_task(organisation_id: int, delivery_id: int) -> str:
    """Send one queued e-mail; a temporary failure is rescheduled by the service itself (its
    backoff is stored on the row), so Celery never retries it on top."""
    delivery = outbound.delivery_send(delivery_id=delivery_id)
    return delivery.state if delivery is not None else ""


@shared_task(ignore_result=True)
def deliveries_send_due_task() -> int:
    return outbound.deliveries_send_due()


@shared_task(ignore_result=True)
def mailboxes_poll_task() -> int:
    """Fetch new mail from every IMAP mailbox; returns how many messages were new. A
    mailbox's problems are kept on the mailbox (last_error) for its admins."""
    # Imported when run: the IMAP client is only needed by the job that polls.
    from karcis.messaging import imap

    results = imap.mailboxes_poll()
    return sum(result.stored for result in results.values())


@shared_task(ignore_result=True)
def inbound_pending_process_task() -> int:
    from karcis.messaging import services

    return services.inbound_pending_process()
