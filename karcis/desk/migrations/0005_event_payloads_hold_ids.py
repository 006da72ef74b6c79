"""Desk events written before the event log was declared held display names (a team's name,
an assignee's name); they now hold ids, so that reports join on them and a history shows
today's names. Names that no longer match anything stay as they were: a history shows them
as written."""

from django.db import migrations


def _by_name(rows):
    found = {}
    for pk, name in rows:
        found.setdefault(name, pk)
    return found


def names_to_ids(apps, schema_editor):
    Event = apps.get_model("core", "Event")
    Team = apps.get_model("core", "Team")
    User = apps.get_model("core", "User")
    Category = apps.get_model("desk", "Category")
    Tag = apps.get_model("desk", "Tag")
    TicketParticipant = apps.get_model("desk", "TicketParticipant")
    lookups = {}

    def lookup(organisation_id, kind):
        key = (organisation_id, kind)
        if key not in lookups:
            if kind == "team":
                rows = Team.objects.filter(organisation_id=organisation_id).values_list("pk", "name")
            elif kind == "user":
                rows = User.objects.filter(organisation_id=organisation_id).values_list("pk", "name")
            elif kind == "category":
                rows = Category.objects.filter(organisation_id=organisation_id).values_list(
                    "pk", "path"
                )
            else:
                rows = Tag.objects.filter(organisation_id=organisation_id).values_list("pk", "name")
            lookups[key] = _by_name(rows)
        return lookups[key]

    def to_id(event, kind, value):
        if isinstance(value, str):
            return lookup(event.organisation_id, kind).get(value, value)
        return value

    refs = {
        "desk.ticket.team_changed": ("team", ("from", "to")),
        "desk.ticket.category_changed": ("category", ("from", "to")),
        "desk.ticket.assigned": ("user", ("from", "to")),
    }
    changed = []
    for event in Event.objects.filter(type__startswith="desk.ticket.").iterator():
        payload = dict(event.payload or {})
        before = dict(payload)
        if event.type == "desk.ticket.created":
            payload["team"] = to_id(event, "team", payload.get("team"))
            payload["assignee"] = to_id(event, "user", payload.get("assignee"))
        elif event.type in refs:
            kind, keys = refs[event.type]
            for key in keys:
                payload[key] = to_id(event, kind, payload.get(key))
        elif event.type == "desk.ticket.tags_changed":
            old, new = payload.get("from") or [], payload.get("to") or []
            if any(isinstance(name, str) for name in [*old, *new]):
                tags = lookup(event.organisation_id, "tag")
                payload["names"] = {str(tags[name]): name for name in [*old, *new] if name in tags}
                payload["from"] = [tags.get(name, name) for name in old]
                payload["to"] = [tags.get(name, name) for name in new]
        elif event.type == "desk.ticket.participants_added":
            names = payload.get("participants") or []
            if any(isinstance(name, str) for name in names):
                following = _by_name(
                    TicketParticipant.objects.filter(ticket_id=event.object_id).values_list(
                        "contact_id", "contact__name"
                    )
                )
                payload["participants"] = [following.get(name, name) for name in names]
        if payload != before:
            event.payload = payload
            changed.append(event)
        if len(changed) >= 500:
            Event.objects.bulk_update(changed, ["payload"])
            changed = []
    if changed:
        Event.objects.bulk_update(changed, ["payload"])


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0004_email_fields_and_participants"),
        ("core", "0002_roles_events_notifications"),
    ]

    operations = [migrations.RunPython(names_to_ids, migrations.RunPython.noop)]
