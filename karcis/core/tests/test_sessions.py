"""Where sessions are kept (decision 0021): read from the cache only when every process
shares it (Redis), and a sign-out ends a session everywhere at once."""

import os
import subprocess
import sys

import pytest

from conftest import login

CACHED_DB = "django.contrib.sessions.backends.cached_db"


def _session_engine(**environ: str) -> str:
    # The settings read the environment once, at import: ask a fresh interpreter.
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(KARCIS_DEBUG="1", **environ)
    code = "import karcis.settings as s; print(s.SESSION_ENGINE)"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_sessions_are_cached_only_in_a_cache_every_process_shares():
    assert _session_engine() == "django.contrib.sessions.backends.db"
    assert _session_engine(REDIS_URL="redis://127.0.0.1:6379/0") == CACHED_DB


@pytest.mark.django_db
def test_a_cached_session_ends_at_sign_out(client, settings, agent):
    settings.SESSION_ENGINE = CACHED_DB
    login(client, agent)
    assert client.get("/desk/").status_code == 200
    cookie = client.cookies["sessionid"].value

    client.post("/logout/")

    # The old cookie, sent again (a copy kept by someone else), opens nothing.
    client.cookies["sessionid"] = cookie
    response = client.get("/desk/")
    assert response.status_code == 302 and "/login/" in response["Location"]
