"""Writes the public portal makes: a ticket from the web form, a verified customer sign-up
and the e-mail that verifies it.

Each wraps core, desk and messaging services in one transaction, so a failure leaves
nothing behind.
"""

import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import translation

from karcis.core.content import CheckedFile, body_from
from karcis.core.models import Channel, Contact, Organisation, User
from karcis.core.services import contact_resolve, customer_contact, customer_user_create
from karcis.desk.services import ticket_create
from karcis.messaging.services import email_queue

if TYPE_CHECKING:
    from karcis.core.models import OrganisationMember

# Tickets and categories as the desk hands them out (its selectors and services).
Ticket = Any
Category = Any


def web_ticket_submit(
    *,
    organisation: Organisation,
    subject: str,
    description: str,
    requester: Contact | None = None,
    customer: "OrganisationMember | None" = None,
    name: str = "",
    email: str = "",
    phone: str = "",
    category: Category | None = None,
    custom_fields: dict[str, Any] | None = None,
    attachments: Iterable[CheckedFile] = (),
    linked_to: Ticket | None = None,
) -> Ticket:
    """Open a ticket from the portal's form (channel "web").

    The requester is, in this order: `requester` when the sender is known already (a
    follow-up from a ticket they can see); the signed-in `customer`'s contact; or the
    contact resolved from name, e-mail and phone. The contact and the ticket are written
    in one transaction: a rejected ticket leaves no stray contact behind. Attachments
    must have been checked already.
    """
    with transaction.atomic():
        if requester is None and customer is not None:
            requester = customer_contact(user=customer)
        if requester is None:
            requester = contact_resolve(
                organisation=organisation, name=name, email=email, phone=phone
            )
        return ticket_create(
            organisation=organisation,
            requester=requester,
            subject=subject,
            body=body_from(text=description),
            channel=Channel.WEB,
            category=category,
            custom_fields=custom_fields or {},
            attachments=attachments,
            linked_to=linked_to,
        )


def customer_signup_complete(
    *, organisation: Organisation, email: str, name: str, password_hash: str
) -> User:
    """Create a customer account once its e-mail address is proven to be theirs.

    customer_user_create links the account to the contact that owns the address, which
    shows every earlier ticket from it; that is why the address is verified first. The
    password arrives already hashed (it waited in the session, never in plain text).
    """
    with transaction.atomic():
        # The throwaway password is replaced before the transaction ends.
        user = customer_user_create(
            organisation=organisation,
            email=email,
            name=name,
            password=secrets.token_urlsafe(32),
        )
        user.password = password_hash
        user.save(update_fields=["password"])
    return user


def signup_link_send(
    *, organisation: Organisation, email: str, name: str, subject: str, text: str
) -> None:
    """Put the e-mail that proves a sign-up's address in the outbox (sent after the commit,
    retried while the mail server is away), in the visitor's language."""
    with transaction.atomic():
        email_queue(
            organisation=organisation,
            to=[(name, email)],
            subject=subject,
            text=text,
            language=translation.get_language() or organisation.language,
        )
