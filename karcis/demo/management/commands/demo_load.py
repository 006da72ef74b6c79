"""`karcis demo_load`: load the demo organisation once; later runs reuse it."""

import time

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope

from karcis.core.models import Organisation
from karcis.demo.builder import demo_build
from karcis.demo.data import DEMO_PASSWORD, DEMO_SLUG
from karcis.desk.selectors import tickets_count_of
from karcis.queueing import demo as queueing_demo


class Command(BaseCommand):
    help = "Load the demo organisation (slug 'demo') with realistic tickets, unless it exists."

    def add_arguments(self, parser):
        parser.add_argument(
            "--tickets", type=int, default=500, help="How many tickets to create (default 500)."
        )

    def handle(self, *args, tickets: int, **options):
        if tickets < 1:
            raise CommandError("--tickets must be at least 1.")
        existing = Organisation.objects.filter(slug=DEMO_SLUG).first()
        if existing is not None:
            with scope(organisation=existing.pk):
                count = tickets_count_of(organisation=existing)
            self.stdout.write(f"Demo already loaded: {count} tickets")
        else:
            self.stdout.write(f"Memuat demo / loading the demo: {tickets} tickets…")
            started = time.monotonic()
            demo_build(tickets=tickets, progress=self._progress_printer(options["verbosity"]))
            elapsed = time.monotonic() - started
            self.stdout.write(f"Demo loaded: {tickets} tickets in {elapsed:.1f} s")
        self._queues()

    def _queues(self) -> None:
        """The public queues' demo: a city's Dukcapil office and puskesmas (its own
        organisation), unless loaded."""
        if Organisation.objects.filter(slug=queueing_demo.SLUG).exists():
            return
        self.stdout.write("Memuat antrean demo / loading the queues' demo (a few days)…")
        started = time.monotonic()
        queueing_demo.queueing_demo(password=DEMO_PASSWORD)
        self.stdout.write(f"Queues' demo loaded in {time.monotonic() - started:.1f} s")

    def _progress_printer(self, verbosity: int):
        """An updating line on a terminal; a line every 50 tickets otherwise (logs, CI)."""
        interactive = self.stdout.isatty()

        def progress(done: int, total: int) -> None:
            if verbosity < 1:
                return
            if interactive:
                end = "\n" if done == total else ""
                self.stdout.write(f"\r  {done}/{total} tickets", ending=end)
                self.stdout.flush()
            elif done % 50 == 0 or done == total:
                self.stdout.write(f"  {done}/{total} tickets")

        return progress
