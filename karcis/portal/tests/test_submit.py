"""The help page and the ticket form: what is asked, what is stored, what is refused."""

import pytest
from django.core.files.storage import default_storage

from karcis.core.content import body_from
from karcis.core.models import Contact, ContactIdentity, Event
from karcis.desk import services as desk_services
from karcis.desk.models import Attachment, Message, Ticket
from karcis.portal.tests.conftest import EXE_BYTES, PDF_BYTES, portal_url, upload

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "name": "Andi Pratama",
        "email": "Andi@Example.com",
        "phone": "0812-3456-7890",
        "subject": "Listrik padam sejak pagi",
        "description": "Sejak jam 7 pagi listrik di rumah saya padam.",
        "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def nothing_saved():
    return (
        Ticket.objects.count() == 0
        and Message.objects.count() == 0
        and Attachment.objects.count() == 0
        and Contact.objects.count() == 0
        and ContactIdentity.objects.count() == 0
    )


@pytest.fixture
def categories(org):
    billing = desk_services.category_create(organisation=org, name="Tagihan")
    failed = desk_services.category_create(
        organisation=org, name="Pembayaran gagal", parent=billing
    )
    water = desk_services.category_create(organisation=org, name="Tagihan Air")
    old = desk_services.category_create(organisation=org, name="Lama")
    old.is_active = False
    old.save(update_fields=["is_active"])
    return {"billing": billing, "failed": failed, "water": water, "old": old}


# --- help page ----------------------------------------------------------------------------


def test_help_page_offers_submit_and_track(client, org):
    response = client.get(portal_url(org))
    html = response.content.decode()
    assert response.status_code == 200
    assert org.name in html
    assert f'href="/portal/{org.slug}/new/"' in html
    assert f'action="/portal/{org.slug}/track/"' in html
    assert 'name="number"' in html and 'name="email"' in html
    # The portal's own sign-in (its customers' accounts), which comes back here.
    assert f"/portal/{org.slug}/signin/?next=/portal/{org.slug}/" in html


def test_help_page_links_a_signed_in_customer_to_their_tickets(client, org, customer):
    client.force_login(customer)
    html = client.get(portal_url(org)).content.decode()
    assert f'href="/portal/{org.slug}/my-tickets/"' in html


def test_unknown_organisation_is_404(client, org):
    assert client.get("/portal/tidak-ada/").status_code == 404
    assert client.get("/portal/tidak-ada/new/").status_code == 404


# --- the form -----------------------------------------------------------------------------


def test_form_offers_active_categories_in_tree_order(client, org, categories):
    html = client.get(portal_url(org, "new/")).content.decode()
    assert "Lama" not in html  # inactive
    parent = html.index(">Tagihan<")
    child = html.index(">Tagihan › Pembayaran gagal<")
    sibling = html.index(">Tagihan Air<")
    assert parent < child < sibling


def test_form_shows_only_customer_visible_custom_fields(client, org):
    desk_services.custom_field_create(
        organisation=org, key="meter", label="Nomor meter", kind="text", visible_to_customer=True
    )
    desk_services.custom_field_create(
        organisation=org, key="risk", label="Skor risiko internal", kind="number"
    )
    html = client.get(portal_url(org, "new/")).content.decode()
    assert "Nomor meter" in html and 'name="cf_meter"' in html
    assert "Skor risiko internal" not in html and "cf_risk" not in html


def test_submit_opens_a_web_ticket_and_shows_its_receipt(client, org, categories):
    response = client.post(
        portal_url(org, "new/"), form_data(category=str(categories["failed"].pk))
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.channel == "web"
    assert ticket.subject == "Listrik padam sejak pagi"
    assert ticket.category == categories["failed"]
    assert ticket.requester.name == "Andi Pratama"
    assert ticket.requester.email == "andi@example.com"
    assert ticket.requester.phone == "+6281234567890"
    assert ticket.messages.get().author_contact == ticket.requester
    assert Event.objects.filter(type="desk.ticket.created", object_id=ticket.pk).exists()

    # The receipt is reached through the signed link: reloading it sends nothing again.
    receipt = response["Location"]
    assert receipt.startswith(f"/portal/{org.slug}/t/") and receipt.endswith("/submitted/")
    for _ in range(2):
        page = client.get(receipt)
        html = page.content.decode()
        assert page.status_code == 200
        assert ticket.number in html
        assert 'class="big-number ticket-number"' in html
        link = "http://testserver" + receipt.removesuffix("submitted/")
        assert f'data-copy="{link}"' in html
    assert Ticket.objects.count() == 1


def test_submit_with_a_screenshot(client, org, png):
    response = client.post(portal_url(org, "new/"), {**form_data(), "attachments": [png()]})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.filename == "layar.png"
    assert attachment.content_type == "image/png"
    assert attachment.message.ticket == Ticket.objects.get()
    assert default_storage.exists(attachment.file.name)


def test_submit_with_several_files(client, org, png):
    files = [png("satu.png"), upload("kuitansi.pdf", PDF_BYTES)]
    response = client.post(portal_url(org, "new/"), {**form_data(), "attachments": files})
    assert response.status_code == 302
    assert sorted(Attachment.objects.values_list("content_type", flat=True)) == [
        "application/pdf",
        "image/png",
    ]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"email": ""}, "email"),
        ({"email": "bukan-alamat"}, "email"),
        ({"phone": "12"}, "phone"),
        ({"subject": ""}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"description": ""}, "description"),
        ({"category": "999999"}, "category"),
    ],
)
def test_invalid_fields_are_marked_and_nothing_is_saved(client, org, categories, overrides, field):
    response = client.post(portal_url(org, "new/"), form_data(**overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert 'class="field has-error"' in response.content.decode()
    assert nothing_saved()


def test_inactive_category_is_refused(client, org, categories):
    response = client.post(portal_url(org, "new/"), form_data(category=str(categories["old"].pk)))
    assert response.status_code == 400
    assert nothing_saved()


def test_other_organisations_category_is_refused(client, org, other_org, categories):
    foreign = desk_services.category_create(organisation=other_org, name="Asing")
    response = client.post(portal_url(org, "new/"), form_data(category=str(foreign.pk)))
    assert response.status_code == 400
    assert nothing_saved()


def test_without_categories_the_question_is_not_asked(client, org, other_org):
    foreign = desk_services.category_create(organisation=other_org, name="Asing")
    assert 'name="category"' not in client.get(portal_url(org, "new/")).content.decode()
    response = client.post(portal_url(org, "new/"), form_data(category=str(foreign.pk)))
    assert response.status_code == 302
    assert Ticket.objects.get().category is None


def test_oversized_file_is_refused_before_anything_is_written(client, org, settings, png):
    settings.KARCIS_ATTACHMENT_MAX_BYTES = 50  # the PNG fixture is 70 bytes
    response = client.post(portal_url(org, "new/"), {**form_data(), "attachments": [png()]})
    assert response.status_code == 413
    assert "layar.png" in " ".join(response.context["form"].errors["attachments"])
    assert nothing_saved()


def test_program_renamed_as_image_is_refused(client, org, png):
    files = [png("bagus.png"), upload("foto.png", EXE_BYTES, "image/png")]
    response = client.post(portal_url(org, "new/"), {**form_data(), "attachments": files})
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors["attachments"])
    assert "foto.png" in errors
    assert nothing_saved()
    assert not list((settings_media_root() / "attachments").glob("**/*.png"))


def test_file_disguised_under_another_type_is_refused(client, org):
    files = [upload("layar.png", PDF_BYTES, "image/png")]
    response = client.post(portal_url(org, "new/"), {**form_data(), "attachments": files})
    assert response.status_code == 400
    assert "layar.png" in " ".join(response.context["form"].errors["attachments"])
    assert nothing_saved()


def settings_media_root():
    from pathlib import Path

    from django.conf import settings

    return Path(settings.MEDIA_ROOT)


def test_honeypot_stops_bots(client, org):
    response = client.post(portal_url(org, "new/"), form_data(website="http://spam.example"))
    assert response.status_code == 400
    assert nothing_saved()


def test_the_bot_trap_is_hidden_from_people(client, org):
    html = client.get(portal_url(org, "new/")).content.decode()
    assert '<div class="hp-field" aria-hidden="true">' in html
    assert 'tabindex="-1"' in html


# --- custom fields --------------------------------------------------------------------------


@pytest.fixture
def portal_fields(org):
    make = desk_services.custom_field_create
    return [
        make(
            organisation=org,
            key="meter",
            label="Nomor meter",
            kind="text",
            visible_to_customer=True,
            required=True,
        ),
        make(
            organisation=org,
            key="amount",
            label="Jumlah tagihan",
            kind="number",
            visible_to_customer=True,
        ),
        make(
            organisation=org,
            key="since",
            label="Sejak tanggal",
            kind="date",
            visible_to_customer=True,
        ),
        make(
            organisation=org,
            key="area",
            label="Wilayah",
            kind="choice",
            choices=["Jakarta", "Bandung"],
            visible_to_customer=True,
        ),
        make(
            organisation=org,
            key="proof",
            label="Tautan bukti",
            kind="url",
            visible_to_customer=True,
        ),
    ]


def test_custom_fields_are_stored_by_kind(client, org, portal_fields):
    html = client.get(portal_url(org, "new/")).content.decode()
    assert 'type="number"' in html and 'type="date"' in html and 'type="url"' in html
    assert '<option value="Bandung">Bandung</option>' in html
    response = client.post(
        portal_url(org, "new/"),
        form_data(
            cf_meter="5123-77",
            cf_amount="125000.50",
            cf_since="2025-03-01",
            cf_area="Bandung",
            cf_proof="https://contoh.go.id/bukti",
        ),
    )
    assert response.status_code == 302
    assert Ticket.objects.get().custom_fields == {
        "meter": "5123-77",
        "amount": "125000.50",
        "since": "2025-03-01",
        "area": "Bandung",
        "proof": "https://contoh.go.id/bukti",
    }


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"cf_meter": ""}, "cf_meter"),
        ({"cf_amount": "banyak"}, "cf_amount"),
        ({"cf_since": "kemarin"}, "cf_since"),
        ({"cf_area": "Surabaya"}, "cf_area"),
        ({"cf_proof": "javascript:alert(1)"}, "cf_proof"),
    ],
)
def test_invalid_custom_values_are_marked(client, org, portal_fields, overrides, field):
    data = form_data(**{"cf_meter": "5123-77", **overrides})
    response = client.post(portal_url(org, "new/"), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert nothing_saved()


def test_an_agent_only_required_field_does_not_block_the_portal(client, org):
    # Agents fill in their own required fields later; a request coming in is never refused
    # for a field the visitor cannot see.
    desk_services.custom_field_create(
        organisation=org, key="internal", label="Kode internal", kind="text", required=True
    )
    response = client.post(portal_url(org, "new/"), form_data())
    assert response.status_code == 302
    assert Ticket.objects.count() == 1


# --- signed-in people -------------------------------------------------------------------------


def test_signed_in_customer_sends_as_themselves(client, org, customer):
    client.force_login(customer)
    page = client.get(portal_url(org, "new/"))
    html = page.content.decode()
    assert 'name="email"' not in html
    assert customer.email in html and customer.name in html
    response = client.post(
        portal_url(org, "new/"),
        {"subject": "Kartu tidak bisa dipakai", "description": "Ditolak di kasir."},
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.requester.user == customer
    assert client.get(f"/portal/{org.slug}/tickets/{ticket.number}/").status_code == 200


def test_staff_get_the_public_form(client, org, agent):
    client.force_login(agent)
    html = client.get(portal_url(org, "new/")).content.decode()
    assert 'name="email"' in html


def test_customer_of_another_organisation_gets_the_public_form(client, org, other_org):
    from karcis.core.services import customer_user_create

    stranger = customer_user_create(
        organisation=other_org, email="tamu@example.com", name="Tamu", password="rahasia-123"
    )
    client.force_login(stranger)
    response = client.post(portal_url(org, "new/"), form_data())
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.organisation == org
    assert ticket.requester.user is None


def test_a_phone_number_does_not_borrow_someone_elses_contact(client, org, contact, make_ticket):
    # Someone types the victim's phone number with their own e-mail address...
    victims = make_ticket(requester=contact, subject="Data pribadi saya")
    response = client.post(
        portal_url(org, "new/"), form_data(email="penyusup@example.com", phone=contact.phone)
    )
    assert response.status_code == 302
    new = Ticket.objects.exclude(pk=victims.pk).get()
    # ...and gets a contact of their own; their address cannot unlock the victim's tickets.
    assert new.requester != contact
    tracked = client.post(
        portal_url(org, "track/"), {"number": victims.number, "email": "penyusup@example.com"}
    )
    assert tracked.status_code == 400


def test_an_empty_post_is_an_invalid_form_not_a_fresh_one(client, org):
    response = client.post(portal_url(org, "new/"), {})
    assert response.status_code == 400
    assert {"name", "email", "subject", "description"} <= set(response.context["form"].errors)
    assert nothing_saved()


# --- abuse: rate limits, the bot trap, files kept across a refusal ---------------------------


def test_submissions_are_limited_per_client(client, org, settings):
    from karcis.portal.throttle import SUBMISSIONS_PER_CLIENT

    for number in range(SUBMISSIONS_PER_CLIENT.limit):
        response = client.post(portal_url(org, "new/"), form_data(email=f"o{number}@example.com"))
        assert response.status_code == 302
    tickets = Ticket.objects.count()
    response = client.post(
        portal_url(org, "new/"), form_data(email="lagi@example.com"), HTTP_ACCEPT_LANGUAGE="id"
    )
    assert response.status_code == 429
    assert "Terlalu banyak tiket" in response.content.decode()
    assert Ticket.objects.count() == tickets
    assert not ContactIdentity.objects.filter(value="lagi@example.com").exists()
    # Another client is not held back
    other = client.post(
        portal_url(org, "new/"), form_data(email="lain@example.com"), REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 302


def test_submissions_are_limited_per_address(client, org):
    from karcis.portal.throttle import SUBMISSIONS_PER_ADDRESS

    for number in range(SUBMISSIONS_PER_ADDRESS.limit):
        response = client.post(
            portal_url(org, "new/"),
            form_data(email="korban@example.com"),
            REMOTE_ADDR=f"10.0.1.{number}",
        )
        assert response.status_code == 302
    response = client.post(
        portal_url(org, "new/"), form_data(email="KORBAN@example.com"), REMOTE_ADDR="10.0.2.1"
    )
    assert response.status_code == 429
    assert Ticket.objects.count() == SUBMISSIONS_PER_ADDRESS.limit


def test_the_bot_trap_says_what_happened_and_offers_itself_empty(client, org):
    response = client.post(
        portal_url(org, "new/"), form_data(website="Andi Pratama"), HTTP_ACCEPT_LANGUAGE="id"
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "pengisian formulir otomatis" in html  # what happened, not "you are a bot"
    assert 'name="website" id="id_website" autocomplete="off" tabindex="-1" value=""' in html
    assert "Andi Pratama" in html  # the visitor's own name is kept in its field
    assert nothing_saved()


def test_a_refused_form_keeps_its_files_for_the_next_try(client, org, png):
    # Given a form refused (no subject) with two good files and one refused
    files = [png("layar.png"), upload("bukti.pdf", PDF_BYTES), upload("foto.png", EXE_BYTES)]
    response = client.post(portal_url(org, "new/"), {**form_data(subject=""), "attachments": files})
    assert response.status_code == 400
    assert nothing_saved()
    kept = response.context["kept_files"]
    assert [k.filename for k in kept] == ["layar.png", "bukti.pdf"]
    html = response.content.decode()
    assert "layar.png" in html and 'name="kept_files"' in html
    token = response.context["kept_token"]
    # When it is sent again, corrected, without attaching anything
    response = client.post(portal_url(org, "new/"), {**form_data(), "kept_files": token})
    # Then the ticket has both files, and the stash is emptied
    assert response.status_code == 302
    message = Message.objects.get()
    assert sorted(a.filename for a in message.attachments.all()) == ["bukti.pdf", "layar.png"]
    assert not any(default_storage.exists(k.path) for k in kept)


def test_a_kept_file_can_be_removed_and_new_ones_added(client, org, png):
    response = client.post(
        portal_url(org, "new/"), {**form_data(subject=""), "attachments": [png("a.png")]}
    )
    [kept] = response.context["kept_files"]
    response = client.post(
        portal_url(org, "new/"),
        {
            **form_data(),
            "kept_files": response.context["kept_token"],
            "drop_kept": kept.path,
            "attachments": [upload("b.pdf", PDF_BYTES)],
        },
    )
    assert response.status_code == 302
    assert [a.filename for a in Message.objects.get().attachments.all()] == ["b.pdf"]


def test_a_throttled_form_keeps_its_files(client, org, png):
    from karcis.portal.throttle import SUBMISSIONS_PER_ADDRESS

    for _ in range(SUBMISSIONS_PER_ADDRESS.limit):
        SUBMISSIONS_PER_ADDRESS.hit("andi@example.com")
    response = client.post(portal_url(org, "new/"), {**form_data(), "attachments": [png()]})
    assert response.status_code == 429
    assert [k.filename for k in response.context["kept_files"]] == ["layar.png"]
    assert Ticket.objects.count() == 0


def test_a_forged_or_foreign_kept_files_token_brings_nothing(client, org, other_org, png):
    from karcis.portal import stash

    response = client.post(
        portal_url(org, "new/"), {**form_data(subject=""), "attachments": [png()]}
    )
    token = response.context["kept_token"]
    [kept] = response.context["kept_files"]
    assert stash.from_token(organisation_id=other_org.pk, token=token) == []
    assert stash.from_token(organisation_id=org.pk, token=token[:-2] + "xx") == []
    assert stash.from_token(organisation_id=org.pk, token=token) == [kept]
    # a path outside the stash is never opened, even when signed
    outside = stash.KeptFile("attachments/other.png", "x.png", "image/png", 1)
    assert (
        stash.from_token(
            organisation_id=org.pk, token=stash.token_for(organisation_id=org.pk, kept=[outside])
        )
        == []
    )


def test_the_receipt_says_the_link_was_e_mailed(client, org, mailbox):
    response = client.post(portal_url(org, "new/"), form_data(), HTTP_ACCEPT_LANGUAGE="id")
    html = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Kami juga telah mengirim tautan ini lewat e-mail ke andi@example.com." in html


def test_the_receipt_says_nothing_of_e_mail_when_none_went(client, org):
    # No mailbox: no automatic reply
    response = client.post(portal_url(org, "new/"), form_data(), HTTP_ACCEPT_LANGUAGE="id")
    html = client.get(response["Location"]).content.decode()
    assert "lewat e-mail ke" not in html


def test_a_typed_phone_stays_unverified_and_never_takes_a_call(client, org, agent):
    # Given a visitor who types a number nobody has yet
    client.post(
        portal_url(org, "new/"), form_data(email="penipu@evil.test", phone="0812 9999 0000")
    )
    visitor = Contact.objects.get(identities__value="penipu@evil.test")
    phone = ContactIdentity.objects.get(value="+6281299990000")
    assert phone.contact == visitor and not phone.is_verified
    # When the desk takes a call from that number
    ticket = desk_services.ticket_create_for_caller(
        organisation=org,
        actor=agent,
        requester_name="Pemilik",
        requester_phone="0812 9999 0000",
        subject="Telepon",
        body=body_from(text="Halo"),
        channel="phone",
    )
    # Then the call is not the visitor's
    assert ticket.requester != visitor
    assert not Ticket.objects.filter(requester=visitor, channel="phone").exists()


def test_kept_files_never_sent_again_are_purged(client, org, png):
    from datetime import timedelta

    from django.utils import timezone

    from karcis.portal import stash

    response = client.post(
        portal_url(org, "new/"), {**form_data(subject=""), "attachments": [png()]}
    )
    [kept] = response.context["kept_files"]
    assert stash.stash_purge() == 0  # still within its day
    assert default_storage.exists(kept.path)
    assert stash.stash_purge(now=timezone.now() + timedelta(days=3)) == 1
    assert not default_storage.exists(kept.path)
