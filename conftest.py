"""Fixtures shared by every test: an organisation with teams, staff and a customer,
built through the real services so that tests start from states the product can reach."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled

from karcis.core import services as core_services
from karcis.core.content import body_from
from karcis.core.models import Role
from karcis.desk import services as desk_services

# A real 1x1 PNG, for attachment tests.
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf000000030101005be2e7d50000000049454e44ae426082"
)


@pytest.fixture(autouse=True)
def _scopes_disabled_in_test_code():
    # Test code reads and writes freely; requests still run scoped (FreshScopeMiddleware).
    with scopes_disabled():
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    # Each test starts with an empty cache, like a fresh server.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def org(db):
    return core_services.organisation_create(
        name="PT Nusantara Sejahtera",
        slug="nusantara",
        ticket_prefix="KRC",
        support_email="bantuan@nusantara.test",
    )


@pytest.fixture
def other_org(db):
    return core_services.organisation_create(name="Dinas Lain", slug="lain", ticket_prefix="LAIN")


@pytest.fixture
def team_billing(org):
    return core_services.team_create(organisation=org, name="Tagihan")


@pytest.fixture
def team_tech(org):
    return core_services.team_create(organisation=org, name="Teknis")


def _staff(org, email, name, role, teams=(), **extra):
    return core_services.staff_user_create(
        organisation=org,
        email=email,
        name=name,
        role=role,
        password="rahasia-123",
        teams=list(teams),
        **extra,
    )


@pytest.fixture
def admin_user(org):
    return _staff(org, "admin@nusantara.test", "Rina Admin", Role.ADMIN)


@pytest.fixture
def agent(org, team_billing):
    return _staff(org, "budi@nusantara.test", "Budi Santoso", Role.AGENT, [team_billing])


@pytest.fixture
def tech_agent(org, team_tech):
    return _staff(org, "sari@nusantara.test", "Sari Wulandari", Role.AGENT, [team_tech])


@pytest.fixture
def other_org_agent(other_org):
    return _staff(other_org, "agen@lain.test", "Agen Lain", Role.AGENT)


@pytest.fixture
def customer(org):
    return core_services.customer_user_create(
        organisation=org, email="dewi@example.com", name="Dewi Lestari", password="rahasia-123"
    )


@pytest.fixture
def contact(org):
    return core_services.contact_resolve(
        organisation=org, name="Andi Pratama", email="andi@example.com", phone="0812-3456-7890"
    )


@pytest.fixture
def make_ticket(org):
    """make_ticket(subject=..., requester=..., team=..., ...) through the real service."""

    def make(*, requester=None, subject="Tagihan bulan ini salah", text="Mohon dicek.", **kwargs):
        if requester is None:
            requester = core_services.contact_resolve(
                organisation=org, name="Pelapor", email="pelapor@example.com"
            )
        kwargs.setdefault("channel", "web")
        return desk_services.ticket_create(
            organisation=org,
            requester=requester,
            subject=subject,
            body=body_from(text=text),
            **kwargs,
        )

    return make


@pytest.fixture
def png_upload():
    def make(name="layar.png"):
        return SimpleUploadedFile(name, PNG_BYTES, content_type="image/png")

    return make


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def mailbox(org):
    """The organisation's support address, bantuan@nusantara.test (its default sender)."""
    from karcis.messaging import services as messaging_services

    return messaging_services.mailbox_create(
        organisation=org, address="bantuan@nusantara.test", name="Bantuan"
    )


def email_bytes(
    *,
    sender="Siti Aminah <siti@example.com>",
    to="bantuan@nusantara.test",
    subject="Internet mati sejak pagi",
    text="Selamat pagi, internet di rumah mati sejak jam 6.",
    message_id="<a1@mail.example.com>",
    **headers,
) -> bytes:
    """A small, well-formed e-mail as bytes; extra headers by keyword (In_Reply_To=...)."""
    from email.message import EmailMessage
    from email.utils import format_datetime

    from django.utils import timezone

    message = EmailMessage()
    if sender:
        message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    if message_id:
        message["Message-ID"] = message_id
    if "Date" not in headers:
        # Today, at a fixed time: recent (it gets an automatic reply), and the same bytes on
        # every call (tests compare what was stored with what was sent).
        today = timezone.now().replace(hour=1, minute=0, second=0, microsecond=0)
        message["Date"] = format_datetime(today)
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return message.as_bytes()


@pytest.fixture
def api():
    """api(user) → an APIClient sending that user's token; api() → anonymous."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def make(user=None, language="id"):
        client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
        if user is not None:
            token, _created = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make
