"""The usual duty shifts (白班, 夜班, 24小时); district data an administrator edits afterwards."""

from django.db import migrations

from envgrid.emergency.seed import seed_shifts


def seed(apps, schema_editor):
    seed_shifts(apps.get_model("emergency", "DutyShift"))


def unseed(apps, schema_editor):
    """Remove the shifts (refused while duty assignments still use them)."""
    apps.get_model("emergency", "DutyShift").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("emergency", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
