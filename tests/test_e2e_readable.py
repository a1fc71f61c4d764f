"""Readable interactive maps in headless Chromium (issue 9): Chinese controls, a metric-only
scale bar, points clickable over their whole symbol, a legend that folds on small maps and
lists only the layers switched on. The layout map's standalone HTML is opened from disk with
every network request blocked (helpers from tests/test_e2e_browser.py)."""

from __future__ import annotations

import re

import pytest

from layers import assets
from layers.maps import layout_map
from layers.registry import REGISTRY
from tests.test_e2e_browser import PAGE_LIMIT_MS, _is_local_file, offline_browser

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def layout_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("readable") / "layout.html"
    path.write_text(assets.standalone_html(layout_map()), encoding="utf-8")
    return path


def _open(context, path, width: int, height: int = 900):
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": height})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri(), wait_until="load", timeout=PAGE_LIMIT_MS)
    page.locator(".rp-legend").wait_for(state="visible", timeout=PAGE_LIMIT_MS)
    page.wait_for_timeout(700)
    return page, errors


def test_controls_are_chinese_and_scale_is_metric(chromium_path, layout_file, tmp_path):
    with offline_browser(chromium_path, tmp_path / "p", _is_local_file) as (context, *_):
        page, errors = _open(context, layout_file, 1600)
        assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "放大"
        assert page.locator(".leaflet-control-zoom-out").get_attribute("title") == "缩小"
        assert page.locator(".leaflet-control-layers-toggle").first.get_attribute("title") == "图层"
        scale = page.locator(".leaflet-control-scale-line")
        assert scale.count() == 1
        assert scale.first.inner_text().strip().endswith(("m", "km"))
        assert not errors, errors


def test_every_point_takes_a_click_at_its_centre(chromium_path, layout_file, tmp_path):
    with offline_browser(chromium_path, tmp_path / "p", _is_local_file) as (context, *_):
        page, errors = _open(context, layout_file, 1600)
        hits = page.evaluate(
            """() => {
              const paths = [...document.querySelectorAll('.leaflet-rp-points-pane path')];
              return paths.map(p => { const b = p.getBoundingClientRect();
                const x = b.left + b.width / 2, y = b.top + b.height / 2;
                if (!b.width || x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) { return 'off'; }
                const e = document.elementFromPoint(x, y);
                if (e === p) { return 'self'; }
                if (e && e.closest('.leaflet-control')) { return 'control'; }
                if (e && e.closest('.leaflet-rp-points-pane')) { return 'point'; }
                return 'other'; });
            }"""
        )
        # a point's centre goes to the point itself; only a control or another point may cover it
        assert hits.count("self") >= 20, hits
        assert "other" not in hits, hits
        assert not errors, errors


def test_legend_folds_on_small_maps_and_follows_the_layer_switches(chromium_path, layout_file, tmp_path):
    with offline_browser(chromium_path, tmp_path / "p", _is_local_file) as (context, *_):
        small, _ = _open(context, layout_file, 600)
        assert small.evaluate("document.querySelector('.rp-legend details').open") is False
        page, errors = _open(context, layout_file, 1600)
        assert page.evaluate("document.querySelector('.rp-legend details').open") is True
        row = page.locator('.rp-legend [data-layer="jinmao_park"]')
        assert row.is_visible()
        page.locator(".leaflet-control-layers").first.hover()
        title = REGISTRY["jinmao_park"].title_zh
        label = page.locator(".leaflet-control-layers-overlays label").filter(
            has_text=re.compile(rf"^\s*{re.escape(title)}\s*$")
        )
        label.locator("input").uncheck()
        page.wait_for_timeout(200)
        assert not row.is_visible()
        label.locator("input").check()
        page.wait_for_timeout(200)
        assert row.is_visible()
        assert not errors, errors


def test_a_layer_group_switches_off_and_on_as_a_whole(chromium_path, layout_file, tmp_path):
    with offline_browser(chromium_path, tmp_path / "p", _is_local_file) as (context, *_):
        page, errors = _open(context, layout_file, 1600)
        section = page.locator('.rp-legend [data-legend-group="一园"]')
        assert section.is_visible()
        page.locator(".leaflet-control-layers").first.hover()
        group = page.locator(".leaflet-control-layers-group-label").filter(has_text="一园").locator("input")
        overlays = "label:has(input.leaflet-control-layers-selector)"
        before = page.locator(overlays).evaluate_all(
            "ls => ls.filter(l => l.querySelector('input').checked).length"
        )
        group.uncheck()
        page.wait_for_timeout(300)
        after = page.locator(overlays).evaluate_all(
            "ls => ls.filter(l => l.querySelector('input').checked).length"
        )
        assert after < before - 1  # every layer of the group, not one
        assert not section.is_visible()  # and its legend section goes with it
        group.check()
        page.wait_for_timeout(300)
        assert section.is_visible()
        assert not errors, errors
