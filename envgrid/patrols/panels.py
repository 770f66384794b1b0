"""Cards on lower apps' pages: the inspection behind a case (case page), and an object's inspections and
enforcement cases (object page). Each shows only what the user may see."""

from __future__ import annotations

from django.template.loader import render_to_string

from envgrid.patrols.models import EnforcementCase, Finding, Inspection


def case_card(case, user) -> str | None:
    """The inspection whose finding became this case, and the enforcement cases it triggered."""
    finding = (
        Finding.objects.filter(case_id=case.pk, inspection__in=Inspection.objects.visible_to(user))
        .select_related("inspection__inspector", "inspection__supervised_object")
        .first()
    )
    enforcement = list(EnforcementCase.objects.visible_to(user).filter(cases=case.pk).order_by("-filed_on"))
    if finding is None and not enforcement:
        return None
    return render_to_string("patrols/_case_card.html", {"finding": finding, "enforcement": enforcement})


def object_inspections_card(obj, user) -> str | None:
    inspections = list(
        Inspection.objects.visible_to(user)
        .filter(supervised_object=obj)
        .select_related("inspector")
        .order_by("-started_at")[:10]
    )
    from envgrid.patrols.permissions import can_inspect

    context = {"inspections": inspections, "obj": obj, "can_inspect": can_inspect(user)}
    return render_to_string("patrols/_object_inspections.html", context)


def object_enforcement_card(obj, user) -> str | None:
    cases = list(
        EnforcementCase.objects.visible_to(user)
        .filter(supervised_object=obj)
        .prefetch_related("measures")
        .order_by("-filed_on")[:10]
    )
    if not cases:
        return None
    return render_to_string("patrols/_object_enforcement.html", {"cases": cases})
