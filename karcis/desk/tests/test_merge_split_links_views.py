"""Merge, split, links, CC and contact merge over HTTP: happy paths and denials."""

import pytest

from conftest import login
from karcis.core import services as core_services
from karcis.core.content import body_from
from karcis.core.models import Contact
from karcis.desk import services
from karcis.desk.models import Message, Status, Ticket, TicketLink, TicketParticipant

pytestmark = pytest.mark.django_db


def url(ticket, suffix=""):
    return f"/desk/tickets/{ticket.number}/{suffix}"


@pytest.fixture
def pair(make_ticket, contact, team_billing):
    first = make_ticket(requester=contact, subject="Tagihan ganda", team=team_billing)
    second = make_ticket(requester=contact, subject="Tagihan dobel", team=team_billing)
    services.message_add(ticket=first, body=body_from(text="balasan kedua"), author_contact=contact)
    return first, second


@pytest.fixture
def light_agent(org, admin_user, team_billing):
    role = core_services.custom_role_create(
        organisation=org,
        name="Hanya Lihat",
        capabilities=["desk.ticket.view", "desk.ticket.note"],
        actor=admin_user,
    )
    return core_services.staff_user_create(
        organisation=org,
        email="lihat@nusantara.test",
        name="Lihat Saja",
        role=role.key,
        teams=[team_billing],
        password="rahasia-123",
    )


def test_the_ticket_page_offers_merge_split_links_and_cc(client, agent, pair):
    first, _second = pair
    login(client, agent)
    page = client.get(url(first)).content.decode()
    assert f'action="{url(first, "merge/")}"' in page
    assert f'action="{url(first, "split/")}"' in page
    assert page.count('name="message"') == 1  # not for the first message
    assert f'action="{url(first, "links/")}"' in page
    assert f'action="{url(first, "participants/")}"' in page
    assert "/desk/contacts/" in page
    # No inline handlers or scripts (the Content-Security-Policy forbids them).
    assert "onclick=" not in page and "onsubmit=" not in page


def test_a_role_without_changes_sees_none_of_it(client, light_agent, pair):
    first, _second = pair
    login(client, light_agent)
    page = client.get(url(first)).content.decode()
    for suffix in ("merge/", "split/", "links/", "participants/"):
        assert url(first, suffix) not in page
    for suffix in ("split/", "links/", "participants/"):
        assert client.post(url(first, suffix), {}).status_code == 403
    assert client.get(url(first, "merge/"), {"into": pair[1].number}).status_code == 403


def test_merge_asks_for_confirmation_then_merges(client, agent, pair):
    first, second = pair
    login(client, agent)

    confirm = client.get(url(first, "merge/"), {"into": second.number.lower()})
    assert confirm.status_code == 200
    assert second.subject in confirm.content.decode()
    first.refresh_from_db()
    assert first.merged_into_id is None  # nothing changes before the confirmation

    response = client.post(url(first, "merge/"), {"into": second.number, "confirm": "1"})
    assert response.status_code == 302 and response["Location"] == url(second)
    first.refresh_from_db()
    assert first.merged_into == second and first.status == Status.CLOSED
    page = client.get(url(first)).content.decode()
    assert f'href="{url(second)}"' in page
    assert 'class="alert alert-info merged-notice"' in page


def test_merge_into_an_unknown_or_invisible_ticket_is_refused(
    client, agent, pair, make_ticket, team_tech, contact
):
    first, _second = pair
    hidden = make_ticket(requester=contact, subject="Teknis", team=team_tech)
    login(client, agent)
    for into in ("KRC-999999", hidden.number, first.number):
        response = client.post(url(first, "merge/"), {"into": into, "confirm": "1"})
        assert response.status_code == 400, into
    assert not Ticket.objects.filter(merged_into__isnull=False).exists()


def test_merge_of_another_organisations_ticket_is_a_404(client, other_org_agent, pair):
    first, second = pair
    login(client, other_org_agent)
    response = client.post(url(first, "merge/"), {"into": second.number, "confirm": "1"})
    assert response.status_code == 404


def test_split_a_message_into_a_new_ticket(client, agent, pair):
    first, _second = pair
    message = Message.objects.get(ticket=first, body_text="balasan kedua")
    login(client, agent)

    response = client.post(url(first, "split/"), {"message": message.pk, "subject": "Baru"})

    new = Ticket.objects.get(subject="Baru")
    assert response["Location"] == url(new)
    message.refresh_from_db()
    assert message.ticket == new
    page = client.get(url(new)).content.decode()
    assert first.number in page  # the link back to the original


def test_split_of_the_first_or_anothers_message_is_refused(client, agent, pair):
    first, second = pair
    login(client, agent)
    opening = Message.objects.filter(ticket=first).order_by("created_at", "id").first()
    elsewhere = Message.objects.filter(ticket=second).first()
    for message in (opening, elsewhere):
        client.post(url(first, "split/"), {"message": message.pk})
    assert Ticket.objects.count() == 2


def test_link_and_unlink_from_the_ticket_page(client, agent, pair):
    first, second = pair
    login(client, agent)
    client.post(url(first, "links/"), {"ticket": second.number, "kind": "parent"})
    link = TicketLink.objects.get()
    assert (link.from_ticket, link.to_ticket, link.kind) == (first, second, "parent")
    page = client.get(url(second)).content.decode()
    assert f'href="{url(first)}"' in page and "Tagihan ganda" in page
    client.post(url(second, "links/"), {"ticket": first.number, "action": "remove"})
    assert not TicketLink.objects.exists()


def test_link_to_a_ticket_the_agent_cannot_see_is_refused(
    client, agent, pair, make_ticket, team_tech, contact
):
    first, _second = pair
    hidden = make_ticket(requester=contact, subject="Teknis", team=team_tech)
    login(client, agent)
    client.post(url(first, "links/"), {"ticket": hidden.number, "kind": "related"})
    assert not TicketLink.objects.exists()


def test_cc_added_and_removed_by_hand(client, agent, pair):
    first, _second = pair
    login(client, agent)
    client.post(url(first, "participants/"), {"email": "rudi@example.com", "name": "Rudi"})
    participant = TicketParticipant.objects.get(ticket=first)
    assert participant.contact.name == "Rudi"
    assert "rudi@example.com" in client.get(url(first)).content.decode()
    client.post(url(first, "participants/"), {"remove": participant.contact_id})
    assert not TicketParticipant.objects.exists()
    client.post(url(first, "participants/"), {"email": "not an address"})
    assert not TicketParticipant.objects.exists()


def test_merge_contacts_from_the_requester_card(client, agent, org, pair, contact, make_ticket):
    first, _second = pair
    duplicate = core_services.contact_resolve(
        organisation=org, name="Andi Kantor", email="andi.kantor@example.com"
    )
    theirs = make_ticket(requester=duplicate, subject="Dari kantor")
    login(client, agent)
    merge_url = f"/desk/contacts/{contact.pk}/merge/"

    confirm = client.get(merge_url, {"address": "andi.kantor@example.com", "ticket": first.number})
    assert confirm.status_code == 200 and "Andi Kantor" in confirm.content.decode()
    response = client.post(
        merge_url,
        {"address": "andi.kantor@example.com", "ticket": first.number, "confirm": "1"},
    )
    assert response["Location"] == url(first)
    theirs.refresh_from_db()
    assert theirs.requester_id == contact.pk
    assert not Contact.objects.filter(pk=duplicate.pk).exists()


def test_merge_contacts_denials(
    client, org, other_org, other_org_agent, light_agent, contact, admin_user
):
    merge_url = f"/desk/contacts/{contact.pk}/merge/"
    login(client, other_org_agent)
    assert client.get(merge_url, {"address": "x@example.com"}).status_code == 404
    role = core_services.custom_role_create(
        organisation=org, name="Tanpa Kontak", capabilities=["desk.ticket.view"], actor=admin_user
    )
    no_contacts = core_services.staff_user_create(
        organisation=org, email="nk@nusantara.test", name="NK", role=role.key, password="x-123-abc"
    )
    login(client, no_contacts)
    assert client.get(merge_url, {"address": "x@example.com"}).status_code == 403


def test_replying_to_a_new_ticket_defaults_to_open(client, agent, make_ticket, team_billing):
    ticket = make_ticket(subject="Baru masuk", team=team_billing)
    assert ticket.status == Status.NEW
    login(client, agent)
    page = client.get(url(ticket)).content.decode()
    assert '<option value="open" selected>' in page


# --- the API ----------------------------------------------------------------------------------


def test_api_shows_links_and_merged_into(api, agent, pair):
    first, second = pair
    services.ticket_link_add(ticket=first, other=second, kind="related", actor=agent)
    client = api(agent)

    detail = client.get(f"/api/tickets/{first.number}/").json()
    assert detail["merged_into"] is None
    assert detail["links"] == [
        {"kind": "related", "number": second.number, "subject": "Tagihan dobel", "status": "new"}
    ]
    listed = client.get("/api/tickets/").json()["results"]
    assert {row["merged_into"] for row in listed} == {None}


def test_api_merge_and_links(api, agent, pair):
    first, second = pair
    client = api(agent)

    linked = client.post(
        f"/api/tickets/{first.number}/links/", {"ticket": second.number, "kind": "child"}
    )
    assert linked.status_code == 200, linked.content
    assert linked.json()["links"][0]["kind"] == "child"
    unlinked = client.post(
        f"/api/tickets/{first.number}/links/", {"ticket": second.number, "remove": True}
    )
    assert unlinked.json()["links"] == []

    merged = client.post(f"/api/tickets/{first.number}/merge/", {"into": second.number})
    assert merged.status_code == 200, merged.content
    assert merged.json()["number"] == second.number
    assert client.get(f"/api/tickets/{first.number}/").json()["merged_into"] == second.number
    again = client.post(f"/api/tickets/{second.number}/merge/", {"into": first.number})
    assert again.status_code == 400


def test_api_merge_denials(api, light_agent, other_org_agent, customer, pair):
    first, second = pair
    body = {"into": second.number}
    assert api(light_agent).post(f"/api/tickets/{first.number}/merge/", body).status_code == 403
    assert api(other_org_agent).post(f"/api/tickets/{first.number}/merge/", body).status_code in (
        403,
        404,
    )
    assert api(customer).post(f"/api/tickets/{first.number}/merge/", body).status_code == 403
    assert api().post(f"/api/tickets/{first.number}/merge/", body).status_code in (401, 403)
    assert not Ticket.objects.filter(merged_into__isnull=False).exists()


def test_a_merged_ticket_offers_no_second_merge(client, agent, pair, make_ticket, contact):
    first, second = pair
    services.ticket_merge(source=first, target=second, actor=agent)
    third = make_ticket(requester=contact, subject="Ketiga")
    login(client, agent)
    response = client.get(url(first, "merge/"), {"into": third.number})
    assert response.status_code == 302 and response["Location"] == url(first)
    assert url(first, "merge/") not in client.get(url(first)).content.decode()
