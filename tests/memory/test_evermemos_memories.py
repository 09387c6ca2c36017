"""This ticket's memories and the customer profile, in both profile shapes."""

from __future__ import annotations

import datetime

import pytest

from helpdesk.memory.backends.evermemos import EverMemOSBackend
from helpdesk.memory.types import ProfileFact, Source
from tests.memory.builders import (
    CUSTOMER,
    OTHER_CUSTOMER,
    message_posted,
    ticket_closed,
    ticket_opened,
)
from tests.memory.evermemos_server import EverMemOSServer


def envelope(**result: object) -> dict[str, object]:
    return {"status": "ok", "message": "", "result": result}


def test_ticket_memories_return_the_customers_copy_of_each_segment(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_backend.deliver_ticket_opened(ticket_opened(42))
    evermemos_backend.deliver_message(message_posted(981))
    evermemos_backend.deliver_ticket_closed(ticket_closed(42))

    memories = evermemos_backend.ticket_memories(customer_id=CUSTOMER, group_id="ticket_42")

    segment = evermemos_server.episodes()[0]["parent_id"]
    assert len(memories) == 1
    assert memories[0].text == (
        "My printer shows offline since this morning. Ticket closed as resolved."
    )
    assert memories[0].created_at == datetime.datetime(2026, 3, 1, 11, 15, tzinfo=datetime.UTC)
    assert memories[0].source == Source(ticket_id=42, message_id=981)
    assert memories[0].memory_id == segment


def test_ticket_memories_before_close_are_its_pending_messages(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_backend.deliver_message(message_posted(981))

    memories = evermemos_backend.ticket_memories(customer_id=CUSTOMER, group_id="ticket_42")

    assert [(m.text, m.source.ticket_id, m.source.message_id) for m in memories] == [
        ("My printer shows offline since this morning.", 42, 981)
    ]
    assert memories[0].memory_id == ""  # nothing to delete on the server yet
    search = evermemos_server.requests_to("/memories/search", "GET")[-1]
    assert search.query["group_ids"] == ["ticket_42"]


def test_ticket_memory_id_deletes_its_segment(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_server.add_episode(group_id="ticket_42", user_id=CUSTOMER, episode="Toner low.")
    memory = evermemos_backend.ticket_memories(customer_id=CUSTOMER, group_id="ticket_42")[0]

    evermemos_backend.delete_memory(customer_id=CUSTOMER, memory_id=memory.memory_id)

    assert evermemos_backend.ticket_memories(customer_id=CUSTOMER, group_id="ticket_42") == []


def test_ticket_memory_text_falls_back_from_episode_to_summary_to_subject(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    items = [
        {"id": "a", "user_id": CUSTOMER, "group_id": "ticket_42", "episode": "Narrative.",
         "summary": "Short.", "subject": "Title", "timestamp": "2026-03-01T09:00:00Z"},
        {"id": "b", "user_id": CUSTOMER, "group_id": "ticket_42", "episode": "",
         "summary": "Only a summary.", "subject": "Title", "timestamp": 1772355600000},
        {"id": "c", "user_id": CUSTOMER, "group_id": "ticket_42", "subject": "Only a title",
         "timestamp": "not a time"},
        {"id": "d", "user_id": CUSTOMER, "group_id": "ticket_42", "memory_content": "ignored"},
    ]  # fmt: skip
    evermemos_server.fail_next("/memories", 200, body=envelope(memories=items), method="GET")

    memories = evermemos_backend.ticket_memories(customer_id=CUSTOMER, group_id="ticket_42")

    assert [(m.text, m.memory_id) for m in memories] == [
        ("Narrative.", "a"),
        ("Only a summary.", "b"),
        ("Only a title", "c"),
    ]
    assert memories[0].created_at == datetime.datetime(2026, 3, 1, 9, tzinfo=datetime.UTC)
    assert memories[1].created_at == datetime.datetime(2026, 3, 1, 9, tzinfo=datetime.UTC)
    assert memories[2].created_at is None


def test_ticket_memories_drop_group_episodes_and_other_owners(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    items = [
        {"id": "g", "user_id": None, "group_id": "ticket_42", "episode": "Group copy."},
        {"id": "o", "user_id": OTHER_CUSTOMER, "group_id": "ticket_42", "episode": "Other."},
        {"id": "t", "user_id": CUSTOMER, "group_id": "ticket_43", "episode": "Other ticket."},
        {"id": "m", "user_id": CUSTOMER, "group_id": "ticket_42", "episode": "Mine."},
    ]
    evermemos_server.fail_next("/memories", 200, body=envelope(memories=items), method="GET")

    memories = evermemos_backend.ticket_memories(customer_id=CUSTOMER, group_id="ticket_42")

    assert [memory.text for memory in memories] == ["Mine."]


def seed_profiles(server: EverMemOSServer) -> None:
    server.add_profile(
        user_id=CUSTOMER,
        group_id="ticket_10",
        explicit=(("contact_preference", "Prefers email over phone."),),
        traits=(("patience", "Stays calm when printers fail."),),
    )
    server.add_profile(
        user_id=CUSTOMER,
        group_id="ticket_11",
        explicit=(("contact_preference", "Prefers  email over phone."),),
    )
    server.add_profile(
        user_id=OTHER_CUSTOMER,
        group_id="ticket_50",
        explicit=(("location", "Works in the printer lab."),),
    )


def test_profile_search_parses_both_item_types_and_dedupes_per_ticket_repeats(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    seed_profiles(evermemos_server)

    facts = evermemos_backend.customer_profile(customer_id=CUSTOMER, query="printers email")

    request = evermemos_server.requests_to("/memories/search")[0]
    assert request.query == {
        "user_id": [CUSTOMER],
        "memory_types": ["profile"],
        "query": ["printers email"],
    }
    assert sorted(facts, key=lambda fact: fact.kind) == [
        ProfileFact(text="Prefers email over phone.", kind="preference"),
        ProfileFact(text="Stays calm when printers fail.", kind="trait"),
    ]


@pytest.mark.parametrize("shape", ["wrapper", "rows"])
def test_profile_fetch_parses_both_shapes(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend, shape: str
) -> None:
    seed_profiles(evermemos_server)
    evermemos_server.profile_shape = shape  # type: ignore[assignment]  # parametrized literal

    facts = evermemos_backend.customer_profile(customer_id=CUSTOMER)

    request = evermemos_server.requests_to("/memories", "GET")[0]
    assert request.query == {
        "user_id": [CUSTOMER],
        "memory_type": ["profile"],
        "page": ["1"],
        "page_size": ["100"],
    }
    assert [(fact.text, fact.kind, fact.source) for fact in facts] == [
        ("Prefers email over phone.", "preference", Source(ticket_id=10)),
        ("Stays calm when printers fail.", "trait", Source(ticket_id=10)),
    ]
    assert all(fact.memory_id.startswith("prof_") for fact in facts)


def test_profile_fetch_ignores_rows_of_another_customer(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    rows = [
        {"id": "p1", "user_id": OTHER_CUSTOMER, "group_id": "ticket_50",
         "profile_data": {"explicit_info": [{"category": "x", "description": "Not yours."}]}},
        {"id": "p2", "user_id": CUSTOMER, "group_id": "ticket_10",
         "profile_data": {"explicit_info": [{"category": "x", "description": "Yours."}]}},
    ]  # fmt: skip
    evermemos_server.fail_next("/memories", 200, body=envelope(memories=rows), method="GET")

    facts = evermemos_backend.customer_profile(customer_id=CUSTOMER)

    assert [fact.text for fact in facts] == ["Yours."]


def test_profile_fetch_reads_global_profile_and_older_value_lists(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    wrapper = {
        "user_id": CUSTOMER,
        "group_ids": [],
        "profiles": [
            {"id": "p1", "user_id": CUSTOMER, "group_id": "ticket_10",
             "profile_data": {"summary": "Not a fact.",
                              "interests": [{"value": "Photography", "level": "high"}],
                              "implicit_traits": [{"trait": "Curious", "description": ""}]}},
        ],
        "global_profile": {"profile_data": {"explicit_info": ["Lives in Lyon."]}},
    }  # fmt: skip
    evermemos_server.fail_next("/memories", 200, body=envelope(memories=[wrapper]), method="GET")

    facts = evermemos_backend.customer_profile(customer_id=CUSTOMER)

    assert [(fact.text, fact.kind) for fact in facts] == [
        ("Curious", "trait"),
        ("Photography", "interests"),
        ("Lives in Lyon.", "fact"),
    ]


def test_profile_after_a_closed_ticket_mentions_the_ticket(
    evermemos_backend: EverMemOSBackend,
) -> None:
    evermemos_backend.deliver_ticket_opened(ticket_opened(42))
    evermemos_backend.deliver_message(message_posted(981))
    evermemos_backend.deliver_ticket_closed(ticket_closed(42))

    facts = evermemos_backend.customer_profile(customer_id=CUSTOMER)

    assert [fact.text for fact in facts] == ["Contacted support about #42 Printer offline."]
    assert facts[0].source == Source(ticket_id=42)
