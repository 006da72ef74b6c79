"""The calendars' event types (core.eventlog). Every event's subject is the calendar; a
change of its dates names the date (ISO) and its kind."""

from karcis.core.eventlog import event_type

CALENDAR = "calendars.businesscalendar"

CALENDAR_CREATED = event_type(
    "calendars.calendar.created",
    subject=CALENDAR,
    payload={"name": "the calendar's name", "time_zone": "its IANA time zone"},
)
CALENDAR_UPDATED = event_type(
    "calendars.calendar.updated",
    subject=CALENDAR,
    payload={"fields": "the names of the fields that changed"},
    optional={"teams": "the ids of the teams that follow it now, when they changed"},
)
CALENDAR_DELETED = event_type(
    "calendars.calendar.deleted",
    subject=CALENDAR,
    payload={"name": "the calendar's name"},
)
DATE_CREATED = event_type(
    "calendars.date.created",
    subject=CALENDAR,
    payload={
        "date": "the date (ISO)",
        "kind": "'added' (closed all day) or 'removed' (a national date that is not a holiday)",
        "name": "its name or the reason",
    },
)
DATE_UPDATED = event_type(
    "calendars.date.updated",
    subject=CALENDAR,
    payload={"date": "the date (ISO)", "kind": "its kind", "name": "its new name or reason"},
)
DATE_DELETED = event_type(
    "calendars.date.deleted",
    subject=CALENDAR,
    payload={"date": "the date (ISO)", "kind": "the kind the date had"},
)
