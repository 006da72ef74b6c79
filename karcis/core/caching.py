"""Forgetting cached reads when the rows behind them change: the one way Karcis does it.

Reads that every request makes and that change only when somebody edits settings (roles,
custom fields, the portal's organisation and form, API tokens, mailboxes) are kept in
Django's cache (Redis in production, shared by every process). The code that changes the
rows calls `forget` in the same transaction: the entry goes at once, for the rest of that
transaction, and again after its commit, in case another request read and cached the old
rows in between.
"""

from django.core.cache import cache
from django.db import transaction


def forget(*keys: str) -> None:
    """Delete these cache entries now and again after the current transaction commits."""
    names = list(keys)
    if not names:
        return
    cache.delete_many(names)
    # robust: a cache that is down must not fail a change that is already committed.
    transaction.on_commit(lambda: cache.delete_many(names), robust=True)
