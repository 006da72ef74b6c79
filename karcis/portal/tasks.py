"""Background jobs of the portal; their schedule is declared in PortalConfig.ready()."""

from celery import shared_task

from karcis.portal import stash


@shared_task(ignore_result=True)
def stash_purge_task() -> int:
    """Delete files kept for refused forms that were never sent again."""
    return stash.stash_purge()
