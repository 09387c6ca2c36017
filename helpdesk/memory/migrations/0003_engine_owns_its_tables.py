"""The embedded engine keeps its own tables and points at nothing of ours.

- Agents' corrections (memories with `is_corrected`) become `AgentNote` rows: the product's
  own record, shown whichever backend runs; the engine's `Memory` keeps only what it learned.
- The engine's references to customers, tickets and messages become plain numbers (the ids
  the mirror sends): the columns and their values stay, the foreign keys go.
- Documents record whether the customer wrote them (the engine read it from our messages).
- `MemoryGroup`: the tickets the engine was told of, filled here from the documents it has.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

REFERENCE = "T-{:06d}"


def notes_forwards(apps, schema_editor):
    memory = apps.get_model("memory", "Memory")
    note = apps.get_model("memory", "AgentNote")
    corrected = memory.objects.filter(is_corrected=True).order_by("id")
    note.objects.bulk_create(
        note(
            customer_id=row.customer_id,
            ticket_id=row.ticket_id,
            text=row.text,
            created_at=row.created_at,
        )
        for row in corrected
    )
    corrected.delete()


def notes_backwards(apps, schema_editor):
    memory = apps.get_model("memory", "Memory")
    note = apps.get_model("memory", "AgentNote")
    memory.objects.bulk_create(
        memory(
            customer_id=row.customer_id,
            ticket_id=row.ticket_id,
            kind="profile",
            category="agent note",
            text=row.text,
            is_corrected=True,
            created_at=row.created_at,
        )
        for row in note.objects.order_by("id")
    )
    note.objects.all().delete()


def who_wrote_documents(apps, schema_editor):
    schema_editor.execute(
        "UPDATE memory_memorydocument SET is_customer = EXISTS (SELECT 1 FROM tickets_message m "
        "WHERE m.id = memory_memorydocument.message_id AND m.role = 'customer')"
    )


def groups_from_documents(apps, schema_editor):
    document = apps.get_model("memory", "MemoryDocument")
    group = apps.get_model("memory", "MemoryGroup")
    ticket = apps.get_model("tickets", "Ticket")
    firsts = (
        document.objects.values("ticket_id", "customer_id")
        .annotate(first=models.Min("created_at"))
        .order_by("ticket_id")
    )
    batch = []
    for row in firsts.iterator(chunk_size=2000):
        batch.append(row)
        if len(batch) == 2000:
            _write_groups(batch, document, group, ticket)
            batch = []
    _write_groups(batch, document, group, ticket)


def _write_groups(rows, document, group, ticket):
    if not rows:
        return
    ids = [row["ticket_id"] for row in rows]
    tickets = {t.pk: t for t in ticket.objects.filter(pk__in=ids)}
    names = {}
    for ticket_id, speaker in (
        document.objects.filter(ticket_id__in=ids, is_customer=True)
        .order_by("-created_at", "-id")
        .values_list("ticket_id", "speaker")
    ):
        names[ticket_id] = speaker  # the earliest wins: the rows come newest first
    group.objects.bulk_create(
        group(
            ticket_id=row["ticket_id"],
            customer_id=row["customer_id"],
            subject=tickets[row["ticket_id"]].subject if row["ticket_id"] in tickets else "",
            name=(
                f"{REFERENCE.format(row['ticket_id'])} {tickets[row['ticket_id']].subject}"
                if row["ticket_id"] in tickets
                else REFERENCE.format(row["ticket_id"])
            )[:500],
            customer_name=names.get(row["ticket_id"], ""),
            created_at=(
                tickets[row["ticket_id"]].created_at if row["ticket_id"] in tickets else row["first"]
            ),
        )
        for row in rows
    )


class Migration(migrations.Migration):
    dependencies = [
        ("memory", "0002_rename_tables"),
        ("customers", "0004_alter_erasurerecord_memory_entry"),
        ("tickets", "0010_mirror_entry_moves_to_memory_app"),
    ]

    operations = [
        migrations.CreateModel(
            name="AgentNote",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("text", models.TextField(verbose_name="text")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="created")),
                ("customer", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="memory_notes", to="customers.customer", verbose_name="customer")),
                ("ticket", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tickets.ticket", verbose_name="source ticket")),
            ],
            options={"ordering": ["-created_at", "-id"]},
        ),
        migrations.RunPython(notes_forwards, notes_backwards),
        migrations.RemoveField(model_name="memory", name="is_corrected"),
        migrations.AlterModelOptions(
            name="memory",
            options={"ordering": ["-created_at", "-id"], "verbose_name_plural": "memories"},
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterField(
                    model_name="memorydocument",
                    name="customer",
                    field=models.BigIntegerField(db_column="customer_id", db_index=False),
                ),
                migrations.AlterField(
                    model_name="memorydocument",
                    name="ticket",
                    field=models.BigIntegerField(db_column="ticket_id", db_index=False),
                ),
                migrations.AlterField(
                    model_name="memorydocument",
                    name="message",
                    field=models.BigIntegerField(db_column="message_id", unique=True),
                ),
                migrations.AlterField(
                    model_name="memory",
                    name="customer",
                    field=models.BigIntegerField(db_column="customer_id", db_index=False),
                ),
                migrations.AlterField(
                    model_name="memory",
                    name="ticket",
                    field=models.BigIntegerField(db_column="ticket_id", null=True, db_index=False),
                ),
                migrations.AlterField(
                    model_name="memory",
                    name="source_message",
                    field=models.BigIntegerField(db_column="source_message_id", null=True),
                ),
            ],
            state_operations=[
                migrations.RemoveIndex(model_name="memory", name="memory_customer_kind_idx"),
                migrations.RemoveIndex(model_name="memory", name="memory_ticket_kind_idx"),
                migrations.RemoveIndex(model_name="memorydocument", name="memdoc_customer_idx"),
                migrations.RemoveField(model_name="memory", name="customer"),
                migrations.RemoveField(model_name="memory", name="source_message"),
                migrations.RemoveField(model_name="memory", name="ticket"),
                migrations.RemoveField(model_name="memorydocument", name="customer"),
                migrations.RemoveField(model_name="memorydocument", name="message"),
                migrations.RemoveField(model_name="memorydocument", name="ticket"),
                migrations.AddField(
                    model_name="memory",
                    name="customer_id",
                    field=models.BigIntegerField(db_index=False, verbose_name="customer"),
                    preserve_default=False,
                ),
                migrations.AddField(
                    model_name="memory",
                    name="source_message_id",
                    field=models.BigIntegerField(blank=True, null=True, verbose_name="source message"),
                ),
                migrations.AddField(
                    model_name="memory",
                    name="ticket_id",
                    field=models.BigIntegerField(blank=True, db_index=False, null=True, verbose_name="source ticket"),
                ),
                migrations.AddField(
                    model_name="memorydocument",
                    name="customer_id",
                    field=models.BigIntegerField(db_index=False),
                    preserve_default=False,
                ),
                migrations.AddField(
                    model_name="memorydocument",
                    name="message_id",
                    field=models.BigIntegerField(unique=True),
                    preserve_default=False,
                ),
                migrations.AddField(
                    model_name="memorydocument",
                    name="ticket_id",
                    field=models.BigIntegerField(db_index=False),
                    preserve_default=False,
                ),
                migrations.AddIndex(
                    model_name="memory",
                    index=models.Index(fields=["customer_id", "kind", "-created_at"], name="memory_customer_kind_idx"),
                ),
                migrations.AddIndex(
                    model_name="memory",
                    index=models.Index(fields=["ticket_id", "kind"], name="memory_ticket_kind_idx"),
                ),
                migrations.AddIndex(
                    model_name="memorydocument",
                    index=models.Index(fields=["customer_id", "ticket_id"], name="memdoc_customer_idx"),
                ),
            ],
        ),
        migrations.AddField(
            model_name="memorydocument",
            name="is_customer",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(who_wrote_documents, migrations.RunPython.noop),
        migrations.CreateModel(
            name="MemoryGroup",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("ticket_id", models.BigIntegerField(unique=True)),
                ("customer_id", models.BigIntegerField(db_index=False)),
                ("name", models.CharField(blank=True, max_length=500)),
                ("subject", models.CharField(blank=True, max_length=500)),
                ("customer_name", models.CharField(blank=True, max_length=200)),
                ("created_at", models.DateTimeField()),
            ],
            options={
                "indexes": [models.Index(fields=["customer_id", "-created_at"], name="memgroup_customer_idx")],
            },
        ),
        migrations.RunPython(groups_from_documents, migrations.RunPython.noop),
    ]
