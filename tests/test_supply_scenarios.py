"""Supply-and-demand scenarios (renewal/analysis/supply_scenarios.py): the record of a run, refused
under a bad name, compared side by side with the change against the baseline, by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from renewal.analysis.supply_report import supply_demand_run
from renewal.analysis.supply_scenarios import (
    compare,
    scenario_record,
)
from renewal.errors import InputError
from renewal.zh import beijing_time
from tests.test_supply_ledger import _inputs

WHEN = datetime(2026, 12, 3, 13, 5, tzinfo=UTC)


def _run(extra_school: bool = False):
    fac, pop, zones = _inputs()
    if extra_school:  # a new school of 50 places next to P2 (5 km east), which nothing reached before
        new = fac.iloc[[0]].copy()
        new["name"], new["places"] = "新小学", 50.0
        new["geometry"] = new.geometry.translate(5000, 0)
        fac = pd.concat([fac, new], ignore_index=True)
    return supply_demand_run(fac, pop, "小学", zones=zones, share=0.1)


def test_record_fields():
    back = scenario_record(_run(), "现状", who="张三", when=WHEN)
    assert back["name"] == "现状" and back["who"] == "张三" and back["set"] == "小学学位"
    assert back["saved_at"] == "2026-12-03T13:05:00+00:00"
    assert dict((i, v) for i, v, _ in back["indicators"])["小学学位缺口数"] == 50
    assert dict(back["zones"])["乙街道"] == 50


@pytest.mark.parametrize("name", ["", "   ", "x" * 41, "a\nb"])
def test_bad_names_refused(name):
    with pytest.raises(InputError):
        scenario_record(_run(), name, who="张三")


def _label(rec):
    return f"{rec['name']}（{beijing_time(rec['saved_at'])}）"


def test_compare_side_by_side_by_hand():
    base = scenario_record(_run(), "现状", who="张三", when=WHEN)
    new = scenario_record(_run(extra_school=True), "新增学校", who="张三", when=WHEN)
    t = compare([base, new], [_label(base), _label(new)]).set_index("指标")
    assert list(t.columns) == [
        "单位",
        "现状（2026年12月3日 21:05）",
        "新增学校（2026年12月3日 21:05）",
        "较“现状”变化（新增学校）",
    ]
    delta = t["较“现状”变化（新增学校）"]
    assert delta["小学学位总数"] == 50
    # P2's 50 children now have the new school's 50 places: the gap of 50 closes, in 乙街道
    assert delta["小学学位缺口数"] == -50 and delta["分区缺口：乙街道"] == -50
    assert delta['分区缺口：=HYPERLINK("http://x")'] == 0
    assert t.at["分区缺口：乙街道", "单位"] == "个"
    assert list(compare([base], [_label(base)]).columns) == [
        "指标",
        "单位",
        "现状（2026年12月3日 21:05）",
    ]  # nothing to compare


def test_scenario_sheet_names_what_the_comparison_shows():
    from renewal.analysis.supply_scenarios import scenario_sheet

    base = scenario_record(_run(), "现状", who="张三", when=WHEN)
    new = scenario_record(_run(extra_school=True), "新增学校", who="李四", when=WHEN) | {
        "changes": [{"action": "新增", "name": "乙地块", "capacity": 50.0}],
        "version": 2,
    }
    sheet = scenario_sheet([base, new], ["a", "b"], beijing_time=beijing_time).set_index("名称")
    assert sheet.at["现状", "角色"] == "基准" and sheet.at["新增学校", "角色"] == "对比"
    assert sheet.at["新增学校", "保存人"] == "李四" and sheet.at["新增学校", "版本"] == 2
    assert sheet.at["现状", "保存时间（北京时间）"] == "2026年12月3日 21:05"
    assert sheet.at["新增学校", "设施变化"] == "新增：乙地块（容量50）"
    assert sheet.at["现状", "设施变化"] == "无（保存时的设施清单）" and sheet.at["现状", "床位标准"] == ""
