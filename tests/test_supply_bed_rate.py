"""Care beds under a beds-per-1,000-older-people standard (issue #19): the bed demand is older people x rate
/ 1000 and every figure follows (totals, zones, ledger, detailed sheets, scenarios, CLI); without a rate the
gap stays one bed per person and is called an upper bound; a bad rate is refused in English and Chinese."""

from __future__ import annotations

import pandas as pd
import pytest

from cli.main import main
from renewal.analysis.supply_ledger import indicators, ledger_sheets, totals, zone_rows
from renewal.analysis.supply_report import report_sheets, supply_demand_run
from renewal.analysis.supply_scenarios import compare, rate_mismatch, scenario_record
from renewal.errors import InputError
from renewal.standards import DEFAULT_PATH, load_standards
from tests.coverage_fixtures import X0, Y0, box_gdf, points_gdf

METHODS = ("2sfca", "balance", "assign")


def _inputs(crs=4548):
    # one care home of 50 beds; 2,000 older people 300 m away (within its radius), all in one street
    fac = points_gdf([[X0, Y0]], crs=crs, category=["养老院"], name=["甲养老院"])
    fac["beds"] = [50.0]
    pop = points_gdf([[X0 + 300, Y0]], crs=crs, **{"60岁及以上": [2000.0]})
    zones = box_gdf(X0 - 500, Y0 - 500, X0 + 1000, Y0 + 500, crs=crs, name=["甲街道"])
    return fac, pop, zones


def _run(method="balance", **kw):
    fac, pop, zones = _inputs()
    return supply_demand_run(fac, pop, "养老院", method=method, zones=zones, **kw)


@pytest.mark.parametrize("method", METHODS)
def test_forty_beds_per_thousand_gives_a_gap_of_thirty(method):
    res = _run(method, bed_rate=40)
    t = totals(res)
    # 2,000 older people x 40 / 1000 = 80 beds needed; 50 beds within reach: gap 30 by every method
    assert t["demand"] == pytest.approx(80) and t["gap"] == pytest.approx(30)
    assert t["share_in_reach"] == pytest.approx(1.0)
    assert res.demand.people_total == pytest.approx(2000)
    assert res.zones["gap"].tolist() == pytest.approx([30])
    zones = zone_rows(res)
    assert "床位需求（张）" in zones.columns and "需求人数" not in zones.columns
    assert zones["床位需求（张）"].tolist() == [80] and zones["缺口"].tolist() == [30]


def test_ledger_states_the_rate_and_keeps_ratios_per_older_person():
    ind = indicators(_run(bed_rate=40)).set_index("code")
    assert ind.at["demand", "数值"] == 2000 and ind.at["demand", "单位"] == "人"
    assert ind.at["bed_rate", "数值"] == 40 and ind.at["bed_rate", "数据来源"] == "规划人员填写"
    assert ind.at["bed_demand", "数值"] == 80 and ind.at["bed_demand", "单位"] == "张"
    assert "× 40 ÷ 1000" in ind.at["bed_demand", "定义"]
    assert ind.at["gap", "数值"] == 30 and "上限" not in ind.at["gap", "定义"]
    assert "需求人数" not in ind.at["gap", "定义"] and "床位需求" in ind.at["gap", "定义"]
    # beds per 1,000 older people: 50 / 2,000 x 1000, not 50 / 80 x 1000
    assert ind.at["per_1000_served", "数值"] == pytest.approx(25)
    sheets = ledger_sheets([_run(bed_rate=40)], stamp="2026年12月3日 06:00")
    about = sheets["说明"].set_index("项目")
    assert about.at["每千名老年人床位数", "内容"] == "40张/千人（规划人员填写）"
    assert "床位需求（张）" in sheets["养老院床位·分区"].columns


def test_detailed_sheets_head_the_demand_in_beds():
    sheets = report_sheets(_run("assign", bed_rate=40))
    assert "床位需求（张）" in sheets["需求点"].columns and "需求人数" not in sheets["需求点"].columns
    about = dict(zip(sheets["说明"]["项目"][1:], sheets["说明"]["内容"][1:], strict=True))
    assert about["bed_rate"] == "每千名老年人40张（规划人员填写）"


def test_without_a_rate_the_gap_is_one_bed_per_person_and_called_an_upper_bound():
    res = _run()
    t = totals(res)
    assert t["demand"] == pytest.approx(2000) and t["gap"] == pytest.approx(1950)
    ind = indicators(res).set_index("code")
    assert "bed_rate" not in ind.index and "上限" in ind.at["gap", "定义"]
    assert "需求人数" in zone_rows(res).columns
    about = dict(zip(*(report_sheets(res)["说明"][c][1:] for c in ("项目", "内容")), strict=True))
    assert about["bed_rate"].startswith("无：按每人1张床位计")


def test_rate_from_the_standards_file(tmp_path):
    path = tmp_path / "std.yaml"
    path.write_text(
        DEFAULT_PATH.read_text(encoding="utf-8").replace(
            "capacity_ratios: {}",
            "capacity_ratios:\n  nursing_home: {per: served, value: 40, unit: 张/千人, "
            'clause: "某市养老服务设施规划 第3条", verified: false}',
        ),
        encoding="utf-8",
    )
    std = load_standards(path)
    res = _run(standards=std)
    assert totals(res)["gap"] == pytest.approx(30)
    assert res.demand.rate.source_zh == "标准文件：某市养老服务设施规划 第3条"
    ind = indicators(res, std).set_index("code")
    assert ind.at["per_1000_served", "目标值"] == "40 张/千人"
    # the planner's number wins over the file's
    assert totals(_run(standards=std, bed_rate=20))["gap"] == pytest.approx(0)


@pytest.mark.parametrize("bad", [0, -5, 1000.5, "abc", "nan", float("inf"), True])
def test_bad_rates_refused(bad):
    with pytest.raises(InputError) as err:
        _run(bed_rate=bad)
    assert "每千名老年人床位数须为大于0、不超过1000的数字" in err.value.message_zh


def test_a_rate_for_school_places_is_refused():
    fac, pop, _ = _inputs()
    fac["category"] = ["小学"]
    fac["places"] = [50.0]
    pop = pop.rename(columns={"60岁及以上": "6-11岁"})
    with pytest.raises(InputError, match="elderly-care categories only"):
        supply_demand_run(fac, pop, "小学", bed_rate=40)


def test_scenarios_keep_the_rate_and_comparing_different_rates_says_so():
    a = scenario_record(_run(bed_rate=40), "按40", who="t")
    b = scenario_record(_run(bed_rate=30), "按30", who="t")
    c = scenario_record(_run(), "上限", who="t")
    assert a["bed_rate"] == {"value": 40.0, "source": "规划人员填写"} and c["bed_rate"] is None
    assert rate_mismatch([a, scenario_record(_run(bed_rate=40), "再算", who="t")]) is None
    note = rate_mismatch([a, b, c])
    assert "不同的每千名老年人床位标准" in note and "“按30”：每千名老年人30张（规划人员填写）" in note
    assert "“上限”：未采用千人床位标准" in note
    table = compare([a, b], ["按40", "按30"]).set_index("指标")
    assert table.at["每千名老年人床位数（采用标准）", "按40"] == 40
    assert table.at["养老院床位缺口数", "按30"] == pytest.approx(10)  # 60 needed - 50


def _cli(tmp_path, *extra):
    fac, pop, zones = _inputs(crs=4326)
    table = pd.DataFrame(
        {
            "名称": ["甲养老院"],
            "类别": ["养老院"],
            "经度": fac.geometry.x,
            "纬度": fac.geometry.y,
            "床位": [50],
        }
    )
    table.to_csv(tmp_path / "homes.csv", index=False, encoding="utf-8-sig")
    pop.to_file(tmp_path / "older.geojson")
    zones.to_file(tmp_path / "streets.geojson")
    args = ["supply-demand", "--category", "养老院", "--method", "balance", "--facilities"]
    args += [str(tmp_path / "homes.csv"), "--population", str(tmp_path / "older.geojson")]
    args += ["--zones", str(tmp_path / "streets.geojson"), "--out", str(tmp_path / "sd.xlsx")]
    return main([*args, "--ledger", str(tmp_path / "台账.xlsx"), *extra])


def test_cli_beds_per_1000(tmp_path, capsys):
    assert _cli(tmp_path, "--beds-per-1000", "40") == 0
    printed = capsys.readouterr().out
    assert "bed demand: 2,000 people x 40 / 1000 = 80 beds (planner-given)" in printed
    ind = pd.read_excel(tmp_path / "台账.xlsx", sheet_name="养老院床位").set_index("指标")
    assert ind.at["养老院床位需求", "数值"] == 80 and ind.at["养老院床位缺口数", "数值"] == 30
    assert ind.at["每千名老年人床位数（采用标准）", "数据来源"] == "规划人员填写"
    assert ind.at["每千名60岁及以上人口床位数", "数值"] == 25


def test_cli_without_a_rate_says_upper_bound(tmp_path, capsys):
    assert _cli(tmp_path) == 0
    assert "the gap is an upper bound" in capsys.readouterr().out
    ind = pd.read_excel(tmp_path / "台账.xlsx", sheet_name="养老院床位").set_index("指标")
    assert ind.at["养老院床位缺口数", "数值"] == 1950


@pytest.mark.parametrize("bad", ["0", "-1", "1001", "forty"])
def test_cli_bad_rate_exit_2_nothing_written(tmp_path, capsys, bad):
    assert _cli(tmp_path, f"--beds-per-1000={bad}") == 2
    assert "Beds per 1,000 older people must be a number above 0" in capsys.readouterr().err
    assert not (tmp_path / "sd.xlsx").exists() and not (tmp_path / "台账.xlsx").exists()
