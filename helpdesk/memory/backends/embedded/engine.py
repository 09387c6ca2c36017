"""The embedded memory engine: the default backend, on the project's own database.

A backend like EverMemOS, only local: it knows what the mirror's events told it and keeps
it in its own tables (`models`), never reading the product's. Delivery records each ticket's
group (`MemoryGroup`) and indexes each message once (`MemoryDocument`, with its words as
ranking counts them and its embedding when the embedding model is installed), so that a read
prepares nothing but its query (`history`); closing a ticket, or its going quiet, extracts its
episode, facts and the customer's profile facts (`Memory`) from those documents, whose
text the mirror already masked. Every read starts from one customer's rows, so no query can
reach another customer's memories.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable

import numpy as np
from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Count, Max

from helpdesk import pii
from helpdesk.memory import ids
from helpdesk.memory.backends.embedded import history, ranking, same_problem
from helpdesk.memory.backends.embedded.extraction import (
    Extracted,
    TurnText,
    extract,
    labelled,
    newest_profile,
    profile_facts,
)
from helpdesk.memory.backends.embedded.history import (
    prepared_to_text,
    vector_from_bytes,
    vector_to_bytes,
)
from helpdesk.memory.backends.embedded.llm_extraction import llm_extract
from helpdesk.memory.backends.embedded.models import (
    Memory,
    MemoryDocument,
    MemoryGroup,
    MemoryQueryVector,
)
from helpdesk.memory.types import (
    QUERY_MAX_CHARS,
    QUERY_MAX_MESSAGES,
    BackendHealth,
    DeliveryOutcome,
    ForgetResult,
    MemoryBackendError,
    MessagePosted,
    ProfileFact,
    Source,
    Speaker,
    TicketClosed,
    TicketMatch,
    TicketMemory,
    TicketOpened,
    TicketQuiet,
)
from helpdesk.replies.llm import LanguageModelError, language_model

logger = logging.getLogger(__name__)

INDEX_CACHE_SIZE = 64
# How much of a message, and of all the customer wrote in a ticket, the context service asks
# with: the query vectors made at delivery are of those texts too, when they are longer.
ASKED_CHARS = QUERY_MAX_CHARS
ASKED_MESSAGES = QUERY_MAX_MESSAGES
QUERY_CACHE_SIZE = 256


def _customer_pk(customer_id: str) -> int:
    pk = ids.customer_pk_from_id(customer_id)
    if pk is None:
        raise MemoryBackendError(f"Not a customer id: {customer_id!r}", retryable=False)
    return pk


class EmbeddedBackend:
    name = "embedded"

    def __init__(self, *, embedder: ranking.Embedder | None = None) -> None:
        self.embedder = embedder
        # Per-process caches: a customer's index (keyed by its size and newest document, so a
        # new message rebuilds it from the stored, prepared documents) and recent query vectors.
        self._lock = threading.Lock()
        self._indexes: OrderedDict[tuple[object, ...], ranking.TicketIndex] = OrderedDict()
        self._query_vectors: OrderedDict[str, np.ndarray] = OrderedDict()

    # Writes (called by the mirror worker) ------------------------------------------------

    def deliver_ticket_opened(self, event: TicketOpened) -> DeliveryOutcome:
        customer = next((p for p in event.participants if p.speaker == Speaker.USER), None)
        group = _group_fields(
            event, name=event.name, customer_name=customer.name if customer else ""
        )
        try:
            _, created = MemoryGroup.objects.update_or_create(
                ticket_id=event.ticket_id, defaults=group
            )
        except DatabaseError as error:
            raise MemoryBackendError(str(error), retryable=True) from error
        return DeliveryOutcome.DELIVERED if created else DeliveryOutcome.DUPLICATE

    @staticmethod
    def _group_for(event: MessagePosted) -> None:
        """A message of a ticket whose opening the engine never saw (history from before the
        engine ran) still makes its group, from what the message says."""
        is_customer = event.sender.speaker == Speaker.USER
        group = _group_fields(
            event, name=event.group_name, customer_name=event.sender.name if is_customer else ""
        )
        MemoryGroup.objects.get_or_create(ticket_id=event.ticket_id, defaults=group)

    def deliver_message(self, event: MessagePosted) -> DeliveryOutcome:
        message_pk = ids.message_pk_from_id(event.message_id)
        if message_pk is None:
            raise MemoryBackendError(f"Not a message id: {event.message_id!r}", retryable=False)
        if MemoryDocument.objects.filter(message_id=message_pk).exists():
            return DeliveryOutcome.DUPLICATE
        document = ranking.Document(
            ticket_id=event.ticket_id,
            message_id=message_pk,
            text=event.content,
            created_at=event.created_at,
            speaker=event.sender.name,
        )
        customer_pk = _customer_pk(event.customer_id)
        is_customer = event.sender.speaker == Speaker.USER
        vector = None
        queries: list[MemoryQueryVector] = []
        current: set[str] | None = None  # the ticket's whole-text digests, when they changed
        if self.embedder is not None:
            embedded = self.embedder.embed_passages([ranking.passage_text(document)])[0]
            vector = vector_to_bytes(embedded)
            queries, current = self._queries_after(
                event, customer_pk=customer_pk, is_customer=is_customer
            )
        try:
            with transaction.atomic():
                self._group_for(event)
                MemoryDocument.objects.create(
                    customer_id=customer_pk,
                    ticket_id=event.ticket_id,
                    message_id=message_pk,
                    speaker=event.sender.name[:200],
                    is_customer=is_customer,
                    text=event.content,
                    created_at=event.created_at,
                    vector=vector,
                    prepared=prepared_to_text(ranking.prepare(document)),
                )
                _store_queries(queries, current, customer_pk=customer_pk, ticket_pk=event.ticket_id)
        except IntegrityError as error:
            if MemoryDocument.objects.filter(message_id=message_pk).exists():
                return DeliveryOutcome.DUPLICATE  # a concurrent delivery of the same message
            raise MemoryBackendError(str(error), retryable=True) from error
        except DatabaseError as error:
            raise MemoryBackendError(str(error), retryable=True) from error
        return DeliveryOutcome.DELIVERED

    def _queries_after(
        self, event: MessagePosted, *, customer_pk: int, is_customer: bool
    ) -> tuple[list[MemoryQueryVector], set[str] | None]:
        """The texts the engine will be asked with once this message is stored, embedded as
        queries now rather than on the read: a customer's message (the ticket page asks with
        the newest, its first 2,000 characters) and the first 2,000 characters of all the
        customer wrote in its ticket (its recurring check asks with them). Those already
        embedded are left out; nothing asks with the whole of a longer message.

        All the customer wrote in the ticket, as `TicketIndex.customer_text` joins it (asked
        with when another ticket's recurring check weighs this one), is embedded here only when
        it is those first 2,000 characters; a longer text, which each new message changes, is
        embedded once the ticket closes or goes quiet (`_ticket_text_query`).

        Also the digests of the ticket's texts as they are now (None when this message does
        not change them): the ticket's other whole-text vectors are out of date. A text that
        did not change (the first 2,000 characters once the customer wrote more) is one of
        them, though not embedded again."""
        texts: dict[str, bool] = {}  # text: whether it is all the customer wrote in the ticket
        if is_customer:
            texts[event.content[:ASKED_CHARS]] = False
        current = None
        earlier = _ticket_rows(customer_pk, event.ticket_id)
        if is_customer or not any(written for _, written, _ in earlier):
            rows = sorted([*earlier, (event.created_at, is_customer, event.content)], key=_at)
            first, whole = _ticket_texts(rows)
            if first is not None:  # as the context service asks with it
                texts[first] = True
            current = _digests(first, whole)
            if first is not None and query_digest(whole) == query_digest(first):
                texts[whole] = True
        return self._embedded(texts, customer_pk=customer_pk, ticket_pk=event.ticket_id), current

    def _embedded(
        self, texts: dict[str, bool], *, customer_pk: int, ticket_pk: int
    ) -> list[MemoryQueryVector]:
        """Query vectors of those `texts` (text: whether it is the ticket's) not stored yet."""
        by_digest = {query_digest(text): (text, whole) for text, whole in texts.items()}
        stored = set(
            MemoryQueryVector.objects.filter(
                customer_id=customer_pk, digest__in=list(by_digest)
            ).values_list("digest", flat=True)
        )
        return [
            MemoryQueryVector(
                customer_id=customer_pk,
                ticket_id=ticket_pk,
                of_ticket=whole,
                digest=digest,
                vector=vector_to_bytes(self.embedder.embed_query(text)),  # type: ignore[union-attr]
            )
            for digest, (text, whole) in by_digest.items()
            if digest not in stored
        ]

    def _ticket_text_query(self, ticket_pk: int) -> None:
        """All the customer wrote in a ticket that closed or went quiet, embedded as a query if
        it is not yet (the two-way recurring check asks with it)."""
        if self.embedder is None:
            return
        group = MemoryGroup.objects.filter(ticket_id=ticket_pk).first()
        if group is None:
            return
        rows = _ticket_rows(group.customer_id, ticket_pk)
        if not rows:
            return
        first, whole = _ticket_texts(rows)
        texts = {whole: True}
        queries = self._embedded(texts, customer_pk=group.customer_id, ticket_pk=ticket_pk)
        current = _digests(first, whole)
        try:
            with transaction.atomic():
                _store_queries(queries, current, customer_pk=group.customer_id, ticket_pk=ticket_pk)
        except DatabaseError as error:
            raise MemoryBackendError(str(error), retryable=True) from error

    def deliver_ticket_closed(self, event: TicketClosed) -> DeliveryOutcome:
        """Extract the ticket's memories again from all of its messages."""
        self._extract(ticket_pk=event.ticket_id, at=event.closed_at)
        self._ticket_text_query(event.ticket_id)
        return DeliveryOutcome.DELIVERED

    def deliver_ticket_quiet(self, event: TicketQuiet) -> DeliveryOutcome:
        """An open ticket went quiet: remember what it says so far."""
        self._extract(ticket_pk=event.ticket_id, at=event.quiet_since)
        self._ticket_text_query(event.ticket_id)
        return DeliveryOutcome.DELIVERED

    def _extract(self, *, ticket_pk: int, at: datetime.datetime) -> None:
        group = MemoryGroup.objects.filter(ticket_id=ticket_pk).first()
        if group is None:
            return  # never told of it, or forgotten meanwhile: nothing to remember
        turns = _turns(_ticket_documents(group))
        items = self._extracted(group, turns)
        with transaction.atomic():
            Memory.objects.filter(customer_id=group.customer_id, ticket_id=ticket_pk).delete()
            Memory.objects.bulk_create(
                Memory(
                    customer_id=group.customer_id,
                    ticket_id=ticket_pk,
                    source_message_id=item.message_id,
                    kind=item.kind,
                    category=item.category,
                    text=item.text,
                    created_at=at,
                )
                for item in items
            )

    @staticmethod
    def _extracted(group: MemoryGroup, turns: list[TurnText]) -> list[Extracted]:
        """The language model's memories when one is configured, else (or on failure) ours."""
        subject = group.subject or group.name
        model = language_model()
        if model is not None and turns:
            names = (group.customer_name,) if group.customer_name else ()
            try:
                return llm_extract(
                    model, turns, subject=subject, known=pii.KnownIdentifiers(names=names)
                )
            except LanguageModelError as error:
                logger.warning("LLM extraction of %s failed (%s); offline", group.name, error)
        return extract(turns, subject=subject, customer_name=group.customer_name)

    # Reads (called by the context service) ------------------------------------------------

    def customer_profile(self, *, customer_id: str, query: str = "") -> list[ProfileFact]:
        # Agents' corrections are the product's own notes, shown by the context service for
        # every backend; the engine reports only what it learned.
        memories = Memory.objects.filter(
            customer_id=_customer_pk(customer_id), kind=Memory.Kind.PROFILE
        ).order_by("-created_at", "-id")[:50]
        facts = []
        # Once per text, and once per single-valued category (where they live, their plan).
        for memory in newest_profile(memories, lambda memory: (memory.category, memory.text)):
            facts.append(
                ProfileFact(
                    text=memory.text,
                    kind=memory.category or "fact",
                    source=Source(ticket_id=memory.ticket_id, message_id=memory.source_message_id),
                    memory_id=str(memory.pk),
                )
            )
        return facts

    def ticket_memories(self, *, customer_id: str, group_id: str) -> list[TicketMemory]:
        ticket_pk = ids.ticket_pk_from_group(group_id)
        memories = Memory.objects.filter(
            customer_id=_customer_pk(customer_id),
            ticket_id=ticket_pk,
            kind__in=[Memory.Kind.EPISODE, Memory.Kind.FACT],
        ).order_by("created_at", "id")
        stored = [
            TicketMemory(
                text=memory.text,
                created_at=memory.created_at,
                source=Source(ticket_id=memory.ticket_id, message_id=memory.source_message_id),
                memory_id=str(memory.pk),
            )
            for memory in memories
        ]
        if stored:
            return stored
        if ticket_pk is None:  # not a ticket's group: no ticket's messages either
            return []
        # Not extracted yet (the ticket is still open): what the messages so far say.
        documents = MemoryDocument.objects.filter(
            customer_id=_customer_pk(customer_id), ticket_id=ticket_pk
        ).order_by("created_at", "id")
        return [
            TicketMemory(
                text=labelled(item),
                created_at=None,
                source=Source(ticket_id=ticket_pk, message_id=item.message_id),
            )
            for item in profile_facts(_turns(documents))
        ]

    def related_tickets(
        self,
        *,
        customer_id: str,
        query: str,
        exclude_group_id: str | None = None,
        limit: int = 10,
        query_time: datetime.datetime | None = None,
    ) -> list[TicketMatch]:
        customer_pk = _customer_pk(customer_id)
        exclude = ids.ticket_pk_from_group(exclude_group_id) if exclude_group_id else None
        if not query.strip():
            return []
        index = self._index(customer_pk, exclude, query)
        query_vector = None
        if self.embedder is not None and index.vectors is not None:
            query_vector = self._query_vector(query, customer_pk)
        ranked = index.rank(query, query_vector=query_vector, query_time=query_time, limit=limit)
        return [
            TicketMatch(
                ticket_id=int(hit.ticket_id),
                score=hit.score,
                snippet=hit.snippet,
                source=Source(ticket_id=int(hit.ticket_id), message_id=int(hit.best_message_id)),
            )
            for hit in ranked
        ]

    def _index(self, customer_pk: int, exclude: int | None, query: str) -> ranking.TicketIndex:
        """The customer's history without the current ticket, rebuilt only when it changed.

        Both views (with and without a ticket) come from one read of the history: the page's
        related tickets and its recurring check need one each. A history of more than
        `MEMORY_FULL_HISTORY_DOCUMENTS` messages is bounded for the query (`history`)."""
        state = MemoryDocument.objects.filter(customer_id=customer_pk).aggregate(
            count=Count("id"), last=Max("id")
        )
        version = (customer_pk, state["count"], state["last"])
        if state["count"] > settings.MEMORY_FULL_HISTORY_DOCUMENTS:
            return self._bounded_index(version, exclude, query)
        index = self._cached((*version, exclude))
        if index is not None:
            return index
        whole = self._cached((*version, None))
        if whole is None:
            whole = history.read(customer_pk, embedder=self.embedder).index()
            self._keep((*version, None), whole)
        return self._without(whole, exclude, (*version, exclude))

    def _bounded_index(
        self, version: tuple[int, int, int | None], exclude: int | None, query: str
    ) -> ranking.TicketIndex:
        """The newest tickets (prepared once per history) plus the older tickets that a
        full-text search finds for the query's rarer words (once per history and words)."""
        customer_pk = version[0]
        recent = self._cached((*version, "recent"))
        if recent is None:
            newest = history.recent_tickets(customer_pk, history.RECENT_TICKETS)
            recent = history.read(customer_pk, newest, embedder=self.embedder).index()
            self._keep((*version, "recent"), recent)
        words = history.rare_query_words(query, recent, exclude=exclude)
        key = (*version, "bounded", tuple(words), exclude)
        index = self._cached(key)
        if index is None:
            found = history.fulltext_tickets(
                customer_pk,
                words,
                exclude=[*recent.ticket_ids, *([exclude] if exclude is not None else [])],
                limit=history.CANDIDATE_TICKETS,
            )
            older = history.read(customer_pk, found, embedder=self.embedder)
            index = history.bounded_index(recent, older, exclude=exclude)
            self._keep(key, index)
        return index

    def _without(
        self, whole: ranking.TicketIndex, exclude: int | None, key: tuple[object, ...]
    ) -> ranking.TicketIndex:
        if exclude is None:
            return whole
        index = self._cached(key)
        if index is None:
            index = whole.without(exclude)
            self._keep(key, index)
        return index

    def _cached(self, key: tuple[object, ...]) -> ranking.TicketIndex | None:
        with self._lock:
            index = self._indexes.get(key)
            if index is not None:
                self._indexes.move_to_end(key)
            return index

    def _keep(self, key: tuple[object, ...], index: ranking.TicketIndex) -> None:
        with self._lock:
            self._indexes[key] = index
            self._indexes.move_to_end(key)
            while len(self._indexes) > INDEX_CACHE_SIZE:
                self._indexes.popitem(last=False)

    def _query_vector(self, query: str, customer_pk: int) -> np.ndarray:
        """The query's vector: recently used, stored when the text was delivered (for this
        customer), or embedded now."""
        with self._lock:
            vector = self._query_vectors.get(query)
        if vector is not None:
            return vector
        stored = (
            MemoryQueryVector.objects.filter(customer_id=customer_pk, digest=query_digest(query))
            .values_list("vector", flat=True)
            .first()
        )
        vector = vector_from_bytes(stored)
        if vector is None:
            vector = self.embedder.embed_query(query)  # type: ignore[union-attr]  # checked
        with self._lock:
            self._query_vectors[query] = vector
            while len(self._query_vectors) > QUERY_CACHE_SIZE:
                self._query_vectors.popitem(last=False)
        return vector

    def recurring_candidates(
        self, *, customer_id: str, query: str, group_id: str | None = None, limit: int = 10
    ) -> list[TicketMatch]:
        """Past tickets about the same problem, by the rule in `recurrence` (all three of: a top
        match, both ways, close enough); usually none."""
        customer_pk = _customer_pk(customer_id)
        if not query.strip():
            return []
        ticket_pk = ids.ticket_pk_from_group(group_id) if group_id else None
        index = self._index(customer_pk, None, query)  # whole (bounded for this text if big)
        found = same_problem.same_problem(
            index,
            ticket_id=ticket_pk if ticket_pk is not None else "query",
            text=query[: ranking.MAX_CHARS],
            query_vector=(
                functools.partial(self._query_vector, customer_pk=customer_pk)
                if self.embedder is not None
                else _no_vector
            ),
            limit=limit,
        )
        return [
            TicketMatch(
                ticket_id=int(item.ticket_id),
                score=item.similarity,
                snippet=_snippet(index.customer_text(item.ticket_id)),
                source=Source(ticket_id=int(item.ticket_id)),
            )
            for item in found
        ]

    def delete_memory(self, *, customer_id: str, memory_id: str) -> None:
        # ASCII digits only: str.isdigit() also takes "²", which int() then refuses.
        if not re.fullmatch(r"[0-9]+", memory_id):
            raise MemoryBackendError(f"Not a memory id: {memory_id!r}", retryable=False)
        Memory.objects.filter(customer_id=_customer_pk(customer_id), pk=int(memory_id)).delete()

    def forget_customer(self, *, customer_id: str) -> ForgetResult:
        customer_pk = _customer_pk(customer_id)
        with transaction.atomic():
            Memory.objects.filter(customer_id=customer_pk).delete()
            MemoryQueryVector.objects.filter(customer_id=customer_pk).delete()
            MemoryDocument.objects.filter(customer_id=customer_pk).delete()
            MemoryGroup.objects.filter(customer_id=customer_pk).delete()
        return ForgetResult()  # its own tables: nothing stays

    def health(self) -> BackendHealth:
        detail = "keyword and vector search" if self.embedder else "keyword search"
        return BackendHealth(ok=True, backend=self.name, detail=detail)


def _no_vector(text: str) -> None:
    return None


def query_digest(text: str) -> str:
    """How a query's stored vector is found: the text as it is embedded (`ranking.MAX_CHARS`)."""
    return hashlib.sha256(text[: ranking.MAX_CHARS].encode()).hexdigest()


def _at(row: tuple[datetime.datetime, bool, str]) -> datetime.datetime:
    return row[0]


def _ticket_rows(customer_pk: int, ticket_pk: int) -> list[tuple[datetime.datetime, bool, str]]:
    """A ticket's stored messages in order: (created_at, is_customer, text)."""
    return list(
        MemoryDocument.objects.filter(customer_id=customer_pk, ticket_id=ticket_pk)
        .order_by("created_at", "id")
        .values_list("created_at", "is_customer", "text")
    )


def _ticket_texts(rows: list[tuple[datetime.datetime, bool, str]]) -> tuple[str | None, str]:
    """What the recurring check asks with for a ticket (the first 2,000 characters of the
    customer's first 20 messages; None when they wrote nothing), and all the customer wrote in
    it as `TicketIndex.customer_text` joins it (every message when they wrote nothing)."""
    written = [text for _, by_customer, text in rows if by_customer]
    first = "\n".join(written[:ASKED_MESSAGES])[:ASKED_CHARS] if written else None
    return first, "\n".join(written or [text for _, _, text in rows])


def _digests(first: str | None, whole: str) -> set[str]:
    """The digests of a ticket's texts as `_ticket_texts` gives them."""
    return {query_digest(whole), *([query_digest(first)] if first else [])}


def _store_queries(
    queries: list[MemoryQueryVector],
    current: set[str] | None,
    *,
    customer_pk: int,
    ticket_pk: int,
) -> None:
    """Keep the new query vectors; the ticket's whole texts other than `current` (what the
    customer wrote in it before) are deleted, those still current kept, new or not."""
    if current:
        MemoryQueryVector.objects.filter(
            customer_id=customer_pk, ticket_id=ticket_pk, of_ticket=True
        ).exclude(digest__in=sorted(current)).delete()
    MemoryQueryVector.objects.bulk_create(queries, ignore_conflicts=True)


def _snippet(text: str, size: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def _group_fields(
    event: TicketOpened | MessagePosted, *, name: str, customer_name: str
) -> dict[str, object]:
    """A group's row as an event tells it (the opening, or any message of the ticket)."""
    return {
        "customer_id": _customer_pk(event.customer_id),
        "name": name[:500],
        "subject": event.subject[:500],
        "customer_name": customer_name[:200],
        "created_at": event.created_at,
    }


def _ticket_documents(group: MemoryGroup) -> Iterable[MemoryDocument]:
    return MemoryDocument.objects.filter(
        customer_id=group.customer_id, ticket_id=group.ticket_id
    ).order_by("created_at", "id")


def _turns(documents: Iterable[MemoryDocument]) -> list[TurnText]:
    return [
        TurnText(
            message_id=document.message_id,
            is_customer=document.is_customer,
            author=document.speaker,
            text=document.text,
        )
        for document in documents
    ]
