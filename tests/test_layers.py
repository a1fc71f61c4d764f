"""Layer registry and renderer: specs are consistent with the data; rendered
HTML contains every layer, escapes data text, and marks approximate features."""

import json
import re
from html import unescape

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon

import geodata
from layers import registry
from layers.basemaps import BASEMAPS
from layers.feature_layers import add_layer
from layers.feature_text import tooltip_html
from layers.maps import jinmao_map, layout_map
from layers.registry import REGISTRY, LayerSpec, Style
from layers.render import draw_scene, new_map
from layers.scene import load_layer, scene_from_data, select
from tests.map_payloads import popup_as_sent

XSS = "<img src=x onerror=alert(1)>"


def _decoded(html: str) -> str:
    """The page source with JSON/JS unicode escapes (\\uXXXX) decoded, as the browser sees strings."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), html)


def test_registry_keys_unique_and_groups_known():
    keys = [s.key for s in registry._SPECS]
    assert len(keys) == len(set(keys))
    for spec in REGISTRY.values():
        assert spec.group in registry.GROUPS


# computed layers (coverage catchments, gaps) have no source: their data comes with the scene
@pytest.mark.parametrize("key", sorted(k for k, s in REGISTRY.items() if s.source is not None))
def test_every_spec_source_exists_and_fields_exist(key):
    spec = REGISTRY[key]
    assert spec.source in geodata.manifest()
    data = geodata.load(spec.source)
    missing = spec.fields() - set(data.columns)
    assert not missing, missing
    assert len(select(data, spec)) > 0, "spec selects nothing"


def test_register_refuses_a_different_spec_under_an_existing_key():
    with pytest.raises(ValueError):
        registry.register(LayerSpec("district", "别的", "基础", "district"))


def test_layout_map_html_contains_every_layer_and_group():
    raw = layout_map(labels=True).get_root().render()
    assert len(raw.encode("utf-8")) < 1_500_000
    html = _decoded(raw)
    for key in registry.LAYOUT_MAP_KEYS:
        assert REGISTRY[key].title_zh in html, key
    for group in {REGISTRY[k].group for k in registry.LAYOUT_MAP_KEYS}:
        assert group in html
    for label in ("全区", "一站", "一带", "一园"):
        assert f'"label": "{label}"' in html or f'"label":"{label}"' in html


def test_jinmao_map_has_the_four_zones():
    html = _decoded(jinmao_map().get_root().render())
    for zone in ("东南", "东北", "西南", "西北"):
        assert f"金贸产业园{zone}片区" in html


def _one_feature_gdf(name, precision="approximate", geom=None):
    return gpd.GeoDataFrame(
        [
            {
                "name": name,
                "category": "测试",
                "plan_clause": "条款",
                "plan_text": "原文",
                "status": "planned",
                "precision": precision,
                "position_source": "来源",
                "layout": "多点",
            }
        ],
        geometry=[geom or Point(117.23, 39.11)],
        crs=4326,
    )


def test_data_text_is_escaped_not_markup():
    spec = REGISTRY["business_districts"]
    gdf = _one_feature_gdf(XSS)
    m = new_map()
    add_layer(m, spec, gdf, labels=True)
    raw = m.get_root().render()
    html = _decoded(raw)
    # never raw markup, neither in the page source nor in the strings the browser will insert
    assert XSS not in raw and XSS not in html
    assert not re.search(r"<img[^>]*onerror", html)
    # the name appears as text: escaped in tooltip, popup and label
    assert html.count("&lt;img src=x onerror=alert(1)&gt;") >= 3


def test_popup_escapes_every_field():
    spec = REGISTRY["business_districts"]
    row = _one_feature_gdf("a").iloc[0].to_dict()
    row["plan_text"] = "<script>alert(2)</script>"
    out = popup_as_sent(row, spec)
    assert "<script>" not in out and "&lt;script&gt;" in out


def test_approximate_features_are_dashed_or_hollow_and_badged():
    spec = REGISTRY["station_area"]
    square = Polygon([(117.2, 39.1), (117.21, 39.1), (117.21, 39.11), (117.2, 39.11)])
    approx = _one_feature_gdf("甲", "schematic", square)
    exact = _one_feature_gdf("乙", "surveyed", square)
    m = new_map()
    add_layer(m, spec, approx)
    html_approx = _decoded(m.get_root().render())
    m2 = new_map()
    add_layer(m2, spec, exact)
    html_exact = _decoded(m2.get_root().render())
    assert '"dashArray": "6 5"' in html_approx and "位置示意" in html_approx
    assert '"dashArray": "6 5"' not in html_exact and "位置示意" not in html_exact
    point_spec = REGISTRY["culture_points"]
    m3 = new_map()
    add_layer(m3, point_spec, _one_feature_gdf("丙", "approximate"))
    assert '"fillOpacity": 0.0' in m3.get_root().render()
    assert "位置示意" in tooltip_html(_one_feature_gdf("丙").iloc[0].to_dict(), point_spec)


def test_placeholders_are_dotted_and_say_position_undetermined():
    """A plan item with no place at all (precision ``placeholder``) is drawn dotted, not dashed, and its
    tooltip, popup and the legend say 位置待定; a print sheet's legend and notes say so too."""
    from layers.render_print import sheet_notes
    from layers.scene import scene_from_data

    point_spec, line_spec = REGISTRY["culture_points"], REGISTRY["station_area"]
    held = _one_feature_gdf("丁", "placeholder")
    m = new_map()
    add_layer(m, point_spec, held)
    html = _decoded(m.get_root().render())
    assert '"dashArray": "1.5 4"' in html and '"fillOpacity": 0.0' in html and "位置待定" in html
    row = held.iloc[0].to_dict()
    assert "位置待定" in tooltip_html(row, point_spec) and "位置示意" not in tooltip_html(row, point_spec)
    assert '<span class="rp-badge">位置待定</span>' in popup_as_sent(row, point_spec)
    assert "位置待定（占位示意）" in popup_as_sent(row, point_spec)  # the 定位精度 row
    square = Polygon([(117.2, 39.1), (117.21, 39.1), (117.21, 39.11), (117.2, 39.11)])
    m2 = new_map()
    add_layer(m2, line_spec, _one_feature_gdf("戊", "placeholder", square))
    assert '"dashArray": "1.5 4"' in _decoded(m2.get_root().render())
    scene = scene_from_data(["culture_points"], {"culture_points": held})
    import datetime as dt

    assert any("位置待定" in n for n in sheet_notes(scene, dt.date(2026, 12, 3)))


def test_amap_basemap_shifts_display_coordinates_by_gcj02():
    spec = REGISTRY["station_hub"]
    data = {"station_hub": load_layer("station_hub")}
    wgs = draw_scene(scene_from_data(["station_hub"], data), basemap="none", legend=False).get_root().render()
    gcj = draw_scene(scene_from_data(["station_hub"], data), basemap="amap", legend=False).get_root().render()
    x_wgs = float(re.search(r'"coordinates": ?\[\[*(117\.\d+)', wgs).group(1))
    x_gcj = float(re.search(r'"coordinates": ?\[\[*(117\.\d+)', gcj).group(1))
    # about +0.0063 deg of longitude near Hedong (PROVENANCE.md)
    assert 0.005 < x_gcj - x_wgs < 0.0075
    assert "autonavi" in gcj and "autonavi" not in wgs
    assert spec.title_zh in _decoded(gcj)


def test_no_tiles_basemap_loads_no_tiles():
    html = new_map("none").get_root().render()
    assert "tileLayer" not in html
    assert BASEMAPS["none"].tiles == ()


@pytest.mark.parametrize(
    ("key", "layers"), [("tianditu", ("vec_w", "cva_w")), ("tianditu_img", ("img_w", "cia_w"))]
)
def test_tianditu_needs_a_key_from_the_environment_or_saved_on_this_machine(
    key, layers, monkeypatch, tmp_path
):
    from renewal.settings import local_settings_path, save_local_setting

    monkeypatch.setenv("RENEWAL_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    assert not BASEMAPS[key].available()
    save_local_setting("TIANDITU_KEY", " saved1 ")
    assert BASEMAPS[key].available() and all("tk=saved1" in u for u in BASEMAPS[key].tile_urls())
    assert local_settings_path().parent == tmp_path / "ws"  # in the workspace, not the repository
    monkeypatch.setenv("TIANDITU_KEY", "abc")  # the deployment's key wins over a saved one
    urls = BASEMAPS[key].tile_urls()
    assert all("tk=abc" in u for u in urls)
    assert all(layer in u for u, layer in zip(urls, layers, strict=True))
    assert "天地图" in BASEMAPS[key].attribution


def test_a_tile_basemap_says_when_it_is_offline():
    from layers.render import OFFLINE_NOTE_ZH

    with_tiles = layout_map(basemap="osm").get_root().render()
    call = re.search(r"rpOfflineNote\((map_\w+), (\"[^\"]*\")\);", with_tiles)
    assert call and json.loads(call.group(2)) == OFFLINE_NOTE_ZH  # the text, as JSON data
    assert "tileerror" in with_tiles  # the library that shows it (layers/static/rp_map.js) is on the map
    assert "rpOfflineNote(map" not in layout_map(basemap="none").get_root().render()


def test_spec_color_from_field_and_category_map():
    spec = LayerSpec("t", "测试", "基础", "metro_lines", Style(color_field="color"))
    gdf = geodata.load("metro_lines")
    m = new_map()
    add_layer(m, spec, gdf)
    html = m.get_root().render()
    for color in gdf["color"]:
        assert color in html


def test_legend_lists_each_site_type_present_with_its_colour():
    spec = REGISTRY["renewal_sites"]
    colors = dict(spec.style.color_map)
    two = list(colors)[:2]
    gdf = gpd.GeoDataFrame(
        [
            {"name": f"项目{i}", "site_type": t, "precision": "approximate", "site_id": f"X-{i}"}
            for i, t in enumerate(two)
        ],
        geometry=[Point(117.23, 39.11), Point(117.24, 39.12)],
        crs=4326,
    )
    html = _decoded(
        draw_scene(scene_from_data(["renewal_sites"], {"renewal_sites": gdf})).get_root().render()
    ).replace('\\"', '"')
    for t in two:  # a legend row: the symbol in the type's colour, then the type
        assert re.search(rf'stroke="{re.escape(colors[t])}"[^<]*/></svg></span>{re.escape(t)}</div>', html), t
    absent = [t for t in colors if t not in two]
    assert absent and all(f"</span>{t}</div>" not in html for t in absent)


def test_real_layer_popups_are_in_chinese():
    row = load_layer("haihe").iloc[0].to_dict()
    out = popup_as_sent(row, REGISTRY["haihe"])
    assert "high" not in out and "medium" not in out
    assert geodata.CONFIDENCE_LABELS[row["confidence"]] in out


def test_draw_control_puts_the_site_in_the_editable_group_in_display_coordinates():
    from layers.draw_control import add_draw_control

    site = Point(117.23, 39.11)
    html_wgs = new_map("none")
    add_draw_control(html_wgs, site)
    html_gcj = new_map("amap")
    add_draw_control(html_gcj, site, basemap="amap")
    wgs, gcj = html_wgs.get_root().render(), html_gcj.get_root().render()
    assert "L.Control.Draw" in wgs and '"kind": "point", "latlngs": [39.11, 117.23]' in wgs
    # every drawing tool offered with a shape to reshape; only those asked for otherwise
    assert not re.search(r'"(polyline|polygon|rectangle|marker)": false', wgs)
    two = new_map("none")
    add_draw_control(two, site, shapes=("polygon", "rectangle"))
    tools = two.get_root().render()
    assert '"polyline": false' in tools and '"marker": false' in tools and '"rectangle": false' not in tools
    lat, lon = map(float, re.search(r'"kind": "point", "latlngs": \[([\d.]+), ([\d.]+)\]', gcj).groups())
    assert 0.005 < lon - 117.23 < 0.0075 and 0.0 < lat - 39.11 < 0.002  # shifted to GCJ-02 for 高德


# ---- scenes: a map as data, drawn by a back-end ----


def test_scene_and_styles_modules_do_not_import_folium():
    import ast
    from pathlib import Path

    for name in ("scene.py", "styles.py"):
        tree = ast.parse((Path(registry.__file__).parent / name).read_text(encoding="utf-8"))
        imported = {
            a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
        }
        imported |= {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not imported & {"folium", "branca", "streamlit", "streamlit_folium", "jinja2"}, (
            name,
            imported,
        )


def test_layout_scene_has_the_layers_in_order_and_the_legend_as_data():
    from dataclasses import fields

    from layers.maps import layout_scene
    from layers.scene import LegendEntry, Scene
    from renewal.sites.query import bundled_sites

    scene = layout_scene()
    assert isinstance(scene, Scene)
    assert scene.keys == registry.LAYOUT_MAP_KEYS
    assert all(
        layer.spec is REGISTRY[layer.key] and layer.data.crs.to_epsg() == 4326 for layer in scene.layers
    )
    with_sites = layout_scene(sites=bundled_sites())
    assert with_sites.keys == tuple(
        sorted((*registry.LAYOUT_MAP_KEYS, "renewal_sites"), key=lambda k: REGISTRY[k].z)
    )
    assert with_sites.layer("renewal_sites").id_field == "site_id"
    # bookmarks and extent are WGS84 bounds (plain floats) around Hedong
    assert list(scene.bookmarks) == ["全区", "一站", "一带", "一园"]
    for minx, miny, maxx, maxy in scene.bookmarks.values():
        assert 117.1 < minx < maxx < 117.4 and 39.0 < miny < maxy < 39.2
    assert scene.extent == scene.bookmarks["全区"]
    assert "layout" in scene.sources and scene.footnote
    # the legend: one entry per layer with features, as data (no HTML, no CSS strings)
    assert [e.key for e in scene.legend] == list(scene.keys)
    for e in scene.legend:
        assert isinstance(e, LegendEntry) and e.label == REGISTRY[e.key].title_zh
        assert e.kind in ("point", "line", "polygon")
        for f in fields(e):
            value = getattr(e, f.name)
            assert not (isinstance(value, str) and ("<" in value or ";" in value)), (e.key, f.name, value)
        assert (e.dash is not None) == e.approximate
    by_key = {e.key: e for e in with_sites.legend}
    assert by_key["station_area"].approximate and by_key["station_area"].kind == "polygon"
    assert not by_key["district"].approximate and by_key["haihe"].kind == "line"
    assert by_key["metro_stations"].kind == "point" and by_key["metro_stations"].fill == "#ffffff"
    zones = by_key["jinmao_zones"].categories
    assert [c.label for c in zones] == [z for z, _ in registry.ZONE_COLORS]
    assert [c.stroke for c in zones] == [c for _, c in registry.ZONE_COLORS]
    sites_colors = dict(registry.SITE_TYPE_COLORS)
    assert all(c.stroke == c.fill == sites_colors[c.label] for c in by_key["renewal_sites"].categories)


def test_computed_layer_without_a_source_draws_with_escaped_text():
    from layers.scene import SceneLayer, make_scene

    spec = LayerSpec(
        "coverage_gaps",
        "服务盲区（计算）",
        "",
        None,
        Style(color="#e74c3c", fill_opacity=0.3),
        tooltip=("name", "category"),
        popup=(("category", "类别"), ("note", "说明")),
    )
    square = Polygon([(117.2, 39.1), (117.21, 39.1), (117.21, 39.11), (117.2, 39.11)])
    gdf = gpd.GeoDataFrame(
        [{"name": XSS, "category": "<b>幼儿园</b>", "note": "&amp; 5分钟"}], geometry=[square], crs=4326
    )
    scene = make_scene([SceneLayer(spec, gdf)], title="覆盖分析", extent=gdf)
    assert scene.sources == () and scene.legend[0].label == "服务盲区（计算）"
    raw = draw_scene(scene, basemap="none").get_root().render()
    html = _decoded(raw)
    assert XSS not in raw and XSS not in html and "<b>幼儿园</b>" not in html
    assert not re.search(r"<img[^>]*onerror", html)
    assert "&lt;img src=x onerror=alert(1)&gt;<br>&lt;b&gt;幼儿园&lt;/b&gt;" in html  # the tooltip, escaped
    assert "&amp;amp; 5分钟" in html  # the popup, escaped once more
    assert "服务盲区（计算）" in html and "其他" in html  # layer control: no group -> 其他
    assert '"fillColor": "#e74c3c"' in html and '"dashArray": "6 5"' not in html  # no precision: solid


def test_resolved_styles_are_plain_values_and_leaflet_only_converts_them():
    from layers.leaflet_style import feature_style, leaflet_style
    from layers.styles import resolve_style

    square = Polygon([(117.2, 39.1), (117.21, 39.1), (117.21, 39.11), (117.2, 39.11)])
    row = _one_feature_gdf("甲", "schematic", square).iloc[0].to_dict()
    poly = resolve_style(row, REGISTRY["station_area"], "Polygon")
    assert poly["kind"] == "polygon" and poly["dash"] == (6, 5) and poly["approximate"]
    assert poly["stroke"] == "#c0392b" and poly["radius"] is None
    point = resolve_style(_one_feature_gdf("乙").iloc[0].to_dict(), REGISTRY["culture_points"], "Point")
    assert point["fill_opacity"] == 0.0 and point["dash"] == (3, 3) and point["radius"] == 6.0
    zone = resolve_style({"zone": "西南", "precision": "surveyed"}, REGISTRY["jinmao_zones"], "Polygon")
    assert zone["stroke"] == zone["fill"] == "#1b9e77" and zone["dash"] is None
    assert feature_style(row, REGISTRY["station_area"], "Polygon") == leaflet_style(poly)
    assert leaflet_style(poly)["dashArray"] == "6 5" and leaflet_style(point)["dashArray"] == "3 3"


def test_legend_entries_match_the_html_legend_rows():
    from html import unescape

    from layers.legend import legend_html
    from layers.maps import layout_scene
    from renewal.sites.query import bundled_sites

    scene = layout_scene(sites=bundled_sites())
    legend = legend_html(scene.legend, scene.footnote)
    rows = re.findall(
        r'<div( style="margin-left:14px")?><span class="rp-sym">(<svg.*?</svg>)</span>([^<]*)</div>', legend
    )
    expected = []
    for group in (*registry.GROUPS, ""):
        for e in (e for e in scene.legend if e.group == group):
            expected += [(False, e), *((True, c) for c in e.categories)]
    assert len(rows) == len(expected) + 2  # + the 符号说明 rows (位置示意, 位置待定)
    for (indent, svg, label), (sub, entry) in zip(rows, expected, strict=False):
        assert bool(indent) == sub and unescape(label) == entry.label
        assert f'stroke="{entry.stroke}"' in svg
        assert ("stroke-dasharray" in svg) == entry.approximate
        assert {"point": "<circle", "line": "<line", "polygon": "<rect"}[entry.kind] in svg
    assert "位置示意" in rows[-2][2] and "位置待定" in rows[-1][2]
    # and it is the legend the folium map shows
    html = _decoded(draw_scene(scene).get_root().render())
    assert legend in html.replace('\\"', '"').replace("\\/", "/")


def test_layer_script_data_cannot_close_the_script_and_caveat_is_once_per_layer():
    spec = REGISTRY["business_districts"]
    gdf = gpd.GeoDataFrame(
        [
            {**_one_feature_gdf("x").iloc[0].drop("geometry").to_dict(), "name": f"</script>{XSS}{i}"}
            for i in range(5)
        ],
        geometry=[Point(117.23 + i / 100, 39.11) for i in range(5)],
        crs=4326,
    )
    m = new_map()
    add_layer(m, spec, gdf, labels=True)
    raw = m.get_root().render()
    assert "</script><img" not in raw and "</script>" + XSS not in raw
    caveat = geodata.meta(spec.source).caveat_zh
    assert caveat and _decoded(raw).count(caveat) == 1  # not repeated in every popup


def test_labels_are_escaped_and_ordered_by_size():
    from layers.payload import layer_payload

    spec = REGISTRY["station_area"]
    small = Polygon([(117.2, 39.1), (117.201, 39.1), (117.201, 39.101), (117.2, 39.101)])
    big = Polygon([(117.3, 39.1), (117.32, 39.1), (117.32, 39.12), (117.3, 39.12)])
    gdf = pd.concat(
        [_one_feature_gdf("<b>小</b>", geom=small), _one_feature_gdf("大", geom=big)], ignore_index=True
    )
    labels = layer_payload(gdf, spec, None, labels=True)["labels"]
    assert [it[2] for it in labels] == ["大", "&lt;b&gt;小&lt;/b&gt;"]
    assert labels[0][3] > labels[1][3] and labels[1][4] > labels[0][4]  # priority, estimated width
    assert layer_payload(gdf, spec, None, labels=False)["labels"] == []


def test_layer_payload_is_reused_only_for_equal_data():
    from layers.payload import cached_layer_payload

    spec = REGISTRY["business_districts"]
    a = _one_feature_gdf("甲")
    first = cached_layer_payload(a, spec, None, labels=True)
    assert cached_layer_payload(a.copy(), spec, None, labels=True) is first  # a copy of equal data
    renamed = a.assign(name="乙")
    moved = a.set_geometry([Point(117.3, 39.2)])
    for other in (renamed, moved):
        assert cached_layer_payload(other, spec, None, labels=True) is not first
    assert "乙" in cached_layer_payload(renamed, spec, None, labels=True)["features"]
    assert cached_layer_payload(a, spec, None, labels=False) is not first


def test_template_markers_in_data_stay_text():
    """A name with Jinja/st_folium template markers is neither evaluated nor rewritten."""
    spec = REGISTRY["business_districts"]
    m = new_map()
    add_layer(m, spec, _one_feature_gdf("{{ 7*7 }}{% if 1 %}x{% endif %}{{'map_div'}}"), labels=True)
    raw = m.get_root().render()
    assert "{{ 7*7 }}" not in raw and "{%" not in raw.split("rpLayer(", 1)[1]
    # as HTML text (labels, tooltips) the braces are character references: shown literally
    assert "{{ 7*7 }}{% if 1 %}x{% endif %}{{'map_div'}}" in unescape(_decoded(raw))
    assert "&#123;&#123; 7*7 &#125;&#125;" in _decoded(raw)


def test_a_layer_legend_row_is_approximate_when_any_feature_is():
    """The legend reads each distinct precision once: one approximate feature among surveyed ones makes the
    row approximate (dashed); surveyed, empty or missing precision of a layer without a manifest does not."""
    from layers.scene import legend_entry

    spec = LayerSpec("mixed", "混合", "其他", style=Style(color="#333333"))
    pts = [Point(117.2, 39.1), Point(117.21, 39.11), Point(117.22, 39.12)]

    def row(precisions):
        return legend_entry(spec, gpd.GeoDataFrame({"precision": precisions}, geometry=pts, crs=4326))

    assert row(["surveyed", "approximate", "surveyed"]).approximate
    assert row(["surveyed", None, "placeholder"]).approximate
    assert not row(["surveyed", "surveyed", None]).approximate
    assert not legend_entry(spec, gpd.GeoDataFrame(geometry=pts, crs=4326)).approximate
    assert legend_entry(REGISTRY["station_area"], load_layer("station_area")).approximate  # by its manifest


def test_a_live_map_keeps_its_widget_key_when_only_its_layers_change_and_exports_whole(monkeypatch):
    """draw_scene(live=True) shown through live_detached: st_folium gets the map without its layers (its key,
    a hash of that script, is the same for two maps that differ only in their layers) and the layers, layer
    control and legend as the feature group it swaps; the map given back exports as one working file."""
    import streamlit_folium as sf

    from layers import assets
    from layers.render import live_detached, standalone_map_html

    sent: list[dict] = []
    monkeypatch.setattr(sf, "_component_func", lambda **kw: sent.append(kw) or kw.get("default"))
    data = {k: load_layer(k) for k in ("district", "metro_stations")}

    def shown(keys):
        m = draw_scene(scene_from_data(keys, data, extent=data["district"]), basemap="none", live=True)
        with assets.ids_kept(m), live_detached(m) as live:
            sf.st_folium(m, key="k", feature_group_to_add=live)
        return m

    one, two = shown(["district"]), shown(["district", "metro_stations"])
    assert sent[0]["key"] == sent[1]["key"]  # the browser keeps its map
    assert sent[0]["feature_group"] != sent[1]["feature_group"]
    for kw in sent:
        assert "rpLayer(map_div" not in kw["script"] and "rpControl(map_div" not in kw["script"]
        fg = kw["feature_group"]
        assert (
            fg.index("rpLiveStart(map_div)") < fg.index("rpLayer(map_div") < fg.index("rpControl(map_div, ")
        )
        assert 'rpSwapControl(map_div, "layers"' in fg and not re.search(r"map_[0-9a-f]{32}", fg)
        # fitted to the scene's extent by the live part (the same extent again keeps the planner's view)
        assert "rpFit(map_div, [[" in fg and "map_div.fitBounds(" not in kw["script"]
    assert sent[1]["feature_group"].count("rpLayer(") == 2
    html = standalone_map_html(two)
    name = two.get_name()
    # the whole map in the file: its own names (none of the widget's), the layers added to the map once
    assert "map_div" not in html and "feature_group_feature_group" not in html
    assert html.count("rpLayer(") == 2 and f"rpControl({name}, " in html and f"rpLiveStart({name})" in html
    live = two._rp_live.get_name()
    assert html.count(f"{live}.addTo({name})") == 1 and html.count(f"var {live} = ") == 1
    assert "rpLayer(" in standalone_map_html(one)
