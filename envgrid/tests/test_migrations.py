"""Every migration reverses, or says plainly that it cannot: no data step whose reverse silently does nothing."""

from django.db import migrations
from django.db.migrations.loader import MigrationLoader

# Migrations that refuse to be reversed on purpose (reversing raises IrreversibleError), each with its reason in
# the migration itself.
IRREVERSIBLE = {("monitoring", "0004_hourly_rollup_composite_key")}


def _our_migrations():
    loader = MigrationLoader(None, ignore_no_migrations=True)  # from disk; no database needed
    return {key: m for key, m in loader.disk_migrations.items() if m.__module__.startswith("envgrid.")}


def test_no_data_step_has_a_silent_no_op_as_its_reverse():
    silent = [
        f"{app}.{name}: {op.describe()}"
        for (app, name), migration in _our_migrations().items()
        for op in migration.operations
        if (isinstance(op, migrations.RunPython) and op.reverse_code is migrations.RunPython.noop)
        or (isinstance(op, migrations.RunSQL) and op.reverse_sql == migrations.RunSQL.noop)
    ]
    assert silent == []


def test_every_migration_is_reversible_except_the_ones_that_say_why_not():
    irreversible = {
        key for key, migration in _our_migrations().items() if any(not op.reversible for op in migration.operations)
    }
    assert irreversible == IRREVERSIBLE
