"""A support mailbox on an IMAP server: list the mails waiting, fetch one, mark it taken.

A plain library over the standard `imaplib` (no Django). `mailbox_settings` reads an
`IMAP_URL` (`imaps://user:password@host:993/INBOX`, or `imap://` for a server on the same
host, which is upgraded with STARTTLS when the server offers it); `Mailbox` is a
connection to it. What has been taken in leaves the waiting list by one of two marks, so
that nothing is taken twice and nothing is lost:

- with a `done` folder (`?done=Helpdesk/Done`), the mail is moved there (`UID MOVE`, or
  copy, delete and expunge on servers without MOVE);
- without one, it stays where it is, flagged `\\Seen` and with the keyword `$HelpdeskTaken`.

Mail the helpdesk cannot read is moved to the `failed` folder (`?failed=...`) or flagged
`$HelpdeskFailed`: kept on the server for a person, and not tried again.
"""

from __future__ import annotations

import imaplib
import re
import ssl
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import parse_qs, unquote, urlsplit

from helpdesk.errors import HelpdeskError

TAKEN = "$HelpdeskTaken"
FAILED = "$HelpdeskFailed"
_SIZE = re.compile(rb"UID (\d+) RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+) UID (\d+)")
_PORTS = {"imap": 143, "imaps": 993}


class MailboxError(HelpdeskError):
    """The IMAP server could not be reached, refused the login, or answered an error."""


@dataclass(frozen=True)
class MailboxSettings:
    host: str
    port: int
    user: str
    password: str = ""
    folder: str = "INBOX"
    secure: bool = True  # imaps: TLS from the first byte; imap: STARTTLS when offered
    done: str = ""  # folder to move taken mail to; empty: flag it instead
    failed: str = ""  # folder for mail that cannot be read; empty: flag it instead
    timeout: float = 30.0
    ca_file: str = ""  # certificates to trust instead of the system's (a private CA)

    def __str__(self) -> str:  # never the password
        scheme = "imaps" if self.secure else "imap"
        return f"{scheme}://{self.user}@{self.host}:{self.port}/{self.folder}"


def mailbox_settings(url: str, *, timeout: float = 30.0, ca_file: str = "") -> MailboxSettings:
    """Read an `IMAP_URL`; raises ValueError naming what is wrong (never the password)."""
    parts = urlsplit(url)
    if parts.scheme not in _PORTS:
        raise ValueError("IMAP_URL must start with imaps:// (or imap:// for a local server).")
    if not parts.hostname or not parts.username:
        raise ValueError("IMAP_URL must name a user and a host: imaps://user:password@host/")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    unknown = set(query) - {"done", "failed"}
    if unknown:
        raise ValueError(f"IMAP_URL has unknown options: {', '.join(sorted(unknown))}.")
    try:
        port = parts.port or _PORTS[parts.scheme]
    except ValueError as error:
        raise ValueError("IMAP_URL has an invalid port.") from error
    return MailboxSettings(
        host=parts.hostname,
        port=port,
        user=unquote(parts.username),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.strip("/")) or "INBOX",
        secure=parts.scheme == "imaps",
        done=query.get("done", ""),
        failed=query.get("failed", ""),
        timeout=timeout,
        ca_file=ca_file,
    )


def _quoted(name: str) -> str:
    """A mailbox name as an IMAP quoted string."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Mailbox:
    """One logged-in connection to the support folder. Use as a context manager."""

    def __init__(self, settings: MailboxSettings) -> None:
        self.settings = settings
        self._tls = ssl.create_default_context(cafile=settings.ca_file or None)
        self._imap: imaplib.IMAP4 | None = None
        self._can_move = False

    def __enter__(self) -> Mailbox:
        s = self.settings
        try:
            if s.secure:
                imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                    s.host, s.port, ssl_context=self._tls, timeout=s.timeout
                )
            else:
                imap = imaplib.IMAP4(s.host, s.port, timeout=s.timeout)
                if "STARTTLS" in imap.capabilities:
                    imap.starttls(self._tls)
            self._imap = imap
            imap.login(s.user, s.password)
            self._can_move = "MOVE" in imap.capabilities
            for folder in (s.done, s.failed):
                if folder:
                    imap.create(_quoted(folder))  # "already exists" is a NO: fine
            self._ok(imap.select(_quoted(s.folder)), f"select {s.folder}")
        except (OSError, imaplib.IMAP4.error) as error:
            self.close()
            raise MailboxError(f"{s}: {error}") from error
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        imap, self._imap = self._imap, None
        if imap is None:
            return
        try:
            if imap.state == "SELECTED":
                imap.close()
            imap.logout()
        except (OSError, imaplib.IMAP4.error):
            pass  # the connection is going away either way

    @property
    def imap(self) -> imaplib.IMAP4:
        if self._imap is None:
            raise MailboxError("The mailbox is not open.")
        return self._imap

    @staticmethod
    def _ok(answer: tuple[str, list[bytes | None] | list[bytes]], doing: str) -> list[bytes]:
        status, data = answer
        if status != "OK":
            detail = b" ".join(d for d in data if isinstance(d, bytes)).decode(errors="replace")
            raise MailboxError(f"IMAP {doing} failed: {detail or status}")
        return [d for d in data if isinstance(d, bytes)]

    def _uid(self, command: str, *args: str) -> list[bytes | tuple[bytes, bytes]]:
        try:
            status, data = self.imap.uid(command, *args)
        except (OSError, imaplib.IMAP4.error) as error:
            raise MailboxError(f"IMAP UID {command} failed: {error}") from error
        if status != "OK":
            raise MailboxError(f"IMAP UID {command} failed: {data!r}")
        return list(data)  # a literal (a mail's bytes) comes as a (header, bytes) tuple

    def waiting(self) -> list[tuple[int, int]]:
        """The (uid, size in bytes) of each mail not yet taken nor failed, oldest first."""
        search: tuple[str, ...] = ("UNDELETED", "UNKEYWORD", FAILED)
        if not self.settings.done:
            search += ("UNKEYWORD", TAKEN)
        found = self._uid("SEARCH", *search)
        uids = [int(u) for line in found if isinstance(line, bytes) for u in line.split()]
        if not uids:
            return []
        sizes: dict[int, int] = {}
        for item in self._uid("FETCH", ",".join(map(str, uids)), "(UID RFC822.SIZE)"):
            line = item[0] if isinstance(item, tuple) else item
            match = _SIZE.search(line)
            if match:
                uid, size = (match[1], match[2]) if match[1] else (match[4], match[3])
                sizes[int(uid)] = int(size)
        return sorted((uid, sizes.get(uid, 0)) for uid in uids)

    def fetch(self, uid: int) -> bytes:
        """The raw bytes of one mail, without marking it read (`BODY.PEEK`)."""
        for item in self._uid("FETCH", str(uid), "(BODY.PEEK[])"):
            if isinstance(item, tuple):
                return item[1]
        raise MailboxError(f"Mail {uid} is no longer in {self.settings.folder}.")

    def mark_taken(self, uid: int) -> None:
        self._put_away(uid, self.settings.done, TAKEN)

    def mark_failed(self, uid: int) -> None:
        self._put_away(uid, self.settings.failed, FAILED)

    def _put_away(self, uid: int, folder: str, keyword: str) -> None:
        if not folder:
            self._uid("STORE", str(uid), "+FLAGS.SILENT", f"(\\Seen {keyword})")
            return
        if self._can_move:
            self._uid("MOVE", str(uid), _quoted(folder))
            return
        self._uid("COPY", str(uid), _quoted(folder))
        self._uid("STORE", str(uid), "+FLAGS.SILENT", "(\\Deleted)")
        try:
            self._ok(self.imap.expunge(), "expunge")
        except (OSError, imaplib.IMAP4.error) as error:
            raise MailboxError(f"IMAP EXPUNGE failed: {error}") from error
