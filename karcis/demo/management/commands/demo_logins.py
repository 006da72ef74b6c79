"""`karcis demo_logins --port N`: where to go and how to sign in to the demo."""

from django.core.management.base import BaseCommand

from karcis.core.models import Organisation
from karcis.demo import data
from karcis.demo.data import DEMO_PASSWORD, DEMO_SLUG
from karcis.queueing import demo as queues


class Command(BaseCommand):
    help = "Print the demo's addresses and sign-in details."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, port: int, host: str, **options):
        base = f"http://{host}:{port}"
        loaded = Organisation.objects.filter(slug=DEMO_SLUG).exists()
        staff = {key: (name, email) for key, name, email, *_rest in data.STAFF}
        staff["customer"] = (data.CUSTOMER["name"], data.CUSTOMER["email"])
        lines = [
            "",
            f"Karcis demo — {data.ORGANISATION['name']}",
            f"  Beranda / Home            {base}/",
            f"  Meja agen / Agent desk    {base}/desk/",
            f"  Portal pelanggan / Portal {base}/portal/{DEMO_SLUG}/",
            f"  API docs                  {base}/api/docs/",
            "",
            f"  Masuk / Sign in at {base}/login/ — kata sandi / password: {DEMO_PASSWORD}",
            "  (one shared password: fine for a local demo, never for real use)",
            f"  Pelanggan masuk di portal / the customer signs in at "
            f"{base}/portal/{DEMO_SLUG}/signin/",
        ]
        width = max(len(email) for _name, email in staff.values())
        for role, key in data.LOGINS:
            name, email = staff[key]
            lines.append(f"    {role:<24} {email:<{width}}  {name}")
        city = {key: (name, email) for key, name, email, _role in queues.STAFF}
        lines += [
            "",
            f"Antrean publik / public queues — {queues.ORGANISATION['name']}",
            f"  Konsol loket / counters    {base}/queue/",
            f"  Pesan antrean / book       {base}/antrean/{queues.SLUG}/dukcapil/",
            f"  Papan / board              {base}/antrean/{queues.SLUG}/dukcapil/papan/",
            f"  Puskesmas                  {base}/antrean/{queues.SLUG}/puskesmas-sukamaju/",
        ]
        width = max(len(email) for _name, email in city.values())
        for role, key in queues.LOGINS:
            name, email = city[key]
            lines.append(f"    {role:<30} {email:<{width}}  {name}")
        if not loaded:
            lines += ["", "  The demo is not loaded yet: run `karcis demo_load` first."]
        lines.append("")
        self.stdout.write("\n".join(lines))
