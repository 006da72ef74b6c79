"""SLA policies and the clocks they run on each ticket."""

from typing import TYPE_CHECKING, ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from karcis.core.models import Organisation
from karcis.sla.clocks import ClockState, Target

if TYPE_CHECKING:
    from karcis.core.models import ScopedManagerType


# The statuses that pause the resolution clock unless a policy says otherwise.
DEFAULT_PAUSE_STATUSES = ["pending", "on_hold"]


def _default_pause_statuses() -> list[str]:
    return list(DEFAULT_PAUSE_STATUSES)


class SlaPolicy(models.Model):
    """Service-level targets for the tickets that match its conditions.

    Policies are tried in `position` order and the first active one whose conditions all
    hold applies; an empty condition holds for every ticket. Targets are minutes, counted in
    business time on a calendar (the policy's, else the ticket team's, else the
    organisation's default; karcis.calendars) or in calendar time. `on_warning` and
    `on_breach` say what happens when a clock is at risk or broken: {"notify": bool,
    "raise_priority": bool, "team": team id or null, "tag": "name" or ""}.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, db_index=False)
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    # Conditions (all must hold; an empty list holds for every ticket).
    priorities = models.JSONField(_("priorities"), default=list, blank=True)
    categories = models.JSONField(_("categories"), default=list, blank=True)
    teams = models.JSONField(_("teams"), default=list, blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    companies = models.JSONField(_("requester's organisations"), default=list, blank=True)
    vip = models.BooleanField(_("VIP requesters"), null=True, blank=True)
    # Targets, in minutes; null: no such target.
    first_response_minutes = models.PositiveIntegerField(_("first response"), null=True, blank=True)
    next_response_minutes = models.PositiveIntegerField(_("next response"), null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(_("resolution"), null=True, blank=True)
    business_time = models.BooleanField(_("in business hours"), default=True)
    calendar = models.ForeignKey(
        "calendars.BusinessCalendar",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("calendar"),
    )
    warning_percent = models.PositiveSmallIntegerField(
        _("at risk from (percent of the target used)"),
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )
    pause_statuses = models.JSONField(
        _("statuses that pause the resolution clock"), default=_default_pause_statuses, blank=True
    )
    on_warning = models.JSONField(_("when at risk"), default=dict, blank=True)
    on_breach = models.JSONField(_("when breached"), default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar["ScopedManagerType[SlaPolicy]"] = ScopedManager(organisation="organisation")
    _default_manager: ClassVar["ScopedManagerType[SlaPolicy]"]

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["organisation", "position"], name="sla_policy_order")]

    def __str__(self) -> str:
        return self.name

    def minutes_for(self, target: str) -> int | None:
        return {
            Target.FIRST_RESPONSE: self.first_response_minutes,
            Target.NEXT_RESPONSE: self.next_response_minutes,
            Target.RESOLUTION: self.resolution_minutes,
        }[Target(target)]


RUNNING_STATES = (ClockState.ON_TIME, ClockState.AT_RISK, ClockState.BREACHED)


class SlaClock(models.Model):
    """One target's clock on one ticket, as computed from the ticket's history.

    Recomputed in the transaction of every change that can move it (sla.services). The
    periodic scan announces what time alone brings: `next_check_at` is the next moment at
    which the clock crosses its warning or its due time without anyone acting; the scan
    sets `warned_at`/`breached_at` once per cycle and writes sla.warning / sla.breached.
    `cycle` counts the runs of a target: a next-response clock starts a new cycle with each
    customer message that waits for an answer.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, db_index=False)
    # Indexed by uniq_sla_clock (ticket, target), not on its own as well.
    ticket = models.ForeignKey(
        "desk.Ticket", on_delete=models.CASCADE, related_name="sla_clocks", db_index=False
    )
    target = models.CharField(max_length=16, choices=Target.choices)
    policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, related_name="clocks")
    cycle = models.PositiveIntegerField(default=1)
    target_minutes = models.PositiveIntegerField()
    business_time = models.BooleanField(default=True)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    # While paused: the target's time still left (business or calendar seconds).
    remaining_seconds = models.BigIntegerField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=ClockState.choices)
    met_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar["ScopedManagerType[SlaClock]"] = ScopedManager(organisation="organisation")
    _default_manager: ClassVar["ScopedManagerType[SlaClock]"]

    class Meta:
        ordering = ["ticket", "target"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "target"], name="uniq_sla_clock"),
        ]
        indexes = [
            # The scan: only clocks that time alone will move are in it.
            models.Index(
                fields=["next_check_at"],
                condition=models.Q(next_check_at__isnull=False),
                name="sla_clock_next_check",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target} of ticket {self.ticket_id}: {self.state}"
