"""Messages may be internal notes (role "note").

On SQLite, changing the role's check constraint makes Django rebuild `tickets_message`,
which drops the full-text search triggers of migration 0009: they are made again after it
(and before it on the way back), as migration 0011 does.
"""

from importlib import import_module

from django.conf import settings
from django.db import migrations, models

search = import_module("tickets.migrations.0009_message_full_text_search")


def rebuild_sqlite_search(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in search.SQLITE_DROP + search.SQLITE_CREATE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0011_message_posted_by'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, rebuild_sqlite_search),
        migrations.RemoveConstraint(
            model_name='message',
            name='message_role_valid',
        ),
        migrations.AlterField(
            model_name='message',
            name='role',
            field=models.CharField(choices=[('customer', 'Customer'), ('agent', 'Agent'), ('bot', 'Bot'), ('note', 'Internal note')], max_length=16, verbose_name='role'),
        ),
        migrations.AddConstraint(
            model_name='message',
            constraint=models.CheckConstraint(condition=models.Q(('role__in', ['customer', 'agent', 'bot', 'note'])), name='message_role_valid'),
        ),
        migrations.RunPython(rebuild_sqlite_search, migrations.RunPython.noop),
    ]
