"""Routing rules (which team a new ticket goes to) and automatic assignment (which agent
of the team takes it): the rules, each team's mode and round-robin state, each agent's
availability, capacity and skills, and the skills a category or a language requires.

Conditions name other apps' rows by id in JSON lists (categories, mailboxes): a rule reads
in one query, and an id that no longer exists simply never matches.
"""

from typing import TYPE_CHECKING, ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from karcis.core.models import Organisation, Team, User

if TYPE_CHECKING:
    from karcis.core.models import ScopedManagerType

DEFAULT_CAPACITY = 10


class RoutingRule(models.Model):
    """If a new ticket without a team matches every condition given, it goes to `team`.

    Each condition is a list; an empty list does not restrict. Within a list any value
    matches (a category OR another); across lists all must (a category AND a channel).
    Rules are tried in `position` order; the first active rule that matches wins.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    categories = models.JSONField(_("categories"), default=list, blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    mailboxes = models.JSONField(_("mailboxes"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    companies = models.JSONField(_("companies"), default=list, blank=True)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, verbose_name=_("team"))
    match_count = models.PositiveIntegerField(_("matches"), default=0)
    last_matched_at = models.DateTimeField(_("last match"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar["ScopedManagerType[RoutingRule]"] = ScopedManager(organisation="organisation")
    _default_manager: ClassVar["ScopedManagerType[RoutingRule]"]

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["organisation", "position"], name="routing_rule_order")]

    def __str__(self) -> str:
        return self.name


class Mode(models.TextChoices):
    MANUAL = "manual", _("Manual")
    ROUND_ROBIN = "round_robin", _("Round-robin")
    LEAST_OPEN = "least_open", _("Least open tickets")
    SKILLS = "skills", _("Skill-based")


AUTOMATIC_MODES = (Mode.ROUND_ROBIN, Mode.LEAST_OPEN, Mode.SKILLS)


class TeamRouting(models.Model):
    """How a team's tickets find their agent, and the round-robin's place.

    The row is also the team's assignment lock: every automatic assignment to the team
    runs while holding it (SELECT … FOR UPDATE), so two tickets arriving at once are given
    out one after the other and each sees the other's assignment.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="routing")
    mode = models.CharField(
        _("assignment"), max_length=12, choices=Mode.choices, default=Mode.MANUAL
    )
    # The agent who got the team's last automatic ticket: the round goes on after them.
    last_assignee = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_count = models.PositiveIntegerField(default=0)

    objects: ClassVar["ScopedManagerType[TeamRouting]"] = ScopedManager(organisation="organisation")
    _default_manager: ClassVar["ScopedManagerType[TeamRouting]"]

    class Meta:
        verbose_name = _("team assignment")
        verbose_name_plural = _("team assignments")

    def __str__(self) -> str:
        return f"{self.team_id}: {self.mode}"


class AgentStatus(models.TextChoices):
    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")
    OFF = "off", _("Off")


class AgentProfile(models.Model):
    """An agent's availability (a status they set), how many unsolved tickets they may hold
    at once when tickets are given out automatically, and their skills. An agent without
    a profile is off, with the default capacity and no skills."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="agent_profile")
    status = models.CharField(
        _("status"), max_length=8, choices=AgentStatus.choices, default=AgentStatus.OFF
    )
    status_changed_at = models.DateTimeField(_("status since"), default=timezone.now)
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=DEFAULT_CAPACITY)
    skills = models.JSONField(_("skills"), default=list, blank=True)

    objects: ClassVar["ScopedManagerType[AgentProfile]"] = ScopedManager(
        organisation="organisation"
    )
    _default_manager: ClassVar["ScopedManagerType[AgentProfile]"]

    class Meta:
        verbose_name = _("agent profile")
        verbose_name_plural = _("agent profiles")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.status}"


class SkillRequirement(models.Model):
    """The skills an agent needs for tickets of a category, or in a language, when the
    team assigns by skill. Exactly one of `category` (a desk category's id) and `language`
    is set."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    category = models.PositiveIntegerField(null=True, blank=True)
    language = models.CharField(max_length=8, blank=True)
    skills = models.JSONField(_("skills"), default=list, blank=True)

    objects: ClassVar["ScopedManagerType[SkillRequirement]"] = ScopedManager(
        organisation="organisation"
    )
    _default_manager: ClassVar["ScopedManagerType[SkillRequirement]"]

    class Meta:
        verbose_name = _("required skills")
        verbose_name_plural = _("required skills")
        constraints = [
            models.CheckConstraint(
                condition=(Q(category__isnull=False) & Q(language=""))
                | (Q(category__isnull=True) & ~Q(language="")),
                name="skill_requirement_one_subject",
            ),
            models.UniqueConstraint(
                fields=["organisation", "category"],
                condition=Q(category__isnull=False),
                name="uniq_skills_per_category",
            ),
            models.UniqueConstraint(
                fields=["organisation", "language"],
                condition=~Q(language=""),
                name="uniq_skills_per_language",
            ),
        ]
