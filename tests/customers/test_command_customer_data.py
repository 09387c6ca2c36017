"""`manage.py customer_data export|erase`: thin over the services, refuses without --yes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from customers.models import Customer, ErasureRecord
from helpdesk.memory.models import MirrorEntry
from tests.customers.privacy_helpers import history_of
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_export_writes_json_to_stdout(customer: Customer, agent: User, capsys) -> None:
    history_of(customer, agent)

    call_command("customer_data", "export", "crm-4711")

    data = json.loads(capsys.readouterr().out)
    assert data["customer"]["name"] == "Ada Lovelace"
    assert len(data["tickets"]) == 2


def test_export_by_id_to_a_file(customer: Customer, tmp_path: Path) -> None:
    target = tmp_path / "ada.json"

    call_command("customer_data", "export", "--id", str(customer.pk), "--output", str(target))

    assert json.loads(target.read_text())["customer"]["external_id"] == "crm-4711"


def test_export_of_an_unknown_customer_fails(db: None) -> None:
    with pytest.raises(CommandError, match="No such customer"):
        call_command("customer_data", "export", "crm-0000")


def test_customer_is_named_one_way_only(customer: Customer) -> None:
    with pytest.raises(CommandError, match="not both"):
        call_command("customer_data", "export", "crm-4711", "--id", str(customer.pk))


def test_erase_refuses_without_yes(customer: Customer) -> None:
    with pytest.raises(CommandError, match="--yes"):
        call_command("customer_data", "erase", "crm-4711")

    assert Customer.objects.filter(pk=customer.pk).exists()
    assert not ErasureRecord.objects.exists()


def test_erase_deletes_and_the_embedded_backend_forgets_at_once(
    customer: Customer, agent: User, capsys
) -> None:
    history_of(customer, agent)

    call_command("customer_data", "erase", "crm-4711", "--yes")

    out = capsys.readouterr().out
    assert "Erased customer" in out
    assert "2 tickets" in out
    assert "embedded memory backend has forgotten them" in out
    assert not Ticket.objects.exists()
    entry = MirrorEntry.objects.get()
    assert entry.state == MirrorEntry.State.DELIVERED
    assert ErasureRecord.objects.get().actor_name == "manage.py"


def test_erasing_again_says_when_it_was_done(customer: Customer, capsys) -> None:
    call_command("customer_data", "erase", "crm-4711", "--yes")
    capsys.readouterr()

    call_command("customer_data", "erase", "crm-4711", "--yes")

    assert "Already erased on" in capsys.readouterr().out
    assert ErasureRecord.objects.count() == 1


def test_erase_records_the_named_actor_only_with_the_permission(
    customer: Customer, agent: User, superuser: User
) -> None:
    with pytest.raises(CommandError, match="permission"):
        call_command("customer_data", "erase", "crm-4711", "--yes", "--actor", "maria")
    assert Customer.objects.filter(pk=customer.pk).exists()

    call_command("customer_data", "erase", "crm-4711", "--yes", "--actor", "root")

    assert ErasureRecord.objects.get().actor == superuser


def test_erase_of_a_customer_never_seen_fails(db: None) -> None:
    with pytest.raises(CommandError, match="none was erased"):
        call_command("customer_data", "erase", "--id", "999", "--yes")
