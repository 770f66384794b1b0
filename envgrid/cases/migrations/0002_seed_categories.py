from django.db import migrations


def seed(apps, schema_editor):
    from envgrid.cases.seed import seed_categories

    seed_categories(apps.get_model("cases", "CaseCategory"), apps.get_model("cases", "CaseSLA"))


def unseed(apps, schema_editor):
    """Remove the categories and their SLA rules (refused while cases still use them)."""
    apps.get_model("cases", "CaseSLA").objects.all().delete()
    apps.get_model("cases", "CaseCategory").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
