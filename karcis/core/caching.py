"""Forgetting cached reads when the rows behind them change: the one way Karcis does it.

Reads that every request makes and that change only when somebody edits settings (roles,
custom fields, the portal's organisation and form, API tokens, mailboxes) are kept in
Django's cache (Redis in production, shared by every process). The code that changes the
rows calls `forget` in the same transaction: the entry goes at once, for the rest of that
transaction, and again after its commit, in case another request read and cached the old
rows in between; `forget_when_changed` connects the same forgetting to every save and
delete of the rows, for changes made outside the services.
"""

import secrets
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save


def forget(*keys: str) -> None:
    """Delete these cache entries now and again after the current transaction commits
    (with the stamps `read_through` keeps beside them)."""
    names = [name for key in keys for name in (key, _stamp_key(key))]
    if not names:
        return
    cache.delete_many(names)
    # robust: a cache that is down must not fail a change that is already committed.
    transaction.on_commit(lambda: cache.delete_many(names), robust=True)


def forget_when_changed(
    models: Iterable[str | type[Model]], keys_of: Callable[[Any], Iterable[str]], *, uid: str
) -> None:
    """Forget `keys_of(row)` on every save and delete of a row of these models ("app.Model"
    or the class), whoever makes it: the services, the Django admin, a shell. Call it from
    an AppConfig.ready(); `uid` names the connection, so calling twice connects once.
    Cache invalidation only: no domain flow may hang on these receivers."""

    def changed(sender: Any, instance: Any, **kwargs: Any) -> None:
        forget(*keys_of(instance))

    for model in models:
        label = model if isinstance(model, str) else model._meta.label
        for signal in (post_save, post_delete):
            signal.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}:{label}")


def _stamp_key(key: str) -> str:
    return f"{key}:stamp"


# Values this process has read, by key: (the stamp they were stored with, the value).
_held: dict[str, tuple[str, Any]] = {}
_HELD_MAX = 2048


def read_through(key: str, build: Callable[[], Any], *, timeout: int) -> Any:
    """The value cached under `key`, built by `build()` when there is none; forgotten with
    forget(key) like any entry. Each process also holds the value it last read, beside the
    stamp it was stored with, so an unchanged entry costs one small read of its stamp
    instead of unpickling the value (the SLA reads its policies and a calendar on every
    change of a ticket)."""
    stamp = cache.get(_stamp_key(key))
    held = _held.get(key)
    if stamp is not None and held is not None and held[0] == stamp:
        return held[1]
    value = cache.get(key) if stamp is not None else None
    if value is None:
        value = build()
        stamp = secrets.token_hex(8)
        cache.set_many({key: value, _stamp_key(key): stamp}, timeout)
    if len(_held) >= _HELD_MAX:
        _held.clear()
    _held[key] = (stamp, value)
    return value
