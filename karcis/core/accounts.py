"""Accounts: which account an address signs in to, failed sign-ins in the audit log, and
password reset by a single-use link (decision 0015).

Kept apart from core.services (every other write of the core) because these run before
anyone is signed in, and have the same rules for the staff sign-in and every portal's.

Mail goes through the outbox of the app that contributes ACCOUNT_EMAIL (messaging): the
core never imports messaging (core.extensions).
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_scopes import scope

from karcis.core import events, extensions
from karcis.core.models import Organisation, Role, User, as_member
from karcis.core.services import event_record

security_log = logging.getLogger("karcis.security")

# The extension point that puts an account's e-mail (a reset link) in an outbox:
# provider(organisation=, to=[(name, address)], subject=, text=, language=).
ACCOUNT_EMAIL = "core.account_email"


def account_find(*, email: str, organisation: Organisation | None = None) -> User | None:
    """The account an address signs in to: a staff (or platform) account when no
    organisation is given, else that organisation's customer account."""
    address = (email or "").strip().lower()
    if not address:
        return None
    if organisation is None:
        return User.objects.exclude(role=Role.CUSTOMER).filter(email=address).first()
    return User.objects.filter(organisation=organisation, role=Role.CUSTOMER, email=address).first()


def signin_failure_record(
    *, email: str, organisation: Organisation | None, client: str, locked: bool
) -> None:
    """Write a failed sign-in to the audit log.

    An existing account's failure is an event of that account (in its organisation). An
    address with no account at a portal is an event of the portal's organisation, without
    the address (it may be a password typed in the wrong field). At the staff sign-in an
    unknown address belongs to no organisation: it goes to the "karcis.security" log.
    """
    user = account_find(email=email, organisation=organisation)
    payload = {"client": client, "locked": locked}
    with transaction.atomic():
        if user is not None and user.organisation_id is not None:
            event_record(
                organisation=as_member(user).organisation,
                type=events.USER_SIGNIN_FAILED,
                obj=user,
                payload=payload,
            )
        elif organisation is not None:
            event_record(
                organisation=organisation,
                type=events.ORGANISATION_SIGNIN_FAILED,
                obj=organisation,
                payload=payload,
            )
        else:
            security_log.warning(
                "Failed staff sign-in%s from %s (%s)",
                " for a platform account" if user is not None else " for an unknown address",
                client,
                "now paused" if locked else "counted",
            )


def account_email_queue(
    *, organisation: Organisation, to: list[tuple[str, str]], subject: str, text: str
) -> None:
    """Put an account's e-mail in the outbox (sent after the commit, retried)."""
    providers = extensions.contributions(ACCOUNT_EMAIL)
    if not providers:
        raise ImproperlyConfigured(f"No app sends account e-mail ({ACCOUNT_EMAIL}).")
    providers[0](
        organisation=organisation,
        to=to,
        subject=subject,
        text=text,
        language=translation.get_language() or organisation.language,
    )


def password_reset_hours() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)


def password_reset_request(
    *,
    email: str,
    organisation: Organisation | None,
    client: str,
    link: Callable[[str, str], str],
) -> User | None:
    """Send a link to set a new password, if the address has an active account: a staff
    account when `organisation` is None, else that organisation's customer account.

    The caller answers the same whatever happens here, so nobody learns from the answer
    whether the address has an account. `link(uidb64, token)` is the absolute URL of the
    page that sets the password. The mail is in the language of the request.
    """
    user = account_find(email=email, organisation=organisation)
    # A platform operator without an organisation resets their password with
    # `karcis account_password`: there is no organisation to send the mail from.
    if user is None or not user.is_active or user.organisation_id is None:
        return None
    member = as_member(user)
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    context = {
        "user": user,
        "organisation": member.organisation,
        "link": link(uidb64, default_token_generator.make_token(user)),
        "hours": password_reset_hours(),
        "staff": organisation is None,
    }
    # The staff's reset runs before any organisation is known: the account's is the scope.
    with scope(organisation=member.organisation_id), transaction.atomic():
        account_email_queue(
            organisation=member.organisation,
            to=[(user.name, user.email)],
            subject=_("Set a new password for %(organisation)s")
            % {"organisation": member.organisation.name},
            text=render_to_string("core/email/password_reset.txt", context),
        )
        event_record(
            organisation=member.organisation,
            type=events.USER_PASSWORD_RESET_REQUESTED,
            obj=user,
            payload={"client": client},
        )
    return user


def password_reset_user(
    *, uidb64: str, token: str, organisation: Organisation | None
) -> User | None:
    """The account a reset link is for, while the link is valid: not expired, not used (a
    new password changes the token), and for the sign-in it was sent from (the staff's, or
    this organisation's customers')."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (ValueError, TypeError, OverflowError):
        return None
    users = User.objects.filter(pk=pk, is_active=True)
    if organisation is None:
        users = users.exclude(role=Role.CUSTOMER)
    else:
        users = users.filter(organisation=organisation, role=Role.CUSTOMER)
    user = users.first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


def password_reset_complete(*, user: User, password: str, client: str) -> User:
    """Set the new password from a valid reset link; the link stops working with it."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        if user.organisation_id is not None:
            event_record(
                organisation=as_member(user).organisation,
                type=events.USER_PASSWORD_RESET,
                obj=user,
                payload={"client": client},
            )
    return user
