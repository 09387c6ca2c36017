"""A loopback EverMemOS v0 server for tests.

It speaks the v0 contract of docs/evermemos-api.md over real HTTP and is
stricter than the real server: everything the contract calls an error (and
the silent pitfalls, such as `+00:00Z` times) answers 400 with the self-hosted
error envelope. Memory is simple: a flush turns a group's buffered messages
into one segment (a group episode, one copy per human sender and a profile
row), and search scores episodes by keyword overlap.

Answers have the real server's shapes: a segment's source messages are under
`original_data.messages`, each naming our message id only in `extend.message_id`;
search returns the buffered messages as `pending_messages`; fetch pages count rows
(`total_count`), profile rows too, also inside the self-hosted profile wrapper.

The HTTP server, the request log and fault injection are `loopback.LoopbackServer`.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Literal

from tests.memory.loopback import (
    HttpError,
    LoopbackServer,
    RecordedRequest,
)

ROLES = {"user", "assistant", "tool"}
SCENES = {"assistant", "group_chat"}
RETRIEVE_METHODS = {"keyword", "vector", "hybrid", "rrf", "agentic"}
SEARCH_TYPES = {"episodic_memory", "profile", "agent_case", "agent_skill"}
UNSEARCHABLE_TYPES = {"foresight", "event_log"}
FETCH_TYPES = {"episodic_memory", "profile", "foresight", "event_log", "agent_case", "agent_skill"}
USER_DETAIL_KEYS = {"full_name", "role", "custom_role", "extra"}
GLOBAL_ONLY_FIELDS = ("scene", "scene_desc", "llm_custom_setting")
PENDING_FIELDS = (
    "id",
    "request_id",
    "message_id",
    "group_id",
    "user_id",
    "sender",
    "sender_name",
    "group_name",
    "content",
    "refer_list",
    "message_create_time",
    "created_at",
    "updated_at",
)
MAX_GROUP_IDS = 50
BUFFER_LIMIT = 50
ProfileShape = Literal["wrapper", "rows"]
_WORD = re.compile(r"\w+")
_NON_HUMAN = re.compile(r"robot|assistant", re.IGNORECASE)


@dataclass
class Segment:
    id: str
    group_id: str
    owners: list[str]
    deleted: bool = False


def now_iso() -> str:
    return datetime.datetime.now(tz=datetime.UTC).isoformat()


def strict_time(value: Any, field_name: str) -> datetime.datetime:
    """ISO-8601 with an offset (`+00:00` or `Z`, never both); anything else is a 400 here."""
    if not isinstance(value, str) or not value.strip():
        raise HttpError(400, f"{field_name} must be an ISO-8601 string")
    text = value.strip()
    if re.search(r"[+-]\d{2}:?\d{2}Z$", text):
        raise HttpError(400, f"{field_name} has both an offset and Z: {value}")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError as error:
        raise HttpError(400, f"{field_name} is not ISO-8601: {value}") from error
    if moment.tzinfo is None:
        raise HttpError(400, f"{field_name} has no UTC offset: {value}")
    return moment


def source_message(
    *, message_id: str, sender: str, sender_name: str, role: str, content: str, create_time: str
) -> dict[str, Any]:
    """One source message of a segment, in the real server's shape: no top-level
    `message_id`, the client's id kept in `extend`."""
    return {
        "sender": sender,
        "sender_name": sender_name,
        "role": role,
        "content": content,
        "create_time": create_time,
        "extend": {"message_id": message_id},
    }


def words(text: str) -> set[str]:
    return {word.lower() for word in _WORD.findall(text or "")}


def _present(body: dict[str, Any], key: str) -> bool:
    """A null field counts as absent."""
    return body.get(key) is not None


class EverMemOSServer(LoopbackServer):
    """The v0 contract; start with `start()` (or as a context manager)."""

    api_version = "v0"
    message_path = "/memories"

    def __init__(self, *, api_key: str = "", prefix: str = "/api/v0") -> None:
        super().__init__(api_key=api_key, prefix=prefix)
        self.accept_in_background = False
        self.profile_shape: ProfileShape = "wrapper"
        self._seen_messages: set[tuple[str, str, str]] = set()
        self._messages: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._buffers: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._episodes: list[dict[str, Any]] = []
        self._segments: dict[str, Segment] = {}
        self._profiles: dict[tuple[str, str], dict[str, Any]] = {}
        self._global_meta: dict[str, Any] | None = None
        self._group_meta: dict[str, dict[str, Any]] = {}
        self._request_status: dict[str, dict[str, Any]] = {}
        self._counter = 0

    # Inspection ---------------------------------------------------------------

    def messages(self, group_id: str) -> list[dict[str, Any]]:
        """Messages stored for a group, in arrival order (duplicates excluded)."""
        with self._lock:
            return [dict(message) for message in self._messages.get(group_id, [])]

    def posted_message_ids(self, request: RecordedRequest) -> list[str]:
        """The message id one add request carried."""
        body = request.json if isinstance(request.json, dict) else {}
        return [str(body.get("message_id"))]

    def pending(self, group_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(message) for message in self._buffers.get(group_id, [])]

    def episodes(self, *, include_deleted: bool = False) -> list[dict[str, Any]]:
        with self._lock:
            return [
                dict(episode)
                for episode in self._episodes
                if include_deleted or not self._segments[episode["parent_id"]].deleted
            ]

    def meta(self, group_id: str | None = None) -> dict[str, Any] | None:
        with self._lock:
            record = self._global_meta if group_id is None else self._group_meta.get(group_id)
            return dict(record) if record else None

    # Seeding ------------------------------------------------------------------

    def add_episode(
        self,
        *,
        group_id: str,
        user_id: str,
        episode: str,
        subject: str = "",
        summary: str = "",
        timestamp: str | None = None,
        message_ids: tuple[str, ...] = (),
    ) -> str:
        """Store a segment with a group episode and `user_id`'s copy; return the segment id."""
        messages = [
            source_message(
                message_id=message_id,
                sender=user_id,
                sender_name=user_id,
                role="user",
                content=episode,
                create_time=timestamp or now_iso(),
            )
            for message_id in message_ids
        ]
        with self._lock:
            return self._store_segment(
                group_id=group_id,
                group_name=subject or group_id,
                owners=[user_id],
                episode=episode,
                subject=subject or group_id,
                summary=summary or episode[:120],
                timestamp=timestamp or now_iso(),
                original_data=messages,
            )

    def add_profile(
        self,
        *,
        user_id: str,
        group_id: str,
        explicit: tuple[tuple[str, str], ...] = (),
        traits: tuple[tuple[str, str], ...] = (),
    ) -> None:
        """Add (category, description) facts and (trait_name, description) traits."""
        with self._lock:
            data = self._profile_row(user_id, group_id)["profile_data"]
            data["explicit_info"].extend(
                {"category": category, "description": description, "evidence": ""}
                for category, description in explicit
            )
            data["implicit_traits"].extend(
                {"trait_name": name, "description": description, "basis": ""}
                for name, description in traits
            )

    # Request handling (called from handler threads) ---------------------------

    def _error_body(self, status: int, message: str, request: RecordedRequest) -> dict[str, Any]:
        return {
            "status": "failed",
            "code": "SYSTEM_ERROR" if status >= 500 else "HTTP_ERROR",
            "message": message,
            "timestamp": now_iso(),
            "path": request.path,
        }

    def _route(self, request: RecordedRequest, *, bad_json: bool) -> tuple[int, Any]:
        if request.path == "/health" and request.method == "GET":
            return 200, {"status": "healthy", "timestamp": now_iso()}
        if self.api_key:
            expected = f"Bearer {self.api_key}"
            if request.headers.get("authorization") != expected:
                raise HttpError(401, "Invalid or missing API key")
        routes = {
            ("POST", "/memories"): self._add_message,
            ("GET", "/memories"): self._fetch,
            ("DELETE", "/memories"): self._delete,
            ("GET", "/memories/search"): self._search,
            ("GET", "/memories/conversation-meta"): self._get_meta,
            ("POST", "/memories/conversation-meta"): self._post_meta,
            ("PATCH", "/memories/conversation-meta"): self._patch_meta,
            ("GET", "/status/request"): self._request_status_of,
        }
        if not request.path.startswith(self.prefix + "/"):
            raise HttpError(404, "Not Found")
        route = routes.get((request.method, request.path[len(self.prefix) :]))
        if route is None:
            raise HttpError(404, "Not Found")
        if request.method == "GET" and request.body.strip():
            raise HttpError(400, "GET parameters belong in the query string, not a body")
        if bad_json:
            raise HttpError(400, "request body is not valid JSON")
        with self._lock:
            return route(request)

    # Messages -----------------------------------------------------------------

    def _add_message(self, request: RecordedRequest) -> tuple[int, Any]:
        body = request.json
        if not isinstance(body, dict):
            raise HttpError(400, "body must be a JSON object")
        for key in ("message_id", "create_time", "sender", "content"):
            if not _present(body, key):
                raise HttpError(400, f"{key} is required")
        for key in ("message_id", "sender", "content"):
            if not isinstance(body[key], str) or not body[key].strip():
                raise HttpError(400, f"{key} must be a non-empty string")
        create_time = strict_time(body["create_time"], "create_time")
        for key in ("group_id", "group_name", "sender_name"):
            if _present(body, key) and not isinstance(body[key], str):
                raise HttpError(400, f"{key} must be a string")
        if _present(body, "role") and body["role"] not in ROLES:
            raise HttpError(400, f"role must be one of {sorted(ROLES)}")
        if _present(body, "flush") and not isinstance(body["flush"], bool):
            raise HttpError(400, "flush must be a boolean")
        refer_list = body.get("refer_list") or []
        if not isinstance(refer_list, list) or not all(isinstance(x, str) for x in refer_list):
            raise HttpError(400, "refer_list must be a list of strings")

        sender = body["sender"]
        group_id = body.get("group_id") or (
            hashlib.md5(sender.encode(), usedforsecurity=False).hexdigest()[:16] + "_group"
        )
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        self._request_status[request_id] = {
            "request_id": request_id,
            "status": "success",
            "http_code": 200,
            "start_time": now_iso(),
            "end_time": now_iso(),
        }
        key = (group_id, sender, body["message_id"])
        if key in self._seen_messages:
            return 200, {
                "status": "duplicate",
                "message": "Message already received; not processed again",
                "result": {
                    "saved_memories": [],
                    "count": 0,
                    "status_info": "duplicate",
                    "group_id": group_id,
                    "message_id": body["message_id"],
                },
            }
        # Recorded before processing, as the self-hosted server does.
        self._seen_messages.add(key)

        if group_id not in self._group_meta:
            self._group_meta[group_id] = self._meta_record(
                {"group_id": group_id, "name": body.get("group_name") or group_id},
                created_at=create_time.isoformat(),
            )
        message = {
            "id": uuid.uuid4().hex,
            "request_id": request_id,
            "message_id": body["message_id"],
            "group_id": group_id,
            "group_name": body.get("group_name") or self._group_meta[group_id]["name"],
            "user_id": sender,
            "sender": sender,
            "sender_name": body.get("sender_name") or sender,
            "role": body.get("role") or "user",
            "content": body["content"],
            "refer_list": refer_list,
            "flush": bool(body.get("flush")),
            "message_create_time": create_time.astimezone(datetime.UTC).isoformat(),
            "created_at": now_iso(),
            "updated_at": now_iso(),
        }
        self._messages[group_id].append(message)
        self._buffers[group_id].append(message)
        saved = 0
        if message["flush"] or len(self._buffers[group_id]) >= BUFFER_LIMIT:
            saved = self._cut_segment(group_id)
        if self.accept_in_background:
            return 202, {
                "message": "Request accepted, processing in background",
                "request_id": request_id,
            }
        return 200, {
            "status": "ok",
            "message": f"Extracted {saved} memories" if saved else "Message accumulated",
            "result": {
                "saved_memories": [],
                "count": saved,
                "status_info": "extracted" if saved else "accumulated",
            },
        }

    def _cut_segment(self, group_id: str) -> int:
        messages = self._buffers.pop(group_id, [])
        if not messages:
            return 0
        owners = []
        for message in messages:
            sender = message["sender"]
            if not _NON_HUMAN.search(sender) and sender not in owners:
                owners.append(sender)
        first_human = next(
            (message for message in messages if message["sender"] in owners), messages[0]
        )
        name = self._group_meta.get(group_id, {}).get("name") or group_id
        self._store_segment(
            group_id=group_id,
            group_name=name,
            owners=owners,
            episode=" ".join(message["content"] for message in messages),
            subject=name,
            summary=first_human["content"][:120],
            timestamp=messages[-1]["message_create_time"],
            original_data=[
                source_message(
                    message_id=message["message_id"],
                    sender=message["sender"],
                    sender_name=message["sender_name"],
                    role=message["role"],
                    content=message["content"],
                    create_time=message["message_create_time"],
                )
                for message in messages
            ],
        )
        for owner in owners:
            self._profile_row(owner, group_id)["profile_data"]["explicit_info"].append(
                {
                    "category": "support_history",
                    "description": f"Contacted support about {name}.",
                    "evidence": first_human["content"][:120],
                }
            )
        return 1 + len(owners)

    def _store_segment(
        self,
        *,
        group_id: str,
        group_name: str,
        owners: list[str],
        episode: str,
        subject: str,
        summary: str,
        timestamp: str,
        original_data: list[dict[str, Any]],
    ) -> str:
        self._counter += 1
        segment = Segment(id=f"seg_{self._counter}", group_id=group_id, owners=list(owners))
        self._segments[segment.id] = segment
        participants = sorted({m["sender"] for m in original_data} | set(owners))
        # As the real server returns it: the messages under `original_data.messages`, each
        # with our message id only in `extend.message_id`.
        source = {"messages": original_data}
        for user_id in [None, *owners]:
            self._counter += 1
            self._episodes.append(
                {
                    "id": f"ep_{self._counter}",
                    "episode_id": f"ep_{self._counter}",
                    "memory_type": "episodic_memory",
                    "type": "Conversation",
                    "user_id": user_id,
                    "group_id": group_id,
                    "group_name": group_name,
                    "timestamp": timestamp,
                    "start_time": timestamp,
                    "end_time": timestamp,
                    "subject": subject,
                    "summary": summary,
                    "episode": episode,
                    "participants": participants,
                    "keywords": [],
                    "parent_type": "memcell",
                    "parent_id": segment.id,
                    "original_data": source,
                    "created_at": now_iso(),
                    "updated_at": now_iso(),
                }
            )
        return segment.id

    def _profile_row(self, user_id: str, group_id: str) -> dict[str, Any]:
        key = (user_id, group_id)
        if key not in self._profiles:
            self._counter += 1
            self._profiles[key] = {
                "id": f"prof_{self._counter}",
                "user_id": user_id,
                "group_id": group_id,
                "profile_data": {"explicit_info": [], "implicit_traits": []},
                "scenario": "assistant",
                "confidence": 0.8,
                "version": 1,
                "memcell_count": 1,
            }
        return self._profiles[key]

    # Search and fetch ---------------------------------------------------------

    def _list_param(self, request: RecordedRequest, name: str) -> list[str] | None:
        if name not in request.query:
            return None
        values = []
        for raw in request.query[name]:
            values.extend(part.strip() for part in raw.split(",") if part.strip())
        return values

    def _filters(
        self, request: RecordedRequest, *, singular_group: bool
    ) -> tuple[str | None, list[str] | None]:
        user_id = request.param("user_id")
        group_ids = self._list_param(request, "group_ids")
        if singular_group and group_ids is None and request.param("group_id"):
            group_ids = [request.param("group_id") or ""]
        if user_id is None and not group_ids:
            raise HttpError(400, "user_id or group_ids is required")
        if group_ids and len(group_ids) > MAX_GROUP_IDS:
            raise HttpError(400, f"at most {MAX_GROUP_IDS} group_ids are allowed")
        return user_id, group_ids

    def _visible_episodes(
        self, user_id: str | None, group_ids: list[str] | None
    ) -> list[dict[str, Any]]:
        selected = []
        for episode in self._episodes:
            if self._segments[episode["parent_id"]].deleted:
                continue
            if user_id is not None and episode["user_id"] != (user_id or None):
                continue
            if group_ids and episode["group_id"] not in group_ids:
                continue
            selected.append(episode)
        return selected

    def _search(self, request: RecordedRequest) -> tuple[int, Any]:
        user_id, group_ids = self._filters(request, singular_group=True)
        query = request.param("query") or ""
        method = request.param("retrieve_method") or "keyword"
        if method not in RETRIEVE_METHODS:
            raise HttpError(400, f"retrieve_method must be one of {sorted(RETRIEVE_METHODS)}")
        types = self._list_param(request, "memory_types") or ["profile", "episodic_memory"]
        if UNSEARCHABLE_TYPES & set(types):
            raise HttpError(400, "foresight and event_log cannot be searched")
        types = [memory_type for memory_type in types if memory_type in SEARCH_TYPES]
        top_k_text = request.param("top_k") or "-1"
        try:
            top_k = int(top_k_text)
        except ValueError as error:
            raise HttpError(400, "top_k must be an integer") from error
        if top_k != -1 and not 1 <= top_k <= 100:
            raise HttpError(400, "top_k must be -1 or between 1 and 100")
        for name in ("start_time", "end_time"):
            if request.param(name):
                strict_time(request.param(name), name)

        memories: list[dict[str, Any]] = []
        episode_type = next((t for t in types if t != "profile"), None)
        if episode_type == "episodic_memory":
            memories = self._score_episodes(
                self._visible_episodes(user_id, group_ids), query, method
            )[: 100 if top_k == -1 else top_k]
        profiles: list[dict[str, Any]] = []
        if "profile" in types and query.strip():
            profiles = self._search_profiles(user_id, group_ids, query)
        pending = [
            {key: message[key] for key in PENDING_FIELDS}
            for buffer in self._buffers.values()
            for message in buffer
            if (user_id is None or message["sender"] == user_id)
            and (not group_ids or message["group_id"] in group_ids)
        ]
        return 200, {
            "status": "ok",
            "message": f"Found {len(memories)} memories",
            "result": {
                "memories": memories,
                "profiles": profiles,
                "total_count": len(memories),
                "query_metadata": {
                    "query": query,
                    "user_id": user_id,
                    "group_ids": group_ids,
                    "retrieve_method": method,
                    "memory_types": types,
                    "top_k": top_k,
                },
                "metadata": {},
                "pending_messages": pending,
            },
        }

    def _score_episodes(
        self, episodes: list[dict[str, Any]], query: str, method: str
    ) -> list[dict[str, Any]]:
        behaviour = self._search_behaviour.get(method, "normal")
        if behaviour == "empty":
            return []
        terms = words(query)
        scored = []
        for episode in episodes:
            overlap = len(terms & words(f"{episode['subject']} {episode['episode']}"))
            if terms and not overlap:
                continue
            score = float(overlap) if method == "keyword" else overlap / max(len(terms), 1)
            scored.append({**episode, "score": score, "extend": {"_search_source": method}})
        scored.sort(key=lambda hit: -hit["score"])
        for rank, hit in enumerate(scored, start=1):
            if method == "rrf":
                hit["score"] = 1 / (60 + rank)
            if behaviour == "rerank_failed":
                hit["score"] = -100.0
        return scored

    def _search_profiles(
        self, user_id: str | None, group_ids: list[str] | None, query: str
    ) -> list[dict[str, Any]]:
        first_group = group_ids[0] if group_ids else None  # profile search reads only the first
        terms = words(query)
        items = []
        for (owner, group_id), row in self._profiles.items():
            if user_id is not None and owner != user_id:
                continue
            if first_group is not None and group_id != first_group:
                continue
            data = row["profile_data"]
            for fact in data["explicit_info"]:
                items.append(
                    {
                        "item_type": "explicit_info",
                        "category": fact["category"],
                        "description": fact["description"],
                        "score": len(terms & words(fact["description"])) / max(len(terms), 1),
                    }
                )
            for trait in data["implicit_traits"]:
                items.append(
                    {
                        "item_type": "implicit_trait",
                        "trait_name": trait["trait_name"],
                        "description": trait["description"],
                        "score": len(terms & words(trait["description"])) / max(len(terms), 1),
                    }
                )
        items.sort(key=lambda item: -item["score"])
        return items

    def _fetch(self, request: RecordedRequest) -> tuple[int, Any]:
        user_id, group_ids = self._filters(request, singular_group=False)
        memory_type = request.param("memory_type") or "episodic_memory"
        if memory_type not in FETCH_TYPES:
            raise HttpError(400, f"memory_type must be one of {sorted(FETCH_TYPES)}")
        try:
            page = int(request.param("page") or "1")
            page_size = int(request.param("page_size") or "20")
        except ValueError as error:
            raise HttpError(400, "page and page_size must be integers") from error
        if page < 1 or not 1 <= page_size <= 100:
            raise HttpError(400, "page must be >= 1 and page_size between 1 and 100")

        items: list[dict[str, Any]]
        if memory_type == "episodic_memory":
            items = sorted(
                self._visible_episodes(user_id, group_ids),
                key=lambda episode: episode["timestamp"],
                reverse=True,
            )
        elif memory_type == "profile":
            items = [
                dict(row)
                for (owner, group_id), row in self._profiles.items()
                if (user_id is None or owner == user_id)
                and (not group_ids or group_id in group_ids)
            ]
        else:
            items = []
        # `total_count` counts rows (profiles too); a page holds at most `page_size` of them.
        total = len(items)
        window = items[(page - 1) * page_size : page * page_size]
        if memory_type == "profile" and self.profile_shape == "wrapper":
            window = [
                {
                    "user_id": user_id,
                    "group_ids": group_ids or [],
                    "profiles": window,
                    "global_profile": None,
                }
            ]
        return 200, {
            "status": "ok",
            "message": f"Fetched {len(window)} memories",
            "result": {
                "memories": window,
                "total_count": total,
                "count": len(window),
                "metadata": {
                    "user_id": user_id,
                    "source": "fetch",
                    "memory_types": [memory_type],
                    "group_ids": group_ids or [],
                },
            },
        }

    # Delete -------------------------------------------------------------------

    def _delete(self, request: RecordedRequest) -> tuple[int, Any]:
        body = request.json if isinstance(request.json, dict) else {}

        def pick(*names: str) -> str | None:
            for name in names:
                value = body.get(name) or request.param(name)
                if value:
                    return str(value)
            return None

        memory_id = pick("memory_id", "id", "event_id")
        user_id = pick("user_id")
        group_id = pick("group_id")
        if not (memory_id or user_id or group_id):
            raise HttpError(400, "memory_id, user_id or group_id is required")
        deleted = 0
        for segment in self._segments.values():
            if segment.deleted:
                continue
            if memory_id and segment.id != memory_id:
                continue
            if user_id and user_id not in segment.owners:
                continue
            if group_id and segment.group_id != group_id:
                continue
            segment.deleted = True
            deleted += 1
        filters = [
            name
            for name, value in (
                ("memory_id", memory_id),
                ("user_id", user_id),
                ("group_id", group_id),
            )
            if value
        ]
        return 200, {
            "status": "ok",
            "message": f"Deleted {deleted} memories",
            "result": {"filters": filters, "count": 0},
        }

    # Conversation meta --------------------------------------------------------

    def _meta_record(self, fields: dict[str, Any], *, created_at: str) -> dict[str, Any]:
        self._counter += 1
        return {
            **fields,
            "id": f"meta_{self._counter}",
            "conversation_created_at": created_at,
            "is_default": False,
            "created_at": now_iso(),
            "updated_at": now_iso(),
        }

    def _validate_meta_fields(self, body: dict[str, Any], *, group_form: bool) -> None:
        if group_form:
            for key in GLOBAL_ONLY_FIELDS:
                if _present(body, key):
                    raise HttpError(400, f"{key} is only allowed in the global config")
        else:
            if _present(body, "name"):
                raise HttpError(400, "name is only allowed in a group config")
            if _present(body, "scene") and body["scene"] not in SCENES:
                raise HttpError(400, f"scene must be one of {sorted(SCENES)}")
            if _present(body, "scene_desc") and not isinstance(body["scene_desc"], dict):
                raise HttpError(400, "scene_desc must be an object")
        if _present(body, "name") and (
            not isinstance(body["name"], str) or not body["name"].strip()
        ):
            raise HttpError(400, "name must be a non-empty string")
        if _present(body, "tags") and not (
            isinstance(body["tags"], list) and all(isinstance(tag, str) for tag in body["tags"])
        ):
            raise HttpError(400, "tags must be a list of strings")
        if _present(body, "user_details"):
            details = body["user_details"]
            if not isinstance(details, dict):
                raise HttpError(400, "user_details must be an object keyed by user id")
            for user_id, detail in details.items():
                if not isinstance(detail, dict):
                    raise HttpError(400, f"user_details[{user_id}] must be an object")
                unknown = set(detail) - USER_DETAIL_KEYS
                if unknown:
                    raise HttpError(400, f"user_details[{user_id}] has unknown keys {unknown}")
                if detail.get("role") is not None and detail["role"] not in ROLES:
                    raise HttpError(400, f"user_details[{user_id}].role is invalid")

    def _post_meta(self, request: RecordedRequest) -> tuple[int, Any]:
        body = request.json
        if not isinstance(body, dict):
            raise HttpError(400, "body must be a JSON object")
        if not _present(body, "created_at"):
            raise HttpError(400, "created_at is required")
        created_at = strict_time(body["created_at"], "created_at")
        group_form = _present(body, "group_id")
        self._validate_meta_fields(body, group_form=group_form)
        fields = {key: value for key, value in body.items() if value is not None}
        fields.pop("created_at")
        if group_form:
            if not _present(body, "name"):
                raise HttpError(400, "name is required in a group config")
            record = self._meta_record(fields, created_at=created_at.isoformat())
            self._group_meta[body["group_id"]] = record
        else:
            if not _present(body, "scene") or not _present(body, "scene_desc"):
                raise HttpError(400, "scene and scene_desc are required in the global config")
            record = self._meta_record(
                {**fields, "group_id": None}, created_at=created_at.isoformat()
            )
            self._global_meta = record
        return 200, {"status": "ok", "message": "Conversation meta saved", "result": record}

    def _get_meta(self, request: RecordedRequest) -> tuple[int, Any]:
        group_id = request.param("group_id")
        if group_id and group_id in self._group_meta:
            return 200, {"status": "ok", "message": "", "result": self._group_meta[group_id]}
        if self._global_meta is not None:
            record = {**self._global_meta, "is_default": True}
            return 200, {"status": "ok", "message": "", "result": record}
        raise HttpError(404, "conversation meta not found")

    def _patch_meta(self, request: RecordedRequest) -> tuple[int, Any]:
        body = request.json
        if not isinstance(body, dict) or "group_id" not in body:
            raise HttpError(400, "group_id is required in the body")
        group_id = body["group_id"]
        record = self._global_meta if group_id is None else self._group_meta.get(group_id)
        if record is None:
            raise HttpError(404, "conversation meta not found")
        if _present(body, "scene") or _present(body, "created_at"):
            raise HttpError(400, "scene and created_at cannot be changed")
        self._validate_meta_fields(body, group_form=group_id is not None)
        updates = {k: v for k, v in body.items() if k != "group_id" and v is not None}
        record.update(updates, updated_at=now_iso())
        return 200, {
            "status": "ok",
            "message": "Conversation meta updated",
            "result": {**record, "updated_fields": sorted(updates)},
        }

    def _request_status_of(self, request: RecordedRequest) -> tuple[int, Any]:
        request_id = request.param("request_id")
        if not request_id:
            raise HttpError(400, "request_id is required")
        data = self._request_status.get(request_id)
        return 200, {
            "success": True,
            "found": data is not None,
            "data": data,
            "message": "" if data else "request not found",
        }
