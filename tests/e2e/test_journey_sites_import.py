"""Journey: a planner imports renewal sites on 更新项目 from a CSV with 高德 (GCJ-02) coordinates and from an
Excel file, through the page's own uploader: chooses the coordinate system, reads the Chinese summary and the
preview map, imports, and finds the sites in the table; the store holds them where they really are."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

import geodata
from renewal.crs import wgs84_to_gcj02
from renewal.storage import current_sites
from tests.e2e import harness

#: Two real positions inside Hedong (WGS84), well away from the boundary.
PLACES = [(117.2500, 39.1217), (117.2389, 39.1197)]


def _choose(p: harness.Planner, label: str, option: str, within) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    p.idle()
    for attempt in range(3):  # a rerun arriving meanwhile closes the list: the planner opens it again
        within.get_by_label(label).click()
        p.page.keyboard.press("Control+A")
        p.page.keyboard.type(option[:6])  # the list filters as a planner types
        choice = p.page.get_by_role("option").filter(has_text=option).first
        try:
            choice.wait_for(timeout=15_000)
            choice.click()
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            p.page.keyboard.press("Escape")
            p.idle()
    p.idle()
    assert within.get_by_label(label).input_value() == option


def _import(p: harness.Planner, file, crs_option: str, names: list[str]) -> None:
    panel = p.page.get_by_test_id("stExpander").filter(has_text="从文件导入项目")
    if not panel.get_by_test_id("stFileUploaderDropzone").is_visible():
        panel.get_by_text("从文件导入项目").click()
    _choose(p, "文件坐标系", crs_option, panel)
    p.upload(file, within=panel)
    panel.get_by_text(f"要素数：{len(names)}").wait_for()
    summary = panel.inner_text()
    assert "问题：无" in summary, summary
    assert p.page.locator(harness.MAP_IFRAME).count() >= 2  # the page's map and the preview map
    p.check_page()  # the summary in Chinese: no name / site_type / status=planned / GCJ-02 (Amap/Tencent)
    panel.get_by_role("button", name=f"确认导入 {len(names)} 个项目").click()
    p.idle()


def test_sites_imported_from_csv_in_gcj02_and_from_excel(chromium, app, tmp_path):
    district = geodata.load("district").geometry.iloc[0]
    assert all(district.contains(Point(x, y)) for x, y in PLACES)
    gx, gy = wgs84_to_gcj02(PLACES[0][0], PLACES[0][1])
    csv = tmp_path / "高德坐标项目.csv"
    pd.DataFrame(
        {"名称": ["口袋公园甲（导入测试）"], "类型": ["微更新"], "经度": [float(gx)], "纬度": [float(gy)]}
    ).to_csv(csv, index=False, encoding="utf-8-sig")
    xlsx = tmp_path / "项目清单.xlsx"
    pd.DataFrame(
        {
            "名称": ["口袋公园乙（导入测试）"],
            "类型": ["微更新"],
            "经度": [PLACES[1][0]],
            "纬度": [PLACES[1][1]],
        }
    ).to_excel(xlsx, index=False)
    with harness.planner(chromium, app, "sites-import", harness.LAPTOP) as p:
        p.open("sites")
        _import(p, csv, "GCJ-02（高德/腾讯）", ["口袋公园甲（导入测试）"])
        p.screenshot("sites-import-csv-1366x768")
        _import(p, xlsx, "自动（按文件自带坐标系；无则按WGS84）", ["口袋公园乙（导入测试）"])
        search = p.page.get_by_test_id("stSidebar").get_by_role(
            "textbox", name="搜索（名称、编号、类型、片区、规划原文）"
        )
        search.fill("导入测试")
        search.press("Enter")
        p.idle()
        p.page.get_by_text("共 2 个项目").wait_for()
        table = p.page.get_by_test_id("stDataFrame").first
        for name in ("口袋公园甲（导入测试）", "口袋公园乙（导入测试）"):
            table.get_by_text(name).first.wait_for(state="attached")
        p.check_page()
        p.screenshot("sites-import-done-1366x768")
    sites = current_sites(app.workspace)
    got = sites[sites["name"].str.endswith("（导入测试）")].set_index("name")
    assert len(got) == 2
    metric = gpd.GeoSeries([got.geometry["口袋公园甲（导入测试）"], Point(PLACES[0])], crs=4326).to_crs(4548)
    assert metric.iloc[0].distance(metric.iloc[1]) < 1.0  # the GCJ-02 numbers were converted back
    assert set(got["status"]) == {"planned"} and set(got["site_type"]) == {"微更新"}
