"""How routing follows the desk (registered from RoutingConfig.ready()).

* A new ticket is routed **inside the transaction that creates it** (an in-transaction
  subscriber of desk.ticket.created): the answer to whoever created it (the API's 201, the
  portal's page) already shows its team and agent, and a ticket is never seen unrouted.
* Capacity that frees up (an agent's ticket solved, closed or given to someone else) and
  tickets that come to a team without an agent (moved there, or unassigned) are followed
  **after the commit** by a durable consumer, which gives the team's waiting tickets out:
  the agent's own change never waits for routing's locks.
* A periodic job gives waiting tickets out every minute, for working hours that begin.

Decision 0024 says why.
"""

from typing import Any

from karcis.core import eventlog, schedule
from karcis.core.models import Event, Team
from karcis.desk import events as desk_events
from karcis.desk import selectors as desk_selectors

FINISHED = ("solved", "closed")


def _ticket_created(event: Event) -> None:
    from karcis.routing import services

    ticket: Any = event.instance
    if ticket is None:
        ticket = desk_selectors.ticket_get(ticket_id=event.object_id)
        if ticket is None:
            return
    services.ticket_route(ticket=ticket, origin=event.payload.get("origin"))


def _teams_of(user_id: int | None) -> set[int]:
    if user_id is None:
        return set()
    # One query, and none of the user's teams when the user is gone.
    return set(Team.objects.filter(members__pk=user_id).values_list("pk", flat=True))


def _capacity_changed(event: Event) -> None:
    """A durable consumer: give out the waiting tickets of the teams where room appeared."""
    from karcis.routing import services

    payload = event.payload or {}
    by = payload.get("by") or {}
    if by.get("app") == "routing":
        return  # routing's own assignments free nothing
    team_ids: set[int] = set()
    if event.type == desk_events.STATUS_CHANGED.name:
        if payload.get("to") not in FINISHED:
            return
        ticket = desk_selectors.ticket_get(ticket_id=event.object_id)
        if ticket is None or ticket.assignee_id is None:
            return
        team_ids = _teams_of(ticket.assignee_id)
    elif event.type == desk_events.ASSIGNED.name:
        team_ids = _teams_of(payload.get("from"))
        if payload.get("to") is None:
            ticket = desk_selectors.ticket_get(ticket_id=event.object_id)
            if ticket is not None and ticket.team_id is not None:
                team_ids.add(ticket.team_id)
    elif event.type == desk_events.TEAM_CHANGED.name and payload.get("to") is not None:
        team_ids = {payload["to"]}
    if team_ids:
        services.waiting_tickets_assign(organisation=event.organisation, team_ids=team_ids)


def register() -> None:
    eventlog.subscribe(desk_events.TICKET_CREATED, _ticket_created)
    eventlog.consumer(
        "routing.capacity",
        types=[desk_events.STATUS_CHANGED, desk_events.ASSIGNED, desk_events.TEAM_CHANGED],
        handle=_capacity_changed,
    )
    schedule.every(
        "routing-assign-waiting",
        "karcis.routing.tasks.waiting_tickets_assign_task",
        seconds=60,
    )
