"""`karcis account_password <email> [--organisation SLUG]`: set an account's password.

Django's `changepassword` looks an address up on its own, which fails once the address has
a customer account at some organisation as well (decision 0015): this command says which
account is meant — the staff (or platform) account by default, or with --organisation that
organisation's customer account.
"""

import getpass

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from karcis.core.accounts import account_find, password_reset_complete
from karcis.core.models import Organisation


class Command(BaseCommand):
    help = (
        "Set the password of a staff account, or with --organisation of that organisation's "
        "customer account with this address."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--organisation", help="the slug of the customer's organisation")

    def handle(self, *args, email: str, organisation: str | None, **options):
        where = None
        if organisation:
            where = Organisation.objects.filter(slug=organisation).first()
            if where is None:
                raise CommandError(f"No organisation with the short name {organisation}.")
        user = account_find(email=email, organisation=where)
        if user is None:
            kind = f"customer account at {organisation}" if where else "staff account"
            raise CommandError(f"No {kind} with the address {email}.")
        for _attempt in range(3):
            first = getpass.getpass(f"New password for {user.email}: ")
            if first != getpass.getpass("Again: "):
                self.stderr.write("The two passwords differ.")
                continue
            try:
                password_validation.validate_password(first, user)
            except ValidationError as error:
                self.stderr.write("\n".join(error.messages))
                continue
            password_reset_complete(user=user, password=first, client="command line")
            self.stdout.write(f"Password changed for {user.email}.")
            return
        raise CommandError("Too many attempts; nothing changed.")
