"""Forgetting cached reads when the rows behind them change: the one way Karcis does it.

Reads that every request makes and that change only when somebody edits settings (roles,
custom fields, the portal's organisation and form, API tokens, mailboxes) are kept in
Django's cache (Redis in production, shared by every process). The code that changes the
rows calls `forget` in the same transaction: the entry goes at once, for the rest of that
transaction, and again after its commit, in case another request read and cached the old
rows in between; `forget_when_changed` connects the same forgetting to every save and
delete of the rows, for changes made outside the services.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save


def forget(*keys: str) -> None:
    """Delete these cache entries now and again after the current transaction commits."""
    names = list(keys)
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
