"""The 打印图纸 panel (pages/views/print_panel.py) on a page (Streamlit AppTest): the view it frames is the map's
reported view kept for that map, or a named view; a title that cannot be printed is refused in Chinese
with no download offered. The downloads themselves are checked in tests/e2e/test_journey_print.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from layers.basemaps import BASEMAPS
from layers.display import display_bounds
from layers.scene import bounds_of, load_layers
from pages.views import add_to_presentation, print_panel
from pages.views.panels import open_panel

ROOT = Path(__file__).resolve().parent.parent
VIEW = (117.2612, 39.0791, 117.3013, 39.1042)
CHOSEN = re.compile(r"所选范围（WGS84）：(-?\d+\.\d+),(-?\d+\.\d+) – (-?\d+\.\d+),(-?\d+\.\d+)")


def _jinmao(opened: bool = True, **state) -> AppTest:
    """金贸产业园 with the 打印图纸 panel opened (as the planner's click on its title does)."""
    at = AppTest.from_file(str(ROOT / "pages" / "jinmao.py"), default_timeout=90)
    for k, v in state.items():
        at.session_state[k] = v
    if opened:
        open_panel(at.session_state, print_panel.panel_key("jinmao_map"))
    at.run()
    assert not at.exception, at.exception
    return at


def _chosen(at: AppTest) -> tuple[float, ...]:
    text = " ".join(c.value for c in at.caption)
    found = CHOSEN.search(text)
    assert found, text
    return tuple(float(v) for v in found.groups())


def _downloads(at: AppTest) -> list[str]:
    return [e.proto.label for e in at.get("download_button") if "下载图纸" in e.proto.label]


@pytest.fixture(scope="module")
def page():
    return _jinmao(**{print_panel.view_key("jinmao_map"): VIEW})


def test_panel_frames_the_view_the_map_reported(page):
    assert _chosen(page) == pytest.approx(VIEW, abs=1e-6)
    assert _downloads(page) == [
        "下载图纸（PDF，A3横向）",
        "下载图纸（SVG，A3横向）",
        "下载图纸（PNG 300dpi，A3横向）",
    ]


def test_a_named_view_frames_its_layer(page):
    page.selectbox(key="jinmao_map_print_frame").set_value("一站").run()
    station = bounds_of(load_layers(("station_area",))["station_area"])
    assert _chosen(page) == pytest.approx(station, abs=1e-6)
    page.selectbox(key="jinmao_map_print_frame").set_value(print_panel.CURRENT).run()
    assert _chosen(page) == pytest.approx(VIEW, abs=1e-6)


@pytest.mark.parametrize(
    ("title", "message"),
    [(" ", "请填写图名。"), ("金贸产业园😀", "字体无法显示的字符：😀")],
    ids=["empty", "no-glyph"],
)
def test_a_title_that_cannot_be_printed_is_refused_without_downloads(title, message):
    at = _jinmao()
    at.text_input(key="jinmao_map_print_title").input(title).run()
    assert any(message in e.value for e in at.error), [e.value for e in at.error]
    assert not _downloads(at)


def test_a_map_report_is_kept_in_wgs84_also_from_the_amap_display():
    gaode = next(k for k, b in BASEMAPS.items() if b.display_crs == "gcj02")
    w, s, e, n = display_bounds(VIEW, BASEMAPS[gaode])
    out = {"bounds": {"_southWest": {"lat": s, "lng": w}, "_northEast": {"lat": n, "lng": e}}}
    state: dict = {}
    assert print_panel.remember_view("m", out, gaode, state) == pytest.approx(VIEW, abs=1e-6)
    assert print_panel.remember_view("m", {"bounds": None}, gaode, state) == pytest.approx(VIEW, abs=1e-6)
    assert print_panel.remember_view("other", {}, gaode, state) is None


def test_the_panels_send_nothing_but_their_titles_until_opened_and_keep_what_was_typed_once_folded():
    at = _jinmao(opened=False, **{print_panel.view_key("jinmao_map"): VIEW})
    labels = [e.label for e in at.expander]
    assert "打印图纸" in labels and "添加到汇报" in labels
    assert _downloads(at) == [] and not [t for t in at.text_input if t.key == "jinmao_map_print_title"]
    assert not [t for t in at.text_input if t.key == "jinmao_map_deck_title"]
    # the planner opens 打印图纸: its fields are drawn (one rerun), and typed into
    open_panel(at.session_state, print_panel.panel_key("jinmao_map"))
    at.run()
    assert len(_downloads(at)) == 3
    at.text_input(key="jinmao_map_print_org").set_value("河东区规划所").run()
    # folded again: still drawn, so what was typed is kept (Streamlit drops the state of widgets not drawn)
    at.session_state[print_panel.panel_key("jinmao_map")] = False
    at.run()
    assert at.text_input(key="jinmao_map_print_org").value == "河东区规划所"
    assert not [t for t in at.text_input if t.key == "jinmao_map_deck_title"]  # 添加到汇报: never opened
    open_panel(at.session_state, add_to_presentation.panel_key("jinmao_map"))
    at.run()
    assert at.text_input(key="jinmao_map_deck_title").value
