import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import PNG_BYTES
from karcis.core.content import attachment_check, attachments_check, body_from, sanitise_html


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


def test_all_errors_reported_together(settings):
    settings.KARCIS_ATTACHMENTS_PER_MESSAGE = 2
    files = [SimpleUploadedFile(f"{i}.png", PNG_BYTES, "image/png") for i in range(3)]
    with pytest.raises(ValidationError):
        attachments_check(files)


def test_remote_images_are_dropped_but_inline_ones_kept():
    clean = sanitise_html('<img src="https://tracker.test/p.gif"><img src="cid:logo@x" alt="logo">')
    assert "tracker.test" not in clean
    assert 'src="cid:logo@x"' in clean
