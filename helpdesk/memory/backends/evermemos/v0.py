"""The EverMemOS v0 wire format (`/api/v0`, the frozen `agent_memory` branch).

Paths, field names, query encoding, both response envelopes and the ISO time format of
v0 live here; the HTTP plumbing is `http`, the shared reading of answers `shapes`. The
contract is described in docs/evermemos-api.md.

Deliveries are never retried here: the outbox worker retries with backoff and
uses `MemoryBackendError.retryable` / `retry_after`. Reads retry once when the
connection breaks before an answer arrives (a stale pooled connection).
"""

from __future__ import annotations

import datetime
import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Self

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from helpdesk.memory import ids
from helpdesk.memory.backends.evermemos.http import (
    ERROR_DETAIL_CHARS,
    Client,
    Connection,
    QueryParams,
    check_methods,
    connection_settings,
    describe_exception,
)
from helpdesk.memory.backends.evermemos.shapes import (
    as_list,
    clip_query,
    content_or_stand_in,
    dedupe_facts,
    explicit_kind,
    first_time,
    group_by_ticket,
    memory_text,
    profile_data_facts,
    recurring_pick,
    require,
    score_of,
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

RETRIEVE_METHODS = frozenset({"keyword", "vector", "hybrid", "rrf", "agentic"})
DEFAULT_PATH_PREFIX = "/api/v0"
DEFAULT_BOT_NAME = "Helpdesk bot"
SCENE_DESCRIPTION = "customer support helpdesk"

_MESSAGES_PATH = "/memories"
_SEARCH_PATH = "/memories/search"
_META_PATH = "/memories/conversation-meta"

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_RERANK_FAILED_SCORE = -100.0
_PAGE_SIZE = 100
_MAX_PAGES = 50  # 5,000 rows: a bound, should `total_count` never be reached
_MAX_TOP_K = 100

# What `forget_customer` cannot delete: no v0 call removes them (docs: §7).
KEPT_AFTER_FORGET = ("profiles", "pending messages (not yet extracted)")

# The global scene is looked up (and created only when missing) once per process and
# endpoint: the server keeps it, so it is created once per deployment.
_scene_lock = threading.Lock()
_scene_configured: set[str] = set()


class EverMemOSBackend(Client):
    """`MemoryBackend` over the EverMemOS v0 HTTP API, one pooled httpx client per instance."""

    name = "evermemos"

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str = "",
        path_prefix: str = DEFAULT_PATH_PREFIX,
        timeout: float = 60.0,
        connect_timeout: float = 5.0,
        read_timeout: float = 10.0,
        context_method: str = "hybrid",
        recurring_method: str = "agentic",
        bot_name: str = DEFAULT_BOT_NAME,
        client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        check_methods((context_method, recurring_method), RETRIEVE_METHODS, "EverMemOS retrieve")
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
        self.context_method = context_method
        self.recurring_method = recurring_method
        self.bot_name = bot_name

    @classmethod
    def from_settings(cls) -> Self:
        """Build the backend from the `EVERMEMOS_*` Django settings."""
        try:
            return cls(
                **connection_settings(DEFAULT_PATH_PREFIX),
                context_method=getattr(settings, "EVERMEMOS_CONTEXT_METHOD", "hybrid"),
                recurring_method=getattr(settings, "EVERMEMOS_RECURRING_METHOD", "agentic"),
            )
        except ValueError as error:
            raise ImproperlyConfigured(str(error)) from error

    # Writes (outbox worker) ---------------------------------------------------

    def ensure_global_scene(self) -> None:
        """Create the global conversation meta (scene `assistant`) unless the server has one.

        POST upserts the whole record (a new `created_at` each time), so it is sent only when
        `GET` without a group answers 404 or a record without a scene: once per deployment.
        The lookup itself is made once per process and endpoint."""
        key = f"{self._http.base_url}{self._http.prefix}"
        with _scene_lock:
            if key in _scene_configured:
                return
            if self._global_scene_exists():
                _scene_configured.add(key)
                return
            body = {
                "created_at": _wire_time(datetime.datetime.now(tz=datetime.UTC)),
                "scene": "assistant",
                "scene_desc": {"description": SCENE_DESCRIPTION},
            }
            _, answer = self._http.request("POST", _META_PATH, body=body)
            _check_envelope(answer, "POST", _META_PATH)
            _scene_configured.add(key)

    def _global_scene_exists(self) -> bool:
        try:
            _, answer = self._http.request(
                "GET", _META_PATH, timeout=self._http.read_timeout, attempts=2
            )
        except MemoryBackendError as error:
            if error.status == httpx.codes.NOT_FOUND:
                return False
            raise
        record = _result_of(answer, "GET", _META_PATH)
        return record.get("group_id") is None and bool(record.get("scene"))

    def deliver_ticket_opened(self, event: TicketOpened) -> DeliveryOutcome:
        self.ensure_global_scene()
        body = {
            "group_id": require("group_id", event.group_id),
            "name": event.name.strip() or f"Ticket {event.ticket_id}",
            "created_at": _wire_time(event.created_at),
            "user_details": {
                participant.id: {"full_name": participant.name, "role": str(participant.speaker)}
                for participant in event.participants
            },
        }
        _, answer = self._http.request("POST", _META_PATH, body=body)
        _check_envelope(answer, "POST", _META_PATH)
        return DeliveryOutcome.DELIVERED

    def deliver_message(self, event: MessagePosted) -> DeliveryOutcome:
        speaker = event.sender.speaker
        # The customer's messages are owned by the customer id; ours by `assistant_*` ids.
        sender = require("sender", event.customer_id if speaker == "user" else event.sender.id)
        body = {
            "message_id": require("message_id", event.message_id),
            "create_time": _wire_time(event.created_at),
            "sender": sender,
            "sender_name": event.sender.name or sender,
            "role": str(speaker),
            "content": content_or_stand_in(event.content),
            "group_id": require("group_id", event.group_id),
            "group_name": event.group_name,
        }
        return self._post_message(body)

    def deliver_ticket_closed(self, event: TicketClosed) -> DeliveryOutcome:
        status = event.status.strip().lower()
        body = {
            "message_id": ids.closing_message_id(event.ticket_id, event.sequence),
            "create_time": _wire_time(event.closed_at),
            "sender": ids.BOT_SENDER,
            "sender_name": self.bot_name,
            "role": "assistant",
            "content": f"Ticket closed as {status}." if status else "Ticket closed.",
            "group_id": require("group_id", event.group_id),
            "flush": True,
        }
        return self._post_message(body)

    def deliver_ticket_quiet(self, event: TicketQuiet) -> DeliveryOutcome:
        """Flush a quiet ticket's buffered messages so its memories are extracted now."""
        body = {
            "message_id": require("message_id", event.message_id),
            "create_time": _wire_time(event.quiet_since),
            "sender": ids.BOT_SENDER,
            "sender_name": self.bot_name,
            "role": "assistant",
            "content": "No reply for a while; the conversation is paused.",
            "group_id": require("group_id", event.group_id),
            "flush": True,
        }
        return self._post_message(body)

    def delete_memory(self, *, customer_id: str, memory_id: str) -> None:
        """Soft-delete one segment (`memory_id` is a segment id, a hit's `parent_id`)."""
        owner = require("customer_id", customer_id)
        target = require("memory_id", memory_id)
        _, answer = self._http.request(
            "DELETE", _MESSAGES_PATH, body={"memory_id": target, "user_id": owner}
        )
        _check_envelope(answer, "DELETE", _MESSAGES_PATH)

    def forget_customer(self, *, customer_id: str) -> ForgetResult:
        """Delete every segment the customer owns; return what v0 cannot delete."""
        owner = require("customer_id", customer_id)
        _, answer = self._http.request("DELETE", _MESSAGES_PATH, body={"user_id": owner})
        _check_envelope(answer, "DELETE", _MESSAGES_PATH)
        logger.warning(
            "EverMemOS v0 deleted the segments of %s but cannot delete its %s",
            owner,
            ", ".join(KEPT_AFTER_FORGET),
        )
        return ForgetResult(kept=KEPT_AFTER_FORGET)

    # Reads (context service) --------------------------------------------------

    def customer_profile(self, *, customer_id: str, query: str = "") -> list[ProfileFact]:
        owner = require("customer_id", customer_id)
        text = clip_query(query)
        if text:
            params = [("user_id", owner), ("memory_types", "profile"), ("query", text)]
            result = self._read(_SEARCH_PATH, params)
            facts = _facts_from_search(_list_field(result, "profiles", _SEARCH_PATH))
        else:
            pages = self._fetch_all([("user_id", owner), ("memory_type", "profile")])
            facts = [fact for result in pages for fact in _facts_from_fetch(result, owner)]
        return dedupe_facts(facts)

    def ticket_memories(self, *, customer_id: str, group_id: str) -> list[TicketMemory]:
        """The customer's episodes of this ticket (every page), then its messages that are
        not extracted yet (search `pending_messages`), so an open ticket is not empty."""
        owner = require("customer_id", customer_id)
        group = require("group_id", group_id)
        params = [("user_id", owner), ("group_ids", group), ("memory_type", "episodic_memory")]
        items = [
            item
            for result in self._fetch_all(params)
            for item in _list_field(result, "memories", _MESSAGES_PATH)
        ]
        memories = []
        for item in items:
            if not _is_episode_of(item, owner) or item.get("group_id") not in (None, group):
                continue
            text = memory_text(item)
            if not text:
                continue
            memories.append(
                TicketMemory(
                    text=text,
                    created_at=first_time(item, "timestamp", "start_time", "created_at"),
                    source=_source_of(item, group),
                    memory_id=_segment_id(item),
                )
            )
        memories.extend(self._pending_memories(group))
        return memories

    def related_tickets(
        self,
        *,
        customer_id: str,
        query: str,
        exclude_group_id: str | None = None,
        limit: int = 10,
        query_time: datetime.datetime | None = None,  # EverMemOS ignores current_time
    ) -> list[TicketMatch]:
        return self._ticket_matches(
            customer_id=customer_id,
            query=query,
            method=self.context_method,
            exclude_group_id=exclude_group_id,
            limit=limit,
        )

    def recurring_candidates(
        self, *, customer_id: str, query: str, group_id: str | None = None, limit: int = 10
    ) -> list[TicketMatch]:
        """The best past ticket, when it clearly stands out (`shapes.recurring_pick`)."""
        matches = self._ticket_matches(
            customer_id=customer_id,
            query=query,
            method=self.recurring_method,
            exclude_group_id=group_id,
            limit=2,
        )
        return recurring_pick(matches, limit)

    def health(self) -> BackendHealth:
        """Probe `GET /health` (unauthenticated). Never raises."""
        try:
            response = self._http.get_health()
        except Exception as error:  # a probe reports every failure and never raises
            return BackendHealth(ok=False, backend=self.name, detail=describe_exception(error))
        if not response.is_success:
            return BackendHealth(
                ok=False, backend=self.name, detail=f"HTTP {response.status_code} from /health"
            )
        try:
            payload = response.json()
        except ValueError:
            payload = None
        status = payload.get("status") if isinstance(payload, dict) else None
        detail = str(status) if status else f"HTTP {response.status_code}"
        return BackendHealth(ok=True, backend=self.name, detail=detail)

    # Internals ----------------------------------------------------------------

    def _post_message(self, body: dict[str, Any]) -> DeliveryOutcome:
        status_code, answer = self._http.request("POST", _MESSAGES_PATH, body=body)
        if status_code == httpx.codes.ACCEPTED:
            # Self-hosted `sync_mode=false` background answer: {message, request_id}.
            return DeliveryOutcome.DELIVERED
        envelope = _check_envelope(answer, "POST", _MESSAGES_PATH)
        result = envelope.get("result")
        status_info = result.get("status_info") if isinstance(result, dict) else None
        if envelope.get("status") == "duplicate" or status_info == "duplicate":
            return DeliveryOutcome.DUPLICATE
        return DeliveryOutcome.DELIVERED

    def _fetch_all(self, params: QueryParams) -> list[dict[str, Any]]:
        """Every page of `GET /memories`, read until the rows seen reach `total_count`."""
        results: list[dict[str, Any]] = []
        seen = 0
        for page in range(1, _MAX_PAGES + 1):
            result = self._read(
                _MESSAGES_PATH,
                [*params, ("page", str(page)), ("page_size", str(_PAGE_SIZE))],
            )
            results.append(result)
            rows = _rows_in_page(result)
            seen += rows
            total = result.get("total_count")
            if rows == 0 or not isinstance(total, int) or isinstance(total, bool):
                break
            if seen >= total:
                break
        else:
            logger.warning(
                "EverMemOS %s has more than %s pages; read the first ones only",
                _MESSAGES_PATH,
                _MAX_PAGES,
            )
        return results

    def _pending_memories(self, group: str) -> list[TicketMemory]:
        """The group's messages not extracted into a segment yet, oldest first."""
        params = [
            ("group_ids", group),
            ("memory_types", "episodic_memory"),
            ("retrieve_method", "keyword"),
            ("top_k", "1"),
        ]
        result = self._read(_SEARCH_PATH, params, timeout=self._http.keyword_timeout)
        pending = result.get("pending_messages")
        ticket = ids.ticket_pk_from_group(group)
        memories = []
        for message in pending if isinstance(pending, list) else []:
            if not isinstance(message, dict) or message.get("group_id") not in (None, group):
                continue
            text = text_of(message.get("content"))
            if not text:
                continue
            memories.append(
                TicketMemory(
                    text=text,
                    created_at=first_time(message, "message_create_time", "created_at"),
                    source=Source(
                        ticket_id=ticket,
                        message_id=ids.message_pk_from_id(str(message.get("message_id") or "")),
                    ),
                )
            )
        memories.sort(key=lambda memory: memory.created_at or _EPOCH)
        return memories

    def _ticket_matches(
        self,
        *,
        customer_id: str,
        query: str,
        method: str,
        exclude_group_id: str | None,
        limit: int,
    ) -> list[TicketMatch]:
        owner = require("customer_id", customer_id)
        text = clip_query(query)
        if not text or limit <= 0:
            return []
        top_k = min(_MAX_TOP_K, max(limit * 5, 10))
        hits = self._search_episodes(owner=owner, query=text, method=method, top_k=top_k)
        if method != "keyword" and _needs_keyword_fallback(hits):
            logger.info("EverMemOS %s search was empty or unscored; retrying as keyword", method)
            hits = self._search_episodes(owner=owner, query=text, method="keyword", top_k=top_k)
        matches = group_by_ticket(
            hits,
            exclude_group_id=exclude_group_id,
            is_own=lambda hit: _is_episode_of(hit, owner),
            source_of=lambda hit, _ticket_pk: _source_of(hit, hit.get("group_id")),
        )
        return matches[:limit]

    def _search_episodes(
        self, *, owner: str, query: str, method: str, top_k: int
    ) -> list[dict[str, Any]]:
        params = [
            ("query", query),
            ("user_id", owner),
            ("memory_types", "episodic_memory"),
            ("retrieve_method", method),
            ("top_k", str(top_k)),
        ]
        timeout = self._http.keyword_timeout if method == "keyword" else self._http.read_timeout
        result = self._read(_SEARCH_PATH, params, timeout=timeout)
        return _list_field(result, "memories", _SEARCH_PATH)

    def _read(
        self, path: str, params: QueryParams, *, timeout: httpx.Timeout | None = None
    ) -> dict[str, Any]:
        _, answer = self._http.request(
            "GET", path, params=params, timeout=timeout or self._http.read_timeout, attempts=2
        )
        return _result_of(answer, "GET", path)


# Wire helpers: requests -------------------------------------------------------


def _wire_time(moment: datetime.datetime) -> str:
    """An aware time as UTC ISO-8601 ending in `+00:00`, checked to parse back to itself."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise MemoryBackendError(f"Refusing to send a naive datetime: {moment!r}", retryable=False)
    text = moment.astimezone(datetime.UTC).isoformat()
    if not text.endswith("+00:00") or datetime.datetime.fromisoformat(text) != moment:
        raise MemoryBackendError(f"Time {moment!r} did not format cleanly", retryable=False)
    return text


# Wire helpers: responses ------------------------------------------------------


def _check_envelope(answer: Any, method: str, path: str) -> dict[str, Any]:
    """A write's answer: a JSON object that does not report failure."""
    if answer is None:
        return {}
    if not isinstance(answer, dict):
        raise MemoryBackendError(
            f"EverMemOS {method} {path} answered an unexpected shape", retryable=False
        )
    if answer.get("status") in {"failed", "error"}:
        detail = str(answer.get("message") or "")[:ERROR_DETAIL_CHARS]
        raise MemoryBackendError(
            f"EverMemOS {method} {path} reported failure: {detail}", retryable=False
        )
    return answer


def _result_of(answer: Any, method: str, path: str) -> dict[str, Any]:
    """A read's payload: `result` of `{status, message, result}`, or a bare result object."""
    envelope = _check_envelope(answer, method, path)
    result = envelope.get("result", envelope)
    if not isinstance(result, dict):
        raise MemoryBackendError(
            f"EverMemOS {method} {path} answered an unexpected result shape", retryable=False
        )
    return result


def _list_field(result: Mapping[str, Any], key: str, path: str) -> list[dict[str, Any]]:
    """`result[key]` as a list of objects. A result without the key is another API's shape."""
    if key not in result:
        raise MemoryBackendError(
            f"EverMemOS {path} answered without {key!r}: is EVERMEMOS_PATH_PREFIX right?",
            retryable=False,
        )
    value = result[key]
    if value is None:
        return []
    if not isinstance(value, list):
        raise MemoryBackendError(f"EverMemOS {path} {key!r} is not a list", retryable=False)
    return [item for item in value if isinstance(item, dict)]


def _segment_id(item: Mapping[str, Any]) -> str:
    """The id a delete targets: the segment (`parent_id`), else the memory's own id."""
    for key in ("parent_id", "id", "episode_id"):
        value = item.get(key)
        if value:
            return str(value)
    return ""


def _is_episode_of(item: Mapping[str, Any], owner: str) -> bool:
    """The customer's own copy of an episode; group copies and other owners are dropped."""
    memory_type = item.get("memory_type")
    if memory_type not in (None, "episodic_memory"):
        return False
    return item.get("user_id") == owner


def _source_of(item: Mapping[str, Any], group_id: str | None) -> Source:
    return Source(
        ticket_id=ids.ticket_pk_from_group(group_id),
        message_id=_first_message_pk(item.get("original_data")),
    )


def _first_message_pk(original_data: Any) -> int | None:
    """The first of the source messages whose id is one of ours (`msg_<pk>`).

    The real server keeps it in `original_data.messages[i].extend.message_id`; a bare
    `message_id` on the message (or on a list entry, the older shape) is read too."""
    for message in _source_messages(original_data):
        extend = message.get("extend")
        candidates = [extend.get("message_id") if isinstance(extend, dict) else None]
        candidates.append(message.get("message_id"))
        for candidate in candidates:
            pk = ids.message_pk_from_id(str(candidate or ""))
            if pk is not None:
                return pk
    return None


def _source_messages(original_data: Any) -> list[dict[str, Any]]:
    """The message objects of `original_data`: `{messages: [...]}`, or a list of those, of
    messages, or of `{data|message: message}` entries."""
    entries = [original_data] if isinstance(original_data, dict) else as_list(original_data)
    found: list[dict[str, Any]] = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        if isinstance(entry.get("messages"), list):
            found.extend(m for m in entry["messages"] if isinstance(m, dict))
            continue
        found.append(entry)
        found.extend(entry[key] for key in ("data", "message") if isinstance(entry.get(key), dict))
    return found


def _rows_in_page(result: Mapping[str, Any]) -> int:
    """The rows one fetch page holds; a self-hosted profile wrapper counts its profiles."""
    memories = result.get("memories")
    if not isinstance(memories, list):
        return 0
    rows = 0
    for item in memories:
        if isinstance(item, dict) and "profile_data" not in item and "profiles" in item:
            rows += len(as_list(item.get("profiles")))
        else:
            rows += 1
    return rows


def _needs_keyword_fallback(hits: Sequence[Mapping[str, Any]]) -> bool:
    """Nothing came back, or a rerank batch failed (its hits score -100)."""
    return not hits or any(score_of(hit.get("score")) <= _RERANK_FAILED_SCORE for hit in hits)


# Profiles ---------------------------------------------------------------------


def _facts_from_search(items: Iterable[Mapping[str, Any]]) -> list[ProfileFact]:
    """Search profile hits: `explicit_info` {category, description} or
    `implicit_trait` {trait_name, description}; best score first."""
    ranked = sorted(items, key=lambda item: -score_of(item.get("score")))
    facts = []
    for item in ranked:
        if item.get("item_type") == "implicit_trait":
            text = text_of(item.get("description")) or text_of(item.get("trait_name"))
            kind = "trait"
        else:
            text = text_of(item.get("description"))
            kind = explicit_kind(item.get("category"))
        if text:
            facts.append(ProfileFact(text=text, kind=kind))
    return facts


def _facts_from_fetch(result: Mapping[str, Any], owner: str) -> list[ProfileFact]:
    """Fetched profiles in either shape: self-hosted wrappers `{user_id, profiles: [row],
    global_profile}` or SDK rows `{id, user_id, group_id, profile_data}`."""
    if "profiles" in result and "memories" not in result:
        entries: list[dict[str, Any]] = [dict(result)]
    else:
        entries = _list_field(result, "memories", _MESSAGES_PATH)
    facts: list[ProfileFact] = []
    for entry in entries:
        if "profile_data" in entry:
            rows: list[Any] = [entry]
        else:
            if entry.get("user_id") not in (None, owner):
                continue
            rows = list(entry.get("profiles") or [])
            if isinstance(entry.get("global_profile"), dict):
                rows.append(entry["global_profile"])
        for row in rows:
            if not isinstance(row, dict) or row.get("user_id") not in (None, owner):
                continue
            group_id = row.get("group_id") if isinstance(row.get("group_id"), str) else None
            source = Source(ticket_id=ids.ticket_pk_from_group(group_id))
            memory_id = str(row.get("id") or "")
            data = row.get("profile_data", row)
            facts.extend(
                ProfileFact(text=text, kind=kind, source=source, memory_id=memory_id)
                for text, kind in profile_data_facts(data)
            )
    return facts
