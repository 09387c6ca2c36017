"""Erasing a customer reaches a real (loopback) EverMemOS through the outbox, even after outages."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from customers.models import Customer
from helpdesk.memory import ids
from helpdesk.memory.backends.evermemos import v0, v1
from helpdesk.memory.models import MirrorEntry
from helpdesk.privacy import customer_erase, customer_export
from tests.customers.privacy_helpers import history_of
from tests.memory.conftest import CLIENT_TIMEOUT
from tests.memory.evermemos_server import EverMemOSServer
from tests.memory.evermemos_v1_server import EverMemOSV1Server
from tests.mirror_helpers import deliver_all, ticket_with_messages

pytestmark = pytest.mark.django_db


def owners(server: EverMemOSServer) -> set[str]:
    return {episode["user_id"] for episode in server.episodes() if episode["user_id"]}


def test_export_reads_the_customers_memories_from_evermemos(
    use_evermemos: EverMemOSServer, customer: Customer, agent: User
) -> None:
    resolved, _ = history_of(customer, agent)

    data = customer_export(customer=customer)

    assert data["memory"]["backend"] == "evermemos"
    assert data["memory"]["available"] is True
    assert data["tickets"][0]["id"] == resolved.pk
    assert data["tickets"][0]["memories"], "the flushed ticket's episode"


def test_erase_makes_evermemos_forget_the_customer_and_no_one_else(
    use_evermemos: EverMemOSServer,
    customer: Customer,
    other_customer: Customer,
    agent: User,
    superuser: User,
) -> None:
    history_of(customer, agent)
    ticket_with_messages(other_customer, "Printer offline", ["My printer is offline."])
    deliver_all()
    assert owners(use_evermemos) == {
        ids.customer_id(customer.pk),
        ids.customer_id(other_customer.pk),
    }

    customer_erase(customer=customer, actor=superuser)
    report = deliver_all()

    assert report.delivered == 1
    deletes = use_evermemos.requests_to("/memories", "DELETE")
    assert [request.json for request in deletes] == [{"user_id": ids.customer_id(customer.pk)}]
    assert owners(use_evermemos) == {ids.customer_id(other_customer.pk)}


def test_erase_during_an_outage_stays_queued_and_is_delivered_after_it(
    use_evermemos: EverMemOSServer,
    customer: Customer,
    agent: User,
    superuser: User,
    settings: Settings,
    closed_port_url: str,
) -> None:
    history_of(customer, agent)
    settings.EVERMEMOS_BASE_URL = closed_port_url  # the memory service goes down

    record = customer_erase(customer=customer, actor=superuser)
    during = deliver_all(passes=3)

    assert during.delivered == 0
    entry = MirrorEntry.objects.get(pk=record.memory_entry_id)
    assert entry.state == MirrorEntry.State.PENDING
    assert entry.last_error
    health = APIClient().get("/api/health/").json()
    assert health["outbox"]["pending"] == 1
    assert not Customer.objects.filter(pk=customer.pk).exists(), "local data is gone already"

    settings.EVERMEMOS_BASE_URL = use_evermemos.base_url  # and comes back
    after = deliver_all()

    assert after.delivered == 1
    assert ids.customer_id(customer.pk) not in owners(use_evermemos)
    assert APIClient().get("/api/health/").json()["outbox"]["pending"] == 0


def test_command_erases_and_delivers_at_once_when_evermemos_answers(
    use_evermemos: EverMemOSServer, customer: Customer, agent: User, capsys
) -> None:
    history_of(customer, agent)

    call_command("customer_data", "erase", "crm-4711", "--yes")

    out = capsys.readouterr().out
    assert "evermemos memory backend has forgotten them" in out
    assert "could not delete their profiles, pending messages" in out
    assert ids.customer_id(customer.pk) not in owners(use_evermemos)


def test_command_erases_locally_and_queues_the_forgetting_when_evermemos_is_down(
    use_evermemos: EverMemOSServer,
    customer: Customer,
    agent: User,
    settings: Settings,
    closed_port_url: str,
    capsys,
) -> None:
    history_of(customer, agent)
    settings.EVERMEMOS_BASE_URL = closed_port_url

    call_command("customer_data", "erase", "crm-4711", "--yes")

    out = capsys.readouterr().out
    assert "Erased customer" in out
    assert "not forgotten them yet" in out
    assert "is queued" in out
    entry = MirrorEntry.objects.get(kind=MirrorEntry.Kind.CUSTOMER_ERASED)
    assert entry.state == MirrorEntry.State.PENDING


def test_erasure_record_says_what_each_evermemos_version_kept(
    mirror_server: EverMemOSServer | EverMemOSV1Server,
    settings: Settings,
    customer: Customer,
    agent: User,
    superuser: User,
) -> None:
    settings.MEMORY_BACKEND = "evermemos"
    settings.EVERMEMOS_BASE_URL = mirror_server.base_url
    settings.EVERMEMOS_TIMEOUT = CLIENT_TIMEOUT
    settings.EVERMEMOS_CONNECT_TIMEOUT = CLIENT_TIMEOUT
    settings.EVERMEMOS_READ_TIMEOUT = CLIENT_TIMEOUT
    history_of(customer, agent)
    deliver_all()

    record = customer_erase(customer=customer, actor=superuser)
    assert record.memory_kept == [], "nothing is known before the service is told"
    deliver_all()
    record.refresh_from_db()

    kept = v0.KEPT_AFTER_FORGET if mirror_server.api_version == "v0" else v1.KEPT_AFTER_FORGET
    assert record.memory_kept == list(kept)
    assert "profiles" in record.memory_kept
    client = Client()
    client.force_login(superuser)
    page = client.get("/admin/customers/erasurerecord/").content.decode()
    assert "Kept by the memory service" in page
    assert "; ".join(kept) in page
    detail = client.get(f"/admin/customers/erasurerecord/{record.pk}/change/").content.decode()
    assert "kept by the memory service" in detail.lower()
    assert "profiles" in detail
