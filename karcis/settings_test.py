"""Settings for the test suite: the real settings with the testing switches on."""

import os

os.environ["KARCIS_TESTING"] = "1"

from karcis.settings import *  # noqa: E402,F403
from karcis.settings import MIDDLEWARE  # noqa: E402

MIDDLEWARE = ["karcis.core.testing.FreshScopeMiddleware", *MIDDLEWARE]
