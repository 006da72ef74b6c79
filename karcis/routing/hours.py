"""Whether a team's agents are inside their working hours, asked of karcis.calendars.

An agent is inside working hours when their team's calendar is open
(`karcis.calendars.selectors.hours_for(organisation_id=…, team_id=…).is_open(moment)`).
Routing asks through this one function, so that tests can stand in for it and an
installation without the calendars app treats every moment as working time.
"""

import importlib
from datetime import datetime
from types import ModuleType

from django.apps import apps


def _calendars() -> ModuleType | None:
    if not apps.is_installed("karcis.calendars"):
        return None
    return importlib.import_module("karcis.calendars.selectors")


def inside_working_hours(*, organisation_id: int, team_id: int, now: datetime) -> bool:
    """True while the team's calendar is open at `now` (always, without calendars)."""
    calendars = _calendars()
    if calendars is None:
        return True
    hours = calendars.hours_for(organisation_id=organisation_id, team_id=team_id)
    return bool(hours.is_open(now))
