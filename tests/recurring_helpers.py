"""A customer whose Wi-Fi problem comes back, among tickets about other things."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from customers.models import Customer
from tests.mirror_helpers import deliver_all, ticket_with_messages
from tickets.models import Ticket

WIFI = [
    "My Fritzbox router drops the wifi connection every evening around eight.",
    "Please update the router firmware.",
]
WIFI_AGAIN = [
    "The wifi connection drops again every evening, the Fritzbox router loses it.",
    "Try another channel please.",
]
INVOICE = ["I was charged twice on my March invoice, please refund.", "Refunded."]
PASSWORD = ["I cannot reset my password, the reset email never arrives.", "Sent again."]


@dataclass
class WifiHistory:
    first: Ticket
    invoice: Ticket
    password: Ticket
    again: Ticket


def dated(ticket: Ticket, days_ago: int) -> Ticket:
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days_ago)
    )
    ticket.refresh_from_db()
    return ticket


def wifi_history(customer: Customer, *, first_days_ago: int = 20) -> WifiHistory:
    """Wi-Fi drops (closed), invoice, password, Wi-Fi drops again (open, today); delivered."""
    history = WifiHistory(
        first=dated(ticket_with_messages(customer, "Wi-Fi drops", WIFI), first_days_ago),
        invoice=dated(ticket_with_messages(customer, "Invoice", INVOICE), 15),
        password=dated(ticket_with_messages(customer, "Password", PASSWORD), 10),
        again=dated(ticket_with_messages(customer, "Wifi again", WIFI_AGAIN, close=False), 0),
    )
    deliver_all()
    return history
