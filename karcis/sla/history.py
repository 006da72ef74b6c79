"""How the SLA's events read in a ticket's history (core.eventlog describers)."""

from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from karcis.core.eventlog import Description, Names, describer
from karcis.core.models import Event
from karcis.sla import events
from karcis.sla.models import Target


def _target(event: Event) -> str:
    try:
        return str(Target((event.payload or {}).get("target", "")).label)
    except ValueError:
        return str((event.payload or {}).get("target", ""))


def _when(value: str | None) -> str:
    if not value:
        return "—"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


@describer(events.WARNING)
def _warning(event: Event, names: Names, actor: str) -> Description:
    payload = event.payload or {}
    return Description(
        _("SLA at risk: %(target)s (policy %(policy)s), due %(due)s")
        % {
            "target": _target(event),
            "policy": names.of("sla.slapolicy", payload.get("policy")),
            "due": _when(payload.get("due_at")),
        }
    )


@describer(events.BREACHED)
def _breached(event: Event, names: Names, actor: str) -> Description:
    payload = event.payload or {}
    return Description(
        _("SLA breached: %(target)s (policy %(policy)s), was due %(due)s")
        % {
            "target": _target(event),
            "policy": names.of("sla.slapolicy", payload.get("policy")),
            "due": _when(payload.get("due_at")),
        }
    )
