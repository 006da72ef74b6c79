"""karcis.wsgi with a sampling CPU profiler, for `bench/desk.py measure --cpu-profile`.

Every few milliseconds of CPU time (SIGPROF; the kernel's tick, ~4 ms, is the real
resolution) the worker notes where it is: the package of the innermost frame (Django's
ORM, psycopg, DRF…) and the innermost Karcis function on the stack (the work that led
there). Unlike cProfile this costs almost nothing and does not inflate code made of many
small calls, so the shares are those of the real server. Each worker writes its counts to
$KARCIS_BENCH_SAMPLES/<pid>.json when it exits.
"""

import atexit
import collections
import json
import os
import signal
import sys

from karcis.wsgi import application  # noqa: F401  (what gunicorn serves)

INTERVAL = 0.001
OUTSIDE = "(outside Karcis: gunicorn, Django's request handling, middleware)"

by_package: collections.Counter = collections.Counter()
by_karcis: collections.Counter = collections.Counter()


def _package(filename: str) -> str:
    if "/site-packages/" in filename:
        parts = filename.split("/site-packages/", 1)[1].split("/")
        if parts[0] == "django" and len(parts) > 2:
            return f"django/{parts[1]}"
        return parts[0].removesuffix(".py")
    if "/karcis/" in filename:
        return "karcis"
    return "python (standard library)"


def _sample(signum, frame) -> None:
    by_package[_package(frame.f_code.co_filename)] += 1
    current = frame
    while current is not None:
        code = current.f_code
        if "/karcis/" in code.co_filename:
            path = code.co_filename.rsplit("/karcis/", 1)[1]
            by_karcis[f"karcis/{path}:{code.co_name}"] += 1
            return
        current = current.f_back
    by_karcis[OUTSIDE] += 1


def _dump() -> None:
    signal.setitimer(signal.ITIMER_PROF, 0)
    folder = os.environ.get("KARCIS_BENCH_SAMPLES")
    if folder:
        with open(os.path.join(folder, f"{os.getpid()}.json"), "w") as out:
            json.dump({"package": by_package, "karcis": by_karcis}, out)


def post_fork() -> None:
    """Start sampling in this process (called in each worker, never in the arbiter)."""
    signal.signal(signal.SIGPROF, _sample)
    signal.setitimer(signal.ITIMER_PROF, INTERVAL, INTERVAL)
    atexit.register(_dump)


# gunicorn imports the application in each worker (no --preload), after the fork.
if "gunicorn" in os.path.basename(sys.argv[0]):
    post_fork()
