from django.db import migrations


def forwards(apps, schema_editor):
    from envgrid.patrols.seed import seed_checklists

    seed_checklists(
        apps.get_model("patrols", "Checklist"), apps.get_model("patrols", "ChecklistItem"),
        apps.get_model("cases", "CaseCategory"),
    )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("patrols", "0001_initial"), ("cases", "0002_seed_categories")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
