"""factory_boy factories for simple rows that need no service to be true to life (a
notification as the bell shows it). Complex state is built through the services."""

import factory
from django.utils import timezone

from karcis.core.models import Notification


class NotificationFactory(factory.django.DjangoModelFactory):
    """A notification about a ticket; give `recipient` and `object_id` (and `data`)."""

    class Meta:
        model = Notification

    organisation = factory.SelfAttribute("recipient.organisation")
    kind = "desk.assigned"
    object_type = "desk.ticket"
    data = factory.LazyAttribute(lambda notice: {"number": "KRC-000001"})
    created_at = factory.LazyFunction(timezone.now)
