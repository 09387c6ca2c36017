"""Which ticket a mail continues: its headers, then its subject, only the sender's own."""

from __future__ import annotations

import pytest

from helpdesk.channels.selectors import subject_reference
from helpdesk.channels.services import MailOutcome, inbound_mail_receive, ticket_subject
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _mail(sender: str, subject: str, message_id: str, *, in_reply_to: str = "") -> bytes:
    headers = [f"From: {sender}", f"Subject: {subject}", f"Message-ID: <{message_id}>"]
    if in_reply_to:
        headers.append(f"In-Reply-To: <{in_reply_to}>")
    return ("\n".join(headers) + "\n\nSome words about the problem.\n").encode()


def _receive(raw: bytes) -> MailOutcome:
    outcome = inbound_mail_receive(raw=raw)
    assert outcome.ticket is not None
    return outcome


@pytest.mark.parametrize(
    ("subject", "reference"),
    [
        ("Re: [T-000042] Router", 42),
        ("AW: T-000007 Drucker", 7),
        ("[T-1234567] big numbers", 1234567),
        ("Router T-000042x", None),
        ("ABT-000042", None),
        ("No reference here", None),
    ],
)
def test_subject_reference_reads_the_ticket_id(subject: str, reference: int | None) -> None:
    assert subject_reference(subject) == reference


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: Re: Fwd: Router", "Router"),
        ("AW: [T-000042] Drucker", "Drucker"),
        ("RE[2]: Invoice", "Invoice"),
        ("Re:", "(no subject)"),
        ("Refund please", "Refund please"),
    ],
)
def test_ticket_subject_drops_reply_prefixes_and_the_reference(subject: str, expected: str) -> None:
    assert ticket_subject(subject) == expected


def test_subject_reference_threads_the_senders_own_ticket() -> None:
    first = _receive(_mail("ada@example.com", "Router drops", "a1@example.com"))
    assert first.ticket is not None

    reply = _receive(_mail("ada@example.com", f"Re: [{first.ticket.reference}] x", "a2@x"))

    assert reply.ticket == first.ticket
    assert not reply.created_ticket


def test_stranger_naming_a_ticket_in_the_subject_gets_a_ticket_of_their_own() -> None:
    first = _receive(_mail("ada@example.com", "Router drops", "a1@example.com"))
    assert first.ticket is not None

    stranger = _receive(
        _mail("mallory@attacker.example", f"Re: [{first.ticket.reference}] x", "m1@attacker")
    )

    assert stranger.created_ticket
    assert stranger.ticket != first.ticket
    assert first.ticket.messages.count() == 1


def test_headers_win_over_the_subject() -> None:
    router = _receive(_mail("ada@example.com", "Router drops", "r1@example.com"))
    invoice = _receive(_mail("ada@example.com", "Invoice wrong", "i1@example.com"))
    assert invoice.ticket is not None

    reply = _receive(
        _mail(
            "ada@example.com",
            f"Re: [{invoice.ticket.reference}] Invoice wrong",
            "r2@example.com",
            in_reply_to="r1@example.com",
        )
    )

    assert reply.ticket == router.ticket


def test_reference_to_a_closed_ticket_starts_a_follow_up_that_later_replies_join() -> None:
    first = _receive(_mail("ada@example.com", "Router drops", "a1@example.com"))
    assert first.ticket is not None
    Ticket.objects.filter(pk=first.ticket.pk).update(status=Ticket.Status.CLOSED)
    subject = f"Re: [{first.ticket.reference}] Router drops"

    follow_up = _receive(_mail("ada@example.com", subject, "a2@example.com"))
    again = _receive(_mail("ada@example.com", subject, "a3@example.com"))

    assert follow_up.created_ticket
    assert follow_up.ticket != first.ticket
    assert again.ticket == follow_up.ticket
