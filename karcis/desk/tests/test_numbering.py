"""Ticket numbers never repeat, also when many tickets are created at the same moment."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django_scopes import scopes_disabled

from karcis.core import services as core_services
from karcis.core.content import body_from
from karcis.desk import services
from karcis.desk.models import Ticket


def test_numbers_are_sequential_per_organisation(org, other_org, make_ticket):
    contact = core_services.contact_resolve(organisation=other_org, email="x@lain.test")
    make_ticket()
    make_ticket()
    foreign = services.ticket_create(
        organisation=other_org,
        requester=contact,
        subject="Halo",
        body=body_from(text="a"),
        channel="web",
    )
    assert foreign.number == "LAIN-000001"
    assert sorted(Ticket.objects.filter(organisation=org).values_list("number", flat=True)) == [
        "KRC-000001",
        "KRC-000002",
    ]


@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_never_duplicates_a_number():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL (SQLite serialises writers by design)")
    with scopes_disabled():
        org = core_services.organisation_create(name="Paralel", slug="paralel", ticket_prefix="PAR")
        contact = core_services.contact_resolve(organisation=org, email="a@b.test")

    def create_many(worker: int) -> list[str]:
        numbers = []
        try:
            with scopes_disabled():
                for i in range(10):
                    ticket = services.ticket_create(
                        organisation=org,
                        requester=contact,
                        subject=f"Tiket {worker}-{i}",
                        body=body_from(text="isi"),
                        channel="api",
                    )
                    numbers.append(ticket.number)
        finally:
            connections.close_all()
        return numbers

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = [n for batch in pool.map(create_many, range(8)) for n in batch]

    assert len(results) == 80
    assert sorted(results) == [f"PAR-{i:06d}" for i in range(1, 81)]
