"""A planner's land-use colour table (用地分类配色表, issue #20): parsed from CSV/XLSX (#RRGGBB or R,G,B),
refused by row (bad colour, repeated or empty code) with nothing saved, values matched by exact code then
parent code, unmatched values in one 未匹配 row; kept in the workspace as a recorded write (a viewer refused)
and in a saved style, which every map and the print sheet draw in the table's colours."""

from __future__ import annotations

import io

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from layers.imported import imported_scene_layers
from layers.registry import LayerSpec, Style
from layers.render import draw_scene
from layers.scene import SceneLayer, legend_entry, make_scene
from layers.thematic import UNMATCHED_COLOR, styled, table_layer
from renewal.auth import VIEWER
from renewal.classify import BY_TABLE
from renewal.errors import InputError
from renewal.landuse_colors import (
    ColorTable,
    check_entries,
    classes_by_table,
    match,
    parse_color,
    read_color_table,
    workspace_table_path,
)
from renewal.layer_style import LayerStyle
from renewal.storage.access import Actor, ViewerRefused
from renewal.storage.layers import LayerStore

CSV = '代码,名称,颜色\nR,居住用地,#FFFF00\nR2,二类居住用地,"255,200,0"\nB1,商业用地,#ff0000\nG1,公园绿地,0 ,176, 80\n07,居住用地（国土空间）,#FFD700\n'


def test_colours_in_both_notations():
    assert parse_color("#FFAA00") == "#ffaa00"
    assert parse_color("ffaa00") == "#ffaa00"
    assert parse_color("255,170,0") == "#ffaa00"
    assert parse_color(" 255 ，170， 0 ") == "#ffaa00"  # full-width commas as typed in Chinese input
    for bad in ("256,0,0", "#ffaa0", "red", "", "1,2", "#ggaa00", None):
        assert parse_color(bad) is None, bad


def test_a_csv_table_is_read_with_its_rows_in_order():
    table = read_color_table(CSV.replace("0 ,176, 80", '"0,176,80"').encode("utf-8-sig"), "配色.csv")
    assert [(e.code, e.name, e.color) for e in table.entries] == [
        ("R", "居住用地", "#ffff00"),
        ("R2", "二类居住用地", "#ffc800"),
        ("B1", "商业用地", "#ff0000"),
        ("G1", "公园绿地", "#00b050"),
        ("07", "居住用地（国土空间）", "#ffd700"),
    ]
    assert table.source == "配色.csv"
    gbk = "代码,名称,颜色\nA1,行政办公用地,#ff00ff\n".encode("gbk")
    assert read_color_table(gbk, "x.csv").entries[0].name == "行政办公用地"


def test_an_xlsx_table_keeps_codes_as_text():
    buf = io.BytesIO()
    pd.DataFrame(
        {"代码": ["0701", "1401"], "名称": ["城镇住宅用地", "公园绿地"], "颜色": ["#ffff2d", "0,255,0"]}
    ).to_excel(buf, index=False)
    table = read_color_table(buf.getvalue(), "配色.xlsx")
    assert [(e.code, e.color) for e in table.entries] == [("0701", "#ffff2d"), ("1401", "#00ff00")]


def test_problems_are_said_by_row_and_nothing_is_read():
    text = "代码,名称,颜色\nR2,二类居住,#ffff00\nB1,商业,红色\nr2,重复,#000000\n,无代码,#111111\nG1,绿地,300,0,0\n"
    with pytest.raises(InputError) as err:
        read_color_table(text.encode(), "t.csv")
    zh = err.value.message_zh
    assert "未保存" in zh
    assert "第3行：颜色“红色”不是" in zh
    assert "第4行：代码“r2”与第2行重复" in zh
    assert "第5行：代码为空" in zh
    assert "第6行" in zh  # "300,0,0" is split by the CSV into extra cells: its colour is "300", not one


def test_missing_columns_and_other_files_are_refused_in_chinese():
    with pytest.raises(InputError) as err:
        read_color_table("代码,颜色\nR2,#ffff00\n".encode(), "t.csv")
    assert "缺少列：名称" in err.value.message_zh
    with pytest.raises(InputError) as err:
        read_color_table(b"x", "t.txt")
    assert "CSV或Excel" in err.value.message_zh
    with pytest.raises(InputError) as err:
        read_color_table("代码,名称,颜色\n".encode(), "t.csv")
    assert "没有任何代码" in err.value.message_zh
    with pytest.raises(InputError):
        read_color_table(b"not a workbook", "t.xlsx")


def test_parent_code_prefixes():
    entries = check_entries([("R", "居住", "#ffff00"), ("R2", "二类", "#ffc800"), ("07", "居住", "#ffd700")])
    by = {e.code: e for e in entries}
    assert match("R2", by).code == "R2"
    assert match("r21", by).code == "R2"  # R21 -> R2
    assert match("R3", by).code == "R"  # R3 -> R
    assert match(" 0701 ", by).code == "07"  # 0701 -> 070 -> 07
    assert match("B1", by) is None and match("", by) is None


def test_classes_follow_the_table_with_unmatched_and_no_data_last():
    entries = check_entries(
        [
            ("G1", "公园绿地", "#00ff00"),
            ("R2", "二类居住用地", "#ffff00"),
            ("B1", "商业", "#f00")[:2] + ("#ff0000",),
        ]
    )
    values = pd.Series(["R2", "R22", "X9", None, "G1", "Q1", ""])
    labels, rows = classes_by_table(values, entries)
    other = "未匹配（配色表中无此代码：Q1、X9）"
    assert list(labels) == [
        "R2 二类居住用地",
        "R2 二类居住用地",
        other,
        "无数据",
        "G1 公园绿地",
        other,
        "无数据",
    ]
    assert rows == [
        ("G1 公园绿地", "#00ff00"),
        ("R2 二类居住用地", "#ffff00"),
        (other, None),
        ("无数据", None),
    ]


def _parcels() -> gpd.GeoDataFrame:
    codes = ["R2", "B1", "G1", "0701", "X9"]
    return gpd.GeoDataFrame(
        {"用地性质": codes},
        geometry=[box(117.22 + i * 0.002, 39.11, 117.221 + i * 0.002, 39.111) for i in range(5)],
        crs=4326,
    )


PALETTE = (
    ("R2", "二类居住用地", "#ffff00"),
    ("B1", "商业用地", "#ff0000"),
    ("G1", "公园绿地", "#00b050"),
    ("07", "居住用地", "#ffd700"),
)


def test_a_table_layer_draws_each_polygon_in_its_codes_colour():
    layer = SceneLayer(LayerSpec("kg", "控规", "参考", style=Style(color="#333333")), _parcels())
    style = LayerStyle("用地性质", BY_TABLE, palette=PALETTE, palette_source="配色.csv")
    out = styled(layer, style)
    assert out.spec.title_zh == "控规（按用地性质，用地分类配色表）"
    entry = legend_entry(out.spec, out.data)
    names = [s.label for s in entry.categories]
    assert dict((s.label, s.fill) for s in entry.categories)["G1 公园绿地"] == "#00b050"
    other = "未匹配（配色表中无此代码：X9）"
    assert names == ["R2 二类居住用地", "B1 商业用地", "G1 公园绿地", "07 居住用地", other]
    html = draw_scene(make_scene([out], title="t")).get_root().render()
    for color in ("#ffff00", "#ff0000", "#00b050", "#ffd700", UNMATCHED_COLOR):
        assert f'"fillColor": "{color}"' in html, color
    direct = table_layer(layer, "用地性质", style.entries)
    assert dict(direct.spec.style.color_map)[other] == UNMATCHED_COLOR


def pdf_fill_colors(pdf: bytes) -> set[str]:
    """The fill colours (PDF ``r g b rg`` and grey ``v g`` operators) of every page's content stream, as
    ``#rrggbb``."""
    from pypdf import PdfReader

    out = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        tokens = page.get_contents().get_data().decode("latin-1").split()
        for i, tok in enumerate(tokens):
            want = {"rg": 3, "g": 1}.get(tok)
            if want is None or i < want:
                continue
            try:
                parts = [float(v) for v in tokens[i - want : i]]
            except ValueError:
                continue
            rgb = parts * 3 if want == 1 else parts
            out.add("#" + "".join(f"{round(v * 255):02x}" for v in rgb))
    return out


def test_the_print_sheet_fills_polygons_in_the_tables_colours():
    from layers import render_print

    layer = SceneLayer(LayerSpec("kg", "控规", "参考", style=Style(color="#333333")), _parcels())
    out = styled(layer, LayerStyle("用地性质", BY_TABLE, palette=PALETTE))
    fig = render_print.draw_sheet(make_scene([out], title="控规"))
    pdf = render_print.sheet_bytes(fig, "pdf")
    fills = pdf_fill_colors(pdf)
    assert {"#ffff00", "#ff0000", "#00b050", "#ffd700", UNMATCHED_COLOR} <= fills, fills
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "R2 二类居住用地" in text and "未匹配" in text, text[:600]


def test_a_saved_style_keeps_its_table(tmp_path):
    s = LayerStore(tmp_path / "layers.gpkg")
    s.put(
        "kg",
        "reference",
        _parcels(),
        source_file="控规.geojson",
        crs="EPSG:4326",
        actor=Actor("张工"),
        title="控规",
    )
    style = LayerStyle("用地性质", BY_TABLE, palette=PALETTE, palette_source="配色.csv", opacity=0.8)
    s.save_style("kg", style, actor=Actor("李工"))
    back = s.style("kg")
    assert back == style and back.palette == PALETTE and LayerStyle.from_json(style.to_json()) == style
    (layer,) = imported_scene_layers(s)
    assert dict(layer.spec.style.color_map)["B1 商业用地"] == "#ff0000"


def test_a_style_with_a_bad_table_is_not_a_style():
    with pytest.raises(InputError):
        LayerStyle("用地性质", BY_TABLE)  # no table
    with pytest.raises(InputError):
        LayerStyle("用地性质", BY_TABLE, palette=(("R2", "x", "yellow"),))
    with pytest.raises(InputError):
        LayerStyle("用地性质", BY_TABLE, palette=(("R2", "x", "#ffff00"), ("r2", "y", "#000000")))
    with pytest.raises(InputError):
        LayerStyle("用地性质", "categories", palette=PALETTE)
    with pytest.raises(InputError):
        LayerStyle.from_json('{"field": "用地性质", "method": "landuse_table", "palette": 5}')


def test_the_table_is_a_recorded_workspace_write_refused_for_a_viewer(tmp_path):
    from renewal.storage.shared_files import current_landuse_colors, save_landuse_colors

    ws = tmp_path / "ws"
    assert current_landuse_colors(ws) is None
    table = ColorTable(check_entries(PALETTE), "配色.csv")
    with pytest.raises(ViewerRefused):
        save_landuse_colors(table, actor=Actor("王五", VIEWER), workspace=ws)
    assert current_landuse_colors(ws) is None and not workspace_table_path(ws).exists()
    entry = save_landuse_colors(table, actor=Actor("张工"), workspace=ws)
    assert entry.kind == "landuse_colors" and entry.version == 1 and entry.count == 4
    got, record = current_landuse_colors(ws)
    assert got == table and record.who == "张工"
    save_landuse_colors(ColorTable(table.entries[:1], "b.csv"), actor=Actor("李工"), workspace=ws)
    got, record = current_landuse_colors(ws)
    assert len(got.entries) == 1 and record.version == 2


def test_the_table_is_kept_in_the_team_database_and_fetched_by_the_other_server(tmp_path):
    from renewal.storage.layer_stores import sync_shared_files
    from renewal.storage.shared_files import current_landuse_colors, save_landuse_colors
    from tests.store_backends import postgis_schema

    with postgis_schema() as url:
        a, b = tmp_path / "server_a", tmp_path / "server_b"
        table = ColorTable(check_entries(PALETTE), "配色.csv")
        save_landuse_colors(table, actor=Actor("张工"), workspace=a, database=url)
        assert current_landuse_colors(b, database=url) is None  # not fetched yet
        assert sync_shared_files(b, database=url) == ["landuse_colors"]
        got, record = current_landuse_colors(b, database=url)
        assert got == table and record.who == "张工"
        with pytest.raises(ViewerRefused):
            save_landuse_colors(table, actor=Actor("王五", VIEWER), workspace=b, database=url)
