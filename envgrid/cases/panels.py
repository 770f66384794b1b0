"""Cards cases contributes to lower apps' pages: the linked cases on a supervised object's page
(``Case.supervised_object``), showing only cases the user may see."""

from __future__ import annotations

from django.template.loader import render_to_string

from envgrid.cases.models import Case


def object_cases_card(obj, user) -> str | None:
    """The latest twenty cases about a supervised object, newest first."""
    cases = list(
        Case.objects.visible_to(user)
        .filter(supervised_object=obj)
        .select_related("category", "lead_unit")
        .order_by("-created_at")[:20]
    )
    return render_to_string("cases/_object_cases_card.html", {"cases": cases})
