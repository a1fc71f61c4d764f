"""Offline web assets (layers/assets.py): every script and stylesheet of a map comes from
the app (served) or from the HTML itself (inline); nothing from a CDN."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import branca.colormap
import folium
import pytest
from folium.plugins import Draw, Fullscreen, GroupedLayerControl, MeasureControl, MousePosition

from layers import assets
from layers.basemaps import BASEMAPS
from layers.maps import jinmao_map, layout_map

ROOT = Path(__file__).resolve().parent.parent
URL = re.compile(r"""(?:https?:)?//[^\s"'<>()\\]+""")
SRC_HREF = re.compile(r"""<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)\"""")


def _plugin_map(tiles: str | None = None) -> folium.Map:
    """A map with every plugin our maps use, markers as we draw them, and optional tiles."""
    m = folium.Map(location=[39.12, 117.25], zoom_start=13, tiles=None)
    if tiles:
        folium.TileLayer(tiles=tiles, attr="test tiles").add_to(m)
    a = folium.FeatureGroup(name="甲图层").add_to(m)
    b = folium.FeatureGroup(name="乙图层").add_to(m)
    folium.CircleMarker([39.12, 117.25], radius=5).add_to(a)
    folium.Marker([39.13, 117.26], icon=folium.DivIcon(html="<b>标注</b>")).add_to(b)
    folium.GeoJson({"type": "FeatureCollection", "features": []}).add_to(b)
    Draw().add_to(m)
    Fullscreen().add_to(m)
    GroupedLayerControl({"规划": [a, b]}, exclusive_groups=False).add_to(m)
    return m


def _tile_templates(html_text: str) -> set[str]:
    return {u for u in URL.findall(html_text) if "{z}" in u or "{x}" in u}


@pytest.fixture(scope="module")
def static_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("static")
    assets.ensure_static(root)
    return root


# --------------------------------------------------------------------------
# served mode
# --------------------------------------------------------------------------


def test_folium_defaults_point_at_cdns_so_localizing_is_needed():
    # The premise of this module: unlocalized, folium loads from CDNs.
    html_text = _plugin_map().get_root().render()
    assert any(u.startswith("https://cdn.jsdelivr.net/npm/leaflet@") for u in SRC_HREF.findall(html_text))


def test_served_map_loads_nothing_but_local_files_and_tiles():
    tiles = BASEMAPS["osm"].tiles[0]
    m = assets.localize(_plugin_map(tiles), mode="served")
    html_text = m.get_root().render()
    loads = SRC_HREF.findall(html_text)
    assert loads, "expected script/link tags for the local assets"
    assert all(u.startswith(assets.DEFAULT_BASE_URL + "/") for u in loads), loads
    # the only URLs left anywhere in the page are the tile template(s)
    assert set(URL.findall(html_text)) == {tiles}


def test_served_urls_exist_after_ensure_static(static_root):
    m = assets.localize(_plugin_map(), mode="served", base_url="/app/static/vendor")
    loads = SRC_HREF.findall(m.get_root().render())
    names = {u.split("/")[4] for u in loads}
    assert {"leaflet", "leaflet-draw", "leaflet-groupedlayercontrol", "leaflet-fullscreen"} <= names
    for url in loads:
        rel = url[len("/app/static/") :]
        assert (static_root / rel).is_file(), url


def test_css_images_resolve_next_to_served_stylesheets(static_root):
    vendor = static_root / "vendor"
    for lib in assets.LIBRARIES:
        for css in lib.css:
            path = vendor / lib.name / css
            for target in re.findall(r"""url\(\s*['"]?([^'")]+)""", path.read_text(encoding="utf-8")):
                if target.startswith(("#", "data:")):
                    continue
                assert (path.parent / target).is_file(), f"{lib.name}/{css} -> {target}"


def test_ensure_static_is_idempotent_and_repairs_changed_files(tmp_path):
    vendor = assets.ensure_static(tmp_path)
    leaflet_js = vendor / "leaflet" / "leaflet.js"
    mtime = leaflet_js.stat().st_mtime_ns
    assert assets.ensure_static(tmp_path) == vendor
    assert leaflet_js.stat().st_mtime_ns == mtime  # untouched when identical
    leaflet_js.write_text("broken", encoding="utf-8")
    assets.ensure_static(tmp_path)
    assert "Leaflet 1.9.3" in leaflet_js.read_text(encoding="utf-8")[:200]
    assert not list(vendor.rglob("*.tmp"))


def test_localize_is_idempotent_and_does_not_touch_folium_class_defaults():
    before = list(folium.Map.default_js)
    m = _plugin_map()
    assets.localize(m)
    once = (list(m.default_js), list(m.default_css))
    assets.localize(m)
    assert (list(m.default_js), list(m.default_css)) == once
    assert folium.Map.default_js == before
    assert _plugin_map().default_js == before


def test_jquery_bootstrap_and_awesome_markers_are_dropped():
    m = assets.localize(_plugin_map())
    names = {n for n, _ in (*m.default_js, *m.default_css)}
    assert names == {"rp_scripts", "leaflet_css"}  # the map's one script file (below), Leaflet's stylesheet
    text = m.get_root().render().lower()
    for gone in ("jquery", "bootstrap", "awesome", "fontawesome", "glyphicons"):
        assert gone not in text, gone


@pytest.mark.parametrize(
    "add, needle",
    [
        (lambda m: folium.Marker([39.1, 117.2], icon=folium.Icon(color="red")).add_to(m), "folium.Icon"),
        (lambda m: folium.Marker([39.1, 117.2], popup="文字").add_to(m), "jQuery"),
        (lambda m: folium.GeoJson("layer.geojson", embed=False).add_to(m), "embed"),
        (lambda m: m.keep_in_front(folium.FeatureGroup().add_to(m)), "keep_in_front"),
        (lambda m: branca.colormap.LinearColormap(["red", "blue"]).add_to(m), "d3"),
    ],
)
def test_elements_needing_a_dropped_library_fail_loudly(add, needle, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "layer.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    m = _plugin_map()
    add(m)
    with pytest.raises(assets.OfflineAssetError, match=re.escape(needle)):
        assets.localize(m)


def test_unknown_cdn_asset_raises():
    m = _plugin_map()
    MousePosition().add_to(m)  # Leaflet.MousePosition is not in the registry
    before = list(m.default_js)
    with pytest.raises(assets.OfflineAssetError, match="MousePosition"):
        assets.localize(m)
    assert m.default_js == before  # a failed localize changes nothing
    with pytest.raises(assets.OfflineAssetError, match="MousePosition"):
        assets.standalone_html(m)


def test_measure_control_is_provided_in_both_modes(static_root):
    m = _plugin_map()
    MeasureControl(primary_length_unit="meters").add_to(m)
    html_text = assets.standalone_html(m)
    assert assets.external_loads(html_text) == []
    assert "/* leaflet-measure 2.1.7" in html_text
    assert html_text.count("data:image/png;base64,") >= 12  # its button images, inline
    loads = SRC_HREF.findall(assets.localize(m).get_root().render())
    measure = [u for u in loads if "/leaflet-measure/" in u or "leaflet-measure-2.1.7" in u]
    assert len(measure) == 2  # its stylesheet, and the map's script file holding it
    assert all((static_root / u[len("/app/static/") :]).is_file() for u in measure)


SCRIPT_SRC = re.compile(r"<script\b[^>]*\bsrc=\"([^\"]+)\"")


def test_a_served_map_loads_one_script_file_holding_every_library_it_needs(static_root):
    # streamlit-folium loads a map's scripts one after another (each waits for the last): one file, one
    # round trip before the map is drawn
    m = _plugin_map()
    MeasureControl().add_to(m)
    scripts = SCRIPT_SRC.findall(assets.localize(m).get_root().render())
    assert scripts == [
        "/app/static/vendor/_bundle/leaflet-1.9.3+leaflet-draw-1.0.2+leaflet-groupedlayercontrol-0.6.1"
        "+leaflet-fullscreen-3.0.0+leaflet-measure-2.1.7.js"
    ]
    served = (static_root / scripts[0][len("/app/static/") :]).read_text(encoding="utf-8")
    parts = [(lib, rel) for lib in assets.LIBRARIES for rel in lib.js]
    at = [served.index(lib.source(rel).read_text(encoding="utf-8")) for lib, rel in parts]
    assert at == sorted(at) and at[0] > 0  # every library whole, Leaflet first, each after its comment
    assert served.index("/* leaflet 1.9.3 (BSD-2-Clause) leaflet.js */") < at[0]
    # a map with Leaflet alone keeps its one file as it is; the stylesheets stay beside their images
    assert SCRIPT_SRC.findall(assets.localize(folium.Map(tiles=None)).get_root().render()) == [
        "/app/static/vendor/leaflet/leaflet.js"
    ]
    assert "/app/static/vendor/leaflet-draw/leaflet.draw.css" in SRC_HREF.findall(m.get_root().render())


def test_every_choice_of_plugins_has_its_file_and_a_served_map_can_still_be_made_standalone(static_root):
    bundles = sorted((static_root / "vendor" / assets.BUNDLE_FOLDER).iterdir())
    assert len(bundles) == 2 ** (len(assets.LIBRARIES) - 1) - 1  # Leaflet with one or more plugins
    m = assets.localize(_plugin_map())
    html_text = assets.standalone_html(m)  # the bundle is taken apart into its libraries, inline
    assert assets.external_loads(html_text) == [] and not SCRIPT_SRC.findall(html_text)
    for lib in ("leaflet 1.9.3", "leaflet-draw", "leaflet-groupedlayercontrol", "leaflet-fullscreen"):
        assert html_text.count(f"<script>/* {lib}") == 1, lib
    assert "L.Icon.Default.mergeOptions" in html_text  # Leaflet's inline marker images, as before
    assert SCRIPT_SRC.findall(m.get_root().render())[0].startswith("/app/static/vendor/_bundle/")


def test_protocol_relative_asset_raises():
    m = _plugin_map()
    # (not m.add_js_link: folium's would append to the class-level list of every Map)
    m.default_js = [*m.default_js, ("evil", "//example.com/x.js")]
    with pytest.raises(assets.OfflineAssetError, match="example.com"):
        assets.localize(m)


def test_unknown_mode_raises():
    with pytest.raises(ValueError):
        assets.localize(_plugin_map(), mode="cdn")


# --------------------------------------------------------------------------
# inline mode / standalone HTML
# --------------------------------------------------------------------------


def _strip_inline_libraries(html_text: str) -> str:
    """The document without the inline library blocks (their comments and strings carry URLs)."""
    return re.sub(r"<(script|style)>/\* [\w.-]+ [\d.]+ \(.*?</\1>", "", html_text, flags=re.DOTALL)


def test_standalone_html_has_every_asset_inline():
    html_text = assets.standalone_html(_plugin_map())
    assert html_text.startswith("<!DOCTYPE html>")
    assert not SRC_HREF.findall(html_text)
    assert assets.external_loads(html_text) == []
    leaflet = (assets.LIBRARY_BY_NAME["leaflet"].source("leaflet.js")).read_text(encoding="utf-8")
    assert leaflet[-2000:] in html_text  # Leaflet's code, verbatim
    assert "L.Control.GroupedLayers" in html_text
    assert "L.Control.Draw" in html_text or "L.Draw" in html_text
    assert "fullscreen-icon" in html_text and "toggleFullScreen" in html_text
    # CSS images are data: URIs, Leaflet's default icon too
    assert "data:image/png;base64," in html_text
    assert "data:image/svg+xml;base64," in html_text
    assert "L.Icon.Default.mergeOptions" in html_text
    # UTF-8 declared before any library (Chinese text must survive opening from disk)
    assert html_text.index("charset=UTF-8") < html_text.index("Leaflet 1.9.3")
    assert "甲图层" in html_text or json.dumps("甲图层") in html_text  # folium may \u-escape


def test_standalone_html_has_no_url_but_tiles_outside_the_libraries():
    tiles = BASEMAPS["carto"].tiles[0]
    html_text = assets.standalone_html(_plugin_map(tiles))
    rest = _strip_inline_libraries(html_text)
    assert "Leaflet 1.9.3" not in rest  # the stripping worked
    assert set(URL.findall(rest)) == {tiles}
    assert _tile_templates(html_text) == {tiles}


def test_leaflet_script_comes_before_plugins():
    html_text = assets.standalone_html(_plugin_map())
    i_leaflet = html_text.index("/* leaflet 1.9.3")
    for lib in ("leaflet-draw", "leaflet-groupedlayercontrol", "leaflet-fullscreen"):
        assert i_leaflet < html_text.index(f"/* {lib} "), lib


def test_inline_css_images_are_the_real_files():
    css = assets.inline_css("leaflet-draw", "leaflet.draw.css")
    uris = re.findall(r'url\("data:([^;]+);base64,([^"]+)"\)', css)
    assert uris
    svg = assets.LIBRARY_BY_NAME["leaflet-draw"].source("images/spritesheet.svg").read_bytes()
    assert ("image/svg+xml", base64.b64encode(svg).decode()) in uris
    assert "url(#default#VML)" in assets.inline_css("leaflet", "leaflet.css")  # fragments untouched


def test_standalone_html_leaves_the_map_usable_for_the_app():
    m = assets.localize(_plugin_map(), mode="served")
    served = (list(m.default_js), list(m.default_css))
    first = assets.standalone_html(m)
    assert (list(m.default_js), list(m.default_css)) == served
    assert all(u.startswith("/app/static/") for u in SRC_HREF.findall(m.get_root().render()))
    # and doing it again inlines the same libraries, in the same order
    blocks = re.compile(r"<(?:script|style)>/\* ([\w.-]+ [\d.]+ \([^)]*\) [\w./-]+) \*/")
    assert blocks.findall(first) and blocks.findall(assets.standalone_html(m)) == blocks.findall(first)


def test_standalone_html_after_st_folium_holds_the_map_once():
    """st_folium renames every element; the downloaded HTML must still hold one map (issue 9)."""
    from streamlit_folium import _get_map_string  # what st_folium runs on the map it shows

    m = layout_map()
    assets.localize(m, mode="served")
    m.get_root().render()
    _get_map_string(m)  # renames the map to map_div and its children
    text = assets.standalone_html(m)
    assert text.count("L.map(") == 1
    assert text.count('class="folium-map"') == 1
    assert len(text) < 1.1 * len(assets.standalone_html(layout_map()))


def test_script_end_tags_inside_code_are_escaped():
    assert assets._safe_in_tag('a="</script>"', "script") == 'a="<\\/script>"'


@pytest.mark.parametrize("make", [layout_map, jinmao_map])
def test_project_maps_are_offline_and_within_budget(make):
    m = make()
    html_text = assets.standalone_html(m)
    assert assets.external_loads(html_text) == []
    assert set(URL.findall(_strip_inline_libraries(html_text))) == set()  # default basemap: no tiles
    assert len(html_text.encode("utf-8")) < 1_500_000
    served = assets.localize(m).get_root().render()
    assert all(u.startswith("/app/static/vendor/") for u in SRC_HREF.findall(served))
    assert not URL.findall(served)


# --------------------------------------------------------------------------
# registry and vendored files
# --------------------------------------------------------------------------


def test_every_registry_file_exists_and_libraries_have_a_licence():
    for lib in assets.LIBRARIES:
        assert lib.licence and lib.version
        for rel in lib.files:
            assert lib.source(rel).is_file(), f"{lib.name}/{rel}"
        for url, rel in lib.cdn.items():
            assert rel in (*lib.js, *lib.css)
            assert lib.version in url
        if lib.origin.startswith("vendor:"):
            assert "LICENSE" in lib.extra_files


def test_vendored_md_lists_every_vendored_file_with_its_sha256():
    text = (ROOT / "layers" / "vendor" / "VENDORED.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"\| `([^`]+)` \| `([0-9a-f]{64})` \|", text))
    on_disk = {
        p.relative_to(assets.VENDOR_DIR).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in assets.VENDOR_DIR.rglob("*")
        if p.is_file() and p.name != "VENDORED.md"
    }
    assert listed == on_disk
    for lib in assets.LIBRARIES:
        if lib.origin.startswith("vendor:"):
            assert f"| {lib.name} |" in text and lib.version in text


def test_folium_cdn_urls_are_the_ones_the_registry_knows():
    # A folium upgrade that changes a URL must show up here, not at a planner's desk.
    known = set(assets._cdn_index()) | set(assets.DROPPED)
    for cls in (folium.Map, Draw, GroupedLayerControl, Fullscreen, MeasureControl):
        for _, url in (*cls.default_js, *cls.default_css):
            assert url in known, url


def test_static_vendor_is_git_ignored():
    assert "/static/vendor/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_streamlit_config_enables_static_serving():
    import tomllib

    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert cfg["server"]["enableStaticServing"] is True
    assert cfg["browser"]["gatherUsageStats"] is False


# --------------------------------------------------------------------------
# the project's own browser code (layers/static)
# --------------------------------------------------------------------------


def test_every_own_asset_file_is_registered_and_read_only_through_the_registry():
    on_disk = {p.name for p in assets.OWN_DIR.iterdir() if p.is_file()}
    assert on_disk == set(assets.OWN_ASSETS), on_disk ^ set(assets.OWN_ASSETS)
    with pytest.raises(assets.OfflineAssetError):
        assets.own_asset("../assets.py")
    # no module reads a file of layers/static but the registry (no second way for browser code to arrive)
    readers = [
        p.name
        for p in (ROOT / "layers").glob("*.py")
        if p.name != "assets.py"
        and re.search(r"""["']static["']|static/""", p.read_text(encoding="utf-8"))
        and "read_text" in p.read_text(encoding="utf-8")
    ]
    assert readers == []


def test_no_python_module_holds_browser_code_in_a_string():
    """The Leaflet code is in layers/static; Python passes it values as JSON (layers.elements.MapCall)."""
    code_like = re.compile(r"function\s*\(|L\.Control\.extend|addEventListener|querySelectorAll")
    found = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "layers").glob("*.py")
        if code_like.search(p.read_text(encoding="utf-8"))
    }
    assert found == set(), found


@pytest.mark.browser
def test_every_own_script_compiles_in_chromium(chromium_path):
    """A syntax error in an asset would break every map silently: each script is compiled by Chromium (a
    module, the one ``export default`` of a Streamlit component, as the body of a function returning it)."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.harness import CHROMIUM_ARGS

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            for name in (n for n in assets.OWN_ASSETS if n.endswith(".js")):
                err = page.evaluate(
                    "src => { try { new Function(src); return null; } catch (e) { return String(e); } }",
                    assets.own_asset(name).replace("export default function", "return function", 1),
                )
                assert err is None, (name, err)
            broken = page.evaluate(
                "src => { try { new Function(src); return null; } catch (e) { return String(e); } }",
                assets.own_asset("rp_map.js").replace(
                    "window.rpStyle = function", "window.rpStyle = functio"
                ),
            )
            assert broken and "SyntaxError" in broken  # the check sees a broken file
        finally:
            browser.close()


def test_a_served_maps_standalone_file_is_the_file_of_a_map_never_served():
    # the page's 下载地图 (a map shown with its scripts as one bundle) must be the command's export-map file
    def plugins_out_of_registry_order() -> folium.Map:
        m = folium.Map(location=[39.12, 117.25], zoom_start=13, tiles=None)
        a = folium.FeatureGroup(name="甲图层").add_to(m)
        MeasureControl().add_to(m)
        Fullscreen().add_to(m)
        GroupedLayerControl({"规划": [a]}, exclusive_groups=False).add_to(m)
        return m

    def ids_out(text: str) -> str:
        return re.sub(r"[a-z_]+_[0-9a-f]{32}", "ID", text)

    served = assets.localize(plugins_out_of_registry_order(), mode="served")
    assert ids_out(assets.standalone_html(served)) == ids_out(
        assets.standalone_html(plugins_out_of_registry_order())
    )
