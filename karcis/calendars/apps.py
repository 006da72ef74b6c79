from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarsConfig(AppConfig):
    name = "karcis.calendars"
    label = "calendars"
    verbose_name = _("Business calendars")

    def ready(self) -> None:
        # Declaring: the calendars' events and capabilities.
        from karcis.calendars import events, permissions  # noqa: F401
        from karcis.calendars.selectors import forget_on_change

        forget_on_change()  # the cached plans behind selectors.hours_for
