"""The 城市体检 ledger of a supply-and-demand run (renewal/analysis/supply_ledger.py): indicators computed by
hand on a tiny case, per-1,000 ratios against a target only where the standards file gives one, the
workbook's sheets, headers, 北京时间 and text cells that never become formulas."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import numpy as np
import openpyxl
import pandas as pd
import pytest

from renewal.analysis.supply_ledger import LEDGER_COLUMNS, NO_TARGET, indicators, ledger_sheets, totals
from renewal.analysis.supply_report import supply_demand_run
from renewal.io.write import xlsx_bytes
from renewal.standards import DEFAULT_PATH, load_standards
from renewal.zh import beijing_time
from tests.coverage_fixtures import X0, Y0, box_gdf, points_gdf


def _inputs():
    # school A (100 places) reaches P1 (300 m); school B has no 学位; P2 is 5 km away from A, 3 km from B
    fac = points_gdf([[X0, Y0], [X0 + 2000, Y0]], category=["小学", "小学"], name=["甲小学", "乙小学"])
    fac["places"] = [100.0, np.nan]
    pop = points_gdf([[X0 + 300, Y0], [X0 + 5000, Y0]], 人口=[1000.0, 500.0])
    zones = pd.concat(
        [
            box_gdf(X0 - 100, Y0 - 100, X0 + 1000, Y0 + 100, name=['=HYPERLINK("http://x")']),
            box_gdf(X0 + 1000, Y0 - 100, X0 + 6000, Y0 + 100, name=["乙街道"]),
        ]
    )
    return fac, pop, zones


def _run(method="2sfca", standards=None):
    fac, pop, zones = _inputs()
    return supply_demand_run(fac, pop, "小学", method=method, zones=zones, share=0.1, standards=standards)


def _by_code(table):
    return table.set_index("code")


def test_indicators_by_hand():
    res = _run()
    t = totals(res)
    # demand 100 + 50; A's 100 places go to P1 (R = 1, A = 1), P2 reaches nothing: gap 50
    assert t["demand"] == pytest.approx(150) and t["capacity"] == pytest.approx(100)
    assert t["gap"] == pytest.approx(50) and t["n_no_capacity"] == 1
    ind = _by_code(indicators(res))
    assert ind.at["capacity", "指标"] == "小学学位总数" and ind.at["capacity", "数值"] == 100
    assert ind.at["n_no_capacity", "数值"] == 1
    assert ind.at["demand", "数值"] == 150 and "规划人员给定" in ind.at["demand", "数据来源"]
    assert ind.at["share_in_reach", "数值"] == pytest.approx(66.7) and ind.at["share_in_reach", "单位"] == "%"
    assert ind.at["gap", "指标"] == "小学学位缺口数" and ind.at["gap", "数值"] == 50
    assert "两步移动搜索法" in ind.at["gap", "定义"]
    assert ind.at["per_1000_served", "数值"] == pytest.approx(666.7)
    # 千人学位数: 100 places per 1,500 residents
    assert ind.at["per_1000_residents", "数值"] == pytest.approx(66.7)
    # the bundled standards give no per-1,000 ratio: said, not invented
    assert load_standards().capacity_ratios == {}
    assert ind.at["per_1000_residents", "目标值"] == NO_TARGET == ind.at["per_1000_served", "目标值"]
    assert ind.at["capacity", "目标值"] == ""


def test_assignment_gap_and_an_age_column_without_residents():
    fac, pop, zones = _inputs()
    pop = pop.rename(columns={"人口": "6-11岁"})
    res = supply_demand_run(fac, pop, "小学", method="assign", zones=zones)
    ind = _by_code(indicators(res))
    # 1,000 children at P1 (the age column itself), 100 placed; all 500 of P2 unplaced
    assert ind.at["gap", "数值"] == 900 + 500
    assert ind.at["per_1000_residents", "数值"] is None or np.isnan(ind.at["per_1000_residents", "数值"])
    assert "未计算" in ind.at["per_1000_residents", "定义"]


def test_target_from_the_standards_file(tmp_path):
    text = DEFAULT_PATH.read_text(encoding="utf-8").replace(
        "capacity_ratios: {}",
        "capacity_ratios:\n  primary_school: {per: residents, value: 80, unit: 个/千人, "
        'clause: "某市地方标准 第1条", verified: false}',
    )
    path = tmp_path / "std.yaml"
    path.write_text(text, encoding="utf-8")
    std = load_standards(path)
    ind = _by_code(indicators(_run(standards=std), std))
    assert ind.at["per_1000_residents", "目标值"] == "80 个/千人"
    assert ind.at["per_1000_residents", "依据条款"] == "某市地方标准 第1条"
    assert ind.at["per_1000_residents", "核对状态"].startswith("未核对")
    assert ind.at["per_1000_served", "目标值"] == NO_TARGET  # the ratio is per resident, not per child


def test_bad_capacity_ratio_refused(tmp_path):
    from renewal.errors import InputError

    path = tmp_path / "std.yaml"
    path.write_text(
        DEFAULT_PATH.read_text(encoding="utf-8").replace(
            "capacity_ratios: {}", "capacity_ratios:\n  primary_school: {per: households, value: 80}"
        ),
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="capacity_ratios"):
        load_standards(path)


def test_ledger_workbook():
    res = _run()
    when = datetime(2026, 12, 3, 13, 5, tzinfo=UTC)
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(ledger_sheets([res], stamp=beijing_time(when)))))
    assert book.sheetnames == ["小学学位", "小学学位·分区", "说明"]
    ws = book["小学学位"]
    head = [c.value for c in ws[1]]
    assert LEDGER_COLUMNS[-1] == "计算时间（北京时间）" and "依据条款" in LEDGER_COLUMNS
    assert head == [*LEDGER_COLUMNS]
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["小学学位缺口数"][2] == 50 and rows["小学学位缺口数"][3] == "个"
    assert rows["小学学位缺口数"][8] == "2026年12月3日 21:05"
    zones = book["小学学位·分区"]
    zrows = list(zones.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in zrows] == ['=HYPERLINK("http://x")', "乙街道"]
    assert [r[6] for r in zrows] == [0, 50]
    assert zones.cell(row=2, column=1).data_type == "s"  # a zone's name is text, never a formula
