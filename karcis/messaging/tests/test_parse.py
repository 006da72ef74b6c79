"""The e-mail parser: the corpus of real-shaped messages, quote folding, charsets, and the
promise that no input whatsoever makes it raise."""

import tomllib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from karcis.core.content import attachment_check
from karcis.messaging.email.parse import (
    decode_bytes,
    decode_words,
    email_parse,
    parse_ids,
    repairs_of,
)
from karcis.messaging.email.quotes import fold_html, fold_text
from karcis.messaging.services import attachment_filename

CORPUS = Path(__file__).parent / "corpus"
EXPECTED = tomllib.loads((CORPUS / "expected.toml").read_text(encoding="utf-8"))
OUR_MESSAGE_ID = "krc.1.1.fixture@nusantara.test"
REPLY_ADDRESS = "bantuan+KRC-000001.fixturetoken@nusantara.test"


def corpus_bytes(name: str) -> bytes:
    raw = (CORPUS / name).read_bytes()
    return raw.replace(b"{{OUR_MESSAGE_ID}}", OUR_MESSAGE_ID.encode()).replace(
        b"{{REPLY_ADDRESS}}", REPLY_ADDRESS.encode()
    )


def kept_by_desk(index: int, part) -> bool:
    try:
        attachment_check(SimpleUploadedFile(attachment_filename(index, part), part.data))
    except ValidationError:
        return False
    return True


# --- the corpus -------------------------------------------------------------------------------


def test_corpus_is_complete():
    files = {path.name for path in CORPUS.glob("*.eml")}
    assert files == set(EXPECTED)
    assert len(files) >= 45
    outcomes = {entry["outcome"] for entry in EXPECTED.values()}
    assert outcomes == {"new", "append", "followup", "linked_new", "reject", "bounce"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_message(name):
    expected = EXPECTED[name]

    parsed = email_parse(corpus_bytes(name))

    assert parsed.from_address == expected["from"]
    assert parsed.subject == expected["subject"]
    for fragment in expected["text_contains"]:
        assert fragment in parsed.text, fragment
    for fragment in expected["text_excludes"]:
        assert fragment not in parsed.text, fragment
        assert fragment not in parsed.html, fragment
    assert bool(parsed.quoted_html) == expected["quoted"]
    assert parsed.text.strip() or parsed.attachments or not expected["text_contains"]
    assert [a.filename for a in parsed.attachments] == expected["parsed_attachments"]
    kept = [
        attachment_filename(i, a) for i, a in enumerate(parsed.attachments) if kept_by_desk(i, a)
    ]
    assert kept == expected["attachments"]
    assert sum(a.inline for a in parsed.attachments) == expected["inline_images"]
    assert parsed.auto_submitted == expected["auto_submitted"]
    assert parsed.is_bounce == expected["is_bounce"]
    if expected["bounce_of"]:
        bounced = expected["bounce_of"].replace("{{OUR_MESSAGE_ID}}", OUR_MESSAGE_ID)
        assert bounced in parsed.bounced_message_ids
    assert expected.get("bounce_reason_contains", "") in parsed.bounce_reason
    assert {address for _name, address in parsed.cc} >= set(expected["cc"])
    if expected.get("defects"):
        assert parsed.defects
    assert [repair["code"] for repair in repairs_of(parsed.defects)] == expected.get("repairs", [])
    # What reaches the desk is sanitised: nothing that runs or calls home.
    for html in (parsed.html, parsed.quoted_html):
        assert "<script" not in html.lower()
        assert "onerror" not in html.lower()
        assert 'src="http' not in html.lower()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_message_with_threading_headers(name):
    parsed = email_parse(corpus_bytes(name))
    raw = (CORPUS / name).read_bytes()
    if b"<{{OUR_MESSAGE_ID}}>" in raw.split(b"\n\n", 1)[0].replace(b"\r\n", b"\n"):
        assert OUR_MESSAGE_ID in parsed.in_reply_to + parsed.references
    assert parsed.date is None or parsed.date.tzinfo is not None


# --- quote folding: plain text --------------------------------------------------------------


def test_fold_text_takes_trailing_quote_with_its_attribution():
    text = "Sudah beres, terima kasih.\n\nOn Mon, 5 Feb 2024 at 10:15, Tim <a@x.test> wrote:\n> lama\n> sekali\n"

    folded = fold_text(text)

    assert folded.new == "Sudah beres, terima kasih."
    assert folded.quoted.startswith("On Mon, 5 Feb 2024")
    assert "> sekali" in folded.quoted


@pytest.mark.parametrize(
    "attribution",
    [
        "Pada Sen, 5 Feb 2024 pukul 10.15 Tim Bantuan <a@x.test> menulis:",
        "Am Mo., 5. Feb. 2024 um 10:15 Uhr schrieb Tim <a@x.test>:",
        "Le lun. 5 févr. 2024 à 10:15, Tim <a@x.test> a écrit :",
    ],
)
def test_fold_text_knows_attributions_in_other_languages(attribution):
    folded = fold_text(f"Baru.\n\n{attribution}\n> lama\n")

    assert folded.new == "Baru."
    assert attribution in folded.quoted


def test_fold_text_keeps_an_interleaved_reply():
    text = "> Pertanyaan 1?\nJawaban 1.\n> Pertanyaan 2?\nJawaban 2.\n"

    folded = fold_text(text)

    assert folded.new == text.strip()
    assert not folded.has_quote


def test_fold_text_keeps_a_reply_written_below_the_quote():
    text = "On Mon, Tim wrote:\n> Masih error?\n\nTidak, sudah aman.\n"

    assert fold_text(text).new == text.strip()


@pytest.mark.parametrize(
    "separator",
    ["-----Original Message-----", "-----Pesan Asli-----", "-------- Original message --------"],
)
def test_fold_text_takes_everything_below_an_original_message_separator(separator):
    folded = fold_text(f"Baru di atas.\n\n{separator}\nFrom: a@x.test\nlama\n> kutipan\n")

    assert folded.new == "Baru di atas."
    assert folded.quoted.startswith(separator)


def test_fold_text_takes_an_outlook_header_block_with_its_rule():
    text = (
        "Baru.\n\n________________________________\nDari: Tim <a@x.test>\n"
        "Dikirim: Senin, 5 Februari 2024 10.15\nKepada: Budi\nPerihal: Tes\n\nlama\n"
    )

    folded = fold_text(text)

    assert folded.new == "Baru."
    assert folded.quoted.startswith("______")


def test_fold_text_never_folds_everything():
    text = "On Mon, Tim wrote:\n> hanya kutipan\n> tanpa kata baru\n"

    folded = fold_text(text)

    assert folded.new == text.strip()
    assert not folded.has_quote


def test_fold_text_keeps_a_forwarded_message():
    text = "Tolong dicek.\n\n---------- Forwarded message ---------\nFrom: X <x@x.test>\nSent: kemarin\nTo: y\n\nisi\n"

    assert fold_text(text).new == text.strip()


# --- quote folding: HTML ----------------------------------------------------------------------


def test_fold_html_gmail_quote():
    html = (
        '<div dir="ltr">Baru</div><br><div class="gmail_quote"><div class="gmail_attr">'
        "On Mon, X wrote:</div><blockquote>lama</blockquote></div>"
    )

    folded = fold_html(html)

    assert "Baru" in folded.new
    assert "lama" not in folded.new
    assert "lama" in folded.quoted and "wrote:" in folded.quoted


def test_fold_html_blockquote_cite_takes_the_attribution_above_it():
    html = '<p>Baru</p><p>Pada 5/2/24, Tim menulis:</p><blockquote type="cite"><p>lama</p></blockquote>'

    folded = fold_html(html)

    assert "menulis" not in folded.new
    assert "menulis" in folded.quoted


def test_fold_html_keeps_a_reply_below_a_blockquote():
    html = '<blockquote type="cite">Masih error?</blockquote><p>Tidak, sudah aman.</p>'

    folded = fold_html(html)

    assert "Masih error?" in folded.new and "sudah aman" in folded.new
    assert not folded.has_quote


def test_fold_html_outlook_takes_everything_after_append_on_send():
    html = (
        '<div>Baru</div><div id="appendonsend"></div><hr><div id="divRplyFwdMsg"><b>From:</b> X'
        "<br><b>Sent:</b> kemarin</div><div>lama 1</div><p>lama 2</p>"
    )

    folded = fold_html(html)

    assert "Baru" in folded.new
    assert "lama" not in folded.new and "From:" not in folded.new
    assert "lama 2" in folded.quoted


def test_fold_html_outlook_desktop_border_block():
    html = (
        '<div class="WordSection1"><p>Baru</p><div style="border:none;border-top:solid #E1E1E1 1.0pt">'
        "<p><b>Dari:</b> Tim<br><b>Dikirim:</b> Senin<br><b>Kepada:</b> Budi</p></div><p>lama</p></div>"
    )

    folded = fold_html(html)

    assert "Baru" in folded.new and "lama" not in folded.new
    assert "lama" in folded.quoted


def test_fold_html_never_folds_everything():
    html = '<blockquote type="cite">hanya kutipan</blockquote>'

    folded = fold_html(html)

    assert "hanya kutipan" in folded.new
    assert not folded.has_quote


def test_fold_html_keeps_an_inline_forward_inside_gmail_quote():
    html = (
        '<div>Lihat di bawah</div><div class="gmail_quote"><div class="gmail_attr">'
        "---------- Forwarded message ---------<br>From: X</div><div>isi</div></div>"
    )

    folded = fold_html(html)

    assert "isi" in folded.new and not folded.has_quote


def test_fold_html_keeps_an_image_only_reply():
    html = '<div><img src="cid:foto"></div><blockquote type="cite">lama</blockquote>'

    folded = fold_html(html)

    assert "cid:foto" in folded.new and "lama" in folded.quoted


def test_fold_html_survives_unbalanced_markup():
    folded = fold_html("<div><p>Baru<blockquote type=cite>lama</div></p></span>")

    assert "Baru" in folded.new


# --- charsets and headers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "charset", "expected"),
    [
        ("Café".encode("latin-1"), "iso-8859-1", "Café"),
        (b"\x93kutip\x94 \x96 ok", "iso-8859-1", "“kutip” – ok"),  # labelled latin-1, really 1252
        ("Café".encode(), "no-such-charset", "Café"),
        ("Café".encode("cp1252"), "no-such-charset", "Café"),
        ("日本語".encode("shift_jis"), "x-sjis", "日本語"),
        ("中文".encode("gb2312"), "GB2312", "中文"),
        ("Café".encode(), None, "Café"),
        ("Café".encode("cp1252"), "us-ascii", "Café"),
        (b"abc", "base64", "abc"),  # a codec but not a charset
        (b"\\u0041", "unicode-escape", "\\u0041"),
    ],
)
def test_decode_bytes(data, charset, expected):
    assert decode_bytes(data, charset) == expected


def test_decode_bytes_notes_an_unknown_charset():
    defects: list[str] = []

    decode_bytes(b"x", "klingon-8", defects)

    assert defects and "klingon-8" in defects[0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=?UTF-8?B?U2l0aQ==?=", "Siti"),
        ("=?UTF-8?B?U2l0aQ?=", "Siti"),  # padding lost
        ("=?iso-8859-1?Q?Caf=E9_Brasil?=", "Café Brasil"),
        ("=?UTF-8?Q?a?= =?UTF-8?Q?b?=", "ab"),  # whitespace between words is dropped
        ("Re: =?UTF-8?Q?caf=C3=A9?= lagi", "Re: café lagi"),
        ("=?bogus?Q?caf=C3=A9?=", "café"),
        ("=?UTF-8*id?Q?halo?=", "halo"),  # RFC 2231 language tag
        ("plain =?broken", "plain =?broken"),
    ],
)
def test_decode_words(value, expected):
    assert decode_words(value) == expected


def test_parse_ids_keeps_order_and_drops_duplicates():
    assert parse_ids("<a@x> <b@x>\n <a@x> (comment)") == ["a@x", "b@x"]
    assert parse_ids("bare@x.test") == ["bare@x.test"]
    assert parse_ids("garbage without id") == []


def test_headers_survive_nonsense():
    raw = (
        b"From: \xff\xfe <\x00@\x00>\nSubject: =?x?B?!!!?=\nDate: yesterday-ish\n"
        b'Message-ID: not an id\nTo: ,,,, <>\nContent-Type: text/plain; charset=""\n\nbody\n'
    )

    parsed = email_parse(raw)

    assert parsed.from_address == ""
    assert parsed.date is None
    assert parsed.message_id == ""
    assert parsed.to == []
    assert parsed.text == "body"


def test_auto_submitted_no_is_a_person():
    raw = b"From: a@x.test\nAuto-Submitted: no\nSubject: s\n\nhalo\n"

    assert email_parse(raw).auto_submitted is False


def test_noreply_sender_is_not_auto_submitted_by_name_alone():
    raw = b"From: noreply@x.test\nSubject: s\n\nhalo\n"

    assert email_parse(raw).auto_submitted is False


def test_disposition_notification_is_not_a_bounce():
    raw = (
        b"From: a@x.test\nSubject: Read: s\nContent-Type: multipart/report; "
        b'report-type=disposition-notification; boundary="b"\n\n--b\nContent-Type: text/plain\n\n'
        b"Dibaca.\n--b\nContent-Type: message/disposition-notification\n\n"
        b"Disposition: manual-action/MDN-sent-manually; displayed\n--b--\n"
    )

    parsed = email_parse(raw)

    assert parsed.auto_submitted is True
    assert parsed.is_bounce is False


def test_utf8_text_that_is_not_utf8_is_read_with_replacements():
    raw = b"From: a@x.test\nContent-Type: text/plain; charset=utf-8\n\nrusak \xff di sini\n"

    parsed = email_parse(raw)

    assert parsed.text == "rusak \ufffd di sini"
    assert parsed.defects


def test_text_only_mail_gets_html_made_from_its_text():
    raw = b"From: a@x.test\nContent-Type: text/plain\n\nBaris 1\nhttps://x.test/a\n"

    parsed = email_parse(raw)

    assert "<br>" in parsed.html and 'href="https://x.test/a"' in parsed.html


# --- never raises -------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_email_parse_never_raises_on_arbitrary_bytes(raw):
    parsed = email_parse(raw)

    assert isinstance(parsed.text, str) and isinstance(parsed.html, str)


_CORPUS_NAMES = sorted(EXPECTED)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(_CORPUS_NAMES),
    cuts=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 200)), max_size=4),
    inserts=st.lists(
        st.tuples(st.integers(0, 10**6), st.binary(min_size=1, max_size=40)), max_size=4
    ),
    truncate=st.none() | st.integers(0, 10**6),
)
def test_email_parse_never_raises_on_mutated_corpus(name, cuts, inserts, truncate):
    raw = bytearray(corpus_bytes(name))
    for position, length in cuts:
        start = position % (len(raw) or 1)
        del raw[start : start + length]
    for position, data in inserts:
        start = position % (len(raw) or 1)
        raw[start:start] = data
    if truncate is not None:
        raw = raw[: truncate % (len(raw) + 1)]

    parsed = email_parse(bytes(raw))

    assert isinstance(parsed.subject, str)
    assert all(isinstance(a.data, bytes) for a in parsed.attachments)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_folding_never_raises_and_never_empties(text):
    folded = fold_text(text)
    assert folded.new or not text.strip()
    html_folded = fold_html(text)
    assert isinstance(html_folded.new, str)


# --- issue 8: automatic subjects, forwarded messages, repairs -------------------------------


@pytest.mark.parametrize(
    ("subject", "automatic"),
    [
        ("Automatic reply: Jadwal", True),
        ("Out of Office: Re: [KRC-000001] Tagihan", True),
        ("Out of Office AutoReply: Tagihan", True),
        ("Balasan Otomatis: Tagihan", True),
        ("AutoReply: Tagihan", True),
        ("Budi Santoso is out of the office.", True),
        ("Printer out of office lantai 3 rusak", False),
        ("Re: out of office schedule", False),
        ("Automatic replies do not work in the portal", False),
    ],
)
def test_auto_responders_known_by_their_subject(subject, automatic):
    raw = f"From: a@example.com\nSubject: {subject}\n\nhai\n".encode()
    assert email_parse(raw).auto_submitted is automatic


def test_a_forward_inside_a_forward_is_read_to_a_depth():
    inner = b"From: c@example.com\nSubject: paling dalam\n\nisi terdalam\n"
    for level in range(5):
        inner = (
            (
                f"From: l{level}@example.com\nSubject: lapis {level}\n"
                f'Content-Type: multipart/mixed; boundary="b{level}"\n\n'
                f"--b{level}\nContent-Type: text/plain\n\nlapis {level}\n"
                f"--b{level}\nContent-Type: message/rfc822\n\n"
            ).encode()
            + inner
            + f"\n--b{level}--\n".encode()
        )

    parsed = email_parse(inner)

    assert [f.subject for f in parsed.forwarded] == ["lapis 3", "lapis 2", "lapis 1"]


def test_repairs_are_named_once_per_kind():
    defects = [
        "broken base64; decoded what could be read",
        "unknown charset 'x-a'; read as UTF-8",
        "unknown charset 'x-b'; read as UTF-8",
        "no usable From address",
        "the multipart is not closed",
    ]
    assert repairs_of(defects) == [
        {"code": "damaged_part"},
        {"code": "unknown_charset", "detail": "x-a"},
        {"code": "unclosed_structure"},
    ]
