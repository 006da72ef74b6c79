"""Every page carries the Content-Security-Policy and the Permissions-Policy, and no page
needs what the policy refuses: no inline event handler, no inline script, no style="".

The policy is what stops an injected `<img onerror=…>` or `<script>` from running even if
some escaping is ever missed; a page that needed 'unsafe-inline' would switch that off."""

import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from conftest import email_bytes
from karcis.desk import selectors as desk_selectors
from karcis.messaging import services as messaging_services

KARCIS = Path(__file__).resolve().parents[2]

# An attribute named on… (onclick, onfocus, onerror): what the policy would refuse to run.
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style[\s>]", re.IGNORECASE)


def assert_policed(response, url):
    assert response.status_code == 200, (url, response.status_code)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self';" in policy, url
    assert "style-src 'self';" in policy, url
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "camera=()" in response["Permissions-Policy"], url
    if response["Content-Type"].startswith("text/html"):
        html = response.content.decode()
        for name, pattern in [
            ("inline event handler", INLINE_HANDLER),
            ("inline script", INLINE_SCRIPT),
            ("style attribute", STYLE_ATTRIBUTE),
            ("inline <style>", INLINE_STYLE),
        ]:
            found = pattern.search(html)
            assert found is None, f"{url}: {name}: {found and found.group(0)[:120]}"


def routed_pages_without_arguments():
    """Every routed page that needs nothing in its URL but the organisation."""

    def walk(patterns, namespace=None, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(
                    pattern.url_patterns,
                    pattern.namespace or namespace,
                    prefix + str(pattern.pattern),
                )
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                converters = set(re.findall(r"<(?:\w+:)?(\w+)>", route))
                if converters <= {"org"} and not route.startswith("^"):
                    yield route

    return sorted(set(walk(get_resolver().url_patterns)))


@pytest.fixture
def everything(org, admin_user, agent, contact, make_ticket, mailbox, team_billing):
    ticket = make_ticket(requester=contact)
    inbound, _new = messaging_services.inbound_store(
        mailbox=mailbox, raw=email_bytes(), source="test"
    )
    return {"ticket": ticket, "inbound": inbound, "team": team_billing}


def test_every_staff_page_is_policed(client, org, admin_user, everything):
    client.force_login(admin_user)
    ticket, inbound = everything["ticket"], everything["inbound"]
    urls = [
        route.replace("<slug:org>", org.slug)
        for route in routed_pages_without_arguments()
        if not route.startswith(("api/", "logout", "i18n", "django-admin", "notifications/"))
        and "<" not in route.replace("<slug:org>", "")
        and not route.startswith("portal")
        # Downloads are not pages (a CSV answers 404 while there is nothing to download).
        and not route.endswith(".csv")
    ]
    urls = ["/" + url for url in urls if url] + [
        f"/desk/tickets/{ticket.number}/",
        f"/settings/teams/{everything['team'].pk}/",
        f"/settings/agents/{admin_user.pk}/",
        f"/settings/email/{inbound.mailbox_id}/",
        "/settings/incoming-mail/",
        f"/settings/incoming-mail/{inbound.pk}/",
        "/notifications/",
    ]
    checked = 0
    for url in urls:
        response = client.get(url, follow=True)
        if response.status_code == 405:  # a POST-only action
            continue
        assert_policed(response, url)
        checked += 1
    assert checked >= 15, urls


def test_every_portal_page_is_policed(client, org, customer, everything):
    ticket = everything["ticket"]
    slug = org.slug
    public = ["", "new/", "track/", "signup/", "signup/sent/"]
    for path in public:
        assert_policed(client.get(f"/portal/{slug}/{path}"), path)
    token = desk_selectors.tracking_token(ticket=ticket)
    assert_policed(client.get(f"/portal/{slug}/t/{token}/"), "ticket by link")
    assert_policed(client.get(f"/portal/{slug}/t/{token}/submitted/"), "receipt")
    client.force_login(customer)
    assert_policed(client.get(f"/portal/{slug}/my-tickets/"), "my tickets")


def test_sign_in_admin_api_docs_and_error_pages_are_policed(client, org, django_user_model):
    assert_policed(client.get("/login/"), "login")
    assert_policed(client.get("/api/docs/"), "api docs")
    assert_policed(client.get("/django-admin/login/"), "admin login")
    not_found = client.get("/desk/tickets/KRC-999999/")
    assert "Content-Security-Policy" in not_found
    superuser = django_user_model.objects.create_superuser(
        email="root@example.com", password="x-very-long-1", name="Root"
    )
    client.force_login(superuser)
    for url in [
        "/django-admin/",
        "/django-admin/core/user/",
        f"/django-admin/core/user/{superuser.pk}/change/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Content-Security-Policy" in response


def test_no_template_or_script_needs_what_the_policy_refuses():
    """The templates and the site's scripts, read as files: a new on…= attribute, inline
    script or style="" fails here before any page shows it. (E-mail templates are not
    pages: they are sent, and mail clients need inline styles.)"""
    offences = []
    for path in sorted((KARCIS / "templates").rglob("*.html")):
        if "/email/" in str(path):
            continue
        text = path.read_text()
        for name, pattern in [
            ("inline event handler", INLINE_HANDLER),
            ("inline script", INLINE_SCRIPT),
            ("style attribute", STYLE_ATTRIBUTE),
            ("inline <style>", INLINE_STYLE),
        ]:
            for found in pattern.finditer(text):
                offences.append(f"{path.relative_to(KARCIS)}: {name}: {found.group(0)[:80]}")
    for path in sorted((KARCIS / "static" / "karcis").glob("*.js")):
        text = path.read_text()
        # Markup built in a string, with a handler or a style in it; or code from text.
        for found in re.finditer(r"""["'`][^"'`\n]*\s(on[a-z]+|style)\s*=[^"'`\n]*["'`]""", text):
            offences.append(f"{path.relative_to(KARCIS)}: markup: {found.group(0)[:80]}")
        for found in re.finditer(
            r"\beval\(|new Function\(|\.setAttribute\(\s*['\"](on|style)", text
        ):
            offences.append(f"{path.relative_to(KARCIS)}: {found.group(0)}")
    assert offences == []
