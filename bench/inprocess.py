"""What bench/*_inprocess.py share: one action's statements, its CPU, its profile."""

import cProfile
import os
import pstats
import time
from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext


def report_cost(action: Callable[[int], None], *, what: str, n: int, profile_n: int) -> None:
    """Print the statements of `action(i)` once, its CPU (time.process_time) over `n` calls,
    and with PROFILE set in the environment a cProfile of `profile_n` more (Python function
    calls are deterministic: the figure to compare on a busy machine). Call it warm."""
    with CaptureQueriesContext(connection) as queries:
        action(0)
    print(f"\nstatements per {what}: {len(queries)}")
    for number, query in enumerate(queries.captured_queries, 1):
        print(f"  {number:2}. {query['sql'][:160]}")
    started = time.process_time()
    for i in range(n):
        action(1 + i)
    cpu = time.process_time() - started
    print(f"CPU per {what}: {cpu / n * 1000:.2f} ms over {n}")
    if os.environ.get("PROFILE"):
        profile = cProfile.Profile(time.process_time)
        profile.enable()
        for i in range(profile_n):
            action(n + 1 + i)
        profile.disable()
        stats = pstats.Stats(profile)
        print(f"Python function calls per {what}: {stats.total_calls / profile_n:,.0f}")
        stats.sort_stats("cumulative").print_stats(r"karcis", 40)
