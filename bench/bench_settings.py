"""The settings bench/desk.py serves Karcis with: karcis.settings and three changes.

- ROOT_URLCONF adds the floor views (bench/bench_urls.py) beside every Karcis URL;
- the portal's limit of ticket submissions per client address is raised: the bench's
  8 clients all come from 127.0.0.1, and 10 an hour would stop the run after 10 tickets.
  The counter is still read and written on every submission, as in production, and the
  limit per e-mail address is untouched (every simulated submission types a new address);
- e-mail goes to Django's dummy backend: the automatic replies are rendered and "sent"
  after each commit, in the worker, as the embedded default (no Celery broker) does.

For an experiment, start another module in bench/ with `from bench_settings import *`
and pass it with `--settings`.
"""

from karcis.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
KARCIS_PORTAL_LIMITS = {"submit": 1_000_000_000}
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
