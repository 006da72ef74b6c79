"""Notifications: the kinds each app declares and the channels that carry them.

A notification tells one staff member something that concerns them: a ticket assigned to
them, a customer's reply on their ticket, a mention in a note (and next: an SLA about to
break, a queue number called). Apps declare their kinds here (`notification_kind`) and
create notifications from a durable consumer of the event log (core.eventlog), through
core.services.notify.

Channels carry them: "app" (the bell in the workspace, live over a websocket) is the
core's own; "email" is registered by messaging, which puts the mail in its outbox; later
WhatsApp. Each person chooses, per kind and channel, what reaches them
(NotificationPreference); a kind says what is on by default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from karcis.core.eventlog import Names
    from karcis.core.models import Notification, User

APP = "app"


@dataclass(frozen=True)
class NotificationKind:
    """A kind of notification.

    `describe(notification, names)`: one sentence, in the reader's language, with names
    looked up when shown. `url(notification)`: where clicking it leads. `defaults`: the
    channels it uses unless the person chose otherwise.
    """

    name: str
    label: str | Promise
    describe: Callable[[Notification, Names], str]
    url: Callable[[Notification], str]
    defaults: frozenset[str]


@dataclass(frozen=True)
class NotificationChannel:
    """A way a notification reaches someone besides the bell.

    `deliver(notification, text, url)` runs inside the transaction that creates the
    notification (put the message in an outbox; send after commit).
    """

    name: str
    label: str | Promise
    deliver: Callable[[Notification, str, str], None]


_kinds: dict[str, NotificationKind] = {}
_channels: dict[str, NotificationChannel] = {}


def notification_kind(
    name: str,
    *,
    label: str | Promise,
    describe: Callable[[Notification, Names], str],
    url: Callable[[Notification], str],
    defaults: tuple[str, ...] = (APP, "email"),
) -> str:
    """Declare a kind of notification; returns its name."""
    _kinds[name] = NotificationKind(
        name=name, label=label, describe=describe, url=url, defaults=frozenset(defaults)
    )
    return name


def notification_kinds() -> dict[str, NotificationKind]:
    return dict(_kinds)


def notification_kind_of(name: str) -> NotificationKind:
    try:
        return _kinds[name]
    except KeyError:
        raise LookupError(f"No notification kind {name!r} is declared.") from None


def notification_channel(
    name: str, *, label: str | Promise, deliver: Callable[[Notification, str, str], None]
) -> None:
    """Register a channel that carries notifications (from AppConfig.ready())."""
    _channels[name] = NotificationChannel(name=name, label=label, deliver=deliver)


def notification_channels() -> dict[str, str | Promise]:
    """Every channel a person can choose, by name, with its label: the bell first."""
    return {APP: _("In Karcis"), **{name: c.label for name, c in _channels.items()}}


def notification_channel_of(name: str) -> NotificationChannel | None:
    return _channels.get(name)


def recipient_language(user: User) -> str:
    """The language a notification is written in for this person."""
    return user.language or (user.organisation.language if user.organisation is not None else "id")
