"""Journeys on 生活圈覆盖's 学位与床位 section (issue #19): a planner uploads the office's inventory with
学位 and 床位 through the page's uploader, a population layer and two zones, reads the supply, the demand
(her own share for school ages, which the census cannot give; the census share of 60+ for care beds),
the gap and the per-1,000 ratios (no target: the bundled standards give none, and the page says so), the
zones' gaps and the map of shortfalls, and takes the 城市体检 ledger (XLSX) into a meeting.

One server for the module on a fresh workspace; each journey uploads what it needs (uploads live in the
planner's session).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely

import geodata
from renewal.analysis.demand import GROUPS, census_share
from tests.e2e import harness
from tests.e2e.test_journey_coverage import UPLOADER_WORDS, choose, district, inventory_points, settle, table

#: The inventory: four primary schools (one without 学位) and three care homes with 床位.
SCHOOL_PLACES = [1080, 720, None, 1350]
CARE_BEDS = [200, 150, 80]
SHARE_PCT = 8.0  # the planner's share of 6-11-year-olds (typed on the page)
NEW_PLACES = 900
BEDS_PER_1000 = (
    40  # the office's beds per 1,000 older people (typed on the page)  # the what-if school's 学位
)
BEIJING = timezone(timedelta(hours=8))


@pytest.fixture
def app(chromium_path, tmp_path):
    """A server on a fresh workspace for each journey (and each retry of one): the scenarios a journey saves
    stay in the workspace, so a retry on the module's shared server would meet the names already taken."""
    with harness.serve_app(tmp_path / "server") as served:
        yield served


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The inventory (CSV, WGS84), a population layer (400 m squares over the district, a 常住人口 field
    adding up to the 2020 census total) and two zones (the district's west and east halves)."""
    folder = tmp_path_factory.mktemp("supply-files")
    pts = inventory_points(len(SCHOOL_PLACES) + len(CARE_BEDS))
    rows = [
        {"名称": f"测试小学{i + 1}", "类别": "小学", "经度": p.x, "纬度": p.y, "学位": v, "床位": None}
        for i, (p, v) in enumerate(zip(pts, SCHOOL_PLACES, strict=False))
    ] + [
        {"名称": f"测试养老院{i + 1}", "类别": "养老院", "经度": p.x, "纬度": p.y, "学位": None, "床位": v}
        for i, (p, v) in enumerate(zip(pts[len(SCHOOL_PLACES) :], CARE_BEDS, strict=True))
    ]
    inventory = folder / "设施清单（含学位床位）.csv"
    pd.DataFrame(rows).to_csv(inventory, index=False, encoding="utf-8-sig")
    # the what-if: the same inventory with one new school of NEW_PLACES places in the middle of the district
    c = district().representative_point()
    new = {"名称": "假设新建小学", "类别": "小学", "经度": c.x, "纬度": c.y, "学位": NEW_PLACES, "床位": None}
    amended = folder / "设施清单（新增学校）.csv"
    pd.DataFrame([*rows, new]).to_csv(amended, index=False, encoding="utf-8-sig")
    d = district()
    metric = gpd.GeoSeries([d], crs=4326).to_crs(4548).iloc[0]
    x0, y0, x1, y1 = metric.bounds
    cells = [
        shapely.box(x, y, x + 400, y + 400)
        for x in np.arange(x0, x1, 400)
        for y in np.arange(y0, y1, 400)
        if shapely.box(x, y, x + 400, y + 400).intersects(metric)
    ]
    census_total = float(geodata.load_table("census2020_hedong").iloc[0]["pop_2020"])
    people = np.full(len(cells), round(census_total / len(cells)))
    pop = gpd.GeoDataFrame({"常住人口": people}, geometry=cells, crs=4548).to_crs(4326)
    population = folder / "人口格网.geojson"
    pop.to_file(population)
    mid = (d.bounds[0] + d.bounds[2]) / 2
    zones = gpd.GeoDataFrame(
        {"名称": ["西片", "东片"]},
        geometry=[
            shapely.box(d.bounds[0] - 0.01, d.bounds[1] - 0.01, mid, d.bounds[3] + 0.01),
            shapely.box(mid, d.bounds[1] - 0.01, d.bounds[2] + 0.01, d.bounds[3] + 0.01),
        ],
        crs=4326,
    )
    zone_file = folder / "分区.geojson"
    zones.to_file(zone_file)
    return {
        "inventory": inventory,
        "amended": amended,
        "population": population,
        "zones": zone_file,
        "total": float(people.sum()),
    }


def upload_inputs(p: harness.Planner, files) -> None:
    """The inventory through 导入设施清单's uploader; population and zones through 人口与分区's."""
    p.page.get_by_text("导入设施清单（现状学校、幼儿园、养老、卫生设施）").click()
    panel = p.page.locator('[data-testid="stExpander"]').filter(has_text="设施清单文件").first
    p.upload(files["inventory"], within=panel)
    p.page.get_by_text("已读取 7 处设施").wait_for()
    settle(p)
    p.page.get_by_text("人口与分区（可选）").click()
    uploaders = p.page.locator('[data-testid="stFileUploader"]')
    p.upload(files["population"], within=uploaders.filter(has_text="人口：栅格"))
    settle(p)
    p.upload(files["zones"], within=uploaders.filter(has_text="分区面（街道/社区"))
    settle(p)


def metric(p: harness.Planner, label: str) -> float:
    box = p.page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    box.wait_for()
    value = box.locator('[data-testid="stMetricValue"]').inner_text()
    return float(re.sub(r"[^\d.]", "", value))


def save_scenario(p: harness.Planner, name: str) -> None:
    box = p.page.get_by_label("情景名称")
    box.scroll_into_view_if_needed()
    box.fill(name)
    box.press("Enter")
    settle(p)
    p.page.get_by_role("button", name="保存为情景").click()
    settle(p)
    p.page.get_by_text(f"已保存情景“{name}”。").wait_for()


def test_school_places_with_the_planners_share_then_care_beds_by_the_census_and_the_ledger(
    chromium, app, files, tmp_path
):
    with harness.planner(chromium, app, "supply-wide", harness.WIDE) as p:
        p.open("coverage")
        upload_inputs(p, files)
        section = p.page.get_by_role("heading", name="学位与床位（供需）")
        section.scroll_into_view_if_needed()
        assert (
            "清单中有：小学、养老院" in p.main_text()
        )  # the first category (幼儿园) is not in the inventory
        choose(p, "供需类别", "小学（学位）")
        # school ages: the census has no 6-11 band, so nothing is computed until the planner gives a share
        p.page.get_by_text("请填写6-11岁（小学适龄）占人口的比例后计算").wait_for()
        assert "得不出6-11岁（小学适龄）的占比，平台不推算" in p.main_text()
        share = p.page.get_by_label("6-11岁（小学适龄）占人口的比例（%）")
        share.fill(f"{SHARE_PCT}")
        share.press("Enter")
        settle(p)
        places = sum(v for v in SCHOOL_PLACES if v)
        demand = files["total"] * SHARE_PCT / 100
        assert metric(p, "供给：学位总数") == places
        assert metric(p, "需求人数") == pytest.approx(demand, abs=1)
        text = p.main_text()
        assert "4处小学中3处有学位数据" in text and "4个设施中有1个缺少学位数据" in text
        assert "需求来源：常住人口 × 0.08（规划人员给定的6-11岁（小学适龄）占比）" in text
        ind = table(p, "目标值").set_index("指标")
        # 千人学位数 = places per 1,000 residents; the bundled standards give no target: said, not invented
        assert float(ind.at["千人学位数", "数值"]) == pytest.approx(places / files["total"] * 1000, abs=0.05)
        assert ind.at["千人学位数", "目标值"] == "内置标准未给出"
        assert "内置标准文件未给出小学的千人学位指标" in text
        gap = metric(p, "学位缺口")
        assert float(ind.at["小学学位缺口数", "数值"]) == gap and 0 < gap <= demand
        zones = table(p, "标准距离内需求占比（%）")
        assert sorted(zones["分区"]) == ["东片", "西片"]
        assert sum(float(v) for v in zones["缺口"]) == pytest.approx(gap, abs=2)  # zones rounded one by one
        supply_map = p.map(1)
        control = supply_map.locator(".leaflet-control-layers")
        control.hover()
        assert (
            "供需：分区缺口" in control.inner_text()
            and "供需：需求点（人均可达容量）" in control.inner_text()
        )
        assert "可达容量不足" in supply_map.locator("body").inner_text()  # the legend's class
        p.page.locator(harness.MAP_IFRAME).nth(1).scroll_into_view_if_needed()
        p.screenshot("supply-map-1920x1080")
        p.check_page(allowed_english=UPLOADER_WORDS)
        p.page.get_by_role("heading", name="学位与床位（供需）").scroll_into_view_if_needed()
        p.screenshot("supply-schools-1920x1080")

        # the ledger, opened: indicators with units, target, 北京时间; the zones' gaps
        ledger = p.download("城市体检台账（Excel）", tmp_path)
        assert ledger.name == "城市体检台账_小学学位.xlsx"
        book = openpyxl.load_workbook(ledger)
        assert book.sheetnames == ["小学学位", "小学学位·分区", "说明"]
        sheet = book["小学学位"]
        head = [c.value for c in sheet[1]]
        assert head[:5] == ["指标", "定义", "数值", "单位", "目标值"] and head[-1] == "计算时间（北京时间）"
        rows = {r[0]: dict(zip(head, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)}
        assert rows["小学学位总数"]["数值"] == places and rows["小学学位总数"]["单位"] == "个"
        assert rows["小学学位缺口数"]["数值"] == gap
        assert rows["千人学位数"]["目标值"] == "内置标准未给出" and rows["千人学位数"]["单位"] == "个/千人"
        today = datetime.now(BEIJING)
        assert rows["小学学位缺口数"]["计算时间（北京时间）"].startswith(f"{today.year}年{today.month}月")
        zone_sheet = pd.read_excel(ledger, sheet_name="小学学位·分区")
        assert sorted(zone_sheet["分区"]) == ["东片", "西片"] and "缺口定义" in zone_sheet.columns

        # scenarios: the current state saved, the inventory amended with a new school, saved, compared
        save_scenario(p, "现状")
        p.page.get_by_text("导入设施清单（现状学校、幼儿园、养老、卫生设施）").scroll_into_view_if_needed()
        panel = p.page.locator('[data-testid="stExpander"]').filter(has_text="设施清单文件").first
        p.upload(files["amended"], within=panel)
        p.page.get_by_text("已读取 8 处设施").wait_for(
            state="attached"
        )  # the expander may close on the rerun
        settle(p)
        assert metric(p, "供给：学位总数") == places + NEW_PLACES
        save_scenario(p, "新增学校")
        both = table(p, "较“现状”变化（新增学校）").set_index("指标")
        delta = both["较“现状”变化（新增学校）"].astype(float)
        assert delta["小学学位总数"] == NEW_PLACES
        assert -NEW_PLACES <= delta["小学学位缺口数"] < 0  # the new places close part of the gap
        assert {"分区缺口：西片", "分区缺口：东片"} <= set(both.index)
        book = pd.read_excel(p.download("情景对比（Excel）", tmp_path), sheet_name=None)
        assert list(book) == ["情景对比", "情景"] and "较“现状”变化（新增学校）" in book["情景对比"].columns
        settle(p)
        p.page.get_by_text("对比的情景（第一个为基准）").scroll_into_view_if_needed()
        p.screenshot("supply-scenarios-1920x1080")

        # care beds: demand by the 2020 census share of 60+, the default where the census has the band
        choose(p, "供需类别", "养老院（床位）")
        beds = sum(CARE_BEDS)
        assert metric(p, "供给：床位总数") == beds
        elderly = files["total"] * census_share(GROUPS["age_60p"])
        assert metric(p, "需求人数") == pytest.approx(elderly, abs=1)
        assert "2020年第七次人口普查河东区60岁及以上占比" in p.main_text()
        ind = table(p, "目标值").set_index("指标")
        assert float(ind.at["每千名60岁及以上人口床位数", "数值"]) == pytest.approx(
            beds / elderly * 1000, abs=0.05
        )
        p.check_page(allowed_english=UPLOADER_WORDS)


def test_care_beds_on_the_laptop(chromium, app, files, tmp_path):
    with harness.planner(chromium, app, "supply-laptop", harness.LAPTOP) as p:
        p.open("coverage")
        upload_inputs(p, files)
        choose(p, "供需类别", "养老院（床位）")
        choose(p, "计算方法", "按容量就近分配")
        assert metric(p, "供给：床位总数") == sum(CARE_BEDS)
        # one bed per older person is an upper bound, not the planning gap: the page says so
        upper = metric(p, "床位缺口（按每人1张，上限）")
        assert upper > 0
        assert p.page.get_by_text("床位缺口按每位需求人口1张床位计算，是上限而非规划缺口").is_visible()
        ind = table(p, "目标值").set_index("指标")
        assert (
            "按容量分配" in ind.at["养老院床位缺口数", "定义"]
            and "上限" in ind.at["养老院床位缺口数", "定义"]
        )

        # a rate no standard can have is refused in Chinese and nothing is shown as a result
        rate = p.page.get_by_label("每千名老年人床位数（张/千人）")
        rate.scroll_into_view_if_needed()
        rate.fill("0")
        rate.press("Enter")
        settle(p)
        p.page.get_by_text("每千名老年人床位数须为大于0、不超过1000的数字").wait_for()
        assert p.page.locator('[data-testid="stMetric"]').count() == 0

        # the office's standard, 40 beds per 1,000 older people: the bed demand and the gap a plan can use
        rate.fill(f"{BEDS_PER_1000}")
        rate.press("Enter")
        settle(p)
        elderly = files["total"] * census_share(GROUPS["age_60p"])
        needed = metric(p, "床位需求（张）")
        assert needed == pytest.approx(elderly * BEDS_PER_1000 / 1000, abs=1)
        gap = metric(p, "床位缺口")
        assert 0 < gap <= needed < upper and gap >= needed - sum(CARE_BEDS)
        assert not p.page.get_by_text("是上限而非规划缺口").count()
        assert f"× {BEDS_PER_1000} ÷ 1000 = {needed:,.0f}张（标准来源：规划人员填写）" in p.main_text()
        ind = table(p, "目标值").set_index("指标")
        assert float(ind.at["养老院床位缺口数", "数值"]) == gap
        # the per-1,000 ratio stays per older person, not per bed needed
        assert float(ind.at["每千名60岁及以上人口床位数", "数值"]) == pytest.approx(
            sum(CARE_BEDS) / elderly * 1000, abs=0.05
        )
        zones = table(p, "床位需求（张）")
        assert sum(float(v) for v in zones["缺口"]) == pytest.approx(gap, abs=2)
        assert sum(float(v) for v in zones["床位需求（张）"]) == pytest.approx(needed, abs=2)
        p.check_page(allowed_english=UPLOADER_WORDS)
        p.page.get_by_role("heading", name="学位与床位（供需）").scroll_into_view_if_needed()
        p.screenshot("supply-care-1366x768")
        p.page.get_by_text("城市体检指标", exact=True).scroll_into_view_if_needed()
        p.screenshot("supply-care-ledger-1366x768")

        # the ledger, opened: the rate with its source, the bed demand and the gap as on the page
        ledger = p.download("城市体检台账（Excel）", tmp_path)
        rows = pd.read_excel(ledger, sheet_name="养老院床位").set_index("指标")
        assert rows.at["每千名老年人床位数（采用标准）", "数值"] == BEDS_PER_1000
        assert rows.at["每千名老年人床位数（采用标准）", "数据来源"] == "规划人员填写"
        assert rows.at["养老院床位需求", "数值"] == needed and rows.at["养老院床位需求", "单位"] == "张"
        assert (
            rows.at["养老院床位缺口数", "数值"] == gap and "上限" not in rows.at["养老院床位缺口数", "定义"]
        )
        assert rows.at["60岁及以上人数", "数值"] == pytest.approx(elderly, abs=1)
        zone_sheet = pd.read_excel(ledger, sheet_name="养老院床位·分区")
        assert sorted(zone_sheet["分区"]) == ["东片", "西片"] and "床位需求（张）" in zone_sheet.columns

        # scenarios keep their rate: the same beds under 40 and under 30 per 1,000, compared, and the page
        # says the change comes from the standard, not from the facilities
        save_scenario(p, "按40张")
        rate = p.page.get_by_label("每千名老年人床位数（张/千人）")
        rate.scroll_into_view_if_needed()
        rate.fill("30")
        rate.press("Enter")
        settle(p)
        assert metric(p, "床位需求（张）") == pytest.approx(elderly * 30 / 1000, abs=1)
        save_scenario(p, "按30张")
        both = table(p, "较“按40张”变化（按30张）").set_index("指标")
        assert float(both.at["每千名老年人床位数（采用标准）", "较“按40张”变化（按30张）"]) == -10
        warning = p.page.get_by_text("所选情景的床位需求按不同的每千名老年人床位标准计算")
        warning.scroll_into_view_if_needed()
        assert "“按30张”：每千名老年人30张（规划人员填写）" in warning.inner_text()
        p.screenshot("supply-care-scenarios-1366x768")
        book = pd.read_excel(p.download("情景对比（Excel）", tmp_path), sheet_name=None)
        assert (
            list(book) == ["情景对比", "情景", "说明"]
            and "不同的每千名老年人床位标准" in book["说明"].iloc[0, 0]
        )
