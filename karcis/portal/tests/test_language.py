"""Bahasa Indonesia by default; English when the browser or the language switch asks."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_indonesian_is_the_default(client, org):
    html = client.get(f"/portal/{org.slug}/").content.decode()
    assert '<html lang="id">' in html
    assert "Ada yang bisa kami bantu?" in html
    assert "Kirim tiket" in html and "Lacak tiket" in html


def test_browser_asking_for_english(client, org):
    html = client.get(f"/portal/{org.slug}/new/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html
    assert "Send ticket" in html and "Kirim tiket" not in html


def test_language_cookie(client, org):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(f"/portal/{org.slug}/").content.decode()
    assert "How can we help?" in html


def test_the_switch_in_the_top_bar(client, org):
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": f"/portal/{org.slug}/track/"}
    )
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "Track status" in html and "Lacak status" not in html


def test_neutral_tracking_error_in_english(client, org):
    response = client.post(
        f"/portal/{org.slug}/track/",
        {"number": "KRC-000009", "email": "a@example.com"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "We found no ticket with that number and e-mail address." in response.content.decode()
