"""The SLA's event types (core.eventlog): a clock about to break or broken, and changes of
the policies.

A clock's events are about its ticket (subject desk.ticket), so the ticket's history, its
notifications and later the automation's triggers read them with the ticket's other events.
"""

from karcis.core.eventlog import event_type

CLOCK = {
    "target": "first_response, next_response or resolution",
    "policy": "the SlaPolicy's id",
    "cycle": "which run of the target: 1, or the n-th customer message for next_response",
    "due_at": "the due time, ISO 8601",
}

WARNING = event_type(
    "sla.warning",
    subject="desk.ticket",
    payload={**CLOCK, "percent": "the share of the target used when the warning was given"},
    refs={"policy": "sla.slapolicy"},
)
BREACHED = event_type(
    "sla.breached",
    subject="desk.ticket",
    payload=CLOCK,
    refs={"policy": "sla.slapolicy"},
)

FIELDS = "the names of the fields that changed, sorted"
POLICY_CREATED = event_type("sla.policy.created", subject="sla.slapolicy")
POLICY_UPDATED = event_type(
    "sla.policy.updated", subject="sla.slapolicy", payload={"fields": FIELDS}
)
POLICY_DELETED = event_type(
    "sla.policy.deleted", subject="sla.slapolicy", payload={"name": "the policy's name"}
)
POLICY_MOVED = event_type(
    "sla.policy.moved",
    subject="sla.slapolicy",
    payload={"from": "its position before (1 is tried first)", "to": "its position after"},
)
