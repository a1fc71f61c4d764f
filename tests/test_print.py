"""Print map sheets (layers/render_print.py), the CJK font (layers/fonts.py) and the views
(layers/views.py): every format produced and read back; Chinese glyphs really drawn."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image
from pypdf import PdfReader

from cli.main import main
from layers import fonts
from layers.render_print import PAPERS, PNG_DPI, draw_sheet, save_sheet, sheet_legend
from layers.views import VIEWS, view_scene

ROOT = Path(__file__).resolve().parent.parent
PLAN = (ROOT / "geodata" / "plan" / "hedong-15th-five-year-plan.txt").read_text(encoding="utf-8")


def _render_text(text: str, family: str) -> np.ndarray:
    fig = Figure(figsize=(3, 1), dpi=100)
    FigureCanvasAgg(fig)
    fig.text(0.05, 0.3, text, fontsize=28, family=family)
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., 0].astype(int)


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")
def test_chinese_glyphs_are_drawn_not_missing_glyph_boxes():
    font = fonts.use_cjk_font()
    chinese = _render_text("河东区", font.family)
    # the same text in a font without CJK glyphs: three missing-glyph boxes
    boxes = _render_text("河东区", "DejaVu Sans")
    # three characters the CJK font lacks (private use area): its own missing-glyph boxes
    missing = _render_text("\ue000\ue001\ue002", font.family)
    assert (chinese < 128).sum() > 200  # ink on the page
    assert np.abs(chinese - boxes).sum() > 0.2 * np.abs(boxes - 255).sum()
    assert np.abs(chinese - missing).sum() > 0.2 * np.abs(missing - 255).sum()
    # and two different Chinese strings draw differently (glyphs, not one repeated box)
    assert np.abs(chinese - _render_text("一站一", font.family)).sum() > 0


def test_font_check_fails_clearly_on_text_the_font_cannot_draw():
    assert fonts.missing_glyphs(["河东区 ABC"]) == []
    with pytest.raises(fonts.FontError, match="cannot draw"):
        fonts.check_glyphs(["河东\ue000"])


def test_no_font_at_all_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(fonts, "_system_font", lambda: None)
    monkeypatch.setattr(fonts, "_package_font", lambda: None)
    fonts.cjk_font.cache_clear()
    try:
        with pytest.raises(fonts.FontError, match="pip install -r requirements.txt"):
            fonts.cjk_font()
    finally:
        fonts.cjk_font.cache_clear()


def test_packaged_font_is_found_without_a_system_font():
    fonts.cjk_font.cache_clear()
    try:
        font = fonts.cjk_font(prefer_system=False)
        assert font.origin == "package" and font.family == "Noto Sans SC"
        assert fonts.missing_glyphs([fonts.PROBE_TEXT], font) == []
    finally:
        fonts.cjk_font.cache_clear()


def test_view_captions_are_quoted_verbatim_from_the_plan():
    for view in VIEWS.values():
        for piece in filter(None, view.caption.split("……")):
            assert piece.rstrip("。：") in PLAN, (view.key, piece)


def test_coverage_view_is_a_sheet_of_the_known_facilities(tmp_path):
    """The coverage view draws every category's catchments (outlines) of the plan's placed facilities and,
    for several categories, per cell the number of categories out of reach on a ramp (not stacked gaps)."""
    from layers.views import view_scene

    scene = view_scene("coverage")
    assert {"coverage_catchments", "coverage_missing", "coverage_facilities"} <= set(scene.keys)
    assert "coverage_gaps" not in scene.keys
    missing = next(e for e in scene.legend if e.label == "缺口：不可达的类别数")
    assert [c.label for c in missing.categories] == ["1类不可达", "2类不可达", "3类不可达"]
    out = tmp_path / "c.png"
    assert main(["export-map", "--view", "coverage", "--out", str(out)]) == 0
    assert out.stat().st_size > 10_000


@pytest.fixture(scope="module")
def park_sheet(tmp_path_factory):
    scene = view_scene("park")
    fig = draw_sheet(scene, paper="A4", subtitle=VIEWS["park"].caption)
    folder = tmp_path_factory.mktemp("sheet")
    return scene, {fmt: save_sheet(fig, folder / f"park.{fmt}") for fmt in ("png", "pdf", "svg")}


def test_png_sheet_has_a4_size_at_300_dpi_and_is_not_blank(park_sheet):
    _, paths = park_sheet
    img = Image.open(paths["png"])
    w, h = PAPERS["A4"]
    assert img.size == (round(w * PNG_DPI), round(h * PNG_DPI))
    px = np.asarray(img.convert("L"), dtype=float)
    assert px.std() > 20
    assert (px < 245).mean() > 0.2  # map, legend and text cover a good part of the sheet
    assert len(np.unique(np.asarray(img.convert("RGB")).reshape(-1, 3)[::97], axis=0)) > 50


def test_pdf_sheet_has_one_page_embedded_cjk_font_and_the_title(park_sheet):
    scene, paths = park_sheet
    reader = PdfReader(paths["pdf"])
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert scene.title in text
    assert "坐标系" in text and "制图日期" in text
    fonts_used = [f.get_object() for f in reader.pages[0]["/Resources"]["/Font"].values()]
    cjk = [f for f in fonts_used if re.search(r"CJK|SC|Han|YaHei|Hei", str(f["/BaseFont"]))]
    assert cjk, [f["/BaseFont"] for f in fonts_used]
    for f in cjk:  # embedded as what the PDF says: a TrueType (glyf) font file for a CIDFontType2
        cid = f["/DescendantFonts"][0].get_object()
        desc = cid["/FontDescriptor"].get_object()
        assert cid["/Subtype"] == "/CIDFontType2" and "/FontFile2" in desc
        assert desc["/FontFile2"].get_object().get_data()[:4] == b"\x00\x01\x00\x00"  # not CFF ("OTTO")


def test_svg_sheet_parses(park_sheet):
    _, paths = park_sheet
    root = ET.parse(paths["svg"]).getroot()
    assert root.tag.endswith("svg")
    assert len(list(root.iter())) > 500


def test_sheet_legend_lists_exactly_the_drawn_layers(park_sheet):
    """One legend row per layer drawn, in drawing order; a layer switched off has none."""
    from dataclasses import replace

    from layers.scene import SceneLayer

    scene, _ = park_sheet
    keys = [layer.spec.key for layer in scene.layers]
    assert [e.key for e in sheet_legend(scene)] == keys
    off = "metro_lines"
    layers = [
        SceneLayer(replace(layer.spec, visible=False), layer.data) if layer.spec.key == off else layer
        for layer in scene.layers
    ]
    assert [e.key for e in sheet_legend(replace(scene, layers=layers))] == [k for k in keys if k != off]


@pytest.mark.parametrize("paper", ["A3", "16:9"])
def test_cli_writes_sheets_in_each_paper(tmp_path, paper):
    out = tmp_path / "belt.png"
    assert main(["export-map", "--view", "belt", "--paper", paper, "--out", str(out), "--no-sites"]) == 0
    w, h = PAPERS[paper]
    assert Image.open(out).size == (round(w * PNG_DPI), round(h * PNG_DPI))


def test_cli_html_view_holds_the_map_and_each_layer_once(tmp_path):
    out = tmp_path / "station.html"
    assert main(["export-map", "--view", "station", "--out", str(out), "--no-sites"]) == 0
    text = out.read_text(encoding="utf-8")
    scene = view_scene("station", None)
    assert text.count("L.map(") == 1
    assert text.count("L.featureGroup(") == len(scene.layers)
    assert len(scene.layers) >= 10


def test_sheet_legend_of_a_framed_view_lists_only_what_is_in_the_frame():
    import geopandas as gpd
    from shapely.geometry import box

    scene = view_scene("station")
    frame = gpd.GeoSeries([box(*scene.extent)], crs=4326).to_crs(4548).iloc[0]
    framed = {e.key for e in sheet_legend(scene, frame)}
    everything = {e.key for e in sheet_legend(scene)}
    assert "station_area" in framed and "jinmao_park" in everything
    assert "jinmao_park" not in framed


def test_a_sheet_drawn_with_the_packaged_font_alone_embeds_it_as_truetype(monkeypatch, tmp_path, caplog):
    """A fresh machine with no system CJK font: the pip-installed Noto Sans SC draws the sheet."""
    monkeypatch.setattr(fonts, "_system_font", lambda: None)
    fonts.cjk_font.cache_clear()
    try:
        scene = view_scene("park")
        path = save_sheet(draw_sheet(scene), tmp_path / "park.pdf")
        assert fonts.cjk_font().origin == "package"
    finally:
        fonts.cjk_font.cache_clear()
    page = PdfReader(path).pages[0]
    assert scene.title in page.extract_text()
    for f in page["/Resources"]["/Font"].values():
        desc = f.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert desc["/FontFile2"].get_object().get_data()[:4] == b"\x00\x01\x00\x00"
    assert "Failed to find font" not in caplog.text


def test_print_styles_come_from_the_resolved_styles_approximate_drawn_approximate():
    from layers.registry import LayerSpec, Style
    from layers.render_print import PX, mpl_style
    from layers.styles import resolve_style

    spec = LayerSpec("t", "测试", "基础", style=Style(color="#ff0000", weight=2, fill_opacity=0.5, radius=6))
    exact = mpl_style(resolve_style({"precision": "surveyed"}, spec, "Point"))
    approx = mpl_style(resolve_style({"precision": "approximate"}, spec, "Point"))
    assert exact["facecolor"] == (1.0, 0.0, 0.0, 0.5) and exact["linestyle"] == "solid"
    assert approx["facecolor"][3] == 0.0  # hollow
    assert approx["linestyle"] == (0, (3 * PX, 3 * PX))  # dashed ring, pattern from styles
    assert exact["markersize"] == 2 * 6 * PX
    line = mpl_style(resolve_style({"precision": "schematic"}, spec, "LineString"))
    assert line["facecolor"] == "none" and line["linestyle"] == (0, (6 * PX, 5 * PX))
