"""Residential-land coverage (renewal/analysis/supply_landuse.py): squares of known area, a school whose
radius covers exactly some of them, the codes and names that count as 居住用地, and the ledger row."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from renewal.analysis.supply_landuse import residential_coverage, residential_mask
from renewal.analysis.supply_ledger import indicators
from renewal.analysis.supply_report import supply_demand_run
from renewal.errors import InputError
from tests.coverage_fixtures import X0, Y0, points_gdf


def _squares():
    # four 100 m squares (1 ha each) in a row starting 1 km east of the school; a fifth overlaps the first
    boxes = [shapely.box(X0 + 1000 + 200 * i, Y0, X0 + 1100 + 200 * i, Y0 + 100) for i in range(4)]
    boxes.append(shapely.box(X0 + 1050, Y0, X0 + 1100, Y0 + 100))  # half of square 0 again, residential
    codes = ["R2", "0701", "B1", "城镇住宅用地", "07"]
    return gpd.GeoDataFrame({"用地代码": codes}, geometry=boxes, crs=4548)


def test_mask_codes_and_names():
    got = residential_mask(
        [
            "R",
            "R1",
            "r2",
            "R21",
            "07",
            "0701",
            "070102",
            "居住用地",
            "二类住宅",
            "B1",
            "A33",
            "",
            None,
            np.nan,
            "0801",
            "RA",
        ]
    )
    assert got.tolist() == [True] * 9 + [False] * 7


def test_squares_of_known_area():
    land = _squares()
    school = points_gdf([[X0, Y0 + 50]])
    # radius 1450 m reaches 1000–1450 m east: square 0 (1000–1100, and the overlapping half counted once)
    # and square 1 (1200–1300) fully; square 2 (B1) is not residential; square 3 (1600–1700) is out
    cov = residential_coverage(land, "用地代码", school, 1450, source="用地现状")
    assert cov.residential_m2 == pytest.approx(30_000, rel=1e-9)  # squares 0, 1, 3; the overlap once
    assert cov.n_parcels == 4
    # the circle's edge bulges past x = 1300 by less than a centimetre over square 1's height
    assert cov.covered_m2 == pytest.approx(20_000, rel=1e-3) and cov.share == pytest.approx(2 / 3, rel=1e-3)
    text = cov.definition_zh("小学")
    assert "1450米" in text and "用地代码" in text and "共4块，3.0公顷" in text
    none = residential_coverage(land, "用地代码", school, 500)
    assert none.covered_m2 == 0 and none.share == 0


@pytest.mark.parametrize(
    ("field", "message"),
    [("", "land-use field"), ("类型", "no field '类型'"), ("other", "No residential land")],
)
def test_refusals(field, message):
    land = _squares().assign(other="B1")
    with pytest.raises(InputError, match=message):
        residential_coverage(land, field, points_gdf([[X0, Y0]]), 500)


def test_ledger_row_beside_the_population_share():
    land = _squares()
    fac = points_gdf([[X0, Y0 + 50]], category=["小学"], name=["甲小学"])
    fac["places"] = [100.0]
    pop = points_gdf([[X0 + 100, Y0]], **{"6-11岁": [80.0]})
    res = supply_demand_run(
        fac,
        pop,
        "小学",
        age_field="6-11岁",
        cutoff=1450,
        landuse=land,
        landuse_field="用地代码",
        landuse_source="用地现状",
    )
    ind = indicators(res).set_index("code")
    row = ind.loc["residential_land_coverage"]
    assert row["指标"] == "小学服务半径覆盖率（居住用地）" and row["单位"] == "%"
    assert row["数值"] == pytest.approx(66.7, abs=0.05) and "居住用地总面积" in row["定义"]
    assert "用地现状" in row["数据来源"]
    assert "residential_land_coverage" not in set(
        indicators(supply_demand_run(fac, pop, "小学", age_field="6-11岁"))["code"]
    )
