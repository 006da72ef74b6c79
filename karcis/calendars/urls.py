"""The calendars' pages: their part of Settings, under /settings/calendars/."""

from karcis.calendars.settings_views import urlpatterns

app_name = "calendars"

__all__ = ["app_name", "urlpatterns"]
