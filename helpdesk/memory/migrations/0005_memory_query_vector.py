"""Query vectors the embedded engine makes when a message is delivered, so reads need none.

Messages delivered before this migration have none: a read embeds its query as before (and
keeps it in the process's cache).
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('memory', '0004_memory_document_prepared'),
    ]

    operations = [
        migrations.CreateModel(
            name='MemoryQueryVector',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('customer_id', models.BigIntegerField()),
                ('ticket_id', models.BigIntegerField()),
                ('of_ticket', models.BooleanField(default=False, help_text='All the customer wrote in the ticket (replaced as it grows).')),
                ('digest', models.CharField(help_text='sha256 of the text as embedded.', max_length=64)),
                ('vector', models.BinaryField()),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('customer_id', 'digest'), name='memquery_customer_digest_uniq')],
            },
        ),
    ]
