"""The core's event types: organisations, staff, teams, roles and contacts (core.eventlog)."""

from karcis.core.eventlog import event_type

FIELDS = "the names of the fields that changed, sorted"

ORGANISATION_UPDATED = event_type(
    "core.organisation.updated", subject="core.organisation", payload={"fields": FIELDS}
)
USER_CREATED = event_type(
    "core.user.created",
    subject="core.user",
    payload={"role": "the role's key: a built-in role or a custom role of the organisation"},
)
USER_UPDATED = event_type("core.user.updated", subject="core.user", payload={"fields": FIELDS})
TEAM_CREATED = event_type("core.team.created", subject="core.team")
TEAM_UPDATED = event_type("core.team.updated", subject="core.team", optional={"fields": FIELDS})
ROLE_CREATED = event_type(
    "core.role.created", subject="core.customrole", payload={"key": "the role's key"}
)
ROLE_UPDATED = event_type(
    "core.role.updated",
    subject="core.customrole",
    payload={"key": "the role's key", "fields": FIELDS},
)
ROLE_DELETED = event_type(
    "core.role.deleted", subject="core.customrole", payload={"key": "the role's key"}
)
CONTACT_CREATED = event_type("core.contact.created", subject="core.contact")
CONTACT_UPDATED = event_type(
    "core.contact.updated", subject="core.contact", payload={"fields": FIELDS}
)
IDENTITY = "the ContactIdentity's id"
IDENTITY_KIND = "email or phone"
IDENTITY_VERIFIED = event_type(
    "core.contact.identity_verified",
    subject="core.contact",
    payload={
        "identity": IDENTITY,
        "kind": IDENTITY_KIND,
        "proof": "how it was proven: a core.models.Verification code",
    },
)
IDENTITY_MOVED = event_type(
    "core.contact.identity_moved",
    subject="core.contact",
    payload={
        "identity": IDENTITY,
        "kind": IDENTITY_KIND,
        "to_contact": "the contact that proved the address and now has it",
    },
    refs={"to_contact": "core.contact"},
)
IDENTITY_CODE_SENT = event_type(
    "core.contact.identity_code_sent",
    subject="core.contact",
    payload={"identity": IDENTITY, "kind": IDENTITY_KIND},
)
