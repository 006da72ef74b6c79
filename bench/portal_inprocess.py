"""The portal form in-process: statements and CPU per submission, without a server.

Django's test client (CSRF checks on) submits the form as an anonymous visitor with a new
address each time, against the test database, the automatic reply sent after each commit:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/karcis_inprocess \\
        .venv/bin/python -m pytest bench/portal_inprocess.py -q -s -p no:cacheprovider
    N=300 PROFILE=1 …   # more submissions; PROFILE=1 adds a cProfile of 100 more

It prints the statements of one submission, time.process_time per submission over N, and
with PROFILE the Python function calls (deterministic: the figure to compare on a busy
machine). Each submission comes from its own client address, so the limits never refuse.
Not part of the test suite (its name does not start with test_).
"""

import os
import re
import time

import pytest
from django.test import Client
from inprocess import report_cost

from karcis.desk import services as desk_services
from karcis.desk.models import Ticket
from karcis.messaging.models import Delivery

N = int(os.environ.get("N", "300"))


@pytest.mark.django_db(transaction=True)
def test_portal_submission_cost(org, mailbox):
    for name in ("Tagihan", "Gangguan", "Pasang baru"):
        parent = desk_services.category_create(organisation=org, name=name)
        desk_services.category_create(organisation=org, name=name + " lain", parent=parent)
    desk_services.custom_field_create(
        organisation=org,
        key="pelanggan",
        label="ID pelanggan",
        kind="text",
        visible_to_customer=True,
    )
    client = Client(enforce_csrf_checks=True)
    url = f"/portal/{org.slug}/new/"
    html = client.get(url).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    def submit(i: int) -> None:
        response = client.post(
            url,
            REMOTE_ADDR=f"10.{i // 62500}.{i // 250 % 250}.{i % 250}",
            data={
                "csrfmiddlewaretoken": token,
                "name": "Andi",
                "email": f"andi{i}.{time.time_ns()}@example.com",
                "subject": f"Listrik padam {i}",
                "description": "Sejak jam 7 pagi listrik padam.",
                "website": "",
                "pelanggan": "123",
            },
        )
        assert response.status_code == 302, response.status_code

    for i in range(20):  # warm: caches, templates, the sequence's row
        submit(i)
    report_cost(lambda i: submit(100 + i), what="submission", n=N, profile_n=100)
    assert Delivery.objects.count() == Ticket.objects.count()
