"""The embedded engine prepares documents when they are delivered; a read prepares only its query.

A fresh backend (a new process) builds a customer's index from the stored rows: no document is
tokenized or embedded again, and the ranking is the one the documents' own text gives. The
texts a ticket's context asks with (the newest customer message, all the customer wrote in a
ticket) are embedded as queries when delivered too, so a context read embeds nothing.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from helpdesk.memory import ids
from helpdesk.memory.backends.embedded import history, ranking
from helpdesk.memory.backends.embedded.engine import EmbeddedBackend, query_digest
from helpdesk.memory.models import MemoryDocument, MemoryQueryVector
from helpdesk.memory.selectors.context import ticket_context
from helpdesk.memory.types import Participant, Speaker, TicketQuiet
from tests.factories import CustomerFactory
from tests.memory.builders import customer_participant, message_posted, ticket_closed
from tests.mirror_helpers import deliver_all, ticket_with_messages

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
CONVERSATION = ROOT / "helpdesk" / "demo_data" / "locomo" / "conv-26.json"
QUESTIONS = ROOT / "tests" / "data" / "locomo_conv26_qa.json"
CUSTOMER = ids.customer_id(7)
DAY = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)


class CountingEmbedder:
    """Deterministic vectors from the text's hash; counts what it was asked to embed."""

    def __init__(self) -> None:
        self.passages: list[str] = []
        self.queries: list[str] = []

    @staticmethod
    def _vector(text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
        vector = np.random.default_rng(seed).standard_normal(16).astype(np.float32)
        return vector / np.linalg.norm(vector)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.passages += texts
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, 16))

    def embed_query(self, text: str) -> np.ndarray:
        self.queries.append(text)
        return self._vector("query: " + text)


def _deliver(backend: EmbeddedBackend, messages: list[tuple[int, str]], first: int = 1) -> None:
    """Messages (ticket, text) to the engine, the customer and an agent taking turns."""
    agent = Participant(id=ids.agent_sender(3), name="Maria Garcia", speaker=Speaker.ASSISTANT)
    for number, (ticket, text) in enumerate(messages, first):
        sender = customer_participant(CUSTOMER) if number % 2 else agent
        event = message_posted(
            number,
            ticket_pk=ticket,
            sender=sender,
            content=text,
            created_at=DAY + datetime.timedelta(hours=number),
        )
        backend.deliver_message(event)


HISTORY = [
    (1, "My printer shows offline since this morning."),
    (1, "Please restart the printer and check the cable."),
    (2, "The invoice for March charged me twice."),
    (2, "We refunded the second charge of the March invoice."),
    (3, "The wifi drops every evening at eight."),
]


def test_delivery_stores_each_documents_words() -> None:
    _deliver(EmbeddedBackend(embedder=CountingEmbedder()), HISTORY)

    for row in MemoryDocument.objects.all():
        document = ranking.Document(
            ticket_id=row.ticket_id, message_id=row.message_id, text=row.text, speaker=row.speaker
        )
        stored = history.prepared_from_text(row.prepared, ranking.prepared_version())
        assert stored == ranking.prepare(document)
        assert row.vector is not None


def test_a_fresh_backend_tokenizes_and_embeds_only_the_query(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _deliver(EmbeddedBackend(embedder=CountingEmbedder()), HISTORY)
    embedder = CountingEmbedder()
    fresh = EmbeddedBackend(embedder=embedder)  # as in a new process: no cached index
    tokenized: list[str] = []
    tokenize = ranking.tokenize

    def counting(text: str) -> list[str]:
        tokenized.append(text)
        return tokenize(text)

    monkeypatch.setattr(ranking, "tokenize", counting)
    query = "charged twice for the invoice"
    matches = fresh.related_tickets(customer_id=CUSTOMER, query=query)

    assert [m.ticket_id for m in matches][:1] == [2]
    assert embedder.passages == []
    assert embedder.queries == [query]
    assert set(tokenized) == {query}


def test_a_new_message_is_prepared_when_delivered_and_found_by_a_fresh_backend() -> None:
    _deliver(EmbeddedBackend(embedder=CountingEmbedder()), HISTORY)
    EmbeddedBackend(embedder=CountingEmbedder()).related_tickets(customer_id=CUSTOMER, query="x")
    _deliver(EmbeddedBackend(embedder=CountingEmbedder()), [(4, "My parcel never arrived.")], 9)

    row = MemoryDocument.objects.get(ticket_id=4)
    assert row.prepared
    assert row.vector is not None
    embedder = CountingEmbedder()
    matches = EmbeddedBackend(embedder=embedder).related_tickets(
        customer_id=CUSTOMER, query="parcel never arrived"
    )
    assert matches[0].ticket_id == 4
    assert embedder.passages == []


def test_documents_stored_unprepared_are_prepared_once_and_stored() -> None:
    _deliver(EmbeddedBackend(embedder=None), HISTORY)  # keyword-only when they came
    MemoryDocument.objects.update(prepared="")  # as before documents were prepared
    MemoryDocument.objects.filter(ticket_id=3).update(prepared='["0w",{},{}]')  # other rules

    embedder = CountingEmbedder()
    first = EmbeddedBackend(embedder=embedder).related_tickets(customer_id=CUSTOMER, query="wifi")
    assert len(embedder.passages) == len(HISTORY)  # embedded once, for the first read
    assert all(row.prepared and row.vector for row in MemoryDocument.objects.all())

    again = CountingEmbedder()
    second = EmbeddedBackend(embedder=again).related_tickets(customer_id=CUSTOMER, query="wifi")
    assert again.passages == []
    assert second == first


def test_forgetting_the_customer_deletes_the_prepared_documents() -> None:
    backend = EmbeddedBackend(embedder=CountingEmbedder())
    _deliver(backend, HISTORY)
    other = message_posted(99, ticket_pk=50, customer_id=ids.customer_id(8), content="Hello")
    backend.deliver_message(other)

    backend.forget_customer(customer_id=CUSTOMER)

    assert list(MemoryDocument.objects.values_list("customer_id", flat=True)) == [8]
    assert set(MemoryQueryVector.objects.values_list("customer_id", flat=True)) == {8}
    assert EmbeddedBackend(embedder=None).related_tickets(customer_id=CUSTOMER, query="wifi") == []


def test_what_the_customer_wrote_is_embedded_as_queries_when_delivered() -> None:
    _deliver(EmbeddedBackend(embedder=CountingEmbedder()), HISTORY)
    more = [(1, "It still says offline."), (1, "Try the blue button.")]
    _deliver(EmbeddedBackend(embedder=CountingEmbedder()), more, 7)

    stored = set(MemoryQueryVector.objects.values_list("ticket_id", "digest", "of_ticket"))
    customer_wrote = "My printer shows offline since this morning.\nIt still says offline."
    assert stored == {
        (1, query_digest(customer_wrote), True),  # the first message's is replaced
        (1, query_digest("It still says offline."), False),
        (2, query_digest("The invoice for March charged me twice."), True),
        (3, query_digest("The wifi drops every evening at eight."), True),
    }
    fresh = CountingEmbedder()
    backend = EmbeddedBackend(embedder=fresh)
    backend.related_tickets(customer_id=CUSTOMER, query="It still says offline.")
    backend.recurring_candidates(
        customer_id=CUSTOMER, query=customer_wrote, group_id=ids.group_id(1)
    )
    assert fresh.queries == fresh.passages == []


def test_a_tickets_context_read_by_a_fresh_backend_embeds_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    customer = CustomerFactory(name="Ada Lovelace")
    wifi = ["My wifi drops every evening.", "Restart the router.", "Did that, no change."]
    ticket_with_messages(customer, "Wifi", wifi)
    ticket_with_messages(customer, "Invoice", ["I was charged twice.", "Refunded."])
    current = ticket_with_messages(customer, "Wifi again", ["The wifi drops again."], close=False)
    deliver_all(EmbeddedBackend(embedder=CountingEmbedder()))
    embedder = CountingEmbedder()
    fresh = EmbeddedBackend(embedder=embedder)
    monkeypatch.setattr("helpdesk.memory.selectors.context.get_backend", lambda: fresh)
    monkeypatch.setattr("helpdesk.memory.selectors.recurring.get_backend", lambda: fresh)

    context = ticket_context(ticket=current)

    assert context.is_available
    assert {past.subject for past in context.related_tickets} == {"Wifi", "Invoice"}
    assert embedder.queries == embedder.passages == []


def _conversation() -> tuple[list[tuple[int, str, bool, datetime.datetime]], str]:
    conversation = json.loads(CONVERSATION.read_text())["conversation"]
    messages = []
    for key in sorted(conversation, key=lambda k: (len(k), k)):
        if not key.startswith("session_") or key.endswith("date_time"):
            continue
        number = int(key.split("_")[1])
        when = datetime.datetime.strptime(
            conversation[f"{key}_date_time"], "%I:%M %p on %d %B, %Y"
        ).replace(tzinfo=datetime.UTC)
        for offset, turn in enumerate(conversation[key]):
            is_customer = turn["speaker"] == conversation["speaker_a"]
            stamp = when + datetime.timedelta(minutes=offset)
            messages.append((number, turn["text"], is_customer, stamp))
    return messages, conversation["speaker_a"]


@pytest.mark.slow
@pytest.mark.parametrize("dense", [False, True], ids=["keywords", "keywords-and-vectors"])
def test_ranking_from_prepared_rows_is_the_ranking_from_text(dense: bool) -> None:
    """A LoCoMo history, ranked by the engine from its stored rows and by `rank_tickets` from
    the documents' text (every word counted afresh): the same tickets, scores and messages."""
    messages, name = _conversation()
    embedder = CountingEmbedder() if dense else None
    backend = EmbeddedBackend(embedder=embedder)
    documents = []
    for number, (ticket, text, is_customer, stamp) in enumerate(messages, 1):
        sender = (
            customer_participant(CUSTOMER, name=name)
            if is_customer
            else Participant(id=ids.agent_sender(3), name="Agent", speaker=Speaker.ASSISTANT)
        )
        event = message_posted(
            number, ticket_pk=ticket, sender=sender, content=text, created_at=stamp
        )
        backend.deliver_message(event)
        documents.append(
            ranking.Document(
                ticket_id=ticket,
                message_id=number,
                text=text,
                created_at=stamp,
                speaker=sender.name,
                is_customer=is_customer,
            )
        )
    questions = [q["question"] for q in json.loads(QUESTIONS.read_text())["qa"]][:40]
    fresh = EmbeddedBackend(embedder=CountingEmbedder() if dense else None)
    when = messages[-1][3] + datetime.timedelta(days=1)
    for question in questions:
        stored = fresh.related_tickets(customer_id=CUSTOMER, query=question, query_time=when)
        from_text = ranking.rank_tickets(
            question,
            documents,
            query_time=when,
            limit=10,
            embedder=CountingEmbedder() if dense else None,
        )
        assert [(m.ticket_id, m.score, m.source.message_id) for m in stored] == [
            (r.ticket_id, r.score, r.best_message_id) for r in from_text
        ]


def test_long_texts_are_also_embedded_as_the_context_service_cuts_them() -> None:
    long = " ".join(f"word{number}" for number in range(400))  # ~3,000 characters
    backend = EmbeddedBackend(embedder=CountingEmbedder())
    _deliver(backend, [(5, long)])

    stored = set(MemoryQueryVector.objects.values_list("digest", flat=True))

    assert stored == {query_digest(long[:2000])}  # the whole waits for the ticket to close
    fresh = CountingEmbedder()
    EmbeddedBackend(embedder=fresh).related_tickets(customer_id=CUSTOMER, query=long[:2000])
    assert fresh.queries == []

    backend.deliver_ticket_closed(ticket_closed(5, customer_id=CUSTOMER))

    stored = set(MemoryQueryVector.objects.values_list("digest", flat=True))
    assert stored == {query_digest(long), query_digest(long[:2000])}


def test_a_long_tickets_first_2000_characters_stay_stored_as_the_customer_writes_on() -> None:
    """Once what the customer wrote in a ticket passes 2,000 characters, its first 2,000 (what
    the recurring check asks with) no longer change: their vector stays, not embedded again.
    The whole text, which each message changes, is embedded when the ticket closes."""
    said = [" ".join(f"part{n}word{i}" for i in range(90)) for n in range(4)]  # ~1,000 each
    asked = []
    for number, text in enumerate(said):  # the customer's messages (odd numbers), one ticket
        embedder = CountingEmbedder()
        _deliver(EmbeddedBackend(embedder=embedder), [(6, text)], 2 * number + 1)
        asked.append(embedder.queries)
        written = "\n".join(said[: number + 1])
        fresh = CountingEmbedder()
        EmbeddedBackend(embedder=fresh).recurring_candidates(
            customer_id=CUSTOMER, query=written[:2000], group_id=ids.group_id(6)
        )
        assert fresh.queries == [], number

    joined = "\n".join(said)
    assert asked[3] == [said[3]]  # neither the first 2,000 characters again nor the whole
    stored = set(MemoryQueryVector.objects.filter(of_ticket=True).values_list("digest", flat=True))
    assert stored == {query_digest(joined[:2000])}
    closing = CountingEmbedder()
    EmbeddedBackend(embedder=closing).deliver_ticket_closed(ticket_closed(6, customer_id=CUSTOMER))
    assert closing.queries == [joined]
    stored = set(MemoryQueryVector.objects.filter(of_ticket=True).values_list("digest", flat=True))
    assert stored == {query_digest(joined[:2000]), query_digest(joined)}
    fresh = CountingEmbedder()
    EmbeddedBackend(embedder=fresh)._query_vector(joined, 7)  # as the two-way check asks
    assert fresh.queries == []


def test_a_long_message_is_embedded_as_queries_only_as_far_as_they_are_asked() -> None:
    """The ticket page asks with a message's first 2,000 characters: the whole of a longer one
    is not embedded as a query, unless it is all the customer wrote in the ticket."""
    long = " ".join(f"word{number}" for number in range(400))  # ~3,000 characters
    _deliver(EmbeddedBackend(embedder=CountingEmbedder()), [(5, "The printer is offline.")])
    embedder = CountingEmbedder()
    _deliver(EmbeddedBackend(embedder=embedder), [(5, long)], 3)

    joined = "The printer is offline.\n" + long
    assert sorted(embedder.queries, key=len) == [long[:2000], joined[:2000]]


def test_a_context_read_embeds_nothing_when_several_messages_hold_masked_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The mirror masks each message on its own (`<SECRET_1>` in each); the recurring check asks
    with the customer's messages masked the same way, so the engine finds the vector it stored
    for the ticket's text (masking them joined would number the second `<SECRET_2>`)."""
    customer = CustomerFactory(name="Ada Lovelace")
    key = "sk-abcdef1234567890abcdef1234567890"
    said = [f"The API rejects my key {key}.", "Try again.", f"Rotated: sk-{key[3:][::-1]}"]
    ticket_with_messages(customer, "API key", ["The API rejects my key.", "Fixed."])
    current = ticket_with_messages(customer, "API key again", said, close=False)
    deliver_all(EmbeddedBackend(embedder=CountingEmbedder()))
    stored = MemoryDocument.objects.filter(ticket_id=current.pk, is_customer=True)
    assert all("<SECRET_1>" in text for text in stored.values_list("text", flat=True))
    embedder = CountingEmbedder()
    fresh = EmbeddedBackend(embedder=embedder)
    monkeypatch.setattr("helpdesk.memory.selectors.context.get_backend", lambda: fresh)
    monkeypatch.setattr("helpdesk.memory.selectors.recurring.get_backend", lambda: fresh)

    assert ticket_context(ticket=current).is_available
    assert embedder.queries == embedder.passages == []


def test_a_long_tickets_whole_text_is_embedded_when_it_goes_quiet() -> None:
    long = " ".join(f"word{number}" for number in range(400))  # ~3,000 characters
    _deliver(EmbeddedBackend(embedder=CountingEmbedder()), [(5, long)])
    embedder = CountingEmbedder()
    quiet = TicketQuiet(
        group_id=ids.group_id(5),
        ticket_id=5,
        customer_id=CUSTOMER,
        message_id=ids.quiet_message_id(5, 1),
        quiet_since=DAY + datetime.timedelta(hours=3),
    )

    EmbeddedBackend(embedder=embedder).deliver_ticket_quiet(quiet)

    assert embedder.queries == [long]
    assert MemoryQueryVector.objects.filter(digest=query_digest(long), of_ticket=True).exists()
