"""End to end in headless Chromium, with no internet: every request to a host other
than the app's is blocked (and recorded). The home page's Leaflet map and its layers
must appear from the app's own files, with no Streamlit exception and no failed
request to the app. A second test opens the standalone export (python -m renewal
export-map) from disk, every network request blocked.

Uses Debian's Chromium (/usr/bin/chromium, installed by .ci/run) through Playwright.
Skipped only where no Chromium is installed; with RENEWAL_REQUIRE_BROWSER=1 (set by
.ci/run) a missing browser is a failure instead.
"""

from __future__ import annotations

import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

from layers.maps import SITES_LAYER_KEY
from layers.registry import GROUPS, JINMAO_MAP_KEYS, LAYOUT_MAP_KEYS, REGISTRY
from tests.e2e import harness

ROOT = Path(__file__).resolve().parent.parent
APP_HOSTS = {"127.0.0.1", "localhost"}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]
#: Give-up limit (not an assertion about speed): a page on a slow CI machine.
PAGE_LIMIT_MS = 120_000

pytestmark = pytest.mark.browser


def expected_layer_names(keys: tuple[str, ...] = LAYOUT_MAP_KEYS) -> list[str]:
    """A map's layers, as the layer control titles them (default: the home page's layout map)."""
    return [REGISTRY[k].title_zh for k in keys]


#: The home map also draws the renewal sites of the (here: fresh) workspace.
HOME_KEYS = (*LAYOUT_MAP_KEYS, *((SITES_LAYER_KEY,) if SITES_LAYER_KEY in REGISTRY else ()))
#: (url path, layer keys) of the pages with a map; "" is the home page at "/".
SITES_KEYS = ("district", "haihe", "metro_lines", "metro_stations", SITES_LAYER_KEY)
MAP_PAGES = [("", HOME_KEYS), ("jinmao", JINMAO_MAP_KEYS), ("sites", SITES_KEYS)]


def tile_hosts() -> set[str]:
    """Every host a basemap's tiles may come from (subdomains expanded)."""
    from layers.basemaps import BASEMAPS

    hosts = set()
    for b in BASEMAPS.values():
        for template in b.tiles:
            for sub in b.subdomains or " ":
                hosts.add(urlparse(template.replace("{s}", sub)).hostname)
    return hosts


# The server's start, health wait and stop are the journey harness's (one implementation).
serve_app = harness.serve_app
_server_log = harness.log_tail


@pytest.fixture(scope="module")
def app(chromium_path, tmp_path_factory):
    """One server for the page tests of this module."""
    with serve_app(tmp_path_factory.mktemp("app")) as served:
        yield served


def _is_local_file(url: str) -> bool:
    """Requests a page opened from disk may make: its own file and inline data."""
    return urlparse(url).scheme in ("file", "data", "blob")


@contextmanager
def offline_browser(chromium_path: str, profile: Path, allow):
    """A fresh Chromium profile whose every request for which ``allow(url)`` is false is
    aborted. Yields (context, blocked, failed, bad_status)."""
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []
    failed: list[str] = []
    bad_status: list[str] = []
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=chromium_path,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
            service_workers="block",
        )
        try:

            def route(r):
                if allow(r.request.url):
                    r.continue_()
                else:
                    blocked.append(r.request.url)
                    r.abort("internetdisconnected")

            context.route("**/*", route)
            context.on("requestfailed", lambda req: failed.append(f"{req.url} ({req.failure})"))
            context.on(
                "response", lambda resp: resp.status >= 400 and bad_status.append(f"{resp.status} {resp.url}")
            )
            yield context, blocked, failed, bad_status
        finally:
            context.close()


def _is_app(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in ("data", "blob") or parsed.hostname in APP_HOSTS


@contextmanager
def screenshot_on_failure(page, path: Path, context=lambda: ""):
    """On failure: a screenshot to ``path`` and ``context()`` (requests, server log) in the message."""
    try:
        yield
    except BaseException as exc:
        try:
            page.screenshot(path=str(path), full_page=True)
            note = f"screenshot: {path}"
        except Exception as shot_exc:  # noqa: BLE001 - the original failure matters more
            note = f"(no screenshot: {shot_exc})"
        raise AssertionError(f"{exc}\n{note}\n{context()}") from exc


def layer_control_text(control, expanded) -> str:
    """The layer names a planner sees in the layer control (hovering expands a collapsed one)."""
    control.hover()
    expanded.wait_for(state="visible", timeout=PAGE_LIMIT_MS)
    return control.inner_text()


@pytest.mark.parametrize("path, keys", MAP_PAGES, ids=["home", "jinmao", "sites"])
def test_page_map_renders_offline(chromium_path, app, tmp_path, path, keys):
    expected = expected_layer_names(keys)
    assert expected, "the map has layers"
    with offline_browser(chromium_path, tmp_path / "profile", _is_app) as (context, blocked, failed, bad):
        page = context.new_page()
        served: list[str] = []
        page.on("response", lambda r: r.ok and "/app/static/vendor/" in r.url and served.append(r.url))
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))

        def context_note() -> str:
            return (
                f"failed requests: {failed}\nerror responses: {bad}\nblocked: {blocked[:20]}\n"
                f"served vendor files: {served}\nstreamlit log (tail):\n{_server_log(app.log)}"
            )

        with screenshot_on_failure(page, tmp_path / f"e2e-{path or 'home'}-failure.png", context_note):
            page.goto(app.url + path, wait_until="domcontentloaded", timeout=PAGE_LIMIT_MS)
            frame = page.frame_locator('iframe[src*="streamlit_folium"]').first
            frame.locator(".leaflet-container").wait_for(state="visible", timeout=PAGE_LIMIT_MS)
            control = frame.locator(".leaflet-control-layers")
            control.wait_for(state="visible", timeout=PAGE_LIMIT_MS)
            page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
                timeout=PAGE_LIMIT_MS
            )

            names = layer_control_text(control, frame.locator(".leaflet-control-layers-expanded"))
            missing = [n for n in expected if n not in names]
            assert not missing, f"layers missing from the layer control: {missing}\n{names}"
            groups = {REGISTRY[k].group for k in keys} & set(GROUPS)
            assert all(g in names.split() for g in groups), (groups, names)
            # layers are drawn (SVG paths of the GeoJSON layers) and Leaflet's CSS is applied
            assert frame.locator(".leaflet-overlay-pane path").count() > 0
            assert (
                frame.locator(".leaflet-pane").first.evaluate("e => getComputedStyle(e).position")
                == "absolute"
            )
            assert page.locator('[data-testid="stException"]').count() == 0, page.locator(
                '[data-testid="stException"]'
            ).first.inner_text()
            assert not errors, f"script errors: {errors}"

            app_failures = [f for f in failed if _is_app(f.split(" ", 1)[0])]
            assert not app_failures, f"requests to the app failed: {app_failures}"
            # Opening /<page> directly, Streamlit's frontend first probes /<page>/_stcore/...
            # for a base path and falls back to /_stcore/... on 404: expected, not a failure.
            probes = (
                {f"404 {app.url}{path}/_stcore/{e}" for e in ("health", "host-config")} if path else set()
            )
            assert not [b for b in bad if b not in probes], f"error responses: {bad}"
            # Leaflet and the plugins came from the app's own static files: the scripts as one file (one
            # round trip before the map is drawn), the stylesheets beside their images
            scripts = [u for u in served if "/app/static/vendor/_bundle/" in u]
            assert len(scripts) == 1 and [u for u in served if u.endswith(".js")] == scripts, served
            for lib in ("leaflet-1.9.3", "leaflet-groupedlayercontrol-", "leaflet-fullscreen-"):
                assert lib in scripts[0], (lib, served)
            for css in ("leaflet/leaflet.css", "leaflet-groupedlayercontrol/", "leaflet-fullscreen/"):
                assert any(f"/app/static/vendor/{css}" in u for u in served), (css, served)
            # the only requests that may leave the app are basemap tiles (default basemap: none)
            assert not [u for u in blocked if urlparse(u).hostname not in tile_hosts()], blocked


def test_vendored_plugins_work_with_the_bundled_leaflet(chromium_path, tmp_path):
    """Every plugin in layers/assets.py runs on Leaflet 1.9.3 from one offline file: its
    control appears, no script error, and no request leaves the file."""
    import folium
    from folium.plugins import Draw, Fullscreen, GroupedLayerControl, MeasureControl

    from layers import assets

    m = folium.Map(location=[39.12, 117.25], zoom_start=13, tiles=None)
    fg = folium.FeatureGroup(name="测试图层").add_to(m)
    folium.CircleMarker([39.12, 117.25], radius=6).add_to(fg)
    folium.Marker([39.125, 117.255]).add_to(fg)  # Leaflet's default icon, from a data: URI
    Draw().add_to(m)
    Fullscreen().add_to(m)
    MeasureControl().add_to(m)
    GroupedLayerControl({"组": [fg]}, exclusive_groups=False).add_to(m)
    out = tmp_path / "plugins.html"
    out.write_text(assets.standalone_html(m), encoding="utf-8")

    with offline_browser(chromium_path, tmp_path / "profile", _is_local_file) as (
        context,
        blocked,
        failed,
        bad,
    ):
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        with screenshot_on_failure(page, tmp_path / "e2e-plugins-failure.png"):
            page.goto(out.as_uri(), wait_until="load", timeout=PAGE_LIMIT_MS)
            for selector in (
                ".leaflet-draw-toolbar",
                ".leaflet-control-layers",
                ".leaflet-control-zoom-fullscreen",
                ".leaflet-control-measure",
            ):
                page.locator(selector).first.wait_for(state="visible", timeout=PAGE_LIMIT_MS)
            icon = page.locator(".leaflet-marker-icon").first
            icon.wait_for(state="visible", timeout=PAGE_LIMIT_MS)
            assert icon.evaluate("e => e.complete && e.naturalWidth") > 0  # the image decoded
            sprite = page.locator(".leaflet-draw-toolbar a").first.evaluate(
                "e => getComputedStyle(e).backgroundImage"
            )
            assert 'url("data:image/svg+xml' in sprite, sprite[:200]  # leaflet.draw's spritesheet, inline
            assert not errors, errors
            assert not blocked and not failed and not bad, (blocked, failed, bad)


def test_standalone_export_opens_from_disk_with_no_network(chromium_path, tmp_path):
    out = tmp_path / "layout.html"
    proc = subprocess.run(
        [sys.executable, "-m", "renewal", "export-map", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    expected = expected_layer_names()

    with offline_browser(chromium_path, tmp_path / "profile", _is_local_file) as (
        context,
        blocked,
        failed,
        bad,
    ):
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        with screenshot_on_failure(page, tmp_path / "e2e-export-failure.png"):
            page.goto(out.as_uri(), wait_until="load", timeout=PAGE_LIMIT_MS)
            page.locator(".leaflet-container").wait_for(state="visible", timeout=PAGE_LIMIT_MS)
            control = page.locator(".leaflet-control-layers")
            control.wait_for(state="visible", timeout=PAGE_LIMIT_MS)
            names = layer_control_text(control, page.locator(".leaflet-control-layers-expanded"))
            assert not [n for n in expected if n not in names], names
            assert page.locator(".leaflet-overlay-pane path").count() > 0
            assert not errors, errors
            assert not blocked, f"the standalone file tried to load: {blocked}"
            assert not failed and not bad, (failed, bad)


def test_deep_link_as_first_request_gets_the_app_navigation(chromium_path, tmp_path):
    """The first request to a fresh server is a deep link (a planner's bookmark after a
    restart): the page must run inside the app's navigation (Chinese page titles, no
    legacy file-name pages such as "app" or "ui")."""
    with (
        serve_app(tmp_path / "server") as served,
        offline_browser(chromium_path, tmp_path / "profile", _is_app) as (context, blocked, failed, bad),
    ):
        page = context.new_page()
        page.goto(served.url + "sites", timeout=PAGE_LIMIT_MS)
        nav = page.locator('[data-testid="stSidebarNav"]')
        nav.wait_for(timeout=PAGE_LIMIT_MS)
        page.get_by_text("城市更新项目").first.wait_for(timeout=PAGE_LIMIT_MS)
        links = nav.inner_text()
        for title in ("总体布局", "金贸产业园", "更新项目"):
            assert title in links, links
        for legacy in ("app", "ui", "sites"):
            assert legacy not in links.split(), links
        assert page.locator('[data-testid="stException"]').count() == 0


def test_layer_script_labels_and_popups_escape_data_and_do_not_overlap(chromium_path, tmp_path):
    """The per-layer script: hostile names stay text (label, tooltip, popup built on
    click), the clicked feature carries its layer key and id for st_folium, the
    caveat is in the popup, and crowded labels are placed without overlaps."""
    import geopandas as gpd
    from shapely.geometry import Point

    import geodata
    from layers.assets import standalone_html
    from layers.render import add_layer, new_map

    hostile = "<img src=x onerror=alert(1)>"
    spec = REGISTRY["business_districts"]
    base = {"category": "测试", "plan_clause": "条款", "plan_text": "原文", "status": "planned"}
    rows = [{**base, "name": hostile if i == 0 else f"标注{i}", "fid": f"F{i}"} for i in range(400)]
    pts = [Point(117.20 + (i % 20) * 0.003, 39.10 + (i // 20) * 0.002) for i in range(400)]
    m = new_map("none", bounds=(117.19, 39.09, 117.27, 39.15))
    add_layer(m, spec, gpd.GeoDataFrame(rows, geometry=pts, crs=4326), labels=True, id_field="fid")
    out = tmp_path / "labels.html"
    out.write_text(standalone_html(m), encoding="utf-8")
    with offline_browser(chromium_path, tmp_path / "profile", _is_local_file) as (
        context,
        blocked,
        failed,
        bad,
    ):
        page = context.new_page()
        page.set_viewport_size({"width": 1920, "height": 1080})
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(out.as_uri(), wait_until="load", timeout=PAGE_LIMIT_MS)
        page.locator(".rp-label").first.wait_for(timeout=PAGE_LIMIT_MS)
        page.wait_for_timeout(200)
        labels, overlaps = page.evaluate(
            """() => { const r = [...document.querySelectorAll('.rp-label')].map(e => e.getBoundingClientRect());
            let n = 0; for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++) {
              const a = r[i], b = r[j];
              if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) n++; }
            return [[...document.querySelectorAll('.rp-label')].map(e => e.textContent), n]; }"""
        )
        assert 0 < len(labels) < 400 and overlaps == 0  # crowded: some hidden, none overlapping
        clicked = page.evaluate(
            """() => { const m = Object.values(window).find(v => v instanceof L.Map); let out = null;
            m.eachLayer(l => { if (!out && l.feature && l.feature.properties._id === 'F0') {
              l.openPopup(); const g = l.toGeoJSON();
              out = [g.properties._layer, g.properties._id,
                     document.querySelector('.leaflet-popup-content .rp-title').textContent,
                     document.querySelector('.leaflet-popup-content').textContent]; } });
            return out; }"""
        )
        assert clicked[:3] == [spec.key, "F0", hostile + "位置示意"] or clicked[:3] == [
            spec.key,
            "F0",
            hostile,
        ]
        assert geodata.meta(spec.source).caveat_zh in clicked[3]
        if hostile in labels:  # shown, as text
            assert page.locator(".rp-label img").count() == 0
        assert page.locator("img[src='x']").count() == 0 and not dialogs and not errors
        assert not blocked and not failed and not bad


def test_tile_basemap_offline_shows_a_chinese_note_and_the_layers(chromium_path, tmp_path):
    """With no internet, a map on the OpenStreetMap basemap says 离线，底图不可用 instead of staying grey,
    and the plan layers still draw."""
    from layers.render import OFFLINE_NOTE_ZH

    out = tmp_path / "osm.html"
    proc = subprocess.run(
        [sys.executable, "-m", "renewal", "export-map", "--basemap", "osm", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    with offline_browser(chromium_path, tmp_path / "profile", _is_local_file) as (context, blocked, _f, _b):
        page = context.new_page()
        with screenshot_on_failure(page, tmp_path / "e2e-offline-note-failure.png"):
            page.goto(out.as_uri(), wait_until="load", timeout=PAGE_LIMIT_MS)
            note = page.locator(".rp-offline")
            note.wait_for(state="visible", timeout=PAGE_LIMIT_MS)
            assert note.inner_text() == OFFLINE_NOTE_ZH
            assert page.locator(".leaflet-overlay-pane path").count() > 0
            assert any(
                "tile.openstreetmap.org" in u for u in blocked
            )  # the tiles were asked for, and refused


def test_point_site_being_edited_shows_its_marker_image(chromium_path, app, tmp_path):
    """With a point site selected on 更新项目 (editing allowed), the draw control's marker is a real image,
    not a broken one (the widget's frame cannot find Leaflet's default marker images by itself)."""
    with offline_browser(chromium_path, tmp_path / "profile", _is_app) as (context, *_):
        page = context.new_page()
        with screenshot_on_failure(page, tmp_path / "e2e-marker-failure.png"):
            page.goto(app.url + "sites?site=RS-021", wait_until="domcontentloaded", timeout=PAGE_LIMIT_MS)
            page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
                timeout=PAGE_LIMIT_MS
            )
            frame = next(f for f in _wait_for_map_frames(page) if f.locator(".leaflet-draw").count())
            marker = frame.locator("img.leaflet-marker-icon").first
            marker.wait_for(timeout=PAGE_LIMIT_MS)
            frame.wait_for_function(
                "() => [...document.querySelectorAll('img.leaflet-marker-icon')].every(i => i.complete)",
                timeout=PAGE_LIMIT_MS,
            )
            assert marker.evaluate("img => img.naturalWidth") > 0
            assert marker.get_attribute("src").startswith("data:image/png")


def _wait_for_map_frames(page):
    deadline = time.monotonic() + PAGE_LIMIT_MS / 1000
    while time.monotonic() < deadline:
        frames = [f for f in page.frames if f.locator(".leaflet-container").count()]
        if frames:
            return frames
        time.sleep(0.5)
    raise AssertionError("no map frame")
