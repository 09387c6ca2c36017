"""`manage.py fetch_mail` against a real IMAP server (Dovecot on loopback).

The corpus goes into a mailbox and comes out as tickets, ignored mail and failed mail; a
pass that dies half-way loses nothing and takes nothing twice; IMAPS with a private CA;
clear errors for a wrong password or URL.
"""

from __future__ import annotations

import json
import uuid
from email.message import EmailMessage
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from pytest_django.fixtures import Settings

from helpdesk.channels import mailbox as mailbox_module
from helpdesk.channels import tasks
from helpdesk.channels.models import InboundMail
from helpdesk.mail.imap import FAILED, TAKEN, Mailbox, mailbox_settings
from tests.channels.conftest import MAIL_DIR, SUPPORT, mail_bytes
from tests.channels.imap_server import Box
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

MANIFEST: list[dict[str, Any]] = json.loads((MAIL_DIR / "manifest.json").read_text("utf-8"))
# Mails that stand alone (no earlier mail to thread onto, no settings of their own).
ALONE = [e for e in MANIFEST if not ({"before", "settings", "close_before"} & set(e))]


def mail(subject: str, body: str, *, sender: str = "kim@example.com", **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"Kim Ode <{sender}>"
    message["To"] = SUPPORT
    message["Subject"] = subject
    message["Message-ID"] = f"<{uuid.uuid4().hex}@mail.example.com>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def fetch(url: str, *args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("fetch_mail", "--url", url, *args, stdout=out)
    return out.getvalue()


def test_the_corpus_through_the_mailbox_becomes_tickets_ignored_and_failed_mail(
    box: Box,
) -> None:
    for entry in ALONE:
        box.append(mail_bytes(entry["file"]))

    output = fetch(box.url("done=Done&failed=Failed"))

    expected = {status: [e for e in ALONE if e["status"] == status] for status in (201, 202, 400)}
    assert len(expected[201]) >= 25
    assert len(expected[400]) >= 5
    assert (
        f"{len(ALONE)} mail(s): {len(expected[201])} new, 0 taken before, "
        f"{len(expected[202])} ignored, {len(expected[400])} failed"
    ) in output
    for entry in expected[201]:
        message = Message.objects.get(body=entry["body"])
        assert message.ticket.channel == Ticket.Channel.EMAIL
        assert InboundMail.objects.filter(message=message).exists()
    assert InboundMail.objects.exclude(ignored_reason="").count() == len(expected[202])
    assert box.count() == 0, "everything was put away"
    assert box.count("Done") == len(expected[201]) + len(expected[202])
    assert box.count("Failed") == len(expected[400])

    again = fetch(box.url("done=Done&failed=Failed"))

    assert "0 mail(s)" in again
    assert Message.objects.count() == len(expected[201])


def test_without_folders_mail_is_flagged_and_a_reply_threads_onto_its_ticket(box: Box) -> None:
    first = mail("Printer offline", "The office printer is offline since Monday.")
    box.append(first)
    fetch(box.url())
    ticket = Ticket.objects.get()
    first_id = InboundMail.objects.get().mail_id
    box.append(mail("Re: Printer offline", "Still offline today.", In_Reply_To=f"<{first_id}>"))
    box.append(b"this is not an e-mail")

    output = fetch(box.url())

    assert "2 mail(s): 1 new, 0 taken before, 0 ignored, 1 failed" in output
    assert list(ticket.messages.values_list("body", flat=True).order_by("id")) == [
        "The office printer is offline since Monday.",
        "Still offline today.",
    ]
    assert len(box.uids("", "KEYWORD", TAKEN, "SEEN")) == 2
    assert len(box.uids("", "KEYWORD", FAILED)) == 1
    assert box.count() == 3, "flagged, not moved: the mail stays in the folder"


def test_a_pass_that_dies_half_way_loses_nothing_and_takes_nothing_twice(
    box: Box, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(4):
        box.append(mail(f"Question {n}", f"Question number {n}?", sender=f"c{n}@example.com"))
    real = Mailbox.mark_taken
    calls: list[int] = []

    def dies_on_the_third(self: Mailbox, uid: int) -> None:
        calls.append(uid)
        if len(calls) == 3:
            raise OSError("connection reset")  # after the third mail was taken in
        real(self, uid)

    monkeypatch.setattr(Mailbox, "mark_taken", dies_on_the_third)

    with pytest.raises(OSError, match="connection reset"):
        fetch(box.url())

    assert Message.objects.count() == 3
    monkeypatch.setattr(Mailbox, "mark_taken", real)

    output = fetch(box.url())

    assert "2 mail(s): 1 new, 1 taken before, 0 ignored, 0 failed" in output
    assert sorted(Message.objects.values_list("body", flat=True)) == [
        f"Question number {n}?" for n in range(4)
    ]
    assert len(box.uids("", "KEYWORD", TAKEN)) == 4


def test_a_mail_over_the_limit_is_put_aside_without_being_downloaded(
    box: Box, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.INBOUND_EMAIL_MAX_BYTES = 5_000
    box.append(mail("Logs", "x" * 20_000))
    box.append(mail("Short", "A short question."))
    fetched: list[int] = []
    real = Mailbox.fetch
    monkeypatch.setattr(Mailbox, "fetch", lambda self, uid: fetched.append(uid) or real(self, uid))

    output = fetch(box.url("failed=Too%20big"))

    assert "2 mail(s): 1 new, 0 taken before, 0 ignored, 1 failed" in output
    assert len(fetched) == 1
    assert box.count("Too big") == 1
    assert Message.objects.get().body == "A short question."


def test_limit_takes_the_oldest_first_and_says_how_many_wait(box: Box) -> None:
    for n in range(3):
        box.append(mail(f"Order {n}", f"Where is order {n}?", sender=f"o{n}@example.com"))

    output = fetch(box.url(), "--limit", "2")

    assert "2 mail(s): 2 new" in output
    assert "1 still waiting" in output
    assert sorted(Message.objects.values_list("body", flat=True)) == [
        "Where is order 0?",
        "Where is order 1?",
    ]


def test_imaps_with_a_private_ca(box: Box, settings: Settings) -> None:
    box.append(mail("Over TLS", "Sent over IMAPS."))

    output = fetch(box.url(scheme="imaps"))

    assert "1 mail(s): 1 new" in output
    settings.IMAP_CA_FILE = ""  # the system's CAs do not know the test certificate
    with pytest.raises(CommandError, match="CERTIFICATE_VERIFY_FAILED"):
        fetch(box.url(scheme="imaps"))


def test_a_wrong_password_is_a_clear_error_that_does_not_show_the_password(box: Box) -> None:
    url = box.url().replace("s3cret%20pass", "wrong-password-123")

    with pytest.raises(CommandError) as caught:
        fetch(url)

    assert "AUTHENTICATIONFAILED" in str(caught.value) or "failed" in str(caught.value).lower()
    assert "wrong-password-123" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "No mailbox"),
        ("pop3://u:p@host/", "must start with imaps://"),
        ("imaps://host/INBOX", "must name a user and a host"),
        ("imaps://u:p@host/INBOX?move=Done", "unknown options: move"),
        ("imaps://u:p@host:99999/", "invalid port"),
    ],
)
def test_bad_settings_are_clear_errors(url: str, message: str, settings: Settings) -> None:
    settings.IMAP_URL = ""
    with pytest.raises(CommandError, match=message):
        fetch(url) if url else call_command("fetch_mail")


def test_mailbox_settings_read_the_url_and_never_print_the_password() -> None:
    read = mailbox_settings("imaps://support%40x.org:p%40ss@imap.x.org/Support/In?done=Done")

    assert (read.user, read.password, read.host, read.port) == (
        "support@x.org",
        "p@ss",
        "imap.x.org",
        993,
    )
    assert (read.folder, read.done, read.failed, read.secure) == ("Support/In", "Done", "", True)
    assert "p@ss" not in str(read)
    assert mailbox_settings("imap://u@localhost").port == 143


def test_fetching_keeps_counts_apart_from_the_service(box: Box) -> None:
    box.append(mail("Hello", "Hello there.", Auto_Submitted="auto-replied"))
    with Mailbox(mailbox_settings(box.url(), ca_file=str(box.server.certificate))) as opened:
        report = mailbox_module.mailbox_fetch(opened)

    assert (report.new, report.ignored, report.waiting) == (0, 1, 1)
    assert not Message.objects.exists()


def test_the_periodic_task_takes_mail_in_once_at_a_time(box: Box, settings: Settings) -> None:
    settings.IMAP_URL = box.url()
    box.append(mail("From the task", "Polled by beat."))
    cache.set(tasks.LOCK, 1)  # another worker's pass is running

    assert tasks.fetch_mail() == 0
    assert not Message.objects.exists()

    cache.delete(tasks.LOCK)

    assert tasks.fetch_mail() == 1
    assert Message.objects.get().body == "Polled by beat."
    assert cache.get(tasks.LOCK) is None, "the lock is let go after the pass"


def test_the_periodic_task_logs_an_unreachable_mailbox_and_goes_on(
    box: Box, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.IMAP_URL = box.url().replace(str(box.server.port), "1")

    assert tasks.fetch_mail() == 0
    assert "Fetching mail failed" in caplog.text
    assert cache.get(tasks.LOCK) is None
