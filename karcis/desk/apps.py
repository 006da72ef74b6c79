from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "karcis.desk"
    label = "desk"
    verbose_name = _("Service desk")

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        # Declaring: the desk's events, capabilities, history sentences and notifications.
        from karcis.core import eventlog
        from karcis.desk import events, history, notifications, permissions  # noqa: F401
        from karcis.desk.selectors import (
            forget_on_change,
            names_of_categories,
            names_of_tags,
            names_of_tickets,
        )
        from karcis.workspace import navigation

        forget_on_change()  # the pages' cached options (selectors.page_options_of)

        eventlog.name_resolver("desk.category", names_of_categories)
        eventlog.name_resolver("desk.tag", names_of_tags)
        eventlog.name_resolver("desk.ticket", names_of_tickets)
        navigation.section(
            "tickets",
            label=_("Tickets"),
            url_name="desk:inbox",
            capability=permissions.TICKET_VIEW,
            order=10,
        )
        for key, label, description, url_name, order in (
            (
                "categories",
                _("Categories"),
                _("The tree of topics that tickets are filed under."),
                "desk:settings_categories",
                50,
            ),
            (
                "fields",
                _("Custom fields"),
                _("Extra ticket details your organisation records, such as a customer number."),
                "desk:settings_fields",
                60,
            ),
            (
                "tags",
                _("Tags"),
                _("Free labels on tickets: rename, merge or delete them."),
                "desk:settings_tags",
                70,
            ),
        ):
            navigation.settings_page(
                key,
                label=label,
                description=description,
                url_name=url_name,
                capability=permissions.SETTINGS_MANAGE,
                order=order,
            )
