"""Customer histories for the browser tests, written through the services and delivered to memory.

They double as the README's screenshots, so they read like a real queue.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.utils import timezone

from customers.models import Customer
from tests.factories import AgentFactory, CustomerFactory
from tests.mirror_helpers import deliver_all
from tickets import services
from tickets.models import Message, Ticket

CUSTOMER = Message.Role.CUSTOMER
AGENT = Message.Role.AGENT
BOT = Message.Role.BOT

SCRIPT = "<script>alert(1)</script>"
IMAGE = '<img src=x onerror="window.__pwned = true; alert(2)">'


@dataclass(frozen=True)
class History:
    agent: User
    colleague: User
    customer: Customer
    open_ticket: Ticket
    related_past_ticket: Ticket
    past_tickets: tuple[Ticket, ...]


def _ticket(
    customer: Customer,
    subject: str,
    turns: list[tuple[str, str]],
    *,
    opened: datetime.datetime,
    resolve: bool,
    agent: User | None = None,
    priority: str = Ticket.Priority.NORMAL,
) -> Ticket:
    """A ticket opened at `opened` with one message every few minutes, assigned to `agent`
    if given, resolved if `resolve`."""
    ticket = services.ticket_create(
        customer=customer, subject=subject, priority=priority, created_at=opened
    )
    if agent is not None:
        services.ticket_assign(ticket=ticket, assignee=agent, actor=agent)
    for index, (role, body) in enumerate(turns):
        services.message_record(
            ticket=ticket,
            role=role,
            body=body,
            created_at=opened + datetime.timedelta(minutes=4 * index),
            author=agent if role == AGENT else None,
        )
    if resolve:
        services.ticket_close(ticket=ticket, status=Ticket.Status.RESOLVED, actor=agent)
    return ticket


def ada_with_history() -> History:
    """Ada's Wi-Fi drops again; months ago a firmware update fixed the same thing.

    Three resolved tickets give her profile facts and past tickets; three other customers
    fill the queue. Everything is delivered to memory, so the panels have content.
    """
    now = timezone.now()
    agent = AgentFactory(username="maria", first_name="Maria", last_name="Garcia")
    ada = CustomerFactory(
        external_id="crm-4711",
        name="Ada Lovelace",
        email="ada@example.com",
        phone="+44 20 7946 0815",
        created_at=now - datetime.timedelta(days=700),
    )
    wifi = _ticket(
        ada,
        "Wi-Fi drops every evening",
        [
            (CUSTOMER, "My Fritzbox 7590 router drops the wifi every evening around 8pm."),
            (CUSTOMER, "I work from home. I prefer to be contacted by email."),
            (
                AGENT,
                "Thanks Ada. Please update the router to firmware 7.57 and restart it; "
                "that version fixes the evening drops on the 7590.",
            ),
            (CUSTOMER, "Updated to firmware 7.57 and the wifi is stable for three days. Thanks!"),
        ],
        opened=now - datetime.timedelta(days=230),
        resolve=True,
        agent=agent,
    )
    invoice = _ticket(
        ada,
        "Charged twice in March",
        [
            (CUSTOMER, "I was charged twice for my Fibre 250 plan in March."),
            (AGENT, "Sorry about that: the second charge is refunded on the April invoice."),
            (CUSTOMER, "Got it, thank you."),
        ],
        opened=now - datetime.timedelta(days=160),
        resolve=True,
        agent=agent,
    )
    moving = _ticket(
        ada,
        "Moving the line to a new address",
        [
            (CUSTOMER, "I moved to Cambridge last month and need the line moved to 12 Mill Road."),
            (AGENT, "Done: the line moves on 14 June, and an engineer visit is booked."),
        ],
        opened=now - datetime.timedelta(days=75),
        resolve=True,
        agent=agent,
    )

    _ticket(
        CustomerFactory(name="Charles Babbage", external_id="crm-1815"),
        "Invoice shows the wrong address",
        [(CUSTOMER, "My latest invoice still shows my old address in Marylebone.")],
        opened=now - datetime.timedelta(hours=26),
        resolve=False,
        agent=agent,
    )
    _ticket(
        CustomerFactory(name="Grace Hopper", external_id="crm-1906"),
        "Cannot log in to the customer app",
        [
            (CUSTOMER, "The app says my password is wrong, but it works on the website."),
            (BOT, "Sorry about that! Try resetting your password from the login screen."),
            (CUSTOMER, "I did, twice. Still the same error."),
        ],
        opened=now - datetime.timedelta(hours=5),
        resolve=False,
        priority=Ticket.Priority.HIGH,
    )
    _ticket(
        CustomerFactory(name="Alan Turing", external_id="crm-1912"),
        "Upgrade to Fibre 500?",
        [(CUSTOMER, "Is Fibre 500 available at my address yet, and what would it cost?")],
        opened=now - datetime.timedelta(hours=3),
        resolve=False,
    )

    current = _ticket(
        ada,
        "Wi-Fi dropping again in the evenings",
        [
            (CUSTOMER, "Hi, the wifi keeps dropping again every evening."),
            (BOT, "Sorry to hear that. An agent will look at your connection shortly."),
            (
                CUSTOMER,
                "It dropped three times tonight between 8 and 10pm, just like last spring. "
                "Did the Fritzbox firmware update get undone?",
            ),
        ],
        opened=now - datetime.timedelta(minutes=40),
        resolve=False,
    )
    deliver_all()
    return History(
        agent=agent,
        colleague=AgentFactory(username="tom", first_name="Tom", last_name="Baker"),
        customer=ada,
        open_ticket=current,
        related_past_ticket=wifi,
        past_tickets=(wifi, invoice, moving),
    )


def hostile_history() -> History:
    """A customer whose name, subjects and messages carry markup that must never run."""
    now = timezone.now()
    agent = AgentFactory(username="maria", first_name="Maria", last_name="Garcia")
    mallory = CustomerFactory(name=f"Mallory {IMAGE}", external_id="crm-0666")
    past = _ticket(
        mallory,
        f"Router page {SCRIPT}",
        [
            (CUSTOMER, f"My router status page shows {SCRIPT} and {IMAGE} in the name field."),
            (AGENT, "That is the device name you set; we reset it for you."),
        ],
        opened=now - datetime.timedelta(days=30),
        resolve=True,
        agent=agent,
    )
    current = _ticket(
        mallory,
        f"Router page again {IMAGE}",
        [(CUSTOMER, f"My router status page shows {SCRIPT} and {IMAGE} again.\nSecond line.")],
        opened=now - datetime.timedelta(minutes=10),
        resolve=False,
    )
    deliver_all()
    return History(
        agent=agent,
        colleague=AgentFactory(username="tom", first_name="Tom", last_name="Baker"),
        customer=mallory,
        open_ticket=current,
        related_past_ticket=past,
        past_tickets=(past,),
    )
