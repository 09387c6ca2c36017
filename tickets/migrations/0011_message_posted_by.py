"""Messages remember the account that posted them; signing with another name is a permission.

On SQLite, adding the column makes Django rebuild `tickets_message`, which drops the full-text
search triggers of migration 0009: they and their index are made again after it (and before
the column is removed again on the way back, which rebuilds the table too).
"""

from importlib import import_module

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

search = import_module("tickets.migrations.0009_message_full_text_search")


def rebuild_sqlite_search(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in search.SQLITE_DROP + search.SQLITE_CREATE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0010_mirror_entry_moves_to_memory_app"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, rebuild_sqlite_search),
        migrations.AlterModelOptions(
            name="message",
            options={
                "ordering": ["created_at", "id"],
                "permissions": [("set_message_author", "Can sign messages with another name")],
            },
        ),
        migrations.AddField(
            model_name="message",
            name="posted_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                help_text=(
                    "The account that posted it: the agent in the portal, the agent or "
                    "integration through the API. Empty for the bot, imports and the demo data."
                ),
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="messages_posted",
                to=settings.AUTH_USER_MODEL,
                verbose_name="posted by",
            ),
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(
                condition=models.Q(("posted_by__isnull", False)),
                fields=["posted_by"],
                name="message_posted_by_idx",
            ),
        ),
        migrations.RunPython(rebuild_sqlite_search, migrations.RunPython.noop),
    ]
