"""Hooks through which higher apps add to the core shell without core importing them.

Each app registers in its ``AppConfig.ready``: navigation entries and home-page work counts.
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


@dataclass
class Hooks:
    nav: list[NavItem] = field(default_factory=list)
    home: list[Callable] = field(default_factory=list)


hooks = Hooks()


def register_nav(item: NavItem) -> None:
    if item not in hooks.nav:
        hooks.nav.append(item)
        hooks.nav.sort(key=lambda i: i.order)


def register_home_counts(provider: Callable) -> None:
    """``provider(user) -> list[HomeCount]``: the user's own work counts for the home page."""
    if provider not in hooks.home:
        hooks.home.append(provider)
