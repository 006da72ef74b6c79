"""Settings for the test suite: the real settings with the testing switches on."""

import os

os.environ["KARCIS_TESTING"] = "1"
os.environ["KARCIS_SECRET_KEY"] = "karcis-tests-only-not-a-secret"
os.environ["KARCIS_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
os.environ["KARCIS_BASE_URL"] = "http://127.0.0.1:8000"

from karcis.settings import *  # noqa: E402,F403
from karcis.settings import MIDDLEWARE  # noqa: E402

MIDDLEWARE = ["karcis.core.testing.FreshScopeMiddleware", *MIDDLEWARE]

# Sessions in the database in every run, with or without Redis (CI runs PostgreSQL with
# REDIS_URL set): the tests that pin a page's statements count the session's read either
# way. Where sessions live with Redis is tested on its own (core/tests/test_sessions.py).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
