"""Template filters of the monitoring pages: reject reasons and standards as people read them."""

from django import template

from envgrid.monitoring.choices import REJECT_REASON_LABELS, unit_label
from envgrid.monitoring.models import StandardVersion

register = template.Library()


@register.filter
def reject_reason(code: str) -> str:
    """The reason a frame was refused, in words (the code itself when it is not a known one)."""
    label = REJECT_REASON_LABELS.get(code)
    return str(label) if label is not None else code


@register.filter
def unit(value: str) -> str:
    """A unit as people write it (μg/m³, ℃, °)."""
    return unit_label(value)


@register.filter
def standard_titles(codes) -> str:
    """The titles of standard versions given by code (HJ 633-2026 …), each once, in the codes' order."""
    codes = list(codes)
    titles: dict[str, set[str]] = {}
    for code, title in StandardVersion.objects.filter(code__in=codes).values_list("code", "title"):
        titles.setdefault(code, set()).add(title)
    seen = []
    for code in codes:
        versions = sorted(titles.get(code, {code}))
        # one code, several report modes ("… — 日报", "… — 实时报"): the standard's own title
        title = versions[0] if len(versions) == 1 else versions[0].split(" — ")[0]
        if title not in seen:
            seen.append(title)
    return "；".join(seen)
