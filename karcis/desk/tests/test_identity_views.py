"""The requester's addresses on the ticket page: verified or not, and verifying them."""

import re

import pytest
from django.core import mail

from conftest import login
from karcis.core import services as core_services
from karcis.core.models import ContactIdentity, Event, Verification

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(make_ticket, team_billing, contact):
    return make_ticket(requester=contact, subject="Tagihan ganda", team=team_billing)


def rows(html, value):
    """The sidebar's row of one address."""
    [row] = [r for r in re.findall(r'<li class="identity">.*?</li>', html, re.S) if value in r]
    return row


def action_url(ticket, identity, action):
    return f"/desk/tickets/{ticket.number}/requester/{identity.pk}/{action}/"


def test_the_sidebar_shows_which_addresses_are_verified(client, agent, ticket, contact):
    core_services.contact_resolve(
        organisation=contact.organisation,
        email="andi@example.com",
        proven={"email"},
        proof=Verification.INBOUND,
    )
    login(client, agent)
    html = client.get(f"/desk/tickets/{ticket.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    email_row, phone_row = rows(html, "andi@example.com"), rows(html, "+6281234567890")
    assert "badge-verified" in email_row
    assert "badge-unverified" in phone_row and "Confirmed by calling" in phone_row


def test_staff_confirm_a_phone_after_calling_it(client, agent, ticket, contact):
    phone = ContactIdentity.objects.get(contact=contact, kind="phone")
    login(client, agent)
    response = client.post(action_url(ticket, phone, "confirm"))
    assert response.status_code == 302
    phone.refresh_from_db()
    assert phone.verified_by == Verification.STAFF
    assert Event.objects.get(type="core.contact.identity_verified").actor == agent


def test_an_e_mail_code_goes_through_the_outbox_and_is_entered_by_staff(
    client, agent, ticket, contact, mailbox, django_capture_on_commit_callbacks
):
    email = ContactIdentity.objects.get(contact=contact, kind="email")
    login(client, agent)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(action_url(ticket, email, "send-code"))
    [sent] = [m for m in mail.outbox if "andi@example.com" in m.to]
    code = re.search(r"\b(\d{6})\b", sent.body).group(1)
    html = client.get(f"/desk/tickets/{ticket.number}/").content.decode()
    assert 'name="code"' in html
    client.post(action_url(ticket, email, "check-code"), {"code": code})
    email.refresh_from_db()
    assert email.verified_by == Verification.CODE


def test_a_phone_without_a_sender_says_so(client, agent, ticket, contact):
    phone = ContactIdentity.objects.get(contact=contact, kind="phone")
    login(client, agent)
    html = client.get(f"/desk/tickets/{ticket.number}/").content.decode()
    row = rows(html, "+6281234567890")
    assert "send-code" not in row  # no channel reaches a phone yet
    response = client.post(action_url(ticket, phone, "send-code"), follow=True)
    assert "kode" in response.content.decode().lower() or "code" in response.content.decode()
    phone.refresh_from_db()
    assert not phone.code_hash


def test_an_address_of_someone_else_is_404(client, agent, ticket, org):
    stranger = core_services.contact_resolve(organisation=org, phone="0813 0000 1111")
    identity = stranger.identities.get()
    login(client, agent)
    assert client.post(action_url(ticket, identity, "confirm")).status_code == 404
    identity.refresh_from_db()
    assert not identity.is_verified


def test_a_ticket_the_agent_cannot_see_is_404(client, tech_agent, ticket, contact):
    phone = ContactIdentity.objects.get(contact=contact, kind="phone")
    login(client, tech_agent)
    assert client.post(action_url(ticket, phone, "confirm")).status_code == 404


def test_customers_and_other_organisations_are_refused(
    client, customer, other_org_agent, ticket, contact
):
    phone = ContactIdentity.objects.get(contact=contact, kind="phone")
    for person in (customer, other_org_agent):
        login(client, person)
        assert client.post(action_url(ticket, phone, "confirm")).status_code in (302, 403, 404)
    phone.refresh_from_db()
    assert not phone.is_verified


def test_only_post(client, agent, ticket, contact):
    phone = ContactIdentity.objects.get(contact=contact, kind="phone")
    login(client, agent)
    assert client.get(action_url(ticket, phone, "confirm")).status_code == 405
