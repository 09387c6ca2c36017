"""The moved models take the memory app's names: their tables (memory_mirrorentry, ...) and
their content types, so that permissions granted on them and admin log entries follow them."""

from django.db import migrations

MOVED = {"mirrorentry": "tickets", "memory": "helpdesk", "memorydocument": "helpdesk"}


def _relabel(apps, *, to_memory: bool) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    for model, old_label in MOVED.items():
        source, target = (old_label, "memory") if to_memory else ("memory", old_label)
        if content_type.objects.filter(app_label=target, model=model).exists():
            continue  # post_migrate already made the new one: keep it, leave the old one stale
        content_type.objects.filter(app_label=source, model=model).update(app_label=target)


def content_types_forwards(apps, schema_editor) -> None:
    _relabel(apps, to_memory=True)


def content_types_backwards(apps, schema_editor) -> None:
    _relabel(apps, to_memory=False)


class Migration(migrations.Migration):
    dependencies = [
        ("memory", "0001_initial"),
        ("tickets", "0010_mirror_entry_moves_to_memory_app"),
        ("helpdesk", "0004_memory_models_move_to_memory_app"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelTable(name="mirrorentry", table=None),
        migrations.AlterModelTable(name="memorydocument", table=None),
        migrations.AlterModelTable(name="memory", table=None),
        migrations.RunPython(content_types_forwards, content_types_backwards),
    ]
