"""Counting attempts per client address in the cache, to slow down guessing and spamming.

The window is fixed: it starts with the first counted attempt and the counter expires
with it. The address is REMOTE_ADDR; behind a reverse proxy that must be the client's
address (set by the proxy), or every visitor shares one counter.
"""

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
