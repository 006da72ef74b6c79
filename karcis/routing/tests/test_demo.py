import pytest

from karcis.core import services as core_services
from karcis.desk import services as desk_services
from karcis.routing.demo import TEAM_BILLING, TEAM_CARE, TEAM_TECH, routing_demo
from karcis.routing.models import RoutingRule, TeamRouting

pytestmark = pytest.mark.django_db


def test_the_demo_routes_on_the_demos_teams_and_runs_twice_harmlessly(org, admin_user, make_ticket):
    teams = {
        name: core_services.team_create(organisation=org, name=name)
        for name in (TEAM_CARE, TEAM_BILLING, TEAM_TECH)
    }
    tagihan = desk_services.category_create(organisation=org, name="Tagihan", actor=admin_user)
    salah = desk_services.category_create(
        organisation=org, name="Tagihan salah", parent=tagihan, actor=admin_user
    )
    budi = core_services.staff_user_create(
        organisation=org,
        email="budi@nusantara.test",
        name="Budi",
        role="agent",
        password="rahasia-123",
        teams=[teams[TEAM_BILLING]],
    )

    routing_demo(organisation=org, actor=admin_user)
    routing_demo(organisation=org, actor=admin_user)

    assert RoutingRule.objects.count() == 5
    assert dict(TeamRouting.objects.values_list("team__name", "mode")) == {
        TEAM_BILLING: "round_robin",
        TEAM_TECH: "least_open",
    }
    ticket = make_ticket(category=salah)
    assert (ticket.team_id, ticket.assignee_id) == (teams[TEAM_BILLING].pk, budi.pk)
    outage = make_ticket(subject="Internet mati sejak pagi")
    assert outage.team_id == teams[TEAM_TECH].pk
