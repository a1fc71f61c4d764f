"""Journey (issue #20): a planner uploads a 控规 layer and a 生态保护红线 layer on 数据管理 through the page's
own uploader, opens the 控规 layer's attribute table (属性表与空间查询), filters it, ticks a row and sees it
highlighted on the map, asks which 地块 intersect the red line (compared with a geopandas spatial join),
downloads the result and opens it, colours the layer by 容积率 in classes and by 用地性质 in categories, labels
it by 用地性质, and reads the legend on the page map and in the downloaded HTML, and downloads an A3 landscape PDF sheet with
their title and office (page size in points, title and office in the text), then framed on the named views
一园 (no parcel inside: none in its legend) and 全区.

A field value that is markup (``<img src=x onerror=…>``, ``{{7*7}}``) goes through the table, the legend
and every file as text."""

from __future__ import annotations

import io

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

import geodata
from tests.e2e import harness
from tests.e2e.test_journey_coverage import settle

IMG = "<img src=x onerror=alert(1)>"
TEMPLATE = "{{7*7}}"


def _layers(tmp_path):
    d = geodata.load("district").geometry.iloc[0]
    c = d.representative_point()
    step = 0.0025
    cells, codes, uses, far = [], [], [], []
    kinds = ["R2", "B1", "R2", "G1", IMG, TEMPLATE]
    for i in range(6):
        x0 = c.x - 0.0075 + (i % 3) * step * 2
        y0 = c.y - 0.002 + (i // 3) * step * 1.6
        cells.append(box(x0, y0, x0 + step * 1.8, y0 + step * 1.4))
        codes.append(f"HD-{i + 1:02d}")
        uses.append(kinds[i])
        far.append([1.2, 2.5, 3.0, 0.3, 4.8, 1.8][i])
    parcels = gpd.GeoDataFrame({"地块编号": codes, "用地性质": uses, "容积率": far}, geometry=cells, crs=4326)
    red = gpd.GeoDataFrame(
        {"名称": ["河东生态保护红线（示例）"]},
        geometry=[box(c.x - 0.0080, c.y - 0.0030, c.x - 0.0030, c.y + 0.0050)],
        crs=4326,
    )
    assert d.contains(parcels.union_all()) and d.contains(red.union_all()), "test data must lie in Hedong"
    a, b = tmp_path / "控规地块.geojson", tmp_path / "生态保护红线.geojson"
    parcels.to_file(a, driver="GeoJSON")
    red.to_file(b, driver="GeoJSON")
    return parcels, red, a, b


def _choose(p: harness.Planner, label: str, option: str) -> None:
    box_ = p.page.get_by_role("combobox", name=label, exact=True)
    box_.scroll_into_view_if_needed()
    box_.click()
    p.page.get_by_role("option", name=option, exact=True).click()
    p.idle()


def _download(p: harness.Planner, label: str, folder):
    """A download once the map has settled, as a planner clicks: a map drawn anew reports its view (for
    打印图纸) and reruns its fragment. (The lost files this journey once saw were the download's own
    whole-page rerun clearing the answer: see ``_ui.download_button``.)"""
    p.map()
    settle(p)  # the report's rerun starts a moment after the map is drawn
    p.idle(1000)
    return p.download(label, folder)


def _import(p: harness.Planner, path) -> None:
    p.open("data")
    p.upload(path)
    p.page.get_by_role("button", name="确认导入").click()
    p.idle()
    p.page.get_by_text("已导入").first.wait_for()


def _import_once(p: harness.Planner, app, path) -> None:
    """Import ``path`` unless a layer of its title (the file's name) is in the workspace already."""
    from renewal.storage.layers import open_layers

    if not any(lyr.title == path.stem for lyr in open_layers(app.workspace).list()):
        _import(p, path)


def _legend_text(frame) -> str:
    legend = frame.locator(".rp-legend")
    if legend.locator("details").get_attribute("open") is None:
        legend.locator("summary").click()
    return legend.inner_text()


@pytest.mark.parametrize("viewport", [harness.WIDE, harness.LAPTOP], ids=["1920", "1366"])
def test_attribute_table_query_style_and_print(chromium, app, tmp_path, viewport):
    size = viewport["width"]
    parcels, red, a_path, b_path = _layers(tmp_path)
    with harness.planner(chromium, app, f"gis-tables-{size}", viewport) as p:
        # the module's one server: import each layer once (a rerun or a test run alone finds what is there)
        _import_once(p, app, a_path)
        _import_once(p, app, b_path)
        p.open("data")
        p.page.get_by_role("radio", name="属性表与空间查询").click()
        p.idle()
        _choose(p, "图层", "控规地块（导入图层）")
        caption = p.page.get_by_text("共 6 条（全部 6 条）；已选中 0 条")
        caption.wait_for()
        # the table reads the planner's fields, the markup as text
        grid = p.page.locator('[data-testid="stDataFrame"]').first
        heads = grid.locator('[role="columnheader"]').all_inner_texts()
        assert {"地块编号", "用地性质", "容积率"} <= set(heads), heads
        cells = grid.locator('[role="gridcell"]').all_inner_texts()
        assert IMG in cells and TEMPLATE in cells, cells
        # filter: 用地性质 contains r2 -> two rows
        _choose(p, "筛选字段", "用地性质")
        p.page.get_by_label("筛选内容（留空显示全部）").fill("r2")
        p.page.keyboard.press("Enter")
        p.idle()
        p.page.get_by_text("共 2 条（全部 6 条）").wait_for()
        # tick the first row: the caption counts it and the map draws it in the highlight colour
        grid = p.page.locator('[data-testid="stDataFrame"]').first
        grid.scroll_into_view_if_needed()
        gbox = grid.bounding_box()
        p.page.mouse.click(gbox["x"] + 18, gbox["y"] + 35 + 17)
        p.idle()
        p.page.get_by_text("已选中 1 条").wait_for()
        frame = p.map()
        frame.locator('path[stroke="#00e5ff"]').first.wait_for()
        assert frame.locator('path[stroke="#00e5ff"]').count() == 1
        p.screenshot(f"gis-table-selected-{size}")
        p.check_page()
        sel = _download(p, "下载选中要素（CSV）", tmp_path)
        got = pd.read_csv(sel, encoding="utf-8-sig")
        assert list(got["地块编号"]) == ["HD-01"] and {"经度", "纬度", "几何（WKT）"} <= set(got.columns)
        p.page.get_by_label("筛选内容（留空显示全部）").fill("")
        p.page.keyboard.press("Enter")
        p.idle()

        # query by location: parcels that intersect the red line, against a geopandas spatial join
        _choose(p, "参照图层（B）", "生态保护红线（导入图层）")
        p.page.get_by_role("button", name="查询").click()
        p.idle()
        expected = sorted(gpd.sjoin(parcels, red, predicate="intersects")["地块编号"])
        assert 0 < len(expected) < len(parcels)
        p.page.get_by_text(f"中与“生态保护红线（导入图层）”相交的要素，共 {len(expected)} 个。").wait_for()
        out = _download(p, "下载查询结果（Excel）", tmp_path)
        got = pd.read_excel(io.BytesIO(out.read_bytes()), dtype=str)
        assert sorted(got["地块编号"]) == expected
        frame = p.map()
        assert frame.locator('path[stroke="#00e5ff"]').count() == len(expected)
        p.check_page()

        # thematic: 容积率 in three equal classes -> three legend rows with the class bounds
        _choose(p, "专题图：按字段着色", "容积率")
        _choose(p, "分级方法", "等间距分级")
        n = p.page.get_by_label("分级数")
        n.fill("3")
        n.press("Enter")
        p.idle()
        legend = _legend_text(p.map())
        for label in ("0.3 – 1.8", "1.8 – 3.3", "3.3 – 4.8"):
            assert label in legend, legend
        p.page.locator(harness.MAP_IFRAME).first.scroll_into_view_if_needed()
        p.screenshot(f"gis-style-classes-{size}")
        # by 用地性质: a category per value, the markup shown as text in the legend
        _choose(p, "专题图：按字段着色", "用地性质")
        frame = p.map()
        legend = _legend_text(frame)
        assert IMG in legend and TEMPLATE in legend and "R2" in legend, legend
        assert frame.locator("img[src='x']").count() == 0
        # labels from a field: the markup value is a label's text, never an element
        _choose(p, "标注字段", "用地性质")
        frame = p.map()
        # the classes are filled as a thematic map (the faint fill of an unstyled layer is its own choice)
        fills = frame.locator('path[stroke="#8dd3c7"]').first.get_attribute("fill-opacity")
        assert float(fills) >= 0.6, fills
        frame.locator(".rp-label", has_text=IMG).first.wait_for()
        assert frame.locator("img[src='x']").count() == 0 and not p.errors
        html = _download(p, "下载地图（独立HTML文件", tmp_path)
        with harness.planner(
            chromium, None, f"gis-html-{size}", viewport, allow=harness.is_local_file_url
        ) as v:
            v.page.goto(html.as_uri(), wait_until="load")
            v.page.locator(".leaflet-container").wait_for(state="visible")
            offline = _legend_text(v.page)
            assert "控规地块（导入图层）（按用地性质）" in offline, offline
            assert IMG in offline and TEMPLATE in offline and "R2" in offline, offline
            assert v.page.locator("img[src='x']").count() == 0 and not v.errors
        p.check_page()

        # the print sheet (the 打印图纸 panel under the map): a scale that is not one is refused in Chinese
        # (no download offered) …
        p.page.locator('[data-testid="stExpander"] summary', has_text="打印图纸").click()
        p.idle()
        scale = p.page.get_by_role("combobox", name="比例尺", exact=True)
        scale.scroll_into_view_if_needed()
        scale.click()
        scale.fill("1:abc")
        p.page.keyboard.press("Enter")
        p.idle()
        p.page.get_by_text("比例尺应写作 1:N").wait_for()
        assert p.page.get_by_role("button", name="下载图纸（PDF").count() == 0
        _choose(p, "比例尺", "适应范围")
        # … then A3 landscape, the planner's title and office
        _choose(p, "纸张", "A3")
        p.page.get_by_label("图名").fill("河东区控规地块专题图")
        p.page.get_by_label("编制单位").fill("河东区规划设计所")
        p.page.get_by_label("编制单位").press("Enter")
        p.page.get_by_label("审图号（可选）").fill("津S（2026）001号")
        p.page.get_by_label("审图号（可选）").press("Enter")
        p.idle()
        pdf = _download(p, "下载图纸（PDF，A3横向）", tmp_path)
        from pypdf import PdfReader

        page = PdfReader(pdf).pages[0]
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(w - 16.54 * 72) < 1 and abs(h - 11.69 * 72) < 1, (w, h)
        text = page.extract_text()
        assert "河东区控规地块专题图" in text and "编制单位：河东区规划设计所" in text, text[:500]
        assert "审图号：津S（2026）001号" in text, text[:800]
        assert all(c in text for c in ("按用地性质", "R2", "B1", "G1", TEMPLATE)), text  # the classes' legend
        p.screenshot(f"gis-print-{size}")
        p.check_page()
        # a named view frames the sheet: 一园 (the 金贸 park) holds none of the parcels, so its legend lists none
        _choose(p, "图幅范围", "命名视图：一园")
        park = PdfReader(_download(p, "下载图纸（PDF，A3横向）", tmp_path)).pages[0].extract_text()
        assert "河东区控规地块专题图" in park and "按用地性质" not in park and "R2" not in park, park[:800]
        _choose(p, "图幅范围", "命名视图：全区")
        whole = PdfReader(_download(p, "下载图纸（PDF，A3横向）", tmp_path)).pages[0].extract_text()
        assert "按用地性质" in whole and "R2" in whole, whole[:800]
        p.check_page()

        # which renewal sites touch the red line: the page's answer against a geopandas spatial join
        from renewal.storage import current_sites

        sites = current_sites(app.workspace)
        touching = sorted(gpd.sjoin(sites, red, predicate="intersects")["site_id"])
        _choose(p, "图层", "城市更新项目")
        _choose(p, "参照图层（B）", "生态保护红线（导入图层）")
        p.page.get_by_role("button", name="查询").click()
        p.idle()
        p.page.get_by_text(f"共 {len(touching)} 个。").wait_for()
        if touching:
            got = pd.read_csv(_download(p, "下载查询结果（CSV）", tmp_path), encoding="utf-8-sig")
            assert sorted(got["编号"]) == touching
        p.check_page()


def _category_colors(parcels) -> dict[str, str]:
    """The colour each 用地性质 value gets (the page's classes: most frequent first, the palette in order)."""
    from layers.thematic import CATEGORY_COLORS
    from renewal.classify import CATEGORIES, classify

    _, order = classify(parcels["用地性质"], CATEGORIES)
    return {c: CATEGORY_COLORS[i] for i, c in enumerate(order)}


def _see_saved_style(p: harness.Planner, colors: dict[str, str], counts: dict[str, int]) -> None:
    """总体布局 draws the 控规 layer by 用地性质: its classes in the legend, its polygons in their colours."""
    p.open("")
    frame = p.map()
    frame.locator(f'path[fill="{colors["R2"]}"]').first.wait_for()
    legend = _legend_text(frame)
    assert "按用地性质" in legend and all(v in legend for v in ("R2", "B1", "G1", IMG, TEMPLATE)), legend
    for value, color in colors.items():
        assert frame.locator(f'path[fill="{color}"]').count() == counts[value], value
    assert frame.locator("img[src='x']").count() == 0


def test_a_saved_style_is_drawn_on_every_map_and_for_every_planner(chromium, app, tmp_path):
    """保存样式 on 数据管理: 总体布局 in this and in a second planner's browser, and its HTML download, draw the
    layer by 用地性质 (legend rows and polygon fills); 清除样式 puts it back to plain."""
    from renewal.storage.layers import open_layers

    parcels, _, a_path, b_path = _layers(tmp_path)
    colors = _category_colors(parcels)
    counts = parcels["用地性质"].value_counts().to_dict()
    store = open_layers(app.workspace)
    with harness.planner(chromium, app, "gis-style-save", harness.WIDE) as p:
        _import_once(p, app, a_path)  # run alone: import it here
        p.open("data")
        p.page.get_by_role("radio", name="属性表与空间查询").click()
        p.idle()
        _choose(p, "图层", "控规地块（导入图层）")
        _choose(p, "专题图：按字段着色", "用地性质")
        _choose(p, "标注字段", "地块编号")
        p.page.get_by_role("button", name="保存样式").click()
        p.idle()
        p.page.get_by_text("已保存样式").wait_for()
        p.page.get_by_role("button", name="保存样式").scroll_into_view_if_needed()
        p.screenshot("gis-style-save-1920")
        name = next(lyr.name for lyr in store.list() if lyr.title == "控规地块")
        saved = store.style(name)
        assert (saved.field, saved.method, saved.label) == ("用地性质", "categories", "地块编号")
        assert store.history(name)[0]["action"] == "style"
        p.check_page()
        _see_saved_style(p, colors, counts)
        assert p.map().locator(".rp-label", has_text="HD-01").count() >= 1  # labelled from 地块编号
        p.screenshot("gis-style-saved-home-1920")
        html = _download(p, "下载地图（独立HTML文件", tmp_path)
        with harness.planner(
            chromium, None, "gis-style-html", harness.WIDE, allow=harness.is_local_file_url
        ) as v:
            v.page.goto(html.as_uri(), wait_until="load")
            v.page.locator(".leaflet-container").wait_for(state="visible")
            offline = _legend_text(v.page)
            assert "按用地性质" in offline and IMG in offline and "R2" in offline, offline
            assert v.page.locator(f'path[fill="{colors["R2"]}"]').count() == counts["R2"]
            assert v.page.locator("img[src='x']").count() == 0 and not v.errors
        with harness.planner(chromium, app, "gis-style-other", harness.LAPTOP) as other:
            _see_saved_style(other, colors, counts)
            other.screenshot("gis-style-saved-home-1366")
            other.check_page()
        # 清除样式: the layer is plain again on 总体布局 (no class colours)
        p.open("data")
        p.page.get_by_role("radio", name="属性表与空间查询").click()
        p.idle()
        _choose(p, "图层", "控规地块（导入图层）")
        p.page.get_by_role("button", name="清除样式").click()
        p.idle()
        p.page.get_by_text("已清除保存的样式").wait_for()
        assert store.style(name) is None
        p.open("")
        frame = p.map()
        assert "按用地性质" not in _legend_text(frame)
        assert frame.locator(f'path[fill="{colors["R2"]}"]').count() == 0
        p.check_page()
