"""Cleaning short texts people type: names, subjects."""

import re
import unicodedata

# Bidirectional overrides and isolates can make a subject read differently from what it
# is ("…exe.pdf" shown as "…fdp.exe"); other control and format characters have no place
# in a one-line text either.
_INVISIBLE = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def one_line(value: str, max_length: int) -> str:
    """Whitespace collapsed, invisible direction marks and control characters removed."""
    value = _INVISIBLE.sub("", value)
    value = "".join(ch for ch in value if unicodedata.category(ch) != "Cc" or ch in " \t\n")
    return " ".join(value.split())[:max_length]
