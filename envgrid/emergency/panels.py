"""The card on a supervised object's page: its emergency reduction measures per level and its latest spot
checks (within the user's scope)."""

from __future__ import annotations

from django.template.loader import render_to_string

from envgrid.emergency.models import ReductionMeasure, SpotCheck


def measures_card(obj, user) -> str | None:
    measures = list(ReductionMeasure.objects.visible_to(user).filter(supervised_object=obj).order_by("level"))
    checks = list(
        SpotCheck.objects.visible_to(user)
        .filter(supervised_object=obj)
        .exclude(status="cancelled")
        .select_related("warning", "case")
        .order_by("-due_at")[:10]
    )
    if not measures and not checks:
        return None
    return render_to_string("emergency/_object_card.html", {"measures": measures, "checks": checks})
