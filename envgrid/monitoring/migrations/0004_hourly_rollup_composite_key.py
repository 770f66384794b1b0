# The hourly rollup becomes (station, hour)-keyed means and coverage only: no surrogate id, no database FK, no
# stored hourly AQI (computed on read). Django cannot change a primary key to a composite one in place, so the new
# table is made beside the old one, the kept columns are copied over, and it takes the old one's name.

import django.db.models.deletion
from django.db import migrations, models

KEPT = (
    "station_id, data_time, source_cn, samples, valid, pm25, pm10, so2, no2, co, o3, "
    "minutes_pm25, minutes_pm10, minutes_so2, minutes_no2, minutes_co, minutes_o3"
)


def copy_hours(apps, schema_editor):
    schema_editor.execute(f"INSERT INTO monitoring_hourlyrollupnew ({KEPT}) SELECT {KEPT} FROM monitoring_hourlyrollup")


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0003_seed_standards"),
    ]

    operations = [
        migrations.CreateModel(
            name="HourlyRollupNew",
            fields=[
                ("pk", models.CompositePrimaryKey("station_id", "data_time", blank=True, editable=False, primary_key=True, serialize=False)),
                ("pm25", models.FloatField(blank=True, null=True, verbose_name="PM2.5")),
                ("pm10", models.FloatField(blank=True, null=True, verbose_name="PM10")),
                ("so2", models.FloatField(blank=True, null=True, verbose_name="SO2")),
                ("no2", models.FloatField(blank=True, null=True, verbose_name="NO2")),
                ("co", models.FloatField(blank=True, null=True, verbose_name="CO")),
                ("o3", models.FloatField(blank=True, null=True, verbose_name="O3")),
                ("valid", models.BooleanField(default=False, verbose_name="valid")),
                ("station", models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, to="monitoring.station", verbose_name="station")),
                ("data_time", models.DateTimeField(verbose_name="hour (start)")),
                ("source_cn", models.PositiveSmallIntegerField(verbose_name="from command (CN)")),
                ("minutes_pm25", models.SmallIntegerField(default=0)),
                ("minutes_pm10", models.SmallIntegerField(default=0)),
                ("minutes_so2", models.SmallIntegerField(default=0)),
                ("minutes_no2", models.SmallIntegerField(default=0)),
                ("minutes_co", models.SmallIntegerField(default=0)),
                ("minutes_o3", models.SmallIntegerField(default=0)),
                ("samples", models.SmallIntegerField(default=0, verbose_name="readings in the hour")),
            ],
            options={
                "verbose_name": "hourly rollup",
                "verbose_name_plural": "hourly rollups",
            },
        ),
        # Irreversible, and said so: the old table's stored hourly AQI columns are gone (computed on read now), so
        # going back would need a rollup rebuild, not a copy. Reversing stops here with IrreversibleError.
        migrations.RunPython(copy_hours, reverse_code=None),
        migrations.DeleteModel(name="HourlyRollup"),
        migrations.RenameModel(old_name="HourlyRollupNew", new_name="HourlyRollup"),
    ]
