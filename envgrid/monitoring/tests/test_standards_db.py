"""Standards as rows: the seed equals the built-in data, the loader gives the same objects, a correction takes
effect at once (cache invalidated on save), the version in force is chosen by date, the admin edits them."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation

from envgrid.core.models import AuditEvent
from envgrid.monitoring import standards
from envgrid.monitoring.aqi import aqi_for_row, aqi_table
from envgrid.monitoring.models import StandardBreakpoint, StandardLimit, StandardValidityRule, StandardVersion
from envgrid.monitoring.standards.builtin import AQI_TABLES, LIMIT_SETS, VALIDITY_SETS

pytestmark = pytest.mark.django_db


def test_the_seed_migration_holds_every_built_in_version():
    assert StandardVersion.objects.count() == len(AQI_TABLES) + len(LIMIT_SETS) + len(VALIDITY_SETS)
    assert StandardBreakpoint.objects.filter(standard__code="hj633-2026", standard__kind="aqi_daily").count() == 7
    assert (
        StandardLimit.objects.get(standard__code="gb3095-2026-phase1", pollutant="PM2.5", averaging="24h").grade_2 == 60
    )


@pytest.mark.parametrize("kind", ["aqi_daily", "aqi_hourly", "limits", "validity"])
def test_the_loader_turns_rows_into_the_same_objects_as_the_built_in_data(kind):
    from envgrid.monitoring.standards.builtin import builtin_catalogue

    assert standards.catalogue(kind) == builtin_catalogue(kind)


def test_the_aqi_computed_with_the_rows_equals_the_built_in_tables():
    columns = {"PM2.5_24h": [35.0, 75.5, 80.0], "PM10_24h": [50.0, 352.1, 120.0], "CO_24h": [2.2, 1.0, 0.5]}
    days = [date(2025, 6, 1), date(2025, 6, 1), date(2026, 6, 1)]

    from_rows = aqi_table(columns, "daily", on_date=days, tables=standards.aqi_tables())
    built_in = aqi_table(columns, "daily", on_date=days)

    assert from_rows["AQI"].tolist() == built_in["AQI"].tolist() == [55.0, 203.0, 119.0]
    assert from_rows["standard"].tolist() == ["hj633-2012", "hj633-2012", "hj633-2026"]


def test_the_version_in_force_follows_the_date():
    assert standards.in_force("aqi_daily", date(2026, 2, 28)).code == "hj633-2012"
    assert standards.in_force("aqi_daily", date(2026, 3, 1)).code == "hj633-2026"
    assert standards.in_force("limits", date(2031, 1, 1)).code == "gb3095-2026-phase2"
    assert [v.code for v in standards.versions_between("limits", date(2026, 2, 1), date(2026, 4, 1))] == [
        "gb3095-2012",
        "gb3095-2026-phase1",
    ]


def test_a_corrected_breakpoint_is_used_at_once():
    standards.catalogue("aqi_daily")  # loaded and cached
    row = StandardBreakpoint.objects.get(standard__code="hj633-2026", standard__kind="aqi_daily", indicator="PM2.5_24h")
    row.concentrations = [0, 35, 75, 115, 150, 250, 350, 500]  # back to the 2012 row
    row.save()

    table = standards.in_force("aqi_daily", date(2026, 6, 1))

    assert table.rows["PM2.5_24h"].concentrations == (0, 35, 75, 115, 150, 250, 350, 500)
    assert aqi_for_row(standard=table, **{"PM2.5_24h": 80}).aqi == 107


def test_a_corrected_validity_minimum_is_used_at_once():
    rule = StandardValidityRule.objects.get(standard__code="gb3095-2026-table4", statistic="24h_mean", minimum=20)
    rule.minimum = 18
    rule.save()

    rule_set = standards.in_force("validity", date(2026, 6, 1))

    assert standards.validity_minimum(rule_set, "24h_mean", "PM2.5") == 18
    assert standards.validity_minimum(standards.in_force("validity", date(2025, 6, 1)), "24h_mean", "PM2.5") == 20


def test_monthly_minimum_days_come_from_the_rule_text():
    rule_set = standards.in_force("validity", date(2025, 6, 1))

    assert standards.monthly_minimum_days(rule_set, 6, 30) == 27
    assert standards.monthly_minimum_days(rule_set, 2, 28) == 25


def test_without_rows_the_built_in_data_is_used():
    StandardVersion.objects.all().delete()

    assert standards.in_force("aqi_daily", date(2026, 6, 1)).code == "hj633-2026"


def test_a_version_ending_before_it_starts_is_refused():
    from django.core.exceptions import ValidationError

    version = StandardVersion.objects.get(code="hj633-2012", kind="aqi_daily")
    version.effective_to = date(2010, 1, 1)

    with translation.override("en"), pytest.raises(ValidationError, match="after the start"):
        version.full_clean()


def test_a_breakpoint_row_must_rise_and_match_the_levels():
    from django.core.exceptions import ValidationError

    row = StandardBreakpoint.objects.get(standard__code="hj633-2012", standard__kind="aqi_daily", indicator="CO_24h")
    row.concentrations = [0, 2, 4, 14, 24, 36, 48]

    with translation.override("en"), pytest.raises(ValidationError, match="one value per IAQI level"):
        row.full_clean()
    row.concentrations = [0, 4, 2, 14, 24, 36, 48, 60]
    with translation.override("en"), pytest.raises(ValidationError, match="rising"):
        row.full_clean()


def test_the_admin_edits_a_limit_inline_and_the_change_is_audited():
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    client = Client()
    client.force_login(admin)
    version = StandardVersion.objects.get(code="gb3095-2026-phase1")
    url = f"/admin/monitoring/standardversion/{version.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and "limits-TOTAL_FORMS" in page.content.decode()

    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["notes"] = "checked against the official text"
    data["provisional"] = "on"
    data["indicators"] = "[]"
    data["iaqi_levels"] = "[]"
    data["input_decimals"] = "{}"
    data["levels"] = "[]"
    formset = page.context["inline_admin_formsets"][0].formset
    data.update({f"{formset.prefix}-{key}": value for key, value in formset.management_form.initial.items()})
    for i, limit_form in enumerate(formset.forms):
        for name in limit_form.fields:
            value = limit_form[name].value()
            if value is not None:
                data[f"{formset.prefix}-{i}-{name}"] = value
    data[f"{formset.prefix}-0-grade_2"] = 59

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert StandardLimit.objects.filter(standard=version).order_by("id").first().grade_2 == 59
    assert AuditEvent.objects.filter(action="standard.update").exists()
