"""The demo organisation's SLA: a policy per priority, in business hours of its default
calendar (karcis.demo builds it through these services)."""

from karcis.core.models import Organisation, User
from karcis.sla import services
from karcis.sla.models import SlaPolicy

# (name, priority, first response, next response, resolution) in business minutes.
POLICIES = [
    ("Mendesak", "urgent", 30, 60, 240),
    ("Tinggi", "high", 60, 120, 480),
    ("Normal", "normal", 240, 480, 1440),
    ("Rendah", "low", 480, 960, 2400),
]


def sla_demo(*, organisation: Organisation, actor: User) -> list[SlaPolicy]:
    """A policy per priority. Urgent and high tickets tell the assignee and the supervisors
    when they are at risk or breached; a breached urgent ticket is also tagged."""
    policies = []
    for name, priority, first, following, resolution in POLICIES:
        loud = priority in ("urgent", "high")
        policies.append(
            services.policy_create(
                organisation=organisation,
                actor=actor,
                name=name,
                description=f"Tiket berprioritas {name.lower()}, dalam jam kerja.",
                priorities=[priority],
                first_response_minutes=first,
                next_response_minutes=following,
                resolution_minutes=resolution,
                business_time=True,
                on_warning={"notify": loud},
                on_breach={
                    "notify": loud,
                    "tag": "sla-dilanggar" if priority == "urgent" else "",
                },
            )
        )
    return policies
