"""Plan facilities layer, the planner's inventory importer, and the coverage exports read back."""

from __future__ import annotations

import io

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geoseries_equal

import geodata
from renewal.analysis.coverage import CoverageOptions, radius_coverage
from renewal.analysis.coverage_report import report_sheets, shortfall
from renewal.analysis.facilities import (
    combine_facilities,
    import_facilities,
    plan_facilities,
    template_table,
)
from renewal.crs import wgs84_to_gcj02
from renewal.errors import InputError
from renewal.io.write import gpkg_bytes, xlsx_bytes
from renewal.standards import load_standards

ISSUE_SCHOOLS = (
    "天津实验中学河东学校",
    "天津一中河东学校",
    "井冈山路",
    "津龙湾",
    "第一〇二中学津华学校",
    "田庄中学",
    "太阳城学校",
    "缘诚小学",
    "第四十五中学华英学校",
    "天津一中河东学校高中部",
    "区级养老服务指导中心（北）",
    "区级养老服务指导中心（南）",
    "公建公营养老机构",
    "13个街道",
    "中医医院",
    "社区卫生服务中心",
)


def test_every_plan_facility_of_the_issue_is_placed_or_listed_unplaced():
    placed = geodata.load("plan_facilities")
    unplaced = geodata.load_table("plan_facilities_unplaced")
    names = list(placed["name"]) + list(unplaced["name"])
    for item in ISSUE_SCHOOLS:
        assert any(item in n for n in names), item
    assert not set(placed["name"]) & set(unplaced["name"])
    assert unplaced["reason"].str.len().gt(0).all()
    # placed ones are honest: at a renewal project's placeholder point, so placeholders (位置待定), low confidence
    assert set(placed["precision"]) == {"placeholder"}
    sites = geodata.load("renewal_sites").set_index("name")
    assert_geoseries_equal(
        placed.geometry.reset_index(drop=True),
        sites.loc[placed["renewal_project"]].geometry.reset_index(drop=True),
    )
    std = load_standards()
    assert placed["category"].map(std.resolve).notna().all()


def test_plan_facilities_for_the_engine_have_standard_keys():
    fac = plan_facilities(load_standards())
    assert set(fac["category"]) == {"primary_school", "middle_school", "elderly_day_care"}
    assert fac["source_zh"].str.contains("规划").all()


def _inventory(tmp_path, rows, suffix=".csv"):
    df = pd.DataFrame(rows)
    path = tmp_path / f"inv{suffix}"
    if suffix == ".csv":
        df.to_csv(path, index=False, encoding="utf-8-sig")
    else:
        df.to_excel(path, index=False)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_inventory_with_chinese_columns_per_row_crs_and_unmatched_listed(tmp_path, suffix):
    glon, glat = wgs84_to_gcj02(117.25, 39.12)
    rows = [
        {
            "名称": "甲小学",
            "类别": "小学",
            "经度": 117.25,
            "纬度": 39.12,
            "坐标系": "WGS84",
            "地址": "某路1号",
            "状态": "现状",
        },
        {
            "名称": "乙幼儿园",
            "类别": "托幼",
            "经度": float(glon),
            "纬度": float(glat),
            "坐标系": "GCJ-02",
            "地址": "",
            "状态": "",
        },
        {
            "名称": "丙站",
            "类别": "health_station",
            "经度": 117.26,
            "纬度": 39.13,
            "坐标系": "",
            "地址": "",
            "状态": "",
        },
        {
            "名称": "丁馆",
            "类别": "图书馆",
            "经度": 117.24,
            "纬度": 39.11,
            "坐标系": "",
            "地址": "",
            "状态": "",
        },
        {
            "名称": "戊馆",
            "类别": "图书馆",
            "经度": 117.24,
            "纬度": 39.11,
            "坐标系": "",
            "地址": "",
            "状态": "",
        },
    ]
    imp = import_facilities(_inventory(tmp_path, rows, suffix))
    fac = imp.facilities.set_index("name")
    assert list(fac["category"]) == ["primary_school", "kindergarten", "health_station"]
    assert fac.at["乙幼儿园", "name_zh"] == "幼儿园"
    # the GCJ-02 row was converted back to (about) the WGS84 point
    assert fac.at["乙幼儿园", "geometry"].distance(fac.at["甲小学", "geometry"]) < 2e-5
    assert fac.at["甲小学", "address"] == "某路1号"
    assert imp.unmatched.to_dict("records") == [{"value": "图书馆", "count": 2}]
    assert imp.n_unmatched == 2


def test_inventory_bad_crs_value_and_missing_category_are_clear_errors(tmp_path):
    rows = [{"名称": "甲", "类别": "小学", "经度": 117.25, "纬度": 39.12, "坐标系": "火星2"}]
    with pytest.raises(InputError) as e:
        import_facilities(_inventory(tmp_path, rows))
    assert "坐标系" in e.value.message_zh
    with pytest.raises(InputError) as e:
        import_facilities(_inventory(tmp_path, [{"名称": "甲", "经度": 117.25, "纬度": 39.12}]))
    assert "类别" in e.value.message_zh


def test_template_reads_back_through_the_importer(tmp_path):
    sheets = template_table()
    assert list(sheets["设施清单"].columns) == [
        *("名称", "类别", "经度", "纬度", "坐标系", "地址", "状态"),
        *("学位", "班数", "每班人数", "床位", "建筑面积"),
    ]
    book = pd.read_excel(io.BytesIO(xlsx_bytes(sheets)), sheet_name=None)
    assert set(book) == {"设施清单", "类别说明", "坐标系说明"}
    filled = book["设施清单"]
    filled.loc[0] = [
        "甲",
        book["类别说明"].iloc[0, 0],
        117.25,
        39.12,
        "WGS84",
        "",
        "",
        None,
        24,
        45,
        None,
        9000,
    ]
    path = tmp_path / "filled.xlsx"
    filled.to_excel(path, index=False)
    fac = import_facilities(path).facilities
    assert len(fac) == 1
    # 学位 blank: 班数 × 每班人数; 床位 blank stays missing
    assert fac["places"][0] == 24 * 45 and fac["floor_area_m2"][0] == 9000 and pd.isna(fac["beds"][0])


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_inventory_capacity_columns(tmp_path, suffix):
    rows = [
        {"名称": "甲小学", "类别": "小学", "经度": 117.25, "纬度": 39.12, "学位": 1080},
        {"名称": "乙小学", "类别": "小学", "经度": 117.26, "纬度": 39.12, "学位": None},
        {"名称": "丙养老院", "类别": "养老院", "经度": 117.27, "纬度": 39.12, "床位": 120},
    ]
    fac = import_facilities(_inventory(tmp_path, rows, suffix)).facilities
    assert fac["places"].tolist()[0] == 1080 and fac["places"].isna().tolist() == [False, True, True]
    assert fac["beds"].tolist()[2] == 120
    rows[1]["学位"] = "约900"
    with pytest.raises(InputError, match=r"学位 must hold non-negative numbers.*rows \[3\]"):
        import_facilities(_inventory(tmp_path, rows, suffix))


def test_exports_read_back_with_chinese_headers():
    std = load_standards()
    fac = combine_facilities({"plan": plan_facilities(std)})
    zones = geodata.load("district").assign(name="河东区")
    res = radius_coverage(fac, std, options=CoverageOptions(zones=zones))
    book = pd.read_excel(
        io.BytesIO(xlsx_bytes(report_sheets(res.stats, res.zone_stats, std, res.warnings))), sheet_name=None
    )
    stats = book["覆盖统计"].set_index("设施类别")
    assert set(stats.index) == {"小学", "初中", "老年人日间照料中心"}
    assert stats.loc["小学", "计算方式"] == "服务半径"
    assert stats.loc["小学", "用地覆盖率（%）"] == pytest.approx(
        res.stats.set_index("category").at["primary_school", "land_share"] * 100, abs=0.05
    )
    assert book["未达标分区（<90%）"]["未达标分区数"].tolist() == [1, 1, 1]
    raw = gpkg_bytes({"catchments": res.catchments, "gaps": res.gaps, "grid": res.grid})
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "x.gpkg"
        p.write_bytes(raw)
        gaps = gpd.read_file(p, layer="gaps")
        grid = gpd.read_file(p, layer="grid")
    assert len(gaps) >= 3 and gaps.crs.to_epsg() == 4326
    assert grid["primary_school_covered"].sum() > 0


def test_shortfall_lists_zones_below_the_line():
    zs = pd.DataFrame({"zone": ["甲", "乙", "丙"], "name_zh": ["小学"] * 3, "land_share": [0.95, 0.5, 0.2]})
    s = shortfall(zs, 0.9).iloc[0]
    assert s["未达标分区数"] == 2 and s["未达标分区"] == "丙、乙"


@pytest.mark.parametrize("mode", ["radius", "network"])
def test_recut_equals_a_fresh_run_at_the_smaller_distance(mode):
    from renewal.analysis.coverage import network_coverage
    from renewal.analysis.network import WalkNetwork
    from renewal.analysis.recut import recut
    from tests.coverage_fixtures import X0, Y0, box_gdf, grid_lines_gdf, points_gdf

    std = load_standards()
    fac = points_gdf(
        [[X0 + 300, Y0 + 300], [X0 + 1400, Y0 + 900], [X0 + 700, Y0 + 1500]],
        category=["小学", "小学", "养老院"],
        id=["a", "b", "c"],
    )
    boundary = box_gdf(X0, Y0, X0 + 2000, Y0 + 2000)
    net = WalkNetwork.from_lines(grid_lines_gdf(21)) if mode == "network" else None

    def run(cutoffs, geometry=True):
        if net is None:
            return radius_coverage(
                fac, std, boundary, options=CoverageOptions(cutoffs=cutoffs, cell=100, geometry=geometry)
            )
        return network_coverage(
            net, fac, std, boundary, options=CoverageOptions(cutoffs=cutoffs, cell=100, geometry=geometry)
        )

    big = run({"primary_school": 1000, "nursing_home": 1000}, geometry=False)
    for small in (300, 500, 1000):
        cut = {"primary_school": small, "nursing_home": small}
        fresh_res, got_res = run(cut), recut(big, cut)
        fresh, got = fresh_res.stats.set_index("category"), got_res.stats.set_index("category")
        assert got_res.catchments["area_m2"].sum() == pytest.approx(fresh_res.catchments["area_m2"].sum())
        assert got_res.gaps["area_m2"].sum() == pytest.approx(fresh_res.gaps["area_m2"].sum())
        assert got["land_share"].to_numpy() == pytest.approx(fresh["land_share"].to_numpy())
        assert list(got["cutoff_m"]) == [small, small]
    only = recut(big, {"primary_school": 500}, categories=["primary_school"])
    assert list(only.stats["category"]) == ["primary_school"]
    assert set(only.gaps["category"]) == {"primary_school"}
    if mode == "network":
        with pytest.raises(InputError):
            recut(big, {"primary_school": 1500})


def test_display_polygons_fill_small_holes_of_catchments_only():
    import shapely

    from layers.maps import display_polygons

    outer = shapely.box(117.20, 39.10, 117.23, 39.13)
    small = shapely.box(117.201, 39.101, 117.2015, 39.1015).exterior  # ~0.2 ha
    big = shapely.box(117.21, 39.11, 117.22, 39.12).exterior  # ~ 95 ha
    g = gpd.GeoDataFrame(
        {"category": ["x"]}, geometry=[shapely.Polygon(outer.exterior, [small, big])], crs=4326
    )
    filled = display_polygons(g, fill_holes=True).geometry.iloc[0]
    assert len(filled.interiors) == 1  # the block is filled, the big hole stays
    assert len(display_polygons(g).geometry.iloc[0].interiors) == 2  # gaps keep every hole


def test_cli_coverage_reads_a_chinese_inventory_without_category_field(tmp_path):
    from cli.main import main

    rows = [
        {"名称": "甲小学", "类别": "小学", "经度": 117.25, "纬度": 39.12},
        {"名称": "乙幼儿园", "类别": "幼儿园", "经度": 117.24, "纬度": 39.13},
    ]
    inv = _inventory(tmp_path, rows, ".xlsx")
    out = tmp_path / "c.gpkg"
    assert (
        main(["--workspace", str(tmp_path / "ws"), "coverage", "--facilities", str(inv), "--out", str(out)])
        == 0
    )
    stats = gpd.read_file(out, layer="stats")
    assert set(stats["category"]) == {"primary_school", "kindergarten"}


def test_inventory_category_aliases_of_elderly_care_are_read():
    """养老 / 养老机构 / 敬老院 in a planner's 类别 column mean 养老院 (issue #16 item 10: 养老 was refused)."""
    rows = "名称,类别,经度,纬度\n甲,养老,117.24,39.11\n乙,养老机构,117.25,39.12\n丙,敬老院,117.26,39.10\n"
    imp = import_facilities(rows.encode("utf-8"), filename="清单.csv", standards=load_standards())
    assert imp.n_unmatched == 0
    assert list(imp.facilities["category"]) == ["nursing_home"] * 3
    assert set(imp.facilities["name_zh"]) == {"养老院"}


def test_placeholder_plan_facilities_are_marked_and_the_report_says_so():
    from renewal.analysis.coverage_report import about_lines, about_sheet
    from renewal.analysis.facilities import placeholder_mask, plan_facilities

    std = load_standards()
    fac = plan_facilities(std)
    raw = geodata.load("plan_facilities")
    mask = placeholder_mask(fac)
    assert int(mask.sum()) == int((raw["precision"] == "placeholder").sum()) > 0
    other = fac.assign(precision=["approximate"] * len(fac))
    assert not placeholder_mask(other).any() and not placeholder_mask(fac.drop(columns="precision")).any()
    res = radius_coverage(fac, std)
    assert about_lines(res) == [
        ("计算方式", "服务半径"),
        ("研究范围", "河东区区界"),
        ("计量坐标系", "CGCS2000 / 3度带高斯-克吕格 CM 117E (EPSG:4548)：距离与面积均在该坐标系中计算"),
    ]
    rows = about_lines(res, placeholders=int(mask.sum()))
    book = pd.read_excel(
        io.BytesIO(xlsx_bytes(report_sheets(res.stats, None, std, [], about=about_sheet(rows)))),
        sheet_name=None,
    )
    about = book["计算说明"].set_index("项目")["内容"]
    assert about["位置待定设施"] == f"其中 {int(mask.sum())} 处为位置待定的规划设施，覆盖结果仅供示意"
    assert list(book)[:2] == ["覆盖统计", "计算说明"]
