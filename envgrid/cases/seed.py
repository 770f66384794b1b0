"""The starting category tree and deadline rules, written by a data migration so that a new
install can take cases at once. Both are district data: administrators edit them afterwards."""

#: (code, Chinese name, family code or None for a family itself). Families first.
DEFAULT_CATEGORIES = [
    ("industrial", "工业源", None),
    ("industrial.emission", "废气超标排放", "industrial"),
    ("industrial.fugitive", "无组织排放", "industrial"),
    ("industrial.facility", "治污设施不正常运行", "industrial"),
    ("industrial.warning", "重污染天气管控期间违规生产", "industrial"),
    ("dust", "扬尘源", None),
    ("dust.site", "工地扬尘（六个百分百未落实）", "dust"),
    ("dust.road", "道路扬尘", "dust"),
    ("dust.muck_truck", "渣土车抛洒滴漏", "dust"),
    ("dust.bare_soil", "裸土未覆盖", "dust"),
    ("dust.demolition", "拆迁扬尘", "dust"),
    ("mobile", "移动源", None),
    ("mobile.black_smoke", "柴油车冒黑烟", "mobile"),
    ("mobile.machinery", "非道路移动机械违规使用", "mobile"),
    ("mobile.heavy_truck", "重型货车违规通行", "mobile"),
    ("coal", "燃煤源", None),
    ("coal.loose_coal", "散煤销售使用", "coal"),
    ("coal.boiler", "燃煤锅炉", "coal"),
    ("living", "生活源", None),
    ("living.catering", "餐饮油烟", "living"),
    ("living.barbecue", "露天烧烤", "living"),
    ("living.waste_burning", "垃圾露天焚烧", "living"),
    ("agricultural", "农业源", None),
    ("agricultural.straw", "秸秆焚烧", "agricultural"),
    ("agricultural.livestock", "畜禽养殖污染", "agricultural"),
    # 清四乱 (乱占, 乱采, 乱堆, 乱建), the river-chief system's clean-up of rivers and lakes; see docs/standards.md.
    ("river", "河湖“四乱”及水污染", None),
    ("river.occupy", "乱占", "river"),
    ("river.extract", "乱采", "river"),
    ("river.dump", "乱堆", "river"),
    ("river.build", "乱建", "river"),
    ("river.sewage", "污水直排", "river"),
    ("city", "市容环境", None),
    ("city.garbage", "垃圾堆积", "city"),
    ("city.street_vending", "占道经营", "city"),
    ("safety", "安全隐患", None),
    ("other", "其他", None),
]

#: (category code or None, severity or "", amount, unit, escalate after hours)
DEFAULT_SLAS = [
    (None, "", 3, "working_days", 24),
    (None, "urgent", 24, "hours", 12),
    (None, "critical", 4, "hours", 2),
    ("living.waste_burning", "", 2, "hours", 2),
    ("agricultural.straw", "", 2, "hours", 2),
    ("mobile.black_smoke", "", 24, "hours", 12),
    ("industrial.warning", "", 2, "hours", 2),
]


def seed_categories(category_model, sla_model) -> None:
    """Create the default categories and deadline rules that are missing (idempotent)."""
    by_code = {}
    for order, (code, name, parent) in enumerate(DEFAULT_CATEGORIES):
        category, _created = category_model.objects.get_or_create(
            code=code, defaults={"name": name, "parent": by_code.get(parent), "sort_order": order}
        )
        by_code[code] = category
    for code, severity, amount, unit, escalate in DEFAULT_SLAS:
        sla_model.objects.get_or_create(
            category=by_code.get(code) if code else None,
            severity=severity,
            defaults={"amount": amount, "unit": unit, "escalate_after_hours": escalate},
        )
