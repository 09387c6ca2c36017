"""A loopback EverMemOS v1 server for tests, written from docs/evermemos-v1-api.md.

As strict as the real `/api/v1` server where it rejects input (422 with `{code, message,
request_id, timestamp, path}`; a digit-string timestamp is a 500; `gen_` ids and unknown
roles are refused; 404 `{"detail": "Not Found"}` off the routes), and as forgiving where
it is: unknown fields are ignored, and **nothing is de-duplicated**, so a re-sent message
is stored (and later extracted) twice. Memory is simple: a flush, or a window that
reaches `BUFFER_LIMIT` messages, turns a group's pending messages into one segment (a
MemCell) with a group episode, one episode per role-`user` sender and a profile row;
search scores episodes by keyword overlap. A delete by segment id hides it from `/get`
but, as in the real server, not from search (the index copies survive).

The HTTP server, the request log and fault injection are `loopback.LoopbackServer`.
"""

from __future__ import annotations

import datetime
import re
import time
import uuid
from collections import defaultdict
from typing import Any

from tests.memory.loopback import HttpError, LoopbackServer, RecordedRequest

MAX_MESSAGES = 500
BUFFER_LIMIT = 500
SEARCH_METHODS = {"keyword", "vector", "hybrid", "agentic"}
SEARCH_TYPES = {"episodic_memory", "profile", "raw_message", "agent_memory"}
GET_TYPES = {"agent_case", "agent_skill", "episodic_memory", "profile"}
SLOW_SEARCH_SECONDS = 2.0
_WORD = re.compile(r"\w+")
_OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")


def now_iso() -> str:
    return datetime.datetime.now(tz=datetime.UTC).isoformat()


def words(text: str) -> set[str]:
    return {word.lower() for word in _WORD.findall(text or "")}


def _iso_z(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _ms_time(value: Any) -> datetime.datetime:
    """The add endpoint's `timestamp` rules (§3.1): ints in ms (below 1e12: seconds)."""
    if value is False or value == 0:
        raise HttpError(422, "Missing required field: messages[].timestamp")
    if isinstance(value, str):
        if value.strip().isdigit():  # passes validation, then the converter fails
            raise HttpError(500, "Failed to store memory, please try again later")
        raise HttpError(
            422,
            "Input should be a valid integer, unable to parse string as an integer: "
            "messages -> 0 -> timestamp",
        )
    if isinstance(value, float) and not value.is_integer():
        raise HttpError(
            422,
            "Input should be a valid integer, got a number with a fractional part: "
            "messages -> 0 -> timestamp",
        )
    if not isinstance(value, int | float):
        raise HttpError(422, "Input should be a valid integer: messages -> 0 -> timestamp")
    seconds = value / 1000 if value >= 1e12 else float(value)
    try:
        return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
    except (OverflowError, OSError, ValueError):
        year = int(1970 + seconds // 31_556_952)
        raise HttpError(422, f"year {year} is out of range") from None


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        if not content:
            raise HttpError(422, "Value error, messages[].content must not be empty: messages -> 0")
        return content
    if isinstance(content, list):
        if not content:
            raise HttpError(
                422,
                "Value should have at least 1 item after validation, not 0: "
                "messages -> 0 -> content",
            )
        texts = []
        for item in content:
            if not isinstance(item, dict) or not isinstance(item.get("type"), str):
                raise HttpError(
                    422, "Input should be a valid string: messages -> 0 -> content -> str"
                )
            texts.append(str(item.get("text") or item.get("content") or ""))
        return " ".join(text for text in texts if text)
    raise HttpError(422, "Input should be a valid string: messages -> 0 -> content -> str")


def _scope(filters: dict[str, Any], key: str, *, first_only: bool) -> list[str] | None:
    """A top-level filter value (string, {"eq"}, {"in"} or a list) as a list of strings."""
    value = filters.get(key)
    if value is None:
        for clause in filters.get("AND") or []:
            if isinstance(clause, dict) and key in clause:
                value = clause[key]
                break
    if value is None:
        return None
    if isinstance(value, str):
        values = [value]
    elif isinstance(value, list):
        values = [str(item) for item in value]
    elif isinstance(value, dict) and isinstance(value.get("in"), list):
        values = [str(item) for item in value["in"]]
    elif isinstance(value, dict) and isinstance(value.get("eq"), str):
        values = [value["eq"]]
    else:
        return None
    return values[:1] if first_only else values


def _get_scope(value: Any) -> list[str] | None:
    """A top-level `/get` scope: a string or `{"in": [...]}` only. `{"eq"}` and a bare list
    are silently dropped by the real server (§7)."""
    if isinstance(value, str) and value:
        return [value]
    if isinstance(value, dict) and isinstance(value.get("in"), list):
        return [str(item) for item in value["in"]]
    return None


class EverMemOSV1Server(LoopbackServer):
    """The v1 contract; start with `start()` (or as a context manager)."""

    api_version = "v1"
    message_path = "/memories/group"

    def __init__(self, *, api_key: str = "", prefix: str = "/api/v1") -> None:
        super().__init__(api_key=api_key, prefix=prefix)
        self._raw: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._memcells: dict[str, dict[str, Any]] = {}
        self._episodes: list[dict[str, Any]] = []
        self._profiles: dict[tuple[str, str], dict[str, Any]] = {}
        self._groups: dict[str, dict[str, Any]] = {}

    # Inspection ---------------------------------------------------------------

    def messages(self, group_id: str) -> list[dict[str, Any]]:
        """Every raw message stored for a group, in arrival order, duplicates included."""
        with self._lock:
            return [dict(message) for message in self._raw.get(group_id, [])]

    def pending(self, group_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(m) for m in self._raw.get(group_id, []) if m["sync_status"] < 1]

    def episodes(self, *, include_deleted: bool = False) -> list[dict[str, Any]]:
        with self._lock:
            return [
                dict(episode)
                for episode in self._episodes
                if include_deleted
                or not (episode["deleted"] or self._memcells[episode["parent_id"]]["deleted"])
            ]

    def meta(self, group_id: str) -> dict[str, Any] | None:
        with self._lock:
            record = self._groups.get(group_id)
            return dict(record) if record else None

    def posted_message_ids(self, request: RecordedRequest) -> list[str]:
        """The message ids one add request carried."""
        body = request.json if isinstance(request.json, dict) else {}
        return [str(m.get("message_id")) for m in body.get("messages") or [] if isinstance(m, dict)]

    # Seeding ------------------------------------------------------------------

    def add_episode(
        self,
        *,
        group_id: str,
        user_id: str,
        episode: str,
        subject: str = "",
        timestamp: datetime.datetime | None = None,
    ) -> str:
        """Store a segment with a group episode and `user_id`'s copy; return the segment id."""
        with self._lock:
            return self._store_segment(
                group_id=group_id,
                owners=[user_id],
                episode=episode,
                subject=subject or group_id,
                timestamp=timestamp or datetime.datetime.now(tz=datetime.UTC),
            )

    def add_profile(
        self, *, user_id: str, group_id: str, explicit: tuple[tuple[str, str], ...] = ()
    ) -> None:
        """Add (category, description) facts to the profile of `user_id` in `group_id`."""
        with self._lock:
            self._profile_row(user_id, group_id)["profile_data"]["explicit_info"].extend(
                {"category": category, "description": description, "evidence": "", "sources": []}
                for category, description in explicit
            )

    # Request handling ---------------------------------------------------------

    def _error_body(self, status: int, message: str, request: RecordedRequest) -> dict[str, Any]:
        if status in (404, 405) and message in {"Not Found", "Method Not Allowed"}:
            return {"detail": message}
        return {
            "code": "SYSTEM_ERROR" if message == "Internal server error" else "HTTP_ERROR",
            "message": message,
            "request_id": request.headers.get("x-request-id") or str(uuid.uuid4()),
            "timestamp": now_iso(),
            "path": request.path,
        }

    def _route(self, request: RecordedRequest, *, bad_json: bool) -> tuple[int, Any]:
        if request.path == "/health":
            if request.method != "GET":
                raise HttpError(405, "Method Not Allowed")
            return 200, {
                "status": "healthy",
                "timestamp": now_iso(),
                "message": "System running normally",
            }
        if self.api_key and request.headers.get("authorization") != f"Bearer {self.api_key}":
            raise HttpError(401, "Invalid or missing API key")  # a hosted proxy; OSS has no auth
        routes = {
            "/memories/group": self._add,
            "/memories/group/flush": self._flush,
            "/memories/get": self._get,
            "/memories/search": self._search,
            "/memories/delete": self._delete,
            "/groups": self._post_group,
        }
        if not request.path.startswith(self.prefix + "/"):
            raise HttpError(404, "Not Found")
        route = routes.get(request.path[len(self.prefix) :])
        if route is None:
            raise HttpError(404, "Not Found")
        if request.method != "POST":
            raise HttpError(405, "Method Not Allowed")
        body = self._body(request, bad_json=bad_json)
        if route == self._search:
            self._slow_down(body)
        with self._lock:
            return route(request, body)

    def _body(self, request: RecordedRequest, *, bad_json: bool) -> dict[str, Any]:
        """The body as an object; the contract's answers otherwise (§2, per endpoint)."""
        reads = request.path.endswith(("/memories/get", "/memories/search"))
        delete = request.path.endswith("/memories/delete")
        if delete and (not request.body.strip() or (request.json is None and not bad_json)):
            raise HttpError(422, "Field required")
        if not request.body.strip():
            if reads:
                raise HttpError(400, "Invalid JSON request body")
            raise HttpError(422, "Expecting value: line 1 column 1 (char 0)")
        if bad_json:
            raise HttpError(422, "JSON decode error: 0")
        if request.json is None:  # `null`: the endpoint's own 500
            if request.path.endswith("/memories/group"):
                raise HttpError(500, "Failed to store memory, please try again later")
            if request.path.endswith("/flush"):
                raise HttpError(500, "Flush failed, please try again later")
            raise HttpError(500, "Internal server error")
        if not isinstance(request.json, dict):
            raise HttpError(
                422, "Input should be a valid dictionary or object to extract fields from"
            )
        return request.json

    def _slow_down(self, body: dict[str, Any]) -> None:
        """A method set to `slow` answers late (outside the lock, as a busy LLM would)."""
        method = body.get("method") or "hybrid"
        if self._search_behaviour.get(str(method)) == "slow":
            time.sleep(SLOW_SEARCH_SECONDS)

    # Writes -------------------------------------------------------------------

    def _add(self, request: RecordedRequest, body: dict[str, Any]) -> tuple[int, Any]:
        group_id = body.get("group_id")
        if not isinstance(group_id, str) or not group_id:
            raise HttpError(422, "Field required: group_id")
        if group_id.startswith("gen_"):
            raise HttpError(422, "group_id must not start with reserved prefix 'gen_'.")
        messages = body.get("messages")
        if not isinstance(messages, list):
            raise HttpError(422, "Field required: messages")
        if not messages:
            raise HttpError(
                422, "List should have at least 1 item after validation, not 0: messages"
            )
        if len(messages) > MAX_MESSAGES:
            raise HttpError(
                422,
                f"List should have at most {MAX_MESSAGES} items after validation, "
                f"not {len(messages)}: messages",
            )
        request_id = request.headers.get("x-request-id") or str(uuid.uuid4())
        stored = [self._raw_message(message, group_id, request_id) for message in messages]
        self._raw[group_id].extend(stored)  # all or nothing: every message was checked first
        meta = body.get("group_meta")
        if isinstance(meta, dict) and meta.get("name"):
            self._groups.setdefault(group_id, {"group_id": group_id})["name"] = meta["name"]
        pending = [message for message in self._raw[group_id] if message["sync_status"] < 1]
        extracted = len(pending) >= BUFFER_LIMIT and self._cut(group_id)
        return 200, {
            "data": {
                "request_id": request_id,
                "message_count": len(messages),
                "status": "extracted" if extracted else "accumulated",
                "message": "Messages accepted",
            }
        }

    def _raw_message(self, message: Any, group_id: str, request_id: str) -> dict[str, Any]:
        if not isinstance(message, dict):
            raise HttpError(
                422, "Input should be a valid dictionary or object to extract fields from"
            )
        sender_id = message.get("sender_id")
        if not isinstance(sender_id, str) or not sender_id:
            raise HttpError(422, "Value error, messages[0].sender_id is required for group add")
        if "role" not in message:
            raise HttpError(422, "Field required: messages -> 0 -> role")
        if "timestamp" not in message:
            raise HttpError(422, "Field required: messages -> 0 -> timestamp")
        if "content" not in message:
            raise HttpError(422, "Field required: messages -> 0 -> content")
        text = _content_text(message["content"])
        moment = _ms_time(message["timestamp"])
        message_id = message.get("message_id")
        if isinstance(message_id, str) and message_id.startswith("gen_"):
            raise HttpError(422, "message_id must not start with reserved prefix 'gen_'.")
        if sender_id.startswith("gen_"):
            raise HttpError(422, "sender_id must not start with reserved prefix 'gen_'.")
        role = message["role"]
        if role == "":
            raise HttpError(422, "Missing required field: messages[].role")
        if role not in {"user", "assistant"}:
            raise HttpError(
                422, f"Invalid value for messages[].role: '{role}'. Must be 'user' or 'assistant'"
            )
        return {
            "id": uuid.uuid4().hex[:24],
            "request_id": request_id,
            "message_id": message_id,
            "group_id": group_id,
            "session_id": "-1",
            "sender_id": sender_id,
            "sender_name": message.get("sender_name") or sender_id,
            "role": role,
            "content_items": [{"type": "text", "text": text}],
            "timestamp": moment.isoformat(),
            "sync_status": 0,
            "created_at": now_iso(),
            "updated_at": now_iso(),
        }

    def _flush(self, request: RecordedRequest, body: dict[str, Any]) -> tuple[int, Any]:
        group_id = body.get("group_id")
        if not isinstance(group_id, str) or not group_id:
            raise HttpError(422, "Field required: group_id")
        if group_id.startswith("gen_"):
            raise HttpError(422, "group_id must not start with reserved prefix 'gen_'.")
        extracted = self._cut(group_id)
        return 200, {
            "data": {
                "request_id": request.headers.get("x-request-id") or str(uuid.uuid4()),
                "status": "extracted" if extracted else "no_extraction",
                "message": "Flush completed",
            }
        }

    def _cut(self, group_id: str) -> bool:
        """Pack the group's pending messages (by arrival) into one segment."""
        pending = [message for message in self._raw[group_id] if message["sync_status"] < 1]
        if not pending:
            return False
        for message in pending:
            message["sync_status"] = 1
        owners: list[str] = []
        for message in pending:
            if message["role"] == "user" and message["sender_id"] not in owners:
                owners.append(message["sender_id"])
        texts = [item["text"] for message in pending for item in message["content_items"]]
        name = self._groups.get(group_id, {}).get("name") or group_id
        self._store_segment(
            group_id=group_id,
            owners=owners,
            episode=" ".join(texts),
            subject=name,
            timestamp=datetime.datetime.fromisoformat(pending[-1]["timestamp"]),
        )
        for owner in owners:
            self._profile_row(owner, group_id)["profile_data"]["explicit_info"].append(
                {
                    "category": "support_history",
                    "description": f"Contacted support about {name}.",
                    "evidence": texts[0][:120],
                    "sources": [],
                }
            )
        return True

    def _store_segment(
        self,
        *,
        group_id: str,
        owners: list[str],
        episode: str,
        subject: str,
        timestamp: datetime.datetime,
    ) -> str:
        segment_id = uuid.uuid4().hex[:24]
        self._memcells[segment_id] = {"group_id": group_id, "deleted": False}
        for user_id in [None, *owners]:
            self._episodes.append(
                {
                    "id": uuid.uuid4().hex[:24],
                    "user_id": user_id,
                    "group_id": group_id,
                    "session_id": "-1",
                    "timestamp": _iso_z(timestamp),
                    "participants": list(owners),
                    "sender_ids": list(owners),
                    "summary": episode[:120],
                    "subject": subject,
                    "episode": episode,
                    "type": "Conversation",
                    "parent_type": "memcell",
                    "parent_id": segment_id,
                    "deleted": False,
                }
            )
        return segment_id

    def _profile_row(self, user_id: str, group_id: str) -> dict[str, Any]:
        key = (user_id, group_id)
        if key not in self._profiles:
            self._profiles[key] = {
                "id": uuid.uuid4().hex[:24],
                "user_id": user_id,
                "group_id": group_id,
                "profile_data": {"explicit_info": [], "implicit_traits": []},
                "scenario": "team",
                "memcell_count": 1,
            }
        return self._profiles[key]

    def _post_group(self, request: RecordedRequest, body: dict[str, Any]) -> tuple[int, Any]:
        group_id = body.get("group_id")
        if not isinstance(group_id, str) or not group_id:
            raise HttpError(422, "Field required: group_id")
        record = self._groups.setdefault(
            group_id, {"group_id": group_id, "name": None, "description": None}
        )
        record.update(
            {key: body[key] for key in ("name", "description") if body.get(key) is not None}
        )
        record.setdefault("created_at", now_iso())
        record["updated_at"] = now_iso()
        return 200, {"data": dict(record)}

    def _delete(self, request: RecordedRequest, body: dict[str, Any]) -> tuple[int, Any]:
        scope_keys = ("user_id", "group_id", "session_id", "sender_id")
        if "memory_id" in body:
            if any(key in body for key in scope_keys):
                raise HttpError(
                    422,
                    "Value error, When memory_id is provided, no other fields "
                    "(user_id, group_id, session_id, sender_id) are allowed",
                )
            memory_id = str(body["memory_id"])
            if not _OBJECT_ID.match(memory_id):
                raise HttpError(500, "Internal server error")
            if memory_id in self._memcells:
                self._memcells[memory_id]["deleted"] = True  # MongoDB only: search still sees it
            return 204, None
        if body.get("user_id") is None and body.get("group_id") is None:
            raise HttpError(
                422,
                "Value error, Either memory_id must be provided, or at least one of "
                "user_id / group_id is required",
            )
        for episode in self._episodes:
            if all(
                body.get(key) in (None, "__all__") or episode.get(key) == body[key]
                for key in ("user_id", "group_id")
            ):
                episode["deleted"] = True  # by filters: the index copies go too
        return 204, None

    # Reads --------------------------------------------------------------------

    def _filters(self, body: dict[str, Any]) -> dict[str, Any]:
        filters = body.get("filters")
        if not isinstance(filters, dict):
            raise HttpError(422, "Field required: filters")
        return filters

    def _get(self, request: RecordedRequest, body: dict[str, Any]) -> tuple[int, Any]:
        memory_type = body.get("memory_type")
        if memory_type not in GET_TYPES:
            raise HttpError(
                422,
                "Value error, memory_type must be one of: "
                f"{', '.join(sorted(GET_TYPES))}: memory_type",
            )
        filters = self._filters(body)
        users = filters.get("user_id")
        groups = filters.get("group_id")
        users = _get_scope(users)
        groups = _get_scope(groups)
        if users is None and groups is None:
            raise HttpError(
                422,
                "Value error, filters must contain at least one of 'user_id' or 'group_id' "
                "at first level: filters",
            )
        page = body.get("page", 1)
        page_size = body.get("page_size", 20)
        if not isinstance(page, int) or page < 1:
            raise HttpError(422, "Input should be greater than or equal to 1: page")
        if not isinstance(page_size, int) or page_size < 1:
            raise HttpError(422, "Input should be greater than or equal to 1: page_size")
        if page_size > 100:
            raise HttpError(422, "Input should be less than or equal to 100: page_size")
        answer: dict[str, Any] = {"episodes": [], "profiles": [], "agent_cases": []}
        answer["agent_skills"] = []
        if memory_type == "profile":
            if users is None:
                raise HttpError(422, "memory_type 'profile' requires 'user_id' in filters")
            items = [
                dict(row)
                for (user, group), row in self._profiles.items()
                if user in users and (groups is None or group in groups)
            ]
            key = "profiles"
        elif memory_type == "episodic_memory":
            items = [
                self._public(episode)
                for episode in self._episodes
                if not episode["deleted"]
                and not self._memcells[episode["parent_id"]]["deleted"]
                and (episode["user_id"] in users if users else not episode["user_id"])
                and (groups is None or episode["group_id"] in groups)
            ]
            reverse = body.get("rank_order", "desc") != "asc"
            items.sort(key=lambda item: item["timestamp"], reverse=reverse)
            key = "episodes"
        else:
            items, key = [], "agent_cases"
        start = (page - 1) * page_size
        answer[key] = items[start : start + page_size]
        answer["total_count"] = len(items)
        answer["count"] = len(answer[key])
        return 200, {"data": answer}

    def _public(self, episode: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in episode.items() if key != "deleted"}

    def _search(self, request: RecordedRequest, body: dict[str, Any]) -> tuple[int, Any]:
        query = body.get("query")
        if not isinstance(query, str) or not query:
            raise HttpError(422, "String should have at least 1 character: query")
        method = body.get("method") or "hybrid"
        if method not in SEARCH_METHODS:
            raise HttpError(
                422,
                f"Value error, Unknown method: '{method}'. "
                "Allowed: agentic, hybrid, keyword, vector: method",
            )
        types = body.get("memory_types") or ["episodic_memory", "profile"]
        unknown = [kind for kind in types if kind not in SEARCH_TYPES]
        if unknown:
            raise HttpError(422, f"Value error, invalid memory_types: {unknown[0]}")
        top_k = body.get("top_k", -1)
        if not isinstance(top_k, int) or top_k == 0 or top_k < -1:
            raise HttpError(
                422, "Value error, top_k must be -1 (return all results) or a positive integer"
            )
        if top_k > 100:
            raise HttpError(422, "Input should be less than or equal to 100: top_k")
        filters = self._filters(body)
        users = _scope(filters, "user_id", first_only=True)
        groups = _scope(filters, "group_id", first_only=False)
        if users is None and groups is None:
            raise HttpError(422, "Value error, filters must contain user_id or group_id")
        user = users[0] if users else None
        behaviour = self._search_behaviour.get(method, "normal")
        episodes: list[dict[str, Any]] = []
        if "episodic_memory" in types and behaviour != "empty":
            episodes = self._score(query, user=user, groups=groups, method=method)
            episodes = episodes[: (top_k if top_k > 0 else 10) * (1 if method == "hybrid" else 2)]
        raw: list[dict[str, Any]] = []
        if "raw_message" in types:
            raw = [
                {key: value for key, value in message.items() if key != "sync_status"}
                for group, messages in self._raw.items()
                if groups is None or group in groups
                for message in messages
                if message["sync_status"] < 1 and (user is None or message["sender_id"] == user)
            ][: top_k if top_k > 0 else 10]
        profiles: list[dict[str, Any]] = []
        if "profile" in types and user is not None and method != "keyword":
            profiles = [
                {"id": row["id"], "user_id": user, "group_id": group, "score": 0.5}
                | {"profile_data": {"item_type": "explicit_info", "embed_text": entry["category"]}}
                for (owner, group), row in self._profiles.items()
                if owner == user
                for entry in row["profile_data"]["explicit_info"]
            ]
        return 200, {
            "data": {
                "episodes": episodes,
                "profiles": profiles,
                "raw_messages": raw,
                "agent_memory": None,
                "query": {"text": query, "method": method, "filters_applied": filters},
                "original_data": None,
            }
        }

    def _score(
        self, query: str, *, user: str | None, groups: list[str] | None, method: str
    ) -> list[dict[str, Any]]:
        """Keyword overlap: BM25-like (unbounded) for keyword, 0-1 for the other methods."""
        wanted = words(query)
        hits = []
        for episode in self._episodes:
            if episode["deleted"]:
                continue
            if (episode["user_id"] != user) if user else bool(episode["user_id"]):
                continue
            if groups is not None and episode["group_id"] not in groups:
                continue
            overlap = len(wanted & words(f"{episode['subject']} {episode['episode']}"))
            if not overlap:
                continue
            score = float(overlap) if method == "keyword" else overlap / max(len(wanted), 1)
            hits.append(self._public(episode) | {"score": score, "atomic_facts": []})
        hits.sort(key=lambda hit: -hit["score"])
        return hits
