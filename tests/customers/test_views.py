from __future__ import annotations

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from customers.models import Customer
from helpdesk.memory.models import Memory
from tests.factories import CustomerFactory, TicketFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_customer_list_shows_customers_with_ticket_counts(
    agent_client: Client, customer: Customer, other_customer: Customer, ticket: Ticket
) -> None:
    response = agent_client.get("/customers/")

    assert response.status_code == 200
    listed = {c.name: c.ticket_count for c in response.context["page"].object_list}
    assert listed == {"Ada Lovelace": 1, "Charles Babbage": 0}
    assert f'href="/customers/{customer.pk}/"' in response.content.decode()


def test_customer_list_search_narrows_list(
    agent_client: Client, customer: Customer, other_customer: Customer
) -> None:
    response = agent_client.get("/customers/", {"q": "babbage"})

    assert list(response.context["page"].object_list) == [other_customer]


def test_customer_list_empty_state(agent_client: Client) -> None:
    html = agent_client.get("/customers/").content.decode()

    assert "No customers found." in html
    assert "Customers are created by the API or in the admin." in html


def test_customer_list_empty_search_offers_to_clear_it(
    agent_client: Client, customer: Customer
) -> None:
    html = agent_client.get("/customers/", {"q": "nobody"}).content.decode()

    assert "Nothing matches “nobody”." in html


def test_customer_list_escapes_names(agent_client: Client) -> None:
    CustomerFactory(name="<script>alert(1)</script>")

    html = agent_client.get("/customers/").content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html


def test_customer_list_paginates(agent_client: Client, settings: Settings) -> None:
    settings.PAGE_SIZE = 2
    CustomerFactory.create_batch(3)

    first = agent_client.get("/customers/")
    second = agent_client.get("/customers/", {"page": 2})

    assert len(first.context["page"].object_list) == 2
    assert len(second.context["page"].object_list) == 1


def test_customer_detail_shows_contact(agent_client: Client, customer: Customer) -> None:
    html = agent_client.get(f"/customers/{customer.pk}/").content.decode()

    assert "<h1>Ada Lovelace</h1>" in html
    assert "crm-4711" in html
    assert "ada@example.com" in html


def test_customer_detail_lists_only_their_tickets(
    agent_client: Client, customer: Customer, ticket: Ticket, other_ticket: Ticket
) -> None:
    response = agent_client.get(f"/customers/{customer.pk}/")

    html = response.content.decode()
    assert list(response.context["page"].object_list) == [ticket]
    assert "Router keeps dropping" in html
    assert "Invoice shows the wrong address" not in html
    assert other_ticket.reference not in html


def test_customer_detail_empty_state(
    agent_client: Client, customer: Customer, other_ticket: Ticket
) -> None:
    html = agent_client.get(f"/customers/{customer.pk}/").content.decode()

    assert "Ada has no tickets yet." in html


def test_customer_detail_paginates_tickets(
    agent_client: Client, customer: Customer, settings: Settings
) -> None:
    settings.PAGE_SIZE = 2
    TicketFactory.create_batch(3, customer=customer)

    response = agent_client.get(f"/customers/{customer.pk}/", {"page": 2})

    assert len(response.context["page"].object_list) == 1
    assert "Page 2 of 2" in response.content.decode()


def test_customer_detail_of_unknown_customer_is_404(
    agent_client: Client, customer: Customer
) -> None:
    assert agent_client.get(f"/customers/{customer.pk + 1000}/").status_code == 404


def test_customer_detail_loads_its_memory_after_the_page(
    agent_client: Client, customer: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_backend() -> None:
        raise AssertionError("the customer page asked the memory backend")

    monkeypatch.setattr("helpdesk.memory.selectors.context.get_backend", no_backend)
    monkeypatch.setattr("helpdesk.memory.selectors.recurring.get_backend", no_backend)

    response = agent_client.get(f"/customers/{customer.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert f'hx-get="/customers/{customer.pk}/memory/"' in html
    assert 'id="profile-panel"' not in html


def test_customer_memory_panels_show_profile_and_recurring_issues(
    agent_client: Client, customer: Customer
) -> None:
    Memory.objects.create(
        customer_id=customer.pk, kind=Memory.Kind.PROFILE, text="Uses a Fritzbox 7590 router."
    )

    response = agent_client.get(f"/customers/{customer.pk}/memory/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="profile-panel"' in html
    assert "Uses a Fritzbox 7590 router." in html
    assert 'id="recurring-panel"' in html
    assert f'name="next" value="/customers/{customer.pk}/"' in html  # not the fragment's


def test_customer_memory_panels_are_the_customers_own(
    agent_client: Client, customer: Customer, other_customer: Customer
) -> None:
    Memory.objects.create(
        customer_id=other_customer.pk, kind=Memory.Kind.PROFILE, text="Owns a tandem bicycle."
    )

    mine = agent_client.get(f"/customers/{customer.pk}/memory/").content.decode()
    theirs = agent_client.get(f"/customers/{other_customer.pk}/memory/").content.decode()

    assert "Owns a tandem bicycle." not in mine
    assert "Owns a tandem bicycle." in theirs


def test_customer_memory_panels_need_a_login(client: Client, customer: Customer) -> None:
    response = client.get(f"/customers/{customer.pk}/memory/")

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_customer_memory_panels_of_unknown_customer_are_404(
    agent_client: Client, customer: Customer
) -> None:
    assert agent_client.get(f"/customers/{customer.pk + 1000}/memory/").status_code == 404
