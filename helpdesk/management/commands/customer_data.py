"""`manage.py customer_data export|erase <external_id> | --id N`: a customer's data request.

    customer_data export crm-4711 [--output ada.json]    JSON to a file or stdout
    customer_data erase crm-4711 --yes [--actor admin]    delete, and make memory forget

Erasing queues the memory backend's forgetting in the mirror outbox and then tries to
deliver it at once; when the memory service is down the entry stays queued and the
mirror worker (or `sync_memory --wait`) delivers it later. Erasing an erased customer
says when it was done and changes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder

from customers.models import Customer, ErasureRecord
from helpdesk.memory.backends import get_backend
from helpdesk.memory.models import MirrorEntry
from helpdesk.memory.services.mirror import mirror_deliver_entry
from helpdesk.privacy import customer_erase, customer_erasure_find, customer_export


class Command(BaseCommand):
    help = "Export a customer's data as JSON, or erase it (records and memories)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["export", "erase"])
        parser.add_argument("external_id", nargs="?", help="The customer's external id.")
        parser.add_argument("--id", type=int, dest="customer_id", help="The customer's row id.")
        parser.add_argument("--output", help="export: write the JSON here, not to stdout.")
        parser.add_argument("--yes", action="store_true", help="erase: yes, erase for good.")
        parser.add_argument(
            "--actor", help="erase: the username to record (needs the delete permission)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        external_id, customer_id = options["external_id"], options["customer_id"]
        if (external_id is None) == (customer_id is None):
            raise CommandError("Name the customer by external id or by --id, not both.")
        customer = (
            Customer.objects.filter(external_id=external_id).first()
            if external_id is not None
            else Customer.objects.filter(pk=customer_id).first()
        )
        if options["action"] == "export":
            self._export(customer, options["output"])
        else:
            self._erase(customer, external_id, customer_id, options)

    def _export(self, customer: Customer | None, output: str | None) -> None:
        if customer is None:
            raise CommandError("No such customer.")
        data = customer_export(customer=customer)
        text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        if output:
            Path(output).write_text(text + "\n", encoding="utf-8")
            self.stderr.write(f"Wrote {len(data['tickets'])} tickets to {output}.")
        else:
            self.stdout.write(text)
        if not data["memory"]["available"]:
            self.stderr.write(self.style.WARNING(f"Incomplete: {data['memory']['notice']}"))

    def _erase(
        self,
        customer: Customer | None,
        external_id: str | None,
        customer_id: int | None,
        options: dict[str, Any],
    ) -> None:
        if customer is None:
            done = (
                customer_erasure_find(external_id=external_id)
                if external_id is not None
                else ErasureRecord.objects.filter(customer_pk=customer_id).first()
                if customer_id is not None
                else None  # handle() names the customer one way or the other
            )
            if done is None:
                raise CommandError("No such customer, and none was erased under that id.")
            self.stdout.write(f"Already erased on {done.erased_at:%Y-%m-%d %H:%M} UTC.")
            self._report_memory(done)
            return
        if not options["yes"]:
            raise CommandError(
                f"This erases {customer} and all their tickets for good. Add --yes to do it."
            )
        actor = None
        if options["actor"]:
            actor = get_user_model().objects.filter(username=options["actor"]).first()
            if actor is None:
                raise CommandError(f"No user {options['actor']!r}.")
        try:
            record = customer_erase(customer=customer, actor=actor, actor_name="manage.py")
        except PermissionDenied as error:
            raise CommandError(str(error)) from error
        counts = ", ".join(f"{count} {name}" for name, count in record.counts.items())
        self.stdout.write(f"Erased customer #{record.customer_pk}: {counts}.")
        if record.memory_entry_id:
            mirror_deliver_entry(entry_id=record.memory_entry_id, backend=get_backend())
        self._report_memory(record)

    def _report_memory(self, record: ErasureRecord) -> None:
        entry_id = record.memory_entry_id
        entry = MirrorEntry.objects.filter(pk=entry_id).first() if entry_id is not None else None
        backend = record.memory_backend
        if entry is None or entry.state == MirrorEntry.State.DELIVERED:
            record.refresh_from_db(fields=["memory_kept"])
            self.stdout.write(f"The {backend} memory backend has forgotten them.")
            if record.memory_kept:
                self.stdout.write(
                    self.style.WARNING(
                        f"It could not delete their {', '.join(record.memory_kept)}: its API "
                        "has no call for it. Erase those on the memory service itself."
                    )
                )
        elif entry.state == MirrorEntry.State.FAILED:
            raise CommandError(
                f"The {backend} memory backend refused to forget them: {entry.last_error}. "
                f"Fix it, then retry mirror entry #{entry.pk} (admin) or run "
                "`sync_memory --retry-failed --wait`."
            )
        else:
            why = f" ({entry.last_error})" if entry.last_error else ""
            self.stdout.write(
                self.style.WARNING(
                    f"The {backend} memory backend has not forgotten them yet{why}: mirror entry "
                    f"#{entry.pk} is queued and will be delivered when the service answers "
                    "(`sync_memory --wait` delivers it now)."
                )
            )
