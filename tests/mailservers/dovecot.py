"""A real Dovecot IMAP server on 127.0.0.1 for tests, with its own config, users and mail.

Nothing of the machine's Dovecot setup is used: the server gets a private directory with
its configuration, a self-signed certificate, a passwd-file of users and their maildirs,
and listens on two free ports (IMAP with STARTTLS, and IMAPS).

    with dovecot_running() as server:
        user = server.user_create()
        uid = server.append(user, raw_bytes)

Tests use it through the `dovecot` and `imap_user` fixtures (karcis/messaging/tests/
conftest.py). It runs as root (as CI does); as another user it runs with that user's
rights.
"""

from __future__ import annotations

import getpass
import imaplib
import itertools
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

DOVECOT = Path("/usr/sbin/dovecot")
HOST = "127.0.0.1"
START_TIMEOUT = 15.0
# Users created with the server, ready at once; more are added (slower) when needed.
READY_USERS = 100

_APPENDUID = re.compile(rb"\[APPENDUID (\d+) (\d+)\]")
_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")


def dovecot_installed() -> bool:
    return DOVECOT.is_file() and os.access(DOVECOT, os.X_OK)


@dataclass(frozen=True)
class MailUser:
    name: str
    password: str


class DovecotError(RuntimeError):
    pass


class Dovecot:
    """One running Dovecot. Use `dovecot_running()` to start and stop it."""

    host = HOST

    def __init__(self, root: Path) -> None:
        self.root = root
        self.imap_port = _free_port()
        self.imaps_port = _free_port()
        self.cert_file = root / "cert.pem"
        self.key_file = root / "key.pem"
        self.config_file = root / "dovecot.conf"
        self.users_file = root / "users"
        self.log_file = root / "dovecot.log"
        self._process: subprocess.Popen | None = None
        self._user_numbers = itertools.count(1)
        self._ready_users: list[MailUser] = []

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        _self_signed_certificate(cert=self.cert_file, key=self.key_file)
        # Users are written before the start: Dovecot would notice later ones only after
        # up to a second (see user_create).
        self.users_file.write_text("")
        self._ready_users = [
            MailUser(name=f"user{number}", password=f"rahasia-{number}")
            for number in itertools.islice(self._user_numbers, READY_USERS)
        ]
        self._users_write(self._ready_users)
        self.config_file.write_text(self._config())
        self._process = subprocess.Popen(
            [str(DOVECOT), "-F", "-c", str(self.config_file)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + START_TIMEOUT
        for port in (self.imap_port, self.imaps_port):
            self._wait_for(port, deadline)

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stderr:
            self._process.stderr.close()
        self._process = None

    def _wait_for(self, port: int, deadline: float) -> None:
        while True:
            if self._process.poll() is not None:
                stderr = self._process.stderr.read().decode(errors="replace")
                raise DovecotError(f"Dovecot exited at start:\n{stderr}\n{self.log()}")
            try:
                with socket.create_connection((HOST, port), timeout=1):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise DovecotError(
                        f"Dovecot did not listen on {HOST}:{port} within "
                        f"{START_TIMEOUT:.0f} s.\n{self.log()}"
                    ) from None
                time.sleep(0.05)

    def _mail_owner(self) -> tuple[int, int]:
        """Who owns the mail: Dovecot refuses to access mail as root, so root's tests keep
        it as `nobody` in directories made theirs."""
        if os.geteuid() != 0:
            return os.getuid(), os.getgid()
        nobody = pwd.getpwnam("nobody")
        for name in ("mail", "home"):
            directory = self.root / name
            directory.mkdir(exist_ok=True)
            os.chown(directory, nobody.pw_uid, nobody.pw_gid)
        return nobody.pw_uid, nobody.pw_gid

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    def _config(self) -> str:
        root = self.root
        as_root = os.geteuid() == 0
        # Root runs Dovecot's unprivileged parts as the users the Debian package creates;
        # anyone else runs every part as themselves (without the login chroot).
        internal_user = "dovecot" if as_root else getpass.getuser()
        login_user = "dovenull" if as_root else getpass.getuser()
        login_chroot = "" if as_root else "  chroot =\n"
        mail_uid, mail_gid = self._mail_owner()
        return f"""\
# Written by tests/mailservers/dovecot.py for one test session.
instance_name = karcis-test-{self.imap_port}
base_dir = {root}/run
state_dir = {root}/state
log_path = {self.log_file}
info_log_path = {self.log_file}
protocols = imap
listen = {HOST}
default_internal_user = {internal_user}
default_login_user = {login_user}
first_valid_uid = {mail_uid}
first_valid_gid = {mail_gid}

ssl = yes
ssl_cert = <{self.cert_file}
ssl_key = <{self.key_file}

auth_mechanisms = plain login
disable_plaintext_auth = no
# A wrong password fails at once instead of after Dovecot's usual 2 s pause.
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.users_file}
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/home/%u
}}
mail_location = maildir:{root}/mail/%u

service imap-login {{
  inet_listener imap {{
    address = {HOST}
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    address = {HOST}
    port = {self.imaps_port}
    ssl = yes
  }}
{login_chroot}}}
service anvil {{
  # No growing pause after failed logins from 127.0.0.1 (Dovecot's auth penalty): tests
  # log in with wrong passwords on purpose.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service auth {{
  # The passwd-file lives in the test's own directory, readable by the test's user.
  user = {"root" if as_root else getpass.getuser()}
}}
"""

    # --- users and mail ----------------------------------------------------------------

    def user_create(self, *, password: str | None = None) -> MailUser:
        """A new user with an empty INBOX; each test gets its own, so no mail is shared."""
        if password is None and self._ready_users:
            return self._ready_users.pop(0)
        number = next(self._user_numbers)
        user = MailUser(name=f"user{number}", password=password or f"rahasia-{number}")
        self._users_write([user])
        # Dovecot looks at its passwd-file at most once a second: wait until it knows the
        # new user.
        deadline = time.monotonic() + 5
        while True:
            try:
                with self.session(user):
                    return user
            except imaplib.IMAP4.error:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def _users_write(self, users: list[MailUser]) -> None:
        with self.users_file.open("a", encoding="utf-8") as file:
            file.writelines(f"{user.name}:{user.password}\n" for user in users)

    @contextmanager
    def session(self, user: MailUser) -> Iterator[imaplib.IMAP4]:
        """An IMAP session logged in as `user` (plain IMAP on 127.0.0.1)."""
        client = imaplib.IMAP4(HOST, self.imap_port, timeout=10)
        try:
            # SASL PLAIN carries any password (UTF-8); imaplib's LOGIN only ASCII ones.
            client.authenticate("PLAIN", lambda _: f"\0{user.name}\0{user.password}".encode())
            yield client
        finally:
            with suppress(imaplib.IMAP4.error, OSError):
                client.logout()

    def append(self, user: MailUser, raw: bytes, *, folder: str = "INBOX", arrived=None) -> int:
        """Deliver `raw` into the user's folder as a mail client would; its UID.

        `arrived` (an aware datetime) sets the server's arrival date of the message.
        """
        when = imaplib.Time2Internaldate(arrived) if arrived is not None else None
        with self.session(user) as client:
            status, data = client.append(_quoted(folder), "", when, raw)
            if status != "OK":
                raise DovecotError(f"APPEND to {folder} failed: {data!r}")
            match = _APPENDUID.search(data[0])
            if match is None:
                raise DovecotError(f"APPEND gave no APPENDUID: {data!r}")
            return int(match.group(2))

    def folder_create(self, user: MailUser, folder: str) -> None:
        with self.session(user) as client:
            status, data = client.create(_quoted(folder))
            if status != "OK":
                raise DovecotError(f"CREATE {folder} failed: {data!r}")

    def folder_recreate(self, user: MailUser, folder: str) -> int:
        """Delete the folder with its mail and create it again, empty: what changes a
        folder's UIDVALIDITY in real life. Returns the new UIDVALIDITY."""
        if folder.upper() == "INBOX":
            raise ValueError("IMAP cannot delete the INBOX; use another folder.")
        with self.session(user) as client:
            for command in ("DELETE", "CREATE"):
                status, data = getattr(client, command.lower())(_quoted(folder))
                if status != "OK":
                    raise DovecotError(f"{command} {folder} failed: {data!r}")
        return self.uidvalidity(user, folder)

    def uidvalidity(self, user: MailUser, folder: str = "INBOX") -> int:
        with self.session(user) as client:
            status, data = client.status(_quoted(folder), "(UIDVALIDITY)")
            if status != "OK":
                raise DovecotError(f"STATUS {folder} failed: {data!r}")
            return int(_UIDVALIDITY.search(data[0]).group(1))


@contextmanager
def dovecot_running() -> Iterator[Dovecot]:
    """Start a private Dovecot, yield it, then stop it and remove its files."""
    if not dovecot_installed():
        raise DovecotError(f"{DOVECOT} is not installed (apt-get install dovecot-imapd).")
    # Not under pytest's tmp dir: Dovecot's unprivileged processes must be able to reach
    # their sockets, and pytest's base directory is private to the test's user.
    root = Path(tempfile.mkdtemp(prefix="karcis-dovecot-"))
    root.chmod(0o755)
    server = Dovecot(root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def _quoted(folder: str) -> str:
    # imaplib sends names as they are; a name with a space must be an IMAP quoted string.
    # (ASCII names only: enough for tests.)
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _self_signed_certificate(*, cert: Path, key: Path) -> None:
    """A certificate for 127.0.0.1 and localhost that is its own CA, so that a client given
    it as the CA file verifies the server fully (chain and host name)."""
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
