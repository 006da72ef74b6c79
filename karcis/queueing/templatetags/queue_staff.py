"""Filters of the staff's queue pages."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def minutes(seconds: int | None) -> str:
    """A wait or a service time as the console shows it: "under a minute", "12 min"."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return _("under a minute")
    return _("%(minutes)s min") % {"minutes": seconds // 60}
