"""`karcis mailpoll [--once] [--interval 60]`: fetch the mail of every active mailbox that
has an IMAP server (see karcis/messaging/imap.py).

The scheduler that `make run` starts polls by itself; this command is for polling from
cron (`--once`), as a separate service, or to check a mailbox's settings by hand.
"""

import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from karcis.messaging import imap


class Command(BaseCommand):
    help = (
        "Fetch new mail from the IMAP server of every active mailbox, then every --interval "
        "seconds until Ctrl+C or SIGTERM (or just once with --once)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="poll once and exit")
        parser.add_argument(
            "--interval",
            type=float,
            default=60,
            help="seconds between polls (default 60)",
        )

    def handle(self, *args, once: bool, interval: float, **options):
        if interval <= 0:
            raise CommandError("--interval must be more than 0 seconds.")
        if once:
            self._poll()
            return
        stop = threading.Event()
        # SIGTERM (systemd, docker stop) ends the loop like Ctrl+C does.
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
        self.stdout.write(f"Polling IMAP mailboxes every {interval:g} s. Ctrl+C stops.")
        try:
            while not stop.is_set():
                self._poll()
                stop.wait(interval)
        except KeyboardInterrupt:
            # A poll under way finishes its current message first: the executor waits for
            # its threads, and each message is stored with its UID in one transaction.
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
        self.stdout.write("Stopped polling.")

    def _poll(self) -> None:
        results = imap.mailboxes_poll()
        if not results:
            self.stdout.write("No active mailbox has an IMAP server.")
            return
        for mailbox_id, result in results.items():
            address = result.address or f"mailbox {mailbox_id}"
            line = (
                f"{address}: {result.fetched} fetched, {result.stored} new, "
                f"{result.duplicates} already stored"
            )
            if result.error:
                self.stdout.write(self.style.ERROR(f"{line}; error: {result.error}"))
            else:
                self.stdout.write(line)
