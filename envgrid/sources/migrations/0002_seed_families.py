from django.db import migrations


def seed(apps, schema_editor):
    from envgrid.sources.seed import seed_families

    seed_families(apps.get_model("sources", "SourceFamily"))


def unseed(apps, schema_editor):
    """Remove the source families (refused while supervised objects still use them)."""
    apps.get_model("sources", "SourceFamily").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("sources", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
