"""Short texts: cleaning what people type (names, subjects), and saying when something was."""

import re
import unicodedata
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

# Bidirectional overrides and isolates can make a subject read differently from what it
# is ("…exe.pdf" shown as "…fdp.exe"); other control and format characters have no place
# in a one-line text either.
_INVISIBLE = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def one_line(value: str, max_length: int) -> str:
    """Whitespace collapsed, invisible direction marks and control characters removed."""
    value = _INVISIBLE.sub("", value)
    value = "".join(ch for ch in value if unicodedata.category(ch) != "Cc" or ch in " \t\n")
    return " ".join(value.split())[:max_length]


def time_ago(moment: datetime, now: datetime | None = None) -> str:
    """ "just now" within a minute, else "5 minutes ago" (one unit), in the active language."""
    now = now or timezone.now()
    if now - moment < timedelta(minutes=1):
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(moment, now, depth=1)}


def time_until(moment: datetime, now: datetime | None = None) -> str:
    """ "in 5 minutes" (one unit), or "within a minute", in the active language."""
    now = now or timezone.now()
    if moment - now < timedelta(minutes=1):
        return _("within a minute")
    return _("in %(time)s") % {"time": timesince(now, moment, depth=1)}
