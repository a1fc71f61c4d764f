"""Journey: a planner imports a reference layer named in Chinese on 数据管理 through the page's uploader (the
preview map first, the Chinese name kept, the code offered for it), and finds it by that name in the layer
control of 总体布局's map; the layer list shows who imported it (not an operating-system account) and when,
in 北京时间."""

from __future__ import annotations

import re

import geopandas as gpd
from shapely.geometry import box

import geodata
from tests.e2e import harness


def test_reference_layer_with_a_chinese_name_appears_in_the_maps(chromium, app, tmp_path):
    d = geodata.load("district").geometry.iloc[0]
    c = d.representative_point()
    blocks = gpd.GeoDataFrame(
        {"用地性质": ["居住用地", "商业用地"]},
        geometry=[box(c.x - 0.004, c.y - 0.003, c.x, c.y), box(c.x, c.y, c.x + 0.004, c.y + 0.003)],
        crs=4326,
    )
    src = tmp_path / "控规示例.geojson"
    blocks.to_file(src, driver="GeoJSON")
    with harness.planner(chromium, app, "data-import", harness.LAPTOP) as p:
        p.open("data")
        p.upload(src)
        p.page.locator(harness.MAP_IFRAME).first.wait_for()  # the preview map
        assert (
            p.page.get_by_label("图层名称（可用中文，显示在地图的图层控制和图例中）").input_value()
            == "控规示例"
        )
        assert (
            p.page.get_by_label("图层代码（小写英文、数字、下划线，供命令行使用）").input_value() == "ref_1"
        )
        p.check_page()
        p.page.get_by_role("button", name="确认导入").click()
        p.idle()
        p.page.get_by_text("已导入 2 个要素").wait_for()
        p.page.get_by_role("radio", name="已导入图层").click()
        p.idle()
        table = p.page.locator('[data-testid="stDataFrame"]:visible').first
        table.wait_for()
        p.check_page()
        p.open("")
        frame = p.map()
        control = frame.locator(".leaflet-control-layers")
        control.hover()
        frame.locator(".leaflet-control-layers-expanded").wait_for()
        assert "控规示例" in control.inner_text()
        p.check_page()
    from renewal.storage.layers import open_layers

    entry = open_layers(app.workspace).get("ref_1")
    assert entry is not None and entry.title == "控规示例"
    assert re.match(
        r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC", entry.imported_at
    )  # stored in UTC, shown in 北京时间
