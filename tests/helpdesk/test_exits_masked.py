"""Every exit masked: the secret table, posted as customers' messages, checked where text leaves.

`tests/data/pii_secrets.json` lists texts and the secret each holds. Each text is posted
through the API as a customer's message (and as its ticket's subject); then every exit
(`helpdesk.pii.exits`) is driven and what it carried is captured:

* the language model, a loopback OpenAI-compatible server that echoes what it is shown:
  suggested replies, the bot, handoffs and the embedded engine's memory extraction;
* the memory backend: the embedded engine's groups, documents and extracted memories, and
  what the context and customer-memory endpoints read back from it; a loopback EverMemOS
  recording every request (deliveries, the context's and the recurring check's searches,
  a memory correction's lookup);
* the handoff (with a reason that holds the secret too), the bot's answer, the
  notification e-mail and the log lines.

No payload may hold a secret, nor (for numbers) its letters and digits alone, in any case.
Every leak is listed in one failure: exit, language, kind and text. A customer's data
export is no exit: it goes to the customer, whole (docs/privacy.md).

Contacts follow their own policy, checked apart: never to the model, the handoff or the
e-mail; to the memory backend only unless `MEMORY_MASK_CONTACTS` is set.
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from customers.models import Customer
from helpdesk.memory.backends.embedded import llm_extraction
from helpdesk.memory.backends.evermemos import v0 as evermemos_v0
from helpdesk.memory.models import Memory, MemoryDocument, MemoryGroup
from helpdesk.memory.selectors.recurring import issue_label
from helpdesk.replies import prompts
from tests.factories import CustomerFactory
from tests.llm_server import LLMServer, RecordedChat
from tests.memory.evermemos_server import EverMemOSServer
from tests.mirror_helpers import deliver_all
from tickets.models import Handoff, Ticket

pytestmark = pytest.mark.django_db

SECRETS_FILE = Path(__file__).resolve().parents[1] / "data" / "pii_secrets.json"
# A secret with this many digits is a number (a card, an IBAN, a national id, a phone): it
# must not leave in any spacing either. Fewer digits would match ids and times by chance.
NUMBER_DIGITS = 8


@dataclass(frozen=True)
class Entry:
    lang: str
    kind: str
    text: str
    secret: str

    @property
    def subject(self) -> str:
        return " ".join(self.text.split())[:200]


@pytest.fixture(autouse=True)
def _no_rate_limit(settings: Settings) -> None:
    """The table's hundreds of calls would run into the API's per-user rate."""
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": None}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def secret_table() -> list[Entry]:
    entries = [Entry(**row) for row in json.loads(SECRETS_FILE.read_text(encoding="utf-8"))]
    for entry in entries:
        assert entry.secret in entry.text, f"the secret is not in its text: {entry}"
    return entries


def _compact(text: str) -> str:
    """Letters and digits alone, in lower case, line by line (no number runs across lines)."""
    return "|".join(re.sub(r"[\W_]", "", line) for line in text.casefold().splitlines())


SHORT = 4  # secrets this long or shorter are looked for with their cue


def _with_cue(entry: Entry) -> str:
    """The secret with the two words before it in its text."""
    before = entry.text[: entry.text.index(entry.secret)]
    return " ".join([*before.split()[-2:], entry.secret])


class Captured:
    """What left the process, by exit."""

    def __init__(self) -> None:
        self.payloads: defaultdict[str, list[str]] = defaultdict(list)

    def add(self, exit_name: str, *texts: Any) -> None:
        self.payloads[exit_name] += [t if isinstance(t, str) else _as_text(t) for t in texts]

    def leaks(self, entries: Iterable[Entry]) -> list[str]:
        found = []
        for exit_name, payloads in sorted(self.payloads.items()):
            joined = "\n".join(payloads)
            compact = _compact(joined)
            for entry in entries:
                how = ""
                # Whole values only: a PIN "4821" inside a timestamp "1764821..." is no leak;
                # a short one counts with the words written before it ("CVC is 123"), as ids
                # and message numbers hold three-digit runs too.
                value = entry.secret if len(entry.secret) > SHORT else _with_cue(entry)
                alone = rf"(?<![^\W_]){re.escape(value)}(?![^\W_])"
                if re.search(alone, joined):
                    how = "as written"
                elif re.search(alone, joined, re.IGNORECASE):
                    how = "in another case"
                elif sum(c.isdigit() for c in entry.secret) >= NUMBER_DIGITS and (
                    _compact(entry.secret) in compact
                ):
                    how = "as letters and digits"
                if how:
                    found.append(f"{exit_name} [{entry.lang}/{entry.kind}, {how}]: {entry.text!r}")
        return found

    def assert_exercised(self, *exit_names: str) -> None:
        """Each exit carried something, placeholders among it: no exit passed for want of use."""
        for exit_name in exit_names:
            assert self.payloads[exit_name], f"nothing was captured at {exit_name}"
            assert re.search(r"<[A-Z_]+_\d+>", "\n".join(self.payloads[exit_name])), (
                f"no masked value reached {exit_name}"
            )


def _as_text(value: Any) -> str:
    """Every string inside a JSON-like value, one a line (so escapes hide nothing)."""
    return "\n".join(_strings(value))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif value is not None:
        yield str(value)


def assert_no_leak(captured: Captured, entries: list[Entry]) -> None:
    leaks = captured.leaks(entries)
    assert not leaks, f"{len(leaks)} secrets left the process:\n" + "\n".join(leaks)


HANDOFF_TEXT = (
    "reason", "customer_summary", "issue_summary", "attempted_solutions", "open_questions",
    "relevant_history",
)  # fmt: skip


def test_the_check_finds_a_secret_however_it_is_written() -> None:
    card = Entry("en", "card", "Card 4111 1111 1111 1111, please", "4111 1111 1111 1111")
    key = Entry("en", "api_key", "api_key=AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE")
    captured = Captured()
    captured.add("a", "card 4111-1111-1111-1111 and akiaiosfodnn7example")
    captured.add("b", {"ids": [4111, 1111, 1111, 1111]}, "<CARD_1> <SECRET_1>")

    assert captured.leaks([card, key]) == [
        "a [en/card, as letters and digits]: 'Card 4111 1111 1111 1111, please'",
        "a [en/api_key, in another case]: 'api_key=AKIAIOSFODNN7EXAMPLE'",
    ]


# The language model: one that repeats what it was shown -------------------------------------

TICKET_DATA = "Ticket data (JSON):\n"


def _echo(chat: RecordedChat) -> str:
    """Answer every request with what it showed: whatever the model was told may come back."""
    data = json.loads(chat.user.split(TICKET_DATA, 1)[1])
    if chat.system == llm_extraction.RULES:
        said = [
            {"category": "fact", "text": m["text"], "message": m["id"]} for m in data["messages"]
        ]
        episode = " ".join(m["text"] for m in data["messages"])
        return json.dumps({"episode": episode, "facts": said, "profile": said})
    turns = [turn["text"] for turn in data["conversation"]]
    if chat.system == prompts.HANDOFF_RULES:
        handoff = {
            "customer_summary": " ".join(data["customer_profile"]) or data["ticket"]["subject"],
            "issue_summary": data["newest_customer_message"],
            "attempted_solutions": turns,
            "customer_sentiment": "neutral",
            "open_questions": data["this_ticket_memories"] or turns,
        }
        return json.dumps(handoff)
    return "Hi {first_name},\n\nYou wrote: " + data["newest_customer_message"]


def _model_exit(chat: RecordedChat) -> str:
    task = {
        prompts.REPLY_RULES: "reply",
        prompts.HANDOFF_RULES: "handoff",
        llm_extraction.RULES: "memory extraction",
    }.get(chat.system, "unknown task")
    return f"language model ({task})"


# Driving the product through its API --------------------------------------------------------

# Entries go a few to a customer (one message each), so that one bot answer, draft, handoff
# and e-mail carries several: the model sees the newest 12 messages, a reason holds 1,000
# characters and a recurring check asks with the customer's first 2,000.
BATCH_ENTRIES = 5
BATCH_CHARS = 900


def batches(entries: list[Entry]) -> list[tuple[Entry, ...]]:
    packed: list[list[Entry]] = []
    for entry in entries:
        last = packed[-1] if packed else None
        if (
            last is None
            or len(last) == BATCH_ENTRIES
            or sum(len(e.text) + 3 for e in [*last, entry]) > BATCH_CHARS
        ):
            packed.append([entry])
        else:
            last.append(entry)
    return [tuple(batch) for batch in packed]


def said(batch: tuple[Entry, ...]) -> str:
    """All of a batch's texts in one (a reason, a query, a page's text)."""
    return " / ".join(entry.text for entry in batch)


def one_customer_each(
    packed: list[tuple[Entry, ...]],
) -> tuple[list[Customer], list[tuple[Customer, tuple[Entry, ...]]]]:
    """A customer of their own for each batch, and the pairs."""
    customers = [CustomerFactory() for _ in packed]
    return customers, list(zip(customers, packed, strict=True))


def post_ticket(client: APIClient, customer: Customer, subject: str, texts: list[str]) -> int:
    """A ticket with `subject`, each of `texts` a message of the customer's."""
    response = client.post(
        "/api/tickets/", {"customer": customer.pk, "subject": subject}, format="json"
    )
    assert response.status_code == 201, response.content
    ticket_id: int = response.json()["id"]
    for text in texts:
        post_message(client, ticket_id, text)
    return ticket_id


def post_batch(
    client: APIClient, customer: Customer, batch: tuple[Entry, ...], *, first: bool
) -> int:
    """The batch's texts as a ticket's messages; its subject the first entry's, or the last's."""
    subject = batch[0].subject if first else batch[-1].subject
    return post_ticket(client, customer, subject, [entry.text for entry in batch])


def post_message(client: APIClient, ticket_id: int, text: str) -> None:
    response = client.post(
        f"/api/tickets/{ticket_id}/messages/", {"role": "customer", "body": text}, format="json"
    )
    assert response.status_code == 201, response.content


def call(client: APIClient, method: str, url: str, data: dict | None = None) -> Any:
    response = getattr(client, method)(url, data or {}, format="json")
    assert response.status_code == 200, (url, response.content)
    return response.json()


def close(client: APIClient, ticket_id: int) -> None:
    call(client, "post", f"/api/tickets/{ticket_id}/close/", {"status": "resolved"})


def escalated(ticket_id: int) -> bool:
    return Ticket.objects.get(pk=ticket_id).status == Ticket.Status.ESCALATED


def read_context(captured: Captured, client: APIClient, ticket_id: int, query: str = "") -> None:
    """What the context endpoint reads back from the memory backend."""
    url = f"/api/tickets/{ticket_id}/context/"
    context = call(client, "get", url, {"query": query} if query else None)
    captured.add(
        "memory read back (context endpoint)",
        [fact["text"] for fact in context["profile"]],
        [memory["text"] for memory in context["ticket_memories"]],
        [past["snippet"] for past in context["related_tickets"]],
    )


def read_customer_memory(captured: Captured, client: APIClient, customer: Customer) -> None:
    memory = call(client, "get", f"/api/customers/{customer.pk}/memory/")
    captured.add(
        "memory read back (customer memory endpoint)", [fact["text"] for fact in memory["profile"]]
    )


def capture_mail_and_logs(captured: Captured, caplog: pytest.LogCaptureFixture) -> None:
    for message in mail.outbox:
        captured.add("notification e-mail", message.subject, message.body, message.alternatives)
    captured.add("logs", *(record.getMessage() for record in caplog.records))
    captured.add("logs", *(record.exc_text or "" for record in caplog.records))


# The secret table at every exit ------------------------------------------------------------


def test_no_secret_leaves_with_the_embedded_engine_and_a_language_model(
    api_client: APIClient,
    agent: User,
    other_agent: User,
    llm_server: LLMServer,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Bot, suggested reply, escalation with the secrets in its reason, closing (extraction)."""
    entries = secret_table()
    packed = batches(entries)
    llm_server.default_reply = _echo
    caplog.set_level(logging.INFO)
    captured = Captured()
    customers, pairs = one_customer_each(packed)
    with django_capture_on_commit_callbacks(execute=True):
        # A chat, which the bot answers while it is the customer's only ticket...
        chats = [post_batch(api_client, c, b, first=True) for c, b in pairs]
        deliver_all()
        for chat in chats:
            outcome = call(api_client, "post", f"/api/tickets/{chat}/bot-reply/")
            captured.add("bot answer", outcome["message"]["body"])
            captured.add("handoff", outcome["escalation"])
        # ...then the same problem by e-mail, which an agent escalates with the secrets in
        # the reason; then in a new chat again, which the bot hands over: it recurs.
        mails = [post_batch(api_client, c, b, first=False) for c, b in pairs]
        deliver_all()
        for ticket_id, batch in zip(mails, packed, strict=True):
            draft = call(api_client, "post", f"/api/tickets/{ticket_id}/suggested-reply/")
            captured.add("suggested reply", draft["reply"], draft["sources"])
            reason = {"reason": f"Customer wrote: {said(batch)}"}
            escalation = call(api_client, "post", f"/api/tickets/{ticket_id}/escalate/", reason)
            captured.add("handoff", escalation)
        again = [post_ticket(api_client, c, b[0].subject, [b[0].text]) for c, b in pairs]
        deliver_all()
        for chat in again:
            outcome = call(api_client, "post", f"/api/tickets/{chat}/bot-reply/")
            captured.add("bot answer", outcome["message"]["body"])
            captured.add("handoff", outcome["escalation"])
        tickets = [*chats, *mails, *again]
        for ticket_id in tickets:
            close(api_client, ticket_id)
        deliver_all()

    captured.add(
        "memory backend (embedded engine's tables)",
        list(MemoryGroup.objects.values_list("name", "subject", "customer_name")),
        list(MemoryDocument.objects.values_list("speaker", "text")),
        list(Memory.objects.values_list("text", flat=True)),
    )
    for ticket_id in tickets:
        read_context(captured, api_client, ticket_id)
    for customer in customers:
        read_customer_memory(captured, api_client, customer)
    captured.add("handoff", [_as_text(row) for row in Handoff.objects.values(*HANDOFF_TEXT)])
    for chat in llm_server.requests:
        captured.add(_model_exit(chat), chat.text)
    capture_mail_and_logs(captured, caplog)

    assert Memory.objects.exists(), "closing extracted memories"
    assert len(mail.outbox) >= len(packed), "every escalation e-mailed its agent"
    assert any(
        "keeps coming back" in row for row in Handoff.objects.values_list("reason", flat=True)
    ), "the bot handed a recurring chat over"
    captured.assert_exercised(
        "language model (reply)",
        "language model (handoff)",
        "language model (memory extraction)",
        "memory backend (embedded engine's tables)",
        "memory read back (context endpoint)",
        "handoff",
        "notification e-mail",
    )
    assert_no_leak(captured, entries)


def test_no_secret_makes_a_recurring_issues_label() -> None:
    """A label goes into the model's prompt and the bot's hand-over reason (so into handoffs
    and e-mails). Built from words two tickets share, it would carry a key sent twice, in
    lower case where no filter finds it; the tickets above share too much for a secret to
    be among a label's three words, so each entry is checked here, alone in two tickets."""
    entries = secret_table()
    captured = Captured()
    for entry in entries:
        ticket = f"{entry.subject}\n{entry.text}"
        captured.add(
            "recurring issue label (for prompts, hand-over reasons)", issue_label([ticket, ticket])
        )

    assert_no_leak(captured, entries)


@pytest.fixture
def memory_service(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[EverMemOSServer]:
    """A loopback EverMemOS as the product's memory backend, recording every request."""
    monkeypatch.setattr(evermemos_v0, "_scene_configured", set())
    server = EverMemOSServer().start()
    settings.MEMORY_BACKEND = "evermemos"
    settings.EVERMEMOS_BASE_URL = server.base_url
    for name in ("EVERMEMOS_TIMEOUT", "EVERMEMOS_CONNECT_TIMEOUT", "EVERMEMOS_READ_TIMEOUT"):
        setattr(settings, name, 2.0)
    yield server
    server.stop()


def memory_service_requests(server: EverMemOSServer) -> list[str]:
    return [
        _as_text([request.method, request.path, request.query, request.json])
        for request in server.requests
    ]


def test_no_secret_reaches_evermemos(
    api_client: APIClient,
    agent_client: Client,
    memory_service: EverMemOSServer,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Deliveries, the context's and recurring check's searches, a correction's lookup."""
    entries = secret_table()
    packed = batches(entries)
    caplog.set_level(logging.INFO)
    captured = Captured()
    customers, pairs = one_customer_each(packed)
    with django_capture_on_commit_callbacks(execute=True):
        tickets = [post_batch(api_client, c, b, first=True) for c, b in pairs]
        deliver_all()
        for ticket_id, customer, batch in zip(tickets, customers, packed, strict=True):
            # Searches with the newest message, then with the whole batch as an integration
            # might ask; the recurring check asks with all the customer wrote.
            call(api_client, "post", f"/api/tickets/{ticket_id}/suggested-reply/")
            read_context(captured, api_client, ticket_id, query=said(batch))
            # The page sends back the text it showed, to help find the memory to delete.
            agent_client.post(
                f"/customers/{customer.pk}/memories/delete/",
                {"memory_id": "seg-unknown", "text": said(batch), "source_ticket": ticket_id},
            )
            close(api_client, ticket_id)
        deliver_all()

    captured.add("memory backend (EverMemOS requests)", *memory_service_requests(memory_service))
    capture_mail_and_logs(captured, caplog)

    searches = [r for r in memory_service.requests if r.path.endswith("/memories/search")]
    methods = {r.param("retrieve_method") for r in searches}
    assert {"hybrid", "agentic"} <= methods, "the context and the recurring check searched"
    assert any(r.param("memory_types") == "profile" for r in searches), "the correction looked"
    captured.assert_exercised("memory backend (EverMemOS requests)")
    assert_no_leak(captured, entries)


# Contacts: never to the model, the handoff or the e-mail; to memory per setting -------------

NAME, EMAIL, PHONE = "Ada Lovelace", "ada.lovelace@example.org", "+44 20 7946 0958"
CONTACTS = (
    f"Hello, {NAME} here. Write to {EMAIL} or call me on {PHONE}: "
    "my router keeps dropping the connection every evening."
)


@pytest.mark.parametrize("mask_contacts", [False, True])
def test_contacts_never_reach_the_model_and_reach_memory_only_when_allowed(
    api_client: APIClient,
    agent: User,
    other_agent: User,
    llm_server: LLMServer,
    memory_service: EverMemOSServer,
    settings: Settings,
    django_capture_on_commit_callbacks: Any,
    mask_contacts: bool,
) -> None:
    settings.MEMORY_MASK_CONTACTS = mask_contacts
    llm_server.default_reply = _echo
    customer = CustomerFactory(name=NAME, email="ada@example.com", phone="+44 20 7946 0000")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_id = post_ticket(api_client, customer, "Router keeps dropping", [CONTACTS])
        deliver_all()
        call(api_client, "post", f"/api/tickets/{ticket_id}/suggested-reply/")
        escalation = call(
            api_client,
            "post",
            f"/api/tickets/{ticket_id}/escalate/",
            {"reason": f"{NAME} asked to be called on {PHONE}"},
        )
        close(api_client, ticket_id)
        deliver_all()

    to_model = "\n".join(chat.text for chat in llm_server.requests)
    in_handoff = _as_text(escalation)
    in_mail = "\n".join(f"{m.subject}\n{m.body}" for m in mail.outbox)
    to_memory = "\n".join(memory_service_requests(memory_service))
    assert llm_server.requests
    assert mail.outbox
    for value in (NAME, "Lovelace", EMAIL, PHONE, "7946"):
        for exit_name, payload in (
            ("language model", to_model),
            ("handoff", in_handoff),
            ("notification e-mail", in_mail),
        ):
            assert value not in payload, f"{value!r} reached the {exit_name}"
        assert (value in to_memory) is not mask_contacts, f"{value!r} and the memory backend"
