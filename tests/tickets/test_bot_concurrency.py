"""The bot answers each customer message once, however many calls race for it."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connections
from rest_framework.test import APIClient

from helpdesk.assist.bot import ticket_bot_reply
from helpdesk.replies import composer
from tests.factories import CustomerFactory
from tests.mirror_helpers import deliver_all, ticket_with_messages
from tickets import services
from tickets.models import Handoff, Message, Ticket
from tickets.services import TicketConflictError

CALLS = 6


def question() -> Ticket:
    ticket = ticket_with_messages(
        CustomerFactory(name="Ada Lovelace"),
        "Invoice copy",
        ["Could you send me a copy of my last invoice?"],
        close=False,
    )
    deliver_all()
    return ticket


def all_at_once(function: Callable[..., Any], barrier: threading.Barrier) -> Callable[..., Any]:
    """`function`, once every caller has got this far: they all passed the first check."""

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return function(*args, **kwargs)

    return wrapped


@pytest.mark.django_db(transaction=True)
def test_concurrent_bot_replies_answer_the_customer_once(
    api_client: APIClient, agent: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = question()
    barrier = threading.Barrier(CALLS, timeout=30)
    monkeypatch.setattr(composer, "compose_reply", all_at_once(composer.compose_reply, barrier))
    codes: list[int] = []

    def call() -> None:
        try:
            client = APIClient()
            client.force_authenticate(agent)
            codes.append(client.post(f"/api/tickets/{ticket.pk}/bot-reply/").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=call) for _ in range(CALLS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(codes) == [200] + [409] * (CALLS - 1)
    assert ticket.messages.filter(role=Message.Role.BOT).count() == 1
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert not Handoff.objects.exists()


@pytest.mark.django_db
def test_bot_does_not_hand_over_a_message_answered_meanwhile(
    agent: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = question()
    services.message_record(
        ticket=ticket, role=Message.Role.CUSTOMER, body="Can I talk to a real person please?"
    )
    compose_handoff = composer.compose_handoff

    def answered_while_writing(*args: Any, **kwargs: Any) -> composer.Handoff:
        # Another call answers the same message while this one writes its handoff.
        services.message_record(ticket=ticket, role=Message.Role.BOT, body="Happy to help!")
        return compose_handoff(*args, **kwargs)

    monkeypatch.setattr(composer, "compose_handoff", answered_while_writing)

    with pytest.raises(TicketConflictError):
        ticket_bot_reply(ticket=ticket)

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert not Handoff.objects.exists()
    assert ticket.messages.filter(role=Message.Role.BOT).count() == 1
