"""Counting attempts per client address in the cache, to slow down guessing and spamming.

The window is fixed: it starts with the first counted attempt and the counter expires
with it. The address is REMOTE_ADDR; behind a reverse proxy that must be the client's
address (set by the proxy), or every visitor shares one counter.
"""

import hashlib
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Throttle:
    name: str
    limit: int
    window_seconds: int

    def _key(self, request) -> str:
        address = request.META.get("REMOTE_ADDR") or "unknown"
        return f"karcis:portal:{self.name}:{address}"

    def exceeded(self, request) -> bool:
        return (cache.get(self._key(request)) or 0) >= self.limit

    def hit(self, request) -> None:
        key = self._key(request)
        if cache.add(key, 1, self.window_seconds):
            return
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, self.window_seconds)


# Wrong number/e-mail pairs on the tracking form: 10 per 15 minutes.
TRACKING_FAILURES = Throttle("track-failed", limit=10, window_seconds=15 * 60)
# Sign-up confirmation e-mails sent: each one lands in somebody's inbox.
SIGNUP_MAILS = Throttle("signup-mail", limit=10, window_seconds=60 * 60)


@dataclass(frozen=True)
class KeyedThrottle:
    """Like Throttle, counted per value (an e-mail address) instead of per client."""

    name: str
    limit: int
    window_seconds: int

    def _key(self, value: str) -> str:
        digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
        return f"karcis:portal:{self.name}:{digest}"

    def exceeded(self, value: str) -> bool:
        return (cache.get(self._key(value)) or 0) >= self.limit

    def hit(self, value: str) -> None:
        key = self._key(value)
        if cache.add(key, 1, self.window_seconds):
            return
        try:
            cache.incr(key)
        except ValueError:
            cache.add(key, 1, self.window_seconds)


# Tickets sent from the web form: each may e-mail an automatic reply to the address typed,
# so a client, and an address, get only a few an hour (decision 0016).
SUBMISSIONS_PER_CLIENT = Throttle("submit", limit=10, window_seconds=60 * 60)
SUBMISSIONS_PER_ADDRESS = KeyedThrottle("submit-address", limit=5, window_seconds=60 * 60)
