"""Cards that higher apps add to the object page (inspections, enforcement, emission-reduction measures,
readings nearby) without sources importing them. Register from the app's ``AppConfig.ready``::

    from envgrid.sources.hooks import ObjectPanel, register_object_panel
    register_object_panel(ObjectPanel(title=_("Inspections"), render=inspections_card, order=20))

``render(obj, user)`` returns the card's HTML body (already safe) or None when it has nothing to show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ObjectPanel:
    title: str
    render: Callable[[object, object], str | None]
    order: int = 100


object_panels: list[ObjectPanel] = []


def register_object_panel(panel: ObjectPanel) -> None:
    """Add a card to the supervised-object page (see ``ObjectPanel``)."""
    if panel not in object_panels:
        object_panels.append(panel)
        object_panels.sort(key=lambda p: p.order)


def object_panels_for(obj, user) -> list[tuple[str, str]]:
    """(title, html) of every contributed card that has something to show for this object."""
    cards = []
    for panel in object_panels:
        html = panel.render(obj, user)
        if html:
            cards.append((str(panel.title), html))
    return cards
