"""Fairness and capacity under real concurrency, on PostgreSQL: many transactions at once,
each on its own connection, as the portal's and the API's requests are.

200 tickets arrive at once for a team of 8 agents who may each hold 20: 160 are given out
(20 each: nobody over capacity, round-robin counts within one of each other), 40 wait, and
every ticket is assigned once. Then the agents' own changes and the waiting-ticket passes
race each other, and the same holds.
"""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django_scopes import scope

from karcis.core import services as core_services
from karcis.core.content import body_from
from karcis.core.models import Event, Role
from karcis.desk import services as desk_services
from karcis.desk.models import Ticket
from karcis.routing import services

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"
)
pytestmark = [needs_postgresql, pytest.mark.django_db(transaction=True)]

AGENTS, CAPACITY, TICKETS, WORKERS = 8, 20, 200, 8


def _team_of_agents(org, admin_user, *, mode, status="online"):
    team = core_services.team_create(organisation=org, name="Layanan")
    agents = []
    for number in range(AGENTS):
        agent = core_services.staff_user_create(
            organisation=org,
            email=f"agen{number}@nusantara.test",
            name=f"Agen {number}",
            role=Role.AGENT,
            password="rahasia-123",
            teams=[team],
        )
        services.agent_settings_set(agent=agent, actor=admin_user, capacity=CAPACITY)
        if status == "online":
            services.agent_status_set(agent=agent, status="online", actor=agent)
        agents.append(agent)
    services.team_mode_set(team=team, mode=mode, actor=admin_user)
    return team, agents


def _in_threads(org, jobs):
    """Run each job in a pool of threads, each job in the organisation's scope, all
    released at once; every thread closes its own connection."""
    go = threading.Event()
    errors = []

    def run(job):
        try:
            go.wait(timeout=30)
            with scope(organisation=org.pk):
                job()
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = [pool.submit(run, job) for job in jobs]
        go.set()
        for future in futures:
            future.result()
    assert errors == []


def _check(org, team, agents, *, assigned):
    tickets = list(Ticket.objects.filter(team=team))
    counts = Counter(t.assignee_id for t in tickets if t.assignee_id is not None)
    assert len(tickets) == TICKETS
    assert sum(counts.values()) == assigned
    assert set(counts) <= {agent.pk for agent in agents}
    assert max(counts.values()) <= CAPACITY
    assert max(counts.values()) - min(counts.get(a.pk, 0) for a in agents) <= 1
    # Every ticket was assigned at most once, and only those that hold an agent.
    assignments = Counter(
        Event.objects.filter(
            type="desk.ticket.assigned", object_id__in=[t.pk for t in tickets]
        ).values_list("object_id", flat=True)
    )
    assert all(n == 1 for n in assignments.values())
    assert set(assignments) == {t.pk for t in tickets if t.assignee_id is not None}
    return counts


@pytest.mark.parametrize("mode", ["round_robin", "least_open"])
def test_200_tickets_at_once_for_8_agents_of_capacity_20(org, admin_user, mode):
    team, agents = _team_of_agents(org, admin_user, mode=mode)
    requester = core_services.contact_resolve(
        organisation=org, name="Pelapor", email="pelapor@example.com"
    )

    def create(index):
        def job():
            ticket = desk_services.ticket_create(
                organisation=org,
                requester=requester,
                subject=f"Permintaan {index}",
                body=body_from(text="Mohon dibantu."),
                channel="web",
                team=team,
            )
            # What the creator is answered already shows the outcome.
            assert ticket.assignee_id is not None or ticket.status == "new"

        return job

    _in_threads(org, [create(i) for i in range(TICKETS)])

    counts = _check(org, team, agents, assigned=AGENTS * CAPACITY)
    assert set(counts.values()) == {CAPACITY}
    waiting = Ticket.objects.filter(team=team, assignee__isnull=True)
    assert waiting.count() == TICKETS - AGENTS * CAPACITY
    assert set(waiting.values_list("status", flat=True)) == {"new"}


@pytest.mark.parametrize("mode", ["round_robin", "least_open"])
def test_agents_coming_online_while_passes_run_share_the_waiting_tickets(org, admin_user, mode):
    # Given 200 tickets waiting for a team whose 8 agents are all off
    team, agents = _team_of_agents(org, admin_user, mode=mode, status="off")
    requester = core_services.contact_resolve(
        organisation=org, name="Pelapor", email="pelapor@example.com"
    )
    for index in range(TICKETS):
        desk_services.ticket_create(
            organisation=org,
            requester=requester,
            subject=f"Permintaan {index}",
            body=body_from(text="Mohon dibantu."),
            channel="web",
            team=team,
        )
    assert not Ticket.objects.filter(assignee__isnull=False).exists()

    # When each agent comes online while waiting-ticket passes run at the same moment
    def online(agent):
        return lambda: services.agent_status_set(agent=agent, status="online", actor=agent)

    def sweep():
        services.waiting_tickets_assign(organisation=org)

    jobs = [online(agent) for agent in agents] + [sweep] * 4
    _in_threads(org, jobs)
    # (a last pass, as the periodic job makes: whatever a pass skipped while locked)
    services.waiting_tickets_assign(organisation=org)

    # Then nobody is over capacity, each ticket went out once, and the rest wait
    counts = _check(org, team, agents, assigned=AGENTS * CAPACITY)
    assert set(counts.values()) == {CAPACITY}
