"""The print layout a planner chooses (issue #20): paper size in points, the scale bar against the stated
scale, the 鹰眼图 inset, the 示意图 stamp only with approximate content, the extent line, and the same
choices on ``export-map`` (``--extent``, ``--no-inset``, ``--no-stamp``)."""

from __future__ import annotations

import re

import geopandas as gpd
import pytest
from pypdf import PdfReader
from shapely.geometry import box

from cli.main import main
from layers.basemaps import BASEMAPS
from layers.display import display_bounds, wgs84_bounds
from layers.maps import jinmao_scene
from layers.registry import REGISTRY
from layers.render_print import (
    EXTENT_PREFIX,
    METRIC_EPSG,
    draw_sheet,
    parse_extent,
    save_sheet,
    shows_approximate,
)
from layers.scene import SceneLayer, load_layers, make_scene
from renewal.errors import InputError

MM_PER_PT = 25.4 / 72
ORG = "天津市河东区城市规划设计研究所"
NUMBER = r"(-?\d+\.\d+)"
EXTENT_RE = re.compile(
    re.escape(EXTENT_PREFIX) + rf"\s*{NUMBER}\s*,\s*{NUMBER}\s*–\s*{NUMBER}\s*,\s*{NUMBER}"
)


def _extent_in(text: str) -> tuple[float, ...]:
    found = EXTENT_RE.search(text.replace("\n", ""))
    assert found, text[:1500]
    return tuple(float(v) for v in found.groups())


def _map_ax(fig):
    """The map: the axes holding the scale bar."""
    return next(ax for ax in fig.axes if any(p.get_gid() == "rp-scalebar" for p in ax.patches))


def _frame_wgs84(fig) -> tuple[float, ...]:
    ax = _map_ax(fig)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    corners = gpd.GeoSeries.from_xy([x0, x1, x0, x1], [y0, y0, y1, y1], crs=METRIC_EPSG).to_crs(4326)
    return tuple(float(v) for v in corners.total_bounds)


def _inset(fig):
    return [ax for ax in fig.axes if ax.get_gid() == "rp-inset"]


def _stamps(fig):
    return [t for ax in fig.axes for t in ax.texts if t.get_gid() == "rp-stamp"]


@pytest.fixture(scope="module")
def park():
    return jinmao_scene()


@pytest.fixture(scope="module")
def a3_portrait(park, tmp_path_factory):
    """The 金贸 park on A3 portrait at 1:10,000 with the office's name, inset and stamp asked for."""
    fig = draw_sheet(park, paper="A3", orientation="portrait", scale=10000, org=ORG, inset=True, stamp=True)
    pdf = save_sheet(fig, tmp_path_factory.mktemp("sheet") / "park.pdf")
    return fig, pdf


def test_a3_portrait_pdf_is_297_by_420_mm_in_points(a3_portrait):
    page = PdfReader(a3_portrait[1]).pages[0]
    w, h = float(page.mediabox.width), float(page.mediabox.height)
    assert abs(w * MM_PER_PT - 297) < 0.5 and abs(h * MM_PER_PT - 420) < 0.5, (w, h)


def test_scale_bar_on_paper_matches_the_stated_scale(a3_portrait):
    fig = a3_portrait[0]
    ax = _map_ax(fig)
    bar = [p for p in ax.patches if p.get_gid() == "rp-scalebar"]
    x0 = min(p.get_x() for p in bar)
    x1 = max(p.get_x() + p.get_width() for p in bar)
    ground_m = x1 - x0
    label = next(t.get_text() for t in ax.texts if t.get_text().endswith("米") and t.get_text() != "0")
    value = float(re.match(r"[\d.]+", label).group())
    assert ground_m == pytest.approx(value * (1000 if "千米" in label else 1))
    fig.canvas.draw()
    (px0, _), (px1, _) = ax.transData.transform([(x0, 0), (x1, 0)])
    paper_m = (px1 - px0) / fig.dpi * 0.0254
    assert ground_m / paper_m == pytest.approx(10000, rel=0.005)


def test_pdf_states_the_org_and_the_printed_extent(a3_portrait, park):
    fig, pdf = a3_portrait
    text = PdfReader(pdf).pages[0].extract_text()
    assert f"编制单位：{ORG}" in text and "比例尺：1:10,000" in text
    w, s, e, n = _extent_in(text)
    assert (w, s, e, n) == pytest.approx(_frame_wgs84(fig), abs=2e-6)
    # a fixed scale frames the chosen extent's centre
    cx, cy = (park.extent[0] + park.extent[2]) / 2, (park.extent[1] + park.extent[3]) / 2
    assert (w + e) / 2 == pytest.approx(cx, abs=1e-4) and (s + n) / 2 == pytest.approx(cy, abs=1e-4)


def test_inset_outlines_the_printed_frame_and_can_be_left_out(a3_portrait, park):
    fig = a3_portrait[0]
    (inset,) = _inset(fig)
    (outline,) = [p for p in inset.patches if p.get_gid() == "rp-frame"]
    ax = _map_ax(fig)
    assert (outline.get_x(), outline.get_x() + outline.get_width()) == pytest.approx(ax.get_xlim())
    assert (outline.get_y(), outline.get_y() + outline.get_height()) == pytest.approx(ax.get_ylim())
    # the whole district is in the inset
    district = load_layers(("district",))["district"].to_crs(METRIC_EPSG).total_bounds
    (ix0, ix1), (iy0, iy1) = inset.get_xlim(), inset.get_ylim()
    assert ix0 <= district[0] and district[2] <= ix1 and iy0 <= district[1] and district[3] <= iy1
    assert not _inset(draw_sheet(park, paper="A4", inset=False))


def test_stamp_only_when_the_sheet_shows_approximate_content(a3_portrait, park):
    assert len(_stamps(a3_portrait[0])) == 1  # the park's zones are schematic
    assert not _stamps(draw_sheet(park, stamp=False))
    data = load_layers(("district", "neighbours"))
    surveyed = make_scene(
        [SceneLayer(REGISTRY[k], data[k]) for k in data], title="河东区界", extent=data["district"]
    )
    sheet = draw_sheet(surveyed, stamp=True)
    ax = _map_ax(sheet)
    frame = box(ax.get_xlim()[0], ax.get_ylim()[0], ax.get_xlim()[1], ax.get_ylim()[1])
    assert not shows_approximate(surveyed, frame) and not _stamps(sheet)
    assert shows_approximate(park, frame)  # the same frame over the park's layers


def test_extent_is_parsed_or_refused_in_both_languages():
    assert parse_extent("117.2,39.08，117.3,39.12") == (117.2, 39.08, 117.3, 39.12)
    for bad in ("117.2,39.08,117.3", "a,b,c,d", "117.3,39.08,117.2,39.12", "117.2,89,117.3,90", "nan,1,2,3"):
        with pytest.raises(InputError) as err:
            parse_extent(bad)
        assert err.value.message_zh.startswith("图幅范围")


def test_map_view_bounds_come_back_to_wgs84_from_the_amap_display():
    gaode = next(b for b in BASEMAPS.values() if b.display_crs == "gcj02")
    view = (117.25, 39.08, 117.30, 39.12)
    shown = display_bounds(view, gaode)
    assert shown[0] - view[0] > 1e-3  # GCJ-02 is shifted by hundreds of metres
    assert wgs84_bounds(shown, gaode) == pytest.approx(view, abs=1e-6)


def test_cli_extent_inset_and_stamp(tmp_path):
    extent = "117.262,39.080,117.300,39.105"
    out = tmp_path / "park.pdf"
    argv = ["export-map", "--view", "park", "--no-sites", "--paper", "A3", "--orientation", "portrait"]
    assert main([*argv, "--scale", "1:10000", "--extent", extent, "--org", ORG, "--out", str(out)]) == 0
    text = PdfReader(out).pages[0].extract_text()
    w, s, e, n = _extent_in(text)
    gw, gs, ge, gn = (float(v) for v in extent.split(","))
    assert (w + e) / 2 == pytest.approx((gw + ge) / 2, abs=1e-4) and (s + n) / 2 == pytest.approx(
        (gs + gn) / 2, abs=1e-4
    )
    assert "鹰眼图" in text and "示意图" in text and ORG in text
    bare = tmp_path / "bare.pdf"
    assert main([*argv, "--extent", extent, "--no-inset", "--no-stamp", "--out", str(bare)]) == 0
    bare_text = PdfReader(bare).pages[0].extract_text()
    assert "鹰眼图" not in bare_text and "示意图" not in bare_text and EXTENT_PREFIX in bare_text


def test_cli_bad_extent_exits_2_in_english_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "x.pdf"
    assert main(["export-map", "--no-sites", "--extent", "117.3,39.1,117.2", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "extent must be four numbers" in err and "Traceback" not in err
    assert not out.exists()


def test_notes_break_between_their_parts_and_keep_every_character():
    from layers.render_print import _ems, wrap_note

    note = (
        "坐标系：CGCS2000 / 3度带高斯-克吕格投影（中央经线117°E）　比例尺：1:10,000　制图日期：2026年12月4日　"
        + "很长" * 40
    )
    lines = wrap_note(note, 30)
    assert all(_ems(line) <= 30 for line in lines) and len(lines) > 3
    assert (
        lines[0] == "坐标系：CGCS2000 / 3度带高斯-克吕格投影（中央经线117°E）"
    )  # whole, not cut at the hyphen
    assert "".join(lines).replace("　", "") == note.replace("　", "")
