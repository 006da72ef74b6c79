import pytest

from karcis.sla import services


@pytest.fixture
def policy(org, admin_user):
    """One policy for every ticket: first response within an hour, resolution within eight,
    in calendar time (every minute counts, whatever the day)."""
    return services.policy_create(
        organisation=org,
        actor=admin_user,
        name="Standar",
        first_response_minutes=60,
        resolution_minutes=480,
        business_time=False,
    )
