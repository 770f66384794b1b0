"""The six source families (六源) a new district starts with. No official list exists (docs/standards.md): the
exact list is the district's own to set, so these are rows an administrator edits, not constants the code relies on."""

#: (code, name, sort order)
DEFAULT_FAMILIES = (
    ("industrial", "工业源（工业企业）", 10),
    ("construction", "扬尘源（建筑工地）", 20),
    ("road", "移动源（道路交通）", 30),
    ("fuel_coal", "燃煤燃油源（散煤、加油站点）", 40),
    ("living", "生活源（餐饮等）", 50),
    ("agriculture", "农业源（农田、秸秆焚烧）", 60),
)


def seed_families(SourceFamily) -> None:  # noqa: N803 — the historical model from the migration
    for code, name, order in DEFAULT_FAMILIES:
        SourceFamily.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})
