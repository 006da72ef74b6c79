from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "karcis.portal"
    label = "portal"
    verbose_name = "Public portal"
