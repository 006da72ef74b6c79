"""What the staff workspace offers, contributed by each app: sections of the top bar and
pages of Settings. An app registers its own from AppConfig.ready(); the workspace shows a
person the ones their capabilities allow, and never imports the apps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise

from karcis.core.permissions import user_can, user_can_somewhere


@dataclass(frozen=True)
class Section:
    """A part of the workspace in the top bar ("Tickets", later "Queues", "Events"), shown
    to whoever holds any of its capabilities."""

    key: str
    label: str | Promise
    url_name: str
    capabilities: tuple[str, ...]
    order: int


@dataclass(frozen=True)
class SettingsPage:
    """A page of Settings, with the card that describes it on the overview."""

    key: str
    label: str | Promise
    description: str | Promise
    url_name: str
    capability: str
    order: int


_sections: dict[str, Section] = {}
_settings_pages: dict[str, SettingsPage] = {}


def section(
    key: str,
    *,
    label: str | Promise,
    url_name: str,
    capability: str | tuple[str, ...],
    order: int = 100,
) -> None:
    """Offer a section to holders of the capability (of any one, given several)."""
    capabilities = (capability,) if isinstance(capability, str) else tuple(capability)
    _sections[key] = Section(
        key=key, label=label, url_name=url_name, capabilities=capabilities, order=order
    )


def settings_page(
    key: str,
    *,
    label: str | Promise,
    description: str | Promise,
    url_name: str,
    capability: str,
    order: int = 100,
) -> None:
    _settings_pages[key] = SettingsPage(
        key=key,
        label=label,
        description=description,
        url_name=url_name,
        capability=capability,
        order=order,
    )


def sections_for(user: Any) -> list[dict[str, Any]]:
    """The top bar's sections this person may open: [{key, label, url}]."""
    return [
        {"key": item.key, "label": item.label, "url": reverse(item.url_name)}
        for item in sorted(_sections.values(), key=lambda s: (s.order, s.key))
        if user_can_somewhere(user, *item.capabilities)
    ]


def settings_pages_for(user: Any) -> list[dict[str, Any]]:
    """The Settings pages this person may open: [{key, label, description, url}]."""
    return [
        {
            "key": page.key,
            "label": page.label,
            "description": page.description,
            "url": reverse(page.url_name),
        }
        for page in sorted(_settings_pages.values(), key=lambda p: (p.order, p.key))
        if user_can(user, page.capability)
    ]


def settings_capabilities() -> set[str]:
    """Every capability that opens some Settings page."""
    return {page.capability for page in _settings_pages.values()}
