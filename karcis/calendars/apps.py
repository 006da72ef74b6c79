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
        from karcis.workspace import navigation

        forget_on_change()  # the cached plans behind selectors.hours_for
        navigation.settings_page(
            "calendars",
            label=_("Business calendars"),
            description=_("Opening hours, time zones and holidays: the time SLA clocks count in."),
            url_name="calendars:settings_calendars",
            capability=permissions.CALENDARS_MANAGE,
            order=45,
        )
