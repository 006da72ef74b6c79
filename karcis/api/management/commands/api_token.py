"""`karcis api_token <email>`: print (creating it on first use) a user's API token."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token

from karcis.core.models import Role, User


class Command(BaseCommand):
    help = (
        "Print the API token of a user, creating it on first use. Integrations send it as "
        "'Authorization: Token <token>'. --rotate replaces an existing token."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The e-mail address of the (integration) user.")
        parser.add_argument(
            "--rotate", action="store_true", help="Revoke the current token and issue a new one."
        )

    def handle(self, *args, email, rotate, **options):
        # Integrations are staff accounts; a customer's address may name several accounts.
        user = User.objects.exclude(role=Role.CUSTOMER).filter(email=email.strip().lower()).first()
        if user is None:
            raise CommandError(
                f"No user with the e-mail address {email}. Create one first: an agent "
                "account, in the desk's settings or with POST /api/users/."
            )
        if not user.is_active:
            raise CommandError(f"{email} is deactivated; activate the account first.")
        with transaction.atomic():
            if rotate:
                Token.objects.filter(user=user).delete()
            token, _created = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
