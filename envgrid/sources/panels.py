"""The object page's card of linked cases (Case.supervised_object). Cases sit above sources, so the card
finds the model through the app registry instead of importing it, and shows only cases the user may see."""

from __future__ import annotations

from django.apps import apps
from django.template.loader import render_to_string


def cases_card(obj, user) -> str | None:
    if not apps.is_installed("envgrid.cases"):
        return None
    case_model = apps.get_model("cases", "Case")
    cases = list(
        case_model.objects.visible_to(user)
        .filter(supervised_object=obj)
        .select_related("category", "lead_unit")
        .order_by("-created_at")[:20]
    )
    return render_to_string("sources/_cases_card.html", {"cases": cases})
