"""E-mail out, against a real SMTP server on loopback (aiosmtpd): what arrives, threading,
retries while the server is down, refusals for good, and the customer's answer threading back.
"""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from helpdesk.channels.models import InboundMail, OutgoingMail
from helpdesk.channels.outgoing import outgoing_mail_deliver_due
from helpdesk.channels.services import inbound_mail_receive
from helpdesk.outbox import OutboxState
from tests.channels.conftest import SUPPORT, post_mail
from tests.factories import AgentFactory, CustomerFactory, TicketFactory
from tests.smtp_server import SmtpServer
from tickets import services
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

CUSTOMER = "ada@customer.example"


@pytest.fixture
def smtp(smtp_server: SmtpServer) -> SmtpServer:
    return smtp_server


def _customer_mail(message_id: str, subject: str, body: str, *, in_reply_to: str = "") -> bytes:
    headers = [
        f"From: Ada Lovelace <{CUSTOMER}>",
        f"To: {SUPPORT}",
        f"Subject: {subject}",
        f"Message-ID: <{message_id}>",
        "Date: Fri, 04 Dec 2026 10:00:00 +0000",
    ]
    if in_reply_to:
        headers += [f"In-Reply-To: <{in_reply_to}>", f"References: <{in_reply_to}>"]
    return ("\r\n".join(headers) + "\r\n\r\n" + body + "\r\n").encode()


def _email_ticket() -> Ticket:
    outcome = inbound_mail_receive(
        raw=_customer_mail("first.1@customer.example", "Router keeps rebooting", "It reboots.")
    )
    assert outcome.ticket is not None
    return outcome.ticket


def _reply(ticket: Ticket, body: str, *, agent: User | None = None) -> Message:
    agent = agent or AgentFactory(username="grace")
    return services.message_record(
        ticket=ticket, role=Message.Role.AGENT, body=body, author=agent, posted_by=agent
    ).message


def _parts(mail: EmailMessage) -> tuple[str, str]:
    text = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    return str(text.get_content()), str(html.get_content())


def test_an_agent_reply_arrives_threaded_with_both_parts(smtp: SmtpServer) -> None:
    ticket = _email_ticket()
    reply = _reply(ticket, "Please unplug it for 30 s.\nThen <b>restart</b> & wait.")

    report = outgoing_mail_deliver_due()

    assert report.delivered == 1
    (envelope,) = smtp.mailbox.envelopes
    assert envelope.mail_from == SUPPORT
    assert envelope.rcpt_tos == [CUSTOMER]
    (mail,) = smtp.mailbox.mails
    row = OutgoingMail.objects.get(message=reply)
    assert mail["From"] == SUPPORT
    assert CUSTOMER in mail["To"]
    assert mail["Subject"] == f"Re: Router keeps rebooting [{ticket.reference}]"
    assert mail["Message-ID"] == f"<{row.mail_id}>"
    assert row.mail_id.endswith("@helpdesk.example")
    assert mail["In-Reply-To"] == "<first.1@customer.example>"
    assert mail["References"] == "<first.1@customer.example>"
    text, html = _parts(mail)
    assert "Please unplug it for 30 s.\nThen <b>restart</b> & wait." in text.replace("\r\n", "\n")
    assert "Then &lt;b&gt;restart&lt;/b&gt; &amp; wait." in html
    assert "<b>restart" not in html
    assert "<br>" in html
    assert ticket.reference in text
    row.refresh_from_db()
    assert row.state == OutboxState.DELIVERED
    assert row.delivered_at is not None
    assert row.attempts == 1


def test_a_second_reply_references_the_whole_chain(smtp: SmtpServer) -> None:
    ticket = _email_ticket()
    _reply(ticket, "First answer.")
    outgoing_mail_deliver_due()
    first = OutgoingMail.objects.get()
    inbound_mail_receive(
        raw=_customer_mail(
            "second.2@customer.example",
            f"Re: Router keeps rebooting [{ticket.reference}]",
            "Still rebooting.",
            in_reply_to=first.mail_id,
        )
    )
    _reply(ticket, "Second answer.")
    outgoing_mail_deliver_due()

    latest = smtp.mailbox.mails[-1]
    assert latest["In-Reply-To"] == "<second.2@customer.example>"
    assert latest["References"] == (
        f"<first.1@customer.example> <{first.mail_id}> <second.2@customer.example>"
    )


def test_replies_on_other_channels_and_customer_messages_send_nothing(smtp: SmtpServer) -> None:
    chat = TicketFactory(channel=Ticket.Channel.CHAT, customer=CustomerFactory(email=CUSTOMER))
    _reply(chat, "An answer in the chat.")
    ticket = _email_ticket()
    services.message_record(ticket=ticket, role=Message.Role.CUSTOMER, body="Me again.")

    report = outgoing_mail_deliver_due()

    assert report.attempted == 0
    assert not OutgoingMail.objects.exists()
    assert smtp.mailbox.envelopes == []


def test_the_bots_reply_goes_out_marked_as_automatic(smtp: SmtpServer) -> None:
    ticket = _email_ticket()
    services.message_record(ticket=ticket, role=Message.Role.BOT, body="Try a restart.")

    outgoing_mail_deliver_due()

    (mail,) = smtp.mailbox.mails
    assert mail["Auto-Submitted"] == "auto-replied"


def test_server_down_backs_off_then_delivers_once_it_is_back(
    smtp: SmtpServer, settings: Settings
) -> None:
    ticket = _email_ticket()
    smtp.stop()
    _reply(ticket, "First.")
    _reply(ticket, "Second.")

    report = outgoing_mail_deliver_due()

    assert (report.retrying, report.delivered) == (2, 0)
    rows = list(OutgoingMail.objects.order_by("id"))
    for row in rows:
        assert row.state == OutboxState.PENDING
        assert row.attempts == 1
        assert row.next_attempt_at > timezone.now()
        assert "ConnectionRefusedError" in row.last_error
    assert outgoing_mail_deliver_due().attempted == 0  # not due yet: backing off

    smtp.start()
    OutgoingMail.objects.update(next_attempt_at=timezone.now())
    report = outgoing_mail_deliver_due()

    assert report.delivered == 2
    assert len(smtp.mailbox.envelopes) == 2
    assert set(OutgoingMail.objects.values_list("state", flat=True)) == {OutboxState.DELIVERED}


def test_a_refused_recipient_fails_for_good_and_shows_on_the_ticket(
    smtp: SmtpServer, client: Client
) -> None:
    ticket = _email_ticket()
    agent = AgentFactory(username="grace")
    smtp.mailbox.refuse = "550 5.1.1 No such user here"
    _reply(ticket, "Hello?", agent=agent)

    report = outgoing_mail_deliver_due()

    assert report.failed == 1
    row = OutgoingMail.objects.get()
    assert row.state == OutboxState.FAILED
    assert "550" in row.last_error
    assert outgoing_mail_deliver_due().attempted == 0  # never tried again by itself
    client.force_login(agent)
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert "E-mail not delivered" in page
    assert "No such user here" in page


def test_a_busy_server_4xx_is_retried(smtp: SmtpServer) -> None:
    ticket = _email_ticket()
    smtp.mailbox.refuse = "451 4.3.0 Try again later"
    _reply(ticket, "Hello?")

    assert outgoing_mail_deliver_due().retrying == 1

    row = OutgoingMail.objects.get()
    assert row.state == OutboxState.PENDING
    assert "451" in row.last_error


def test_after_max_attempts_the_mail_fails(smtp: SmtpServer, settings: Settings) -> None:
    settings.OUTGOING_MAIL_MAX_ATTEMPTS = 2
    ticket = _email_ticket()
    smtp.stop()
    _reply(ticket, "Hello?")
    outgoing_mail_deliver_due()
    OutgoingMail.objects.update(next_attempt_at=timezone.now())

    assert outgoing_mail_deliver_due().failed == 1
    assert OutgoingMail.objects.get().state == OutboxState.FAILED


def test_nothing_is_sent_twice_when_the_worker_runs_twice(smtp: SmtpServer) -> None:
    ticket = _email_ticket()
    _reply(ticket, "Once only.")

    assert outgoing_mail_deliver_due().delivered == 1
    assert outgoing_mail_deliver_due().attempted == 0
    assert len(smtp.mailbox.envelopes) == 1


def test_a_mail_another_worker_holds_is_not_sent_again(smtp: SmtpServer) -> None:
    ticket = _email_ticket()
    _reply(ticket, "Once only.")
    OutgoingMail.objects.update(
        state=OutboxState.SENDING,
        attempts=1,
        lease_expires_at=timezone.now() + timezone.timedelta(minutes=2),
    )

    assert outgoing_mail_deliver_due().attempted == 0
    assert smtp.mailbox.envelopes == []


def test_the_customers_answer_threads_back_onto_the_ticket(
    smtp: SmtpServer, gateway_client: APIClient
) -> None:
    ticket = _email_ticket()
    _reply(ticket, "Please unplug it.")
    outgoing_mail_deliver_due()
    (sent,) = smtp.mailbox.mails
    our_id = sent["Message-ID"].strip("<>")

    # No reference in the subject: only the In-Reply-To of our mail can thread it.
    response = post_mail(
        gateway_client,
        _customer_mail("answer.3@customer.example", "Re: that", "Done.", in_reply_to=our_id),
    )

    assert response.status_code in (200, 201), response.content
    answer = InboundMail.objects.get(mail_id="answer.3@customer.example")
    assert answer.message is not None
    assert answer.message.ticket_id == ticket.pk
    assert Ticket.objects.count() == 1


def test_another_sender_answering_our_mail_gets_a_ticket_of_their_own(smtp: SmtpServer) -> None:
    ticket = _email_ticket()
    _reply(ticket, "Please unplug it.")
    our_id = OutgoingMail.objects.get().mail_id
    raw = _customer_mail("spoof.4@other.example", "Re: that", "Me too", in_reply_to=our_id)
    raw = raw.replace(CUSTOMER.encode(), b"mallory@other.example")

    outcome = inbound_mail_receive(raw=raw)

    assert outcome.ticket is not None
    assert outcome.ticket.pk != ticket.pk


def test_our_own_mail_coming_back_is_a_loop(smtp: SmtpServer) -> None:
    ticket = _email_ticket()
    _reply(ticket, "Please unplug it.")
    outgoing_mail_deliver_due()
    (sent,) = smtp.mailbox.envelopes
    assert isinstance(sent.content, bytes)
    # Forwarded back to us by a rule that kept the mail as it was, From rewritten.
    raw = sent.content.replace(f"From: {SUPPORT}".encode(), f"From: {CUSTOMER}".encode())

    outcome = inbound_mail_receive(raw=raw)

    assert outcome.ignored == InboundMail.IgnoredReason.LOOP
    assert ticket.messages.count() == 2


def test_the_mail_carries_only_this_customers_thread(smtp: SmtpServer) -> None:
    ticket = _email_ticket()
    other = inbound_mail_receive(
        raw=_customer_mail("other.9@customer.example", "Printer", "Jammed.").replace(
            CUSTOMER.encode(), b"bob@else.example"
        )
    )
    assert other.ticket is not None
    _reply(other.ticket, "Answer for Bob about the printer.")
    _reply(ticket, "Answer for Ada.")
    outgoing_mail_deliver_due()

    ada = next(mail for mail in smtp.mailbox.mails if CUSTOMER in mail["To"])
    whole = ada.as_string()
    assert "bob@else.example" not in whole
    assert "other.9@customer.example" not in whole
    assert "printer" not in whole.lower()


def test_health_lists_outgoing_mail_under_outbox(smtp: SmtpServer, client: Client) -> None:
    ticket = _email_ticket()
    smtp.mailbox.refuse = "550 5.1.1 No such user here"
    _reply(ticket, "Hello?")
    outgoing_mail_deliver_due()

    body = client.get("/api/health/").json()

    assert body["outbox"]["email"]["failed"] == 1
    assert body["status"] == "degraded"


def test_the_admin_lists_outgoing_mail_and_retries_failed_mail(
    smtp: SmtpServer, superuser_client: Client
) -> None:
    ticket = _email_ticket()
    smtp.mailbox.refuse = "550 5.1.1 No such user here"
    _reply(ticket, "Hello?")
    outgoing_mail_deliver_due()
    row = OutgoingMail.objects.get()

    listing = superuser_client.get("/admin/channels/outgoingmail/?state=failed").content.decode()

    assert CUSTOMER in listing
    assert "Recipient refused: 550 5.1.1 No such user here" in listing
    assert superuser_client.get(f"/admin/channels/outgoingmail/{row.pk}/change/").status_code == 200
    assert superuser_client.get("/admin/channels/outgoingmail/add/").status_code == 403

    smtp.mailbox.refuse = ""
    superuser_client.post(
        "/admin/channels/outgoingmail/",
        {"action": "retry", "_selected_action": [row.pk]},
    )
    row.refresh_from_db()
    assert (row.state, row.attempts) == (OutboxState.PENDING, 0)
    assert outgoing_mail_deliver_due().delivered == 1
    assert len(smtp.mailbox.envelopes) == 1


def test_a_mail_whose_claim_ran_out_before_its_turn_is_handed_back_unsent(
    smtp: SmtpServer, settings: Settings
) -> None:
    ticket = _email_ticket()
    _reply(ticket, "Hello?")
    settings.OUTGOING_MAIL_LEASE_SECONDS = 0  # the claim is over as soon as it is made

    assert outgoing_mail_deliver_due().attempted == 0

    assert smtp.mailbox.envelopes == []
    row = OutgoingMail.objects.get()
    assert (row.state, row.attempts) == (OutboxState.PENDING, 0)


def test_a_mail_a_dead_worker_held_is_sent_once_its_lease_ran_out(smtp: SmtpServer) -> None:
    ticket = _email_ticket()
    _reply(ticket, "Hello?")
    OutgoingMail.objects.update(
        state=OutboxState.SENDING,
        attempts=1,
        lease_expires_at=timezone.now() - timezone.timedelta(seconds=1),
    )

    assert outgoing_mail_deliver_due().delivered == 1

    assert len(smtp.mailbox.envelopes) == 1
    assert OutgoingMail.objects.get().attempts == 2


def test_a_mail_waiting_for_the_server_says_so_on_the_ticket(
    smtp: SmtpServer, client: Client
) -> None:
    ticket = _email_ticket()
    agent = AgentFactory(username="grace")
    smtp.stop()
    _reply(ticket, "Hello?", agent=agent)
    outgoing_mail_deliver_due()

    client.force_login(agent)
    page = client.get(ticket.get_absolute_url()).content.decode()

    assert f"E-mail not delivered yet to {CUSTOMER}" in page
    assert "The mail server refused the connection" in page
    assert "Retrying" in page


def test_an_agent_reply_posted_in_a_batch_is_mailed_too(smtp: SmtpServer) -> None:
    ticket = _email_ticket()
    agent = AgentFactory()
    client = APIClient()
    client.force_authenticate(agent)

    response = client.post(
        "/api/messages/batch/",
        {
            "messages": [
                {"ticket": ticket.pk, "role": "agent", "body": "Sent from the CRM."},
                {"ticket": ticket.pk, "role": "note", "body": "Not for the customer."},
            ]
        },
        format="json",
    )

    assert response.status_code == 200
    assert outgoing_mail_deliver_due().delivered == 1
    (mail,) = smtp.mailbox.mails
    assert "Sent from the CRM." in _parts(mail)[0]
