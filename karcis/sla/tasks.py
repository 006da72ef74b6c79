"""Background jobs of the SLA: the scan that announces warnings and breaches, and the
recomputation of open tickets after a policy or a calendar changed."""

from celery import shared_task

from karcis.core.tenancy import for_each_organisation
from karcis.sla import services


@shared_task(ignore_result=True)
def clocks_due_announce_task() -> int:
    """Announce the warnings and breaches whose moment has come (every SCAN_SECONDS)."""
    return services.clocks_due_announce()


@shared_task(ignore_result=True)
def tickets_recompute_task(organisation_id: int) -> int:
    """Recompute the clocks of the organisation's open tickets (none if it is gone)."""
    done = for_each_organisation(
        lambda organisation: services.tickets_recompute(organisation=organisation),
        only=[organisation_id],
    )
    return sum(done.values())
