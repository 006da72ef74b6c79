from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "karcis.routing"
    label = "routing"
    verbose_name = _("Routing and assignment")

    def ready(self) -> None:
        # Declaring: routing's events and capabilities.
        from karcis.routing import events, permissions, selectors, wiring  # noqa: F401

        selectors.forget_on_change()  # the organisations' cached rules and team modes
        wiring.register()
