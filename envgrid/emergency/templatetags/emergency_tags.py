"""Template helpers of the emergency pages: the warning level's badge colours."""

from django import template
from django.utils.html import format_html

from envgrid.emergency.choices import LEVEL_COLOURS, WarningLevel

register = template.Library()


@register.simple_tag
def level_badge(level: str, extra: str = ""):
    """A badge in the level's own colour (黄/橙/红), with its label."""
    if level not in WarningLevel.values:
        return ""
    text_colour = "#222" if level == WarningLevel.YELLOW else "#fff"
    return format_html(
        '<span class="badge {}" style="background:{};color:{}" data-testid="level-badge" data-level="{}">{}</span>',
        extra,
        LEVEL_COLOURS[level],
        text_colour,
        level,
        WarningLevel(level).label,
    )
