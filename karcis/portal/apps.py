from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "karcis.portal"
    label = "portal"
    verbose_name = "Public portal"

    def ready(self) -> None:
        from karcis.core import schedule
        from karcis.portal.selectors import forget_on_change

        forget_on_change()

        # Files kept for a refused form (portal.stash) that nobody sent again.
        schedule.every("portal-stash-purge", "karcis.portal.tasks.stash_purge_task", seconds=3600)
