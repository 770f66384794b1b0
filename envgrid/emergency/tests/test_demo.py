"""The emergency part of the demo district: a 14-day roster for most duty units, and the reduction list for
every demo enterprise — and a reset removes it."""

import datetime as dt

import pytest
from django.utils import timezone

from envgrid.demo.loader import demo_load
from envgrid.emergency import selectors
from envgrid.emergency.models import DutyAssignment, ReductionMeasure
from envgrid.emergency.services.warnings import warning_activate, warning_record

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_roster_and_a_reduction_list_and_an_orange_warning_works(django_user_model):
    demo_load()
    from envgrid.sources.models import SupervisedObject

    units = selectors.duty_units()
    with_roster = set(DutyAssignment.objects.values_list("unit_id", flat=True))
    assert len(with_roster) >= 0.75 * units.count() and len(with_roster) < units.count()
    assert DutyAssignment.objects.filter(date=timezone.localdate() + dt.timedelta(days=13)).exists()
    assert not DutyAssignment.objects.filter(date=timezone.localdate() + dt.timedelta(days=14)).exists()
    enterprises = SupervisedObject.objects.filter(kind="enterprise").count()
    assert enterprises > 0 and ReductionMeasure.objects.count() == 3 * enterprises

    dispatcher = django_user_model.objects.get(username="dispatcher")
    warning = warning_record(
        actor=dispatcher,
        document_number="演示〔2026〕1号",
        level="orange",
        starts_at=timezone.now(),
        ends_at=timezone.now() + dt.timedelta(days=1),
    )
    warning = warning_activate(warning=warning, actor=dispatcher)
    assert warning.spot_checks.values("unit").distinct().count() >= 2

    demo_load(reset=True)
    assert (
        DutyAssignment.objects.exists()
        and ReductionMeasure.objects.count() == 3 * SupervisedObject.objects.filter(kind="enterprise").count()
    )
