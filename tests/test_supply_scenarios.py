"""Supply-and-demand scenarios (renewal/analysis/supply_scenarios.py): the record of a run, refused
under a bad name, compared side by side with the change against the baseline, by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
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


def test_zone_changes_and_their_map_say_where_places_were_gained_or_lost():
    """The last compared scenario against the baseline, zone by zone: a zone that gained places within
    reach is 缺口减少 (green), one that lost is 缺口增加 (red); the map draws them on the run's zone shapes
    and counts the compared zones without a shape."""
    import geopandas as gpd
    from shapely.geometry import box

    from layers.maps import scenario_change_map
    from layers.registry import SUPPLY_CHANGE_KEY
    from renewal.analysis.supply_scenarios import zone_changes

    base = {"name": "现状", "zones": [["西片", 900.0], ["东片", 100.0], ["北片", 50.0]]}
    mid = {"name": "中间", "zones": [["西片", 0.0]]}
    new = {"name": "新增一所学校", "zones": [["西片", 0.0], ["东片", 160.0], ["北片", 50.0], ["南片", 5.0]]}
    ch = zone_changes([base, mid, new]).set_index("zone")
    assert (
        ch.loc["西片", "change"] == -900 and ch.loc["东片", "change"] == 60 and ch.loc["北片", "change"] == 0
    )
    assert np.isnan(ch.loc["南片", "change"])  # only the compared scenario has it
    assert zone_changes([base]).empty
    zones = gpd.GeoDataFrame(
        {"zone": ["西片", "东片", "北片"]},
        geometry=[
            box(117.20, 39.10, 117.22, 39.12),
            box(117.22, 39.10, 117.24, 39.12),
            box(117.20, 39.12, 117.24, 39.14),
        ],
        crs=4326,
    )
    m, missing = scenario_change_map(zones, zone_changes([base, new]), unit="个", title="t", footnote="f")
    assert missing == 1  # 南片
    drawn = next(layer.data for layer in m._rp_scene.layers if layer.key == SUPPLY_CHANGE_KEY).set_index(
        "zone"
    )
    assert drawn.loc["西片", "change_class"] == "缺口减少" and drawn.loc["西片", "change_text"] == "-900个"
    assert drawn.loc["东片", "change_class"] == "缺口增加" and drawn.loc["北片", "change_class"] == "不变"
    legend = {e.label for e in m._rp_scene.legend for e in (e, *e.categories)}
    assert {"情景对比：分区缺口变化", "缺口减少", "缺口增加"} <= legend
