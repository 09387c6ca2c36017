"""Documents keep their words as ranking counts them, made once when they are delivered.

Documents stored before this migration have none (`prepared` empty): the engine prepares
them the first time it reads their customer's history, and stores what it made
(`helpdesk/memory/backends/embedded/history.py`).
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('memory', '0003_engine_owns_its_tables'),
    ]

    operations = [
        migrations.AddField(
            model_name='memorydocument',
            name='prepared',
            field=models.TextField(blank=True, default='', help_text='Its words as ranking counts them (JSON, made at ingest); empty: not yet.'),
        ),
    ]
