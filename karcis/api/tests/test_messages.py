"""/api/tickets/<number>/messages/ and /api/attachments/<token>/."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import PNG_BYTES
from karcis.core.content import attachments_check, body_from
from karcis.desk import services as desk_services
from karcis.desk.models import Attachment, Message, MessageKind, Status


def url(ticket) -> str:
    return f"/api/tickets/{ticket.number}/messages/"


@pytest.fixture
def conversation(make_ticket, customer, agent, png_upload):
    """A customer's ticket with a public reply and an internal note, each with a file."""
    ticket = make_ticket(requester=customer.contact)
    reply = desk_services.message_add(
        ticket=ticket,
        body=body_from(text="Sudah kami cek."),
        author_user=agent,
        attachments=attachments_check([png_upload("balasan.png")]),
    )
    note = desk_services.message_add(
        ticket=ticket,
        body=body_from(text="Pelanggan lama, prioritaskan."),
        author_user=agent,
        kind=MessageKind.NOTE,
        attachments=attachments_check([png_upload("catatan.png")]),
    )
    return ticket, reply, note


# --- list -------------------------------------------------------------------------------


def test_staff_see_the_whole_conversation(api, agent, conversation):
    ticket, reply, note = conversation

    body = api(agent).get(url(ticket)).json()

    assert [m["kind"] for m in body["results"]] == ["reply", "reply", "note"]
    first, second, third = body["results"]
    assert first["author"] == {"kind": "contact", "id": ticket.requester_id, "name": "Dewi Lestari"}
    assert second["author"] == {"kind": "user", "id": agent.pk, "name": "Budi Santoso"}
    assert second["body_text"] == "Sudah kami cek."
    assert second["attachments"][0]["filename"] == "balasan.png"
    assert second["attachments"][0]["content_type"] == "image/png"
    assert second["attachments"][0]["url"].startswith("http://testserver/api/attachments/")


def test_customer_sees_public_replies_only(api, customer, conversation):
    ticket, _reply, _note = conversation

    body = api(customer).get(url(ticket)).json()

    assert [m["kind"] for m in body["results"]] == ["reply", "reply"]
    assert "prioritaskan" not in str(body)


def test_message_list_query_count_does_not_grow(
    api, agent, make_ticket, png_upload, django_assert_num_queries
):
    ticket = make_ticket()
    client = api(agent)
    client.get(url(ticket))  # reads the token, cached from then on
    # the agent's teams, the ticket, count, page with authors, attachments
    with django_assert_num_queries(5):
        assert len(client.get(url(ticket)).json()["results"]) == 1
    for i in range(4):
        desk_services.message_add(
            ticket=ticket,
            body=body_from(text=f"Balasan {i}"),
            author_user=agent,
            attachments=attachments_check([png_upload(f"f{i}.png")]),
        )
    with django_assert_num_queries(5):
        assert len(client.get(url(ticket)).json()["results"]) == 5


def test_messages_are_hidden_from_those_who_cannot_see_the_ticket(
    api, customer, contact, tech_agent, team_billing, other_org_agent, make_ticket
):
    ticket = make_ticket(requester=contact, team=team_billing)

    assert api().get(url(ticket)).status_code == 401
    assert api(customer).get(url(ticket)).status_code == 404
    assert api(tech_agent).get(url(ticket)).status_code == 404
    assert api(other_org_agent).get(url(ticket)).status_code == 404
    for client in (api(customer), api(tech_agent), api(other_org_agent)):
        response = client.post(url(ticket), {"body": "Halo"}, format="json")
        assert response.status_code == 404
    assert Message.objects.count() == 1


# --- create -----------------------------------------------------------------------------


def test_agent_replies_and_sets_the_status(api, agent, make_ticket):
    ticket = make_ticket()

    response = api(agent).post(
        url(ticket), {"body": "Sudah beres ya.", "status": "solved"}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["kind"] == "reply"
    assert response.json()["channel"] == "api"
    assert response.json()["author"]["id"] == agent.pk
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED
    assert ticket.first_response_at is not None


def test_agent_writes_a_sanitised_internal_note(api, agent, make_ticket):
    ticket = make_ticket()

    response = api(agent).post(
        url(ticket),
        {
            "kind": "note",
            "body_html": '<p onclick="x()">Cek <b>dulu</b><script>x()</script></p>',
        },
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["kind"] == "note"
    assert response.json()["body_html"] == "<p>Cek <b>dulu</b></p>"
    ticket.refresh_from_db()
    assert ticket.first_response_at is None  # a note is no response to the customer


def test_customer_replies_to_own_ticket(api, customer, make_ticket):
    ticket = make_ticket(requester=customer.contact)

    response = api(customer).post(url(ticket), {"body": "Masih belum bisa."}, format="json")

    assert response.status_code == 201
    assert response.json()["author"] == {
        "kind": "contact",
        "id": customer.contact.pk,
        "name": "Dewi Lestari",
    }


@pytest.mark.parametrize(
    "payload", [{"body": "x", "kind": "note"}, {"body": "x", "status": "solved"}]
)
def test_customer_may_not_write_notes_or_set_the_status(api, customer, make_ticket, payload):
    ticket = make_ticket(requester=customer.contact)

    response = api(customer).post(url(ticket), payload, format="json")

    assert response.status_code == 403
    assert Message.objects.count() == 1


def test_an_empty_message_is_400(api, agent, make_ticket):
    ticket = make_ticket()

    response = api(agent).post(url(ticket), {"body": "  "}, format="json")

    assert response.status_code == 400
    assert "body" in response.json()


# --- files ------------------------------------------------------------------------------


def test_upload_a_png_and_download_it(api, agent, customer, make_ticket, png_upload):
    ticket = make_ticket(requester=customer.contact)

    response = api(agent).post(
        url(ticket),
        {
            "body": "Ini tangkapan layarnya.",
            "files[]": [png_upload("layar.png")],
        },
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    (attachment,) = response.json()["attachments"]
    assert attachment["filename"] == "layar.png"
    assert attachment["size"] == len(PNG_BYTES)
    download = api(customer).get(attachment["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG_BYTES
    assert download["Content-Type"] == "image/png"
    assert "attachment" in download["Content-Disposition"]


def test_a_file_alone_is_a_message(api, customer, make_ticket, png_upload):
    ticket = make_ticket(requester=customer.contact)

    response = api(customer).post(url(ticket), {"files": [png_upload()]}, format="multipart")

    assert response.status_code == 201
    assert len(response.json()["attachments"]) == 1


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile(
            "laporan.pdf", PNG_BYTES, content_type="application/pdf"
        ),  # a PNG in disguise
        SimpleUploadedFile("foto.png", b"MZ\x90\x00 not an image", content_type="image/png"),
    ],
)
def test_a_disguised_file_is_rejected_and_nothing_is_saved(
    api, agent, make_ticket, png_upload, settings, upload
):
    ticket = make_ticket()

    response = api(agent).post(
        url(ticket),
        {
            "body": "Lampiran",
            "files": [png_upload("boleh.png"), upload],
        },
        format="multipart",
    )

    assert response.status_code == 400
    assert "files" in response.json()
    assert Message.objects.count() == 1
    assert Attachment.objects.count() == 0
    media = settings.MEDIA_ROOT / "attachments"
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_files_on_notes_are_for_staff_only(
    api, agent, customer, tech_agent, other_org_agent, conversation
):
    _ticket, reply, note = conversation
    reply_file = reply.attachments.get()
    note_file = note.attachments.get()

    assert api(agent).get(f"/api/attachments/{note_file.token}/").status_code == 200
    assert api(customer).get(f"/api/attachments/{reply_file.token}/").status_code == 200
    assert api(customer).get(f"/api/attachments/{note_file.token}/").status_code == 404
    assert api(other_org_agent).get(f"/api/attachments/{reply_file.token}/").status_code == 404
    assert api().get(f"/api/attachments/{reply_file.token}/").status_code == 401


def test_files_of_another_teams_ticket_are_404(
    api, tech_agent, team_billing, make_ticket, agent, png_upload
):
    ticket = make_ticket(team=team_billing)
    message = desk_services.message_add(
        ticket=ticket,
        body=body_from(text="x"),
        author_user=agent,
        attachments=attachments_check([png_upload()]),
    )

    token = message.attachments.get().token
    assert api(tech_agent).get(f"/api/attachments/{token}/").status_code == 404
    assert api(agent).get(f"/api/attachments/{token}/").status_code == 200


def test_download_ignores_the_accept_header(api, agent, conversation):
    _ticket, reply, _note = conversation
    client = api(agent)

    response = client.get(
        f"/api/attachments/{reply.attachments.get().token}/", HTTP_ACCEPT="application/octet-stream"
    )

    assert response.status_code == 200
