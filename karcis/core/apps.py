from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "karcis.core"
    label = "core"
    verbose_name = "Karcis core"
