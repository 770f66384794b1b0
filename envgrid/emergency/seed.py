"""The usual duty shifts (白班, 夜班, 24小时): seeded by a data migration, and again by the demo when a test
database was emptied after migrating. District data an administrator edits afterwards."""

import datetime as dt

SHIFTS = [
    ("day", "白班", dt.time(8, 0), dt.time(20, 0), 10),
    ("night", "夜班", dt.time(20, 0), dt.time(8, 0), 20),
    ("full", "24小时", dt.time(8, 0), dt.time(8, 0), 30),
]


def seed_shifts(DutyShift) -> None:  # noqa: N803 — the historical model from the migration, or the real one
    for code, name, start, end, order in SHIFTS:
        DutyShift.objects.get_or_create(
            code=code, defaults={"name": name, "start_time": start, "end_time": end, "sort_order": order}
        )
