"""Headless Chromium: /coverage after an import-osm shows the catchment and gap layers
(offline: every request to another host is blocked). Uses the helpers of test_e2e_browser."""

from __future__ import annotations

import pytest

from cli.main import main
from layers.registry import COVERAGE_CATCHMENTS_KEY, COVERAGE_FACILITIES_KEY, COVERAGE_MISSING_KEY, REGISTRY
from tests.test_e2e_browser import (
    PAGE_LIMIT_MS,
    _is_app,
    _server_log,
    layer_control_text,
    offline_browser,
    screenshot_on_failure,
    serve_app,
)
from tests.test_import_osm import write_extract

pytestmark = pytest.mark.browser


def test_coverage_page_after_import_shows_catchments_and_gaps(chromium_path, tmp_path):  # noqa: F811
    with serve_app(tmp_path / "app") as app:
        ws = tmp_path / "app" / "workspace"
        assert main(["--workspace", str(ws), "import-osm", str(write_extract(tmp_path / "t.osm.pbf"))]) == 0
        with offline_browser(chromium_path, tmp_path / "profile", _is_app) as (context, blocked, failed, bad):
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            note = lambda: f"failed: {failed}\nbad: {bad}\nlog:\n{_server_log(app.log)}"  # noqa: E731
            with screenshot_on_failure(page, tmp_path / "e2e-coverage-failure.png", note):
                page.goto(app.url + "coverage", wait_until="domcontentloaded", timeout=PAGE_LIMIT_MS)
                page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
                    timeout=PAGE_LIMIT_MS
                )
                frame = page.frame_locator('iframe[src*="streamlit_folium"]').first
                frame.locator(".leaflet-container").wait_for(state="visible", timeout=PAGE_LIMIT_MS)
                control = frame.locator(".leaflet-control-layers")
                control.wait_for(state="visible", timeout=PAGE_LIMIT_MS)
                names = layer_control_text(control, frame.locator(".leaflet-control-layers-expanded"))
                for key in (COVERAGE_CATCHMENTS_KEY, COVERAGE_MISSING_KEY, COVERAGE_FACILITIES_KEY):
                    assert REGISTRY[key].title_zh in names, (key, names)
                assert frame.locator(".leaflet-overlay-pane path").count() > 10
                body = page.locator('[data-testid="stMain"]').inner_text()
                assert "OpenStreetMap" in body and "现状设施未加载" not in body
                assert page.locator('[data-testid="stException"]').count() == 0
                assert not errors, errors


def test_coverage_page_with_uploaded_zones_and_population(chromium_path, tmp_path):  # noqa: F811
    """Zones and population polygons uploaded on the page: zone table, shortfall list, census check."""
    import geopandas as gpd
    import shapely

    import geodata

    d = geodata.load("district").geometry.iloc[0]
    x0, y0, x1, y1 = d.bounds
    xm = (x0 + x1) / 2
    halves = [shapely.box(x0, y0, xm, y1).intersection(d), shapely.box(xm, y0, x1, y1).intersection(d)]
    zones = tmp_path / "zones.geojson"
    # 2 million people: more than twice the 2020 census (858,787), so the page must warn
    gpd.GeoDataFrame(
        {"名称": ["西片", "东片"], "人口": [1_000_000, 1_000_000]}, geometry=halves, crs=4326
    ).to_file(zones)
    with serve_app(tmp_path / "app") as app:
        with offline_browser(chromium_path, tmp_path / "profile", _is_app) as (
            context,
            _blocked,
            failed,
            bad,
        ):
            page = context.new_page()
            note = lambda: f"failed: {failed}\nbad: {bad}\nlog:\n{_server_log(app.log)}"  # noqa: E731
            with screenshot_on_failure(page, tmp_path / "e2e-coverage-zones-failure.png", note):
                page.goto(app.url + "coverage", wait_until="domcontentloaded", timeout=PAGE_LIMIT_MS)
                idle = page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
                idle.wait_for(timeout=PAGE_LIMIT_MS)
                page.get_by_text("人口与分区（可选）").click()
                panel = page.locator('[data-testid="stExpander"]').filter(has_text="分区面（街道/社区")
                uploaders = panel.locator('[data-testid="stFileUploaderDropzoneInput"]')
                uploaders.nth(1).wait_for(
                    state="attached", timeout=PAGE_LIMIT_MS
                )  # the expander's content is drawn once it is opened
                assert uploaders.count() == 2  # population, zones
                for i in (1, 0):  # zones, then population (the same polygons, field 人口)
                    uploaders.nth(i).set_input_files(str(zones))
                    page.get_by_text("分区名称字段" if i == 1 else "人口字段", exact=True).first.wait_for(
                        timeout=PAGE_LIMIT_MS
                    )
                    idle.wait_for(timeout=PAGE_LIMIT_MS)
                page.get_by_text("导入人口合计").first.wait_for(timeout=PAGE_LIMIT_MS)
                body = page.locator('[data-testid="stMain"]').inner_text()
                assert "分区覆盖" in body and "未达标分区" in body and "西片" in body
                assert "2,000,000" in body and "858,787" in body  # the census check
                assert page.locator('[data-testid="stException"]').count() == 0
