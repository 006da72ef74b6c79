"""Bahasa Indonesia is the default language: every catalogue entry must be translated."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

KARCIS = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(KARCIS.glob("**/locale/id/LC_MESSAGES/django.po"))


def test_there_are_catalogues():
    assert len(CATALOGUES) >= 4


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(KARCIS)))
def test_every_message_is_translated(path):
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="id")
    missing = [
        m.id
        for m in catalog
        if m.id and not (m.string if isinstance(m.string, str) else all(m.string))
    ]
    assert missing == []
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert fuzzy == []


def _msgids(po_path: Path) -> set[str]:
    with po_path.open("rb") as handle:
        return {
            message.id if isinstance(message.id, str) else message.id[0]
            for message in read_po(handle, locale="id")
            if message.id
        }


def test_every_string_the_code_shows_has_its_indonesian(tmp_path):
    """Every translatable string of the code and the templates is in some catalogue:
    a string added without its translation would show in English on an Indonesian page."""
    import os
    import shutil
    import subprocess
    import sys

    if shutil.which("xgettext") is None:
        reason = "GNU gettext (xgettext) is not installed: apt-get install gettext"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    known = set().union(*(_msgids(path) for path in CATALOGUES))
    copy = tmp_path / "karcis"
    shutil.copytree(
        KARCIS, copy, ignore=shutil.ignore_patterns("locale", "tests", "migrations", "__pycache__")
    )
    # One folder per app, and one per folder of the project's templates.
    folders = [p for p in copy.iterdir() if (p / "__init__.py").exists()]
    for templates in (copy / "templates").iterdir():
        if templates.is_dir():
            folder = tmp_path / "templates" / templates.name
            shutil.copytree(templates, folder / "templates")
            folders.append(folder)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "karcis.settings_test",
        "PYTHONPATH": str(tmp_path),
    }
    missing = {}
    for folder in folders:
        (folder / "locale").mkdir(exist_ok=True)
        # django-admin, not `python -m django`: that puts the folder on the import path, and
        # an app's selectors.py would hide the standard library's.
        subprocess.run(
            [
                Path(sys.executable).with_name("django-admin"),
                "makemessages",
                "-l",
                "id",
                "--no-location",
            ],
            cwd=folder,
            env=env,
            check=True,
            capture_output=True,
        )
        extracted = folder / "locale/id/LC_MESSAGES/django.po"
        if extracted.exists():
            untranslated = sorted(_msgids(extracted) - known)
            if untranslated:
                missing[folder.name] = untranslated
    assert missing == {}
