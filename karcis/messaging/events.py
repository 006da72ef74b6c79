"""The e-mail channel's event types (core.eventlog)."""

from karcis.core.eventlog import event_type

DELIVERY_SENT = event_type(
    "messaging.delivery.sent",
    subject="desk.ticket",
    payload={
        "kind": "what was sent: auto_reply or notification (replies show on their message)",
        "to": "the addresses it went to",
    },
    optional={"delivery_id": "the outgoing e-mail's id"},
)
DELIVERY_FAILED = event_type(
    "messaging.delivery.failed",
    subject="desk.ticket",
    payload={
        "kind": "what could not be sent: auto_reply or notification",
        "to": "the addresses it was for",
        "reason": "why, in the mail server's words",
    },
    optional={"delivery_id": "the outgoing e-mail's id"},
)
MAILBOX_CREATED = event_type(
    "messaging.mailbox.created", subject="messaging.mailbox", payload={"address": "its address"}
)
MAILBOX_UPDATED = event_type(
    "messaging.mailbox.updated", subject="messaging.mailbox", payload={"address": "its address"}
)
INBOUND_RERUN = event_type(
    "messaging.inbound.rerun",
    subject="messaging.inboundemail",
    payload={
        "message_id": "the message's Message-ID",
        "previous_reason": "why it was rejected or failed before",
    },
)
INBOUND_KEEP_CHANGED = event_type(
    "messaging.inbound.keep_changed",
    subject="messaging.inboundemail",
    payload={"keep": "whether its original is now kept past the retention period"},
)
INBOUND_RAW_PURGED = event_type(
    "messaging.inbound.raw_purged",
    subject="core.organisation",
    payload={
        "count": "how many originals were purged",
        "received_before": "the cut-off: messages received before it lost their raw bytes",
    },
)
