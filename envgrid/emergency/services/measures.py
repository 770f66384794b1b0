"""Writes of the emergency emission-reduction list (应急减排清单): save or remove one line, or import the list
from Excel (per enterprise and level: the measures, lines stopped, output cut, heavy-truck ban)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from envgrid.core.models import User
from envgrid.core.services import audit_record
from envgrid.core.spreadsheets import Column, RowError, read_records, refuse_if_errors
from envgrid.core.spreadsheets import cell_text as text
from envgrid.core.spreadsheets import yes_no as parse_bool
from envgrid.emergency.choices import WarningLevel
from envgrid.emergency.errors import (
    MAX_IMPORT_BYTES,
    EmergencyError,
    EmergencyErrorCode,
    EmergencyPermissionDenied,
    ImportInvalid,
    ImportUnreadable,
)
from envgrid.emergency.models import ReductionMeasure
from envgrid.emergency.permissions import can_manage_emergency

LEVEL_WORDS = {
    "黄色": WarningLevel.YELLOW,
    "黄": WarningLevel.YELLOW,
    "yellow": WarningLevel.YELLOW,
    "iii级": WarningLevel.YELLOW,
    "橙色": WarningLevel.ORANGE,
    "橙": WarningLevel.ORANGE,
    "orange": WarningLevel.ORANGE,
    "ii级": WarningLevel.ORANGE,
    "红色": WarningLevel.RED,
    "红": WarningLevel.RED,
    "red": WarningLevel.RED,
    "i级": WarningLevel.RED,
}

MEASURE_COLUMNS = (
    Column("code", "对象编码", aliases=("code", "企业编码", "监管对象编码"), example="QY-0001"),
    Column("credit_code", "统一社会信用代码", aliases=("credit_code", "信用代码"), example=""),
    Column("name", "企业名称", aliases=("name", "企业"), example="鹿鸣铸造有限公司"),
    Column("level", "预警级别", aliases=("level", "级别"), required=True, example="橙色"),
    Column(
        "measures",
        "减排措施",
        aliases=("measures", "措施", "管控措施"),
        required=True,
        example="停止2号生产线，限产30%",
    ),
    Column("stop_lines", "停产生产线", aliases=("stop_lines", "停产设备"), example="2号生产线"),
    Column("cut_percent", "限产比例(%)", aliases=("cut_percent", "限产比例", "限产比例%"), example=30),
    Column("heavy_truck_ban", "禁止重型货车运输", aliases=("heavy_truck_ban", "禁止重型车", "重型货车"), example="是"),
    Column("note", "备注", aliases=("note",), example=""),
)


def _require_manager(actor: User) -> None:
    if not can_manage_emergency(actor):
        raise EmergencyPermissionDenied(_("Only the command centre keeps the emergency reduction list."))


def _is_enterprise(obj) -> bool:
    from envgrid.sources.choices import ObjectKind

    return obj.kind == ObjectKind.ENTERPRISE


@transaction.atomic
def measure_save(
    *,
    actor: User,
    supervised_object,
    level: str,
    measures: str,
    stop_lines: str = "",
    cut_percent: int | None = None,
    heavy_truck_ban: bool = False,
    note: str = "",
) -> ReductionMeasure:
    """Set what one enterprise must do at one level (creating or replacing that line of the list)."""
    _require_manager(actor)
    if not _is_enterprise(supervised_object):
        raise EmergencyError(EmergencyErrorCode.INVALID, _("Only enterprises are on the reduction list."))
    measure = ReductionMeasure.objects.filter(supervised_object=supervised_object, level=level).first()
    before = None if measure is None else {"measures": measure.measures, "cut_percent": measure.cut_percent}
    measure = measure or ReductionMeasure(supervised_object=supervised_object, level=level)
    measure.measures, measure.stop_lines, measure.cut_percent = measures.strip(), stop_lines.strip(), cut_percent
    measure.heavy_truck_ban, measure.note = heavy_truck_ban, note.strip()
    measure.updated_at, measure.updated_by = timezone.now(), actor
    measure.full_clean()
    measure.save()
    audit_record(
        actor=actor,
        action="measure.save",
        obj=measure,
        before=before,
        after={"measures": measure.measures, "cut_percent": measure.cut_percent},
    )
    return measure


@transaction.atomic
def measure_delete(*, actor: User, measure: ReductionMeasure) -> None:
    """Take one line off the list (spot checks already made keep the measures they were given)."""
    _require_manager(actor)
    audit_record(actor=actor, action="measure.delete", obj=measure, before={"measures": measure.measures})
    measure.delete()


@dataclass
class MeasureImportResult:
    rows: int
    created: int
    updated: int
    enterprises: int
    dry_run: bool
    preview: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "enterprises": self.enterprises,
            "dry_run": self.dry_run,
            "preview": self.preview,
        }


def _objects_for(rows: list[tuple[int, dict]]) -> tuple[dict, dict]:
    from envgrid.sources.models import SupervisedObject

    codes = {text(v.get("code")) for _n, v in rows if text(v.get("code"))}
    credits = {text(v.get("credit_code")).upper() for _n, v in rows if text(v.get("credit_code"))}
    found = SupervisedObject.objects.filter(Q(code__in=codes) | Q(enterprise__credit_code__in=credits))
    found = list(found.select_related("enterprise"))
    by_code = {o.code: o for o in found}
    by_credit = {}
    for obj in found:
        credit = getattr(getattr(obj, "enterprise", None), "credit_code", "")
        if credit:
            by_credit[credit.upper()] = obj
    return by_code, by_credit


def _parse_measure_row(number, values, by_code, by_credit, errors) -> dict | None:
    def bad(column: str, message: str) -> None:
        errors.append(RowError(number, column, message))

    before = len(errors)
    code, credit = text(values.get("code")), text(values.get("credit_code")).upper()
    obj = None
    if not code and not credit:
        bad("对象编码", _("Give the object code or the unified social credit code."))
    elif code and code not in by_code:
        bad("对象编码", _("No supervised object has the code “%(v)s”.") % {"v": code})
    elif code:
        obj = by_code[code]
    elif credit not in by_credit:
        bad("统一社会信用代码", _("No enterprise has the credit code “%(v)s”.") % {"v": credit})
    else:
        obj = by_credit[credit]
    if obj is not None and not _is_enterprise(obj):
        bad("对象编码", _("%(obj)s is not an enterprise.") % {"obj": obj})
    if obj is not None and (name := text(values.get("name"))) and name != obj.name:
        bad(
            "企业名称",
            _("“%(v)s” is not the name of %(code)s (%(name)s).") % {"v": name, "code": obj.code, "name": obj.name},
        )
    level = LEVEL_WORDS.get(text(values.get("level")).lower())
    if level is None:
        bad("预警级别", _("Unknown level “%(v)s”; write 黄色, 橙色 or 红色.") % {"v": text(values.get("level"))})
    measures = text(values.get("measures"))
    if not measures:
        bad("减排措施", _("The measures are required."))
    cut = values.get("cut_percent")
    if cut in (None, ""):
        cut = None
    else:
        try:
            cut = float(str(cut).rstrip("%").strip())
            if not (0 <= cut <= 100 and cut == int(cut)):
                raise ValueError
            cut = int(cut)
        except ValueError:
            bad("限产比例(%)", _("A whole number from 0 to 100, not “%(v)s”.") % {"v": values.get("cut_percent")})
    try:
        ban = parse_bool(values.get("heavy_truck_ban"))
    except ValueError as exc:
        bad("禁止重型货车运输", str(exc))
    if len(stop_lines := text(values.get("stop_lines"))) > 200:
        bad("停产生产线", _("At most 200 characters."))
    if len(errors) > before:
        return None
    return {
        "row": number,
        "object": obj,
        "level": level,
        "measures": measures,
        "stop_lines": stop_lines,
        "cut_percent": cut,
        "heavy_truck_ban": ban,
        "note": text(values.get("note"))[:200],
    }


@transaction.atomic
def measures_import(*, actor: User, content: bytes, dry_run: bool = False) -> MeasureImportResult:
    """Import reduction-list lines from Excel; each row names the enterprise (object code or credit code),
    the level and its measures, and creates or replaces that enterprise's line for the level. Any bad row
    refuses the whole file (row, column, reason). A dry run checks and counts without writing."""
    _require_manager(actor)
    rows = read_records(content, MEASURE_COLUMNS, max_bytes=MAX_IMPORT_BYTES, refusal=ImportUnreadable)
    if not rows:
        raise EmergencyError(EmergencyErrorCode.IMPORT_UNREADABLE, _("The sheet has no data rows."))
    by_code, by_credit = _objects_for(rows)
    errors: list[RowError] = []
    items = [
        item for number, values in rows if (item := _parse_measure_row(number, values, by_code, by_credit, errors))
    ]
    seen = Counter((i["object"].pk, i["level"]) for i in items)
    for item in items:
        if seen[(item["object"].pk, item["level"])] > 1:
            errors.append(
                RowError(
                    item["row"], "预警级别", _("%(obj)s has two rows for this level.") % {"obj": item["object"].code}
                )
            )
    refuse_if_errors(errors, total=len(rows), refusal=ImportInvalid)
    existing = {
        (m.supervised_object_id, m.level): m
        for m in ReductionMeasure.objects.filter(supervised_object_id__in={i["object"].pk for i in items})
    }
    now = timezone.now()
    creates, updates = [], []
    for item in items:
        measure = existing.get((item["object"].pk, item["level"]))
        if measure is None:
            measure = ReductionMeasure(supervised_object=item["object"], level=item["level"])
            creates.append(measure)
        else:
            updates.append(measure)
        for key in ("measures", "stop_lines", "cut_percent", "heavy_truck_ban", "note"):
            setattr(measure, key, item[key])
        measure.updated_at, measure.updated_by = now, actor
    result = MeasureImportResult(
        rows=len(rows),
        created=len(creates),
        updated=len(updates),
        enterprises=len({i["object"].pk for i in items}),
        dry_run=dry_run,
        preview=[
            {
                "row": i["row"],
                "code": i["object"].code,
                "name": i["object"].name,
                "level": str(WarningLevel(i["level"]).label),
                "measures": i["measures"],
            }
            for i in items[:20]
        ],
    )
    if dry_run:
        return result
    ReductionMeasure.objects.bulk_create(creates, batch_size=500)
    ReductionMeasure.objects.bulk_update(
        updates,
        ["measures", "stop_lines", "cut_percent", "heavy_truck_ban", "note", "updated_at", "updated_by"],
        batch_size=500,
    )
    audit_record(
        actor=actor, action="measure.import", after={k: v for k, v in result.as_dict().items() if k != "preview"}
    )
    return result
