"""The usual duty shifts (白班, 夜班, 24小时); district data an administrator edits afterwards."""

import datetime as dt

from django.db import migrations

SHIFTS = [
    ("day", "白班", dt.time(8, 0), dt.time(20, 0), 10),
    ("night", "夜班", dt.time(20, 0), dt.time(8, 0), 20),
    ("full", "24小时", dt.time(8, 0), dt.time(8, 0), 30),
]


def seed(apps, schema_editor):
    DutyShift = apps.get_model("emergency", "DutyShift")
    for code, name, start, end, order in SHIFTS:
        DutyShift.objects.get_or_create(
            code=code, defaults={"name": name, "start_time": start, "end_time": end, "sort_order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("emergency", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
