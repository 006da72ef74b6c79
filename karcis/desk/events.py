"""The desk's event types (core.eventlog): what happens to tickets and to the desk's settings.

Payloads hold ids and codes: users, teams and contacts by id ("core.user"…), categories and
tags by id, statuses and priorities by their code. Names are looked up when an event is
shown (desk.history), so a renamed team reads with its new name everywhere.
"""

from karcis.core.eventlog import event_type

TICKET = "desk.ticket"
FROM_TO = {"from": "the value before", "to": "the value after"}
# A change no person made: a rule did (services.ticket_update_by_rule).
BY = {
    "by": "the rule that made the change: {'app': 'sla' or 'routing', 'kind': what kind of "
    "rule, 'id': its id, 'name': its name at the time}"
}

TICKET_CREATED = event_type(
    "desk.ticket.created",
    subject=TICKET,
    payload={
        "number": "the ticket's number (KRC-000123)",
        "channel": "the channel's code (core.models.Channel)",
        "priority": "the priority's code",
        "type": "the ticket type's code",
        "team": "the team's id, or null",
        "assignee": "the assignee's user id, or null",
        "category": "the category's id, or null",
        "message_id": "the id of the first message (the request itself)",
    },
    optional={
        "linked_to": "the id of the ticket this one follows up",
        "split_from": "the id of the ticket whose message (message_id) was split off into this one",
        "origin": "how the channel that brought it knows it, e.g. {'inbound_email': 12}",
    },
    refs={"team": "core.team", "assignee": "core.user", "category": "desk.category"},
)
STATUS_CHANGED = event_type(
    "desk.ticket.status_changed",
    subject=TICKET,
    payload={"from": "the status's code before", "to": "the status's code after"},
    optional={"message_id": "the reply that made the change, when one did", **BY},
)
PRIORITY_CHANGED = event_type(
    "desk.ticket.priority_changed", subject=TICKET, payload=FROM_TO, optional=BY
)
TYPE_CHANGED = event_type("desk.ticket.type_changed", subject=TICKET, payload=FROM_TO, optional=BY)
CATEGORY_CHANGED = event_type(
    "desk.ticket.category_changed",
    subject=TICKET,
    payload={"from": "the category's id or null", "to": "the category's id or null"},
    refs={"from": "desk.category", "to": "desk.category"},
    optional=BY,
)
TEAM_CHANGED = event_type(
    "desk.ticket.team_changed",
    subject=TICKET,
    payload={"from": "the team's id or null", "to": "the team's id or null"},
    refs={"from": "core.team", "to": "core.team"},
    optional=BY,
)
ASSIGNED = event_type(
    "desk.ticket.assigned",
    subject=TICKET,
    payload={"from": "the user id or null", "to": "the user id or null"},
    refs={"from": "core.user", "to": "core.user"},
    optional=BY,
)
SUBJECT_CHANGED = event_type(
    "desk.ticket.subject_changed", subject=TICKET, payload=FROM_TO, optional=BY
)
# Tags are labels: a history shows the names they had when they changed (kept beside the
# ids), as the words the agent saw; reports join on the ids.
TAGS_CHANGED = event_type(
    "desk.ticket.tags_changed",
    subject=TICKET,
    payload={
        "from": "the tag ids before",
        "to": "the tag ids after",
        "names": "each of those tags' name at the time, by id",
    },
    optional=BY,
)
FIELDS_CHANGED = event_type(
    "desk.ticket.fields_changed",
    subject=TICKET,
    payload={"from": "the custom values before, by key", "to": "the values after, by key"},
    optional=BY,
)
PARTICIPANTS_ADDED = event_type(
    "desk.ticket.participants_added",
    subject=TICKET,
    payload={"participants": "the ids of the contacts who now follow the ticket"},
    refs={"participants": "core.contact"},
)
PARTICIPANTS_REMOVED = event_type(
    "desk.ticket.participants_removed",
    subject=TICKET,
    payload={"participants": "the ids of the contacts who no longer follow the ticket"},
    refs={"participants": "core.contact"},
)
MERGED = event_type(
    "desk.ticket.merged",
    subject=TICKET,
    payload={
        "into": "the id of the ticket this one was merged into",
        "status": "the status's code before the merge (it is closed by it)",
        "messages": "how many messages moved to the other ticket",
        "notified": "whether the requester was told, with a reply on the other ticket",
    },
    refs={"into": "desk.ticket"},
)
MERGED_IN = event_type(
    "desk.ticket.merged_in",
    subject=TICKET,
    payload={
        "from": "the id of the ticket merged into this one",
        "messages": "how many of its messages moved here",
        "participants": "the ids of the contacts who now follow this ticket because of it",
    },
    refs={"from": "desk.ticket", "participants": "core.contact"},
)
SPLIT = event_type(
    "desk.ticket.split",
    subject=TICKET,
    payload={
        "message_id": "the id of the message split off",
        "to": "the id of the new ticket that message now opens",
    },
    refs={"to": "desk.ticket"},
)
LINK_ADDED = event_type(
    "desk.ticket.link_added",
    subject=TICKET,
    payload={
        "ticket": "the id of the other ticket",
        "kind": "related, parent (the other is this one's parent) or child",
    },
    refs={"ticket": "desk.ticket"},
)
LINK_REMOVED = event_type(
    "desk.ticket.link_removed",
    subject=TICKET,
    payload={"ticket": "the id of the other ticket", "kind": "related, parent or child"},
    refs={"ticket": "desk.ticket"},
)
CONTACT_MERGED = event_type(
    "desk.contact.merged",
    subject="core.contact",
    payload={
        "from": "the id of the contact merged into this one (deleted by the merge)",
        "name": "that contact's name at the time",
        "identities": "the ids of the identities (addresses) that moved",
        "tickets": "how many tickets it requested that moved",
    },
)
REPLY_ADDED = event_type(
    "desk.message.reply_added",
    subject=TICKET,
    payload={"message_id": "the message's id", "attachments": "how many files it carries"},
    optional={"automatic": "true when a machine wrote it for the requester (an out-of-office)"},
)
NOTE_ADDED = event_type(
    "desk.message.note_added",
    subject=TICKET,
    payload={"message_id": "the message's id", "attachments": "how many files it carries"},
    optional={"mentions": "the ids of the colleagues it mentions (@name)"},
    refs={"mentions": "core.user"},
)
DELIVERY_FAILED = event_type(
    "desk.message.delivery_failed",
    subject=TICKET,
    payload={"message_id": "the reply's id", "reason": "why, in the channel's words"},
)

CATEGORY_CREATED = event_type("desk.category.created", subject="desk.category")
CATEGORY_UPDATED = event_type(
    "desk.category.updated", subject="desk.category", optional={"fields": "what changed"}
)
CUSTOM_FIELD_CREATED = event_type("desk.custom_field.created", subject="desk.customfield")
CUSTOM_FIELD_UPDATED = event_type(
    "desk.custom_field.updated", subject="desk.customfield", payload={"fields": "what changed"}
)
TAG_RENAMED = event_type(
    "desk.tag.renamed", subject="desk.tag", payload={"from": "old name", "to": "new name"}
)
TAG_MERGED = event_type(
    "desk.tag.merged",
    subject="desk.tag",
    payload={
        "from": "the merged tag's name",
        "to": "the name of the tag it went into",
        "from_id": "the merged tag's id",
        "tickets_moved": "how many tickets got the tag it went into",
    },
)
TAG_DELETED = event_type(
    "desk.tag.deleted",
    subject="desk.tag",
    payload={"name": "the tag's name", "tickets": "how many tickets carried it"},
)
