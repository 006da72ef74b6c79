"""Fixtures of the messaging tests."""

import os

import pytest

from tests.mailservers.dovecot import DOVECOT, Dovecot, MailUser, dovecot_installed, dovecot_running

# --- IMAP: a real Dovecot on 127.0.0.1 --------------------------------------------------
# One server for the whole session (it starts in well under a second); each test gets a
# user of its own, so no test sees another's mail.


@pytest.fixture(scope="session")
def dovecot() -> Dovecot:
    if not dovecot_installed():
        reason = f"Dovecot is not installed ({DOVECOT}); apt-get install dovecot-imapd"
        # CI installs it (.ci/run): a missing server there is a broken setup, not a skip.
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    with dovecot_running() as server:
        yield server


@pytest.fixture
def imap_user(dovecot) -> MailUser:
    """A fresh Dovecot user with an empty INBOX."""
    return dovecot.user_create()


# --- end of IMAP --------------------------------------------------------------------------


# --- SMTP: a real aiosmtpd server on 127.0.0.1 (helper "outbound") ---------------------
# One server for the whole session; each test starts with an empty, accepting sink and
# sends through it with Django's SMTP backend.


@pytest.fixture(scope="session")
def _smtp_sink_server():
    from tests.mailservers.smtp import smtp_sink_running

    with smtp_sink_running() as sink:
        yield sink


@pytest.fixture
def smtp_sink(_smtp_sink_server, settings):
    """The SMTP server that receives what Karcis sends in this test (`.messages`)."""
    _smtp_sink_server.clear()
    _smtp_sink_server.accept()
    for name, value in _smtp_sink_server.email_settings().items():
        setattr(settings, name, value)
    yield _smtp_sink_server
    _smtp_sink_server.accept()


# --- end of SMTP --------------------------------------------------------------------------
