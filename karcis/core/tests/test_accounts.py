"""Accounts (decision 0015): customer accounts per organisation, staff by address alone;
sign-in limited per account and per client with failures in the audit log; password reset
by a single-use link through the outbox."""

import logging
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from karcis.core import events, throttle
from karcis.core import services as core_services
from karcis.core.models import Event, Role, User

pytestmark = pytest.mark.django_db

# The reset link goes through the outbox, sent after the request's commit: these tests
# commit for real, as a server does.
sends_mail = pytest.mark.django_db(transaction=True)


def customer_at(organisation, email="sama@example.com", password="rahasia-123"):
    return core_services.customer_user_create(
        organisation=organisation, email=email, name="Sama", password=password
    )


def failed(client, url, email, password="salah-sekali", **extra):
    return client.post(url, {"username": email, "password": password}, **extra)


# --- one address, one account per organisation ---------------------------------------------


def test_one_address_is_a_customer_of_several_organisations(org, other_org):
    first = customer_at(org, password="kata-sandi-satu")
    second = customer_at(other_org, email="Sama@Example.com", password="kata-sandi-dua")
    assert first.pk != second.pk and first.email == second.email == "sama@example.com"
    with pytest.raises(ValidationError):
        customer_at(org)


def test_staff_addresses_stay_unique_among_staff(org, other_org, agent):
    with pytest.raises(ValidationError):
        core_services.staff_user_create(organisation=other_org, email=agent.email, name="Lagi")
    # The same person may also be a customer somewhere, with a separate account.
    assert customer_at(other_org, email=agent.email).role == Role.CUSTOMER
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email=agent.email, name="Salinan", organisation=other_org)


def test_the_database_refuses_a_second_customer_account_in_one_organisation(org):
    customer_at(org)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(
            email="sama@example.com", name="Lagi", organisation=org, role=Role.CUSTOMER
        )


def test_natural_key_finds_the_staff_account(org, other_org, agent):
    customer_at(org, email=agent.email)
    customer_at(other_org, email=agent.email)
    assert User.objects.get_by_natural_key(agent.email.upper()) == agent


def test_staff_sign_in_finds_only_staff(client, org, agent):
    customer_at(org, email="pelanggan@example.com", password="rahasia-123")
    assert failed(client, "/login/", "pelanggan@example.com", "rahasia-123").status_code == 400
    customer_at(org, email=agent.email, password="sandi-pelanggan-9")
    assert failed(client, "/login/", agent.email, "sandi-pelanggan-9").status_code == 400
    assert failed(client, "/login/", agent.email, "rahasia-123").status_code == 302


def test_api_token_is_for_staff_accounts(org, agent):
    from django.core.management import CommandError, call_command

    customer_at(org, email="hanya-pelanggan@example.com")
    with pytest.raises(CommandError):
        call_command("api_token", "hanya-pelanggan@example.com")


# --- sign-in limits and the audit log --------------------------------------------------------


def test_staff_sign_in_pauses_after_failures_and_says_until_when(client, agent):
    for _ in range(throttle.SIGNIN_ACCOUNT.limit - 1):
        assert failed(client, "/login/", agent.email).status_code == 400
    locked = failed(client, "/login/", agent.email)
    assert locked.status_code == 429
    assert "coba lagi setelah pukul" in locked.content.decode()
    # Paused: even the right password is not checked now, from any client.
    other = Client(REMOTE_ADDR="10.9.9.9")
    assert failed(other, "/login/", agent.email, "rahasia-123").status_code == 429
    recorded = Event.objects.filter(type=events.USER_SIGNIN_FAILED.name, object_id=agent.pk)
    assert recorded.count() == throttle.SIGNIN_ACCOUNT.limit
    assert recorded.last().payload == {"client": "127.0.0.1", "locked": True}
    assert recorded.last().organisation_id == agent.organisation_id


def test_a_successful_sign_in_forgets_earlier_failures(client, agent):
    for _ in range(throttle.SIGNIN_ACCOUNT.limit - 1):
        failed(client, "/login/", agent.email)
    assert failed(client, "/login/", agent.email, "rahasia-123").status_code == 302
    client.logout()
    assert failed(client, "/login/", agent.email).status_code == 400


def test_one_client_trying_many_addresses_is_paused(client, agent, caplog):
    with caplog.at_level(logging.WARNING, logger="karcis.security"):
        for number in range(throttle.SIGNIN_CLIENT.limit - 1):
            assert failed(client, "/login/", f"tebak{number}@nusantara.test").status_code == 400
        assert failed(client, "/login/", "tebak-terakhir@nusantara.test").status_code == 429
    # Unknown addresses at the staff sign-in belong to no organisation: the security log.
    assert "unknown address from 127.0.0.1" in caplog.text
    assert "tebak" not in caplog.text
    assert failed(client, "/login/", agent.email, "rahasia-123").status_code == 429
    assert (
        failed(Client(REMOTE_ADDR="10.1.1.1"), "/login/", agent.email, "rahasia-123").status_code
        == 302
    )


def test_django_admin_sign_in_is_limited_too(client, org):
    operator = User.objects.create_superuser(
        email="op@karcis.test", password="rahasia-123", name="Op"
    )
    for _ in range(throttle.SIGNIN_ACCOUNT.limit):
        response = failed(client, "/django-admin/login/", operator.email)
    assert response.status_code == 200
    assert "coba lagi setelah pukul" in response.content.decode()
    assert failed(client, "/django-admin/login/", operator.email, "rahasia-123").status_code == 200
    assert "_auth_user_id" not in client.session


def test_locked_out_message_in_english(client, agent):
    client.cookies["django_language"] = "en"
    for _ in range(throttle.SIGNIN_ACCOUNT.limit):
        response = failed(client, "/login/", agent.email)
    assert "try again after" in response.content.decode()


# --- password reset (staff) ----------------------------------------------------------------------


def reset_link(path_prefix):
    body = mail.outbox[-1].body
    return re.search(rf"http://127.0.0.1:8000({path_prefix}\S+/\S+/)", body).group(1)


@sends_mail
def test_staff_reset_journey(client, agent):
    response = client.post("/login/reset/", {"email": agent.email.upper()})
    assert response.status_code == 302 and response["Location"] == "/login/reset/sent/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [agent.email]
    assert "kata sandi baru" in mail.outbox[0].subject.lower()
    link = reset_link("/login/reset/")
    page = client.get(link)
    assert page.status_code == 200 and 'name="password1"' in page.content.decode()
    assert page["Cache-Control"].startswith("max-age=0")
    weak = client.post(link, {"password1": "password", "password2": "password"})
    assert weak.status_code == 400
    done = client.post(link, {"password1": "kopi-susu-2026", "password2": "kopi-susu-2026"})
    assert done.status_code == 302 and done["Location"] == "/login/"
    agent.refresh_from_db()
    assert agent.check_password("kopi-susu-2026")
    # Single use: the new password changes the token.
    assert client.get(link).status_code == 404
    assert failed(client, "/login/", agent.email, "kopi-susu-2026").status_code == 302
    types = set(Event.objects.filter(object_id=agent.pk).values_list("type", flat=True))
    assert {events.USER_PASSWORD_RESET_REQUESTED.name, events.USER_PASSWORD_RESET.name} <= types


@sends_mail
def test_reset_answers_the_same_for_an_unknown_address(client, org, agent):
    customer_at(org, email="pelanggan@example.com")
    known = client.post("/login/reset/", {"email": agent.email})
    unknown = client.post("/login/reset/", {"email": "tidak-ada@nusantara.test"})
    customer = client.post("/login/reset/", {"email": "pelanggan@example.com"})
    assert known["Location"] == unknown["Location"] == customer["Location"]
    # A customer account is reset on its portal, not here.
    assert [m.to for m in mail.outbox] == [[agent.email]]


def test_reset_links_expire(client, agent, settings):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(agent.pk))
    link = f"/login/reset/{uid}/{default_token_generator.make_token(agent)}/"
    assert client.get(link).status_code == 200
    settings.PASSWORD_RESET_TIMEOUT = -1
    expired = client.get(link)
    assert expired.status_code == 404 and "Minta tautan baru" in expired.content.decode()


def test_a_customers_reset_link_does_not_work_at_the_staff_sign_in(client, customer):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(customer.pk))
    token = default_token_generator.make_token(customer)
    assert client.get(f"/login/reset/{uid}/{token}/").status_code == 404
    assert client.get("/login/reset/bm9wZQ/x-y/").status_code == 404


@sends_mail
def test_reset_requests_are_limited(client, agent):
    for _ in range(throttle.RESET_ACCOUNT.limit + 2):
        assert client.post("/login/reset/", {"email": agent.email}).status_code == 302
    # Past the limit per address no more mail reaches it; the answer did not change.
    assert len(mail.outbox) == throttle.RESET_ACCOUNT.limit
    for number in range(throttle.RESET_CLIENT.limit - throttle.RESET_ACCOUNT.limit - 2):
        client.post("/login/reset/", {"email": f"x{number}@nusantara.test"})
    refused = client.post("/login/reset/", {"email": "lagi@nusantara.test"})
    assert refused.status_code == 429
    assert "coba lagi setelah pukul" in refused.content.decode()


def test_reset_form_errors(client):
    assert client.post("/login/reset/", {"email": "bukan-alamat"}).status_code == 400
    assert client.get("/login/reset/").status_code == 200


# --- the Django admin ---------------------------------------------------------------------------


def test_admin_adds_accounts_under_the_same_rules(client, org, other_org, agent):
    operator = User.objects.create_superuser(
        email="op@karcis.test", password="rahasia-123", name="Op"
    )
    client.force_login(operator)
    customer_at(other_org)

    def add(email, role):
        return client.post(
            "/django-admin/core/user/add/",
            {
                "email": email,
                "name": "Baru",
                "organisation": org.pk,
                "role": role,
                "password1": "kopi-susu-2026",
                "password2": "kopi-susu-2026",
                "usable_password": "true",
            },
        )

    # A customer of another organisation may become a customer here too.
    assert add("sama@example.com", Role.CUSTOMER).status_code == 302
    assert User.objects.filter(email="sama@example.com").count() == 2
    # A second staff account with one address is refused on the form, not with a 500.
    refused = add(agent.email, Role.AGENT)
    assert refused.status_code == 200
    assert "Sudah ada pengguna dengan alamat e-mail ini" in refused.content.decode()


def test_operators_set_a_password_for_the_account_they_mean(org, other_org, agent, monkeypatch):
    from django.core.management import CommandError, call_command

    at_other = customer_at(other_org, email=agent.email, password="sandi-pelanggan-9")
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "teh-tarik-2026")
    call_command("account_password", agent.email.upper())
    agent.refresh_from_db()
    at_other.refresh_from_db()
    assert agent.check_password("teh-tarik-2026")
    assert at_other.check_password("sandi-pelanggan-9")
    call_command("account_password", agent.email, organisation=other_org.slug)
    at_other.refresh_from_db()
    assert at_other.check_password("teh-tarik-2026")
    with pytest.raises(CommandError):
        call_command("account_password", agent.email, organisation=org.slug)


def test_api_creates_staff_under_the_same_rules(api, org, other_org, admin_user, other_org_agent):
    customer_at(other_org, email="klien@example.com")
    made = api(admin_user).post(
        "/api/users/", {"email": "Klien@Example.com", "name": "Klien"}, format="json"
    )
    assert made.status_code == 201 and made.json()["email"] == "klien@example.com"
    refused = api(admin_user).post(
        "/api/users/", {"email": other_org_agent.email, "name": "Dua"}, format="json"
    )
    assert refused.status_code == 400 and "email" in refused.json()
