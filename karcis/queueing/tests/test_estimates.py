"""The wait estimate as the status page and the API read it: from the service's own history,
the counters serving it now and the people ahead."""

from datetime import timedelta

import pytest

from karcis.queueing import services
from karcis.queueing.selectors import status_of

from .conftest import monday

pytestmark = pytest.mark.django_db


def serve_history(counter, agent, service, *, minutes: int, people: int, start) -> None:
    """`people` served one after another at `counter`, each taking `minutes`."""
    for n in range(people):
        services.ticket_take(service=service, channel="kiosk", now=start + timedelta(seconds=n))
    services.counter_open(counter=counter, actor=agent, now=start)
    moment = start + timedelta(minutes=1)
    for _ in range(people):
        services.counter_call_next(counter=counter, actor=agent, now=moment)
        moment += timedelta(minutes=minutes)
    services.counter_finish(counter=counter, actor=agent, now=moment)


def test_no_counter_serving_means_no_number(ktp):
    ticket = services.ticket_take(service=ktp, channel="kiosk", now=monday(8))
    status = status_of(ticket, now=monday(8, 1))
    assert status["position"] == 1
    assert status["wait"].unknown and status["wait"].reason == "no_counter"


def test_the_range_follows_the_services_own_times_and_the_people_ahead(counter, agent, ktp):
    last_week = monday(8) - timedelta(days=7)
    serve_history(counter, agent, ktp, minutes=6, people=40, start=last_week)
    # Today: the counter serves someone, five more wait.
    services.counter_open(counter=counter, actor=agent, now=monday(8))
    tickets = [
        services.ticket_take(service=ktp, channel="kiosk", now=monday(8, n)) for n in range(6)
    ]
    services.counter_call_next(counter=counter, actor=agent, now=monday(8, 6))
    now = monday(8, 8)
    waits = [status_of(ticket, now=now)["wait"] for ticket in tickets[1:]]
    assert all(not wait.unknown for wait in waits)
    assert [status_of(t, now=now)["ahead"] for t in tickets[1:]] == [0, 1, 2, 3, 4]
    # Six-minute services, one counter: each place further back waits about six more.
    expected = [wait.expected for wait in waits]
    assert expected == sorted(expected)
    assert 20 * 60 <= waits[-1].expected <= 32 * 60
    assert all(wait.low <= wait.expected <= wait.high for wait in waits)
