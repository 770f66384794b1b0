"""Template filters of the monitoring pages: reject reasons and standards as people read them."""

import re

from django import template
from django.utils.translation import gettext as _

from envgrid.monitoring.choices import DEFENCE_LABELS, REJECT_REASON_LABELS
from envgrid.monitoring.models import StandardVersion

register = template.Library()

#: A standard version's code as the stats notes name it: hj633-2026, gb3095-2026-phase1, gb3095-2012-table4.
STANDARD_CODE = re.compile(r"\b(?:hj|gb)\d+-\d{4}(?:-[a-z0-9]+)*\b")


@register.filter
def reject_reason(code: str) -> str:
    """The reason a frame was refused, in words (the code itself when it is not a known one)."""
    return _label(REJECT_REASON_LABELS, code)


@register.filter
def defence(counter: str) -> str:
    """What one of the receiver's defence counters counts, in words."""
    return _label(DEFENCE_LABELS, counter)


def _label(labels: dict, key: str) -> str:
    label = labels.get(key)
    return str(label) if label is not None else key


def _titles(codes) -> dict[str, str]:
    """Standard code → title; where one code has several report modes ("… — 日报", "… — 实时报"), the
    standard's own title."""
    titles: dict[str, set[str]] = {}
    for code, title in StandardVersion.objects.filter(code__in=codes).values_list("code", "title"):
        titles.setdefault(code, set()).add(title)
    out = {}
    for code, versions in titles.items():
        ordered = sorted(versions)
        out[code] = ordered[0] if len(ordered) == 1 else ordered[0].split(" — ")[0]
    return out


@register.filter
def with_standard_titles(text: str) -> str:
    """A note with the standard codes it names (hj633-2026 …) written as their titles."""
    codes = STANDARD_CODE.findall(str(text))
    if not codes:
        return text
    titles = _titles(set(codes))
    return STANDARD_CODE.sub(lambda m: titles.get(m.group(0), m.group(0)), str(text))


@register.filter
def standard_titles(codes) -> str:
    """The titles of standard versions given by code (HJ 633-2026 …), each once, in the codes' order."""
    codes = list(codes)
    titles = _titles(codes)
    seen = []
    for code in codes:
        title = titles.get(code, code)
        if title not in seen:
            seen.append(title)
    return "；".join(seen)


@register.filter
def period_title(label: str) -> str:
    """A period label as people read it: 2026-Q4 → 2026年第4季度, 2026-W49 → 2026年第49周; others as they are."""
    if match := re.fullmatch(r"(\d{4})-Q([1-4])", str(label)):
        return _("%(year)s Q%(quarter)s") % {"year": match[1], "quarter": match[2]}
    if match := re.fullmatch(r"(\d{4})-W(\d{2})", str(label)):
        return _("%(year)s week %(week)s") % {"year": match[1], "week": int(match[2])}
    return label
