"""Business calendars: an organisation's opening hours and holidays (docs/calendars.md).

The arithmetic lives in `hours.py` (pure Python); these tables are what an admin edits, and
`selectors.hours_for` turns them into an `hours.Hours`.
"""

from typing import TYPE_CHECKING, ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from karcis.core.models import Organisation, Team

if TYPE_CHECKING:
    from karcis.core.models import ScopedManagerType


class BusinessCalendar(models.Model):
    """Weekly opening hours in a time zone, with holidays. One per organisation is the
    default; a team may follow another one instead (CalendarTeam)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    name = models.CharField(_("name"), max_length=100)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Jakarta")
    # 7 lists (Monday first) of [start, end] local minutes after midnight, sorted and
    # disjoint, 0 <= start < end <= 1440; checked by services.weekly_clean.
    weekly = models.JSONField(_("weekly hours"), default=list)
    national_holidays = models.BooleanField(_("national holidays"), default=True)
    is_default = models.BooleanField(_("default"), default=False)
    teams = models.ManyToManyField(Team, through="CalendarTeam", related_name="+", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar["ScopedManagerType[BusinessCalendar]"] = ScopedManager(
        organisation="organisation"
    )
    _default_manager: ClassVar["ScopedManagerType[BusinessCalendar]"]

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="uniq_calendar_name_per_org"
            ),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(is_default=True),
                name="one_default_calendar_per_org",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CalendarTeam(models.Model):
    """A team that follows this calendar instead of the default. A team follows at most
    one calendar."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="team_links"
    )
    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="calendar_link")

    objects: ClassVar["ScopedManagerType[CalendarTeam]"] = ScopedManager(
        organisation="organisation"
    )
    _default_manager: ClassVar["ScopedManagerType[CalendarTeam]"]

    class Meta:
        ordering = ["id"]


class DateKind(models.TextChoices):
    ADDED = "added", _("Added")  # closed: cuti bersama, a regional day
    REMOVED = "removed", _("Removed")  # a national date that is not a holiday after all


class CalendarDate(models.Model):
    """A date an admin added to the calendar's holidays (closed all day) or removed from
    its national holidays (open as any other such weekday)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="dates")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=DateKind.choices)
    name = models.CharField(_("name or reason"), max_length=200, blank=True)

    objects: ClassVar["ScopedManagerType[CalendarDate]"] = ScopedManager(
        organisation="organisation"
    )
    _default_manager: ClassVar["ScopedManagerType[CalendarDate]"]

    class Meta:
        verbose_name = _("calendar date")
        verbose_name_plural = _("calendar dates")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="uniq_calendar_date")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class HolidaySource(models.TextChoices):
    """Where a holiday shown for a calendar comes from."""

    NATIONAL = "national", _("National holiday")
    NATIONAL_ESTIMATED = "national_estimated", _("National holiday (estimated date)")
    ADDED = "added", _("Added by an admin")
    REMOVED = "removed", _("Removed by an admin")
