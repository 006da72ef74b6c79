"""A portal's customer accounts (decision 0015): sign-in, sign-up and password reset find
only this organisation's customers, and never tell whether an address has an account
here or at another organisation."""

import re

import pytest
from django.core import mail

from karcis.core import events, throttle
from karcis.core import services as core_services
from karcis.core.models import Event, User

pytestmark = pytest.mark.django_db
sends_mail = pytest.mark.django_db(transaction=True)


def customer_at(organisation, email="sama@example.com", password="rahasia-123"):
    return core_services.customer_user_create(
        organisation=organisation, email=email, name="Sama", password=password
    )


def sign_in(client, organisation, email, password, **extra):
    return client.post(
        f"/portal/{organisation.slug}/signin/",
        {"username": email, "password": password, **extra},
    )


def test_sign_in_at_each_portal_with_its_own_account(client, org, other_org):
    at_org = customer_at(org, password="sandi-nusantara-1")
    at_other = customer_at(other_org, password="sandi-lain-22")
    assert sign_in(client, other_org, "sama@example.com", "sandi-nusantara-1").status_code == 400
    response = sign_in(client, other_org, "Sama@Example.com", "sandi-lain-22")
    assert response.status_code == 302
    assert response["Location"] == f"/portal/{other_org.slug}/my-tickets/"
    assert int(client.session["_auth_user_id"]) == at_other.pk
    client.logout()
    assert sign_in(client, org, "sama@example.com", "sandi-nusantara-1").status_code == 302
    assert int(client.session["_auth_user_id"]) == at_org.pk


def test_staff_do_not_sign_in_at_the_portal(client, org, agent):
    assert sign_in(client, org, agent.email, "rahasia-123").status_code == 400


def test_sign_in_goes_back_to_a_page_of_this_portal_only(client, org, other_org):
    customer_at(org)
    back = f"/portal/{org.slug}/new/"
    response = sign_in(client, org, "sama@example.com", "rahasia-123", next=back)
    assert response["Location"] == back
    client.logout()
    for elsewhere in ("https://evil.test/", f"/portal/{other_org.slug}/", "/desk/"):
        response = sign_in(client, org, "sama@example.com", "rahasia-123", next=elsewhere)
        assert response["Location"] == f"/portal/{org.slug}/my-tickets/"
        client.logout()


def test_sign_in_page(client, org):
    html = client.get(f"/portal/{org.slug}/signin/").content.decode()
    assert f'href="/portal/{org.slug}/password-reset/"' in html
    assert f'href="/portal/{org.slug}/signup/"' in html
    assert client.get("/portal/tidak-ada/signin/").status_code == 404


def test_portal_sign_in_is_limited_and_audited(client, org, other_org):
    customer = customer_at(org)
    customer_at(other_org)
    for _ in range(throttle.SIGNIN_ACCOUNT.limit - 1):
        assert sign_in(client, org, "sama@example.com", "salah").status_code == 400
    locked = sign_in(client, org, "sama@example.com", "salah")
    assert locked.status_code == 429 and "coba lagi setelah pukul" in locked.content.decode()
    assert sign_in(client, org, "sama@example.com", "rahasia-123").status_code == 429
    # The account at the other organisation is another account, with its own counter.
    assert sign_in(client, other_org, "sama@example.com", "rahasia-123").status_code == 302
    failures = Event.objects.filter(type=events.USER_SIGNIN_FAILED.name)
    assert set(failures.values_list("object_id", flat=True)) == {customer.pk}


def test_a_failure_for_an_unknown_address_is_the_portals_event(client, org):
    sign_in(client, org, "siapa@example.com", "salah")
    event = Event.objects.get(type=events.ORGANISATION_SIGNIN_FAILED.name)
    assert event.organisation_id == org.pk and event.object_id == org.pk
    assert event.payload == {"client": "127.0.0.1", "locked": False}


# --- sign-up -----------------------------------------------------------------------------------

SIGNUP = {
    "name": "Sama Saja",
    "email": "sama@example.com",
    "password1": "kopi-tubruk-2025",
    "password2": "kopi-tubruk-2025",
}


@sends_mail
def test_signing_up_never_reveals_an_account_at_another_organisation(client, org, other_org):
    customer_at(other_org)
    fresh = client.post(f"/portal/{org.slug}/signup/", {**SIGNUP, "email": "baru@example.com"})
    response = client.post(f"/portal/{org.slug}/signup/", SIGNUP)
    assert response.status_code == fresh.status_code == 302
    assert response["Location"] == fresh["Location"]
    # The address gets the usual confirmation: its account here is a new one.
    link = re.search(r"http://testserver(/portal/\S+/signup/\S+/)", mail.outbox[-1].body).group(1)
    done = client.post(link)
    assert done.status_code == 302
    assert User.objects.filter(email="sama@example.com").count() == 2
    assert User.objects.get(email="sama@example.com", organisation=org).check_password(
        "kopi-tubruk-2025"
    )


# --- password reset ----------------------------------------------------------------------------


def reset_link(organisation):
    body = mail.outbox[-1].body
    pattern = rf"http://127.0.0.1:8000(/portal/{organisation.slug}/password-reset/\S+/\S+/)"
    return re.search(pattern, body).group(1)


@sends_mail
def test_customer_reset_journey(client, org, other_org):
    at_org = customer_at(org)
    at_other = customer_at(other_org, password="sandi-lain-22")
    response = client.post(f"/portal/{org.slug}/password-reset/", {"email": "sama@example.com"})
    assert response["Location"] == f"/portal/{org.slug}/password-reset/sent/"
    sent = client.get(response["Location"]).content.decode()
    assert "hanya sekali" in sent
    assert len(mail.outbox) == 1 and org.name in mail.outbox[0].body
    link = reset_link(org)
    # The link is for this portal's account only.
    assert client.get(link.replace(org.slug, other_org.slug, 1)).status_code == 404
    done = client.post(link, {"password1": "teh-manis-2026", "password2": "teh-manis-2026"})
    assert done["Location"] == f"/portal/{org.slug}/signin/"
    at_org.refresh_from_db()
    at_other.refresh_from_db()
    assert at_org.check_password("teh-manis-2026")
    assert at_other.check_password("sandi-lain-22")
    assert client.get(link).status_code == 404
    assert sign_in(client, org, "sama@example.com", "teh-manis-2026").status_code == 302


@sends_mail
def test_customer_reset_answers_the_same_for_every_address(client, org, other_org, agent):
    customer_at(other_org)
    answers = {
        client.post(f"/portal/{org.slug}/password-reset/", {"email": email})["Location"]
        for email in ("sama@example.com", "tidak-ada@example.com", agent.email)
    }
    assert answers == {f"/portal/{org.slug}/password-reset/sent/"}
    # Neither another organisation's customer nor a staff member is reset from here.
    assert mail.outbox == []


def test_customer_reset_is_limited_per_client(client, org):
    for number in range(throttle.RESET_CLIENT.limit):
        client.post(f"/portal/{org.slug}/password-reset/", {"email": f"x{number}@example.com"})
    refused = client.post(f"/portal/{org.slug}/password-reset/", {"email": "y@example.com"})
    assert refused.status_code == 429
    assert "coba lagi setelah pukul" in refused.content.decode()
