"""Verified and unverified addresses (decision 0016): a typed address never brings another
channel's ticket to a contact that somebody else can read."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from karcis.core import extensions, services
from karcis.core.models import Contact, ContactIdentity, Event, Verification

STAFF = {"proven": {"email", "phone"}, "proof": Verification.STAFF}
INBOUND = {"proven": {"email"}, "proof": Verification.INBOUND}


def identity(value):
    return ContactIdentity.objects.get(value=value)


def test_typed_addresses_are_unverified_and_proven_ones_verified(org):
    services.contact_resolve(organisation=org, email="tamu@example.com", phone="0812 5555 0001")
    services.contact_resolve(organisation=org, email="surat@example.com", **INBOUND)
    services.contact_resolve(
        organisation=org, email="meja@example.com", phone="0812 5555 0002", **STAFF
    )
    assert not identity("tamu@example.com").is_verified
    assert not identity("+6281255550001").is_verified
    assert identity("surat@example.com").verified_by == Verification.INBOUND
    assert identity("+6281255550002").verified_by == Verification.STAFF


def test_a_claimed_phone_never_routes_a_call_to_the_claimer(org):
    # Given a portal visitor who typed a number nobody had yet beside their own address
    visitor = services.contact_resolve(
        organisation=org, name="Penipu", email="penipu@evil.test", phone="0812 7777 0000"
    )
    # When the number's owner calls and staff log it
    caller = services.contact_resolve(
        organisation=org, name="Pemilik", phone="0812 7777 0000", **STAFF
    )
    # Then the call lands on a contact of its own, which now holds the number, verified
    assert caller != visitor
    number = identity("+6281277770000")
    assert number.contact == caller and number.verified_by == Verification.STAFF
    assert Event.objects.filter(
        type="core.contact.identity_moved", object_id=visitor.pk, payload__to_contact=caller.pk
    ).exists()
    # And the visitor's next ticket from the portal stays on the visitor
    assert services.contact_resolve(organisation=org, email="penipu@evil.test") == visitor


def test_an_unproven_lookup_never_uses_anothers_unverified_phone(org):
    visitor = services.contact_resolve(
        organisation=org, email="penipu@evil.test", phone="0812 7777 0001"
    )
    # An unproven channel (no staff, no message from the number) gets a separate contact
    other = services.contact_resolve(organisation=org, name="Siapa", phone="0812 7777 0001")
    assert other != visitor
    assert identity("+6281277770001").contact == visitor  # one row per address, unchanged
    assert not other.identities.exists()


def test_a_proven_phone_given_with_an_email_comes_over_to_that_contact(org):
    visitor = services.contact_resolve(
        organisation=org, email="penipu@evil.test", phone="0812 7777 0002"
    )
    owner = services.contact_resolve(
        organisation=org, email="pemilik@example.com", phone="0812 7777 0002", **STAFF
    )
    assert owner != visitor
    assert identity("+6281277770002").contact == owner


def test_an_address_that_is_its_contacts_only_one_is_used_and_verified_by_proof(org):
    # A visitor typed this address on the portal; later mail arrives from it
    typed = services.contact_resolve(organisation=org, name="Sari", email="sari@example.com")
    again = services.contact_resolve(organisation=org, email="sari@example.com")
    mailed = services.contact_resolve(organisation=org, email="sari@example.com", **INBOUND)
    assert typed == again == mailed
    assert identity("sari@example.com").verified_by == Verification.INBOUND


def test_a_verified_address_routes_to_its_contact(org):
    owner = services.contact_resolve(
        organisation=org, email="a@example.com", phone="0812 7777 0003", **STAFF
    )
    assert services.contact_resolve(organisation=org, phone="0812 7777 0003") == owner


def test_staff_mark_a_phone_verified_after_calling_it_audited(org, agent, customer):
    services.contact_resolve(organisation=org, email="b@example.com", phone="0812 7777 0004")
    number = identity("+6281277770004")
    with pytest.raises(PermissionDenied):
        services.identity_mark_verified(identity=number, actor=customer)
    services.identity_mark_verified(identity=number, actor=agent)
    number.refresh_from_db()
    assert number.verified_by == Verification.STAFF
    event = Event.objects.get(type="core.contact.identity_verified", payload__identity=number.pk)
    assert event.actor == agent
    with pytest.raises(ValidationError):  # an e-mail address is proven by a code, not a click
        services.identity_mark_verified(identity=identity("b@example.com"), actor=agent)


def test_a_phone_code_needs_a_sender(org, agent):
    services.contact_resolve(organisation=org, email="c@example.com", phone="0812 7777 0005")
    with pytest.raises(ValidationError, match="belum dapat mengirim kode"):
        services.identity_code_send(identity=identity("+6281277770005"), actor=agent)


@pytest.fixture
def phone_sender():
    sent = []
    point = services.IDENTITY_CODE_POINT.format(kind="phone")

    def sender(*, identity, code):
        sent.append((identity.value, code))

    extensions.contribute(point, sender)
    yield sent
    extensions._contributions[point].remove(sender)


def test_a_code_sent_through_a_pluggable_sender_verifies(org, agent, phone_sender):
    services.contact_resolve(organisation=org, email="d@example.com", phone="0812 7777 0006")
    number = identity("+6281277770006")
    services.identity_code_send(identity=number, actor=agent)
    [(value, code)] = phone_sender
    assert value == "+6281277770006" and len(code) == 6
    assert code not in number.code_hash  # stored hashed
    with pytest.raises(ValidationError):
        services.identity_code_check(
            identity=number, code="000000" if code != "000000" else "1", actor=agent
        )
    services.identity_code_check(identity=number, code=code, actor=agent)
    number.refresh_from_db()
    assert number.verified_by == Verification.CODE and not number.code_hash


def test_a_code_expires_and_allows_five_tries(org, agent, phone_sender):
    services.contact_resolve(organisation=org, email="e@example.com", phone="0812 7777 0007")
    number = identity("+6281277770007")
    services.identity_code_send(identity=number, actor=agent)
    code = phone_sender[-1][1]
    wrong = "999999" if code != "999999" else "111111"
    for _ in range(services.IDENTITY_CODE_MAX_ATTEMPTS):
        with pytest.raises(ValidationError, match="tidak cocok"):
            services.identity_code_check(identity=number, code=wrong, actor=agent)
    with pytest.raises(ValidationError, match="tidak berlaku"):
        services.identity_code_check(identity=number, code=code, actor=agent)
    # A new code, but too late
    ContactIdentity.objects.filter(pk=number.pk).update(code_sent_at=None)
    number.refresh_from_db()
    services.identity_code_send(identity=number, actor=agent)
    ContactIdentity.objects.filter(pk=number.pk).update(
        code_sent_at=timezone.now() - timedelta(hours=1)
    )
    number.refresh_from_db()
    with pytest.raises(ValidationError, match="tidak berlaku"):
        services.identity_code_check(identity=number, code=phone_sender[-1][1], actor=agent)
    assert (
        not Contact.objects.get(pk=number.contact_id)
        .identities.filter(verified_at__isnull=False)
        .exists()
    )


def test_existing_identities_are_verified_but_a_phone_typed_beside_an_email(org, agent):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("karcis.core.migrations.0004_identity_verification")
    # Given contacts from before verification existed
    services.contact_resolve(organisation=org, email="lama@example.com", phone="0812 6666 0001")
    services.contact_resolve(organisation=org, phone="0812 6666 0002")
    services.contact_create(
        organisation=org,
        name="Dibuat petugas",
        email="staf@example.com",
        phone="0812 6666 0003",
        actor=agent,
    )
    ContactIdentity.objects.update(verified_at=None, verified_by="")
    # When the migration runs
    migration.existing_identities_verified(apps, None)
    # Then only the phone typed beside an e-mail (not by staff) waits for staff
    verified = dict(ContactIdentity.objects.values_list("value", "verified_by"))
    assert verified == {
        "lama@example.com": "existing",
        "+6281266660001": "",
        "+6281266660002": "existing",
        "staf@example.com": "existing",
        "+6281266660003": "existing",
    }


def test_the_contact_found_carries_all_its_addresses_as_stored(org, django_assert_num_queries):
    def stored(contact):
        return sorted(
            ContactIdentity.objects.filter(contact=contact).values_list("value", flat=True)
        )

    owner = services.contact_resolve(
        organisation=org, email="c@example.com", phone="0812 7777 0009", **STAFF
    )
    found = services.contact_resolve(organisation=org, email="c@example.com")
    new = services.contact_resolve(organisation=org, email="d@example.com")
    assert found == owner
    # what the API shows of the requester comes with the look-up, and is what is stored
    with django_assert_num_queries(0):
        addresses = {c.pk: sorted(i.value for i in c.identities.all()) for c in (found, new)}
    assert addresses == {owner.pk: stored(owner), new.pk: stored(new)}
    assert addresses[owner.pk] == ["+6281277770009", "c@example.com"]


def test_a_second_unverified_email_keeps_a_typed_claim_off_the_contact(org):
    # A contact with two e-mail addresses, neither proven: whoever holds one reads the
    # contact's tickets, so a visitor typing the other is not given that contact
    first = services.contact_resolve(organisation=org, email="e1@example.com")
    ContactIdentity.objects.create(
        organisation=org, contact=first, kind="email", value="e2@example.com"
    )
    typed = services.contact_resolve(organisation=org, email="e2@example.com")
    assert typed != first
