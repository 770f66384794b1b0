"""Seed the standards rows from ``standards.builtin`` (HJ 633-2012/2026, GB 3095-2012/2026, Table 4 validity)."""

from dataclasses import asdict

from django.db import migrations


def seed(apps, schema_editor):
    from envgrid.monitoring.standards.builtin import AQI_TABLES, LIMIT_SETS, VALIDITY_SETS

    Version = apps.get_model("monitoring", "StandardVersion")
    Breakpoint = apps.get_model("monitoring", "StandardBreakpoint")
    Limit = apps.get_model("monitoring", "StandardLimit")
    Rule = apps.get_model("monitoring", "StandardValidityRule")

    def version(item, **extra):
        return Version.objects.create(
            kind=item.kind,
            code=item.code,
            title=item.title,
            effective_from=item.effective_from,
            effective_to=item.effective_to,
            provisional=item.provisional,
            evidence=item.evidence,
            source=item.source,
            notes=item.notes,
            **extra,
        )

    for table in AQI_TABLES:
        row = version(
            table,
            indicators=list(table.indicators),
            iaqi_levels=list(table.iaqi_levels),
            input_decimals=dict(table.input_decimals),
            levels=[asdict(level) for level in table.levels],
        )
        Breakpoint.objects.bulk_create(
            Breakpoint(
                standard=row,
                indicator=bp.indicator,
                pollutant=bp.pollutant,
                unit=bp.unit,
                concentrations=list(bp.concentrations),
                beyond_last=bp.beyond_last,
                fallback_to=bp.fallback_to or "",
                evidence=bp.evidence,
                source=bp.source,
            )
            for bp in table.rows.values()
        )
    for limit_set in LIMIT_SETS:
        row = version(limit_set)
        Limit.objects.bulk_create(
            Limit(
                standard=row,
                pollutant=v.pollutant,
                averaging=v.averaging,
                grade_1=v.grade_1,
                grade_2=v.grade_2,
                unit=v.unit,
                evidence=v.evidence,
                source=v.source,
            )
            for v in limit_set.values
        )
    for rule_set in VALIDITY_SETS:
        row = version(rule_set)
        Rule.objects.bulk_create(
            Rule(
                standard=row,
                statistic=r.statistic,
                pollutants=list(r.pollutants),
                minimum=r.minimum,
                of=r.of,
                extra=r.extra,
                evidence=r.evidence,
                source=r.source,
            )
            for r in rule_set.rules
        )


def unseed(apps, schema_editor):
    apps.get_model("monitoring", "StandardVersion").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0002_standards_and_rollups")]

    operations = [migrations.RunPython(seed, unseed)]
