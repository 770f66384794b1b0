from django.db import migrations


def seed(apps, schema_editor):
    from envgrid.cases.seed import seed_categories

    seed_categories(apps.get_model("cases", "CaseCategory"), apps.get_model("cases", "CaseSLA"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
