"""Compile the .po catalogues to .mo with Babel, so no GNU gettext is needed to run Karcis."""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile translation catalogues (.po) into .mo files."

    def handle(self, *args, **options):
        compiled = 0
        app_dirs = [
            Path(app.path) / "locale"
            for app in apps.get_app_configs()
            if app.name.startswith("karcis.")
        ]
        for locale_dir in [*settings.LOCALE_PATHS, *app_dirs]:
            for po_path in Path(locale_dir).glob("*/LC_MESSAGES/*.po"):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                with po_path.open("rb") as po_file:
                    catalog = read_po(po_file, locale=po_path.parent.parent.name)
                with mo_path.open("wb") as mo_file:
                    write_mo(mo_file, catalog, use_fuzzy=False)
                compiled += 1
        if compiled and options["verbosity"]:
            self.stdout.write(f"compiled {compiled} translation catalogue(s)")
