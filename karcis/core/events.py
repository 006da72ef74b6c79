"""Who reads the domain event stream as it is written.

An app that reacts to another app's changes (messaging sends an e-mail when the desk stores
a public reply) subscribes to event types here instead of being called by that app. The
handler runs inside the transaction that writes the event, so whatever it records (an
outgoing e-mail waiting to be sent) commits or rolls back with the change itself; anything
that leaves the process (sending, enqueueing) it defers with transaction.on_commit.
"""

from collections import defaultdict
from collections.abc import Callable

from karcis.core.models import Event

Handler = Callable[[Event], None]

_handlers: dict[str, list[Handler]] = defaultdict(list)


def subscribe(event_type: str, handler: Handler) -> None:
    """Call `handler(event)` for every event of this type (register once, from AppConfig.ready)."""
    if handler not in _handlers[event_type]:
        _handlers[event_type].append(handler)


def publish(event: Event) -> None:
    for handler in _handlers.get(event.type, ()):
        handler(event)
