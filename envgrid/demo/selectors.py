"""Reads of the demo app."""

from __future__ import annotations

from envgrid.core.models import User
from envgrid.demo.accounts import DEMO_USERNAMES


def demo_account_units() -> dict[str, str]:
    """Username → unit name of every demo account present in the database ("" for one without a unit)."""
    users = User.objects.filter(username__in=DEMO_USERNAMES).select_related("unit")
    return {user.username: user.unit.name if user.unit else "" for user in users}
