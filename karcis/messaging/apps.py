from datetime import time

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "karcis.messaging"
    label = "messaging"
    verbose_name = _("E-mail")

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from karcis.core import extensions, schedule
        from karcis.core.notifications import notification_channel
        from karcis.core.services import IDENTITY_CODE_POINT
        from karcis.messaging import (  # noqa: F401 (checks register; declarations)
            checks,
            events,
            history,
            permissions,
            subscribers,
        )
        from karcis.messaging.selectors import forget_on_change, original_links
        from karcis.messaging.services import (
            email_queue,
            identity_code_email_queue,
            notification_email_queue,
        )
        from karcis.workspace import navigation

        # Outgoing mail follows the desk's events (a public reply, a new ticket).
        subscribers.register()
        forget_on_change()  # the organisations' cached mailboxes (selectors._mailboxes_of)
        # Verification codes for e-mail addresses go out through the outbox.
        extensions.contribute(IDENTITY_CODE_POINT.format(kind="email"), identity_code_email_queue)
        extensions.contribute("desk.ticket_page.message_links", original_links)
        # Password reset links (core.accounts) go through the outbox like every mail.
        extensions.contribute("core.account_email", email_queue)
        notification_channel("email", label=_("By e-mail"), deliver=notification_email_queue)
        schedule.every(
            "send-due-mail", "karcis.messaging.tasks.deliveries_send_due_task", seconds=30
        )
        schedule.every("poll-mailboxes", "karcis.messaging.tasks.mailboxes_poll_task", seconds=60)
        schedule.every(
            "process-waiting-mail",
            "karcis.messaging.tasks.inbound_pending_process_task",
            seconds=60,
        )
        schedule.daily(
            "purge-raw-mail", "karcis.messaging.services.inbound_raw_purge", at=time(3, 30)
        )
        navigation.settings_page(
            "email",
            label=_("E-mail"),
            description=_(
                "The addresses that receive requests, IMAP fetching and automatic replies."
            ),
            url_name="messaging:mailboxes",
            capability=permissions.SETTINGS_MANAGE,
            order=80,
        )
        navigation.settings_page(
            "incoming-mail",
            label=_("Incoming mail"),
            description=_(
                "Every message received, what became of it, and the ones held back with "
                "their reason."
            ),
            url_name="messaging:inbound_list",
            capability=permissions.SETTINGS_MANAGE,
            order=90,
        )
