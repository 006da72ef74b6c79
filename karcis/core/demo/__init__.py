"""The demo organisation that `make run` loads: PT Nusantara Digital, an internet provider
with three teams, eight staff, ~200 customers and 60 days of tickets (see builder.py)."""

from karcis.core.demo.builder import demo_build
from karcis.core.demo.data import DEMO_PASSWORD, DEMO_SLUG

__all__ = ["DEMO_PASSWORD", "DEMO_SLUG", "demo_build"]
