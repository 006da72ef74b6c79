"""The REST API's routes: one router for every app's viewsets."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from karcis.calendars.api import BusinessCalendarViewSet
from karcis.core.api import ContactViewSet, TeamViewSet, UserViewSet
from karcis.desk.api import AttachmentViewSet, CategoryViewSet, MessageViewSet, TicketViewSet
from karcis.queueing.api import (
    CounterViewSet,
    QueueTicketViewSet,
    ServicePointViewSet,
    ServiceViewSet,
)
from karcis.routing.api import RoutingRuleViewSet, my_status
from karcis.sla.api import SlaPolicyViewSet

app_name = "api"

router = DefaultRouter()
router.register("tickets", TicketViewSet, basename="ticket")
router.register(
    r"tickets/(?P<ticket_number>[A-Za-z0-9-]+)/messages", MessageViewSet, basename="message"
)
router.register("attachments", AttachmentViewSet, basename="attachment")
router.register("contacts", ContactViewSet, basename="contact")
router.register("users", UserViewSet, basename="user")
router.register("teams", TeamViewSet, basename="team")
router.register("categories", CategoryViewSet, basename="category")
router.register("routing-rules", RoutingRuleViewSet, basename="routing-rule")
router.register("business-calendars", BusinessCalendarViewSet, basename="business-calendar")
router.register("sla-policies", SlaPolicyViewSet, basename="sla-policy")
router.register("queue/points", ServicePointViewSet, basename="queue-point")
router.register("queue/services", ServiceViewSet, basename="queue-service")
router.register("queue/counters", CounterViewSet, basename="queue-counter")
router.register("queue/tickets", QueueTicketViewSet, basename="queue-ticket")

urlpatterns = [*router.urls, path("agents/me/status/", my_status, name="agent-status")]
