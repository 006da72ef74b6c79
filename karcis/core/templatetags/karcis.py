"""Template filters and tags every app's pages use: what the signed-in person may do, how long
ago something happened, and the options of a hand-written <select>."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from karcis.core.permissions import user_can, user_can_somewhere
from karcis.core.text import time_ago

register = template.Library()


@register.filter
def can(user, capability: str) -> bool:
    """{% if user|can:"desk.ticket.create" %}: may they, for the whole organisation."""
    return user_can(user, capability)


@register.filter
def can_somewhere(user, capability: str) -> bool:
    """{% if user|can_somewhere:"desk.ticket.update" %}: may they, for at least one team."""
    return user_can_somewhere(user, capability)


@register.filter
def ago(moment: datetime) -> str:
    """ "just now" for the last minute, else "5 minutes ago" (one unit)."""
    return time_ago(moment)


@register.simple_tag
def select_options(choices: Iterable[tuple[Any, Any]], selected: Any = None) -> SafeString:
    """{% select_options choices selected=value %}: an <option> per (value, label) pair, the
    one whose value equals `selected` (compared as text) marked selected.

    The markup a loop would write, in one node instead of three or four per option: the
    inbox's filters and bulk bar have some forty options, and the loop was a tenth of it.
    """
    chosen = None if selected is None else str(selected)
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, " selected" if str(value) == chosen else "", label) for value, label in choices),
    )
