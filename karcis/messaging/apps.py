from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "karcis.messaging"
    label = "messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        # Outgoing mail follows the desk's events (a public reply, a new ticket).
        from karcis.messaging import checks, subscribers  # noqa: F401 (checks register)

        subscribers.register()
