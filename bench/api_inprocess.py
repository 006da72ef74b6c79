"""The API's ticket creation in-process: statements and CPU per ticket, without a server.

Django's test client posts JSON with an agent's token against the test database, as
bench/desk.py's API clients do (70% known requesters, 30% new ones), without a mailbox, so
no automatic reply, as in bench/desk.py's API run:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/karcis_inprocess \\
        .venv/bin/python -m pytest bench/api_inprocess.py -q -s -p no:cacheprovider
    N=600 PROFILE=1 …   # more tickets; PROFILE=1 adds a cProfile of 200 more

It prints the statements of one creation, time.process_time per creation over N (the test
client's own work included: compare runs of this script, not with the server's figure),
and with PROFILE the Python function calls (deterministic: the figure to compare on a busy
machine). Not part of the test suite (its name does not start with test_).
"""

import json
import os
import time

import pytest
from django.test import Client
from inprocess import report_cost
from rest_framework.authtoken.models import Token

from karcis.desk.models import Ticket

N = int(os.environ.get("N", "600"))


@pytest.mark.django_db(transaction=True)
def test_api_creation_cost(org, agent):
    token = Token.objects.create(user=agent)
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="id")
    known = [f"pelanggan{i}@contoh.co.id" for i in range(50)]

    def create(i: int) -> None:
        email = known[i % 50] if i % 10 < 7 else f"baru{i}.{time.time_ns()}@contoh.co.id"
        body = {
            "subject": f"Tagihan bulan ini belum masuk {i}",
            "description": "Selamat pagi, tagihan saya bulan ini belum masuk. Mohon dicek.",
            "requester": {"name": "Andi Wijaya", "email": email},
            "channel": "api",
            "priority": ("low", "normal", "normal", "high")[i % 4],
        }
        response = client.post("/api/tickets/", json.dumps(body), content_type="application/json")
        assert response.status_code == 201, response.content

    for i in range(60):  # warm: the token cache, the known requesters, the sequence's row
        create(-100 + i)
    report_cost(lambda i: create(100 + i), what="creation", n=N, profile_n=200)
    assert Ticket.objects.count() >= N
