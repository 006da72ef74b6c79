"""Secrets Karcis must be able to read back (an IMAP password), encrypted at rest.

Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) under keys derived with HKDF from
KARCIS_ENCRYPTION_KEYS, or, when that is not set, from SECRET_KEY and SECRET_KEY_FALLBACKS.
The first key encrypts; every key decrypts, which is how a key is rotated (docs/operations.md):
put the new key first, run `karcis reencryptsecrets`, then drop the old one.

A database dump, a backup or a read-only SQL injection then shows `fernet:gAAAA…`, not the
password; whoever also holds the key can still read it (the server needs it to log in).
"""

import base64
import logging

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models

logger = logging.getLogger(__name__)

PREFIX = "fernet:"
# Ties the derived keys to this use: the same secret gives other keys elsewhere (sessions,
# signed links), and a key derived here opens nothing else.
_CONTEXT = b"karcis.core.encryption v1"


def _fernet_key(secret: str) -> bytes:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_CONTEXT).derive(
        secret.encode()
    )
    return base64.urlsafe_b64encode(derived)


def secrets_in_order() -> list[str]:
    """The secrets keys are derived from, the one that encrypts first."""
    dedicated = [key for key in getattr(settings, "KARCIS_ENCRYPTION_KEYS", []) if key]
    if dedicated:
        return dedicated
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def _fernet() -> MultiFernet:
    # Not cached: settings may change (tests, rotation); HKDF costs microseconds.
    return MultiFernet([Fernet(_fernet_key(secret)) for secret in secrets_in_order()])


def encrypt(plaintext: str) -> str:
    if not plaintext:
        return ""
    return PREFIX + _fernet().encrypt(plaintext.encode()).decode()


def decrypt(stored: str) -> str:
    """The plaintext of a stored value. A value without the prefix is a plaintext from before
    encryption (the data migration encrypts those); one no key opens reads as empty, with an
    error logged: the mailbox then fails to sign in and says so, and an admin types the
    password again, rather than every page that loads the row failing."""
    if not stored or not stored.startswith(PREFIX):
        return stored or ""
    try:
        return _fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        logger.error(
            "An encrypted secret could not be decrypted with any key: was the key "
            "(KARCIS_ENCRYPTION_KEYS or SECRET_KEY) changed without keeping the old one?"
        )
        return ""


def needs_reencryption(stored: str) -> bool:
    """Whether a stored value is plaintext or encrypted under a key that is not the first."""
    if not stored:
        return False
    if not stored.startswith(PREFIX):
        return True
    token = stored[len(PREFIX) :].encode()
    try:
        Fernet(_fernet_key(secrets_in_order()[0])).decrypt(token)
    except InvalidToken:
        return True
    return False


class EncryptedTextField(models.TextField):
    """Text kept encrypted in the database and plain in Python: reads decrypt, writes
    encrypt. Not searchable or comparable in SQL (each encryption differs)."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value is not None else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "" or str(value).startswith(PREFIX):
            return value
        return encrypt(str(value))
