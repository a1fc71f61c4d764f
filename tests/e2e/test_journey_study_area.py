"""Journey on 生活圈覆盖 (issue #18, the study area chosen on the page): a planner gives the page's uploader
a file of points (refused in Chinese, the area stays), then a neighbouring district's polygon (河西区, from
the bundled neighbours), makes it the study area, and sees it named with its area and the metric CRS
stated above the statistics, outlined on the map that fits to it and written in the Excel's 计算说明;
then restores 河东区区界. With nothing else loaded the plan's 位置待定 facilities count (计入位置待定设施
ticked) and the statistics and 计算说明 say the result is only indicative.

A fresh server per journey: a retry must not meet the study area its first run saved."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest

import geodata
from tests.e2e import harness
from tests.e2e.test_journey_coverage import UPLOADER_WORDS, layer_names, press, settle, table

#: What the statistics say while the bundled plan's 位置待定 facilities count (all of them, every category)
N_PLACEHOLDER = int((geodata.load("plan_facilities")["precision"] == "placeholder").sum())
PLACEHOLDER_NOTE = f"其中 {N_PLACEHOLDER} 处为位置待定的规划设施，覆盖结果仅供示意"


@pytest.fixture()
def fresh_app(chromium_path, tmp_path):
    with harness.serve_app(tmp_path / "app") as served:
        yield served


@pytest.fixture()
def files(tmp_path):
    n = geodata.load("neighbours")
    hexi = tmp_path / "河西区.geojson"
    n[n["name"] == "河西区"][["name", "geometry"]].to_file(hexi)
    points = tmp_path / "学校点位.geojson"
    c = geodata.load("district").geometry.iloc[0].centroid
    feature = {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [c.x, c.y]}}
    points.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    return {"hexi": hexi, "points": points, "hexi_geom": n[n["name"] == "河西区"].geometry.iloc[0]}


def area_panel(p: harness.Planner):
    return p.page.locator('[data-testid="stExpander"]').filter(has_text="当前研究范围").first


def land_m2(p: harness.Planner, expected: float, wait_s: float = 30) -> float:
    """The statistics' 用地面积 once it is ``expected`` (within 0.2 %), or the last value read after ``wait_s``:
    the grid redraws its cells a moment after the captions above it have changed."""
    for _ in range(int(wait_s * 2)):
        got = float(table(p, "用地面积（㎡）").iloc[0]["用地面积（㎡）"].replace(",", ""))
        if got == pytest.approx(expected, rel=2e-3):
            break
        p.page.wait_for_timeout(500)
    return got


def test_a_neighbouring_district_as_the_study_area_then_back_to_hedong(chromium, fresh_app, files, tmp_path):
    hedong_m2 = float(geodata.load("district").to_crs(4548).area.sum())
    hexi_m2 = float(gpd.GeoSeries([files["hexi_geom"]], crs=4326).to_crs(4548).area.iloc[0])
    with harness.planner(chromium, fresh_app, "study-area", harness.WIDE) as p:
        p.open("coverage")
        p.page.get_by_text("研究范围", exact=True).first.click()
        panel = area_panel(p)
        panel.get_by_text("当前研究范围：河东区区界").wait_for()
        assert land_m2(p, hedong_m2) == pytest.approx(hedong_m2, rel=2e-3)
        # nothing but the plan's 位置待定 facilities: they count, ticked, and the statistics say so
        assert p.page.get_by_role("checkbox", name="计入位置待定设施").is_checked()
        p.page.get_by_text(PLACEHOLDER_NOTE).wait_for()

        # a file of points: refused in Chinese, nothing saved, the area stays
        p.upload(files["points"], within=panel)
        settle(p)
        panel.get_by_text("没有面要素").wait_for()
        assert "当前研究范围：河东区区界" in panel.inner_text()
        assert not (fresh_app.workspace / "study_area" / "study_area.geojson").exists()
        p.check_page(allowed_english=UPLOADER_WORDS)

        # the neighbouring district through the same uploader, named after its file
        p.upload(files["hexi"], within=panel)
        settle(p)
        panel.get_by_text("文件中的范围：约").wait_for()
        assert panel.get_by_label("研究范围名称").input_value() == "河西区"
        press(p, "设为研究范围")
        panel = area_panel(p)
        panel.get_by_text("当前研究范围：河西区").wait_for()
        text = panel.inner_text()
        km2 = hexi_m2 / 1e6
        assert f"约 {km2:.1f} 平方公里" in text, text
        assert "北京时间" in text and "设置" in text
        main = p.main_text()
        assert f"研究范围：河西区（约 {km2:.1f} 平方公里）" in main
        assert "计量坐标系：CGCS2000 / 3度带高斯-克吕格 CM 117E (EPSG:4548)" in main
        assert land_m2(p, hexi_m2) == pytest.approx(hexi_m2, rel=2e-3)  # the grid is the neighbour's now
        # the map outlines the study area and fits to it: its centre is on the map, Hedong's edge is not needed
        assert "研究范围" in layer_names(p)
        c = files["hexi_geom"].representative_point()
        x, y = p.map_point(c.y, c.x)
        box = p.page.locator(harness.MAP_IFRAME).first.bounding_box()
        assert box["x"] < x < box["x"] + box["width"] and box["y"] < y < box["y"] + box["height"]
        p.check_page(allowed_english=UPLOADER_WORDS)
        p.screenshot("study-area-hexi-1920x1080")
        p.tab("导出")
        book = pd.read_excel(p.download("覆盖统计（Excel）", tmp_path), sheet_name=None)
        about = book["计算说明"].set_index("项目")["内容"]
        assert about["研究范围"] == f"河西区（约 {km2:.1f} 平方公里）"
        assert about["计量坐标系"].startswith("CGCS2000 / 3度带高斯-克吕格 CM 117E (EPSG:4548)")
        assert about["位置待定设施"] == PLACEHOLDER_NOTE
        assert float(book["覆盖统计"]["用地面积（㎡）"].iloc[0]) == pytest.approx(hexi_m2, rel=2e-3)

    with harness.planner(chromium, fresh_app, "study-area-laptop", harness.LAPTOP) as p:
        p.open("coverage")
        p.page.get_by_text("研究范围", exact=True).first.click()
        panel = area_panel(p)
        panel.get_by_text("当前研究范围：河西区").wait_for()
        p.screenshot("study-area-hexi-1366x768")
        press(p, "恢复为河东区区界")
        area_panel(p).get_by_text("当前研究范围：河东区区界").wait_for()
        assert land_m2(p, hedong_m2) == pytest.approx(hedong_m2, rel=2e-3)
        p.check_page(allowed_english=UPLOADER_WORDS)
