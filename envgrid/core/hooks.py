"""Hooks through which higher apps add to the core shell without core importing them.

Each app registers in its ``AppConfig.ready``: navigation entries, home-page work counts and its part of the
demo district (``register_demo``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


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
    district, routing and stations exist (lower ``order`` first); ``reset()`` runs before an earlier demo
    load is deleted (higher ``order`` first) and removes what ``load`` wrote."""

    name: str
    load: Callable[[], object]
    reset: Callable[[], object] | None = None
    order: int = 100


@dataclass
class Hooks:
    nav: list[NavItem] = field(default_factory=list)
    home: list[Callable] = field(default_factory=list)
    demo: list[DemoPart] = field(default_factory=list)


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
