"""What the monitoring pages show for codes: reject reasons, units, wind directions, standards and periods."""

import pytest
from django.utils import translation

from envgrid.monitoring.choices import WIND_SECTOR_LABELS, unit_label
from envgrid.monitoring.hj212.errors import FrameErrorCode
from envgrid.monitoring.templatetags.monitoring_tags import (
    period_title,
    reject_reason,
    standard_titles,
    with_standard_titles,
)


def test_every_parser_reason_has_a_chinese_label():
    with translation.override("zh-hans"):
        for code in FrameErrorCode:
            label = reject_reason(code.value)
            assert label != code.value and not label.isascii(), code
        assert reject_reason("bad_length") == "长度字段不是 4 位数字"
        assert reject_reason("something_new") == "something_new"


def test_units_and_wind_directions_are_written_as_people_write_them():
    assert [unit_label(u) for u in ("ug/m3", "mg/m3", "degC", "m/s", "deg", "%")] == [
        "μg/m³",
        "mg/m³",
        "℃",
        "m/s",
        "°",
        "%",
    ]
    with translation.override("zh-hans"):
        sectors = [str(label) for label in WIND_SECTOR_LABELS]
    assert (
        sectors[:5] == ["北", "北东北", "东北", "东东北", "东"] and sectors[11] == "西西南" and len(set(sectors)) == 16
    )


def test_periods_read_as_chinese():
    with translation.override("zh-hans"):
        assert period_title("2026-Q4") == "2026年第4季度"
        assert period_title("2026-W07") == "2026年第7周"
        assert period_title("2026-11") == "2026-11"


@pytest.mark.django_db
def test_standards_are_named_by_their_titles():
    titles = standard_titles(["hj633-2026", "gb3095-2026-phase1"])
    assert titles.startswith("HJ 633-2026 ") and "GB 3095-2026" in titles and "hj633" not in titles
    note = with_standard_titles("Provisional standard data used: hj633-2026.")
    assert "HJ 633-2026" in note and "hj633-2026" not in note


def test_every_receiver_defence_counter_reads_as_words_in_chinese():
    from envgrid.monitoring.receiver.server import DEFENCES
    from envgrid.monitoring.templatetags.monitoring_tags import defence

    with translation.override("zh-hans"):
        labels = [defence(name) for name in DEFENCES]
    assert "多次拒收后关闭" in labels
    assert not any(label in DEFENCES for label in labels)  # no raw counter name left
