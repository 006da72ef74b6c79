"""IMAP passwords are encrypted at rest: the database, a dump or a backup holds only
ciphertext; the running server reads the password back to sign in; keys rotate."""

import importlib
import logging
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from karcis.messaging import services
from karcis.messaging.models import Mailbox

migration = importlib.import_module("karcis.messaging.migrations.0004_secrets_and_retention")


def stored_password(mailbox) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT imap_password FROM messaging_mailbox WHERE id = %s", [mailbox.pk])
        return cursor.fetchone()[0]


def store_plaintext(mailbox, value):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE messaging_mailbox SET imap_password = %s WHERE id = %s", [value, mailbox.pk]
        )


@pytest.fixture
def imap_mailbox(mailbox):
    return services.mailbox_update(
        mailbox=mailbox, imap_host="imap.x.test", imap_username="u", imap_password="s3cret-imap"
    )


def test_the_password_is_stored_encrypted_and_read_back(imap_mailbox):
    stored = stored_password(imap_mailbox)

    assert stored.startswith("fernet:")
    assert "s3cret-imap" not in stored
    assert Mailbox.objects.get(pk=imap_mailbox.pk).imap_password == "s3cret-imap"


def test_each_save_encrypts_anew_and_an_empty_password_stays_empty(imap_mailbox):
    first = stored_password(imap_mailbox)
    services.mailbox_update(mailbox=imap_mailbox, imap_password="s3cret-imap")
    assert stored_password(imap_mailbox) != first  # Fernet: a fresh IV each time

    services.mailbox_update(mailbox=imap_mailbox, imap_password="")
    assert stored_password(imap_mailbox) == ""


def test_the_migration_encrypts_what_was_stored_in_plain_text(mailbox):
    store_plaintext(mailbox, "old-plain-pw")

    migration.encrypt_passwords(_Apps(), _SchemaEditor())

    assert stored_password(mailbox).startswith("fernet:")
    assert Mailbox.objects.get(pk=mailbox.pk).imap_password == "old-plain-pw"
    # and back, when the migration is reversed
    migration.decrypt_passwords(_Apps(), _SchemaEditor())
    assert stored_password(mailbox) == "old-plain-pw"


class _Apps:
    def get_model(self, app_label, name):
        return Mailbox


class _SchemaEditor:
    connection = connection


def test_a_key_is_rotated_without_losing_a_password(imap_mailbox, settings):
    settings.KARCIS_ENCRYPTION_KEYS = ["the-old-key-0123456789"]
    services.mailbox_update(mailbox=imap_mailbox, imap_password="rotate-me")
    under_old = stored_password(imap_mailbox)

    # Given a new key first and the old one still listed
    settings.KARCIS_ENCRYPTION_KEYS = ["the-new-key-9876543210", "the-old-key-0123456789"]
    assert Mailbox.objects.get(pk=imap_mailbox.pk).imap_password == "rotate-me"
    # When every secret is encrypted again
    call_command("reencryptsecrets", stdout=StringIO())
    assert stored_password(imap_mailbox) != under_old
    # Then the old key can go
    settings.KARCIS_ENCRYPTION_KEYS = ["the-new-key-9876543210"]
    assert Mailbox.objects.get(pk=imap_mailbox.pk).imap_password == "rotate-me"


def test_without_a_dedicated_key_the_secret_key_and_its_fallbacks_serve(imap_mailbox, settings):
    settings.KARCIS_ENCRYPTION_KEYS = []
    old_secret = settings.SECRET_KEY
    services.mailbox_update(mailbox=imap_mailbox, imap_password="from-secret-key")

    settings.SECRET_KEY = "a-brand-new-secret-key-" + "x" * 30
    settings.SECRET_KEY_FALLBACKS = [old_secret]

    assert Mailbox.objects.get(pk=imap_mailbox.pk).imap_password == "from-secret-key"


def test_a_password_no_key_opens_reads_as_empty_and_is_logged(imap_mailbox, settings, caplog):
    settings.KARCIS_ENCRYPTION_KEYS = ["a-key-that-never-encrypted-it"]

    with caplog.at_level(logging.ERROR, logger="karcis.core.encryption"):
        assert Mailbox.objects.get(pk=imap_mailbox.pk).imap_password == ""

    assert "could not be decrypted" in caplog.text


def test_the_settings_page_never_shows_the_password(client, admin_user, imap_mailbox):
    client.force_login(admin_user)

    html = client.get(f"/settings/email/{imap_mailbox.pk}/").content.decode()

    assert "s3cret-imap" not in html
    assert "fernet:" not in html
    assert 'name="imap_password"' in html
