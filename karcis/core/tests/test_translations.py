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
