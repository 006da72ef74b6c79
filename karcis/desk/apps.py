from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "karcis.desk"
    label = "desk"
    verbose_name = "Service desk"
