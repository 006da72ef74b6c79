"""Two schedulers at once announce each warning and breach once (PostgreSQL: real
concurrent transactions; SQLite serialises writers, so the sequential test in
test_services.py covers it there)."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections
from django_scopes import scope, scopes_disabled

from karcis.core import services as core_services
from karcis.core.content import body_from
from karcis.core.models import Event, Role
from karcis.desk import services as desk
from karcis.sla import services

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_announce_each_breach_once():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL (SQLite serialises writers by design)")
    with scopes_disabled():
        org = core_services.organisation_create(name="Paralel", slug="paralel", ticket_prefix="PAR")
        admin = core_services.staff_user_create(
            organisation=org,
            email="a@paralel.test",
            name="Admin",
            role=Role.ADMIN,
            password="x-123456789",
        )
    with scope(organisation=org.pk):
        services.policy_create(
            organisation=org,
            actor=admin,
            name="Semua",
            first_response_minutes=10,
            resolution_minutes=60,
            business_time=False,
            on_breach={"tag": "terlambat"},
        )
        contact = core_services.contact_resolve(organisation=org, email="p@b.test")
        for index in range(120):
            desk.ticket_create(
                organisation=org,
                requester=contact,
                subject=f"Tiket {index}",
                body=body_from(text="isi"),
                channel="api",
                created_at=T0,
            )
    later = T0 + timedelta(hours=2)
    start = threading.Barrier(2)
    counts: list[int] = []

    def scheduler() -> None:
        try:
            start.wait()
            counts.append(services.clocks_due_announce(now=later, batch=25))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with scopes_disabled():
        breaches = Event.objects.filter(type="sla.breached").count()
        tagged = Event.objects.filter(type="desk.ticket.tags_changed").count()
    # 120 tickets × (first response + resolution), each announced by one of the two.
    assert sum(counts) == 240
    assert breaches == 240
    assert tagged == 120  # the first breach tags; the second finds the tag already there
