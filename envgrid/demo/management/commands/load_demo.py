"""``manage.py load_demo [--if-empty] [--reset]``: load the fictional demo district."""

from django.core.management.base import BaseCommand, CommandError

from envgrid.demo.district import DEFAULT_SEED, DistrictSpec
from envgrid.demo.loader import DemoLoadError, demo_load, has_units


class Command(BaseCommand):
    help = "Load the fictional demo district: units, regions, grids, grid people and one demo account per role."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the database already has units (for `make run`)."
        )
        parser.add_argument(
            "--reset", action="store_true", help="Replace an earlier demo load (refuses on other data)."
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"Random seed (default {DEFAULT_SEED}).")
        parser.add_argument(
            "--grids",
            type=int,
            help="Generate a district of this many grids, with communities and streets in proportion.",
        )

    def handle(self, *args, if_empty: bool, reset: bool, seed: int, grids: int | None, **options):
        if if_empty and has_units():
            self.stdout.write("The database already has units; demo district not loaded (--if-empty).")
            return
        try:
            spec = DistrictSpec.scaled(grids) if grids else None
            summary = demo_load(reset=reset, seed=seed, spec=spec)
        except (DemoLoadError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(summary.describe()))
        self.stdout.write("Sign in with the demo accounts listed by `manage.py demo_accounts`.")
