"""How the desk's events read in a ticket's history (core.eventlog describers).

Names of people, teams, categories and tags are looked up when shown (core.eventlog.Names),
so a history always uses today's names; events written before the payloads held ids still
show the names they kept.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from karcis.core.eventlog import Description, Names, describer
from karcis.core.models import Channel, Event
from karcis.desk import events
from karcis.desk.models import CustomField, Priority, Status, TicketType


def _choice_label(choices, value) -> str:  # type: ignore[no-untyped-def]
    if value in (None, ""):
        return "—"
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _plain(value) -> str:  # type: ignore[no-untyped-def]
    return "—" if value in (None, "", []) else str(value)


@describer(events.TICKET_CREATED)
def _created(event: Event, names: Names, actor: str) -> Description:
    channel = _choice_label(Channel, (event.payload or {}).get("channel"))
    if event.actor_id:
        text = _("%(actor)s opened the ticket (%(channel)s)")
    else:
        text = _("%(actor)s submitted the ticket (%(channel)s)")
    return Description(text % {"actor": actor, "channel": channel})


_CHOICE_CHANGES = {
    events.STATUS_CHANGED.name: (Status, gettext_lazy("Status")),
    events.PRIORITY_CHANGED.name: (Priority, gettext_lazy("Priority")),
    events.TYPE_CHANGED.name: (TicketType, gettext_lazy("Type")),
}


@describer(events.STATUS_CHANGED, events.PRIORITY_CHANGED, events.TYPE_CHANGED)
def _choice_changed(event: Event, names: Names, actor: str) -> Description:
    choices, label = _CHOICE_CHANGES[event.type]
    payload = event.payload or {}
    old, new = (
        _choice_label(choices, payload.get("from")),
        _choice_label(choices, payload.get("to")),
    )
    return Description(f"{label}: {old} → {new}", actor)


_REF_CHANGES = {
    events.CATEGORY_CHANGED.name: ("desk.category", gettext_lazy("Category")),
    events.TEAM_CHANGED.name: ("core.team", gettext_lazy("Team")),
}


@describer(events.CATEGORY_CHANGED, events.TEAM_CHANGED)
def _ref_changed(event: Event, names: Names, actor: str) -> Description:
    label_of, label = _REF_CHANGES[event.type]
    payload = event.payload or {}
    old, new = names.of(label_of, payload.get("from")), names.of(label_of, payload.get("to"))
    return Description(f"{label}: {old} → {new}", actor)


@describer(events.ASSIGNED)
def _assigned(event: Event, names: Names, actor: str) -> Description:
    payload = event.payload or {}
    if payload.get("to") not in (None, ""):
        text = _("%(actor)s assigned to %(assignee)s") % {
            "actor": actor,
            "assignee": names.of("core.user", payload["to"]),
        }
    else:
        text = _("%(actor)s unassigned %(assignee)s") % {
            "actor": actor,
            "assignee": names.of("core.user", payload.get("from")),
        }
    return Description(text)


@describer(events.SUBJECT_CHANGED)
def _subject_changed(event: Event, names: Names, actor: str) -> Description:
    payload = event.payload or {}
    text = _("Subject: “%(old)s” → “%(new)s”") % {
        "old": _plain(payload.get("from")),
        "new": _plain(payload.get("to")),
    }
    return Description(text, actor)


@describer(events.TAGS_CHANGED)
def _tags_changed(event: Event, names: Names, actor: str) -> Description:
    payload = event.payload or {}
    kept = payload.get("names") or {}

    def name(value) -> str:  # type: ignore[no-untyped-def]
        # Events written before ids were kept hold the names themselves.
        return value if isinstance(value, str) else kept.get(str(value), str(value))

    old = [name(value) for value in payload.get("from") or []]
    new = [name(value) for value in payload.get("to") or []]
    added = [tag for tag in new if tag not in old]
    removed = [tag for tag in old if tag not in new]
    parts = []
    if added:
        parts.append(_("Tags added: %(tags)s") % {"tags": ", ".join(added)})
    if removed:
        parts.append(_("Tags removed: %(tags)s") % {"tags": ", ".join(removed)})
    return Description("; ".join(parts) or _("Tags changed"), actor)


@describer(events.FIELDS_CHANGED)
def _fields_changed(event: Event, names: Names, actor: str) -> Description:
    payload = event.payload or {}
    old, new = payload.get("from") or {}, payload.get("to") or {}
    labels = names.memo(
        f"desk.custom_fields.{event.organisation_id}",
        lambda: dict(
            CustomField.objects.filter(
                organisation_id=event.organisation_id, is_active=True
            ).values_list("key", "label")
        ),
    )
    parts = [
        f"{labels.get(key, key)}: {_plain(old.get(key))} → {_plain(new.get(key))}"
        for key in sorted(set(old) | set(new))
        if old.get(key) != new.get(key)
    ]
    return Description("; ".join(parts) or _("Custom fields changed"), actor)


@describer(events.REPLY_ADDED)
def _replied(event: Event, names: Names, actor: str) -> Description:
    if (event.payload or {}).get("automatic"):
        return Description(_("An automatic reply from %(actor)s arrived") % {"actor": actor})
    return Description(_("%(actor)s replied") % {"actor": actor})


@describer(events.NOTE_ADDED)
def _noted(event: Event, names: Names, actor: str) -> Description:
    mentioned = names.list_of("core.user", (event.payload or {}).get("mentions") or [])
    if mentioned:
        return Description(
            _("%(actor)s added an internal note mentioning %(people)s")
            % {"actor": actor, "people": ", ".join(mentioned)}
        )
    return Description(_("%(actor)s added an internal note") % {"actor": actor})


@describer(events.PARTICIPANTS_ADDED)
def _participants_added(event: Event, names: Names, actor: str) -> Description:
    people = names.list_of("core.contact", (event.payload or {}).get("participants") or [])
    return Description(
        _("Now following the ticket (CC): %(names)s") % {"names": ", ".join(people)}, actor
    )


@describer(events.DELIVERY_FAILED)
def _delivery_failed(event: Event, names: Names, actor: str) -> Description:
    reason = _plain((event.payload or {}).get("reason"))
    return Description(
        _("A reply could not be delivered by e-mail: %(reason)s") % {"reason": reason}
    )


@describer(events.PARTICIPANTS_REMOVED)
def _participants_removed(event: Event, names: Names, actor: str) -> Description:
    people = names.list_of("core.contact", (event.payload or {}).get("participants") or [])
    return Description(
        _("No longer following the ticket (CC): %(names)s") % {"names": ", ".join(people)}, actor
    )


@describer(events.MERGED)
def _merged(event: Event, names: Names, actor: str) -> Description:
    other = names.of("desk.ticket", (event.payload or {}).get("into"))
    return Description(_("Merged into %(ticket)s and closed") % {"ticket": other}, actor)


@describer(events.MERGED_IN)
def _merged_in(event: Event, names: Names, actor: str) -> Description:
    other = names.of("desk.ticket", (event.payload or {}).get("from"))
    return Description(_("%(ticket)s was merged into this ticket") % {"ticket": other}, actor)


@describer(events.SPLIT)
def _split(event: Event, names: Names, actor: str) -> Description:
    other = names.of("desk.ticket", (event.payload or {}).get("to"))
    return Description(_("A message was split off into %(ticket)s") % {"ticket": other}, actor)


_LINK_KINDS = {
    "related": gettext_lazy("related ticket"),
    "parent": gettext_lazy("parent ticket"),
    "child": gettext_lazy("child ticket"),
}


@describer(events.LINK_ADDED, events.LINK_REMOVED)
def _link_changed(event: Event, names: Names, actor: str) -> Description:
    payload = event.payload or {}
    values = {
        "kind": _LINK_KINDS.get(payload.get("kind", ""), payload.get("kind", "")),
        "ticket": names.of("desk.ticket", payload.get("ticket")),
    }
    if event.type == events.LINK_ADDED.name:
        return Description(_("Linked %(kind)s %(ticket)s") % values, actor)
    return Description(_("Unlinked %(kind)s %(ticket)s") % values, actor)
