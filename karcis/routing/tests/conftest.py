"""Routing's fixtures: teams of agents made through the real services."""

import pytest

from karcis.core import services as core_services
from karcis.core.models import Role
from karcis.desk import services as desk_services
from karcis.routing import services


@pytest.fixture
def make_agents(org, admin_user):
    """make_agents(team, n, status="online", capacity=10) → n agents of the team."""
    counter = iter(range(1000))

    def make(team, n, *, status="online", capacity=10, skills=(), prefix="agen"):
        agents = []
        for _i in range(n):
            number = next(counter)
            agent = core_services.staff_user_create(
                organisation=org,
                email=f"{prefix}{number}@nusantara.test",
                name=f"Agen {prefix} {number}",
                role=Role.AGENT,
                password="rahasia-123",
                teams=[team],
            )
            services.agent_settings_set(
                agent=agent, actor=admin_user, capacity=capacity, skills=list(skills)
            )
            if status != "off":
                services.agent_status_set(agent=agent, status=status, actor=agent)
            agents.append(agent)
        return agents

    return make


@pytest.fixture
def category(org, admin_user):
    return desk_services.category_create(organisation=org, name="Tagihan", actor=admin_user)


@pytest.fixture
def no_hours(monkeypatch):
    """Working hours closed for every team (as the calendars would say at night)."""
    from karcis.routing import hours

    monkeypatch.setattr(hours, "inside_working_hours", lambda **kwargs: False)
