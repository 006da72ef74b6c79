"""`karcis events [--dispatch]`: how far each durable consumer of the event log has read.

For operators: a consumer that stays behind or keeps failing shows here with its last error
(its events wait, in order, until it is fixed; nothing is skipped). `--dispatch` hands the
waiting events over once, as the scheduler does every few seconds.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from karcis.core.eventlog import event_cursors_status, events_dispatch


class Command(BaseCommand):
    help = "Show each durable consumer of the event log: waiting events, failures, last error."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dispatch", action="store_true", help="hand the waiting events over once first"
        )

    def handle(self, *args, dispatch: bool, **options):
        if dispatch:
            self.stdout.write(f"Dispatched {events_dispatch()} event(s).")
        rows = event_cursors_status()
        if not rows:
            self.stdout.write("No durable consumers are registered.")
            return
        width = max(len(row["consumer"]) for row in rows)
        self.stdout.write(f"{'consumer':<{width}}  waiting  handled  failures")
        for row in rows:
            line = (
                f"{row['consumer']:<{width}}  {row['waiting']:>7}  {row['delivered']:>7}  "
                f"{row['failures']:>8}"
            )
            if row["last_error"]:
                when = timezone.localtime(row["last_error_at"]).strftime("%Y-%m-%d %H:%M")
                self.stdout.write(
                    self.style.ERROR(f"{line}\n  last error ({when}): {row['last_error']}")
                )
            else:
                self.stdout.write(line)
