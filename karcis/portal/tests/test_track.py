"""Finding a ticket by its number and the requester's e-mail address."""

import pytest

from karcis.portal.tests.conftest import portal_url

pytestmark = pytest.mark.django_db

NEUTRAL = "Kami tidak menemukan tiket dengan nomor dan alamat e-mail tersebut."


@pytest.fixture
def ticket(make_ticket, contact):
    return make_ticket(requester=contact)


def track(client, org, number, email, **extra):
    return client.post(portal_url(org, "track/"), {"number": number, "email": email}, **extra)


def test_track_page(client, org):
    response = client.get(portal_url(org, "track/"))
    assert response.status_code == 200
    assert 'name="number"' in response.content.decode()


def test_matching_number_and_email_lead_to_the_signed_link(client, org, ticket):
    response = track(client, org, ticket.number.lower(), " ANDI@example.com ")
    assert response.status_code == 302
    assert response["Location"].startswith(f"/portal/{org.slug}/t/")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert ticket.subject in page.content.decode()


@pytest.mark.parametrize("which", ["number", "email", "both"])
def test_a_miss_never_says_which_part_was_wrong(client, org, ticket, make_ticket, which):
    make_ticket(subject="Tiket orang lain")  # exists, but belongs to someone else
    number = "KRC-000002" if which in ("number", "both") else ticket.number
    email = "orang@example.com" if which in ("email", "both") else "andi@example.com"
    response = track(client, org, number, email)
    assert response.status_code == 400
    html = response.content.decode()
    assert NEUTRAL in html
    assert "KRC-000002" not in html.replace('value="KRC-000002"', "")


def test_another_organisations_ticket_is_not_found(client, org, other_org, ticket):
    response = track(client, other_org, ticket.number, "andi@example.com")
    assert response.status_code == 400


def test_malformed_input_is_a_field_error(client, org):
    response = track(client, org, "", "bukan-email")
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"number", "email"}


def test_ten_misses_then_a_friendly_429(client, org, ticket):
    for _ in range(10):
        assert track(client, org, "KRC-999999", "andi@example.com").status_code == 400
    refused = track(client, org, ticket.number, "andi@example.com")  # even the right pair
    assert refused.status_code == 429
    assert "15 menit" in refused.content.decode()
    # Another address is not held back by this one's misses.
    other = track(client, org, ticket.number, "andi@example.com", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


def test_successes_do_not_count(client, org, ticket):
    for _ in range(12):
        assert track(client, org, ticket.number, "andi@example.com").status_code == 302
    assert track(client, org, "KRC-999999", "andi@example.com").status_code == 400
