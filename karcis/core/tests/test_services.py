import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from karcis.core import services
from karcis.core.models import ContactIdentity, Event, Role


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0812-3456-7890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("62812 3456 7890", "+6281234567890"),
        ("(021) 500-123", "+6221500123"),
    ],
)
def test_indonesian_phone_numbers_normalise_to_e164(raw, expected):
    assert services.normalise_phone(raw) == expected


def test_short_phone_is_rejected():
    with pytest.raises(ValidationError):
        services.validate_phone("123")


def test_contact_resolve_finds_the_same_person_by_either_address(org):
    # Staff took the addresses down (proven); a typed phone is decision 0016's business.
    staff = {"proven": {"email", "phone"}, "proof": "staff"}
    first = services.contact_resolve(organisation=org, name="Andi", email="Andi@Example.com")
    again = services.contact_resolve(
        organisation=org, email="andi@example.com", phone="0812 1111 2222", **staff
    )
    by_phone = services.contact_resolve(organisation=org, phone="+62 812-1111-2222", **staff)
    assert first == again == by_phone
    assert ContactIdentity.objects.filter(contact=first).count() == 2


def test_contacts_are_per_organisation(org, other_org):
    a = services.contact_resolve(organisation=org, email="sama@example.com")
    b = services.contact_resolve(organisation=other_org, email="sama@example.com")
    assert a != b


def test_contact_needs_an_address(org):
    with pytest.raises(ValidationError):
        services.contact_resolve(organisation=org, name="Tanpa alamat")


def test_sequence_counts_per_name_and_organisation(org, other_org):
    assert [services.sequence_next(organisation=org, name="x") for _ in range(3)] == [1, 2, 3]
    assert services.sequence_next(organisation=other_org, name="x") == 1
    assert services.sequence_next(organisation=org, name="y") == 1


def test_staff_user_create_records_event_and_rejects_duplicates(org, admin_user):
    user = services.staff_user_create(
        organisation=org,
        email="Baru@Nusantara.test",
        name="Baru",
        role=Role.AGENT,
        actor=admin_user,
    )
    assert user.email == "baru@nusantara.test"
    assert Event.objects.filter(type="core.user.created", object_id=user.pk).exists()
    with pytest.raises(ValidationError):
        services.staff_user_create(organisation=org, email="baru@nusantara.test", name="Lagi")


def test_admin_cannot_demote_themselves(admin_user):
    with pytest.raises(ValidationError):
        services.staff_user_update(user=admin_user, actor=admin_user, role=Role.AGENT)


def test_customer_account_links_existing_contact(org, make_ticket):
    contact = services.contact_resolve(organisation=org, name="Dewi", email="dewi2@example.com")
    make_ticket(requester=contact)
    user = services.customer_user_create(
        organisation=org, email="dewi2@example.com", name="Dewi", password="rahasia-123"
    )
    contact.refresh_from_db()
    assert contact.user == user


def test_a_known_phone_never_pulls_a_new_email_onto_its_owner(org):
    # Given Andi, known by e-mail and phone
    andi = services.contact_resolve(
        organisation=org, name="Andi", email="andi@example.com", phone="0812 3456 7890"
    )
    # When someone else gives Andi's phone with their own e-mail address
    other = services.contact_resolve(
        organisation=org, name="Penipu", email="attacker@evil.test", phone="0812 3456 7890"
    )
    # Then they are a different contact, and Andi's addresses are unchanged
    assert other != andi
    assert sorted(ContactIdentity.objects.filter(contact=andi).values_list("value", flat=True)) == [
        "+6281234567890",
        "andi@example.com",
    ]
    assert list(ContactIdentity.objects.filter(contact=other).values_list("value", flat=True)) == [
        "attacker@evil.test"
    ]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite runs one writing transaction at a time",
)
@pytest.mark.django_db(transaction=True)
def test_two_first_messages_of_a_new_sender_at_once_make_one_contact(org):
    import threading

    from django.db import transaction
    from django_scopes import scopes_disabled

    from karcis.core.models import Contact

    created, release = threading.Event(), threading.Event()
    found, errors = [], []

    def first_writer():
        try:
            with scopes_disabled(), transaction.atomic():
                found.append(services.contact_resolve(organisation=org, email="baru@example.com"))
                created.set()
                release.wait(10)
        except BaseException as error:  # noqa: BLE001 (reported to the test)
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=first_writer)
    thread.start()
    assert created.wait(10)
    # The second INSERT waits for the first transaction, which commits a moment later.
    threading.Timer(0.3, release.set).start()
    with transaction.atomic():
        second = services.contact_resolve(organisation=org, email="baru@example.com", name="Baru")
        # The caller's transaction is still usable after the lost race.
        Contact.objects.filter(pk=second.pk).update(notes="dilihat")
    thread.join()

    assert errors == []
    assert second.pk == found[0].pk
    assert Contact.objects.filter(identities__value="baru@example.com").count() == 1
    # The loser's own contact, made a moment before it lost, is not left behind.
    assert Contact.objects.count() == 1
