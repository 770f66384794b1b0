"""Excel import of supervised objects: one row per object, keyed by its code (a known code updates the
object, a new one creates it). Rows are checked and placed in their grids in bulk — one vectorised grid
lookup, one query per 2,000 codes — and written with bulk inserts in one transaction."""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from envgrid.core import spreadsheets as c
from envgrid.core.services import audit_record
from envgrid.grids.geometry import in_china
from envgrid.grids.lookup import current_index
from envgrid.grids.models import Grid
from envgrid.sources.choices import ObjectKind, ObjectStatus, PerformanceGrade, RoadGrade, SiteStage
from envgrid.sources.models import (
    ConstructionSiteDetail,
    EnterpriseDetail,
    RoadDetail,
    SourceFamily,
    SupervisedObject,
)
from envgrid.sources.services import road_line
from envgrid.sources.validators import credit_code_problem

KIND_ALIASES = {
    "企业": ObjectKind.ENTERPRISE,
    "工业企业": ObjectKind.ENTERPRISE,
    "工地": ObjectKind.CONSTRUCTION_SITE,
    "建筑工地": ObjectKind.CONSTRUCTION_SITE,
    "道路": ObjectKind.ROAD,
    "路段": ObjectKind.ROAD,
    "加油站": ObjectKind.FUEL_POINT,
    "散煤点": ObjectKind.FUEL_POINT,
    "燃煤燃油点": ObjectKind.FUEL_POINT,
    "餐饮": ObjectKind.CATERING,
    "餐饮店": ObjectKind.CATERING,
    "农田": ObjectKind.FARMLAND,
    "秸秆焚烧点": ObjectKind.FARMLAND,
    "其他": ObjectKind.OTHER,
}
STATUS_ALIASES = {
    "正常": ObjectStatus.ACTIVE,
    "在产": ObjectStatus.ACTIVE,
    "整改": ObjectStatus.RECTIFYING,
    "整改中": ObjectStatus.RECTIFYING,
    "关停": ObjectStatus.SHUT,
    "停产": ObjectStatus.SHUT,
}
GRADE_ALIASES = {
    "a+级": "A+",
    "a级": "A",
    "b级": "B",
    "c级": "C",
    "d级": "D",
    "引领性": "leading",
    "绩效引领性": "leading",
    "非引领性": "non_leading",
}
E, S, R = ObjectKind.ENTERPRISE, ObjectKind.CONSTRUCTION_SITE, ObjectKind.ROAD

COLUMNS: list[c.Column] = [
    c.Column("code", "编码", "Code", c.text(50), required=True, width=14, example="QY-0001"),
    c.Column("name", "名称", "Name", c.text(200), required=True, width=26, example="鹿鸣化工有限公司"),
    c.Column(
        "family",
        "六源类别",
        "Source family",
        c.text(50),
        required=True,
        width=18,
        example="工业源（工业企业）",
        hint_zh="类别编码或名称",
    ),
    c.Column(
        "kind", "对象类型", "Kind", c.choice(ObjectKind, KIND_ALIASES), required=True, width=12, example="工业企业"
    ),
    c.Column("address", "地址", "Address", c.text(200), width=26, example="科学大道100号"),
    c.Column("lon", "经度", "Longitude", c.number(-180, 180), width=12, example=113.55, hint_zh="WGS-84"),
    c.Column("lat", "纬度", "Latitude", c.number(-90, 90), width=12, example=34.8, hint_zh="WGS-84"),
    c.Column("status", "状态", "Status", c.choice(ObjectStatus, STATUS_ALIASES), width=10, example="正常"),
    c.Column("contact_name", "联系人", "Contact person", c.text(50), width=10, example="张三"),
    c.Column("contact_phone", "联系电话", "Contact phone", c.text(30), width=14, example="13800000000"),
    c.Column(
        "credit_code", "统一社会信用代码", "Credit code", c.text(18), kind=E, width=22, example="91350100M000100Y43"
    ),
    c.Column("industry", "行业", "Industry", c.text(100), kind=E, width=14, example="化工"),
    c.Column(
        "performance_grade",
        "绩效分级",
        "Performance grade",
        c.choice(PerformanceGrade, GRADE_ALIASES),
        kind=E,
        width=10,
        example="B",
    ),
    c.Column(
        "permit_number",
        "排污许可证号",
        "Emission permit",
        c.text(50),
        kind=E,
        width=22,
        example="91350100M000100Y43001P",
    ),
    c.Column(
        "monitoring_mns",
        "在线监测MN号",
        "Monitoring MN numbers",
        c.code_list,
        kind=E,
        width=26,
        example="41019900000001; 41019900000002",
        hint_zh="多个用分号隔开",
    ),
    c.Column("site_permit", "施工许可证号", "Construction permit", c.text(50), kind=S, width=20),
    c.Column("area_m2", "占地面积(m²)", "Area (m²)", c.number(0, 1e9), kind=S, width=12),
    c.Column("stage", "施工阶段", "Stage", c.choice(SiteStage), kind=S, width=12),
    c.Column("fence_enclosure", "周边围挡", "Hoarding", c.yes_no, kind=S, width=8, hint_zh="是/否"),
    c.Column("material_covered", "物料覆盖", "Materials covered", c.yes_no, kind=S, width=8, hint_zh="是/否"),
    c.Column("road_hardened", "路面硬化", "Roads hardened", c.yes_no, kind=S, width=8, hint_zh="是/否"),
    c.Column("vehicle_washing", "出入车辆清洗", "Vehicle washing", c.yes_no, kind=S, width=8, hint_zh="是/否"),
    c.Column("wet_earthwork", "土方湿法作业", "Wet earthwork", c.yes_no, kind=S, width=8, hint_zh="是/否"),
    c.Column(
        "enclosed_transport", "渣土车辆密闭运输", "Enclosed transport", c.yes_no, kind=S, width=8, hint_zh="是/否"
    ),
    c.Column("road_grade", "道路等级", "Road grade", c.choice(RoadGrade), kind=R, width=10),
    c.Column("length_m", "长度(m)", "Length (m)", c.number(0, 1e7), kind=R, width=10),
    c.Column("cleaning_standard", "保洁标准", "Cleaning standard", c.text(200), kind=R, width=18),
    c.Column("line", "路段坐标", "Road line", c.line, kind=R, width=30, hint_zh="经度,纬度; 经度,纬度; …"),
    c.Column("note", "备注", "Note", c.text(2000), width=20),
]
BY_KEY = {column.key: column for column in COLUMNS}

OBJECT_KEYS = ("name", "kind", "address", "lon", "lat", "status", "contact_name", "contact_phone", "note")
#: Typed details: column key → model field, per kind.
TYPED = {
    E: (
        EnterpriseDetail,
        {
            "credit_code": "credit_code",
            "industry": "industry",
            "performance_grade": "performance_grade",
            "permit_number": "permit_number",
            "monitoring_mns": "monitoring_mns",
        },
    ),
    S: (
        ConstructionSiteDetail,
        {
            "site_permit": "permit_number",
            "area_m2": "area_m2",
            "stage": "stage",
            "fence_enclosure": "fence_enclosure",
            "material_covered": "material_covered",
            "road_hardened": "road_hardened",
            "vehicle_washing": "vehicle_washing",
            "wet_earthwork": "wet_earthwork",
            "enclosed_transport": "enclosed_transport",
        },
    ),
    R: (RoadDetail, {"road_grade": "grade", "length_m": "length_m", "cleaning_standard": "cleaning_standard"}),
}
RELATED = {E: "enterprise", S: "construction_site", R: "road"}
DEFAULTS = {
    "address": "",
    "contact_name": "",
    "contact_phone": "",
    "note": "",
    "status": ObjectStatus.ACTIVE,
    "lon": None,
    "lat": None,
}


def _family_lookup() -> dict[str, SourceFamily]:
    found = {}
    for family in SourceFamily.objects.all():
        found[family.code.lower()] = family
        found[family.name.strip().lower()] = family
        short = family.name.split("（")[0].strip().lower()
        found.setdefault(short, family)
    return found


def _line_length_m(coordinates: list[list[float]]) -> float:
    total = 0.0
    for (lon1, lat1), (lon2, lat2) in zip(coordinates, coordinates[1:], strict=False):
        p1, p2 = math.radians(lat1), math.radians(lat2)
        h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
        total += 2 * 6_371_000 * math.asin(math.sqrt(h))
    return round(total, 1)


class _Checker:
    """Checks of one row that involve more than one cell, or other rows."""

    def __init__(self, positions, errors: list[c.RowError]):
        self.positions = positions
        self.errors = errors
        self.families = _family_lookup()
        self.codes: dict[str, int] = {}

    def fail(self, number: int, key: str, reason: str, value: Any = "", code: str = "invalid") -> None:
        letter, header = c.column_letter(self.positions, key)
        self.errors.append(c.RowError(number, letter, reason, code, header, str(value)[:100]))

    def check(self, number: int, row: dict) -> None:
        code = row.get("code")
        if code:
            if code in self.codes:
                self.fail(
                    number,
                    "code",
                    _("Code %(code)s is already used on row %(row)d.") % {"code": code, "row": self.codes[code]},
                    code,
                    "duplicate",
                )
            else:
                self.codes[code] = number
        if "family" in row:
            family = self.families.get(row["family"].strip().lower())
            if family is None:
                self.fail(number, "family", _("No source family has this code or name."), row["family"])
            row["family"] = family
        kind = row.get("kind")
        for key in row.keys() & BY_KEY.keys():
            column = BY_KEY[key]
            if column.kind and kind and column.kind != kind and row[key] not in (False, "", []):
                self.fail(number, key, _("Only for %(kind)s.") % {"kind": ObjectKind(column.kind).label}, row[key])
        if row.get("credit_code") and (problem := credit_code_problem(row["credit_code"])):
            self.fail(number, "credit_code", problem, row["credit_code"], "credit_code_invalid")
        if "line" in row and kind == R:
            try:
                road_line(row["line"])
            except ValidationError as exc:
                self.fail(number, "line", " ".join(exc.messages), code="line_invalid")
            else:
                row.setdefault("length_m", _line_length_m(row["line"]["coordinates"]))
        if ("lon" in row) != ("lat" in row):
            self.fail(number, "lat" if "lon" in row else "lon", _("Give both longitude and latitude."))
        elif "lon" in row and not in_china(row["lon"], row["lat"]):
            self.fail(
                number,
                "lon",
                _("The point is outside China; give WGS-84 longitude, latitude."),
                f"{row['lon']}, {row['lat']}",
                "outside_china",
            )
        elif "lon" not in row and "line" not in row:
            self.fail(number, "lon", _("Give the longitude and latitude (or, for a road, its line)."), code="required")


def _locate(rows: list[tuple[int, dict]], checker: _Checker, bad: set[int]) -> None:
    """Give every good row its grid and street, in one vectorised lookup; a point in no grid is an error."""
    todo = []
    for number, row in rows:
        if number in bad:
            continue
        if "lon" not in row and "line" in row:
            coordinates = row["line"]["coordinates"]
            middle = (
                coordinates[len(coordinates) // 2]
                if len(coordinates) > 2
                else [(coordinates[0][0] + coordinates[1][0]) / 2, (coordinates[0][1] + coordinates[1][1]) / 2]
            )
            row["lon"], row["lat"] = round(middle[0], 7), round(middle[1], 7)
        todo.append((number, row))
    if not todo:
        return
    grid_ids = current_index().find_many([r["lon"] for _n, r in todo], [r["lat"] for _n, r in todo])
    streets = dict(Grid.objects.values_list("id", "street_id"))
    for (number, row), grid_id in zip(todo, grid_ids, strict=True):
        if grid_id is None:
            checker.fail(
                number,
                "lon",
                _("The point (%(lon)s, %(lat)s) is in no grid of the district.")
                % {"lon": row["lon"], "lat": row["lat"]},
                f"{row['lon']}, {row['lat']}",
                code="outside_grids",
            )
            bad.add(number)
        else:
            row["grid_id"], row["street_id"] = grid_id, streets[grid_id]


def _object_values(row: dict, present: set[str]) -> dict:
    values = {
        key: row.get(key, DEFAULTS.get(key, "")) for key in OBJECT_KEYS if key in present or key in ("lon", "lat")
    }
    values["family_id"] = row["family"].pk
    values["grid_id"], values["street_id"] = row["grid_id"], row["street_id"]
    if row.get("kind") == R and ("line" in present):
        values["geometry"] = row.get("line")
    return values


def _blank(field: str) -> Any:
    if field == "monitoring_mns":
        return []
    if field in ("area_m2", "length_m"):
        return None
    if field in SIX:
        return False
    return ""


SIX = {"fence_enclosure", "material_covered", "road_hardened", "vehicle_washing", "wet_earthwork", "enclosed_transport"}


def _typed(row: dict, present: set[str]) -> dict:
    """The typed-details fields this row sets: cells given, and blanks for present columns left empty."""
    if row["kind"] not in TYPED:
        return {}
    _model, fields = TYPED[row["kind"]]
    values = {}
    for key, field in fields.items():
        if key in row:
            values[field] = row[key]
        elif key in present:
            values[field] = _blank(field)
    return values


def _existing(codes: list[str]) -> dict[str, SupervisedObject]:
    found = {}
    for chunk in c.chunked(codes, 2000):
        for obj in SupervisedObject.objects.filter(code__in=chunk).select_related(
            "enterprise", "construction_site", "road"
        ):
            found[obj.code] = obj
    return found


def _detail_of(obj: SupervisedObject, kind: str):
    try:
        return getattr(obj, RELATED[kind])
    except (
        KeyError,
        AttributeError,
        EnterpriseDetail.DoesNotExist,
        ConstructionSiteDetail.DoesNotExist,
        RoadDetail.DoesNotExist,
    ):
        return None


def _diff(obj: SupervisedObject, values: dict, typed: dict, kind: str) -> dict[str, list]:
    changed = {}
    for name, value in values.items():
        old = getattr(obj, name)
        if old != value:
            changed[name] = [old, value]
    detail = _detail_of(obj, kind) if kind in RELATED else None
    for name, value in typed.items():
        old = getattr(detail, name) if detail is not None else None
        if old != value and not (detail is None and value in ("", None, False, [])):
            changed[f"{kind}.{name}"] = [old, value]
    return changed


def _json_safe(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | type(None) | list | dict) else str(value)


def import_objects(
    data: bytes, *, actor=None, dry_run: bool = True, keep_good_rows: bool = False, progress: c.Progress | None = None
) -> c.ImportResult:
    """Check every row of an objects workbook and, unless ``dry_run``, write them all — or, with errors,
    nothing (all or nothing), or only the good rows when ``keep_good_rows``."""
    result = c.ImportResult(kind="objects", dry_run=dry_run)
    sheet = c.open_sheet(data, COLUMNS)
    present = {column.key for _index, column in sheet.positions}
    errors: list[c.RowError] = result.errors
    checker = _Checker(sheet.positions, errors)
    rows: list[tuple[int, dict]] = []
    bad: set[int] = set()
    try:
        for count, (number, values) in enumerate(sheet.rows, start=1):
            before = len(errors)
            row = c.parse_row(number, values, sheet.positions, errors)
            checker.check(number, row)
            if len(errors) > before:
                bad.add(number)
            rows.append((number, row))
            if progress is not None and count % c.PROGRESS_EVERY == 0:
                progress(count, sheet.total_rows)
    finally:
        sheet.close()
    result.total_rows = len(rows)
    _locate(rows, checker, bad)
    existing = _existing([row["code"] for number, row in rows if number not in bad])
    plan = _plan(rows, bad, existing, present, result)
    if progress is not None:
        progress(len(rows), len(rows))
    result.skipped = len(bad)
    if dry_run or (errors and not keep_good_rows):
        return result
    _write(plan, existing, actor, result)
    return result


def _plan(rows, bad, existing, present, result: c.ImportResult) -> list[tuple]:
    """(row number, code, object values, typed values, changed fields) of each good row that changes something."""
    plan = []
    for number, row in rows:
        if number in bad:
            continue
        values, typed = _object_values(row, present), _typed(row, present)
        obj = existing.get(row["code"])
        if obj is None:
            result.created += 1
            changed = {}
            result.preview({"row": number, "action": "create", "code": row["code"], "name": row["name"]})
        else:
            changed = _diff(obj, values, typed, row["kind"])
            if not changed:
                result.unchanged += 1
                continue
            result.updated += 1
            result.preview(
                {
                    "row": number,
                    "action": "update",
                    "code": row["code"],
                    "name": row["name"],
                    "fields": {k: [_json_safe(v) for v in pair] for k, pair in changed.items()},
                }
            )
        plan.append((number, row["code"], values, typed, changed))
    return plan


@transaction.atomic
def _write(plan, existing: dict[str, SupervisedObject], actor, result: c.ImportResult) -> None:
    new_objects, new_typed, updated, updated_typed = [], [], [], []
    update_fields: set[str] = set()
    for _number, code, values, typed, changed in plan:
        obj = existing.get(code)
        if obj is None:
            obj = SupervisedObject(code=code, **values)
            new_objects.append(obj)
            if values["kind"] in TYPED:
                new_typed.append((obj, values["kind"], typed))
        else:
            kind_changed = "kind" in changed
            for name in values:
                setattr(obj, name, values[name])
            update_fields |= {name for name in changed if "." not in name}
            updated.append(obj)
            if typed or kind_changed:
                updated_typed.append((obj, values["kind"], typed, kind_changed))
    SupervisedObject.objects.bulk_create(new_objects, batch_size=1000)
    by_model: dict[type, list] = {}
    for obj, kind, typed in new_typed:
        model = TYPED[kind][0]
        by_model.setdefault(model, []).append(model(supervised_object=obj, **typed))
    if updated:
        SupervisedObject.objects.bulk_update(updated, sorted(update_fields | {"updated_at"}), batch_size=500)
        _write_updated_details(updated_typed, by_model)
    for model, details in by_model.items():
        model.objects.bulk_create(details, batch_size=1000)
    result.written = True
    audit_record(
        actor=actor,
        action="source_object.import",
        after={"created": [o.code for o in new_objects], "updated": [o.code for o in updated]},
        note=_("Excel import: %(created)d objects created, %(updated)d updated.")
        % {"created": len(new_objects), "updated": len(updated)},
    )


def _write_updated_details(updated_typed, by_model: dict[type, list]) -> None:
    for obj, kind, typed, kind_changed in updated_typed:
        if kind_changed:
            for other_kind, (model, _fields) in TYPED.items():
                if other_kind != kind:
                    model.objects.filter(supervised_object=obj).delete()
        if kind not in TYPED:
            continue
        model = TYPED[kind][0]
        detail = None if kind_changed else _detail_of(obj, kind)
        if detail is None:
            detail = model.objects.filter(supervised_object=obj).first()
        if detail is None:
            by_model.setdefault(model, []).append(model(supervised_object=obj, **typed))
        elif typed:
            for name, value in typed.items():
                setattr(detail, name, value)
            detail.save(update_fields=list(typed))
