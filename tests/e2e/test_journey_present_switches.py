"""Journey: 添加到汇报 keeps the layers the planner switched on and off in the map's layer control (issue 22
follow-up), at 1366x768 and at 1920x1080.

The workspace has an imported reference layer (off by default on every map). On 总体布局 the planner opens the
map's layer control, unticks 地铁站 and ticks the imported layer; neither switch reruns the page (the app's
script state is watched); then zooms and drags the map (its view is reported: a fragment rerun) and the
switches stay. The planner adds the view: ``views.json`` records the switches and the reported extent. On 汇报模式 the
planner steps to that slide: its Leaflet map has exactly those layers on (地铁站 unticked but listed, the
imported layer ticked, the rest as they were). The offline HTML downloaded from 汇报模式 shows the same
slide the same way (played from the file); in the PDF the slide's legend has no 地铁站 row while the built-in
全区 page has one, and the PPTX holds the slide."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pytest
from shapely.geometry import box

from renewal.storage import presentation_views as pv
from renewal.storage.access import Actor
from renewal.storage.layers import open_layers
from tests.e2e import harness
from tests.e2e.test_journey_present_views import _deck, _download, _open_add_panel, _shown_extent
from tests.e2e.test_journey_print import _zoom_and_pan

OFF_TITLE = "地铁站（2016年）"
OFF_KEY = "metro_stations"
REF_TITLE = "规划参考地块"
REF_KEY = "imported:ref_switch"
TITLES = {"1366x768": "关闭地铁站的布局（笔记本）", "1920x1080": "关闭地铁站的布局（大屏）"}
SIZES = {"1366x768": harness.LAPTOP, "1920x1080": harness.WIDE}

#: What a Leaflet map in a frame has switched on: its layer control's rows (name, ticked) and, from the
#: map's own layer groups (rp_map.js keeps them as map._rpGroups), the layer keys on.
SWITCHES_JS = """() => {
    const map = (window.rpMaps || [])[0];
    const groups = map._rpGroups;
    const rows = [...document.querySelectorAll('.leaflet-control-layers-overlays label')].map(l => [
        l.textContent.trim(), !!(l.querySelector('input.leaflet-control-layers-selector') || {}).checked]);
    const keys = Object.keys(groups);
    return {keys: keys, on: keys.filter(k => map.hasLayer(groups[k])), rows: rows};
}"""

#: The extent a Leaflet map in a frame shows (west, south, east, north).
BOUNDS_JS = """() => {
    const b = window.rpMaps[0].getBounds();
    return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
}"""

#: Counts the page's script runs from now on (the app marks a run on its root element).
RUNS_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    window.__rpRuns = 0;
    new MutationObserver(() => {
        if (app.getAttribute('data-test-script-state') === 'running') { window.__rpRuns++; }
    }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The app on a workspace with one imported reference layer (off by default on every map)."""
    tmp = tmp_path_factory.mktemp("app")
    ws = tmp / "workspace"
    ws.mkdir()
    gdf = gpd.GeoDataFrame(
        {"name": ["参考地块甲"]}, geometry=[box(117.235, 39.115, 117.25, 39.125)], crs="EPSG:4326"
    )
    open_layers(ws).put(
        "ref_switch",
        "reference",
        gdf,
        source_file="参考地块.geojson",
        crs="wgs84",
        actor=Actor("测试员"),
        title=REF_TITLE,
    )
    with harness.serve_app(tmp, workspace=ws) as served:
        yield served


def _switch(frame, title: str) -> None:
    """Tick or untick a layer in the map's (collapsed) layer control, as a planner does."""
    control = frame.locator(".leaflet-control-layers")
    control.hover()
    frame.locator(".leaflet-control-layers-expanded").wait_for(state="visible")
    frame.locator(".leaflet-control-layers-overlays label", has_text=title).first.click()


def _rows(state) -> dict[str, bool]:
    return dict(state["rows"])


def _row(rows: dict[str, bool], title: str) -> bool:
    (ticked,) = [on for name, on in rows.items() if name.startswith(title)]
    return ticked


def _check(state, switched: dict[str, bool]) -> None:
    """A slide's map shows exactly the switches the planner left (``switched``, as the view recorded them):
    地铁站 off (listed in the layer control, unticked), the imported layer on, every other layer as it was."""
    assert OFF_KEY in state["keys"] and REF_KEY in state["keys"], state["keys"]
    want = {k for k in state["keys"] if switched[k]}
    assert set(state["on"]) == want, (state["on"], want)
    rows = _rows(state)
    assert _row(rows, OFF_TITLE) is False and _row(rows, REF_TITLE) is True, rows


def _to_slide(deck, page, title: str) -> int:
    """Step (PageDown, a clicker) to the slide titled ``title``; its index."""
    titles = [t.strip() for t in deck.locator(".rp-slide .rp-title").all_text_contents()]
    index = titles.index(title)
    deck.locator("#rp-next").focus()
    for _ in range(index):
        page.keyboard.press("PageDown")
        page.wait_for_timeout(150)
    deck.locator(".rp-slide:not([hidden]) .rp-title", has_text=title).wait_for(timeout=5_000)
    return index


def _slide_state(frame, index: int):
    inner = frame.locator(f'.rp-slide[data-index="{index}"] iframe').element_handle().content_frame()
    inner.locator(".leaflet-control-layers").wait_for(state="attached")
    inner.wait_for_function("() => (window.rpMaps || []).length > 0")
    return inner.evaluate(SWITCHES_JS)


@pytest.mark.parametrize("size", list(SIZES))
def test_the_slide_shows_the_layers_switched_on_the_map(chromium, app, size):
    title = TITLES[size]
    with harness.planner(chromium, app, f"present-switches-{size}", SIZES[size]) as p:
        p.open("")
        frame = p.map()
        frame.locator(".leaflet-control-layers").wait_for(state="attached")
        p.idle(1500)  # the first bounds report reruns the map and its panels (a fragment)
        map_frame = p.map_frame()
        map_frame.wait_for_function("() => (window.rpMaps || []).length > 0")
        before = map_frame.evaluate(SWITCHES_JS)
        assert OFF_KEY in before["on"] and REF_KEY not in before["on"], before["on"]  # the defaults

        p.page.evaluate(RUNS_JS)
        _switch(frame, OFF_TITLE)
        _switch(frame, REF_TITLE)
        p.page.wait_for_timeout(1500)
        assert p.page.evaluate("() => window.__rpRuns") == 0  # a layer switch reruns nothing
        after = map_frame.evaluate(SWITCHES_JS)
        assert set(after["on"]) == set(before["on"]) - {OFF_KEY} | {REF_KEY}, after["on"]
        frame.locator(".leaflet-container").hover(position={"x": 200, "y": 300})  # the control folds
        p.screenshot(f"present-switches-map-{size}")

        # then a zoom and a drag: the map reports its view (a fragment rerun), the switches stay as they are
        _open_add_panel(p)
        w, s, e, n, _ = _zoom_and_pan(p)
        bounds = _shown_extent(p, (w, s, e, n))
        assert bounds == pytest.approx((w, s, e, n), abs=2e-6), (bounds, (w, s, e, n))
        assert set(map_frame.evaluate(SWITCHES_JS)["on"]) == set(after["on"])
        box_ = p.page.get_by_label(re.compile("视图标题")).first
        box_.fill(title)
        p.page.locator('[data-testid="stFormSubmitButton"] button', has_text="添加到汇报").first.click()
        p.idle()
        p.page.get_by_text(f"已添加到汇报：{title}").wait_for()
        p.page.get_by_text(f"已添加到汇报：{title}").scroll_into_view_if_needed()
        p.screenshot(f"present-switches-added-{size}")
        p.check_page()

        (view,) = [v for v in pv.load_deck(app.workspace).views if v.title == title]
        assert view.extent == pytest.approx(bounds, abs=2e-6)  # the extent the map reported, kept too
        switched = view.switched
        assert switched[OFF_KEY] is False and switched[REF_KEY] is True
        assert {k for k, on in switched.items() if on} == set(before["on"]) - {OFF_KEY} | {REF_KEY}
        raw = json.loads((app.workspace / pv.FOLDER / pv.INDEX).read_text(encoding="utf-8"))
        assert any(v["title"] == title and v["switches"][OFF_KEY] is False for v in raw["views"])

        p.open("present")
        deck = _deck(p)
        index = _to_slide(deck, p.page, title)
        outer = p.page.locator(harness.PRESENTATION_IFRAME).element_handle().content_frame()
        _check(_slide_state(outer, index), switched)
        inner = outer.locator(f'.rp-slide[data-index="{index}"] iframe').element_handle().content_frame()
        w, s, e, n = inner.evaluate(BOUNDS_JS)  # the slide frames the kept extent
        assert (
            w <= bounds[0] + 1e-4
            and s <= bounds[1] + 1e-4
            and e >= bounds[2] - 1e-4
            and n >= bounds[3] - 1e-4
        )
        p.page.wait_for_timeout(800)
        p.screenshot(f"present-switches-slide-{size}")
        p.check_page()


def test_the_downloads_draw_the_switches(chromium, app, tmp_path):
    """After both views were added: the offline HTML, the PDF and the PPTX of 汇报模式."""
    from pptx import Presentation
    from pypdf import PdfReader

    titles = list(TITLES.values())
    views = pv.load_deck(app.workspace).views
    assert [v.title for v in views] == titles  # the parametrized journey above added both
    with harness.planner(chromium, app, "present-switches-downloads", harness.LAPTOP) as p:
        p.open("present")
        _deck(p)
        html = p.download("下载离线演示（HTML，无网络可放映）", tmp_path)
        pdf = _download(p, "下载汇报文档（PDF，每页一图）", tmp_path)
        pptx = _download(p, "下载汇报幻灯片（PPTX）", tmp_path)
        p.check_page()

    with harness.planner(
        chromium, None, "present-switches-offline", harness.WIDE, allow=harness.is_local_file_url
    ) as f:
        f.page.goto(html.as_uri())
        f.page.locator(".rp-slide:not([hidden]) iframe").wait_for(state="visible")
        layout_on = _slide_state(f.page.main_frame, 0)["on"]  # the built-in 全区 view: defaults
        assert OFF_KEY in layout_on and REF_KEY not in layout_on, layout_on
        index = _to_slide(f.page, f.page, titles[0])
        _check(_slide_state(f.page.main_frame, index), views[0].switched)
        f.page.wait_for_timeout(800)
        f.screenshot("present-switches-offline-1920x1080")
        assert not f.errors, f.errors

    pages = [page.extract_text() for page in PdfReader(str(pdf)).pages]
    ours = [t for t in pages if titles[0] in t]
    assert len(ours) == 1, [t[:80] for t in pages]
    assert OFF_TITLE not in ours[0] and REF_TITLE in ours[0], ours[0]
    assert OFF_TITLE in pages[0]  # the 全区 page draws 地铁站: its legend row is there to be missed
    slide_titles = [
        next(s.text_frame.text for s in slide.shapes if s.has_text_frame and s.text_frame.text.strip())
        for slide in list(Presentation(str(pptx)).slides)[1:]
    ]
    assert all(t in slide_titles for t in titles), slide_titles
