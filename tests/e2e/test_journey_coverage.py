"""Journeys on 生活圈覆盖 (issue #16 items 2, 3, 4, 7, 10): a planner adds a school at a renewal site and
where she clicks inside the district, uploads the office's facility inventory through the page's
uploader (positions from 高德, so GCJ-02 chosen), saves it to the workspace, and downloads the statistics
of a scenario; the workspace's imported reference layer is on the coverage map and in 汇报模式.

One server for the module, on a workspace holding an imported reference layer (控规, imported with the
command line as a planner would).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import geodata
from cli.main import main
from renewal.crs import gcj02_to_wgs84
from tests.e2e import harness

REFERENCE_TITLE = "控规用地测试图层"
#: Streamlit's own uploader texts (issue #16 item 8, translated page-wide by the journeys work)
UPLOADER_WORDS = ("Upload", "per file", "Browse files", "Drag and drop")
#: The inventory: 4 primary schools, 3 kindergartens, 3 elderly homes written "养老" (an alias)
INVENTORY = [("小学", 4), ("幼儿园", 3), ("养老", 3)]


def district():
    return geodata.load("district").geometry.iloc[0]


def inventory_points(n: int) -> list[shapely.Point]:
    """``n`` positions spread over the district (a lattice's points inside it, every k-th)."""
    d = district()
    x0, y0, x1, y1 = d.bounds
    xs, ys = np.meshgrid(np.linspace(x0, x1, 12), np.linspace(y0, y1, 12))
    pts = [shapely.Point(x, y) for x, y in zip(xs.ravel(), ys.ravel(), strict=True)]
    inside = [p for p in pts if d.buffer(-0.002).contains(p)]
    step = len(inside) // n
    return inside[::step][:n]


@pytest.fixture(scope="module")
def inventory_csv(tmp_path_factory):
    """The office's inventory as 高德 gives it (GCJ-02 numbers, no coordinate-system column)."""
    from renewal.crs import wgs84_to_gcj02

    rows, k = [], 0
    pts = inventory_points(sum(n for _, n in INVENTORY))
    for cat, n in INVENTORY:
        for i in range(n):
            lon, lat = (float(v) for v in wgs84_to_gcj02(pts[k].x, pts[k].y))
            rows.append(
                {"名称": f"测试{cat}{i + 1}", "类别": cat, "经度": round(lon, 6), "纬度": round(lat, 6)}
            )
            k += 1
    path = tmp_path_factory.mktemp("inventory") / "设施清单.csv"
    pd.DataFrame(rows).to_csv(path, index=False, encoding="utf-8-sig")
    return path


@pytest.fixture(scope="module")
def app(chromium_path, tmp_path_factory):
    """One server on a workspace with an imported reference layer."""
    tmp = tmp_path_factory.mktemp("coverage-app")
    ws = tmp / "workspace"
    ref = tmp / "控规.geojson"
    c = district().centroid
    gpd.GeoDataFrame(
        {"用地性质": ["二类居住用地"]},
        geometry=[shapely.box(c.x - 0.004, c.y - 0.003, c.x + 0.004, c.y + 0.003)],
        crs=4326,
    ).to_file(ref)
    argv = ["--workspace", str(ws), "import", str(ref), "--layer", "reference", "--name", "kg"]
    assert main([*argv, "--title", REFERENCE_TITLE, "--yes"]) == 0
    with harness.serve_app(tmp, workspace=ws) as served:
        yield served


# ---- what a planner reads and does on the page ------------------------------------------------------
#: The page's tables in page order, data grids and read-only HTML tables (pages/views/html_table.py) alike.
_TABLES_JS = """() => Array.from(document.querySelectorAll('[data-testid="stDataFrame"], table.rp-table')).map(t =>
  t.matches('table') ? [Array.from(t.querySelectorAll('th')).map(e => e.innerText),
                        Array.from(t.querySelectorAll('td')).map(e => e.innerText)]
                     : [Array.from(t.querySelectorAll('[role="columnheader"]')).map(e => e.innerText),
                        Array.from(t.querySelectorAll('[role="gridcell"]')).map(e => e.innerText)])"""


def table(p: harness.Planner, header: str, wait_s: float = 30, *, also: tuple[str, ...] = ()) -> pd.DataFrame:
    """The first table on the page with a column ``header`` (and the columns ``also``), as its cells read
    (text). A grid is drawn a moment after the script has run, and after an HTML table of the same run, so
    this waits for that table and its cells: the statistics (a grid) and the census comparison under them (an
    HTML table) both have 用地覆盖率（%）, and ``also`` tells them apart."""
    want = {header, *also}
    for _ in range(int(wait_s * 2)):
        heads, cells = next(((h, c) for h, c in p.page.evaluate(_TABLES_JS) if want <= set(h)), ([], []))
        if cells:
            rows = [cells[i : i + len(heads)] for i in range(0, len(cells), len(heads))]
            return pd.DataFrame(rows, columns=heads)
        p.page.wait_for_timeout(500)
    text = p.main_text()
    raise AssertionError(f"no table with {header!r}: {text[text.find('导入设施清单') :][:1500]}")


def settle(p: harness.Planner) -> None:
    """Wait for the rerun an action starts (it may start a moment later), then for the page to be idle."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        p.page.locator('[data-testid="stApp"][data-test-script-state="running"]').wait_for(timeout=3000)
    except PlaywrightTimeout:
        pass
    p.idle()


def choose(p: harness.Planner, label: str, option: str) -> None:
    """Pick ``option`` in the select box labelled ``label``."""
    box = p.page.get_by_role("combobox", name=label, exact=True)
    box.scroll_into_view_if_needed()
    box.click()
    box.fill(option)  # typed, as a planner narrows a long list
    p.page.get_by_role("option", name=option, exact=True).click()
    settle(p)


def press(p: harness.Planner, label: str) -> None:
    button = p.page.get_by_role("button", name=label).first
    button.scroll_into_view_if_needed()
    button.click()
    settle(p)


def metrics(p: harness.Planner) -> list[str]:
    return [m.inner_text() for m in p.page.locator('[data-testid="stMetric"]').all()]


def layer_names(p: harness.Planner) -> str:
    control = p.map().locator(".leaflet-control-layers")
    control.hover()
    p.map().locator(".leaflet-control-layers-expanded").wait_for(state="visible")
    return control.inner_text()


def readiness(p: harness.Planner) -> str:
    return table(p, "如何加载").set_index("输入").at["现状设施", "状态"]


def school_stats(p: harness.Planner) -> pd.Series:
    return table(p, "用地覆盖率（%）", also=("设施数",)).set_index("设施类别").loc["小学"]


def test_what_if_at_a_site_and_at_a_click_then_an_uploaded_inventory_counted_once(
    chromium, app, inventory_csv, tmp_path
):
    with harness.planner(chromium, app, "coverage-whatif", harness.WIDE) as p:
        p.open("coverage")
        p.check_page()
        # the imported reference layer is in the coverage map's layer control (item 10); three categories:
        # per cell how many are out of reach, not three stacked red gap layers (item 7)
        names = layer_names(p)
        assert REFERENCE_TITLE in names and "缺口：不可达的类别数" in names and "覆盖缺口" not in names

        # item 2: 十五分钟（1000米）, a school at a renewal site: GEOS failed on the gaps' overlay
        choose(p, "生活圈", "十五分钟生活圈居住区（1000米）")
        assert school_stats(p)["生活圈"] == "十五分钟生活圈居住区（1000米）"  # item 10: the circle chosen
        before = float(school_stats(p)["用地覆盖率（%）"])
        p.tab("假设分析")  # the tabs under the map: only the open one is drawn
        choose(p, "或选择城市更新项目", "有色金属厂")
        press(p, "在所选更新项目新增")
        p.check_page()
        # item 10: only what changed is listed (小学), never "+0.0"
        shown = metrics(p)
        assert len(shown) == 1 and "小学" in shown[0] and "+0.0" not in shown[0], shown
        assert "假设新增覆盖" in layer_names(p)
        p.tab("覆盖统计")
        after_site = float(school_stats(p)["用地覆盖率（%）"])
        assert after_site > before

        # item 3: a click inside the district, on the catchment and gap polygons, gives the position
        p.tab("假设分析")
        site_box = p.page.get_by_role("combobox", name="或选择城市更新项目", exact=True)
        assert site_box.input_value() == "有色金属厂"  # what the planner chose in the tab is kept
        c = district().representative_point()
        p.click_map(c.y, c.x)
        settle(p)
        add_here = p.page.get_by_role("button", name="在地图点击处")
        add_here.wait_for(timeout=30_000)
        label = add_here.inner_text()
        lon, lat = (float(v) for v in label[label.index("（") + 1 : label.index("）")].split(","))
        assert abs(lon - c.x) < 2e-4 and abs(lat - c.y) < 2e-4, (label, c)
        add_here.click()
        settle(p)
        p.check_page()
        text = p.main_text()
        assert "假设新增：有色金属厂（假设小学）、假设小学2" in text, text[text.find("假设分析") :][:600]
        p.tab("覆盖统计")
        stats = school_stats(p)
        assert int(stats["设施数"]) == 4  # the plan's two schools and the two what-ifs
        assert float(stats["用地覆盖率（%）"]) > after_site
        p.screenshot("coverage-whatif-1920x1080")
        # item 7: the downloads of a scenario say so (file name, a 情景 column, the scenario's facilities)
        p.tab("导出")
        xlsx = p.download("覆盖统计（Excel）", tmp_path)
        assert "假设情景" in xlsx.name
        book = pd.read_excel(xlsx, sheet_name=None)
        assert list(book)[0] == "假设情景说明"
        assert list(book["假设情景说明"]["设施名称"]) == ["有色金属厂（假设小学）", "假设小学2"]
        stats_sheet = book["覆盖统计"]
        assert stats_sheet.columns[0] == "情景" and stats_sheet["情景"].str.startswith("假设情景").all()
        gpkg = p.download("服务范围、缺口、网格（GeoPackage）", tmp_path)
        assert "假设情景" in gpkg.name
        added = gpd.read_file(gpkg, layer="scenario_facilities")
        assert list(added["name"]) == ["有色金属厂（假设小学）", "假设小学2"]
        assert gpd.read_file(gpkg, layer="gaps")["情景"].str.startswith("假设情景").all()
        p.tab("假设分析")
        press(p, "清除全部假设")
        p.page.locator('[data-testid="stMetric"]').first.wait_for(state="detached", timeout=30_000)
        p.tab("覆盖统计")

        # item 4: the inventory through the page's uploader, GCJ-02 chosen (item 10), saved: counted once
        p.page.get_by_text("导入设施清单（现状学校、幼儿园、养老、卫生设施）").click()
        settle(p)  # the panel is drawn once opened: the planner waits for it
        panel = p.page.locator('[data-testid="stExpander"]').filter(has_text="设施清单文件").first
        choose(p, "文件中的坐标系（文件未注明坐标系时）", "GCJ-02（高德/腾讯）")
        p.upload(inventory_csv, within=panel)
        # the file shows in the uploader before its rows are read (a failure here then says so)
        panel.get_by_text(inventory_csv.name).wait_for()
        p.page.get_by_text("已读取 10 处设施").wait_for()
        settle(p)
        assert "类别无法与标准对应" not in p.main_text()  # 养老 is read as 养老院 (item 10)
        assert readiness(p) == "已加载：10处"
        # the inventory's 4 schools; the plan's two 位置待定 schools are left out until the planner counts them
        assert int(school_stats(p)["设施数"]) == 4
        p.page.get_by_text("计入位置待定设施", exact=True).click()  # the label, as a planner clicks it
        settle(p)
        assert p.page.get_by_role("checkbox", name="计入位置待定设施").is_checked()
        assert int(school_stats(p)["设施数"]) == 2 + 4
        press(p, "保存到工作区（替换工作区现有的设施清单）")
        assert readiness(p) == "已加载：10处"
        assert int(school_stats(p)["设施数"]) == 2 + 4
        p.check_page(allowed_english=UPLOADER_WORDS)
        saved = gpd.read_file(app.workspace / "facilities" / "facilities.gpkg")
        assert len(saved) == 10 and saved["category"].value_counts()["nursing_home"] == 3
        src = pd.read_csv(inventory_csv, encoding="utf-8-sig")
        want = np.column_stack(gcj02_to_wgs84(src["经度"].to_numpy(), src["纬度"].to_numpy()))
        got = np.column_stack([saved.geometry.x, saved.geometry.y])
        assert np.abs(got - want).max() < 1e-5  # read as GCJ-02 and converted, not taken as WGS84
        p.open("coverage")  # a reload: still ten
        assert readiness(p) == "已加载：10处"


def test_reference_layer_in_the_meeting_view_and_a_click_on_the_laptop(chromium, app):
    with harness.planner(chromium, app, "present-reference", harness.LAPTOP) as p:
        p.open("present")  # the presentation's slide map (a frame in the presentation's frame)
        slide_map = p.page.frame_locator(harness.PRESENTATION_IFRAME).frame_locator(
            ".rp-slide:not([hidden]) iframe"
        )
        control = slide_map.locator(".leaflet-control-layers")
        control.hover()
        slide_map.locator(".leaflet-control-layers-expanded").wait_for(state="visible")
        assert REFERENCE_TITLE in control.inner_text()
        p.check_page()
        p.open("coverage")
        p.map().locator(".leaflet-control-layers").wait_for(state="visible")  # the map's script has run
        p.tab("假设分析")
        c = district().representative_point()
        p.click_map(c.y, c.x)
        settle(p)
        p.page.get_by_role("button", name="在地图点击处").wait_for(timeout=30_000)
        p.screenshot("coverage-click-1366x768")
