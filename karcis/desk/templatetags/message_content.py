"""Showing a message's sanitised HTML with the images an e-mail carried inline.

An e-mail shows a pasted screenshot as <img src="cid:part-id">, naming one of its own parts.
Those parts are stored as the message's attachments (with their Content-ID), so the cid:
reference is pointed at the attachment's URL — the desk's for staff, the portal's for the
requester. A cid: that names no attachment stays as it is: a broken image, never a remote
one (the sanitiser already removed every other image source).
"""

import html
import re
from collections.abc import Iterable
from urllib.parse import unquote

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# An <img> whose src is a cid: URL, as the sanitiser (nh3) writes it: double-quoted values,
# no ">" before the src. Anything else is left alone.
_CID_IMG = re.compile(r'(<img\b[^>]*?\ssrc=")cid:([^"<>]{1,500})(")', re.IGNORECASE)


def _key(content_id: str) -> str:
    """A Content-ID as a cid: URL and a Content-ID header both name it (RFC 2392): URL
    escapes undone, angle brackets dropped; compared case-insensitively, as clients write
    them in either case."""
    return unquote(content_id).strip().strip("<>").strip().casefold()


def _inline(body: str, urls: dict[str, str]) -> SafeString:
    """`body` (sanitised HTML) with each cid: image that names a known part pointed at its URL.

    Precondition: `body` came through core.content.sanitise_html; this only rewrites src
    values, it does not make unsafe HTML safe.
    """
    if not body:
        return mark_safe("")
    if "cid:" not in body.lower() or not urls:
        return mark_safe(body)

    def replace(match: re.Match) -> str:
        url = urls.get(_key(html.unescape(match.group(2))))
        if url is None:
            return match.group(0)
        return f"{match.group(1)}{escape(url)}{match.group(3)}"

    return mark_safe(_CID_IMG.sub(replace, body))


def _referenced(message) -> set[str]:
    """The Content-IDs the message's HTML (new part and quoted history) shows inline."""
    found = set()
    for body in (message.body_html, getattr(message, "quoted_html", "")):
        for match in _CID_IMG.finditer(body or ""):
            found.add(_key(html.unescape(match.group(2))))
    return found


def _staff_urls(message) -> dict[str, str]:
    # One reverse() per message, not per file.
    pattern = reverse("desk:attachment", kwargs={"token": "TOKEN"})
    return {
        _key(file.content_id): pattern.replace("TOKEN", file.token)
        for file in message.attachments.all()
        if file.content_id and file.is_image
    }


@register.filter
def staff_inline(body: str, message) -> SafeString:
    """{{ message.body_html|staff_inline:message }} on the desk (files by the desk's URL)."""
    return _inline(body, _staff_urls(message))


@register.filter
def portal_inline(body: str, files: Iterable) -> SafeString:
    """{{ message.body_html|portal_inline:message.portal_files }} on the portal, where the
    view hands over (attachment, url) pairs for the requester's own URLs."""
    urls = {
        _key(file.content_id): url for file, url in files or () if file.content_id and file.is_image
    }
    return _inline(body, urls)


@register.filter
def not_inline(files: Iterable, message) -> list:
    """The message's files without the images already shown inside its text (each is shown
    once). Takes attachments, or the portal's (attachment, url) pairs."""
    shown = _referenced(message)
    kept = []
    for item in files or ():
        file = item[0] if isinstance(item, tuple) else item
        if file.content_id and file.is_image and _key(file.content_id) in shown:
            continue
        kept.append(item)
    return kept
