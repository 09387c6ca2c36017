"""bench/import_load_set.py: the benchmark's load set, deterministic and resumable."""

from __future__ import annotations

from io import StringIO

import pytest

from customers.models import Customer
from helpdesk.memory.models import MirrorEntry
from tickets.models import Message

try:
    from bench.import_load_set import run
    from bench.loadset import DATA, load_customer, ticket_count
except ImportError:  # pragma: no cover - bench/ sits beside manage.py in a checkout
    DATA = None

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        DATA is None or not (DATA / "twitter_cdp").is_dir(),
        reason="the shared data (../shared/data or SHARED_DATA) is not on this machine",
    ),
]


def test_import_load_set_imports_the_customers_with_their_outbox() -> None:
    run(customers=3, stdout=StringIO())

    assert Customer.objects.count() == 3
    assert Customer.objects.filter(tickets__isnull=True).count() == 0
    assert Message.objects.count() == MirrorEntry.objects.filter(kind="message").count() > 0


def test_import_load_set_resumes_where_it_stopped() -> None:
    run(customers=2, batch=1, stdout=StringIO())
    messages = Message.objects.count()
    out = StringIO()

    run(customers=3, batch=1, stdout=out)

    assert "2 already stored" in out.getvalue()
    assert Customer.objects.count() == 3
    assert Message.objects.count() > messages
    assert Message.objects.count() == MirrorEntry.objects.filter(kind="message").count()


def test_load_set_customers_are_the_same_at_every_level() -> None:
    first, again = load_customer(7), load_customer(7)

    assert first == again
    assert 1 <= len(first.tickets) == ticket_count(7) <= 30
    assert first != load_customer(7, seed=1)
