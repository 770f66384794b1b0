from django.db import migrations


def forwards(apps, schema_editor):
    from envgrid.patrols.seed import seed_checklists

    seed_checklists(
        apps.get_model("patrols", "Checklist"), apps.get_model("patrols", "ChecklistItem"),
        apps.get_model("cases", "CaseCategory"),
    )


def backwards(apps, schema_editor):
    """Remove the checklists and their items (refused while inspections still use them)."""
    apps.get_model("patrols", "ChecklistItem").objects.all().delete()
    apps.get_model("patrols", "Checklist").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("patrols", "0001_initial"), ("cases", "0002_seed_categories")]

    operations = [migrations.RunPython(forwards, backwards)]
