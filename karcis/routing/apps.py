from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "karcis.routing"
    label = "routing"
    verbose_name = _("Routing and assignment")

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from karcis.core import extensions

        # Declaring: routing's events and capabilities.
        from karcis.routing import events, permissions, selectors, topbar, wiring  # noqa: F401
        from karcis.workspace import navigation

        selectors.forget_on_change()  # the organisations' cached rules and team modes
        wiring.register()
        extensions.contribute("workspace.topbar_tools", topbar.status_control)
        for key, label, description, url_name, order in (
            (
                "routing",
                _("Routing rules"),
                _("Which team a new ticket goes to, by category, channel, words and more."),
                "routing:settings_rules",
                54,
            ),
            (
                "assignment",
                _("Assignment"),
                _("How each team's tickets find their agent; agents' capacity and skills."),
                "routing:settings_assignment",
                55,
            ),
            (
                "skills",
                _("Required skills"),
                _("The skills tickets of a category or a language need."),
                "routing:settings_skills",
                56,
            ),
            (
                "routing-preview",
                _("Routing preview"),
                _("Which rule would match a ticket, and whom its team would pick now."),
                "routing:settings_preview",
                57,
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
