"""``manage.py demo_accounts``: print the demo accounts, their password and unit, and what to try."""

import unicodedata

from django.core.management.base import BaseCommand

from envgrid.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from envgrid.demo.selectors import demo_account_units


def _width(text: str) -> int:
    """Columns the text takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _unit_cell(units: dict[str, str], username: str) -> str:
    if username not in units:
        return "(not loaded: run manage.py load_demo)"
    return units[username] or "—"


class Command(BaseCommand):
    help = "Print the demo accounts (one per role), their password and unit, and what to try with each."

    def handle(self, *args, **options):
        units = demo_account_units()
        header = ("username", "role", "unit", "what to try")
        rows = [(a.username, a.role, _unit_cell(units, a.username), a.description) for a in DEMO_ACCOUNTS]
        widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(3)]
        self.stdout.write(f"Demo accounts — password for all: {DEMO_PASSWORD}")
        for row in [header, *rows]:
            self.stdout.write("  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=False)) + "  " + row[3])
