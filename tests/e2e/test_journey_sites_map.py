"""Journey: a planner works on the 更新项目 map at the office monitor's and the laptop's size.

- The map starts partly below the fold; the planner clicks a site in its visible part without
  scrolling first, and the first click selects it.
- A point site (管乐器厂, shared as a link) is shown with its neighbourhood: the view is at least
  1.5 km across and shows other sites or metro stations around it.
- The draw toolbar's 删除图形 button is not covered by the legend (opened), at its centre.
- The planner deletes the point on the map, places it elsewhere inside the district and clicks
  保存修改 (without ticking anything): the page said the shape will be saved, and the store has it.
"""

from __future__ import annotations

import pytest
from shapely.geometry import Point, box

from renewal.crs import METRIC_EPSG
from renewal.sites.query import bundled_sites
from renewal.storage import open_store
from tests.e2e import harness

SITE = "RS-021"  # 管乐器厂, a point site in the middle of the district
#: Where the planner moves it (about 250 m north-east of the bundled placeholder), per screen size.
MOVE_BY = {"1920x1080": (0.0021, 0.0019), "1366x768": (0.0024, 0.0006)}
VIEW_JS = """() => {
  const el = document.querySelector('.leaflet-container');
  const map = Object.values(window).find(v => v && v._container === el && v.latLngToContainerPoint);
  const b = map.getBounds();
  return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
}"""
COVER_JS = """(sel) => {
  const b = document.querySelector(sel), r = b.getBoundingClientRect();
  const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
  return {hit: !!top && (top === b || b.contains(top)), on: top ? top.className : null,
          centre: [r.x + r.width / 2, r.y + r.height / 2]};
}"""


def _metres(bounds) -> tuple[float, float]:
    import geopandas as gpd

    w, s, e, n = bounds
    frame = gpd.GeoSeries([box(w, s, e, n)], crs=4326).to_crs(METRIC_EPSG).total_bounds
    return frame[2] - frame[0], frame[3] - frame[1]


def _anchor(geom) -> Point:
    """Where a planner clicks a site: the point itself, a line's middle, inside a polygon."""
    if geom.geom_type == "Point":
        return geom
    if "Line" in geom.geom_type:
        return geom.interpolate(0.5, normalized=True)
    return geom.representative_point()


def _click_without_scrolling(p: harness.Planner):
    """Click a site in the visible part of the map, as a planner does before scrolling: a point site
    when one is visible. Returns the site id clicked."""
    frame = p.map_frame()
    iframe = p.page.locator(harness.MAP_IFRAME).first.bounding_box()
    fold = p.page.viewport_size["height"]
    if iframe["y"] > fold - 320:  # the planner scrolls the page (not the map) until a strip of it shows
        p.page.mouse.move(iframe["x"] + 20, 40)
        p.page.mouse.wheel(0, iframe["y"] - (fold - 320))
        p.page.wait_for_timeout(500)
        iframe = p.page.locator(harness.MAP_IFRAME).first.bounding_box()
    assert iframe["y"] + iframe["height"] > fold, "the map should start partly below the fold"
    visible = []
    for _, row in bundled_sites().iterrows():
        at = _anchor(row.geometry)
        x, y = frame.evaluate(harness.POINT_JS, [at.y, at.x])
        if 0 < x < iframe["width"] and 0 < y and iframe["y"] + y < fold - 15:
            visible.append(
                (row.geometry.geom_type != "Point", row["site_id"], iframe["x"] + x, iframe["y"] + y)
            )
    assert visible, "no site in the visible part of the map"
    _, sid, x, y = sorted(visible)[0]
    p.page.mouse.click(x, y)
    p.idle()
    return sid


@pytest.mark.parametrize("viewport", [harness.WIDE, harness.LAPTOP], ids=["1920x1080", "1366x768"])
def test_sites_map_first_click_neighbourhood_delete_button_and_moved_point(chromium, app, viewport):
    size = f"{viewport['width']}x{viewport['height']}"
    sites = bundled_sites().set_index("site_id")
    with harness.planner(chromium, app, f"sites-map-{size}", viewport) as p:
        # 1. the first click on the map, below the fold, selects the site
        p.open("sites")
        p.map()
        clicked = _click_without_scrolling(p)
        p.page.wait_for_url(f"**site={clicked}**", timeout=30_000)
        p.idle()
        p.page.get_by_role("heading", name=sites.loc[clicked, "name"]).first.wait_for(timeout=30_000)
        p.screenshot(f"sites-map-first-click-{size}")

        # 2. a point site shown with its neighbourhood
        p.open(f"sites?site={SITE}")
        store = open_store(app.workspace, session="check")
        _, geom, _ = store.site(SITE)
        frame = p.map_frame()
        p.map()
        width_m, height_m = _metres(frame.evaluate(VIEW_JS))
        assert min(width_m, height_m) >= 1400, (width_m, height_m)
        w, s, e, n = frame.evaluate(VIEW_JS)
        view = box(w, s, e, n)
        others = [sid for sid, g in sites.geometry.items() if sid != SITE and g.intersects(view)]
        assert others, "nothing around the selected point"
        p.screenshot(f"sites-map-point-{size}")

        # 3. the legend, opened, does not cover the draw toolbar's delete button
        legend = p.map().locator(".rp-legend details")
        if legend.get_attribute("open") is None:
            p.map().locator(".rp-legend summary").click()
        assert legend.get_attribute("open") is not None
        cover = frame.evaluate(COVER_JS, ".leaflet-draw-edit-remove")
        assert cover["hit"], f"删除图形 is covered by {cover['on']}"
        p.screenshot(f"sites-map-toolbar-{size}")
        p.map().locator(".rp-legend summary").click()  # folded again: the planner works on the map

        # 4. delete the point, place it elsewhere, save: the shape is saved without ticking anything
        box_ = p.page.locator(harness.MAP_IFRAME).first.bounding_box()
        p.page.mouse.click(box_["x"] + cover["centre"][0], box_["y"] + cover["centre"][1])
        pin = p.map().locator(".leaflet-marker-icon").first.bounding_box()  # the marker being edited
        p.page.mouse.click(pin["x"] + pin["width"] / 2, pin["y"] + pin["height"] / 3)
        p.map().locator(".leaflet-draw-actions a", has_text="保存").first.click()
        p.idle()
        p.map().locator(".leaflet-draw-draw-marker").click()
        dlat, dlon = MOVE_BY[size]
        target = Point(geom.x + dlon, geom.y + dlat)
        p.click_map(target.y, target.x)
        p.idle()
        editor = p.page.locator('[data-testid="stExpander"]', has_text="修改此项目")
        editor.get_by_text("地图上的图形已修改").wait_for(timeout=30_000)
        editor.get_by_text("地图上的图形已修改").scroll_into_view_if_needed()
        p.screenshot(f"sites-map-moved-{size}")
        editor.get_by_role("button", name="保存修改").click()
        p.idle()
        _, saved, _ = store.site(SITE)
        assert saved.geom_type == "Point" and saved.distance(target) < 2e-5, (saved.wkt, target.wkt)
        assert not p.exceptions() and not p.errors, (p.exceptions(), p.errors)
