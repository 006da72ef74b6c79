"""Helpers for the portal tests: a clean cache (attempt counters) and ticket builders."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import PNG_BYTES
from karcis.core.content import attachments_check, body_from
from karcis.desk import selectors as desk_selectors
from karcis.desk import services as desk_services

# Enough of a PDF for the type sniffing (and a Windows program's first bytes).
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
EXE_BYTES = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 48
    + b"PE\x00\x00"
    + b"\x00" * 200
)


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def checked(*uploads):
    return attachments_check(list(uploads))


def portal_url(org, path=""):
    return f"/portal/{org.slug}/{path}"


def link_of(ticket):
    return f"/portal/{ticket.organisation.slug}/t/{desk_selectors.tracking_token(ticket=ticket)}/"


def agent_reply(ticket, agent, text, **kwargs):
    return desk_services.message_add(
        ticket=ticket, body=body_from(text=text), author_user=agent, **kwargs
    )


def agent_note(ticket, agent, text, **kwargs):
    return desk_services.message_add(
        ticket=ticket, body=body_from(text=text), author_user=agent, kind="note", **kwargs
    )


def set_status(ticket, agent, *statuses):
    for status in statuses:
        ticket = desk_services.ticket_update(ticket=ticket, actor=agent, status=status)
    return ticket


@pytest.fixture
def png():
    return lambda name="layar.png": upload(name, PNG_BYTES, "image/png")
