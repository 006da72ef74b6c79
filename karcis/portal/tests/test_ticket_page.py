"""The ticket page behind the signed link: what the requester sees, replies and downloads."""

import time
from datetime import UTC, datetime
from unittest import mock

import pytest

from karcis.core.content import body_from
from karcis.core.services import contact_resolve, organisation_create
from karcis.desk import services as desk_services
from karcis.desk.models import Message, Ticket
from karcis.desk.selectors import tracking_token
from karcis.portal.tests.conftest import (
    PDF_BYTES,
    agent_note,
    agent_reply,
    checked,
    link_of,
    set_status,
    upload,
)

pytestmark = pytest.mark.django_db

NOTE = "Catatan rahasia: pelanggan ini sudah tiga kali komplain"


@pytest.fixture
def ticket(make_ticket, contact, org):
    category = desk_services.category_create(organisation=org, name="Listrik")
    return make_ticket(
        requester=contact,
        subject="Listrik padam",
        category=category,
        text="Sejak pagi listrik padam.",
    )


def test_the_link_shows_the_ticket(client, ticket):
    response = client.get(link_of(ticket))
    html = response.content.decode()
    assert response.status_code == 200
    assert ticket.number in html and "Listrik padam" in html
    assert "Sejak pagi listrik padam." in html
    assert "Listrik" in html  # the category
    assert 'class="badge status-new">Diterima<' in html  # plain words for customers
    assert '<meta name="robots" content="noindex">' in html
    assert "no-store" in response["Cache-Control"]


def test_dates_are_in_the_organisations_time_zone(client, db):
    papua = organisation_create(
        name="Dinas Papua", slug="papua", ticket_prefix="PAP", time_zone="Asia/Jayapura"
    )
    requester = contact_resolve(organisation=papua, name="Yohana", email="yohana@example.com")
    ticket = desk_services.ticket_create(
        organisation=papua,
        requester=requester,
        subject="Jalan rusak",
        channel="web",
        body=body_from(text="Mohon diperbaiki."),
        created_at=datetime(2025, 3, 1, 1, 30, tzinfo=UTC),
    )
    html = client.get(link_of(ticket)).content.decode()
    assert "1 Mar 2025, 10:30 WIT" in html


def test_internal_notes_are_never_shown(client, ticket, agent, png):
    agent_note(ticket, agent, NOTE, attachments=checked(png("bukti-internal.png")))
    agent_reply(ticket, agent, "Petugas kami sedang menuju lokasi.")
    html = client.get(link_of(ticket)).content.decode()
    assert "Petugas kami sedang menuju lokasi." in html
    assert NOTE not in html
    assert "bukti-internal.png" not in html


def test_agents_sign_with_their_first_name(client, ticket, agent):
    agent_reply(ticket, agent, "Baik, kami cek.")
    html = client.get(link_of(ticket)).content.decode()
    assert "Budi" in html
    assert "Santoso" not in html


def test_agent_only_custom_fields_are_never_shown(client, org, agent, make_ticket, contact):
    desk_services.custom_field_create(
        organisation=org, key="meter", label="Nomor meter", kind="text", visible_to_customer=True
    )
    desk_services.custom_field_create(
        organisation=org, key="risk", label="Skor risiko", kind="text"
    )
    ticket = make_ticket(
        requester=contact, custom_fields={"meter": "5123-77", "risk": "tinggi-sekali"}
    )
    html = client.get(link_of(ticket)).content.decode()
    assert "Nomor meter" in html and "5123-77" in html
    assert "Skor risiko" not in html and "tinggi-sekali" not in html


# --- links that do not work -------------------------------------------------------------------


def assert_helpful_404(response, org):
    assert response.status_code == 404
    html = response.content.decode()
    assert "Tautan ini tidak berfungsi" in html
    assert f'action="/portal/{org.slug}/track/"' in html


def test_forged_link(client, org, ticket):
    token = tracking_token(ticket=ticket)
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    assert_helpful_404(client.get(f"/portal/{org.slug}/t/{forged}/"), org)
    assert_helpful_404(client.get(f"/portal/{org.slug}/t/sembarang/"), org)


def test_expired_link(client, org, ticket):
    long_ago = time.time() - 181 * 24 * 3600
    with mock.patch("django.core.signing.time.time", return_value=long_ago):
        token = tracking_token(ticket=ticket)
    assert_helpful_404(client.get(f"/portal/{org.slug}/t/{token}/"), org)


def test_link_older_than_the_configured_age(client, org, ticket, settings):
    settings.KARCIS_TRACKING_LINK_MAX_AGE = 60
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 120):
        token = tracking_token(ticket=ticket)
    assert_helpful_404(client.get(f"/portal/{org.slug}/t/{token}/"), org)
    fresh = tracking_token(ticket=ticket)
    assert client.get(f"/portal/{org.slug}/t/{fresh}/").status_code == 200


def test_another_organisations_link(client, org, other_org, ticket):
    token = tracking_token(ticket=ticket)
    assert_helpful_404(client.get(f"/portal/{other_org.slug}/t/{token}/"), other_org)
    assert client.get(f"/portal/{other_org.slug}/t/{token}/submitted/").status_code == 404


def test_a_link_signed_for_something_else_is_refused(client, org, ticket):
    from django.core import signing

    token = signing.dumps({"o": org.pk, "t": ticket.pk}, compress=True)  # default salt
    assert_helpful_404(client.get(f"/portal/{org.slug}/t/{token}/"), org)


# --- replies ----------------------------------------------------------------------------------


def test_reply_is_added_from_the_requester(client, ticket, png):
    url = link_of(ticket)
    response = client.post(url, {"body": "Masih padam sampai sekarang.", "attachments": [png()]})
    assert response.status_code == 302
    assert response["Location"] == url
    message = Message.objects.filter(ticket=ticket).last()
    assert message.author_contact == ticket.requester
    assert message.channel == "web" and message.kind == "reply"
    assert message.attachments.get().filename == "layar.png"
    page = client.get(url).content.decode()
    assert "Masih padam sampai sekarang." in page
    assert "Balasan Anda sudah terkirim." in page


def test_reply_reopens_a_solved_ticket(client, ticket, agent):
    set_status(ticket, agent, "solved")
    assert "Selesai" in client.get(link_of(ticket)).content.decode()
    client.post(link_of(ticket), {"body": "Ternyata padam lagi."})
    assert Ticket.objects.get(pk=ticket.pk).status == "open"


def test_empty_reply_is_refused(client, ticket):
    response = client.post(link_of(ticket), {"body": "   "})
    assert response.status_code == 400
    assert "Tulis pesan atau lampirkan berkas." in response.content.decode()
    assert Message.objects.filter(ticket=ticket).count() == 1


def test_reply_with_a_disguised_file_is_refused(client, ticket):
    response = client.post(
        link_of(ticket), {"body": "Lihat lampiran", "attachments": [upload("foto.png", PDF_BYTES)]}
    )
    assert response.status_code == 400
    assert Message.objects.filter(ticket=ticket).count() == 1


def test_closed_ticket_offers_a_follow_up(client, ticket, agent):
    set_status(ticket, agent, "solved", "closed")
    url = link_of(ticket)
    html = client.get(url).content.decode()
    assert 'name="body"' not in html
    assert f'href="{url}follow-up/"' in html

    refused = client.post(url, {"body": "Halo?"})
    assert refused.status_code == 409
    assert Message.objects.filter(ticket=ticket).count() == 1
    assert "Buka tiket lanjutan" in refused.content.decode()

    form = client.get(url + "follow-up/")
    assert form.status_code == 200
    assert form.context["form"]["subject"].value() == ticket.subject
    assert 'name="email"' not in form.content.decode()

    created = client.post(
        url + "follow-up/",
        {
            "subject": ticket.subject,
            "description": "Padam lagi minggu ini.",
            "category": str(ticket.category_id),
        },
    )
    assert created.status_code == 302
    follow_up = Ticket.objects.exclude(pk=ticket.pk).get()
    assert follow_up.linked_to == ticket
    assert follow_up.requester == ticket.requester
    assert follow_up.channel == "web"
    assert client.get(created["Location"]).status_code == 200


def test_follow_up_of_an_open_ticket_goes_back_to_it(client, ticket):
    url = link_of(ticket)
    response = client.post(url + "follow-up/", {"subject": "x", "description": "y"})
    assert response.status_code == 302 and response["Location"] == url
    assert Ticket.objects.count() == 1


def test_follow_up_needs_a_valid_link(client, org):
    assert client.get(f"/portal/{org.slug}/t/palsu/follow-up/").status_code == 404


# --- files ------------------------------------------------------------------------------------


def test_image_is_shown_inline_as_a_thumbnail(client, ticket, png):
    client.post(link_of(ticket), {"body": "Foto meteran", "attachments": [png()]})
    attachment = Message.objects.filter(ticket=ticket).last().attachments.get()
    url = f"{link_of(ticket)}files/{attachment.token}/"
    html = client.get(link_of(ticket)).content.decode()
    assert f'<img src="{url}"' in html

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert 'filename="layar.png"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_other_files_are_downloads(client, ticket, agent):
    agent_reply(
        ticket, agent, "Ini kuitansinya.", attachments=checked(upload("kuitansi.pdf", PDF_BYTES))
    )
    attachment = Message.objects.filter(ticket=ticket).last().attachments.get()
    url = f"{link_of(ticket)}files/{attachment.token}/"
    assert f'href="{url}" download' in client.get(link_of(ticket)).content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_files_of_notes_and_of_other_tickets_are_404(client, ticket, agent, make_ticket, png):
    note = agent_note(ticket, agent, NOTE, attachments=checked(png("internal.png")))
    other = make_ticket(subject="Tiket lain")
    other_reply = agent_reply(other, agent, "x", attachments=checked(png("lain.png")))
    for message in (note, other_reply):
        token = message.attachments.get().token
        assert client.get(f"{link_of(ticket)}files/{token}/").status_code == 404
    assert client.get(f"{link_of(ticket)}files/tidak-ada/").status_code == 404
    token = note.attachments.get().token
    assert (
        client.get(f"/portal/{ticket.organisation.slug}/t/palsu/files/{token}/").status_code == 404
    )


@pytest.mark.parametrize("replies", [1, 5])
def test_the_page_costs_the_same_queries_for_any_length_of_conversation(
    client, ticket, agent, png, django_assert_num_queries, replies
):
    for index in range(replies):
        agent_reply(ticket, agent, f"Balasan {index}", attachments=checked(png(f"foto{index}.png")))
        agent_note(ticket, agent, f"Catatan {index}")
    url = link_of(ticket)
    # organisation, ticket, messages, their files, the customer-visible custom fields
    with django_assert_num_queries(5):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["conversation"]) == replies + 1


def test_an_identity_number_is_never_shown_on_the_portal(client, org, make_ticket, contact):
    # Given a NIK asked on the portal, and a ticket that carries one
    desk_services.custom_field_create(
        organisation=org, key="nik", label="NIK", kind="id_number", visible_to_customer=True
    )
    ticket = make_ticket(requester=contact, custom_fields={"nik": "3201 1234 5678 9012"})
    assert ticket.custom_fields["nik"] == "3201123456789012"  # stored as its 16 digits
    # Then neither the ticket page by link nor the receipt shows it, nor its label
    for url in (link_of(ticket), link_of(ticket) + "submitted/"):
        html = client.get(url).content.decode()
        assert "3201123456789012" not in html and "3201" not in html


def test_an_identity_number_needs_its_16_digits(org, make_ticket, contact):
    from django.core.exceptions import ValidationError

    desk_services.custom_field_create(organisation=org, key="nik", label="NIK", kind="id_number")
    with pytest.raises(ValidationError):
        make_ticket(requester=contact, custom_fields={"nik": "12345"})


def test_a_refused_reply_keeps_its_good_files(client, ticket, png):
    # Given a reply refused for one disguised file, with a good one beside it
    response = client.post(
        link_of(ticket),
        {"body": "Lihat", "attachments": [png("bukti.png"), upload("foto.png", PDF_BYTES)]},
    )
    assert response.status_code == 400
    assert [k.filename for k in response.context["kept_files"]] == ["bukti.png"]
    assert "bukti.png" in response.content.decode()
    # When it is sent again with no file picked (and no text: the kept file is enough)
    response = client.post(
        link_of(ticket), {"body": "", "kept_files": response.context["kept_token"]}
    )
    # Then the reply carries the kept file
    assert response.status_code == 302
    assert Message.objects.filter(ticket=ticket).last().attachments.get().filename == "bukti.png"


def test_follow_ups_count_against_the_client_limit(client, ticket, agent):
    from karcis.portal.throttle import SUBMISSIONS_PER_CLIENT

    set_status(ticket, agent, "solved", "closed")
    for _ in range(SUBMISSIONS_PER_CLIENT.limit):
        SUBMISSIONS_PER_CLIENT.hit(type("R", (), {"META": {"REMOTE_ADDR": "127.0.0.1"}})())
    response = client.post(
        link_of(ticket) + "follow-up/", {"subject": "Lagi", "description": "Padam lagi."}
    )
    assert response.status_code == 429
    assert Ticket.objects.count() == 1


def test_a_merged_ticket_points_to_the_one_it_went_into(
    client, ticket, make_ticket, contact, agent, org
):
    target = make_ticket(requester=contact, subject="Listrik padam lagi")
    stranger = contact_resolve(organisation=org, name="Orang Lain", email="lain@example.com")
    elsewhere = make_ticket(requester=stranger, subject="Milik orang lain")
    desk_services.ticket_merge(source=ticket, target=target, actor=agent)

    html = client.get(link_of(ticket)).content.decode()

    assert 'class="alert alert-info merged-note"' in html
    assert f'href="/portal/{org.slug}/t/' in html and target.number in html
    # Merged into another person's ticket: named, never linked (its link would open it).
    target_of_other = make_ticket(requester=contact, subject="Ketiga")
    desk_services.ticket_merge(source=target_of_other, target=elsewhere, actor=agent)
    html = client.get(link_of(target_of_other)).content.decode()
    assert elsewhere.number in html
    assert "Milik orang lain" not in html
    note = html.split('class="alert alert-info merged-note"', 1)[1].split("</div>", 1)[0]
    assert elsewhere.number in note and "<a " not in note
