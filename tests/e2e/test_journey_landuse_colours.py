"""Journey (issue #20): a planner styles a 控规 layer by 用地性质 with their office's land-use colour table
(用地分类配色表). On 数据管理 they upload a small synthetic 控规 layer (codes R2, R21, B1, G1, 0701 and an
unknown Q9) through the page's uploader, give a colour table with a bad row (refused by row in Chinese,
nothing saved), then a good one (#RRGGBB and R,G,B), choose 按用地分类配色表: each drawn polygon of the page
map is filled in its code's colour (R21 by its parent R2, 0701 by 07), Q9 in the grey 未匹配 row, the
legend shows the table's names; the print sheet (PDF) fills the parcels in the same colours and lists the
same names; the saved style is drawn the same on 总体布局.

The colours of the table are test values, not an official classification's."""

from __future__ import annotations

import io
import shutil

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

import geodata
from layers.thematic import UNMATCHED_COLOR
from tests.e2e import harness
from tests.e2e.test_journey_gis_tables import _choose, _download, _legend_text
from tests.test_landuse_colors import pdf_fill_colors

CODES = ["R2", "R21", "B1", "G1", "0701", "Q9"]
TABLE = (
    "代码,名称,颜色\n"
    "R2,二类居住用地,#FFFF00\n"
    'B1,商业用地,"255,0,0"\n'
    "G1,公园绿地,#00B050\n"
    "07,居住用地,#FFD700\n"
)
#: Each parcel's expected fill (R21 -> R2, 0701 -> 07, Q9 unmatched).
FILLS = {"#ffff00": 2, "#ff0000": 1, "#00b050": 1, "#ffd700": 1, UNMATCHED_COLOR: 1}
NAMES = ("R2 二类居住用地", "B1 商业用地", "G1 公园绿地", "07 居住用地", "未匹配（配色表中无此代码：Q9）")


def _files(tmp_path):
    d = geodata.load("district").geometry.iloc[0]
    c = d.representative_point()
    step = 0.0025
    cells = []
    for i in range(len(CODES)):
        x0 = c.x - 0.0075 + (i % 3) * step * 2
        y0 = c.y + 0.004 + (i // 3) * step * 1.6
        cells.append(box(x0, y0, x0 + step * 1.8, y0 + step * 1.4))
    parcels = gpd.GeoDataFrame(
        {"地块编号": [f"KG-{i + 1:02d}" for i in range(len(CODES))], "用地性质": CODES},
        geometry=cells,
        crs=4326,
    )
    assert d.contains(parcels.union_all()), "test data must lie in Hedong"
    layer = tmp_path / "控规用地.geojson"
    parcels.to_file(layer, driver="GeoJSON")
    good = tmp_path / "本单位用地配色.csv"
    good.write_text(TABLE, encoding="utf-8-sig")
    bad = tmp_path / "配色有误.csv"
    bad.write_text(TABLE + "b1,重复代码,#000000\nM1,工业用地,棕色\n", encoding="utf-8-sig")
    return layer, good, bad


def _sheet_pixels(png: bytes, opacity: float = 0.65) -> dict[str, int]:
    """How many pixels of a sheet show each table colour filled at ``opacity`` over white."""
    from PIL import Image

    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    out = {}
    for color in FILLS:
        rgb = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)])
        seen = np.round(opacity * rgb + (1 - opacity) * 255)
        out[color] = int((np.abs(image - seen).max(axis=2) <= 3).sum())
    return out


def _import_once(p: harness.Planner, app, path) -> None:
    """Import ``path`` through 数据管理's uploader unless a layer of its title is in the workspace already."""
    from renewal.storage.layers import open_layers

    if any(lyr.title == path.stem for lyr in open_layers(app.workspace).list()):
        return
    p.open("data")
    p.upload(path)
    p.page.get_by_role("button", name="确认导入").click()
    p.idle()
    p.page.get_by_text(f"已导入 {len(CODES)} 个要素：{path.stem}").wait_for()


def _palette_box(p: harness.Planner):
    box_ = p.page.locator('[data-testid="stExpander"]', has_text="用地分类配色表").first
    if (
        p.page.get_by_text("着色时先按完整代码匹配").count() == 0
        or not p.page.get_by_text("着色时先按完整代码匹配").first.is_visible()
    ):
        box_.locator("summary").click()
        p.idle()
    return box_


def _fills(frame) -> dict[str, int]:
    return {c: frame.locator(f'path.leaflet-interactive[fill="{c}"]').count() for c in FILLS}


@pytest.mark.parametrize("viewport", [harness.WIDE, harness.LAPTOP], ids=["1920", "1366"])
def test_style_a_kongui_layer_by_the_offices_colour_table(chromium, app, tmp_path, viewport):
    from renewal.classify import BY_TABLE
    from renewal.storage.layers import open_layers
    from renewal.storage.shared_files import current_landuse_colors

    size = viewport["width"]
    layer_path, good, bad = _files(tmp_path)
    with harness.planner(chromium, app, f"landuse-{size}", viewport) as p:
        _import_once(p, app, layer_path)
        p.open("data")
        p.page.get_by_role("radio", name="属性表与空间查询").click()
        p.idle()
        _choose(p, "图层", "控规用地（导入图层）")
        before = current_landuse_colors(app.workspace)

        # a table with a repeated code and a colour that is not one: said by row, nothing saved
        box_ = _palette_box(p)
        p.upload(bad, within=box_)
        p.page.get_by_text("用地分类配色表有问题，未保存").wait_for()
        error = p.page.locator('[data-testid="stAlert"]', has_text="未保存").inner_text()
        assert "第6行：代码“b1”与第3行重复" in error and "第7行：颜色“棕色”不是" in error, error
        assert p.page.get_by_role("button", name="保存配色表").count() == 0
        assert current_landuse_colors(app.workspace) == before
        p.screenshot(f"landuse-refused-{size}")
        p.check_page()

        # the good table: checked, saved as a recorded write of the workspace
        p.upload(good, within=_palette_box(p))
        p.page.get_by_text("共 4 个代码，检查通过").wait_for()
        p.page.get_by_role("button", name="保存配色表").click()
        p.idle()
        p.page.get_by_text("当前配色表：本单位用地配色.csv（4 个代码）").wait_for()
        table, record = current_landuse_colors(app.workspace)
        assert [e.code for e in table.entries] == ["R2", "B1", "G1", "07"] and record.kind == "landuse_colors"

        # 按用地分类配色表: every polygon in its code's colour, legend rows by the table's names
        _choose(p, "专题图：按字段着色", "用地性质")
        _choose(p, "分级方法", "按用地分类配色表")
        frame = p.map()
        frame.locator('path[fill="#ffd700"]').first.wait_for()
        assert _fills(frame) == FILLS
        legend = _legend_text(frame)
        assert "按用地性质，用地分类配色表" in legend and all(n in legend for n in NAMES), legend
        p.page.locator(harness.MAP_IFRAME).first.scroll_into_view_if_needed()
        p.screenshot(f"landuse-map-{size}")
        p.check_page()
        # the offline HTML download: the same fills and rows
        html = _download(p, "下载地图（独立HTML文件", tmp_path)
        with harness.planner(
            chromium, None, f"landuse-html-{size}", viewport, allow=harness.is_local_file_url
        ) as v:
            v.page.goto(html.as_uri(), wait_until="load")
            v.page.locator(".leaflet-container").wait_for(state="visible")
            assert _fills(v.page) == FILLS
            offline = _legend_text(v.page)
            assert all(n in offline for n in NAMES), offline
            assert not v.errors

        # the print sheet: the same fills and names in the PDF
        p.page.locator('[data-testid="stExpander"] summary', has_text="打印图纸").click()
        p.idle()
        pdf = _download(p, "下载图纸（PDF", tmp_path)
        fills = pdf_fill_colors(pdf.read_bytes())
        assert set(FILLS) <= fills, fills
        from pypdf import PdfReader

        text = PdfReader(pdf).pages[0].extract_text()
        assert all(n in text for n in NAMES[:4]) and "未匹配" in text, text[:800]
        p.screenshot(f"landuse-print-{size}")
        # … and in the PNG's pixels: each colour as drawn at the fill's opacity over white, R2's (two
        # parcels) on about twice the pixels of B1's (one parcel): the parcels are filled, not only the legend
        png = _download(p, "下载图纸（PNG", tmp_path)
        shutil.copy(png, harness.ARTIFACTS / f"landuse-sheet-{size}.png")
        counts = _sheet_pixels(png.read_bytes())
        assert all(n > 0 for n in counts.values()), counts
        assert counts["#ffff00"] > 1.5 * counts["#ff0000"], counts

        # saved with the layer: 总体布局 draws it in the same colours
        p.page.get_by_role("button", name="保存样式").click()
        p.idle()
        p.page.get_by_text("已保存样式").wait_for()
        store = open_layers(app.workspace)
        name = next(lyr.name for lyr in store.list() if lyr.title == "控规用地")
        saved = store.style(name)
        assert saved.method == BY_TABLE and [r[0] for r in saved.palette] == ["R2", "B1", "G1", "07"]
        p.open("")
        frame = p.map()
        frame.locator('path[fill="#ffd700"]').first.wait_for()
        assert _fills(frame) == FILLS
        assert all(n in _legend_text(frame) for n in NAMES)
        p.screenshot(f"landuse-home-{size}")
        p.check_page()
