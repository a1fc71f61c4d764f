"""Issue 22 (every action in about a second): a planner's click reruns only the part of the page it
changes. Read from what the server sends the browser (Streamlit's ForwardMsg over the page's websocket):
after a 生活圈覆盖 category or life-circle switch every element sent belongs to the results fragment
(the inputs, the readiness table and the supply-and-demand section are not sent again); after a 更新项目
table row click or a map click on a site, to the fragment of the table, map, card and forms (not the
import panel or history) and none of the edit and add forms the planner has not opened; after a filter, to the
same fragment, which draws the filters into the sidebar and the downloads of the filtered sites; and the answer
is on the page each time."""

from __future__ import annotations

from tests.e2e import harness


class Deltas:
    """The elements the server sends to one page: (fragment id, element kind) per delta, in order."""

    def __init__(self, page):
        self.sent: list[tuple[str, str]] = []
        self.finished = 0
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if isinstance(payload, str):
            return
        msg = ForwardMsg.FromString(payload)
        kind = msg.WhichOneof("type")
        if kind == "delta":
            d = msg.delta
            what = d.WhichOneof("type") or ""
            el = d.new_element.WhichOneof("type") if what == "new_element" else what
            self.sent.append((d.fragment_id, el or ""))
        elif kind == "script_finished":
            self.finished += 1

    def clear(self) -> None:
        self.sent.clear()


def test_a_coverage_switch_reruns_only_its_results(chromium, app):
    with harness.planner(chromium, app, "fragments-coverage") as p:
        deltas = Deltas(p.page)
        p.open("coverage")
        p.map()
        assert deltas.sent and any(not f for f, _ in deltas.sent)  # a page run sends the whole page
        box = p.page.get_by_role("combobox", name="设施类别", exact=True).first
        for _ in range(2):  # two categories off, one after the other
            deltas.clear()
            box.click()
            box.press("Backspace")
            p.page.keyboard.press("Escape")
            p.idle()
            assert deltas.sent, "the switch sent nothing"
            outside = [k for f, k in deltas.sent if not f]
            assert not outside, f"elements outside the results fragment sent again: {outside}"
            assert len({f for f, _ in deltas.sent}) == 1
        deltas.clear()
        circle = p.page.get_by_role("combobox", name="生活圈", exact=True).first
        circle.click()
        p.page.get_by_role("option", name="十五分钟生活圈居住区（1000米）", exact=True).click()
        p.idle()
        assert deltas.sent and not [k for f, k in deltas.sent if not f]
        shown = circle.input_value() or circle.inner_text() or p.main_text()
        assert "十五分钟生活圈居住区（1000米）" in shown
        assert "学位与床位（供需）" in p.main_text()  # the section below the fragment is still there
        p.check_page()


LIVE_JS = """() => {
  const m = window.map, c = m.getContainer();
  const shown = (m._rpSets || []).filter(s => m.hasLayer(s.group));
  return {kept: window.__rpKept === 1, zoom: m.getZoom(),
          layers: Object.fromEntries(shown.map(s => [s.D.key, s.lay.getLayers().length])),
          width: Object.fromEntries(shown.filter(s => s.lay.getLayers().length).map(s => {
            const b = s.lay.getBounds(); return [s.D.key, b.getEast() - b.getWest()]; })),
          legends: c.querySelectorAll('.rp-legend').length,
          switches: c.querySelectorAll('.leaflet-control-layers').length,
          legend: (c.querySelector('.rp-legend') || {}).innerText || '',
          stale: (m._rpSets || []).length - shown.length};
}"""


def test_a_coverage_switch_swaps_the_layers_on_the_map_the_browser_has(chromium, app):
    """A category or circle switch sends the map's layers, layer control and legend again, not the map: the
    browser keeps its map (the planner's zoom stays) and swaps what is drawn on it, with one layer control
    and one legend, and no feature of a category switched off left on the map or in a click's list."""
    from layers.registry import (
        COVERAGE_CATCHMENTS_KEY,
        COVERAGE_FACILITIES_KEY,
        COVERAGE_GAPS_KEY,
        COVERAGE_MISSING_KEY,
    )

    with harness.planner(chromium, app, "fragments-live-map") as p:
        p.open("coverage")
        p.map()
        frame = p.map_frame()
        frame.evaluate(
            "() => { window.__rpKept = 1; window.map.setZoom(window.map.getZoom() + 1, {animate: false}); }"
        )
        before = frame.evaluate(LIVE_JS)
        assert before["legends"] == 1 and before["switches"] == 1, before
        assert COVERAGE_MISSING_KEY in before["layers"], before  # several categories: per cell, how many miss
        box = p.page.get_by_role("combobox", name="设施类别", exact=True).first
        counts = [before["layers"][COVERAGE_FACILITIES_KEY]]
        for _ in range(2):  # two categories off, one after the other
            box.click()
            box.press("Backspace")
            p.page.keyboard.press("Escape")
            p.idle()
            p.page.wait_for_timeout(300)  # the widget swaps the layers once the new arguments arrive
            now = p.map_frame().evaluate(LIVE_JS)
            assert now["kept"] and now["zoom"] == before["zoom"], now  # the same map, the planner's view
            assert now["legends"] == 1 and now["switches"] == 1 and now["stale"] == 0, now
            counts.append(now["layers"][COVERAGE_FACILITIES_KEY])
        assert counts[0] > counts[1] > counts[2] > 0, counts
        # one category left: covered against gap, not the count of categories out of reach
        assert COVERAGE_GAPS_KEY in now["layers"] and COVERAGE_MISSING_KEY not in now["layers"], now
        assert "服务缺口" in now["legend"] or "缺口" in now["legend"], now["legend"]
        circle = p.page.get_by_role("combobox", name="生活圈", exact=True).first
        circle.click()
        p.page.get_by_role("option", name="十五分钟生活圈居住区（1000米）", exact=True).click()
        p.idle()
        p.page.wait_for_timeout(300)
        after = p.map_frame().evaluate(LIVE_JS)
        assert after["kept"] and after["zoom"] == before["zoom"] and after["stale"] == 0, after
        # the widest circle: each remaining facility's catchment reaches further than before
        assert after["width"][COVERAGE_CATCHMENTS_KEY] > now["width"][COVERAGE_CATCHMENTS_KEY], (now, after)
        p.screenshot("coverage-live-switch")
        p.check_page()


def test_a_sites_row_or_map_click_reruns_only_the_table_map_and_card(chromium, app):
    from renewal.sites.query import bundled_sites

    sites = bundled_sites()
    with harness.planner(chromium, app, "fragments-sites") as p:
        deltas = Deltas(p.page)
        p.open("sites")
        # a map click on a point site in view (a click where several are opens a list: the next is tried)
        p.map()
        iframe = p.page.locator(harness.MAP_IFRAME).first
        iframe.scroll_into_view_if_needed()
        box = iframe.bounding_box()
        fold = p.page.viewport_size["height"]
        picked = None
        for _, row in sites[sites.geometry.geom_type == "Point"].iterrows():  # the first that selects alone
            x, y = p.map_point(row.geometry.y, row.geometry.x)
            inside = box["x"] + 60 < x < box["x"] + box["width"] - 60
            if not (inside and box["y"] + 60 < y < min(box["y"] + box["height"], fold) - 60):
                continue
            deltas.clear()
            p.page.mouse.click(x, y)
            p.idle()
            if f"site={row['site_id']}" in p.page.url:
                picked = row
                break
            p.page.keyboard.press("Escape")  # several features there: a list opened, not a selection
        assert picked is not None, "no point site in view selects with a click"
        row = picked
        p.page.get_by_role("heading", name=row["name"], exact=True).first.wait_for()  # the card
        outside = [k for f, k in deltas.sent if not f]
        assert deltas.sent and not outside, f"elements outside the fragment sent again: {outside}"
        # a row click: the second row (the first is the selected site)
        p.map()
        p.idle(settle_ms=800)  # the new table (a new key after the selection) settled
        grid = p.page.get_by_test_id("stDataFrame").first
        grid.scroll_into_view_if_needed()
        cells = grid.locator('[role="row"]').nth(2).locator('[role="gridcell"]').all_inner_texts()
        site = next(c for c in cells if c.startswith("RS-"))
        deltas.clear()
        b = grid.bounding_box()
        p.page.mouse.click(b["x"] + 12, b["y"] + 35 * 2 + 17)  # the second row's checkbox
        p.idle()
        assert f"site={site}" in p.page.url
        name = sites.set_index("site_id").at[site, "name"]
        p.page.get_by_role("heading", name=name, exact=True).first.wait_for()  # the card
        outside = [k for f, k in deltas.sent if not f]
        assert deltas.sent and not outside, f"elements outside the fragment sent again: {outside}"
        # the edit and add forms were not opened: a click re-sends none of their fields (issue 22)
        assert not [k for _, k in deltas.sent if k == "text_area"], deltas.sent  # 定位依据 of either form
        # opened, 修改此项目 is drawn; what the planner types stays when the panel is folded and opened again
        editor = p.page.locator('[data-testid="stExpander"]', has_text="修改此项目")
        editor.get_by_text("修改此项目（属性与图形）").click()
        p.idle()
        box = editor.get_by_role("textbox", name="名称", exact=True)
        box.fill("临时名称（未保存）")
        editor.get_by_text("修改此项目（属性与图形）").click()  # folded
        p.idle()
        editor.get_by_text("修改此项目（属性与图形）").click()  # opened again
        p.idle()
        assert box.input_value() == "临时名称（未保存）"
        # a filter: drawn by the fragment into the sidebar, it reruns the fragment only (the count under the
        # table and the downloads of the filtered sites, in the fragment too, follow)
        deltas.clear()
        box = p.page.get_by_role("combobox", name="类型", exact=True).first
        box.click()
        box.fill("老旧厂房")
        p.page.get_by_role("option", name="老旧厂房", exact=True).click()
        p.idle()
        outside = [k for f, k in deltas.sent if not f]
        assert deltas.sent and not outside, f"elements outside the fragment sent again: {outside}"
        assert f"共 {int((sites['site_type'] == '老旧厂房').sum())} 个项目" in p.main_text()
        p.check_page()


def test_a_sites_filter_or_selection_swaps_the_sites_on_the_map_the_browser_has(chromium, app, tmp_path):
    """更新项目's map is drawn live: a filter (the sidebar's 类型, then 搜索) sends the sites, control, legend and
    fit again, not the map, and the map shows exactly the sites the count under the table names, framed
    on them; a selection keeps the map too, and puts the selected site's shape (only it) in the drawing
    tools' group, to be reshaped."""
    from layers.maps import SITES_LAYER_KEY
    from renewal.sites.query import bundled_sites

    sites = bundled_sites()
    old = sites[sites["site_type"] == "老旧厂房"]
    with harness.planner(chromium, app, "fragments-live-sites") as p:
        p.open("sites")
        p.map()
        frame = p.map_frame()
        frame.evaluate("() => { window.__rpKept = 1; }")
        first = frame.evaluate(LIVE_JS)
        assert first["layers"][SITES_LAYER_KEY] == len(sites), first
        box = p.page.get_by_role("combobox", name="类型", exact=True).first
        box.click()
        box.fill("老旧厂房")
        p.page.get_by_role("option", name="老旧厂房", exact=True).click()
        p.page.keyboard.press("Escape")
        p.idle()
        assert f"共 {len(old)} 个项目" in p.main_text()
        p.page.wait_for_timeout(300)  # the widget swaps the layers once the new arguments arrive
        now = p.map_frame().evaluate(LIVE_JS)
        assert now["kept"] and now["legends"] == 1 and now["switches"] == 1 and now["stale"] == 0, now
        assert now["layers"][SITES_LAYER_KEY] == len(old), now
        # framed on them: the map's view holds every one of the filtered sites
        inside = p.map_frame().evaluate(
            "(pts) => pts.every(([y, x]) => window.map.getBounds().pad(0.01).contains([y, x]))",
            [[g.y, g.x] for g in old.geometry.representative_point()],
        )
        assert inside
        p.screenshot("sites-live-filter")
        # the downloads are of the filtered sites (drawn by the same fragment run as the filter)

        from renewal.sites import exchange

        p.page.get_by_role("button", name="下载筛选结果").click()  # the popover under the table
        p.page.get_by_text(f"当前筛选的 {len(old)} 个项目，每种格式一个文件。").wait_for()
        for fmt, (_suffix, _mime, title) in exchange.FORMATS.items():  # every file, opened
            got = exchange.read_export(p.download(title, tmp_path, exact=True), fmt)
            assert sorted(got["site_id"]) == sorted(old["site_id"]), (fmt, got["site_id"].tolist())
        p.page.keyboard.press("Escape")
        # a search narrows it further on the same map
        one = old.iloc[0]
        p.page.get_by_role("textbox", name="搜索（名称、编号、类型、片区、规划原文）").fill(one["site_id"])
        p.page.keyboard.press("Enter")
        p.idle()
        assert "共 1 个项目" in p.main_text()
        p.page.wait_for_timeout(300)
        now = p.map_frame().evaluate(LIVE_JS)
        assert now["kept"] and now["layers"][SITES_LAYER_KEY] == 1 and now["stale"] == 0, now
        # a selection: the same map, the site's shape in the drawing tools' group
        edit_js = "() => (window.map._rpEditShown || []).map(l => l.getLatLngs ? 'shape' : 'point')"
        assert p.map_frame().evaluate(edit_js) == []
        grid = p.page.get_by_test_id("stDataFrame").first
        grid.scroll_into_view_if_needed()
        b = grid.bounding_box()
        p.page.mouse.click(b["x"] + 12, b["y"] + 35 + 17)  # the first row's checkbox
        p.idle()
        assert f"site={one['site_id']}" in p.page.url
        p.page.get_by_role("heading", name=one["name"], exact=True).first.wait_for()  # the card
        p.page.wait_for_timeout(300)
        after = p.map_frame().evaluate(LIVE_JS)
        assert after["kept"] and after["layers"][SITES_LAYER_KEY] == 1 and after["stale"] == 0, after
        kind = "point" if one.geometry.geom_type == "Point" else "shape"
        assert p.map_frame().evaluate(edit_js) == [kind]
        # reshaping it (here: moved by script, as a drag with the edit tool moves it), then a filter that keeps
        # the selection: the planner's reshaped shape stays on the map (it is what the page will be sent)
        moved = p.map_frame().evaluate(
            """() => { const l = window.map._rpEditShown[0];
                 if (l.getLatLng) { const a = l.getLatLng(); l.setLatLng([a.lat + 0.001, a.lng]); return l.getLatLng().lat; }
                 const r = l.getLatLngs()[0]; r[0] = L.latLng(r[0].lat + 0.001, r[0].lng); l.setLatLngs([r]);
                 return l.getLatLngs()[0][0].lat; }"""
        )
        p.page.get_by_role("textbox", name="搜索（名称、编号、类型、片区、规划原文）").fill("")
        p.page.keyboard.press("Enter")
        p.idle()
        assert f"共 {len(old)} 个项目" in p.main_text() and f"site={one['site_id']}" in p.page.url
        p.page.wait_for_timeout(300)
        again = p.map_frame().evaluate(LIVE_JS)
        assert again["kept"] and again["layers"][SITES_LAYER_KEY] == len(old), again
        now_at = p.map_frame().evaluate(
            """() => { const l = window.map._rpEditShown[0];
                 return l.getLatLng ? l.getLatLng().lat : l.getLatLngs()[0][0].lat; }"""
        )
        assert now_at == moved
        p.check_page()


#: In the map's frame: record when the widget sends a value to the page and when the planner clicks.
SEND_RECORDER_JS = """() => {
  const S = window.Streamlit, send = S.setComponentValue;
  window.__sends = []; window.__clickAt = null;
  document.addEventListener('click', () => { window.__clickAt = performance.now(); }, true);
  S.setComponentValue = function(v) { window.__sends.push(performance.now()); return send.apply(this, arguments); };
}"""


def test_a_click_on_a_site_reaches_the_page_without_the_widgets_debounce(chromium, app):
    """streamlit_folium sends a map interaction 250 ms after the last one (meant for panning); a click on a
    site is sent at once (``rpInstantClicks``), and the page selects it and shows its card."""
    from renewal.sites.query import bundled_sites

    sites = bundled_sites()
    with harness.planner(chromium, app, "instant-click") as p:
        p.open("sites")
        p.map()
        box = p.page.locator(harness.MAP_IFRAME).first.bounding_box()
        fold = p.page.viewport_size["height"]
        for _, row in sites[sites.geometry.geom_type == "Point"].iterrows():  # the first that selects alone
            x, y = p.map_point(row.geometry.y, row.geometry.x)
            box = p.page.locator(harness.MAP_IFRAME).first.bounding_box()
            inside = box["x"] + 60 < x < box["x"] + box["width"] - 60
            if not (inside and box["y"] + 60 < y < min(box["y"] + box["height"], fold) - 60):
                continue
            frame = p.map_frame()
            frame.evaluate(SEND_RECORDER_JS)
            p.page.mouse.click(x, y)
            frame.wait_for_function("window.__sends.length > 0", timeout=5000)
            delay, ours = frame.evaluate("[window.__sends[0] - window.__clickAt, window.rpInstantSent || 0]")
            p.idle()
            if f"site={row['site_id']}" in p.page.url:
                break
            p.page.keyboard.press("Escape")  # several features there: a list opened, not a selection
        else:
            raise AssertionError("no point site in view selects with a click")
        assert ours >= 1, "the click was sent by the widget's debounced update, not at once"
        assert 0 <= delay < 250, f"the click reached the page {delay:.0f} ms after it (debounce: 250 ms)"
        p.page.get_by_role("heading", name=row["name"], exact=True).first.wait_for()  # the card
        p.check_page()
