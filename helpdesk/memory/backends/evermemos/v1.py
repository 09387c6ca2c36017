"""The EverMemOS v1 wire format (`/api/v1`, what EverMemOS `main` and EverOS serve).

One group per ticket. Messages go in batches of up to 500 (`POST /memories/group`) with
integer millisecond timestamps, a role (the customer `user`, our side `assistant`) and a
sender name; a closed or quiet ticket is flushed (`/memories/group/flush`). Reads are POST
JSON scoped by the customer's `user_id`. The contract is docs/evermemos-v1-api.md.

v1 does not de-duplicate: a re-sent message is stored and extracted twice. So before a
batch that may have gone out already (`maybe_sent`) is sent again, the group's pending raw
messages are read and the ids found there are not sent again. A 422 is never retried.

Memories carry no source message id: an episode's source is its ticket and the time of
its segment (`Source.until`); the context service maps that to our messages.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Self

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from helpdesk.memory import ids
from helpdesk.memory.backends.evermemos.http import (
    Client,
    Connection,
    check_methods,
    connection_settings,
    describe_exception,
)
from helpdesk.memory.backends.evermemos.shapes import (
    clip_query,
    content_or_stand_in,
    dedupe_facts,
    group_by_ticket,
    memory_text,
    parse_time,
    profile_data_facts,
    recurring_pick,
    require,
    text_of,
)
from helpdesk.memory.types import (
    BackendHealth,
    DeliveryOutcome,
    ForgetResult,
    MemoryBackendError,
    MessagePosted,
    ProfileFact,
    Source,
    TicketClosed,
    TicketMatch,
    TicketMemory,
    TicketOpened,
    TicketQuiet,
)

logger = logging.getLogger(__name__)

DEFAULT_PATH_PREFIX = "/api/v1"
SEARCH_METHODS = frozenset({"keyword", "vector", "hybrid", "agentic"})
MAX_BATCH = 500
# What no v1 call deletes (docs/evermemos-v1-api.md §9): erasing a customer says so.
KEPT_AFTER_FORGET = (
    "profiles",
    "segments (MemCells, with the full message text)",
    "raw messages",
)

_ADD = "/memories/group"
_FLUSH = "/memories/group/flush"
_GET = "/memories/get"
_SEARCH = "/memories/search"
_DELETE = "/memories/delete"
_GROUPS = "/groups"
_PAGE_SIZE = 100
_MAX_TOP_K = 100
_MAX_PAGES = 50


def _ms(moment: datetime.datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise MemoryBackendError(f"Refusing to send a naive datetime: {moment!r}", retryable=False)
    return int(moment.timestamp() * 1000)


class EverMemOSV1Backend(Client):
    """`MemoryBackend` over the EverMemOS v1 HTTP API, one pooled httpx client per instance."""

    name = "evermemos"
    api_version = "v1"
    batch_limit = MAX_BATCH
    # Every add upserts the group from its `group_meta` (name and description), so a
    # ticket's opened entry goes with its first batch instead of its own `/groups` call.
    registers_group_with_messages = True

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str = "",
        path_prefix: str = DEFAULT_PATH_PREFIX,
        timeout: float = 60.0,
        connect_timeout: float = 5.0,
        read_timeout: float = 10.0,
        agentic_timeout: float = 20.0,
        context_method: str = "hybrid",
        recurring_method: str = "agentic",
        client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        check_methods((context_method, recurring_method), SEARCH_METHODS, "EverMemOS v1 search")
        if agentic_timeout <= 0:
            raise ValueError("EverMemOS timeouts must be positive.")
        self._http = Connection(
            base_url=base_url,
            prefix=path_prefix,
            api_key=api_key,
            timeout=timeout,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            client=client,
            transport=transport,
        )
        self._agentic_timeout = httpx.Timeout(
            min(timeout, agentic_timeout), connect=connect_timeout
        )
        self.context_method = context_method
        self.recurring_method = recurring_method

    @classmethod
    def from_settings(cls) -> Self:
        """Build the backend from the `EVERMEMOS_*` Django settings."""
        context_method = getattr(settings, "EVERMEMOS_CONTEXT_METHOD", "hybrid")
        try:
            return cls(
                **connection_settings(DEFAULT_PATH_PREFIX),
                agentic_timeout=float(getattr(settings, "EVERMEMOS_AGENTIC_TIMEOUT", 20.0)),
                # v1 has no `rrf`: its default, hybrid, fuses keyword and vector hits itself.
                context_method="hybrid" if context_method == "rrf" else context_method,
                recurring_method=getattr(settings, "EVERMEMOS_RECURRING_METHOD", "agentic"),
            )
        except ValueError as error:
            raise ImproperlyConfigured(str(error)) from error

    # Writes (outbox worker) ---------------------------------------------------

    def deliver_ticket_opened(self, event: TicketOpened) -> DeliveryOutcome:
        """Register the group's name (an upsert: sending it twice is harmless)."""
        body = {
            "group_id": require("group_id", event.group_id),
            "name": event.name.strip() or f"Ticket {event.ticket_id}",
        }
        if event.subject.strip():
            body["description"] = event.subject.strip()
        self._post(_GROUPS, body)
        return DeliveryOutcome.DELIVERED

    def deliver_message(self, event: MessagePosted) -> DeliveryOutcome:
        (outcome,) = self.deliver_messages([event], maybe_sent=False)
        return outcome

    def deliver_messages(
        self, events: Sequence[MessagePosted], *, maybe_sent: bool
    ) -> list[DeliveryOutcome]:
        """Send one ticket's messages in one request, in order (at most `MAX_BATCH`).

        `maybe_sent`: an earlier try may have reached the server (a timeout, a 5xx, a worker
        that died). The ids already pending in the group are then answered `DUPLICATE` and
        not sent again: v1 would store them twice.
        """
        if not events:
            return []
        if len(events) > MAX_BATCH:
            raise MemoryBackendError(f"At most {MAX_BATCH} messages per batch", retryable=False)
        group = require("group_id", events[0].group_id)
        if any(event.group_id != group for event in events):
            raise MemoryBackendError("A batch holds one ticket's messages", retryable=False)
        already = self._pending_message_ids(group) if maybe_sent else set()
        to_send = [event for event in events if event.message_id not in already]
        if to_send:
            meta = {"name": to_send[0].group_name.strip() or group}
            if to_send[0].subject.strip():
                meta["description"] = to_send[0].subject.strip()
            body = {
                "group_id": group,
                "group_meta": meta,
                "messages": [self._wire_message(event) for event in to_send],
            }
            self._post(_ADD, body)
        return [
            DeliveryOutcome.DUPLICATE if event.message_id in already else DeliveryOutcome.DELIVERED
            for event in events
        ]

    def _wire_message(self, event: MessagePosted) -> dict[str, Any]:
        speaker = event.sender.speaker
        sender = require("sender", event.customer_id if speaker == "user" else event.sender.id)
        return {
            "message_id": require("message_id", event.message_id),
            "sender_id": sender,
            "sender_name": event.sender.name.strip() or sender,
            "role": "user" if speaker == "user" else "assistant",
            "timestamp": _ms(event.created_at),
            "content": content_or_stand_in(event.content),
        }

    def _pending_message_ids(self, group: str) -> set[str]:
        """Message ids among the group's pending raw messages (oldest first, at most 100)."""
        pending = self._pending_messages(group)
        found = {str(m.get("message_id")) for m in pending}
        if len(pending) >= _MAX_TOP_K:
            logger.warning(
                "EverMemOS group %s has %s or more pending messages: a resend may duplicate "
                "messages beyond them",
                group,
                _MAX_TOP_K,
            )
        return found

    def deliver_ticket_closed(self, event: TicketClosed) -> DeliveryOutcome:
        """Extract what the ticket's pending messages say; a second flush does nothing."""
        self._post(_FLUSH, {"group_id": require("group_id", event.group_id)})
        return DeliveryOutcome.DELIVERED

    def deliver_ticket_quiet(self, event: TicketQuiet) -> DeliveryOutcome:
        self._post(_FLUSH, {"group_id": require("group_id", event.group_id)})
        return DeliveryOutcome.DELIVERED

    def delete_memory(self, *, customer_id: str, memory_id: str) -> None:
        """Soft-delete one segment (`memory_id` is an episode's `parent_id`): 204."""
        require("customer_id", customer_id)
        self._post(_DELETE, {"memory_id": require("memory_id", memory_id)})

    def forget_customer(self, *, customer_id: str) -> ForgetResult:
        """Delete the customer's episodes and their tickets' group episodes.

        v1 cannot delete `KEPT_AFTER_FORGET`; erasing them needs the server's database.
        """
        owner = require("customer_id", customer_id)
        groups = sorted(
            {str(e["group_id"]) for e in self._all_episodes(owner) if e.get("group_id")}
        )
        for group in groups:
            self._post(_DELETE, {"group_id": group})
        self._post(_DELETE, {"user_id": owner})
        logger.warning(
            "EverMemOS v1 deleted the episodes of %s (%s tickets) but cannot delete its %s: "
            "erase them in the EverMemOS databases",
            owner,
            len(groups),
            ", ".join(KEPT_AFTER_FORGET),
        )
        return ForgetResult(kept=KEPT_AFTER_FORGET)

    # Reads (context service) --------------------------------------------------

    def customer_profile(self, *, customer_id: str, query: str = "") -> list[ProfileFact]:
        """Every page of the customer's profiles (one per ticket), merged."""
        owner = require("customer_id", customer_id)
        facts: list[ProfileFact] = []
        for row in self._pages("profile", {"user_id": owner}, "profiles"):
            if row.get("user_id") not in (None, owner):
                continue
            group = row.get("group_id") if isinstance(row.get("group_id"), str) else None
            source = Source(ticket_id=ids.ticket_pk_from_group(group))
            memory_id = str(row.get("id") or "")
            facts.extend(
                ProfileFact(text=text, kind=kind, source=source, memory_id=memory_id)
                for text, kind in profile_data_facts(row.get("profile_data"))
            )
        return dedupe_facts(facts)

    def ticket_memories(self, *, customer_id: str, group_id: str) -> list[TicketMemory]:
        """The customer's episodes of this ticket, then its messages not extracted yet."""
        owner = require("customer_id", customer_id)
        group = require("group_id", group_id)
        ticket = ids.ticket_pk_from_group(group)
        memories = []
        for item in self._pages("episodic_memory", {"user_id": owner, "group_id": group}):
            text = memory_text(item)
            if item.get("user_id") != owner or item.get("group_id") != group or not text:
                continue
            moment = parse_time(item.get("timestamp"))
            memories.append(
                TicketMemory(
                    text=text,
                    created_at=moment,
                    source=Source(ticket_id=ticket, until=moment),
                    memory_id=str(item.get("parent_id") or ""),
                )
            )
        for message in self._pending_messages(group):
            text = " ".join(
                text_of(item.get("text"))
                for item in message.get("content_items") or []
                if isinstance(item, dict)
            ).strip()
            if message.get("group_id") not in (None, group) or not text:
                continue
            memories.append(
                TicketMemory(
                    text=text,
                    created_at=parse_time(message.get("timestamp")),
                    source=Source(
                        ticket_id=ticket,
                        message_id=ids.message_pk_from_id(str(message.get("message_id") or "")),
                    ),
                )
            )
        return memories

    def related_tickets(
        self,
        *,
        customer_id: str,
        query: str,
        exclude_group_id: str | None = None,
        limit: int = 10,
        query_time: datetime.datetime | None = None,
    ) -> list[TicketMatch]:
        return self._ticket_matches(
            customer_id=customer_id,
            query=query,
            methods=(self.context_method, "keyword"),
            exclude_group_id=exclude_group_id,
            limit=limit,
        )

    def recurring_candidates(
        self, *, customer_id: str, query: str, group_id: str | None = None, limit: int = 10
    ) -> list[TicketMatch]:
        """The best past ticket, only when it clearly stands out (the rule of v0).

        The recurring method (agentic) has its own timeout; on a timeout, as on an empty
        answer, hybrid and then keyword are asked instead.
        """
        matches = self._ticket_matches(
            customer_id=customer_id,
            query=query,
            methods=(self.recurring_method, "hybrid", "keyword"),
            exclude_group_id=group_id,
            limit=2,
        )
        return recurring_pick(matches, limit)

    def health(self) -> BackendHealth:
        """`GET /health`, then whether `/api/v1` exists (a search without a body: 400 on
        v1, 404 on a server without v1). Never raises."""
        try:
            response = self._http.get_health()
        except Exception as error:  # a probe reports every failure and never raises
            return BackendHealth(ok=False, backend=self.name, detail=describe_exception(error))
        if not response.is_success:
            return BackendHealth(
                ok=False, backend=self.name, detail=f"HTTP {response.status_code} from /health"
            )
        try:
            probe = self._http.client.post(
                f"{self._http.base_url}{self._http.prefix}{_SEARCH}",
                timeout=self._http.health_timeout,
            )
        except Exception as error:  # as above
            return BackendHealth(ok=False, backend=self.name, detail=describe_exception(error))
        if probe.status_code in (404, 405):
            return BackendHealth(ok=False, backend=self.name, detail=self._wrong_version())
        return BackendHealth(ok=True, backend=self.name, detail="v1 healthy")

    # Internals ----------------------------------------------------------------

    def _wrong_version(self) -> str:
        return (
            f"EverMemOS at {self._http.base_url} does not serve {self._http.prefix} "
            "(404): it does not speak v1; set EVERMEMOS_API_VERSION=v0 for an older server"
        )

    def _post(
        self, path: str, body: Mapping[str, Any], *, timeout: httpx.Timeout | None = None
    ) -> Any:
        try:
            _, answer = self._http.request("POST", path, body=body, timeout=timeout)
        except MemoryBackendError as error:
            if error.status == 404 and "not found:" not in str(error).lower():
                raise MemoryBackendError(self._wrong_version(), retryable=False) from error
            raise
        return answer

    def _read(
        self, path: str, body: Mapping[str, Any], *, timeout: httpx.Timeout | None = None
    ) -> dict[str, Any]:
        answer = self._post(path, body, timeout=timeout or self._http.read_timeout)
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, dict):
            raise MemoryBackendError(f"EverMemOS {path} answered without data", retryable=False)
        return data

    def _pages(
        self, memory_type: str, filters: dict[str, Any], key: str = "episodes"
    ) -> list[dict[str, Any]]:
        """Every page of `/memories/get`, read until `total_count` is reached."""
        items: list[dict[str, Any]] = []
        for page in range(1, _MAX_PAGES + 1):
            body = {
                "memory_type": memory_type,
                "filters": filters,
                "page": page,
                "page_size": _PAGE_SIZE,
            }
            data = self._read(_GET, body)
            batch = _items(data, key, _GET)
            items.extend(batch)
            total = data.get("total_count")
            if not batch or not isinstance(total, int) or len(items) >= total:
                break
        return items

    def _pending_messages(self, group: str) -> list[dict[str, Any]]:
        """The group's raw messages not extracted yet (oldest first, at most 100)."""
        body = {
            "query": "pending",
            "method": "keyword",
            "memory_types": ["raw_message"],
            "top_k": _MAX_TOP_K,
            "filters": {"group_id": group},
        }
        return _items(self._read(_SEARCH, body), "raw_messages", _SEARCH)

    def _all_episodes(self, owner: str) -> list[dict[str, Any]]:
        return self._pages("episodic_memory", {"user_id": owner})

    def _ticket_matches(
        self,
        *,
        customer_id: str,
        query: str,
        methods: Iterable[str],
        exclude_group_id: str | None,
        limit: int,
    ) -> list[TicketMatch]:
        owner = require("customer_id", customer_id)
        text = clip_query(query)
        if not text or limit <= 0:
            return []
        top_k = min(_MAX_TOP_K, max(limit * 5, 10))
        tried: list[str] = []
        matches: list[TicketMatch] = []
        for method in methods:
            if method in tried:
                continue
            tried.append(method)
            timeout = self._agentic_timeout if method == "agentic" else None
            body = {
                "query": text,
                "method": method,
                "memory_types": ["episodic_memory"],
                "top_k": top_k,
                "filters": {"user_id": owner},
            }
            try:
                data = self._read(_SEARCH, body, timeout=timeout)
            except MemoryBackendError as error:
                if method != "agentic" or "timed out" not in str(error):
                    raise
                logger.info("EverMemOS agentic search timed out; falling back")
                continue
            hits = _items(data, "episodes", _SEARCH)
            matches = group_by_ticket(
                hits,
                exclude_group_id=exclude_group_id,
                is_own=lambda hit: hit.get("user_id") == owner,
                source_of=lambda hit, ticket_pk: Source(
                    ticket_id=ticket_pk, until=parse_time(hit.get("timestamp"))
                ),
            )
            if matches:
                break
        return matches[:limit]


def _items(data: Mapping[str, Any], key: str, path: str) -> list[dict[str, Any]]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise MemoryBackendError(f"EverMemOS {path} {key!r} is not a list", retryable=False)
    return [item for item in value if isinstance(item, dict)]
