"""Issue #20's layer tools without a browser: query by location (known answers on synthetic geometries,
edge cases), classes of a thematic map, attribute tables (filter, Chinese headers, formula-safe exports),
a thematic layer's legend, print layouts (paper, orientation, scale 1:N, 编制单位) and ``export-map``'s
layout options (bad values: English, exit 2, no file)."""

from __future__ import annotations

import io

import geopandas as gpd
import pandas as pd
import pytest
from pypdf import PdfReader
from shapely.geometry import Point, Polygon, box

from cli.main import main
from layers.render_print import check_layout, draw_sheet, parse_scale
from layers.scene import make_scene
from layers.thematic import labelled, thematic_layer, with_fill_opacity
from layers.views import view_scene
from pages.views.gis_sources import Source
from renewal import attributes, classify
from renewal.analysis.spatial_query import DWITHIN, INTERSECTS, WITHIN, query_by_location
from renewal.errors import InputError

EPSG = 4548  # Hedong's metric CRS: synthetic layers are built in metres here
X0, Y0 = 510_000.0, 4_330_000.0  # a point in Hedong, EPSG:4548


def _metric(geoms, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=geoms, crs=EPSG)


@pytest.fixture
def layers():
    """Four 100 m squares in a row 100 m apart (x = 0, 200, 400, 600 m) and a 250 m wide zone over the first two."""
    squares = _metric(
        [box(X0 + i * 200, Y0, X0 + i * 200 + 100, Y0 + 100) for i in range(4)], code=["A", "B", "C", "D"]
    )
    zone = _metric([box(X0 - 10, Y0 - 10, X0 + 300, Y0 + 110)], name=["红线"])
    return squares, zone


def test_intersects_within_and_distance_have_the_known_answers(layers):
    squares, zone = layers
    assert list(query_by_location(squares, zone, INTERSECTS)["code"]) == ["A", "B"]
    assert list(query_by_location(squares, zone, WITHIN)["code"]) == ["A", "B"]
    part = _metric([box(X0 + 50, Y0 - 10, X0 + 250, Y0 + 110)])  # half over A, B's first half
    assert list(query_by_location(squares, part, INTERSECTS)["code"]) == ["A", "B"]
    assert list(query_by_location(squares, part, WITHIN)["code"]) == []
    # C starts 100 m right of the zone's edge (x=300 → 400): in at 100 m, out at 99 m; D (x=600) is 300 m off
    assert list(query_by_location(squares, zone, DWITHIN, 100)["code"]) == ["A", "B", "C"]
    assert list(query_by_location(squares, zone, DWITHIN, 99)["code"]) == ["A", "B"]
    assert list(query_by_location(squares, zone, DWITHIN, 300)["code"]) == ["A", "B", "C", "D"]


def test_a_touching_square_intersects_and_layers_in_different_crs_are_compared_in_metres(layers):
    squares, zone = layers
    touching = _metric([box(X0 + 100, Y0, X0 + 200, Y0 + 100)])  # shares A's right edge and B's left edge
    assert list(query_by_location(squares, touching, INTERSECTS)["code"]) == ["A", "B"]
    # the same zone in WGS84 and the squares in metres: the same answer, the result in the squares' CRS
    got = query_by_location(squares, zone.to_crs(4326), DWITHIN, 100)
    assert list(got["code"]) == ["A", "B", "C"] and got.crs.to_epsg() == EPSG
    # and points in WGS84 against the metric zone: 50 m and 150 m beyond its edge
    pts = gpd.GeoDataFrame(
        {"id": [1, 2]}, geometry=[Point(X0 + 350, Y0 + 50), Point(X0 + 450, Y0 + 50)], crs=EPSG
    ).to_crs(4326)
    assert list(query_by_location(pts, zone, DWITHIN, 100)["id"]) == [1]


def test_empty_result_empty_reference_missing_crs_and_invalid_geometry_are_clear(layers):
    squares, zone = layers
    far = _metric([box(X0 + 5000, Y0, X0 + 5100, Y0 + 100)])
    assert query_by_location(squares, far, INTERSECTS).empty
    with pytest.raises(InputError) as err:
        query_by_location(squares, zone.iloc[0:0], INTERSECTS)
    assert "没有可用于比较的要素" in err.value.message_zh
    with pytest.raises(InputError) as err:
        query_by_location(squares.set_crs(None, allow_override=True), zone, INTERSECTS)
    assert "没有坐标参考系" in err.value.message_zh
    bowtie = Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    with pytest.raises(InputError) as err:
        query_by_location(squares, _metric([zone.geometry.iloc[0], bowtie]), INTERSECTS)
    assert "几何无效" in err.value.message_zh and "第 2 行" in err.value.message_zh
    for bad in (None, -5, float("nan")):
        with pytest.raises(InputError):
            query_by_location(squares, zone, DWITHIN, bad)
    with pytest.raises(InputError):
        query_by_location(squares, zone, "touches-ish")


def test_equal_interval_and_quantile_classes():
    values = pd.Series([0.3, 1.2, 1.8, 2.5, 3.0, 4.8, None])
    labels, order = classify.classify(values, classify.EQUAL_INTERVAL, 3)
    assert order == ["0.3 – 1.8", "1.8 – 3.3", "3.3 – 4.8", "无数据"]
    assert list(labels) == [order[0], order[0], order[1], order[1], order[1], order[2], "无数据"]
    labels, order = classify.classify(pd.Series([1, 2, 3, 4, 5, 6, 7, 8]), classify.QUANTILE, 4)
    assert labels.value_counts().tolist() == [2, 2, 2, 2]
    assert classify.breaks(pd.Series([5, 5, 5]), classify.QUANTILE, 4) == [5.0, 5.0]  # one class
    with pytest.raises(InputError):
        classify.breaks(values, classify.EQUAL_INTERVAL, 12)
    with pytest.raises(InputError):
        classify.breaks(pd.Series(["a", "b"]), classify.EQUAL_INTERVAL, 3)
    labels, order = classify.classify(pd.Series(["R2", "B1", "R2", None]), classify.CATEGORIES)
    assert order == ["R2", "B1", "无数据"] and list(labels) == ["R2", "B1", "R2", "无数据"]


def test_attribute_table_filter_headers_and_formula_safe_exports():
    gdf = gpd.GeoDataFrame(
        {
            "site_id": ["RS-001", "RS-002", "RS-003"],
            "用地性质": ["R2", "=HYPERLINK(1)", "b1"],
            "容积率": [1.5, 2.0, 3.0],
        },
        geometry=[Point(117.24, 39.12), Point(117.25, 39.12), Point(117.26, 39.13)],
        crs=4326,
    )
    table = attributes.attribute_table(gdf, {"容积率": "容积率（FAR）"})
    assert list(table.columns) == ["编号", "用地性质", "容积率（FAR）"]
    assert list(attributes.filter_rows(table, "用地性质", "B1").index) == [2]  # contains, any case
    assert list(attributes.filter_rows(table, "容积率（FAR）", "2", attributes.EQUALS).index) == [1]
    assert list(attributes.filter_rows(table, None, "rs-00").index) == [0, 1, 2]
    assert list(attributes.filter_rows(table, None, "  ").index) == [0, 1, 2]
    csv = pd.read_csv(io.BytesIO(attributes.table_bytes(gdf, "csv")), encoding="utf-8-sig")
    assert csv.loc[1, "用地性质"] == "'=HYPERLINK(1)" and {"经度", "纬度", "几何（WKT）"} <= set(csv.columns)
    import openpyxl

    ws = openpyxl.load_workbook(io.BytesIO(attributes.table_bytes(gdf, "xlsx"))).active
    cell = next(c for row in ws.iter_rows() for c in row if c.value == "=HYPERLINK(1)")
    assert cell.data_type == "s"  # text, never a formula


def test_a_thematic_layer_s_legend_lists_its_classes_in_ramp_order():
    gdf = gpd.GeoDataFrame(
        {"far": [0.5, 1.0, 2.0, 4.0]},
        geometry=[box(117.24 + i * 0.001, 39.12, 117.2405 + i * 0.001, 39.1205) for i in range(4)],
        crs=4326,
    )
    layer = thematic_layer(Source("t", "地块", gdf).scene_layer(), "far", classify.EQUAL_INTERVAL, 2)
    entry = make_scene([layer]).legend[0]
    assert [c.label for c in entry.categories] == ["0.5 – 2.25", "2.25 – 4"]
    light, dark = (c.fill for c in entry.categories)
    assert sum(int(light[i : i + 2], 16) for i in (1, 3, 5)) > sum(
        int(dark[i : i + 2], 16) for i in (1, 3, 5)
    )


def test_labels_from_a_field_and_fill_opacity():
    gdf = gpd.GeoDataFrame({"用地性质": ["R2", None]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=4326)
    layer = labelled(Source("t", "地块", gdf).scene_layer(), "用地性质")
    assert layer.spec.label and list(layer.data["name"]) == ["R2", ""]
    assert not labelled(layer, None).spec.label
    assert with_fill_opacity(layer, 0.3).spec.style.fill_opacity == 0.3
    assert with_fill_opacity(layer, 7).spec.style.fill_opacity == 1.0


def _pdf_size(fig) -> tuple[float, float, str]:
    buf = io.BytesIO()
    fig.savefig(buf, format="pdf")
    page = PdfReader(buf).pages[0]
    return float(page.mediabox.width), float(page.mediabox.height), page.extract_text()


def test_print_layout_paper_orientation_scale_and_org():
    scene = view_scene("park", None)
    fig = draw_sheet(scene, paper="A3", orientation="portrait", scale=10_000, org="河东区规划设计所")
    w, h, text = _pdf_size(fig)
    assert abs(w - 11.69 * 72) < 1 and abs(h - 16.54 * 72) < 1  # A3 portrait, in points
    assert "比例尺：1:10,000" in text and "编制单位：河东区规划设计所" in text
    ax = fig.axes[0]
    span_m = ax.get_xlim()[1] - ax.get_xlim()[0]
    paper_m = ax.get_position().width * fig.get_figwidth() * 0.0254
    assert span_m / paper_m == pytest.approx(10_000, rel=0.01)  # the map is at the stated scale
    w, h, _ = _pdf_size(draw_sheet(scene, paper="A4"))
    assert w > h  # landscape by default
    w, h, _ = _pdf_size(draw_sheet(scene, paper="A1", orientation="portrait"))
    assert abs(w - 594 / 25.4 * 72) < 2 and abs(h - 841 / 25.4 * 72) < 2  # A1 portrait, 594 x 841 mm


@pytest.mark.parametrize(
    "kwargs",
    [
        {"paper": "B5"},
        {"orientation": "sideways"},
        {"scale": 10},
        {"scale": 5_000_000},
        {"org": "a\nb"},
        {"review_no": "号" * 61},
    ],
)
def test_bad_print_choices_are_refused_in_both_languages(kwargs):
    with pytest.raises(InputError) as err:
        check_layout(**{"paper": "A4", **kwargs})
    assert err.value.message_en and err.value.message_zh


def test_scale_text():
    assert parse_scale("1:10000") == parse_scale("1：10,000") == parse_scale("10000") == 10_000
    assert parse_scale("") is None and parse_scale("适应范围") is None
    for bad in ("1:abc", "1:10", "-5"):
        with pytest.raises(InputError):
            parse_scale(bad)


def test_export_map_layout_options_write_an_a3_portrait_sheet(tmp_path):
    out = tmp_path / "sheet.pdf"
    args = ["export-map", "--view", "park", "--no-sites", "--out", str(out), "--paper", "A3"]
    args += [
        "--orientation",
        "portrait",
        "--scale",
        "1:10000",
        "--title",
        "金贸园区图",
        "--org",
        "河东区规划所",
        "--subtitle",
        "园区现状与规划",
        "--review-no",
        "津S（2026）001号",
    ]
    assert main(["--workspace", str(tmp_path), *args]) == 0
    page = PdfReader(out).pages[0]
    assert (
        abs(float(page.mediabox.width) - 11.69 * 72) < 1 and abs(float(page.mediabox.height) - 16.54 * 72) < 1
    )
    text = page.extract_text()
    assert "金贸园区图" in text and "编制单位：河东区规划所" in text and "1:10,000" in text
    assert "园区现状与规划" in text and "审图号：津S（2026）001号" in text


@pytest.mark.parametrize(
    "bad",
    [["--paper", "B5"], ["--orientation", "up"], ["--scale", "1:abc"], ["--scale", "1:10"], ["--title", " "]],
)
def test_export_map_bad_layout_is_english_exit_2_and_no_file(tmp_path, capsys, bad):
    out = tmp_path / "sheet.pdf"
    assert main(["--workspace", str(tmp_path), "export-map", "--no-sites", "--out", str(out), *bad]) == 2
    err = capsys.readouterr().err
    assert err.strip() and not any("\u4e00" <= ch <= "\u9fff" for ch in err.splitlines()[0])
    assert not out.exists()
