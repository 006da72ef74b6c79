import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import PNG_BYTES
from karcis.core.content import (
    _safe_filename,
    attachment_check,
    attachments_check,
    body_from,
    sanitise_html,
    storage_name,
)


@pytest.mark.parametrize(
    "dirty",
    [
        "<script>alert(1)</script>halo",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">klik</a>',
        '<svg onload="alert(1)"></svg>',
        '<iframe src="https://evil.test"></iframe>',
        '<p style="background:url(javascript:alert(1))">x</p>',
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    ],
)
def test_sanitiser_removes_everything_that_runs(dirty):
    clean = sanitise_html(dirty).lower()
    for marker in ("<script", "onerror", "javascript:", "onload", "<iframe", "style="):
        assert marker not in clean


def test_sanitiser_keeps_formatting_and_makes_links_safe():
    clean = sanitise_html('<p><strong>Penting</strong> <a href="https://x.test">tautan</a></p>')
    assert "<strong>Penting</strong>" in clean
    assert 'rel="noopener noreferrer nofollow"' in clean


def test_plain_text_becomes_escaped_paragraphs_with_links():
    body = body_from(text="Halo <b>admin</b>\n\nLihat https://nusantara.test/bantuan")
    assert "&lt;b&gt;" in body.html
    assert '<a href="https://nusantara.test/bantuan"' in body.html
    assert body.text.startswith("Halo <b>admin</b>")


def test_html_body_yields_text_for_search_and_mail():
    body = body_from(html_body="<p>Baris satu</p><p>Baris&nbsp;dua<br>tiga</p>")
    assert body.text.splitlines()[0] == "Baris satu"
    assert "tiga" in body.text


def test_png_is_accepted():
    checked = attachment_check(SimpleUploadedFile("Layar.PNG", PNG_BYTES, "image/png"))
    assert checked.content_type == "image/png"
    assert checked.filename == "Layar.PNG"


def test_disguised_executable_is_rejected():
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
    with pytest.raises(ValidationError) as error:
        attachment_check(SimpleUploadedFile("foto.png", exe, "image/png"))
    assert error.value.code in {"type", "disguised"}


def test_png_named_pdf_is_rejected_as_disguised():
    with pytest.raises(ValidationError) as error:
        attachment_check(SimpleUploadedFile("surat.pdf", PNG_BYTES, "application/pdf"))
    assert error.value.code == "disguised"


def test_oversized_and_empty_files_are_rejected(settings):
    settings.KARCIS_ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(ValidationError) as error:
        attachment_check(SimpleUploadedFile("a.png", PNG_BYTES, "image/png"))
    assert error.value.code == "too_large"
    with pytest.raises(ValidationError):
        attachment_check(SimpleUploadedFile("a.txt", b"", "text/plain"))


def test_text_files_must_be_text():
    assert attachment_check(SimpleUploadedFile("log.txt", "galat ñ".encode(), "text/plain"))
    with pytest.raises(ValidationError):
        attachment_check(SimpleUploadedFile("log.txt", b"\x00\x01\x02binary", "text/plain"))


def test_path_in_filename_is_dropped():
    checked = attachment_check(SimpleUploadedFile("../../etc/passwd.txt", b"root", "text/plain"))
    assert checked.filename == "passwd.txt"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("Laporan – Café Nusantara (final).pdf", "Laporan – Café Nusantara (final).pdf"),
        ("報告書 2024年.txt", "報告書 2024年.txt"),
        ("تقرير الشكوى.txt", "تقرير الشكوى.txt"),
        (
            "Rechnung für Müller & Söhne, #12 + 'Kopie'.txt",
            "Rechnung für Müller & Söhne, #12 + 'Kopie'.txt",
        ),
        # macOS sends accents decomposed; they are kept composed
        ("Cafe\u0301.txt", "Café.txt"),
        # paths: only the last part
        ("C:\\Users\\budi\\surat.txt", "surat.txt"),
        ("../../etc/passwd.txt", "passwd.txt"),
        # control and direction-changing characters go (U+202E shows "txt.exe" as "exe.txt")
        ("tagihan\u202etxt.exe", "tagihantxt.exe"),
        ("baris\nbaru\x00.txt", "baris baru.txt"),
        ("tab\there.txt", "tab here.txt"),
        # reserved names
        ("..", "lampiran"),
        ("CON.txt", "_CON.txt"),
        ("nul", "_nul"),
        ("LPT1.log", "_LPT1.log"),
        ("console.txt", "console.txt"),
        ("  .hidden.txt. ", "hidden.txt"),
    ],
)
def test_file_names_keep_their_unicode_and_lose_only_what_could_harm(given, kept):
    assert _safe_filename(given) == kept


def test_a_unicode_file_name_survives_the_attachment_check():
    checked = attachment_check(
        SimpleUploadedFile("Notulen – 会議 (revisi).txt", b"isi", "text/plain")
    )
    assert checked.filename == "Notulen – 会議 (revisi).txt"


def test_a_very_long_name_keeps_its_extension():
    name = _safe_filename("ä" * 300 + ".pdf")
    assert len(name) == 150 and name.endswith("ä.pdf")


@pytest.mark.parametrize(
    ("given", "stored"),
    [("Laporan – Café.pdf", "Laporan_Café.pdf"), ("「」", "lampiran"), ("a/b.txt", "a_b.txt")],
)
def test_storage_names_are_safe_for_any_storage(given, stored):
    assert storage_name(given) == stored


def test_all_errors_reported_together(settings):
    settings.KARCIS_ATTACHMENTS_PER_MESSAGE = 2
    files = [SimpleUploadedFile(f"{i}.png", PNG_BYTES, "image/png") for i in range(3)]
    with pytest.raises(ValidationError):
        attachments_check(files)


def test_remote_images_are_dropped_but_inline_ones_kept():
    clean = sanitise_html('<img src="https://tracker.test/p.gif"><img src="cid:logo@x" alt="logo">')
    assert "tracker.test" not in clean
    assert 'src="cid:logo@x"' in clean
