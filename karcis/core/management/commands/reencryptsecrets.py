"""Encrypt every stored secret again with the first key: the middle step of a key rotation
(docs/operations.md, "Secrets at rest")."""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from karcis.core.encryption import EncryptedTextField, decrypt, encrypt, needs_reencryption


class Command(BaseCommand):
    help = (
        "Re-encrypt stored secrets (IMAP passwords) with the first key of "
        "KARCIS_ENCRYPTION_KEYS (or SECRET_KEY); run after putting a new key first."
    )

    def handle(self, *args, **options):
        changed = unreadable = 0
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            table = model._meta.db_table
            for field in fields:
                # Raw SQL: the stored text as it is, never through the field's decryption.
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT {model._meta.pk.column}, {field.column} FROM {table} "
                        f"WHERE {field.column} <> ''"
                    )
                    for pk, stored in cursor.fetchall():
                        if not needs_reencryption(stored):
                            continue
                        plaintext = decrypt(stored)
                        if not plaintext:
                            unreadable += 1
                            continue
                        cursor.execute(
                            f"UPDATE {table} SET {field.column} = %s "
                            f"WHERE {model._meta.pk.column} = %s",
                            [encrypt(plaintext), pk],
                        )
                        changed += 1
        self.stdout.write(f"re-encrypted {changed} secret(s)")
        if unreadable:
            raise CommandError(
                f"{unreadable} secret(s) could not be decrypted with any key: keep the old key "
                "in the list, or type those passwords again in Settings → E-mail."
            )
