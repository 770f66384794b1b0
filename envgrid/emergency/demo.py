"""The emergency part of the demo district: a duty roster for the next 14 days for most units (a few are
left without, so the board's "nobody on duty" flag shows), and the emergency reduction list for the demo
enterprises, by performance grade (绩效分级 per 环办大气函〔2020〕340号; see docs/standards.md)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from envgrid.core.choices import Role
from envgrid.core.models import Unit, User
from envgrid.demo.names import PersonNamer
from envgrid.demo.rng import SeededRandom
from envgrid.emergency.choices import DutyPost
from envgrid.emergency.models import (
    DutyAssignment,
    DutyShift,
    EmergencySettings,
    PollutionWarning,
    ReductionMeasure,
    SpotCheck,
)
from envgrid.emergency.seed import seed_shifts

DAYS = 14
SEED = 2506
#: Every n-th duty unit keeps no roster in the demo.
WITHOUT_ROSTER_EVERY = 6

#: (yellow, orange, red) measures per performance grade: (measures, lines, cut %, heavy-truck ban).
GRADE_MEASURES = {
    "A+": [("自主采取减排措施", "", None, False)] * 3,
    "A": [("自主采取减排措施", "", None, False)] * 3,
    "leading": [("自主采取减排措施", "", None, False)] * 3,
    "B": [
        ("以限代停，降低生产负荷", "", 20, False),
        ("以限代停，降低生产负荷", "", 30, True),
        ("以限代停，降低生产负荷", "", 50, True),
    ],
    "C": [
        ("以停代限，停止部分生产线", "1号生产线", 30, True),
        ("以停代限，停止部分生产线", "1号、2号生产线", 50, True),
        ("停止全部涉气生产工序", "全部生产线", 100, True),
    ],
    "D": [("停产", "全部生产线", 100, True)] * 3,
    "non_leading": [
        ("按“一厂一策”清单落实差异化减排", "", 20, False),
        ("按“一厂一策”清单落实差异化减排", "", 30, True),
        ("按“一厂一策”清单落实差异化减排", "", 50, True),
    ],
    "": [
        ("按“一厂一策”清单落实减排措施", "", 20, False),
        ("按“一厂一策”清单落实减排措施", "", 30, True),
        ("按“一厂一策”清单落实减排措施", "", 50, True),
    ],
}
LEVELS = ("yellow", "orange", "red")


def _roster() -> int:
    rng = SeededRandom(SEED)
    namer = PersonNamer(rng)
    seed_shifts(DutyShift)  # a test database emptied after migrating has lost them
    shifts = {s.code: s for s in DutyShift.objects.all()}
    kinds = EmergencySettings.current().duty_unit_kinds
    units = list(Unit.objects.filter(is_active=True, kind__in=kinds).order_by("sort_order", "name"))
    accounts: dict[int, list[User]] = {}
    for user in User.objects.filter(
        unit__in=units, is_active=True, role__in=[Role.UNIT_LEAD, Role.UNIT_STAFF, Role.RIVER_CHIEF]
    ):
        accounts.setdefault(user.unit_id, []).append(user)
    today = timezone.localdate()
    rows = []
    for index, unit in enumerate(units):
        if index % WITHOUT_ROSTER_EVERY == WITHOUT_ROSTER_EVERY - 1:
            continue
        people = [(u, str(u), u.phone or namer.phone()) for u in accounts.get(unit.pk, [])]
        people += [(None, "".join(namer.name()), namer.phone()) for _ in range(4)]
        leaders = [(None, "".join(namer.name()), namer.phone()) for _ in range(2)]
        for offset in range(DAYS):
            day = today + dt.timedelta(days=offset)
            for code, post, pool in (
                ("day", DutyPost.OFFICER, people),
                ("night", DutyPost.OFFICER, people),
                ("full", DutyPost.LEADER, leaders),
            ):
                person, name, phone = pool[(offset * 2 + (code == "night")) % len(pool)]
                start, end = shifts[code].span(day)
                rows.append(
                    DutyAssignment(
                        unit=unit,
                        date=day,
                        shift=shifts[code],
                        post=post,
                        person=person,
                        name=name,
                        phone=phone,
                        starts_at=start,
                        ends_at=end,
                    )
                )
    DutyAssignment.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _reduction_list() -> int:
    from envgrid.sources.choices import ObjectKind
    from envgrid.sources.models import SupervisedObject

    rows = []
    for obj in SupervisedObject.objects.filter(kind=ObjectKind.ENTERPRISE).select_related("enterprise"):
        grade = getattr(getattr(obj, "enterprise", None), "performance_grade", "") or ""
        for level, (measures, lines, cut, ban) in zip(
            LEVELS, GRADE_MEASURES.get(grade, GRADE_MEASURES[""]), strict=True
        ):
            rows.append(
                ReductionMeasure(
                    supervised_object=obj,
                    level=level,
                    measures=measures,
                    stop_lines=lines,
                    cut_percent=cut,
                    heavy_truck_ban=ban,
                )
            )
    ReductionMeasure.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def load() -> dict:
    """Write the demo roster and reduction list."""
    return {"duty": _roster(), "measures": _reduction_list()}


def reset() -> None:
    """Remove what ``load`` wrote, and any warning and check made since (they refer to demo units)."""
    SpotCheck.objects.all().delete()
    PollutionWarning.objects.all().delete()
    ReductionMeasure.objects.all().delete()
    DutyAssignment.objects.all().delete()
