"""Routing's background job: giving waiting tickets out (declared in RoutingConfig.ready())."""

from celery import shared_task

from karcis.routing import services


@shared_task(ignore_result=True)
def waiting_tickets_assign_task() -> int:
    """Every organisation's waiting tickets, to whoever can take them now (working hours
    began; a change the event consumer has not handled yet)."""
    return services.waiting_tickets_assign_everywhere()
