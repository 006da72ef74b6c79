from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo organisation that `make run` loads, built through every domain's services."""

    name = "karcis.demo"
    label = "demo"
    verbose_name = "Demo"
