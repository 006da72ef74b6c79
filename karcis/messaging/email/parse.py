"""Turn the raw bytes of one e-mail into what the desk needs, whatever the bytes are.

Mail in the wild is often malformed: 8-bit bytes in headers, unknown charsets, broken
base64, multiparts without their boundary. `email_parse` never raises: it keeps what it
can read and notes what was wrong in `defects`, for the admin who looks at a message that
came out oddly.

Headers are read by this module itself (not by the stdlib's header classes), because the
stdlib's modern policy raises on some malformed headers when they are read, and the old one
returns objects that differ by input. MIME structure and transfer encodings are the stdlib's
(compat32 policy, which records defects instead of raising).
"""

import base64
import binascii
import codecs
import dataclasses
import email
import email.errors
import logging
import quopri
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.generator import BytesGenerator
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from html import escape as html_escape
from html import unescape
from html.parser import HTMLParser
from io import BytesIO
from typing import cast

from karcis.core.content import sanitise_html, text_to_html
from karcis.messaging.email.quotes import Folded, fold_html, fold_text

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str  # decoded (RFC 2231/2047), "" if none given
    content_type: str  # as declared, lower-case
    data: bytes
    content_id: str  # without <>, "" if none
    inline: bool  # referenced from the HTML by cid: (or disposition inline with a Content-ID)


@dataclass(frozen=True)
class ForwardedMessage:
    """A message forwarded as a whole (a message/rfc822 part), readable on its own: its
    headers as the forwarder's client kept them, and its text, sanitised like any mail."""

    from_: str = ""  # "Name <address>", as written
    to: str = ""
    cc: str = ""
    date: str = ""  # as written: only informative (the sender wrote it)
    subject: str = ""
    html: str = ""  # sanitised; its own quoted history included, below a rule
    text: str = ""
    attachments: list[str] = field(default_factory=list)  # file names inside it


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    subject: str = ""
    from_name: str = ""
    from_address: str = ""
    reply_to: str = ""
    to: list[tuple[str, str]] = field(default_factory=list)
    cc: list[tuple[str, str]] = field(default_factory=list)
    delivered_to: list[str] = field(default_factory=list)
    date: datetime | None = None
    html: str = ""
    text: str = ""
    quoted_html: str = ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    auto_submitted: bool = False
    is_bounce: bool = False
    bounced_message_ids: list[str] = field(default_factory=list)
    bounce_reason: str = ""
    defects: list[str] = field(default_factory=list)
    forwarded: list[ForwardedMessage] = field(default_factory=list)


# --- charsets ------------------------------------------------------------------------------

# Names mail clients use that Python does not know, or knows as a narrower charset than the
# one they really mean (as browsers do: ISO-8859-1 labelled mail is Windows-1252 in practice).
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
    "ansi_x3.4-1968": "utf-8",
    "x-sjis": "shift_jis",
    "shift-jis": "shift_jis",
    "windows-31j": "cp932",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "unicode-1-1-utf-7": "utf-7",
    "x-unknown": "",
    "unknown-8bit": "",
    "default": "",
}


def _codec_for(charset: str | None) -> str | None:
    """A text codec for a declared charset, or None when it is unknown (or not a text codec:
    'base64' or 'rot13' are codecs in Python, not charsets)."""
    if not charset:
        return None
    name = charset.strip().strip("\"'").lower()
    name = _CHARSET_ALIASES.get(name, name)
    if not name:
        return None
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in {
        "unicode-escape",
        "raw-unicode-escape",
        "idna",
        "punycode",
    }:
        return None
    return info.name


def decode_bytes(data: bytes, charset: str | None, defects: list[str] | None = None) -> str:
    """Decode text whose charset was declared (maybe wrongly, maybe not at all)."""
    codec = _codec_for(charset)
    if charset and codec is None and charset.strip().lower() not in _CHARSET_ALIASES:
        _note(defects, f"unknown charset {charset.strip()[:40]!r}; read as UTF-8")
    if codec is not None and codec != "utf-8":
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError, ValueError):
            _note(defects, f"text is not valid {charset}")
            try:
                return data.decode(codec, errors="replace")
            except (LookupError, ValueError):
                pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if codec == "utf-8" and charset and charset.strip().lower() not in {"us-ascii", "ascii"}:
        _note(defects, "text declared UTF-8 is not valid UTF-8")
        return data.decode("utf-8", errors="replace")
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _note(defects: list[str] | None, message: str) -> None:
    if defects is not None and message not in defects:
        defects.append(message)


# --- headers -------------------------------------------------------------------------------

_HEADER_LINE = re.compile(rb"^([!-9;-~]+)[ \t]*:(.*)$", re.S)
_HEADER_END = re.compile(rb"\r?\n\r?\n")


def _split_raw(raw: bytes) -> tuple[bytes, bytes]:
    match = _HEADER_END.search(raw)
    if match is None:
        return raw, b""
    return raw[: match.start()], raw[match.end() :]


def read_headers(raw: bytes, defects: list[str]) -> list[tuple[str, str]]:
    """Top-level headers as (lower-case name, unfolded value) in order; 8-bit bytes are read
    as UTF-8, else Windows-1252."""
    head, _body = _split_raw(raw)
    headers: list[tuple[str, bytes]] = []
    for number, line in enumerate(head.splitlines()):
        if number == 0 and line.startswith(b"From "):
            continue  # mbox envelope line
        if line[:1] in (b" ", b"\t"):
            if headers:
                name, value = headers[-1]
                headers[-1] = (name, value + b" " + line.strip())
            continue
        match = _HEADER_LINE.match(line)
        if match is None:
            _note(defects, "a header line without a name was ignored")
            break
        headers.append((match[1].decode("ascii").lower(), match[2].strip()))
    result = []
    for name, value in headers:
        try:
            text = value.decode("ascii")
        except UnicodeDecodeError:
            _note(defects, f"raw 8-bit bytes in the {name} header")
            text = decode_bytes(value, None)
        result.append((name, text))
    return result


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_ENCODED_GAP = re.compile(r"(\?=)\s+(=\?)")


def decode_words(value: str) -> str:
    """RFC 2047 encoded words to text, leniently (bad charsets, missing padding, words
    glued to text)."""
    if "=?" not in value:
        return value
    value = _ENCODED_GAP.sub(r"\1\2", value)  # whitespace between encoded words is dropped

    def replace(match: re.Match[str]) -> str:
        charset, encoding, payload = match[1].split("*", 1)[0], match[2].upper(), match[3]
        try:
            if encoding == "B":
                data = base64.b64decode(payload + "=" * (-len(payload) % 4), validate=False)
            else:
                data = quopri.decodestring(payload.replace("_", " ").encode("ascii", "replace"))
        except (binascii.Error, ValueError):
            return match[0]
        return decode_bytes(data, charset)

    try:
        return _ENCODED_WORD.sub(replace, value)
    except Exception:  # noqa: BLE001 - a header must never stop parsing
        return value


def _one_line(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


class Headers:
    def __init__(self, items: list[tuple[str, str]]) -> None:
        self.items = items

    def all(self, name: str) -> list[str]:
        return [value for key, value in self.items if key == name]

    def first(self, name: str) -> str:
        values = self.all(name)
        return values[0] if values else ""

    def has(self, name: str) -> bool:
        return any(key == name for key, _value in self.items)


_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
_ADDRESS_ANYWHERE = re.compile(r"[\w.+'-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")


def parse_addresses(values: list[str]) -> list[tuple[str, str]]:
    """(decoded name, lower-case address) pairs; entries without a usable address dropped."""
    result: list[tuple[str, str]] = []
    for value in values:
        try:
            pairs = getaddresses([value])
        except Exception:  # noqa: BLE001 - the stdlib parser has failed on odd input before
            pairs = []
        found = [
            (_one_line(decode_words(name)).strip("\"' "), address.strip().lower())
            for name, address in pairs
            if _ADDRESS.match(address.strip())
        ]
        if not found:
            # e.g. an unquoted comma or 8-bit name: take the address and what stands before it
            match = _ADDRESS_ANYWHERE.search(value)
            if match:
                name = value[: match.start()].strip(" <\"'\t")
                found = [(_one_line(decode_words(name)), match[0].lower())]
        for pair in found:
            if pair[1] not in {existing for _n, existing in result}:
                result.append(pair)
    return result


_MSGID = re.compile(r"<([^<>\s]+)>")


def parse_ids(value: str) -> list[str]:
    """Message-IDs in a header, in order, without brackets; bare ids accepted when they are
    the whole value (some clients drop the brackets)."""
    ids = [found for found in _MSGID.findall(value) if "@" in found or len(found) > 6]
    if not ids:
        bare = value.strip()
        if bare and " " not in bare and "@" in bare and len(bare) < 250:
            ids = [bare.strip("<>")]
    unique: list[str] = []
    for found in ids:
        if found not in unique:
            unique.append(found)
    return unique


# Longer ids are not ids (and could not be stored, nor serve as a key).
MESSAGE_ID_MAX = 250


def _first_message_id(headers: Headers) -> str:
    ids = parse_ids(headers.first("message-id").replace("\x00", ""))
    return ids[0] if ids and len(ids[0]) <= MESSAGE_ID_MAX else ""


def message_id_of(raw: bytes) -> str:
    """The message's own Message-ID, without brackets, or "" when it has none we can use;
    reads only the header block (the intake keys a message on it before parsing it)."""
    try:
        return _first_message_id(Headers(read_headers(raw, [])))
    except Exception:  # noqa: BLE001 - unreadable headers: the content hash will identify it
        return ""


def parse_date(value: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


# --- MIME walking --------------------------------------------------------------------------


@dataclass
class _Collected:
    html: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    bounce_ids: list[str] = field(default_factory=list)
    bounce_statuses: list[str] = field(default_factory=list)
    returned_message: bool = False
    forwarded_raw: list[bytes] = field(default_factory=list)


def _param(part: Message, name: str, header: str = "content-type") -> str:
    try:
        value = part.get_param(name, header=header)
    except Exception:  # noqa: BLE001
        return ""
    if value is None:
        return ""
    if isinstance(value, tuple):
        try:
            value = email.utils.collapse_rfc2231_value(value)
        except Exception:  # noqa: BLE001
            value = value[2] if len(value) > 2 else ""
    return str(value)


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:  # noqa: BLE001
        return "text/plain"


def _filename(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001
        name = None
    if name is None:
        name = _param(part, "name")
    return _one_line(decode_words(str(name or ""))).strip("\"' ")


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:  # noqa: BLE001
        return ""


def _content_id(part: Message) -> str:
    value = str(part.get("Content-ID", "") or "").strip()
    return value.strip("<>").strip()


_BASE64_JUNK = re.compile(rb"[^A-Za-z0-9+/]")


def _lenient_base64(payload: str, defects: list[str]) -> bytes:
    """Base64 as mail clients mangle it: junk characters, lost padding, a cut-off tail."""
    compact = re.sub(rb"\s+", b"", payload.encode("ascii", "ignore"))
    clean = _BASE64_JUNK.sub(b"", compact)
    if len(clean) % 4 == 1:
        clean = clean[:-1]  # a lone trailing character carries no whole byte
    clean += b"=" * (-len(clean) % 4)
    if clean != compact:
        _note(defects, "broken base64; decoded what could be read")
    try:
        return base64.b64decode(clean)
    except (binascii.Error, ValueError):
        return b""


def _raw_payload(part: Message) -> str | list[Message]:
    """The undecoded payload: sub-parts of a multipart, else text (with surrogate escapes for
    8-bit bytes). The stdlib's accessor can raise on a malformed charset parameter."""
    try:
        # typeshed allows any value; without `decode`, a part's payload is one of these two.
        return cast("str | list[Message]", part.get_payload())
    except Exception:  # noqa: BLE001
        payload = part._payload  # type: ignore[attr-defined]  # noqa: SLF001 - the same value, without the charset round trip
        return payload if isinstance(payload, str | list) else ""


def _payload(part: Message, defects: list[str]) -> bytes:
    encoding = str(part.get("Content-Transfer-Encoding", "") or "").strip().lower()
    payload = _raw_payload(part)
    if encoding == "base64" and isinstance(payload, str):
        return _lenient_base64(payload, defects)
    try:
        # Bytes, or None for a multipart (typeshed allows any value).
        data = cast("bytes | None", part.get_payload(decode=True))
    except Exception:  # noqa: BLE001
        data = None
    if data is None:
        payload = _raw_payload(part)
        data = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
    for defect in getattr(part, "defects", []):
        _note(defects, _describe_defect(defect))
    return data


def _message_bytes(message: Message) -> bytes:
    buffer = BytesIO()
    try:
        BytesGenerator(buffer, mangle_from_=False, policy=compat32).flatten(message)
        return buffer.getvalue()
    except Exception:  # noqa: BLE001
        try:
            return message.as_string().encode("utf-8", "surrogateescape")
        except Exception:  # noqa: BLE001
            return b""


_DEFECT_TEXT = {
    "NoBoundaryInMultipartDefect": "a multipart part declares no boundary",
    "StartBoundaryNotFoundDefect": "the multipart boundary never appears",
    "CloseBoundaryNotFoundDefect": "the multipart is not closed",
    "MissingHeaderBodySeparatorDefect": "no blank line between headers and body",
    "FirstHeaderLineIsContinuationDefect": "the first header line is a continuation",
    "MisplacedEnvelopeHeaderDefect": "an envelope 'From ' line inside the headers",
    "MultipartInvariantViolationDefect": "a multipart part has no sub-parts",
    "InvalidMultipartContentTransferEncodingDefect": "a multipart has a transfer encoding",
    "InvalidBase64PaddingDefect": "broken base64 (padding)",
    "InvalidBase64CharactersDefect": "broken base64 (invalid characters)",
    "InvalidBase64LengthDefect": "broken base64 (truncated)",
    "MalformedHeaderDefect": "a malformed header",
}


def _describe_defect(defect: object) -> str:
    name = type(defect).__name__
    return _DEFECT_TEXT.get(name, f"{name}: {defect}")


def _is_attachment(part: Message, content_type: str) -> bool:
    if _disposition(part) == "attachment":
        return True
    if content_type not in {"text/plain", "text/html"}:
        return True
    return bool(_filename(part)) and _disposition(part) != "inline"


def _add_attachment(
    part: Message, out: _Collected, defects: list[str], *, related: bool = False
) -> None:
    content_type = _content_type(part)
    if content_type == "message/rfc822":
        _add_forwarded(part, out, defects)
        return
    content_id = _content_id(part)
    if (
        not related
        and content_id
        and content_type.startswith("image/")
        and _disposition(part) == "inline"
        and out.html
        and f"cid:{content_id}".lower() not in "".join(out.html).lower()
    ):
        # Apple Mail puts an image between two HTML parts of a multipart/mixed and shows it
        # there; keep it in its place.
        out.html.append(f'<div><img src="cid:{html_escape(content_id)}"></div>')
    out.attachments.append(
        ParsedAttachment(
            filename=_filename(part),
            content_type=content_type,
            data=_payload(part, defects),
            content_id=content_id,
            inline=_disposition(part) == "inline" and bool(content_id),
        )
    )


def _add_forwarded(part: Message, out: _Collected, defects: list[str]) -> None:
    payload = _raw_payload(part)
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        inner = payload[0]
        data = _message_bytes(inner)
        subject = _one_line(decode_words(str(inner.get("Subject", "") or "")))
    else:
        data = _payload(part, defects)
        head = Headers(read_headers(data, []))
        subject = _one_line(decode_words(head.first("subject")))
    out.forwarded_raw.append(data)
    name = _filename(part) or f"{_safe_stem(subject) or 'forwarded-message'}.eml"
    if not name.lower().endswith(".eml"):
        name += ".eml"
    out.attachments.append(
        ParsedAttachment(
            filename=name, content_type="message/rfc822", data=data, content_id="", inline=False
        )
    )


def _safe_stem(subject: str) -> str:
    # Only what a file name cannot hold; the subject's own words (any script) stay.
    return re.sub(r"[/\\\x00-\x1f\x7f]+", "_", subject).strip(" ._")[:80]


def _add_body(part: Message, content_type: str, out: _Collected, defects: list[str]) -> None:
    text = decode_bytes(_payload(part, defects), _param(part, "charset") or None, defects)
    text = text.replace("\r\n", "\n").replace("\x00", "")
    if content_type == "text/html":
        out.html.append(text)
    else:
        if (_param(part, "format") or "").lower() == "flowed":
            text = _unflow(text, delsp=_param(part, "delsp").lower() == "yes")
        out.text.append(text)


_QUOTE_PREFIX = re.compile(r"^>+")


def _unflow(text: str, *, delsp: bool) -> str:
    """RFC 3676: a line ending in a space continues on the next one of the same quote depth;
    a leading space was added by the sender (space-stuffing) and goes."""
    lines: list[tuple[str, str]] = []  # (quote prefix, content)
    for line in text.split("\n"):
        match = _QUOTE_PREFIX.match(line)
        prefix = match[0] if match else ""
        content = line[len(prefix) :]
        content = content.removeprefix(" ")
        if lines:
            previous_prefix, previous = lines[-1]
            if (
                previous_prefix == prefix
                and previous.endswith(" ")
                and previous != "-- "
                and content
            ):
                lines[-1] = (prefix, (previous[:-1] if delsp else previous) + content)
                continue
        lines.append((prefix, content))
    return "\n".join(f"{prefix} {content}" if prefix else content for prefix, content in lines)


_SIGNATURE_TYPES = {
    "application/pgp-signature",
    "application/pkcs7-signature",
    "application/x-pkcs7-signature",
    "application/pgp-encrypted",
}


def _walk(part: Message, out: _Collected, defects: list[str], depth: int = 0) -> None:
    if depth > 30:
        _note(defects, "parts nested too deeply were ignored")
        return
    content_type = _content_type(part)
    if part.is_multipart():
        if depth:  # the top level's are noted by _parse
            for defect in getattr(part, "defects", []):
                _note(defects, _describe_defect(defect))
        children = [p for p in _raw_payload(part) if isinstance(p, Message)]
        subtype = content_type.split("/", 1)[1] if "/" in content_type else "mixed"
        if content_type == "message/rfc822":
            _add_forwarded(part, out, defects)
        elif subtype == "alternative":
            _walk_alternative(children, out, defects, depth)
        elif subtype == "related":
            _walk_related(part, children, out, defects, depth)
        elif subtype == "report":
            _walk_report(children, out, defects, depth)
        elif subtype in {"signed", "encrypted"}:
            # The signature (or the encryption control part) is machinery, not a file.
            for child in children:
                if _content_type(child) not in _SIGNATURE_TYPES:
                    _walk(child, out, defects, depth + 1)
        else:
            for child in children:
                _walk(child, out, defects, depth + 1)
        return
    if content_type.startswith("multipart/"):
        # A multipart whose boundary is missing or wrong: read what it holds as text.
        _add_body(part, "text/plain", out, defects)
        return
    if _is_attachment(part, content_type):
        _add_attachment(part, out, defects)
    else:
        _add_body(part, content_type, out, defects)


def _walk_alternative(
    children: list[Message], out: _Collected, defects: list[str], depth: int
) -> None:
    def rank(child: Message) -> int:
        kind = _content_type(child)
        if kind == "text/html" or kind == "multipart/related" or kind == "multipart/mixed":
            return 2
        if kind == "text/plain":
            return 1
        return 0

    body_parts = [c for c in children if rank(c) > 0 and _disposition(c) != "attachment"]
    if body_parts:
        best = max(reversed(body_parts), key=rank)  # the last of the richest, per RFC 2046
        _walk(best, out, defects, depth + 1)
    for child in children:
        if rank(child) == 0 or _disposition(child) == "attachment":
            _walk(child, out, defects, depth + 1)  # e.g. text/calendar of an invitation


def _walk_related(
    part: Message, children: list[Message], out: _Collected, defects: list[str], depth: int
) -> None:
    if not children:
        return
    start = _param(part, "start").strip("<>")
    root = next((c for c in children if start and _content_id(c) == start), children[0])
    _walk(root, out, defects, depth + 1)
    for child in children:
        if child is root:
            continue
        if child.is_multipart():
            _walk(child, out, defects, depth + 1)
        else:
            _add_attachment(child, out, defects, related=True)


def _walk_report(children: list[Message], out: _Collected, defects: list[str], depth: int) -> None:
    for child in children:
        kind = _content_type(child)
        if kind in {"message/delivery-status", "message/global-delivery-status"}:
            out.bounce_statuses.append(_status_text(child, defects))
        elif kind in {"message/rfc822", "message/global"}:
            out.returned_message = True
            out.bounce_ids.extend(_ids_in_returned(child, defects))
        elif kind in {"text/rfc822-headers", "message/rfc822-headers", "text/global-headers"}:
            out.returned_message = True
            data = _payload(child, defects)
            out.bounce_ids.extend(_ids_in_text(decode_bytes(data, "utf-8")))
        else:
            _walk(child, out, defects, depth + 1)


def _status_text(part: Message, defects: list[str]) -> str:
    payload = _raw_payload(part)
    if isinstance(payload, list):
        blocks = []
        for block in payload:
            if isinstance(block, Message):
                blocks.append("\n".join(f"{k}: {_one_line(str(v))}" for k, v in block.items()))
        return "\n".join(blocks)
    return re.sub(r"\r?\n[ \t]+", " ", decode_bytes(_payload(part, defects), "utf-8"))


def _ids_in_returned(part: Message, defects: list[str]) -> list[str]:
    payload = _raw_payload(part)
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return parse_ids(str(payload[0].get("Message-ID", "") or ""))
    return _ids_in_text(decode_bytes(_payload(part, defects), "utf-8"))


_MESSAGE_ID_LINE = re.compile(r"(?im)^\s*message-id\s*:\s*(.+)$")


def _ids_in_text(text: str) -> list[str]:
    ids: list[str] = []
    for match in _MESSAGE_ID_LINE.finditer(text):
        for found in parse_ids(match[1]):
            if found not in ids:
                ids.append(found)
    return ids


def _recover_boundary(raw: bytes, defects: list[str]) -> Message | None:
    """A top-level multipart whose boundary is missing or wrong: find the real one in the
    body (a '--something' line followed by part headers) and parse with it."""
    _head, body = _split_raw(raw)
    match = re.search(rb"(?m)^--([^\s]{1,100})[ \t]*\r?\n(?:[A-Za-z-]+:[^\r\n]*\r?\n)+", body)
    if match is None:
        return None
    boundary = match[1].decode("ascii", "replace").strip('"')
    if boundary.endswith("--"):
        return None
    rebuilt = (
        b'Content-Type: multipart/mixed; boundary="' + boundary.encode("ascii", "replace") + b'"'
        b"\r\n\r\n" + body
    )
    message = email.message_from_bytes(rebuilt, policy=compat32)
    if not message.is_multipart():
        return None
    _note(defects, "the multipart boundary was missing or wrong; parts recovered")
    return message


# --- signals: auto-replies and bounces -----------------------------------------------------

_DAEMON_LOCAL = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)$", re.I)
_SMTP_REPLY = re.compile(r"\b([45]\d\d[ -][45]\.\d{1,3}\.\d{1,3}\b.*|[45]\d\d\s+\S.*)")


# Subjects auto-responders give their answers, for those that send no header saying so
# (RFC 3834 asks for Auto-Submitted; many vacation responders never set it). Only as a
# prefix with its colon, or the Lotus Notes sentence: a person's "out of office printer"
# stays a person's message.
_AUTOMATIC_SUBJECT = re.compile(
    r"(?i)^\s*(?:automatic reply|auto[- ]?reply|auto[- ]?response|autoresponse|"
    r"out of (?:the )?office(?: auto[- ]?reply)?|balasan otomatis|jawaban otomatis|"
    r"abwesenheitsnotiz|automatische antwort|réponse automatique|respuesta automática|"
    r"risposta automatica|automatisch antwoord)\s*:"
    r"|\bis out of the office\.?\s*$"
)


def _is_daemon(address: str) -> bool:
    return bool(_DAEMON_LOCAL.match(address.split("@", 1)[0])) if address else False


def _auto_submitted(headers: Headers, from_address: str) -> bool:
    auto = headers.first("auto-submitted").strip().lower()
    if auto and not auto.startswith("no"):
        return True
    if headers.first("precedence").strip().lower() in {"bulk", "junk", "list", "auto_reply"}:
        return True
    for name in (
        "x-auto-response-suppress",
        "list-id",
        "list-unsubscribe",
        "x-autoreply",
        "x-autorespond",
        "x-autoresponder",
        "x-auto-reply",
    ):
        if headers.has(name):
            return True
    if headers.first("return-path").strip() == "<>":
        return True  # sent with an empty envelope sender: bounces and auto-replies (RFC 3834)
    return _is_daemon(from_address)


def _bounce_reason(statuses: list[str], text: str) -> str:
    for status in statuses:
        match = re.search(r"(?im)^diagnostic-code\s*:\s*(?:[\w-]+\s*;\s*)?(.+)$", status)
        if match and match[1].strip():
            return _one_line(match[1])[:300]
    for status in statuses:
        match = re.search(r"(?im)^status\s*:\s*([245]\.\d+\.\d+)", status)
        if match:
            action = re.search(r"(?im)^action\s*:\s*(\S+)", status)
            return f"{match[1]} {action[1] if action else 'failed'}".strip()
    for line in text.splitlines():
        match = _SMTP_REPLY.search(line)
        if match and re.search(r"[a-zA-Z]", match[0]):
            return _one_line(match[0])[:300]
    for line in text.splitlines():
        stripped = line.strip()
        if len(stripped) > 15 and not re.match(r"(?i)^(hi|hello|halo|this is|dear)\b", stripped):
            return _one_line(stripped)[:300]
    return ""


# --- HTML to text ------------------------------------------------------------------------

_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "pre", "hr"}


class _TextWriter(HTMLParser):
    """Plain text of sanitised HTML as a person would read it in a text-only client:
    paragraphs, line breaks, list bullets, table rows, quotes marked with '>'."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.quote_depth = 0
        self.pre = 0
        self.list_stack: list[list[int]] = []  # [counter] per list; -1 for unordered
        self.cell = 0
        self.link: str | None = None
        self.link_text = ""

    def _newline(self, blank: bool = False) -> None:
        if self.lines[-1].strip() or not blank:
            self.lines.append("")
        if blank and len(self.lines) >= 2 and self.lines[-2].strip():
            self.lines.append("")

    def _write(self, text: str) -> None:
        if not self.lines[-1] and self.quote_depth:
            self.lines[-1] = "> " * self.quote_depth
        self.lines[-1] += text

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._newline()
        elif tag in _BLOCKS or tag == "blockquote":
            if self.lines[-1].strip():
                self._newline()
            if tag == "blockquote":
                self.quote_depth += 1
            if tag == "pre":
                self.pre += 1
            if tag in {"ul", "ol"}:
                self.list_stack.append([0 if tag == "ol" else -1])
            if tag == "hr":
                self._write("----")
                self._newline()
        elif tag == "li":
            if self.lines[-1].strip():
                self._newline()
            indent = "  " * max(len(self.list_stack) - 1, 0)
            if self.list_stack and self.list_stack[-1][0] >= 0:
                self.list_stack[-1][0] += 1
                self._write(f"{indent}{self.list_stack[-1][0]}. ")
            else:
                self._write(f"{indent}- ")
        elif tag == "tr":
            if self.lines[-1].strip():
                self._newline()
            self.cell = 0
        elif tag in {"td", "th"}:
            if self.cell:
                self._write("\t")
            self.cell += 1
        elif tag == "a":
            self.link = dict(attrs).get("href") or None
            self.link_text = ""
        elif tag == "img":
            alt = (dict(attrs).get("alt") or "").strip()
            if alt:
                self._write(f"[{alt}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS or tag in {"blockquote", "li", "tr"}:
            if tag == "blockquote":
                self.quote_depth = max(self.quote_depth - 1, 0)
            if tag == "pre":
                self.pre = max(self.pre - 1, 0)
            if tag in {"ul", "ol"} and self.list_stack:
                self.list_stack.pop()
            self._newline()
        elif tag == "a" and self.link:
            shown = self.link_text.strip()
            target = self.link.removeprefix("mailto:")
            if shown and target not in shown and shown not in target:
                self._write(f" ({self.link})")
            self.link = None

    def handle_data(self, data: str) -> None:
        if not self.pre:
            data = re.sub(r"[ \t\r\n\f]+", " ", data)
            if not self.lines[-1].strip() and not self.lines[-1].startswith(">"):
                data = data.lstrip(" ")
        if self.link is not None:
            self.link_text += data
        if self.pre:
            parts = data.split("\n")
            for index, part in enumerate(parts):
                if index:
                    self._newline()
                self._write(part)
        else:
            self._write(data)

    def text(self) -> str:
        lines = [line.rstrip().replace("\xa0", " ").rstrip() for line in self.lines]
        joined = "\n".join(lines)
        return re.sub(r"\n{3,}", "\n\n", joined).strip()


def html_to_plain(html: str) -> str:
    writer = _TextWriter()
    try:
        writer.feed(html)
        writer.close()
    except Exception:  # noqa: BLE001 - sanitised HTML parses; this is a last resort
        return unescape(re.sub(r"<[^>]+>", " ", html)).strip()
    return writer.text()


# --- the whole message ---------------------------------------------------------------------


def email_parse(raw: bytes) -> ParsedEmail:
    """Parse one message; never raises, whatever the bytes."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        raw = str(raw).encode("utf-8", "replace")
    raw = bytes(raw)
    defects: list[str] = []
    try:
        return _without_nul(_parse(raw, defects))
    except Exception as error:  # noqa: BLE001 - the promise is: never raise
        logger.exception("e-mail parse failed; keeping the message as plain text")
        _note(defects, f"could not be parsed ({type(error).__name__}); shown as raw text")
        text = decode_bytes(raw[:200_000], None).replace("\x00", "")
        return ParsedEmail(text=text, html=text_to_html(text), defects=defects)


def _clean(value):
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_clean(item) for item in value)
    return value


def _without_nul(parsed: ParsedEmail) -> ParsedEmail:
    """No NUL character in any text: databases refuse it (PostgreSQL text cannot hold one),
    and no real address, subject or body needs it. Attachment bytes are left alone."""
    changes = {
        field.name: _clean(getattr(parsed, field.name))
        for field in dataclasses.fields(parsed)
        if field.name != "attachments"
    }
    changes["attachments"] = [
        dataclasses.replace(
            part, filename=_clean(part.filename), content_id=_clean(part.content_id)
        )
        for part in parsed.attachments
    ]
    return dataclasses.replace(parsed, **changes)


_NO_FROM = "no usable From address"
_FORWARD_SUBJECT = re.compile(r"(?i)^\s*(fwd?|fw|tr|trs|wg|rv|terusan)\s*:")


# Forwards inside forwards are read this deep; deeper ones stay in their .eml file.
FORWARD_DEPTH = 3


def _parse(raw: bytes, defects: list[str], depth: int = 0) -> ParsedEmail:
    headers = Headers(read_headers(raw, defects))
    subject = _one_line(decode_words(headers.first("subject")))
    senders = parse_addresses(headers.all("from"))
    from_name, from_address = senders[0] if senders else ("", "")
    if not from_address:
        _note(defects, _NO_FROM)

    message = email.message_from_bytes(raw, policy=compat32)
    for defect in message.defects:
        _note(defects, _describe_defect(defect))
    if _content_type(message).startswith("multipart/") and not message.is_multipart():
        recovered = _recover_boundary(raw, defects)
        if recovered is not None:
            message = recovered
    out = _Collected()
    _walk(message, out, defects)

    report_type = _param(message, "report-type").lower()
    is_report = _content_type(message) == "multipart/report"
    body_text = "\n\n".join(t.strip("\n") for t in out.text)
    if not out.returned_message and _is_daemon(from_address):
        out.bounce_ids.extend(_ids_in_text(body_text))
        out.returned_message = bool(out.bounce_ids) or bool(
            any(a.content_type == "message/rfc822" for a in out.attachments)
        )
    is_bounce = (is_report and report_type in {"delivery-status", ""}) or (
        _is_daemon(from_address) and out.returned_message
    )
    bounce_ids: list[str] = []
    if is_bounce:
        for attachment in out.attachments:
            if attachment.content_type == "message/rfc822":
                out.bounce_ids.extend(
                    parse_ids(Headers(read_headers(attachment.data, [])).first("message-id"))
                )
        bounce_ids = list(dict.fromkeys(out.bounce_ids))

    # A bounce quotes our own message: that is its content (what could not be delivered).
    forwarded = is_bounce or bool(_FORWARD_SUBJECT.match(subject))
    html, text, quoted_html = _body(out, defects, forwarded=forwarded)
    attachments = _mark_inline(out.attachments, html + quoted_html)
    if is_bounce:
        attachments = [a for a in attachments if a.content_type != "message/rfc822"]
    forwarded_messages = [] if is_bounce else _forwarded(out.forwarded_raw, defects, depth)

    return ParsedEmail(
        message_id=_first_message_id(headers),
        in_reply_to=parse_ids(" ".join(headers.all("in-reply-to"))),
        references=parse_ids(" ".join(headers.all("references"))),
        subject=subject,
        from_name=from_name,
        from_address=from_address,
        reply_to=next((a for _n, a in parse_addresses(headers.all("reply-to"))), ""),
        to=parse_addresses(headers.all("to")),
        cc=parse_addresses(headers.all("cc")),
        delivered_to=list(
            dict.fromkeys(
                address
                for name in ("delivered-to", "x-original-to", "envelope-to")
                for _n, address in parse_addresses(headers.all(name))
            )
        ),
        date=parse_date(headers.first("date")),
        html=html,
        text=text,
        quoted_html=quoted_html,
        attachments=attachments,
        auto_submitted=is_bounce
        or is_report
        or _auto_submitted(headers, from_address)
        or bool(_AUTOMATIC_SUBJECT.search(subject)),
        is_bounce=is_bounce,
        bounced_message_ids=bounce_ids,
        bounce_reason=_bounce_reason(out.bounce_statuses, body_text) if is_bounce else "",
        defects=defects,
        forwarded=forwarded_messages,
    )


def _without_nul_forwarded(forwarded: ForwardedMessage) -> ForwardedMessage:
    changes = {f.name: _clean(getattr(forwarded, f.name)) for f in dataclasses.fields(forwarded)}
    return dataclasses.replace(forwarded, **changes)


def _address_list(pairs: list[tuple[str, str]]) -> str:
    return ", ".join(f"{name} <{address}>" if name else address for name, address in pairs)


def _forwarded(raws: list[bytes], defects: list[str], depth: int) -> list[ForwardedMessage]:
    """Each forwarded message readable, with the ones it forwards in turn (to a depth)."""
    if depth >= FORWARD_DEPTH:
        return []
    result: list[ForwardedMessage] = []
    for data in raws:
        inner_defects: list[str] = []
        try:
            inner = _without_nul(_parse(data, inner_defects, depth + 1))
        except Exception:  # noqa: BLE001 - the forward stays in its .eml; the message comes in
            logger.exception("a forwarded message could not be parsed")
            _note(defects, "a forwarded message could not be parsed; kept as its .eml file")
            continue
        for defect in inner_defects:  # what was repaired inside it was repaired in the whole
            if defect != _NO_FROM:
                _note(defects, defect)
        headers = Headers(read_headers(data, []))
        html = inner.html
        if inner.quoted_html:
            html += "<hr>" + inner.quoted_html
        result.append(
            _without_nul_forwarded(
                ForwardedMessage(
                    from_=_address_list([(inner.from_name, inner.from_address)])
                    if inner.from_address
                    else _one_line(decode_words(headers.first("from")))[:300],
                    to=_address_list(inner.to)[:1000],
                    cc=_address_list(inner.cc)[:1000],
                    date=_one_line(headers.first("date"))[:100],
                    subject=inner.subject[:300],
                    html=html,
                    text=inner.text,
                    attachments=[a.filename for a in inner.attachments if a.filename],
                )
            )
        )
        result.extend(inner.forwarded)
    return result


_FOLD_LIMIT = 2_000_000


def _body(out: _Collected, defects: list[str], *, forwarded: bool) -> tuple[str, str, str]:
    """(sanitised new html, new text, sanitised quoted html) from the collected parts."""
    raw_html = "\n".join(h for h in out.html if h.strip())
    if raw_html.strip():
        try:
            # Folding walks a tree of the whole body; past a few MB that costs seconds, and
            # such bodies are generated reports, not replies with history.
            if len(raw_html) > _FOLD_LIMIT:
                folded = Folded(new=raw_html)
            else:
                folded = fold_html(raw_html, forwarded=forwarded)
        except Exception:  # noqa: BLE001 - folding is a nicety; the message must still come in
            _note(defects, "quoted history could not be separated")
            folded = Folded(new=raw_html)
        html = _without_empty_images(sanitise_html(folded.new)).strip()
        quoted = _without_empty_images(sanitise_html(folded.quoted)) if folded.quoted else ""
        text = html_to_plain(html)
        if not text and not _has_image(html):
            # HTML that shows nothing (some senders put the words only in the text part)
            plain = "\n\n".join(t.strip() for t in out.text if t.strip())
            if plain:
                return _text_body(plain, forwarded=forwarded)
        return html, text, quoted
    plain = "\n\n".join(t.strip("\n") for t in out.text if t.strip())
    return _text_body(plain, forwarded=forwarded)


_EMPTY_IMAGE = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")


def _without_empty_images(html: str) -> str:
    """The sanitiser drops the src of remote images (tracking pixels); drop what is left."""
    return _EMPTY_IMAGE.sub("", html)


def _text_body(plain: str, *, forwarded: bool) -> tuple[str, str, str]:
    folded = fold_text(plain, forwarded=forwarded)
    quoted = text_to_html(folded.quoted) if folded.quoted else ""
    return text_to_html(folded.new), folded.new, quoted


def _has_image(html: str) -> bool:
    return "<img" in html


_CID_REFERENCE = re.compile(r"""(?i)src\s*=\s*["']?cid:([^"'\s>]+)""")


def _mark_inline(collected: list[ParsedAttachment], html: str) -> list[ParsedAttachment]:
    from urllib.parse import unquote

    referenced = {unquote(found).strip("<>").lower() for found in _CID_REFERENCE.findall(html)}
    result = []
    for attachment in collected:
        inline = attachment.inline or (
            bool(attachment.content_id) and attachment.content_id.lower() in referenced
        )
        if inline != attachment.inline:
            attachment = ParsedAttachment(
                filename=attachment.filename,
                content_type=attachment.content_type,
                data=attachment.data,
                content_id=attachment.content_id,
                inline=inline,
            )
        result.append(attachment)
    return result


# --- what was repaired, for the agent ------------------------------------------------------

# Each defect this module notes, by how it begins, as the kind of repair the desk names
# (desk IntakeNote). Defects not listed (a missing From, history not folded) change nothing
# the agent reads.
_REPAIR_KINDS = (
    ("broken base64", "damaged_part"),
    ("unknown charset", "unknown_charset"),
    ("text is not valid", "invalid_text"),
    ("text declared UTF-8", "invalid_text"),
    ("the multipart", "unclosed_structure"),
    ("a multipart", "unclosed_structure"),
    ("no blank line between headers", "unclosed_structure"),
    ("parts nested too deeply", "unclosed_structure"),
    ("raw 8-bit bytes", "malformed_headers"),
    ("a header line without a name", "malformed_headers"),
    ("a malformed header", "malformed_headers"),
    ("the first header line", "malformed_headers"),
    ("an envelope 'From '", "malformed_headers"),
    ("could not be parsed", "unreadable"),
    ("a forwarded message could not", "damaged_part"),
)
_UNKNOWN_CHARSET = re.compile(r"^unknown charset '(.*)'; read as UTF-8$")


def repairs_of(defects: list[str]) -> list[dict[str, str]]:
    """What the parser repaired, once per kind: [{"code": ..., "detail": ...}], detail being
    the unknown charset's name."""
    repairs: list[dict[str, str]] = []
    for defect in defects:
        code = next((kind for start, kind in _REPAIR_KINDS if defect.startswith(start)), None)
        if code is None or any(repair["code"] == code for repair in repairs):
            continue
        repair = {"code": code}
        match = _UNKNOWN_CHARSET.match(defect)
        if match:
            repair["detail"] = match[1][:40]
        repairs.append(repair)
    return repairs
