"""The embedded engine's tables now belong to the memory app (`memory/0001`): state only."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("helpdesk", "0003_memory_document_text_search_index"),
        ("memory", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Memory"),
                migrations.DeleteModel(name="MemoryDocument"),
            ],
        ),
    ]
