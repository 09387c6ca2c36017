"""Past tickets and recurring issues: grouping, isolation and the keyword fallback."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from helpdesk.memory.backends.evermemos import EverMemOSBackend
from helpdesk.memory.types import Source, TicketMatch
from tests.memory.builders import (
    AGENT,
    CUSTOMER,
    OTHER_CUSTOMER,
    message_posted,
    ticket_closed,
    ticket_opened,
)
from tests.memory.evermemos_server import EverMemOSServer

BackendFactory = Callable[..., EverMemOSBackend]


def methods_used(server: EverMemOSServer) -> list[str | None]:
    return [request.param("retrieve_method") for request in server.requests_to("/memories/search")]


def seed_history(server: EverMemOSServer) -> None:
    server.add_episode(
        group_id="ticket_10", user_id=CUSTOMER, episode="Printer offline after a firmware update."
    )
    server.add_episode(
        group_id="ticket_10", user_id=CUSTOMER, episode="Printer offline again, cable replaced."
    )
    server.add_episode(group_id="ticket_11", user_id=CUSTOMER, episode="Invoice printer paper.")
    server.add_episode(group_id="ticket_42", user_id=CUSTOMER, episode="Printer offline today.")
    server.add_episode(
        group_id="ticket_50", user_id=OTHER_CUSTOMER, episode="Printer offline in the lab."
    )


def test_related_tickets_groups_hits_by_ticket_best_first(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    seed_history(evermemos_server)

    matches = evermemos_backend.related_tickets(
        customer_id=CUSTOMER, query="printer offline", exclude_group_id="ticket_42"
    )

    assert [match.ticket_id for match in matches] == [10, 11]
    assert matches[0].score == 1.0
    assert matches[0].score > matches[1].score
    assert matches[0].snippet.startswith("Printer offline")


def test_related_tickets_never_include_another_customers_ticket(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    seed_history(evermemos_server)

    matches = evermemos_backend.related_tickets(customer_id=CUSTOMER, query="printer lab")

    assert 50 not in {match.ticket_id for match in matches}
    assert evermemos_server.requests_to("/memories/search")[0].param("user_id") == CUSTOMER


def test_related_tickets_drop_hits_of_other_owners_even_if_the_server_returns_them(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    hits = [
        {"memory_type": "episodic_memory", "user_id": OTHER_CUSTOMER, "group_id": "ticket_50",
         "episode": "Someone else's printer.", "score": 0.99},
        {"memory_type": "episodic_memory", "user_id": None, "group_id": "ticket_51",
         "episode": "A group-level episode.", "score": 0.98},
        {"memory_type": "episodic_memory", "user_id": CUSTOMER, "group_id": "not_a_ticket",
         "episode": "Foreign group id.", "score": 0.97},
        {"memory_type": "episodic_memory", "user_id": CUSTOMER, "group_id": "ticket_12",
         "episode": "Own printer ticket.", "score": 0.5},
    ]  # fmt: skip
    body = {"status": "ok", "message": "", "result": {"memories": hits, "profiles": []}}
    evermemos_server.fail_next("/memories/search", 200, body=body)

    matches = evermemos_backend.related_tickets(customer_id=CUSTOMER, query="printer")

    assert [match.ticket_id for match in matches] == [12]


def test_related_tickets_exclude_the_current_ticket(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    seed_history(evermemos_server)

    included = evermemos_backend.related_tickets(customer_id=CUSTOMER, query="printer today")
    excluded = evermemos_backend.related_tickets(
        customer_id=CUSTOMER, query="printer today", exclude_group_id="ticket_42"
    )

    assert 42 in {match.ticket_id for match in included}
    assert 42 not in {match.ticket_id for match in excluded}


def test_related_tickets_respect_the_limit(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    seed_history(evermemos_server)

    matches = evermemos_backend.related_tickets(customer_id=CUSTOMER, query="printer", limit=1)

    assert len(matches) == 1
    assert evermemos_server.requests_to("/memories/search")[0].param("top_k") == "10"


def test_empty_hybrid_result_falls_back_to_keyword(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    seed_history(evermemos_server)
    evermemos_server.set_search_behaviour("hybrid", "empty")

    matches = evermemos_backend.related_tickets(
        customer_id=CUSTOMER, query="printer offline", exclude_group_id="ticket_42"
    )

    assert methods_used(evermemos_server) == ["hybrid", "keyword"]
    assert [match.ticket_id for match in matches] == [10, 11]
    assert matches[0].score == 2.0  # keyword scores are unbounded


def test_rerank_failure_scores_fall_back_to_keyword(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    seed_history(evermemos_server)
    evermemos_server.set_search_behaviour("hybrid", "rerank_failed")

    matches = evermemos_backend.related_tickets(customer_id=CUSTOMER, query="printer offline")

    assert methods_used(evermemos_server) == ["hybrid", "keyword"]
    assert all(match.score > 0 for match in matches)


def test_scored_hybrid_result_needs_no_fallback(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    seed_history(evermemos_server)

    evermemos_backend.related_tickets(customer_id=CUSTOMER, query="printer")

    assert methods_used(evermemos_server) == ["hybrid"]


def test_keyword_method_is_not_repeated_when_empty(
    evermemos_server: EverMemOSServer, evermemos_backend_factory: BackendFactory
) -> None:
    backend = evermemos_backend_factory(evermemos_server, context_method="keyword")

    matches = backend.related_tickets(customer_id=CUSTOMER, query="printer")

    assert matches == []
    assert methods_used(evermemos_server) == ["keyword"]


def test_recurring_candidates_use_the_recurring_method_and_claim_the_standout_ticket(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    seed_history(evermemos_server)

    matches = evermemos_backend.recurring_candidates(
        customer_id=CUSTOMER, query="printer offline", group_id="ticket_42"
    )

    assert methods_used(evermemos_server) == ["agentic"]
    assert [match.ticket_id for match in matches] == [10]


def test_recurring_candidates_claim_nothing_when_no_ticket_stands_out(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    seed_history(evermemos_server)

    matches = evermemos_backend.recurring_candidates(
        customer_id=CUSTOMER, query="printer", group_id="ticket_42"
    )

    assert matches == []


def test_recurring_candidates_fall_back_to_keyword_when_agentic_is_empty(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    seed_history(evermemos_server)
    evermemos_server.set_search_behaviour("agentic", "empty")

    matches = evermemos_backend.recurring_candidates(customer_id=CUSTOMER, query="firmware")

    assert methods_used(evermemos_server) == ["agentic", "keyword"]
    assert [match.ticket_id for match in matches] == [10]


@pytest.mark.parametrize("query", ["", "   "])
def test_blank_query_returns_nothing_without_a_request(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend, query: str
) -> None:
    assert evermemos_backend.related_tickets(customer_id=CUSTOMER, query=query) == []
    assert evermemos_server.requests == []


def test_long_query_is_clipped_to_fit_a_url(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_backend.related_tickets(customer_id=CUSTOMER, query="printer " * 400)

    sent = evermemos_server.requests_to("/memories/search")[0].param("query") or ""
    assert 0 < len(sent) <= 500
    assert sent.endswith("printer")


def test_delivered_conversation_is_found_as_a_past_ticket(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_backend.deliver_ticket_opened(ticket_opened(42))
    evermemos_backend.deliver_message(message_posted(981))
    evermemos_backend.deliver_message(
        message_posted(982, sender=AGENT, content="Power-cycle the printer, please.")
    )
    evermemos_backend.deliver_ticket_closed(ticket_closed(42))

    matches = evermemos_backend.related_tickets(
        customer_id=CUSTOMER, query="printer offline", exclude_group_id="ticket_43"
    )

    assert matches == [
        TicketMatch(
            ticket_id=42,
            score=1.0,
            snippet=(
                "My printer shows offline since this morning. "
                "Power-cycle the printer, please. Ticket closed as resolved."
            ),
            source=Source(ticket_id=42, message_id=981),
        )
    ]
