"""Hooks through which higher apps add to the core shell without core importing them.

Each app registers in its ``AppConfig.ready``: navigation entries, home-page work counts and its part of the
demo district (``register_demo``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str = ""
    roles: frozenset[str] | None = None  # None: every signed-in user
    order: int = 100
    match_prefix: str = ""


@dataclass(frozen=True)
class HomeCount:
    label: str
    value: int
    url: str = ""
    tone: str = "primary"


@dataclass(frozen=True)
class DemoPart:
    """An app's part of the demo district: ``load()`` runs inside the demo load's transaction after the
    district (units, regions, people, grids) exists, lower ``order`` first (cases' routing table at 10,
    monitoring's stations at 20, then the rest); ``reset()`` runs before an earlier demo load is deleted
    (higher ``order`` first) and removes what ``load`` wrote."""

    name: str
    load: Callable[[], object]
    reset: Callable[[], object] | None = None
    order: int = 100


@dataclass(frozen=True)
class CasePanel:
    """A card on the case page contributed by a higher app: ``render(case, user)`` returns the card's HTML
    body (safe) or None to show nothing for this case."""

    title: str
    render: Callable[[object, object], str | None]
    order: int = 100


@dataclass
class Hooks:
    nav: list[NavItem] = field(default_factory=list)
    home: list[Callable] = field(default_factory=list)
    demo: list[DemoPart] = field(default_factory=list)
    case_panels: list[CasePanel] = field(default_factory=list)


hooks = Hooks()


def register_nav(item: NavItem) -> None:
    if item not in hooks.nav:
        hooks.nav.append(item)
        hooks.nav.sort(key=lambda i: i.order)


def register_home_counts(provider: Callable) -> None:
    """``provider(user) -> list[HomeCount]``: the user's own work counts for the home page."""
    if provider not in hooks.home:
        hooks.home.append(provider)


def register_demo(part: DemoPart) -> None:
    """Add an app's part of the demo district (see ``DemoPart``)."""
    if all(p.name != part.name for p in hooks.demo):
        hooks.demo.append(part)
        hooks.demo.sort(key=lambda p: p.order)


def register_case_panel(panel: CasePanel) -> None:
    """Add a card to the case page (see ``CasePanel``): e.g. the sensor readings behind an alert's case."""
    if panel not in hooks.case_panels:
        hooks.case_panels.append(panel)
        hooks.case_panels.sort(key=lambda p: p.order)


def case_panels_for(case, user) -> list[tuple[str, str]]:
    """(title, html) of every contributed card that has something to show for this case."""
    cards = []
    for panel in hooks.case_panels:
        html = panel.render(case, user)
        if html:
            cards.append((str(panel.title), html))
    return cards


@contextmanager
def hooks_restored() -> Iterator[Hooks]:
    """For tests: whatever is registered or removed inside the block, every hook list is as before afterwards."""
    saved = {f.name: list(getattr(hooks, f.name)) for f in fields(hooks)}
    try:
        yield hooks
    finally:
        for name, items in saved.items():
            getattr(hooks, name)[:] = items


@contextmanager
def demo_parts_only(*names: str) -> Iterator[None]:
    """For tests: inside the block a demo load runs only the named apps' demo parts; the list is restored after."""
    with hooks_restored():
        hooks.demo[:] = [part for part in hooks.demo if part.name in names]
        yield
