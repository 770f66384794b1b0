"""The demo district's patrols part: written through the services on top of the sources demo, writing no
cases, and removed again by a reset."""

import pytest

from envgrid.cases.models import Case
from envgrid.core.hooks import demo_parts_only, hooks
from envgrid.demo.loader import demo_load
from envgrid.patrols.models import EnforcementCase, Finding, Inspection, InspectionPlan
from envgrid.sources.models import SupervisedObject

pytestmark = pytest.mark.django_db


def test_the_demo_has_plans_night_records_findings_and_enforcement_and_resets_cleanly():
    names = [p.name for p in hooks.demo]
    if "sources" not in names:
        pytest.skip("the sources demo part is not registered: no objects to inspect")
    with demo_parts_only("cases", "monitoring", "sources", "patrols"):
        demo_load()
        assert SupervisedObject.objects.exists()
        assert InspectionPlan.objects.filter(kind="night").exists()
        assert Inspection.objects.filter(kind="night").count() >= 20
        assert EnforcementCase.objects.filter(inspections__isnull=False).exists()
        assert not Case.objects.exists()  # other apps' tests load the whole demo and expect no cases
        assert EnforcementCase.objects.filter(status="closed").exists()
        assert EnforcementCase.objects.filter(publicity__isnull=False).exists()
        demo_load(reset=True)
        assert Inspection.objects.filter(kind="night").count() >= 20
        assert not Finding.objects.exists()
