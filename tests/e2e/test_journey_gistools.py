"""Journey: the tools a planner reaches for on every map (issue #20, "on every map").

- Measure: on 金贸产业园 the planner opens the measure control, clicks two points inside the district
  and reads the distance, then three points and reads the area; both are compared with the same points'
  length and area in EPSG:4548 (the plugin measures geodesically on the sphere: the difference must
  stay below :data:`MEASURE_TOLERANCE`).
- Identify: a click inside a 金贸 zone, which lies inside the 金贸产业园 outline, lists both features
  with their attributes.
- Go to: the planner types a 高德 (GCJ-02) coordinate into the 定位 box: the page says it recognised
  GCJ-02 and the map's marker lands on the converted WGS84 point; then a zone's name: the map goes there.
- Every other map (总体布局, 更新项目, 生活圈覆盖) has the measure control and the 定位 box; the exported
  HTML of 金贸产业园 has the measure control and identify, offline.
"""

from __future__ import annotations

import re

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon

import geodata
from renewal.crs import METRIC_EPSG, wgs84_to_gcj02
from tests.e2e import harness

#: leaflet-measure's geodesic (sphere) values against EPSG:4548 in Hedong: at most this relative difference.
MEASURE_TOLERANCE = 0.005
#: The marker must land on the converted point within this many metres.
GOTO_TOLERANCE_M = 0.5
MAP_JS = (
    "const el = document.querySelector('.leaflet-container');"
    "const map = Object.values(window).find(v => v && v._container === el && v.latLngToContainerPoint);"
)
HOOK_JS = (
    "() => {" + MAP_JS + "window._rpMeasured = null;"
    "map.on('measurefinish', e => { window._rpMeasured = e.points.map(p => [p.lng, p.lat]); }); }"
)
MARKER_JS = (
    "() => {" + MAP_JS + "const m = map && map._rpGoto; if (!m) return null;"
    "const c = map.getCenter(); return [m.getLatLng().lng, m.getLatLng().lat, c.lng, c.lat]; }"
)


def _marker(p: harness.Planner, near=None):
    """The 定位 marker's [lon, lat] and the map's centre [lon, lat], once the re-drawn map has it (near
    ``near`` when given)."""
    got = None
    for _ in range(60):
        try:
            got = p.map_frame().evaluate(MARKER_JS)
        except Exception:  # noqa: BLE001 - the map's frame is being replaced after the rerun
            got = None
        if got and (near is None or _metres_between(near, got[:2]) < 1):
            return got
        p.page.wait_for_timeout(250)
    return got


def _layout(name: str):
    g = geodata.load("layout")
    return g.loc[g["name"] == name].geometry.iloc[0]


def _metric(geom):
    return gpd.GeoSeries([geom], crs=4326).to_crs(METRIC_EPSG).iloc[0]


def _number(text: str, unit: str) -> float:
    m = re.search(r"([\d,]+(?:\.\d+)?)\s*" + unit, text)
    assert m, (unit, text)
    return float(m.group(1).replace(",", ""))


def _metres_between(a, b) -> float:
    return _metric(Point(a)).distance(_metric(Point(b)))


def _measure(p: harness.Planner, frame, points) -> tuple[str, list]:
    """Open the measure control, click ``points`` (lon, lat) on the map, finish; the result popup's text
    and the points the control measured."""
    m = p.map()
    frame.evaluate(HOOK_JS)
    m.locator(".leaflet-control-measure").hover()
    m.locator(".js-start").click()
    for lon, lat in points:
        p.click_map(lat, lon)
        p.page.wait_for_timeout(150)
    m.locator(".js-finish").click()
    popup = m.locator(".leaflet-popup-content").last  # a popup still fading out may precede it
    popup.wait_for()
    text = popup.inner_text()
    measured = frame.evaluate("() => window._rpMeasured")
    for (lon, lat), got in zip(points, measured, strict=False):  # the clicks landed where meant
        assert _metres_between((lon, lat), got) < 15, (lon, lat, got)
    return text, measured


def test_measure_identify_and_goto_on_jinmao(chromium, app):
    park, zone = _layout("金贸产业园"), _layout("金贸产业园东南片区")
    x0, y0, x1, y1 = park.bounds  # the page opens on the park

    def at(fx: float, fy: float) -> tuple[float, float]:
        return x0 + fx * (x1 - x0), y0 + fy * (y1 - y0)

    with harness.planner(chromium, app, "gistools-jinmao", harness.WIDE) as p:
        p.open("jinmao")
        frame = p.map_frame()
        p.map().locator(".leaflet-control-measure").wait_for()
        assert p.map().locator(".leaflet-control-measure-toggle").get_attribute("title") == "测量距离和面积"

        # 1. distance: two points about 1.5 km apart across the park
        text, pts = _measure(p, frame, [at(0.3, 0.2), at(0.85, 0.8)])
        assert "距离测量" in text and "公里" in text, text
        shown = _number(text, "米")
        truth = _metric(LineString(pts)).length
        assert abs(shown - truth) / truth < MEASURE_TOLERANCE, (shown, truth)
        assert abs(_number(text, "公里") - truth / 1000) < 0.006, (text, truth)
        p.screenshot("gistools-measure-distance-1920x1080")
        p.map().locator(".leaflet-popup-content .js-deletemarkup").click()

        # 2. area: three points (a triangle of about 60 公顷)
        text, pts = _measure(p, frame, [at(0.3, 0.3), at(0.9, 0.4), at(0.5, 0.9)])
        assert "面积测量" in text and "公顷" in text and "周长" in text, text
        shown = _number(text, "平方米")
        truth = _metric(Polygon(pts)).area
        assert abs(shown - truth) / truth < MEASURE_TOLERANCE, (shown, truth)
        assert abs(_number(text, "公顷") - truth / 1e4) / (truth / 1e4) < MEASURE_TOLERANCE, (text, truth)
        p.screenshot("gistools-measure-area-1920x1080")
        p.map().locator(".leaflet-popup-content .js-deletemarkup").click()

        # 3. identify: a click inside the 东南片区, which lies inside the park's outline, lists both
        inside = zone.representative_point()
        assert park.contains(inside)
        p.click_map(inside.y, inside.x)
        # the identify popup (a measure popup may still be fading out beside it)
        popup = p.map().locator(".leaflet-popup-content", has_text="此处共")
        popup.wait_for()
        text = popup.inner_text()
        titles = [t.replace("位置示意", "") for t in popup.locator(".rp-title").all_inner_texts()]
        assert "金贸产业园东南片区" in titles and "金贸产业园" in titles, (titles, text)
        assert "此处共" in text, text
        assert "图层" in text, text  # each with its layer's line
        p.screenshot("gistools-identify-1920x1080")

        # 4. go to a 高德 (GCJ-02) coordinate: the marker at the converted WGS84 point
        target = at(0.45, 0.55)  # WGS84, inside the district
        glon, glat = wgs84_to_gcj02(*target)
        box = p.page.get_by_role("textbox", name="定位").first
        box.fill(f"高德 {float(glon):.6f},{float(glat):.6f}")
        box.press("Enter")
        p.idle()
        main = p.main_text()
        assert "识别为：高德/腾讯坐标（GCJ-02）" in main, main[:2000]
        p.map()
        got = _marker(p)
        assert got, "no marker on the map"
        assert _metres_between(target, got[:2]) < GOTO_TOLERANCE_M, (target, got)
        assert _metres_between(target, got[2:]) < 5, "the map is not centred on the marker"
        p.check_page()
        p.screenshot("gistools-goto-gcj02-1920x1080")

        # 5. go to a name from a loaded layer
        box.fill("金贸产业园西北片区")
        box.press("Enter")
        p.idle()
        assert "名称（图层：" in p.main_text()
        want = _layout("金贸产业园西北片区").representative_point()
        got = _marker(p, (want.x, want.y))
        assert got and _metres_between((want.x, want.y), got[:2]) < 1, (want, got)

        # 6. nonsense: a Chinese message, no marker
        box.fill("这里不是任何地名xyz")
        box.press("Enter")
        p.idle()
        assert "无法识别" in p.main_text()
        p.check_page()


@pytest.mark.parametrize("path", ["", "sites", "coverage"])
def test_every_map_page_has_measure_and_goto(chromium, app, path):
    with harness.planner(chromium, app, f"gistools-{path or 'home'}", harness.LAPTOP) as p:
        p.open(path)
        p.map().locator(".leaflet-control-measure").wait_for()
        assert p.page.get_by_role("textbox", name="定位").count() >= 1
        p.screenshot(f"gistools-{path or 'home'}-1366x768")
        p.check_page()


def test_exported_html_measures_and_identifies_offline(chromium, app, tmp_path):
    with harness.planner(chromium, app, "gistools-export", harness.WIDE) as p:
        p.open("jinmao")
        html = p.download("下载地图（独立HTML文件", tmp_path)
    zone = _layout("金贸产业园东南片区")
    with harness.planner(
        chromium, None, "gistools-export-file", harness.LAPTOP, allow=harness.is_local_file_url
    ) as f:
        f.page.goto(html.as_uri())
        f.page.locator(".leaflet-control-measure").wait_for()
        at = zone.representative_point()
        xy = f.page.evaluate(
            "([lat, lon]) => {" + MAP_JS + "const q = map.latLngToContainerPoint([lat, lon]);"
            "const r = el.getBoundingClientRect(); return [r.x + q.x, r.y + q.y]; }",
            [at.y, at.x],
        )
        f.page.mouse.click(*xy)
        titles = [
            t.replace("位置示意", "")
            for t in f.page.locator(".leaflet-popup-content .rp-title").all_inner_texts()
        ]
        assert "金贸产业园东南片区" in titles and "金贸产业园" in titles, titles
        # 查找名称: the exported map goes to a feature by its name and opens its popup
        f.page.locator(".leaflet-popup-close-button").click()  # the identify popup closed
        f.page.locator(".leaflet-popup").wait_for(state="detached")
        find = f.page.get_by_role("searchbox", name="查找名称")
        find.fill("西北片区")
        find.press("Enter")
        popup = f.page.locator(".leaflet-popup-content .rp-title").first
        popup.wait_for()
        assert popup.inner_text().startswith("金贸产业园西北片区"), popup.inner_text()
        centre = f.page.evaluate("() => {" + MAP_JS + "const c = map.getCenter(); return [c.lng, c.lat]; }")
        assert _layout("金贸产业园西北片区").buffer(0.001).contains(Point(centre)), centre
        find.fill("不存在的名称")
        find.press("Enter")
        f.page.get_by_text("未找到该名称").wait_for()
        f.screenshot("gistools-export-find-1366x768")
        assert not f.errors, f.errors
