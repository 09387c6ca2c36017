# The two branches merged by 0007 both changed MirrorEntry.customer: one made it nullable
# (customer-level "customer_erased" entries), the other dropped its own index (a composite
# index leads with it). Whichever ran last, end with a nullable column and no own index.
import django.db.models.deletion
from django.db import migrations, models


def drop_customer_index(apps, schema_editor):
    name = schema_editor._create_index_name("tickets_mirrorentry", ["customer_id"], suffix="")
    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0003_erasure_record"),
        ("tickets", "0007_merge_erasure_and_scale"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunPython(drop_customer_index, migrations.RunPython.noop)
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="mirrorentry",
                    name="customer",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="mirror_entries",
                        to="customers.customer",
                        verbose_name="customer",
                    ),
                ),
            ],
        ),
    ]
