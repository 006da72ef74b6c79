"""Routing's event types (core.eventlog): every change of its settings.

Changes routing makes to tickets are the desk's own events (desk.ticket.team_changed,
desk.ticket.assigned), written by desk.services.ticket_update_by_rule with
{"app": "routing", "kind": "rule" or "assignment", …} in their "by".
"""

from karcis.core.eventlog import event_type

RULE = "routing.routingrule"
FIELDS = {"fields": "the names of the settings that changed, with their new values"}

RULE_CREATED = event_type(
    "routing.rule.created",
    subject=RULE,
    payload={"name": "the rule's name", "team": "the target team's id"},
    refs={"team": "core.team"},
)
RULE_UPDATED = event_type("routing.rule.updated", subject=RULE, payload=FIELDS)
RULE_DELETED = event_type("routing.rule.deleted", subject=RULE, payload={"name": "the rule's name"})
RULES_REORDERED = event_type(
    "routing.rules.reordered",
    subject=RULE,
    payload={"order": "the ids of every rule, in their new order"},
)
TEAM_MODE_SET = event_type(
    "routing.team.mode_set",
    subject="core.team",
    payload={"from": "the mode before", "to": "the mode after"},
)
AGENT_STATUS_SET = event_type(
    "routing.agent.status_set",
    subject="core.user",
    payload={"from": "the status before", "to": "the status after"},
)
AGENT_UPDATED = event_type(
    "routing.agent.updated",
    subject="core.user",
    payload={"fields": "capacity and/or skills, with their new values"},
)
SKILLS_REQUIRED_SET = event_type(
    "routing.skills.required_set",
    subject="routing.skillrequirement",
    payload={
        "category": "the category's id, or null",
        "language": "the language's code, or ''",
        "skills": "the skills now required",
    },
    refs={"category": "desk.category"},
)
