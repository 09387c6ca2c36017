"""The whole e-mail loop against real servers: a customer's mail lands in the support
mailbox (Dovecot), becomes a ticket, the agent's reply reaches the customer through SMTP
(aiosmtpd) threaded, and the customer's answer to it comes back onto the same ticket."""

from __future__ import annotations

from email.message import EmailMessage
from io import StringIO

import pytest
from django.core.management import call_command

from helpdesk.channels.outgoing import outgoing_mail_deliver_due
from tests.channels.conftest import SUPPORT
from tests.channels.imap_server import Box
from tests.factories import AgentFactory
from tests.smtp_server import SmtpServer
from tickets import services
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

CUSTOMER = "lena.voss@customer.example"


def customer_mail(subject: str, body: str, message_id: str, **headers: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = f"Lena Voss <{CUSTOMER}>"
    mail["To"] = SUPPORT
    mail["Subject"] = subject
    mail["Message-ID"] = message_id
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    return mail.as_bytes()


def fetch(box: Box) -> str:
    out = StringIO()
    call_command("fetch_mail", "--url", box.url(), stdout=out)
    return out.getvalue()


def test_mail_in_reply_out_answer_back(box: Box, smtp_server: SmtpServer) -> None:
    box.append(
        customer_mail(
            "Invoice 2291 charged twice",
            "Hello, my card was charged twice for invoice 2291.",
            "<first.2291@customer.example>",
        )
    )
    assert "1 new" in fetch(box)
    ticket = Ticket.objects.get()
    assert ticket.channel == Ticket.Channel.EMAIL

    agent = AgentFactory(first_name="Maria")
    services.message_record(
        ticket=ticket, role=Message.Role.AGENT, body="Refunded today, sorry!", author=agent
    )
    assert outgoing_mail_deliver_due().delivered == 1

    (sent,) = smtp_server.mailbox.mails
    assert sent["To"].addresses[0].addr_spec == CUSTOMER
    assert sent["Subject"] == f"Re: Invoice 2291 charged twice [{ticket.reference}]"
    assert sent["In-Reply-To"] == "<first.2291@customer.example>"
    our_id = sent["Message-ID"]

    # The customer's mail program answers our mail: threading headers from what it got.
    box.append(
        customer_mail(
            f"Re: {sent['Subject']}",
            "Thank you, I see the refund.\n\nOn Thursday Maria wrote:\n> Refunded today, sorry!",
            "<second.2291@customer.example>",
            In_Reply_To=our_id,
            References=f"<first.2291@customer.example> {our_id}",
        )
    )
    assert "1 new" in fetch(box)

    assert Ticket.objects.count() == 1
    assert list(ticket.messages.order_by("id").values_list("role", "body")) == [
        ("customer", "Hello, my card was charged twice for invoice 2291."),
        ("agent", "Refunded today, sorry!"),
        ("customer", "Thank you, I see the refund."),
    ]
    assert outgoing_mail_deliver_due().attempted == 0, "a customer's message sends nothing"
