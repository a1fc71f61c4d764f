"""Journey on 学位与床位's 按容量选址 and the scenarios in the store (issue #19): a planner imports a land-use
layer on 数据管理, uploads schools with 学位 and a population layer with zones through the page's uploaders,
picks the land-use layer at once (before the supply map has drawn) and reads the 城市体检 residential-land
coverage beside its definition and in the ledger, saves the current state, asks
for one new school of 900 places at the renewal site that gives the most children a place within reach
(K = 1), sees the step and its gain in a table and the site on the map, saves it as a scenario, reloads
the page (a new session: the scenarios come back from the store), compares the two and opens the
comparison XLSX."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely

from tests.e2e import harness
from tests.e2e.test_journey_coverage import UPLOADER_WORDS, choose, district, inventory_points, settle, table
from tests.e2e.test_journey_gis_tables import _import
from tests.e2e.test_journey_supply import SCHOOL_PLACES, SHARE_PCT, files, metric, upload_inputs  # noqa: F401

NEW_PLACES = 900


@pytest.fixture
def app(chromium_path, tmp_path):
    """A fresh workspace per journey (and per retry): the scenarios it saves stay in the store."""
    with harness.serve_app(tmp_path / "server") as served:
        yield served


def landuse_file(folder):
    """用地现状: 200 m squares of R2 around two schools, a B1 one, and an R2 one far from every school."""
    d = gpd.GeoSeries([district()], crs=4326).to_crs(4548).iloc[0]
    schools = gpd.GeoSeries(inventory_points(len(SCHOOL_PLACES) + 3)[: len(SCHOOL_PLACES)], crs=4326).to_crs(
        4548
    )
    x0, y0, x1, y1 = d.bounds
    grid = [shapely.Point(x, y) for x in np.arange(x0, x1, 250) for y in np.arange(y0, y1, 250)]
    inside = [g for g in grid if d.buffer(-300).contains(g)]
    far = max(inside, key=lambda g: min(g.distance(s) for s in schools))
    centres = [schools.iloc[0], schools.iloc[1], schools.iloc[0], far]
    boxes = [shapely.box(c.x - 100, c.y - 100, c.x + 100, c.y + 100) for c in centres]
    boxes[2] = shapely.affinity.translate(boxes[2], 250, 0)
    land = gpd.GeoDataFrame({"用地代码": ["R2", "0701", "B1", "R2"]}, geometry=boxes, crs=4548).to_crs(4326)
    path = folder / "用地现状.geojson"
    land.to_file(path)
    return path


def type_in(p: harness.Planner, label: str, value) -> None:
    """Type ``value`` in the box labelled ``label``, press Enter and wait for the page's run."""
    box = p.page.get_by_label(label)
    box.fill(str(value))
    box.press("Enter")
    settle(p)


def schools_with_share(p: harness.Planner, files) -> None:  # noqa: F811
    upload_inputs(p, files)
    choose(p, "供需类别", "小学（学位）")
    choose(p, "计算方法", "按容量就近分配")
    type_in(p, "6-11岁（小学适龄）占人口的比例（%）", SHARE_PCT)


def save_as(p: harness.Planner, name: str, *, what: str = "") -> None:
    """Type ``name`` in the ``what``情景名称 box (the siting's: 选址结果) and press its save button."""
    box = p.page.get_by_label(f"{what}情景名称", exact=True)
    box.scroll_into_view_if_needed()
    box.fill(name)
    box.press("Enter")
    settle(p)
    p.page.get_by_role("button", name=f"{what}保存为情景", exact=True).click()
    settle(p)
    p.page.get_by_text(f"已保存情景“{name}”。").wait_for()


def test_site_one_school_by_capacity_save_reload_compare(chromium, app, files, tmp_path):  # noqa: F811
    with harness.planner(chromium, app, "supply-siting-wide", harness.WIDE) as p:
        _import(p, landuse_file(tmp_path))
        p.open("coverage")
        schools_with_share(p, files)
        # the land-use layer picked at once, while the supply map is still loading
        choose(p, "居住用地图层（城市体检口径，可选）", "用地现状")
        choose(p, "用地性质字段（代码R/07或名称含“居住”）", "用地代码")
        places = sum(v for v in SCHOOL_PLACES if v)
        assert metric(p, "供给：学位总数") == places
        gap_before = metric(p, "学位缺口")
        land_share = metric(p, "小学服务半径覆盖率（居住用地）")
        assert 0 < land_share < 100  # squares at two schools are reached, the far one is not
        text = p.main_text()
        assert (
            "居住用地面积 ÷ 居住用地总面积" in text and "字段“用地代码”" in text and "共3块，12.0公顷" in text
        )
        supply_map = p.map(1)  # the map draws after the early pick
        assert supply_map.locator(".leaflet-interactive").count() > 0
        ind = table(p, "目标值").set_index("指标")
        assert float(ind.at["小学服务半径覆盖率（居住用地）", "数值"]) == land_share
        ledger = openpyxl.load_workbook(p.download("城市体检台账（Excel）", tmp_path))["小学学位"]
        rows = {r[0]: r for r in ledger.iter_rows(min_row=2, values_only=True)}
        assert rows["小学服务半径覆盖率（居住用地）"][2] == land_share
        save_as(p, "现状")

        # 按容量选址: one new school of 900 places among the renewal sites (placeholders left out)
        head = p.page.get_by_text("按容量选址（新增设施位置）")
        head.scroll_into_view_if_needed()
        assert "包含位置待定的更新项目" in p.main_text()
        type_in(p, "每处新增学位", NEW_PLACES)
        p.page.get_by_role("button", name="计算按容量选址").click()
        settle(p)
        steps = table(p, "本步新增获得人数", wait_s=120)
        assert len(steps) == 1 and steps["顺序"].tolist() == ["1"]
        gain = float(steps["本步新增获得人数"].iat[0].replace(",", ""))
        site = steps["候选地块"].iat[0]
        assert 0 < gain <= NEW_PLACES
        assert "新增1处（每处容量900），选出1处" in p.main_text()
        supply_map = p.map(1)
        control = supply_map.locator(".leaflet-control-layers")
        control.hover()
        assert "供需：按容量选址（新增设施）" in control.inner_text()
        p.page.get_by_label("选址结果情景名称", exact=True).scroll_into_view_if_needed()
        p.screenshot("supply-siting-map-steps-1920x1080")  # the map with the new site above the steps
        p.check_page(allowed_english=UPLOADER_WORDS)
        save_as(p, "新增一所学校", what="选址结果")

        # a reload is a new session: the uploads are gone, the scenarios come back from the store
        p.open("coverage")
        schools_with_share(p, files)
        pick = p.page.get_by_text("对比的情景（第一个为基准）")
        pick.scroll_into_view_if_needed()
        both = table(p, "较“现状”变化（新增一所学校）").set_index("指标")
        delta = both["较“现状”变化（新增一所学校）"].astype(float)
        assert delta["小学学位总数"] == NEW_PLACES
        # the new school's places go to children within its reach: the gap closes by that much at most
        assert -NEW_PLACES <= delta["小学学位缺口数"] < 0
        base = next(c for c in both.columns if c.startswith("现状（"))
        assert float(both.at["小学学位缺口数", base]) == gap_before
        assert {"分区缺口：西片", "分区缺口：东片"} <= set(both.index)
        p.screenshot("supply-siting-compare-1920x1080")
        # where the places were gained: the zones coloured by the change of their gap
        p.page.get_by_text("“新增一所学校”较“现状”的分区缺口变化", exact=True).scroll_into_view_if_needed()
        change_map = p.map(2)
        legend = change_map.locator(".rp-legend").inner_text()
        assert "情景对比：分区缺口变化" in legend and "缺口减少" in legend, legend
        gained = [
            z
            for z in ("西片", "东片")
            if float(both.at[f"分区缺口：{z}", "较“现状”变化（新增一所学校）"]) < 0
        ]
        assert gained and change_map.locator('path[fill="#1a9641"]').count() == len(gained)
        p.page.locator(harness.MAP_IFRAME).nth(2).scroll_into_view_if_needed()
        p.screenshot("supply-change-map-1920x1080")
        xlsx = p.download("情景对比（Excel）", tmp_path)
        book = pd.read_excel(xlsx, sheet_name=None)
        which = book["情景"].set_index("名称")  # the workbook says which scenarios it shows
        assert which.at["现状", "角色"] == "基准" and which.at["现状", "设施变化"] == "无（保存时的设施清单）"
        assert which.at["新增一所学校", "设施变化"] == f"新增：{site}（容量{NEW_PLACES}）"
        assert which.at["新增一所学校", "保存人"].startswith("本机用户")
        sheet = book["情景对比"].set_index("指标")
        assert sheet.at["小学学位总数", "较“现状”变化（新增一所学校）"] == NEW_PLACES
        assert sheet.at["小学学位缺口数", "较“现状”变化（新增一所学校）"] == pytest.approx(
            delta["小学学位缺口数"]
        )
        p.check_page(allowed_english=UPLOADER_WORDS)


def test_fewest_new_schools_to_a_target_share_on_the_laptop(chromium, app, files, tmp_path):  # noqa: F811
    with harness.planner(chromium, app, "supply-siting-laptop", harness.LAPTOP) as p:
        p.open("coverage")
        schools_with_share(p, files)
        places = sum(v for v in SCHOOL_PLACES if v)
        demand = metric(p, "需求人数")
        # a target just above what the schools place now plus one new school: two new schools are needed
        target = round((places + NEW_PLACES * 1.5) / demand * 100, 1)
        p.page.get_by_text("按容量选址（新增设施位置）").scroll_into_view_if_needed()
        p.page.get_by_text("达到目标比例").click()
        settle(p)
        type_in(p, "目标比例（%）", target)
        type_in(p, "每处新增学位", NEW_PLACES)
        p.page.get_by_role("button", name="计算按容量选址").click()
        settle(p)
        steps = table(p, "累计获得比例（%）", wait_s=180)
        shares = [float(v) for v in steps["累计获得比例（%）"]]
        gains = [float(v.replace(",", "")) for v in steps["本步新增获得人数"]]
        # each step's gain is at most one school's places; the last step reaches the target, the one before not
        assert len(steps) >= 2 and all(0 < g <= NEW_PLACES for g in gains)
        assert shares[-1] >= target > shares[-2]
        assert f"新增{len(steps)}处即达到目标比例" in p.main_text()
        p.page.get_by_role("button", name="计算按容量选址").scroll_into_view_if_needed()
        p.screenshot("supply-siting-target-1366x768")
        p.check_page(allowed_english=UPLOADER_WORDS)
