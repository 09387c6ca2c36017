"""A real IMAP server for the tests: Debian's Dovecot, on loopback, in a temporary folder.

`dovecot_server()` starts `dovecot -F` with a configuration of its own (one user, Maildir
in a temporary folder that Dovecot's own users can read when run as root, plain IMAP and
IMAPS with a self-signed certificate made by `openssl`), waits until it answers, and
stops it afterwards. Tests that need it skip when Dovecot is not installed, unless
`REQUIRE_DOVECOT=1` (CI) makes that an error.
"""

from __future__ import annotations

import contextlib
import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
USER, PASSWORD = "support@helpdesk.example", "s3cret pass"


@dataclass(frozen=True)
class ImapServer:
    host: str
    port: int  # plain IMAP
    tls_port: int  # IMAPS
    certificate: Path
    user: str = USER
    password: str = PASSWORD


def dovecot_or_skip() -> None:
    if Path(DOVECOT).exists() and Path(OPENSSL).exists():
        return
    reason = "Dovecot (dovecot-imapd) or openssl is not installed"
    if os.environ.get("REQUIRE_DOVECOT") == "1":
        pytest.fail(f"{reason}, and REQUIRE_DOVECOT=1 says the IMAP tests must run")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _accounts() -> tuple[str, str, int, int]:
    """(login user, internal user, mail uid, gid): Dovecot's own users when run as root."""
    if os.geteuid() == 0:
        dovenull, dovecot = pwd.getpwnam("dovenull"), pwd.getpwnam("dovecot")
        return dovenull.pw_name, dovecot.pw_name, dovecot.pw_uid, dovecot.pw_gid
    me = pwd.getpwuid(os.geteuid()).pw_name
    return me, me, os.geteuid(), os.getegid()


@contextlib.contextmanager
def dovecot_server() -> Iterator[ImapServer]:
    dovecot_or_skip()
    folder = Path(tempfile.mkdtemp(prefix="helpdesk-dovecot-"))
    folder.chmod(0o755)  # pytest's tmp_path is private to us: Dovecot's users could not read it
    login_user, internal_user, uid, gid = _accounts()
    key, certificate = folder / "key.pem", folder / "cert.pem"
    subprocess.run(  # noqa: S603 (fixed arguments)
        [OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True,
    )  # fmt: skip
    home = folder / "home"
    home.mkdir(exist_ok=True)
    os.chown(home, uid, gid)
    (folder / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    port, tls_port = _free_port(), _free_port()
    config = folder / "dovecot.conf"
    config.write_text(
        f"""
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
info_log_path = {folder}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{certificate}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {grp.getgrgid(gid).gr_name}
first_valid_uid = {min(uid, 500)}
mail_location = maildir:{home}/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={home}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""
    )
    process = subprocess.Popen(  # noqa: S603 (fixed arguments)
        [DOVECOT, "-F", "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                log = (
                    (folder / "dovecot.log").read_text()
                    if (folder / "dovecot.log").exists()
                    else ""
                )
                output = process.stdout.read().decode() if process.stdout else ""
                raise RuntimeError(f"Dovecot did not start:\n{output}\n{log}")
            time.sleep(0.05)
        yield ImapServer("127.0.0.1", port, tls_port, certificate)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


class Box:
    """A test's own folder on the server, seen as the customer's mail provider sees it."""

    def __init__(self, server: ImapServer) -> None:
        self.server = server
        self.name = f"support-{uuid.uuid4().hex[:8]}"
        self.imap = imaplib.IMAP4(server.host, server.port)
        self.imap.login(server.user, server.password)
        self.imap.create(self.name)

    def url(self, query: str = "", scheme: str = "imap") -> str:
        port = self.server.port if scheme == "imap" else self.server.tls_port
        user = self.server.user.replace("@", "%40")
        password = self.server.password.replace(" ", "%20")
        tail = f"?{query}" if query else ""
        return f"{scheme}://{user}:{password}@{self.server.host}:{port}/{self.name}{tail}"

    def append(self, raw: bytes, folder: str = "") -> None:
        status, _ = self.imap.append(folder or self.name, None, None, raw)
        assert status == "OK"

    def uids(self, folder: str = "", *criteria: str) -> list[int]:
        self.imap.select(f'"{folder or self.name}"')
        _, data = self.imap.uid("SEARCH", *(criteria or ("ALL",)))
        return [int(u) for u in data[0].split()]

    def count(self, folder: str = "") -> int:
        return len(self.uids(folder))


@pytest.fixture(scope="session")
def imap_server() -> Iterator[ImapServer]:
    """One Dovecot for the whole run; each test works in a folder of its own (`box`)."""
    with dovecot_server() as server:
        yield server


@pytest.fixture
def box(imap_server: ImapServer, settings: Settings) -> Iterator[Box]:
    settings.IMAP_CA_FILE = str(imap_server.certificate)  # STARTTLS on imap:// too
    opened = Box(imap_server)
    yield opened
    opened.imap.logout()
