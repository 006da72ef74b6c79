"""Counting portal attempts in the cache, to slow down guessing and spamming: per client
address, or per value such as an e-mail address. The counter is core.throttle's (a fixed
window that starts with the first counted attempt); unlike sign-in, reaching a limit locks
nothing: the subject may go on once its window has passed.

The client is REMOTE_ADDR; behind a reverse proxy that must be the client's address (set by
the proxy), or every visitor shares one counter.

A deployment may set other limits by name in the setting KARCIS_PORTAL_LIMITS, e.g.
`{"submit": 100}` for a kiosk that many people use; the benchmark's settings raise them
(bench/bench_settings.py), so its requests still count every attempt as production does.
"""

from dataclasses import dataclass

from django.conf import settings

from karcis.core.throttle import Limit, client_of


@dataclass(frozen=True)
class _Counted:
    name: str
    limit: int
    window_seconds: int

    @property
    def _limit(self) -> int:
        return getattr(settings, "KARCIS_PORTAL_LIMITS", {}).get(self.name, self.limit)

    @property
    def _counter(self) -> Limit:
        return Limit(f"portal-{self.name}", self._limit, self.window_seconds)


class Throttle(_Counted):
    """At most `limit` attempts per client address in a window."""

    def exceeded(self, request) -> bool:
        return self._counter.count(client_of(request)) >= self._limit

    def hit(self, request) -> None:
        self._counter.add_one(client_of(request))


class KeyedThrottle(_Counted):
    """At most `limit` attempts per value (an e-mail address) in a window."""

    def exceeded(self, value: str) -> bool:
        return self._counter.count(value.strip().lower()) >= self._limit

    def hit(self, value: str) -> None:
        self._counter.add_one(value.strip().lower())


# Wrong number/e-mail pairs on the tracking form: 10 per 15 minutes.
TRACKING_FAILURES = Throttle("track-failed", limit=10, window_seconds=15 * 60)
# Sign-up confirmation e-mails sent: each one lands in somebody's inbox.
SIGNUP_MAILS = Throttle("signup-mail", limit=10, window_seconds=60 * 60)
# Tickets sent from the web form: each may e-mail an automatic reply to the address typed,
# so a client, and an address, get only a few an hour (decision 0016).
SUBMISSIONS_PER_CLIENT = Throttle("submit", limit=10, window_seconds=60 * 60)
SUBMISSIONS_PER_ADDRESS = KeyedThrottle("submit-address", limit=5, window_seconds=60 * 60)
