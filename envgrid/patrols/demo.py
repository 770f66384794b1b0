"""The patrols part of the demo district: checklists, a night-inspection campaign and a street's routine
plan, a month of night-inspection records, and joint-enforcement cases (some triggered by those records)
with measures, fines and publicity — all written through the services, as real users would."""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Q
from django.utils import timezone

from envgrid.cases.models import Case, CaseCategory
from envgrid.core.choices import UnitKind
from envgrid.core.models import Unit, User
from envgrid.grids.models import Grid
from envgrid.patrols import services
from envgrid.patrols.choices import Frequency, InspectionKind, MeasureKind, PublicityChannel
from envgrid.patrols.models import (
    Checklist,
    ChecklistItem,
    EnforcementCase,
    Finding,
    Inspection,
    InspectionPlan,
)
from envgrid.patrols.night import BEIJING
from envgrid.patrols.seed import seed_checklists
from envgrid.sources.models import SupervisedObject

SEED = 20260601
DAYS = 30

VIOLATIONS = [
    (
        "enterprise",
        "治污设施未正常运行，超标排放",
        "《中华人民共和国大气污染防治法》第九十九条",
        [("fine", 100000), ("rectify", None)],
    ),
    (
        "enterprise",
        "重污染天气橙色预警期间未落实停限产措施",
        "《中华人民共和国大气污染防治法》第一百零八条",
        [("suspend", None), ("fine", 50000)],
    ),
    (
        "construction_site",
        "工地物料未覆盖、出入车辆未冲洗",
        "《中华人民共和国大气污染防治法》第一百一十五条",
        [("rectify", None), ("fine", 20000)],
    ),
    (
        "construction_site",
        "夜间违规土方作业，渣土车未密闭运输",
        "《河南省大气污染防治条例》第四十四条",
        [("suspend", None)],
    ),
    (
        "catering",
        "餐饮油烟净化设施未正常使用",
        "《中华人民共和国大气污染防治法》第一百一十八条",
        [("rectify", None), ("fine", 5000)],
    ),
    ("fuel_point", "违规销售散煤", "《河南省大气污染防治条例》第六十一条", [("seal", None), ("fine", 10000)]),
    ("farmland", "露天焚烧秸秆", "《中华人民共和国大气污染防治法》第一百一十九条", [("fine", 500)]),
    ("enterprise", "篡改在线监测数据", "《中华人民共和国环境保护法》第六十三条", [("police", None), ("seal", None)]),
]


def _at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BEIJING)


def load() -> None:
    """Write the demo's plans, records and enforcement cases (needs the sources demo's objects)."""
    seed_checklists(Checklist, ChecklistItem, CaseCategory)
    objects = list(SupervisedObject.objects.filter(status="active").select_related("grid").order_by("code"))
    if not objects:
        return
    rng = random.Random(SEED)
    names = ["dispatcher", "unit_lead", "unit_staff", "river_chief"]
    people = {u.username: u for u in User.objects.filter(username__in=names).select_related("unit")}
    if len(people) < 4:
        return
    ecology, command = people["unit_staff"].unit, people["dispatcher"]
    housing = Unit.objects.filter(name="住房和城乡建设局").first() or ecology
    urban = Unit.objects.filter(name="城市管理局").first() or ecology
    today = timezone.localdate()
    night_targets = [o for o in objects if o.kind in ("enterprise", "construction_site")][:30]
    night_plan = services.plan_create(
        actor=command,
        title="夏季臭氧攻坚夜查专项行动",
        kind=InspectionKind.NIGHT,
        lead_unit=ecology,
        units=[housing],
        objects=night_targets,
        starts_on=today - dt.timedelta(days=DAYS),
        ends_on=today + dt.timedelta(days=DAYS),
        times=2,
        frequency=Frequency.WEEK,
        note="重点检查夜间偷排、工地夜间违规施工。",
    )
    street = people["river_chief"].unit
    street_grids = list(Grid.objects.filter(street__unit=street).order_by("code")[:8])
    if street.kind == UnitKind.STREET and street_grids:
        services.plan_create(
            actor=command,
            title=f"{street.name}网格日常巡查",
            kind=InspectionKind.ROUTINE,
            lead_unit=street,
            grids=street_grids,
            starts_on=today - dt.timedelta(days=DAYS),
            ends_on=today + dt.timedelta(days=60),
            times=1,
            frequency=Frequency.DAY,
        )
    _records(rng, people, night_plan, night_targets, housing, today)
    _enforcement(rng, command, objects, [ecology, housing, urban], today)


def _records(rng, people, plan, targets, housing, today) -> None:
    inspectors = [people["unit_staff"], people["unit_lead"]]
    for days_ago in range(DAYS, 0, -1):
        day = today - dt.timedelta(days=days_ago)
        for _visit in range(rng.choice([0, 1, 2, 3])):
            obj = rng.choice(targets)
            start = _at(day, rng.choice([20, 21, 22, 23]), rng.choice([0, 15, 30, 45]))
            checklist = services.current_checklist(obj.kind)
            items = list(checklist.items.all()) if checklist else []
            # Every item met or not applicable: the demo writes no cases, because the other apps' tests load
            # the whole demo and expect the case table to start empty. Findings are shown by the tests.
            answers = {i.pk: ("na" if rng.random() < 0.1 else "pass") for i in items}
            joint = rng.random() < 0.2
            services.inspection_record(
                inspector=rng.choice(inspectors),
                kind=InspectionKind.NIGHT,
                started_at=start,
                ended_at=start + dt.timedelta(minutes=rng.choice([20, 30, 45])),
                supervised_object=obj,
                units=[housing] if joint else [],
                plan=plan,
                lon=obj.lon,
                lat=obj.lat,
                accuracy_m=rng.choice([8, 30]),
                answers=answers,
                summary=rng.choice(["未发现问题", "现场已停工", "治污设施运行正常", "夜间无施工"]),
            )


def _enforcement(rng, command, objects, units, today) -> None:
    by_kind: dict[str, list] = {}
    for obj in objects:
        by_kind.setdefault(obj.kind, []).append(obj)
    found = list(Inspection.objects.all())
    for n in range(14):
        kind, violation, basis, measures = VIOLATIONS[n % len(VIOLATIONS)]
        candidates = by_kind.get(kind) or objects
        obj = rng.choice(candidates)
        trigger = [i for i in found if i.supervised_object_id == obj.pk][:1]
        filed = today - dt.timedelta(days=rng.randint(3, 120))
        lead = units[n % len(units)]
        enforcement = services.enforcement_open(
            actor=command,
            title=f"{obj.name}{violation[:12]}",
            violation=violation,
            legal_basis=basis,
            lead_unit=lead,
            units=[u for u in units if u != lead][: rng.choice([0, 1, 2])],
            supervised_object=obj,
            inspections=trigger,
            filed_on=filed,
            measures=[{"kind": k, "fine_amount": a, "deadline": filed + dt.timedelta(days=15)} for k, a in measures],
        )
        stage = rng.random()
        if stage > 0.3:
            services.enforcement_transition(
                enforcement=enforcement, actor=command, to="decided", on=filed + dt.timedelta(days=3)
            )
        if stage > 0.6:
            for measure in enforcement.measures.all():
                services.enforcement_complete_measure(
                    measure=measure, actor=command, done_on=min(today, filed + dt.timedelta(days=10))
                )
            services.enforcement_transition(enforcement=enforcement, actor=command, to="closed")
        if stage > 0.5 and MeasureKind.FINE in [k for k, _a in measures]:
            services.enforcement_publicize(
                enforcement=enforcement,
                actor=command,
                channel=rng.choice(list(PublicityChannel.values[:4])),
                published_on=min(today, filed + dt.timedelta(days=5)),
                outlet="环境违法典型案例曝光台",
                link="https://example.gov.cn/hbj/bgt/" + enforcement.number,
            )


def reset() -> None:
    """Remove what ``load`` wrote (and the cases its findings became) before the demo district goes."""
    case_ids = list(Finding.objects.exclude(case=None).values_list("case_id", flat=True))
    EnforcementCase.objects.all().delete()
    Inspection.objects.all().delete()
    InspectionPlan.objects.all().delete()
    Case.objects.filter(Q(pk__in=case_ids)).delete()
