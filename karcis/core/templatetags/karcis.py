"""Template filters every app's pages use: what the signed-in person may do, and how long ago
something happened."""

from datetime import datetime

from django import template

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
