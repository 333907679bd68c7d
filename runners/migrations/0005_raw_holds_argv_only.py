from django.db import migrations


def clear_whole_payloads(apps, schema_editor):
    # Old rows hold whole upstream bodies; the next fetch stores just the launch arguments.
    apps.get_model("runners", "RunnerState").objects.exclude(raw=None).update(raw=None)


class Migration(migrations.Migration):
    dependencies = [
        ("runners", "0004_fleet_summary"),
    ]

    operations = [
        migrations.RunPython(clear_whole_payloads, migrations.RunPython.noop),
    ]
