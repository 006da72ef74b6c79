"""`karcis mailserver [--host 127.0.0.1] [--port 2525] [--lmtp] [--workers N] [--processes]
[--listeners N]`:
receive the mail of our mailboxes from the MTA over SMTP or LMTP (see
karcis/messaging/mailserver.py)."""

import asyncio

from django.core.management.base import BaseCommand, CommandError

from karcis.messaging import mailserver


class Command(BaseCommand):
    help = (
        "Receive e-mail for Karcis's mailboxes over SMTP (or LMTP with --lmtp) until Ctrl+C or "
        "SIGTERM. No relaying and no authentication: listen on 127.0.0.1, behind your MTA."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=2525, help="port to listen on")
        parser.add_argument(
            "--lmtp", action="store_true", help="speak LMTP (one answer per recipient)"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=2,
            help="threads (or processes) that turn stored messages into tickets (default 2); "
            "0 only stores and acknowledges, leaving the processing to the periodic sweep "
            "(the process-waiting-mail job) or to another server",
        )
        parser.add_argument(
            "--processes",
            action="store_true",
            help="process in worker processes instead of threads: uses every CPU, where "
            "the threads of one process share one",
        )
        parser.add_argument(
            "--listeners",
            type=int,
            default=1,
            help="processes that receive and store mail, all on the one port (SO_REUSEPORT, "
            "Linux); default 1, this process. One process stores on one CPU: give as many "
            "as the CPUs that should store. The processing workers stay in this process",
        )

    def handle(
        self,
        *args,
        host: str,
        port: int,
        lmtp: bool,
        workers: int,
        processes: bool,
        listeners: int,
        **options,
    ):
        if workers < 0:
            raise CommandError("--workers must be 0 or more.")
        if listeners < 1:
            raise CommandError("--listeners must be 1 or more.")
        protocol = "LMTP" if lmtp else "SMTP"

        def ready(bound_host: str, bound_port: int) -> None:
            self.stdout.write(
                f"Karcis mail server: {protocol} on {bound_host}:{bound_port}"
                f"{f' in {listeners} listener processes' if listeners > 1 else ''}, "
                f"{workers} processing {'processes' if processes else 'threads'}"
                f"{' (storing only)' if not workers else ''}. Ctrl+C stops."
            )
            self.stdout.flush()

        try:
            asyncio.run(
                mailserver.serve(
                    host=host,
                    port=port,
                    lmtp=lmtp,
                    workers=workers,
                    processes=processes,
                    listeners=listeners,
                    on_ready=ready,
                )
            )
        except OSError as error:  # the port is taken, or the address is not ours
            raise CommandError(f"Cannot listen on {host}:{port}: {error}") from error
        except mailserver.ListenerLost as error:  # a supervisor (systemd) starts it again
            raise CommandError(str(error)) from error
        self.stdout.write("Karcis mail server stopped.")
