"""Message bodies and attachments: sanitising what people send before anyone sees it."""

import html
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePath
from typing import cast

import filetype
import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.html import linebreaks, urlize
from django.utils.translation import gettext as _

ALLOWED_TAGS = {
    "a",
    "b",
    "blockquote",
    "br",
    "code",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    # An image from elsewhere is a tracking pixel: it tells its sender who read the message,
    # when and from where. Only images carried in the message itself (cid:) may stay.
    if tag == "img" and attribute == "src" and not value.lower().startswith("cid:"):
        return None
    return value


def sanitise_html(raw: str) -> str:
    """Keep formatting, drop everything that can run or call home (scripts, handlers, styles,
    remote images)."""
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_attribute,
        url_schemes={"http", "https", "mailto", "tel", "cid"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


_BLOCK_END = re.compile(r"(?i)<\s*(br\s*/?|/p|/div|/li|/tr|/h[1-4]|/blockquote|/pre)\s*>")


def html_to_text(value: str) -> str:
    with_breaks = _BLOCK_END.sub("\n", value)
    text = html.unescape(nh3.clean(with_breaks, tags=set()))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def text_to_html(value: str) -> str:
    """Plain text as typed in a form: paragraphs and line breaks kept, links made clickable."""
    return sanitise_html(urlize(linebreaks(value.strip(), autoescape=True), nofollow=True))


@dataclass(frozen=True)
class Body:
    html: str
    text: str
    # History an e-mail quoted below its new words: kept, shown folded.
    quoted_html: str = ""


def body_from(*, text: str = "", html_body: str = "") -> Body:
    if html_body.strip():
        clean = sanitise_html(html_body)
        return Body(html=clean, text=html_to_text(clean))
    return Body(html=text_to_html(text), text=text.strip())


# --- attachments ------------------------------------------------------------------------

# Accepted types, by what the bytes are, with the extensions a file of that type may carry.
ACCEPTED_TYPES: dict[str, set[str]] = {
    "image/png": {".png"},
    "image/jpeg": {".jpg", ".jpeg"},
    "image/gif": {".gif"},
    "image/webp": {".webp"},
    "application/pdf": {".pdf"},
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {".docx"},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {".xlsx"},
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": {".pptx"},
    "application/zip": {".zip"},
    "text/plain": {".txt", ".log", ".csv"},
    # A forwarded e-mail and a calendar invitation: text, always downloaded, never shown.
    "message/rfc822": {".eml"},
    "text/calendar": {".ics"},
}
# Text files have no magic bytes; their type comes from the extension once the bytes are text.
_TEXT_TYPES = {
    extension: content_type
    for content_type in ("text/plain", "message/rfc822", "text/calendar")
    for extension in ACCEPTED_TYPES[content_type]
}


@dataclass(frozen=True)
class CheckedFile:
    upload: UploadedFile
    filename: str
    content_type: str
    size: int
    content_id: str = ""


# Names Windows keeps for devices: a file called so (with any extension) cannot be saved there.
_WINDOWS_RESERVED = re.compile(r"(?i)^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$")


def _safe_filename(name: str) -> str:
    """A file's name as people wrote it (any script, accents, dashes, emoji), less only what
    could do harm: a path (its last part is kept), control and direction-changing characters
    (U+202E turns "gpj.exe" round), and names that are reserved ("..", CON, NUL, LPT1, …)."""
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"\s+", " ", base)  # a tab or a line break was meant as a space
    base = "".join(
        char for char in base if unicodedata.category(char) not in {"Cc", "Cf", "Cs", "Zl", "Zp"}
    )
    base = base.strip(" .")
    if _WINDOWS_RESERVED.match(base.split(".", 1)[0].strip()):
        base = "_" + base
    base = base or "lampiran"
    if len(base) > 150:  # the end holds the extension
        base = base[-150:].lstrip(" .") or "lampiran"
    return base


def storage_name(filename: str) -> str:
    """The name a file gets on disk: its letters and digits (any script), '-', '_' and '.',
    so that every storage backend accepts it. People see the name they gave it."""
    stored = re.sub(r"[^\w.-]+", "_", filename).strip("._")
    return stored[-100:] or "lampiran"


def _detect_type(head: bytes, extension: str) -> str | None:
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    if extension in _TEXT_TYPES:
        if b"\x00" in head:
            return None
        if extension == ".eml":  # mail may carry 8-bit text in any charset
            return _TEXT_TYPES[extension]
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            try:  # a cut in the middle of a multi-byte character is still text
                head[:-3].decode("utf-8")
            except UnicodeDecodeError:
                return None
        return _TEXT_TYPES[extension]
    return None


def attachment_check(upload: UploadedFile) -> CheckedFile:
    """Accept a file only when its bytes are an allowed type that matches its name."""
    filename = _safe_filename(upload.name or "")
    limit = settings.KARCIS_ATTACHMENT_MAX_BYTES
    size = cast(int, upload.size)  # None only for a file built by hand, never an upload
    if size > limit:
        raise ValidationError(
            _("%(name)s is too large (%(size)s); the limit is %(limit)s per file.")
            % {
                "name": filename,
                "size": filesizeformat(size),
                "limit": filesizeformat(limit),
            },
            code="too_large",
        )
    if size == 0:
        raise ValidationError(_("%(name)s is empty.") % {"name": filename}, code="empty")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    extension = PurePath(filename).suffix.lower()
    detected = _detect_type(head, extension)
    if detected is None or detected not in ACCEPTED_TYPES:
        raise ValidationError(
            _(
                "%(name)s is not a file type we accept. Send images, PDF, Office documents, "
                "ZIP or plain text."
            )
            % {"name": filename},
            code="type",
        )
    if extension not in ACCEPTED_TYPES[detected]:
        raise ValidationError(
            _("%(name)s is not what its name says it is; rename it or send another file.")
            % {"name": filename},
            code="disguised",
        )
    return CheckedFile(upload=upload, filename=filename, content_type=detected, size=size)


def attachments_check(uploads: list[UploadedFile]) -> list[CheckedFile]:
    if len(uploads) > settings.KARCIS_ATTACHMENTS_PER_MESSAGE:
        raise ValidationError(
            _("At most %(n)d files per message.") % {"n": settings.KARCIS_ATTACHMENTS_PER_MESSAGE}
        )
    errors: list[ValidationError] = []
    checked: list[CheckedFile] = []
    for upload in uploads:
        try:
            checked.append(attachment_check(upload))
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise ValidationError(errors)
    return checked
