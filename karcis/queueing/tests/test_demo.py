"""The queues' demo, built at a moment in the middle of a working morning: the history of
the last working days, today's line as it stands, and bookings ahead."""

from datetime import timedelta

import pytest
from django.db.models import Count
from django_scopes import scope

from karcis.core.models import Event, Organisation
from karcis.queueing import demo
from karcis.queueing.models import Counter, QueueStatus, QueueTicket

from .conftest import monday

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_history_a_live_morning_and_bookings_ahead():
    now = monday(10, 30)
    organisation = demo.queueing_demo(now=now, password="demo-rahasia")
    assert demo.queueing_demo(now=now, password="x") == organisation  # built once
    with scope(organisation=organisation.pk):
        tickets = QueueTicket.objects.filter(organisation=organisation)
        by_status = dict(tickets.values_list("status").annotate(n=Count("id")))
        today = tickets.filter(day=now.date())
        history = tickets.filter(day__lt=now.date())
        assert history.filter(status=QueueStatus.DONE).count() > 100
        assert by_status.get(QueueStatus.NO_SHOW, 0) > 0
        # This morning: people served, some waiting, counters at work.
        assert today.filter(status=QueueStatus.DONE).exists()
        assert today.filter(status__in=(QueueStatus.CALLED, QueueStatus.SERVING)).exists()
        assert Counter.objects.filter(is_open=True).count() >= 4
        assert tickets.filter(status=QueueStatus.BOOKED, day__gt=now.date()).count() > 20
        # Every ticket came through the services: its creation is an event.
        assert Event.objects.filter(type="queueing.ticket.created").count() == tickets.count()
        # Nobody works at two counters at once.
        staff = list(Counter.objects.filter(is_open=True).values_list("staff", flat=True))
        assert len(staff) == len(set(staff))
    assert Organisation.objects.filter(slug=demo.SLUG).count() == 1
    assert now - timedelta(days=7) < history.order_by("day").first().created_at
