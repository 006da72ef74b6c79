"""Whether a team's agents are inside their working hours, asked of karcis.calendars.

An agent is inside working hours when their team's calendar is open
(`calendars.selectors.hours_for(organisation_id=…, team_id=…).is_open(moment)`: the
team's own calendar, else the organisation's default one, else around the clock).
Routing asks through this one function, so that tests can stand in for it.
"""

from datetime import datetime

from karcis.calendars.selectors import hours_for


def inside_working_hours(*, organisation_id: int, team_id: int, now: datetime) -> bool:
    """True while the team's calendar is open at `now`."""
    return hours_for(organisation_id=organisation_id, team_id=team_id).is_open(now)
