"""Signed-in customers: their ticket list, their tickets by number, and signing up."""

import re

import pytest
from django.core import mail
from django.test import Client

from karcis.core import services as core_services
from karcis.core.models import User
from karcis.desk.models import Message, Ticket
from karcis.portal.tests.conftest import agent_note, agent_reply, checked, set_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer_contact(customer, org):
    return core_services.contact_resolve(organisation=org, email=customer.email)


@pytest.fixture
def other_customer(other_org):
    return core_services.customer_user_create(
        organisation=other_org, email="tamu@lain.test", name="Tamu Lain", password="rahasia-123"
    )


def my_tickets_url(org):
    return f"/portal/{org.slug}/my-tickets/"


# --- who may open the pages --------------------------------------------------------------------


def test_visitors_are_sent_to_sign_in(client, org):
    response = client.get(my_tickets_url(org))
    assert response.status_code == 302
    assert response["Location"] == f"/portal/{org.slug}/signin/?next=/portal/{org.slug}/my-tickets/"


def test_staff_are_sent_to_the_desk(client, org, agent, admin_user):
    for user in (agent, admin_user):
        client.force_login(user)
        response = client.get(my_tickets_url(org))
        assert response.status_code == 302 and response["Location"] == "/desk/"


def test_people_of_other_organisations_find_nothing(client, org, other_org_agent, other_customer):
    for user in (other_org_agent, other_customer):
        client.force_login(user)
        assert client.get(my_tickets_url(org)).status_code == 404
        assert client.get(f"/portal/{org.slug}/tickets/KRC-000001/").status_code == 404


def test_unknown_organisation(client, customer):
    client.force_login(customer)
    assert client.get("/portal/tidak-ada/my-tickets/").status_code == 404


# --- the list ----------------------------------------------------------------------------------


def test_the_list_shows_only_the_customers_tickets(
    client, org, customer, customer_contact, make_ticket
):
    mine = make_ticket(requester=customer_contact, subject="Tagihan saya dobel")
    theirs = make_ticket(subject="Tiket orang lain")
    client.force_login(customer)
    html = client.get(my_tickets_url(org)).content.decode()
    assert mine.number in html and "Tagihan saya dobel" in html
    assert f'href="/portal/{org.slug}/tickets/{mine.number}/"' in html
    assert theirs.number not in html and "Tiket orang lain" not in html
    assert "Diterima" in html


def test_an_empty_list_invites_a_first_ticket(client, org, customer):
    client.force_login(customer)
    html = client.get(my_tickets_url(org)).content.decode()
    assert "Anda belum memiliki tiket." in html


@pytest.mark.parametrize("count", [1, 6])
def test_the_list_costs_the_same_queries_for_any_number_of_tickets(
    client, org, customer, customer_contact, make_ticket, django_assert_num_queries, count
):
    for index in range(count):
        make_ticket(requester=customer_contact, subject=f"Tiket {index}")
    client.force_login(customer)
    # session, user, organisation, count, page
    with django_assert_num_queries(5):
        response = client.get(my_tickets_url(org))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == count


def test_the_list_is_paginated(client, org, customer, customer_contact, make_ticket):
    for index in range(21):
        make_ticket(requester=customer_contact, subject=f"Tiket nomor {index}")
    client.force_login(customer)
    first = client.get(my_tickets_url(org))
    assert len(first.context["page"].object_list) == 20
    assert "Halaman 1 dari 2" in first.content.decode()
    second = client.get(my_tickets_url(org) + "?page=2")
    assert len(second.context["page"].object_list) == 1
    assert "Tiket nomor 0<" in second.content.decode()  # the oldest comes last


# --- one ticket by number --------------------------------------------------------------------


def test_customer_sees_and_answers_their_ticket(
    client, org, customer, customer_contact, make_ticket, agent
):
    ticket = make_ticket(requester=customer_contact)
    agent_note(ticket, agent, "Catatan internal rahasia")
    set_status(ticket, agent, "solved")
    client.force_login(customer)
    url = f"/portal/{org.slug}/tickets/{ticket.number.lower()}/"
    html = client.get(url).content.decode()
    assert ticket.subject in html
    assert "Catatan internal rahasia" not in html
    response = client.post(url, {"body": "Belum beres, Pak."})
    assert response.status_code == 302
    message = Message.objects.filter(ticket=ticket).last()
    assert message.author_contact == customer_contact and message.channel == "web"
    assert Ticket.objects.get(pk=ticket.pk).status == "open"


def test_someone_elses_ticket_is_404(client, org, customer, make_ticket):
    ticket = make_ticket(subject="Bukan milik Dewi")
    client.force_login(customer)
    assert client.get(f"/portal/{org.slug}/tickets/{ticket.number}/").status_code == 404
    assert (
        client.post(f"/portal/{org.slug}/tickets/{ticket.number}/", {"body": "x"}).status_code
        == 404
    )
    assert client.get(f"/portal/{org.slug}/tickets/{ticket.number}/follow-up/").status_code == 404


def test_same_number_in_another_organisation_is_404(client, org, other_org, other_customer):
    other_contact = core_services.contact_resolve(
        organisation=other_org, email=other_customer.email
    )
    from karcis.core.content import body_from
    from karcis.desk import services as desk_services

    foreign = desk_services.ticket_create(
        organisation=other_org,
        requester=other_contact,
        subject="Di organisasi lain",
        body=body_from(text="x"),
        channel="web",
    )
    client.force_login(other_customer)
    assert client.get(f"/portal/{other_org.slug}/tickets/{foreign.number}/").status_code == 200
    assert client.get(f"/portal/{org.slug}/tickets/{foreign.number}/").status_code == 404


def test_files_by_number_follow_the_same_rules(
    client, org, customer, customer_contact, make_ticket, agent, png
):
    ticket = make_ticket(requester=customer_contact)
    public = agent_reply(ticket, agent, "Ini buktinya", attachments=checked(png("bukti.png")))
    note = agent_note(ticket, agent, "internal", attachments=checked(png("internal.png")))
    client.force_login(customer)
    base = f"/portal/{org.slug}/tickets/{ticket.number}/files/"
    html = client.get(f"/portal/{org.slug}/tickets/{ticket.number}/").content.decode()
    assert f'<img src="{base}{public.attachments.get().token}/"' in html
    response = client.get(f"{base}{public.attachments.get().token}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert client.get(f"{base}{note.attachments.get().token}/").status_code == 404
    client.logout()
    assert client.get(f"{base}{public.attachments.get().token}/").status_code == 302


def test_follow_up_of_a_closed_ticket_by_number(
    client, org, customer, customer_contact, make_ticket, agent
):
    ticket = make_ticket(requester=customer_contact)
    set_status(ticket, agent, "solved", "closed")
    client.force_login(customer)
    url = f"/portal/{org.slug}/tickets/{ticket.number}/"
    assert f'href="{url}follow-up/"' in client.get(url).content.decode()
    response = client.post(url + "follow-up/", {"subject": "Lanjutan", "description": "Lagi."})
    assert response.status_code == 302
    follow_up = Ticket.objects.get(linked_to=ticket)
    assert follow_up.requester == customer_contact
    html = client.get(my_tickets_url(org)).content.decode()
    assert follow_up.number in html


# --- sign-up ------------------------------------------------------------------------------------

# The sign-up link goes through the outbox, sent after the request's commit: these tests
# commit for real, as a server does.
sends_mail = pytest.mark.django_db(transaction=True)

SIGNUP = {
    "name": "Andi Pratama",
    "email": "Andi@Example.com",
    "password1": "kopi-tubruk-2025",
    "password2": "kopi-tubruk-2025",
}


def confirm_link():
    body = mail.outbox[-1].body
    return re.search(r"http://testserver(/portal/\S+/signup/\S+/)", body).group(1)


@sends_mail
def test_signup_proves_the_address_before_showing_earlier_tickets(
    client, org, contact, make_ticket
):
    earlier = make_ticket(requester=contact, subject="Laporan sebelum punya akun")
    response = client.post(f"/portal/{org.slug}/signup/", SIGNUP)
    assert response.status_code == 302
    assert response["Location"] == f"/portal/{org.slug}/signup/sent/"
    assert "andi@example.com" in client.get(response["Location"]).content.decode()
    # Nothing exists yet: only the owner of the address can finish.
    assert not User.objects.filter(email="andi@example.com").exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["andi@example.com"]

    link = confirm_link()
    page = client.get(link)
    assert page.status_code == 200
    assert 'name="password1"' not in page.content.decode()  # the same browser: already chosen
    done = client.post(link)
    assert done.status_code == 302 and done["Location"] == f"/portal/{org.slug}/my-tickets/"

    user = User.objects.get(email="andi@example.com")
    assert user.role == "customer" and user.organisation == org
    assert user.check_password("kopi-tubruk-2025")
    contact.refresh_from_db()
    assert contact.user == user
    html = client.get(done["Location"]).content.decode()
    assert earlier.number in html and "Laporan sebelum punya akun" in html


@sends_mail
def test_signup_link_opened_in_another_browser_asks_for_the_password(client, org):
    client.post(f"/portal/{org.slug}/signup/", SIGNUP)
    phone = Client()
    link = confirm_link()
    assert 'name="password1"' in phone.get(link).content.decode()
    assert phone.post(link, {"password1": "a-b-c-d-e-f", "password2": "lain"}).status_code == 400
    assert not User.objects.filter(email="andi@example.com").exists()
    response = phone.post(link, {"password1": "teh-manis-2025", "password2": "teh-manis-2025"})
    assert response.status_code == 302
    assert User.objects.get(email="andi@example.com").check_password("teh-manis-2025")


@sends_mail
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password2": "berbeda-sekali"}, "password2"),
        ({"password1": "password", "password2": "password"}, "password1"),
        ({"email": "bukan-email"}, "email"),
        ({"name": ""}, "name"),
    ],
)
def test_signup_errors(client, org, overrides, field):
    response = client.post(f"/portal/{org.slug}/signup/", {**SIGNUP, **overrides})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not mail.outbox


@sends_mail
def test_signup_for_an_existing_account_says_so_only_to_the_mailbox(client, org, customer):
    # The sign-up page answers the same either way, so it cannot tell who has an account.
    response = client.post(f"/portal/{org.slug}/signup/", {**SIGNUP, "email": customer.email})
    assert response.status_code == 302
    assert response["Location"] == f"/portal/{org.slug}/signup/sent/"
    # The e-mail says what to do next: sign in, or set a new password. No sign-up link.
    body = mail.outbox[-1].body
    assert mail.outbox[-1].to == [customer.email]
    assert f"/portal/{org.slug}/signin/" in body and f"/portal/{org.slug}/password-reset/" in body
    assert "/signup/" not in body
    assert User.objects.filter(email=customer.email).count() == 1


@sends_mail
def test_forged_or_foreign_signup_links(client, org, other_org):
    client.post(f"/portal/{org.slug}/signup/", SIGNUP)
    link = confirm_link()
    assert client.get(link[:-3] + "xx/").status_code == 404
    foreign = link.replace(f"/portal/{org.slug}/", f"/portal/{other_org.slug}/")
    assert client.post(foreign).status_code == 404
    assert not User.objects.filter(email="andi@example.com").exists()


@sends_mail
def test_signup_mails_are_limited(client, org):
    for _ in range(10):
        assert client.post(f"/portal/{org.slug}/signup/", SIGNUP).status_code == 302
    assert client.post(f"/portal/{org.slug}/signup/", SIGNUP).status_code == 429
    assert len(mail.outbox) == 10


def test_signed_in_customer_skips_signup(client, org, customer):
    client.force_login(customer)
    response = client.get(f"/portal/{org.slug}/signup/")
    assert response.status_code == 302 and response["Location"] == my_tickets_url(org)


@sends_mail
def test_signup_when_mail_server_is_down_sends_the_link_when_it_is_back(client, org, monkeypatch):
    import smtplib
    from datetime import timedelta

    from django.core.mail.backends.locmem import EmailBackend
    from django.utils import timezone

    from karcis.messaging import outbound
    from karcis.messaging.models import Delivery

    def refuse(*args, **kwargs):
        raise smtplib.SMTPConnectError(421, "down")

    with monkeypatch.context() as down:
        down.setattr(EmailBackend, "send_messages", refuse)
        response = client.post(
            f"/portal/{org.slug}/signup/",
            {
                "name": "Rudi",
                "email": "rudi@example.com",
                "password1": "kata-sandi-panjang-1",
                "password2": "kata-sandi-panjang-1",
            },
        )
    # The visitor is told to look in their mailbox; the link waits in the outbox.
    assert response.status_code == 302
    delivery = Delivery.objects.get(to=["rudi@example.com"])
    assert (delivery.state, delivery.attempts) == ("queued", 1)
    assert not mail.outbox
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )

    assert outbound.deliveries_send_due() == 1
    assert mail.outbox[-1].to == ["rudi@example.com"]
    assert re.search(r"/portal/\S+/signup/\S+/", mail.outbox[-1].body)
