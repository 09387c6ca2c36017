"""The same mail posted by several gateways at once is stored once."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections
from rest_framework.test import APIClient

from helpdesk.channels import services
from helpdesk.channels.models import InboundMail
from tests.channels.conftest import mail_bytes, post_mail
from tests.conftest import token_client
from tests.factories import IntegrationFactory
from tickets.models import Message, Ticket

CALLS = 4


def first_call_waits_for_all(
    function: Callable[..., Any], barrier: threading.Barrier
) -> Callable[..., Any]:
    """`function`; each thread's first call then waits until every thread has made its own:
    all of them have looked for the mail and not found it."""
    seen = threading.local()

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        if not getattr(seen, "done", False):
            seen.done = True
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()
        return result

    return wrapped


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_of_one_mail_store_one_message(monkeypatch: pytest.MonkeyPatch) -> None:
    gateway = IntegrationFactory(username="mail-gateway")
    barrier = threading.Barrier(CALLS, timeout=30)
    monkeypatch.setattr(
        services,
        "inbound_mail_by_mail_id",
        first_call_waits_for_all(services.inbound_mail_by_mail_id, barrier),
    )
    raw = mail_bytes("gmail_new_plain.eml")
    codes: list[int] = []

    def call() -> None:
        try:
            client: APIClient = token_client(gateway)
            codes.append(post_mail(client, raw).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=call) for _ in range(CALLS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(codes) == [200] * (CALLS - 1) + [201]
    assert Message.objects.count() == 1
    assert Ticket.objects.count() == 1
    assert InboundMail.objects.count() == 1
