from django.db import migrations


def seed(apps, schema_editor):
    from envgrid.sources.seed import seed_families

    seed_families(apps.get_model("sources", "SourceFamily"))


class Migration(migrations.Migration):
    dependencies = [("sources", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
