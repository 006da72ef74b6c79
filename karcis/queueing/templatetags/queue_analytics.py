"""How the analytics page words its numbers: durations in minutes, shares in percent, open
time in hours, each in the reader's language ("4,5" in Bahasa Indonesia)."""

from __future__ import annotations

import math

from django import template
from django.utils.formats import number_format

register = template.Library()

NONE = "–"


@register.filter
def minutes(seconds: float | None) -> str:
    """Seconds as minutes with one decimal; "–" for nothing measured, "∞" for a wait
    without end."""
    if seconds is None:
        return NONE
    if math.isinf(seconds):
        return "∞"
    return number_format(seconds / 60, 1)


@register.filter
def percent(share: float | None) -> str:
    if share is None:
        return NONE
    return f"{number_format(share * 100, 0)}%"


@register.filter
def hours(seconds: float | None) -> str:
    if seconds is None:
        return NONE
    return number_format(seconds / 3600, 1)
