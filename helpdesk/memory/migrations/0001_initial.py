"""The memory app takes over the outbox (from `tickets`) and the embedded engine's tables (from
`helpdesk`), with their rows: only the migration state moves here, under the tables' old names;
0002 then renames the tables.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('customers', '0003_erasure_record'),
        ('tickets', '0009_message_full_text_search'),
        ('helpdesk', '0003_memory_document_text_search_index'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Memory',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('episode', 'Episode'), ('fact', 'Fact'), ('profile', 'Profile fact')], max_length=16, verbose_name='kind')),
                        ('category', models.CharField(blank=True, max_length=32, verbose_name='category')),
                        ('text', models.TextField(verbose_name='text')),
                        ('is_corrected', models.BooleanField(default=False, help_text="Kept when the ticket's memories are extracted again.", verbose_name='corrected by an agent')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                        ('customer', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='memories', to='customers.customer', verbose_name='customer')),
                        ('source_message', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='tickets.message', verbose_name='source message')),
                        ('ticket', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='memories', to='tickets.ticket', verbose_name='source ticket')),
                    ],
                    options={
                        'db_table': 'helpdesk_memory',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['customer', 'kind', '-created_at'], name='memory_customer_kind_idx'), models.Index(fields=['ticket', 'kind'], name='memory_ticket_kind_idx')],
                    },
                ),
                migrations.CreateModel(
                    name='MemoryDocument',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('speaker', models.CharField(help_text='Who wrote it, as ranking sees it.', max_length=200)),
                        ('text', models.TextField()),
                        ('created_at', models.DateTimeField()),
                        ('vector', models.BinaryField(blank=True, null=True)),
                        ('customer', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='customers.customer')),
                        ('message', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tickets.message')),
                        ('ticket', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tickets.ticket')),
                    ],
                    options={
                        'db_table': 'helpdesk_memorydocument',
                        'indexes': [models.Index(fields=['customer', 'ticket'], name='memdoc_customer_idx')],
                    },
                ),
                migrations.CreateModel(
                    name='MirrorEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('ticket_opened', 'Ticket opened'), ('message', 'Message'), ('ticket_closed', 'Ticket closed'), ('ticket_quiet', 'Ticket went quiet'), ('memory_deleted', 'Memory deleted'), ('customer_erased', 'Customer erased')], max_length=16, verbose_name='kind')),
                        ('state', models.CharField(choices=[('pending', 'Pending'), ('sending', 'Sending'), ('delivered', 'Delivered'), ('failed', 'Failed')], default='pending', max_length=16, verbose_name='state')),
                        ('payload', models.JSONField(blank=True, default=dict, verbose_name='payload')),
                        ('attempts', models.PositiveIntegerField(default=0, verbose_name='attempts')),
                        ('next_attempt_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='next attempt')),
                        ('lease_expires_at', models.DateTimeField(blank=True, null=True, verbose_name='lease expires')),
                        ('last_error', models.TextField(blank=True, verbose_name='last error')),
                        ('outcome', models.CharField(blank=True, max_length=16, verbose_name='outcome')),
                        ('needs_verification', models.BooleanField(default=False, help_text='The backend called it a duplicate after an earlier try failed mid-way: it may have recorded the message without processing it.', verbose_name='needs verification')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                        ('delivered_at', models.DateTimeField(blank=True, null=True, verbose_name='delivered')),
                        ('customer', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='mirror_entries', to='customers.customer', verbose_name='customer')),
                        ('message', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='mirror_entries', to='tickets.message', verbose_name='message')),
                        ('ticket', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='mirror_entries', to='tickets.ticket', verbose_name='ticket')),
                    ],
                    options={
                        'db_table': 'tickets_mirrorentry',
                        'verbose_name': 'memory mirror entry',
                        'verbose_name_plural': 'memory mirror entries',
                        'ordering': ['id'],
                        'indexes': [models.Index(condition=models.Q(('state', 'pending')), fields=['id', 'next_attempt_at'], name='mirror_pending_idx'), models.Index(condition=models.Q(('state', 'sending')), fields=['lease_expires_at'], name='mirror_sending_idx'), models.Index(condition=models.Q(('state__in', ['pending', 'sending', 'failed'])), fields=['state'], name='mirror_open_idx'), models.Index(fields=['ticket', 'state', 'id'], name='mirror_ticket_order_idx'), models.Index(fields=['customer', 'state'], name='mirror_customer_state_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('kind', 'message'), _negated=True), ('message__isnull', False), _connector='OR'), name='mirror_message_entry_has_message'), models.CheckConstraint(condition=models.Q(('kind__in', ['memory_deleted', 'customer_erased']), ('ticket__isnull', False), _connector='OR'), name='mirror_ticket_entry_has_ticket'), models.CheckConstraint(condition=models.Q(('kind', 'customer_erased'), ('customer__isnull', False), _connector='OR'), name='mirror_entry_has_customer')],
                    },
                ),
            ],
        ),
    ]
