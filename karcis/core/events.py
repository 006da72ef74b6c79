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

# Sign-in and password reset (the audit log of accounts, decision 0015). "client" is the
# IP address the attempt came from.
CLIENT = 'the client\'s IP address ("command line" for `karcis account_password`)'
USER_SIGNIN_FAILED = event_type(
    "core.user.signin_failed",
    subject="core.user",
    payload={"client": CLIENT, "locked": "true when this failure paused sign-in for a while"},
)
# A failed sign-in at a portal for an address with no account there: the organisation is
# the subject (the address typed is not kept). At the staff sign-in such a failure has no
# organisation, and goes to the "karcis.security" log instead.
ORGANISATION_SIGNIN_FAILED = event_type(
    "core.organisation.signin_failed",
    subject="core.organisation",
    payload={"client": CLIENT, "locked": "true when this failure paused sign-in for a while"},
)
USER_PASSWORD_RESET_REQUESTED = event_type(
    "core.user.password_reset_requested", subject="core.user", payload={"client": CLIENT}
)
USER_PASSWORD_RESET = event_type(
    "core.user.password_reset", subject="core.user", payload={"client": CLIENT}
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
