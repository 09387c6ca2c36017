"""The outbox now belongs to the memory app (`memory/0001`): state only, the rows stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0004_alter_erasurerecord_memory_entry"),
        ("tickets", "0009_message_full_text_search"),
        ("memory", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="MirrorEntry")],
        ),
    ]
