"""Limits on sign-in and password reset, counted in the cache per account and per client.

A limit counts attempts in a fixed window that starts with the first one. Reaching the
limit locks its subject (an account's address, a client's IP address) until a full window
has passed since then; while locked, an attempt is refused before any password is checked,
so guessing cannot go on at the same pace elsewhere in the window.

Subjects are hashed into the cache keys: the cache never holds the addresses people typed.
The client is REMOTE_ADDR; behind a reverse proxy that must be the client's address (set by
the proxy, docs/operations.md), or every visitor shares one counter.

The cache must be shared by every web process for the limits to hold across them (Redis,
REDIS_URL); the default in-process cache counts per process.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

# The account subject of the staff sign-in (/login/ and the Django admin): staff addresses
# are unique among all staff. A portal's customers are counted per organisation.
STAFF = "staff"


@dataclass(frozen=True)
class Limit:
    name: str
    limit: int
    window_seconds: int

    def _key(self, subject: str) -> str:
        digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
        return f"karcis:limit:{self.name}:{digest}"

    def locked_until(self, subject: str) -> datetime | None:
        """When the subject may try again, if it is locked now."""
        until = cache.get(self._key(subject) + ":until")
        if until is None:
            return None
        moment = datetime.fromtimestamp(until, tz=timezone.get_current_timezone())
        return moment if moment > timezone.now() else None

    def count(self, subject: str) -> int:
        """Attempts counted for the subject in its current window."""
        return cache.get(self._key(subject)) or 0

    def add_one(self, subject: str) -> int:
        """Count one attempt in the subject's window (opened by the first); the new count."""
        key = self._key(subject)
        if cache.add(key, 1, self.window_seconds):
            return 1
        try:
            return cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, self.window_seconds)
            return 1

    def hit(self, subject: str) -> datetime | None:
        """Count one attempt; returns when the subject may try again if this one locked it."""
        key = self._key(subject)
        count = self.add_one(subject)
        if count < self.limit:
            return None
        until = timezone.now() + timedelta(seconds=self.window_seconds)
        cache.set(key + ":until", until.timestamp(), self.window_seconds)
        cache.delete(key)
        return until

    def clear(self, subject: str) -> None:
        key = self._key(subject)
        cache.delete_many([key, key + ":until"])


# Failed sign-ins per account: a few typos are normal, a run of them is guessing.
SIGNIN_ACCOUNT = Limit("signin-account", limit=5, window_seconds=15 * 60)
# Failed sign-ins per client, over any accounts: an office behind one address shares it.
SIGNIN_CLIENT = Limit("signin-client", limit=30, window_seconds=15 * 60)
# Password reset requests per client; and per address, past which no more mail is sent
# to it (the answer stays the same, so the limit reveals nothing about the address).
RESET_CLIENT = Limit("reset-client", limit=10, window_seconds=60 * 60)
RESET_ACCOUNT = Limit("reset-account", limit=3, window_seconds=60 * 60)


def client_of(request) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def account_subject(*, email: str, organisation_id: int | None) -> str:
    """The account counter an address belongs to: the staff's, or a portal's customers'."""
    address = (email or "").strip().lower()
    return f"{organisation_id if organisation_id is not None else STAFF}:{address}"
