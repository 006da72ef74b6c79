"""Named places where one app lets others add to what it shows, without knowing them.

The app that owns a page declares the point and calls the contributions it finds there;
other apps contribute from AppConfig.ready(). The desk's ticket page, for instance, asks
for links beside each message: messaging adds "the original e-mail" to those that came by
e-mail, and the desk never imports messaging.
"""

from collections import defaultdict
from collections.abc import Callable
from typing import Any

_contributions: dict[str, list[Callable[..., Any]]] = defaultdict(list)


def contribute(point: str, provider: Callable[..., Any]) -> None:
    """Add a provider to an extension point (once; from AppConfig.ready())."""
    if provider not in _contributions[point]:
        _contributions[point].append(provider)


def contributions(point: str) -> list[Callable[..., Any]]:
    """The providers of an extension point, in the order they were added."""
    return list(_contributions.get(point, ()))
