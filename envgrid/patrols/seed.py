"""The first version of the check items per object kind (检查要点), written by a data migration so that a
new install can inspect at once. District data: an administrator publishes new versions afterwards.
Each item names the case category a failure suggests (codes of ``envgrid.cases.seed``)."""

#: object kind → (checklist title, [(item text, how to check, case category code)])
DEFAULT_CHECKLISTS: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "enterprise": (
        "工业企业检查要点",
        [
            ("污染防治设施正常运行", "查看治污设施运行状态、电流、药剂投加记录", "industrial.facility"),
            ("无组织排放得到有效控制", "物料密闭储存、输送，产尘点集气收集", "industrial.fugitive"),
            ("在线监测设备正常运行、数据正常传输", "核对现场仪表读数与平台数据", "industrial.facility"),
            ("排放口无明显烟尘、异味", "目视、嗅辨排放口及厂界", "industrial.emission"),
            ("环保台账齐全", "生产、治污设施运行、危废台账", "industrial.facility"),
            ("重污染天气应急减排措施落实", "对照应急减排清单核查停限产措施", "industrial.warning"),
        ],
    ),
    "construction_site": (
        "建筑工地扬尘防治检查要点（六个百分之百）",
        [
            ("施工工地周边100%围挡", "围挡连续、封闭、无破损", "dust.site"),
            ("物料堆放100%覆盖", "裸土、砂石、渣土全部苫盖", "dust.site"),
            ("出入车辆100%冲洗", "冲洗设施运转，车辆带泥不上路", "dust.site"),
            ("施工现场地面100%硬化", "主要道路、加工区硬化", "dust.site"),
            ("拆迁、土方作业100%湿法作业", "土方开挖、拆除同步喷淋", "dust.site"),
            ("渣土车辆100%密闭运输", "渣土车密闭、无抛洒", "dust.muck_truck"),
            ("非道路移动机械登记并达标", "查看机械环保登记号牌、冒黑烟情况", "mobile.machinery"),
        ],
    ),
    "road": (
        "道路扬尘检查要点",
        [
            ("路面无明显积尘、浮土", "白手套检测或目测", "dust.road"),
            ("按标准洒水、清扫保洁", "核对机扫、洒水作业记录", "dust.road"),
            ("无渣土抛洒滴漏", "沿线检查抛洒痕迹", "dust.muck_truck"),
            ("道路两侧无裸露土地", "绿化带、临时用地覆盖", "dust.bare_soil"),
        ],
    ),
    "fuel_point": (
        "燃煤燃油点检查要点",
        [
            ("无散煤销售、储存", "检查场地、库房", "coal.loose_coal"),
            ("燃煤锅炉已拆改或达标", "核对拆改台账", "coal.boiler"),
            ("油气回收装置正常运行", "查看加油枪集气罩、检测记录", "industrial.fugitive"),
        ],
    ),
    "catering": (
        "餐饮油烟检查要点",
        [
            ("油烟净化设施安装并正常使用", "开机检查，排口无明显油烟", "living.catering"),
            ("净化设施定期清洗并有记录", "查看清洗记录（至少每季度一次）", "living.catering"),
            ("无露天烧烤", "检查门前及周边", "living.barbecue"),
        ],
    ),
    "farmland": (
        "农田秸秆禁烧检查要点",
        [
            ("无秸秆露天焚烧", "巡查地块，查看火点、黑斑", "agricultural.straw"),
            ("无垃圾露天焚烧", "检查田间地头、沟渠", "living.waste_burning"),
            ("秸秆已综合利用或离田", "查看还田、打捆离田情况", "agricultural.straw"),
        ],
    ),
    "other": (
        "通用检查要点",
        [
            ("无明显大气污染问题", "扬尘、烟尘、异味", "other"),
            ("无垃圾露天焚烧", "检查周边", "living.waste_burning"),
        ],
    ),
}


def seed_checklists(checklist_model, item_model, category_model) -> int:
    """Create version 1 of every default checklist whose kind has none yet (idempotent); return how many."""
    categories = {c.code: c for c in category_model.objects.all()}
    created = 0
    for kind, (title, items) in DEFAULT_CHECKLISTS.items():
        if checklist_model.objects.filter(kind=kind).exists():
            continue
        checklist = checklist_model.objects.create(kind=kind, version=1, title=title)
        item_model.objects.bulk_create(
            item_model(checklist=checklist, position=i, text=text, guidance=guidance, category=categories.get(code))
            for i, (text, guidance, code) in enumerate(items, start=1)
        )
        created += 1
    return created
