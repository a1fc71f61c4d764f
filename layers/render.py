"""The folium back-end: a :class:`~layers.scene.Scene` becomes a folium map
(:func:`draw_scene`); one :class:`~layers.registry.LayerSpec` plus a
GeoDataFrame becomes a folium FeatureGroup (:func:`add_layer`).

The scene says what is on the map and the resolved style values
(:mod:`layers.styles`); this module only converts them to Leaflet options,
HTML and folium elements, and shifts coordinates for the 高德 basemap.

Rules it enforces for every map:

* Text from data goes through :mod:`layers.markup` (``html_text`` into HTML, ``safe_json``
  into scripts) and is never compiled as a template; the
  tooltip and popup HTML is built here, never by folium's GeoJsonTooltip
  (which inserts raw property values as HTML).
* Features whose ``precision`` is approximate are drawn dashed (lines,
  polygons) or hollow (points) and their popup says 位置示意.
* Nothing is fetched from the internet except the basemap tiles the user
  chose; the scripts are localised by :mod:`layers.assets`.
"""

from __future__ import annotations

import json
import pickle
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import folium
import geopandas as gpd
from branca.element import MacroElement
from jinja2 import Template
from shapely.geometry import box

import geodata
from layers.assets import leaflet_icon_js, standalone_html
from layers.basemaps import BASEMAPS, DEFAULT_BASEMAP, Basemap
from layers.map_controls import (
    POINT_PANE,
    ChineseControls,
    FocusWithoutScroll,
    GotoMarker,
    LegendSync,
    add_measure,
)
from layers.markup import RawText, html_text, safe_json
from layers.registry import GROUPS, LayerSpec
from layers.scene import DEFAULT_FOOTNOTE, Bounds, LegendEntry, Scene, scene_from_data
from layers.styles import (
    APPROX_BADGE,
    APPROX_LEGEND_TEXT,
    LEGEND_APPROX_DASH,
    LINE,
    PLACEHOLDER_DASH,
    PLACEHOLDER_LEGEND_TEXT,
    POINT,
    cell_text,
    feature_precision,
    is_approximate,
    precision_badge,
    resolve_style,
)
from renewal.crs import geometry_to_gcj02

# --------------------------------------------------------------------------
# Display coordinates
# --------------------------------------------------------------------------


def display_geometry(geom, basemap: Basemap):
    """One WGS84 geometry in the basemap's display coordinates (GCJ-02 for Amap)."""
    if basemap.display_crs != "gcj02" or geom is None:
        return geom
    return geometry_to_gcj02(geom)


def to_display(gdf: gpd.GeoDataFrame, basemap: Basemap) -> gpd.GeoDataFrame:
    """Geometries in the basemap's display coordinates (GCJ-02 for Amap); data stays WGS84."""
    if basemap.display_crs != "gcj02" or gdf.empty:
        return gdf
    out = gdf.copy()
    out["geometry"] = [display_geometry(g, basemap) for g in out.geometry]
    return out


def display_bounds(bounds: Bounds, basemap: Basemap) -> Bounds:
    """WGS84 bounds in the basemap's display coordinates (the shifted box's bounds for GCJ-02)."""
    if basemap.display_crs != "gcj02":
        return bounds
    return tuple(display_geometry(box(*bounds), basemap).bounds)


# --------------------------------------------------------------------------
# Feature text and style
# --------------------------------------------------------------------------


def _label_value(field: str, value) -> str:
    text = cell_text(value)
    if field == "status":
        return geodata.STATUS_LABELS.get(text, text)
    if field == "precision":
        return geodata.PRECISION_LABELS.get(text, text)
    if field == "confidence":
        return geodata.CONFIDENCE_LABELS.get(text, text)
    return text


def tooltip_html(row: Mapping, spec: LayerSpec) -> str:
    parts = [html_text(_label_value(f, row.get(f))) for f in spec.tooltip]
    parts = [p for p in parts if p]
    badge = precision_badge(feature_precision(row, spec))
    if badge:
        parts.append(f"<i>（{badge}）</i>")
    return "<br>".join(parts)


def popup_parts(row: Mapping, spec: LayerSpec) -> tuple[str, bool, list[str]]:
    """One feature's popup pieces, each HTML-escaped: (title, approximate,
    values aligned with ``spec.popup``; "" where empty). The layer's caveat and
    source line are per layer (:func:`popup_layer_parts`)."""
    name = html_text(
        cell_text(row.get("name")) or cell_text(row.get(spec.tooltip[0] if spec.tooltip else ""))
    )
    values = [html_text(_label_value(field, row.get(field))) for field, _ in spec.popup]
    return name, is_approximate(feature_precision(row, spec)), values


def popup_layer_parts(spec: LayerSpec) -> tuple[list[str], str, str]:
    """A layer's popup pieces, escaped: (row labels, caveat, source line)."""
    caveat = ""
    source_line = html_text(spec.title_zh)
    if spec.source:
        try:
            caveat = geodata.meta(spec.source).caveat_zh
            source_line = f"图层：{html_text(spec.title_zh)}"
        except geodata.GeodataError:
            pass
    return [html_text(label) for _, label in spec.popup], html_text(caveat), source_line


def popup_html(row: Mapping, spec: LayerSpec) -> str:
    """Escaped popup HTML for one feature (what the map's script assembles on click)."""
    name, _, values = popup_parts(row, spec)
    labels, caveat, source_line = popup_layer_parts(spec)
    word = precision_badge(feature_precision(row, spec))
    rows = "".join(
        f"<tr><th>{label}</th><td>{value}</td></tr>"
        for label, value in zip(labels, values, strict=True)
        if value
    )
    badge = f'<span class="rp-badge">{word}</span>' if word else ""
    note = f'<div class="rp-note">{caveat}</div>' if caveat else ""
    return (
        f'<div class="rp"><div class="rp-title">{name}{badge}</div>'
        f'<table class="rp-table">{rows}</table>{note}'
        f'<div class="rp-src">{source_line}</div></div>'
    )


def dash_text(dash: Sequence[float] | None) -> str | None:
    """A dash pattern as an SVG/Leaflet ``dashArray`` string: ``(6, 5)`` -> ``"6 5"``."""
    return " ".join(f"{v:g}" for v in dash) if dash else None


def leaflet_style(style: Mapping) -> dict:
    """Leaflet path options from resolved style values (:func:`layers.styles.resolve_style`)."""
    out = {
        "color": style["stroke"],
        "weight": style["weight"],
        "opacity": style["opacity"],
        "fillColor": style["fill"],
        "fillOpacity": style["fill_opacity"],
    }
    if style["dash"]:
        out["dashArray"] = dash_text(style["dash"])
    if style["radius"] is not None:
        out["radius"] = style["radius"]
    return out


def feature_style(row: Mapping, spec: LayerSpec, geom_type: str) -> dict:
    """Leaflet path options for one feature (approximate: dashed or hollow)."""
    return leaflet_style(resolve_style(row, spec, geom_type))


# --------------------------------------------------------------------------
# Map elements
# --------------------------------------------------------------------------

MAP_CSS = """
.leaflet-container { background: #eef2f5; font-family: "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", sans-serif; }
.rp { font-size: 13px; line-height: 1.45; }
.rp-offline { background: #fff3cd; border: 1px solid #d4a017; color: #6b4e00; padding: 4px 8px; border-radius: 4px; font-size: 13px; }
.rp-title { font-weight: 700; font-size: 14px; margin-bottom: 4px; }
.rp-badge { display: inline-block; margin-left: 6px; padding: 0 5px; border: 1px dashed #b03a2e; color: #b03a2e; border-radius: 3px; font-size: 11px; font-weight: 400; }
.rp-table th { text-align: left; vertical-align: top; padding-right: 8px; white-space: nowrap; color: #555; font-weight: 600; }
.rp-table td { max-width: 260px; }
.rp-note, .rp-src { margin-top: 4px; color: #777; font-size: 11px; }
.rp-label { font-size: 12px; font-weight: 600; color: #222; white-space: nowrap; text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 3px #fff; }
.rp-legend { background: rgba(255,255,255,0.93); padding: 6px 10px; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.3); font-size: 11.5px; max-height: 42vh; overflow-y: auto; line-height: 1.4; }
.leaflet-control-layers-expanded { font-size: 12.5px; max-height: 70vh; overflow-y: auto; }
.leaflet-top.leaflet-right { z-index: 1001; }  /* the opened layer control over the legend */
.rp-legend summary { cursor: pointer; }
.rp-legend h4 { margin: 4px 0 2px; font-size: 12px; color: #333; }
.rp-legend .rp-sym { display: inline-block; width: 26px; vertical-align: middle; }
.rp-legend .rp-foot { margin-top: 6px; color: #666; font-size: 11px; max-width: 230px; }
.rp-find { background: #fff; padding: 3px; }
.rp-find input { width: 150px; font-size: 12.5px; border: 1px solid #bbb; padding: 3px 5px; }
.rp-find-list a { display: block; width: auto !important; height: auto !important; line-height: 1.5 !important; text-align: left !important; padding: 1px 6px; font-size: 12px; white-space: nowrap; }
.rp-find-none { font-size: 12px; color: #777; padding: 1px 6px; }
.rp-bookmarks a { width: auto !important; padding: 0 7px; font-size: 12px; white-space: nowrap; }
"""


class _ScriptElement(MacroElement):
    """A MacroElement whose script is plain JS (works in st_folium and standalone HTML)."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.js }}{% endmacro %}")

    def __init__(self, js: str, name: str):
        super().__init__()
        self._name = name
        self.js = js


def _css_element(css: str) -> _ScriptElement:
    js = (
        "(function(){if(document.getElementById('rp-style'))return;"
        "var s=document.createElement('style');s.id='rp-style';"
        f"s.textContent={json.dumps(css)};document.head.appendChild(s);}})();"
    )
    return _ScriptElement(js, "RenewalCss")


class _MapControl(MacroElement):
    """A Leaflet control whose inner HTML is built (and escaped) in Python."""

    _template = Template(
        """{% macro script(this, kwargs) %}
(function(){
  var map = {{ this._parent.get_name() }};
  var Ctl = L.Control.extend({options: {position: {{ this.position }}},
    onAdd: function() { var d = L.DomUtil.create('div', {{ this.css_class }});
      d.innerHTML = {{ this.inner_html }};
      L.DomEvent.disableClickPropagation(d); L.DomEvent.disableScrollPropagation(d); return d; }});
  new Ctl().addTo(map);
})();
{% endmacro %}"""
    )

    def __init__(self, inner_html: str, css_class: str, position: str = "bottomleft"):
        super().__init__()
        self._name = "RenewalControl"
        # JSON made here (layers.markup), not by the template
        self.inner_html = safe_json(inner_html)
        self.css_class = safe_json(css_class)
        self.position = safe_json(position)


class ViewBookmarks(MacroElement):
    """Buttons that fit the map to named extents (全区, 一站, 一带, 一园) without a page rerun."""

    _template = Template(
        """{% macro script(this, kwargs) %}
(function(){
  var map = {{ this._parent.get_name() }};
  var views = {{ this.views }};
  var Ctl = L.Control.extend({options: {position: 'topleft'},
    onAdd: function() {
      var div = L.DomUtil.create('div', 'leaflet-bar rp-bookmarks');
      views.forEach(function(v) {
        var a = L.DomUtil.create('a', '', div); a.href = '#'; a.textContent = v.label; a.title = '定位到' + v.label;
        a.setAttribute('role', 'button');
        L.DomEvent.on(a, 'click', function(e) { L.DomEvent.preventDefault(e); map.fitBounds(v.bounds); });
      });
      L.DomEvent.disableClickPropagation(div); return div; }});
  new Ctl().addTo(map);
})();
{% endmacro %}"""
    )

    def __init__(self, views: Mapping[str, tuple[float, float, float, float]]):
        super().__init__()
        self._name = "ViewBookmarks"
        # bounds as [[south, west], [north, east]]
        self.views = safe_json(
            [{"label": label, "bounds": [[b[1], b[0]], [b[3], b[2]]]} for label, b in views.items()]
        )


def _symbol_svg(entry: LegendEntry) -> str:
    """The legend symbol of an entry as inline SVG (escaped)."""
    color, fill = html_text(entry.stroke), html_text(entry.fill)
    dash = f' stroke-dasharray="{dash_text(entry.dash)}"' if entry.dash else ""
    if entry.kind == POINT:
        fo = 0 if entry.approximate else max(entry.fill_opacity, 0.3)
        return (
            f'<svg width="22" height="14"><circle cx="11" cy="7" r="5" stroke="{color}" '
            f'stroke-width="2" fill="{fill}" fill-opacity="{fo}"{dash}/></svg>'
        )
    if entry.kind == LINE:
        return (
            f'<svg width="22" height="14"><line x1="1" y1="7" x2="21" y2="7" stroke="{color}" '
            f'stroke-width="{min(entry.weight, 5)}"{dash}/></svg>'
        )
    return (
        f'<svg width="22" height="14"><rect x="2" y="2" width="18" height="10" stroke="{color}" '
        f'stroke-width="1.5" fill="{fill}" fill-opacity="{max(entry.fill_opacity, 0.15)}"{dash}/></svg>'
    )


def legend_html(entries: Sequence[LegendEntry], footnote: str = "") -> str:
    """Legend HTML (escaped) from legend entries (:func:`layers.scene.legend_entries`), grouped.

    A ``color_by`` layer's categories each get their own indented row with their colour.
    """
    out = ["<details><summary><b>图例</b></summary>"]
    for group in (*GROUPS, ""):
        items = [e for e in entries if e.group == group]
        if not items:
            continue
        out.append(f'<div data-legend-group="{html_text(group)}">')
        if group:
            out.append(f"<h4>{html_text(group)}</h4>")
        for entry in items:
            out.append(
                f'<div data-layer="{html_text(entry.key)}">'
                f'<div><span class="rp-sym">{_symbol_svg(entry)}</span>{html_text(entry.label)}</div>'
            )
            for sub in entry.categories:
                out.append(
                    f'<div style="margin-left:14px"><span class="rp-sym">{_symbol_svg(sub)}</span>'
                    f"{html_text(sub.label)}</div>"
                )
            out.append("</div>")
        out.append("</div>")
    out.append(
        '<h4>符号说明</h4><div><span class="rp-sym"><svg width="22" height="14"><rect x="2" y="2" width="18" '
        'height="10" stroke="#555" stroke-width="1.5" fill="none" '
        f'stroke-dasharray="{dash_text(LEGEND_APPROX_DASH)}"/></svg></span>'
        f"{html_text(APPROX_LEGEND_TEXT)}</div>"
        '<div><span class="rp-sym"><svg width="22" height="14"><circle cx="11" cy="7" r="5" stroke="#555" '
        f'stroke-width="2" fill="none" stroke-dasharray="{dash_text(PLACEHOLDER_DASH)}"/></svg></span>'
        f"{html_text(PLACEHOLDER_LEGEND_TEXT)}</div>"
    )
    if footnote:
        out.append(f'<div class="rp-foot">{html_text(footnote)}</div>')
    out.append("</details>")
    return "".join(out)


#: Text shown on a tile basemap that cannot load (no internet): the layers still draw.
OFFLINE_NOTE_ZH = "离线，底图不可用（图层照常显示）"

_OFFLINE_NOTE_JS = (
    "(function(){var map=MAP,errors=0,loads=0,shown=false;"
    "map.eachLayer(function(l){if(!(l instanceof L.TileLayer))return;"
    "l.on('tileload',function(){loads++;});"
    "l.on('tileerror',function(){errors++;if(shown||loads>0||errors<2)return;shown=true;"
    "var c=L.control({position:'bottomright'});c.onAdd=function(){var d=L.DomUtil.create('div','rp-offline');"
    "d.textContent=" + json.dumps(OFFLINE_NOTE_ZH) + ";return d;};c.addTo(map);});});})();"
)


def new_map(basemap_key: str = DEFAULT_BASEMAP, *, bounds=None, fullscreen: bool = True) -> folium.Map:
    """An empty map with the chosen basemap (no tiles for ``none``), scale bar and CSS."""
    basemap = BASEMAPS.get(basemap_key) or BASEMAPS[DEFAULT_BASEMAP]
    m = folium.Map(
        location=[39.118, 117.25],
        zoom_start=13,
        tiles=None,
        control_scale=False,  # ChineseControls adds a metric-only scale bar
        prefer_canvas=False,
        max_zoom=basemap.max_zoom,
    )
    ChineseControls().add_to(m)  # before any layer: it creates the point pane
    FocusWithoutScroll().add_to(m)  # a first click on a map partly below the fold is not lost
    for i, url in enumerate(basemap.tile_urls()):
        folium.TileLayer(
            tiles=url,
            attr=basemap.attribution if i == 0 else "",
            name=basemap.title_zh,
            subdomains=basemap.subdomains,
            max_zoom=basemap.max_zoom,
            control=False,
            overlay=False,
        ).add_to(m)
    if basemap.tiles:
        _ScriptElement(_OFFLINE_NOTE_JS.replace("MAP", m.get_name()), "OfflineTilesNote").add_to(m)
    _css_element(MAP_CSS).add_to(m)
    if fullscreen:
        from folium.plugins import Fullscreen

        Fullscreen(title="全屏", title_cancel="退出全屏", position="topleft").add_to(m)
    add_measure(m)
    if bounds is not None:
        minx, miny, maxx, maxy = bounds
        m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


# --------------------------------------------------------------------------
# Feature layers: one script per layer, popups built on click, labels placed by the browser
# --------------------------------------------------------------------------

#: More features than this on one map: Leaflet draws vectors on a canvas, not as SVG elements.
CANVAS_FROM = 1000

#: Geometries are simplified for display by this much (degrees; about 0.5 m).
DISPLAY_TOLERANCE_DEG = 5e-6

#: Label placement (browser side): at most this many labels at once, collisions hidden.
MAX_LABELS = 600

_LAYER_JS = """
(function(){
if (window.rpLayer) return;
function rpPopup(P, p) {
  var rows = '', v = p._pv || [];
  for (var i = 0; i < P.labels.length; i++) {
    var t = P.strs[v[i]];
    if (t) rows += '<tr><th>' + P.labels[i] + '</th><td>' + t + '</td></tr>';
  }
  return '<div class="rp"><div class="rp-title">' + (p._pt || '') +
    (p._pa ? '<span class="rp-badge">' + P.badge + '</span>' : '') + '</div>' +
    '<table class="rp-table">' + rows + '</table>' +
    (P.note ? '<div class="rp-note">' + P.note + '</div>' : '') +
    '<div class="rp-src">' + P.src + '</div></div>';
}
window.rpPopupHtml = rpPopup;
function rpLabels(map) {
  if (map._rpLabels) return map._rpLabels;
  var pane = map.createPane('rpLabelPane');
  pane.style.zIndex = 640; pane.style.pointerEvents = 'none';
  var sets = [], timer = null;
  function place() {
    timer = null;
    while (pane.firstChild) pane.removeChild(pane.firstChild);
    var items = [];
    sets.forEach(function(s) { if (map.hasLayer(s.group)) items = items.concat(s.items); });
    items.sort(function(a, b) { return b[3] - a[3]; });
    var size = map.getSize(), grid = {}, cell = 48, n = 0, frag = document.createDocumentFragment();
    for (var i = 0; i < items.length && n < %(max)d; i++) {
      var it = items[i], cp = map.latLngToContainerPoint([it[0], it[1]]);
      var x0 = cp.x + 8, y0 = cp.y - 9, x1 = x0 + it[4], y1 = y0 + 18;
      if (x1 < 0 || y1 < 0 || x0 > size.x || y0 > size.y) continue;
      var gx0 = Math.floor(x0 / cell), gx1 = Math.floor(x1 / cell);
      var gy0 = Math.floor(y0 / cell), gy1 = Math.floor(y1 / cell), hit = false;
      for (var gx = gx0; gx <= gx1 && !hit; gx++) for (var gy = gy0; gy <= gy1 && !hit; gy++) {
        var bs = grid[gx + ',' + gy] || [];
        for (var k = 0; k < bs.length; k++) {
          var b = bs[k];
          if (x0 < b[2] && b[0] < x1 && y0 < b[3] && b[1] < y1) { hit = true; break; }
        }
      }
      if (hit) continue;
      var box = [x0, y0, x1, y1];
      for (gx = gx0; gx <= gx1; gx++) for (gy = gy0; gy <= gy1; gy++) {
        (grid[gx + ',' + gy] = grid[gx + ',' + gy] || []).push(box);
      }
      var d = document.createElement('div');
      d.className = 'rp-label'; d.style.position = 'absolute';
      d.innerHTML = it[2];  // escaped on the server
      L.DomUtil.setPosition(d, map.containerPointToLayerPoint([x0, y0]));
      frag.appendChild(d); n++;
    }
    pane.appendChild(frag);
  }
  function later() { if (!timer) timer = setTimeout(place, 30); }
  map.on('zoomend moveend resize overlayadd overlayremove layeradd layerremove', later);
  map.on('zoomstart', function() { pane.style.display = 'none'; });
  map.on('zoomend', function() { pane.style.display = ''; });
  map._rpLabels = {add: function(group, items) { sets.push({group: group, items: items}); later(); }};
  return map._rpLabels;
}
window.rpLayer = function(map, group, D) {
  var lay = L.geoJSON(D.fc, {
    style: function(f) { return D.styles[f.properties._s]; },
    // points: a filled disc (the whole symbol takes a click) in the point pane above the polygons
    pointToLayer: function(f, ll) {
      return L.circleMarker(ll, L.extend({pane: '%(pane)s', fill: true}, D.styles[f.properties._s]));
    },
    onEachFeature: function(f, layer) {
      var p = f.properties;
      p._layer = D.key;
      if (p._tip) layer.bindTooltip(p._tip, {sticky: true});
      // identify: the popup lists every feature under the click, this one first (layers/static/identify.js)
      if (D.pop) layer.bindPopup(function(l) { return rpIdentify(map, l, D, p); }, {maxWidth: 380, minWidth: 240, maxHeight: 420});
      // a map that wants locations (click_through): a click on a feature is also a click on the map there
      layer.on('click', function(e) {
        if (map.options.rpClickThrough) map.fire('click', {latlng: e.latlng, layerPoint: e.layerPoint,
          containerPoint: e.containerPoint, originalEvent: e.originalEvent});
      });
    }
  });
  lay.addTo(group);
  (map._rpSets = map._rpSets || []).push({group: group, lay: lay, D: D});
  if (D.labels && D.labels.length) rpLabels(map).add(group, D.labels);
};
})();
""".replace("%(max)d", str(MAX_LABELS)).replace("%(pane)s", POINT_PANE)


#: Identify (every feature under a click, from every visible layer): our own script file.
IDENTIFY_JS = (Path(__file__).parent / "static" / "identify.js").read_text(encoding="utf-8")


def _label_width(text: str) -> float:
    """Estimated label width in pixels (12 px bold; CJK about 13 px, others 7.5)."""
    return 6.0 + sum(13.0 if ord(c) > 0x2E7F else 7.5 for c in text)


def _label_priority(geom) -> float:
    """Bigger features first: log of the area (polygons), length x 20 m (lines), a small site for points."""
    import math

    kind = geom.geom_type
    size = geom.area if "Polygon" in kind else geom.length * 2e-4 if "Line" in kind else 1e-7
    return round(math.log10(size * 1e10 + 1.0), 3)


def layer_payload(gdf: gpd.GeoDataFrame, spec: LayerSpec, id_field: str | None, *, labels: bool) -> dict:
    """What one layer's script needs: features (``features``: a JSON array,
    script-safe) with compact properties (id, escaped tooltip, escaped title,
    popup values as indexes into the layer's table of escaped strings, style
    index), the layer's style table, its popup labels/caveat once, and its
    labels (escaped text, place, priority, width) sorted by priority."""
    import shapely

    feats, styles, style_index, label_items = [], [], {}, []
    used = [c for c in gdf.columns if c in spec.fields() | {"name", "precision"}]
    records = gdf[used].to_dict("records") if used else [{} for _ in range(len(gdf))]
    geoms = gdf.geometry.values
    ids = gdf[id_field].tolist() if id_field and id_field in gdf.columns else list(gdf.index)
    # display generalisation well below a pixel at street zoom, 6 decimals (about 0.1 m)
    shown = shapely.simplify(geoms, DISPLAY_TOLERANCE_DEG, preserve_topology=True)
    coords = shapely.to_geojson(shapely.set_precision(shown, 1e-6, mode="pointwise")) if len(geoms) else []
    strings: dict[str, int] = {}  # popup values, each stored once per layer
    any_approx = False
    for row, geom, fid, gj in zip(records, geoms, ids, coords, strict=True):
        if geom is None or geom.is_empty:
            continue
        st = feature_style(row, spec, geom.geom_type)
        key = tuple(sorted(st.items()))
        if key not in style_index:
            style_index[key] = len(styles)
            styles.append(st)
        title, approx, values = popup_parts(row, spec)
        props = {"_id": cell_text(fid), "_s": style_index[key], "_tip": tooltip_html(row, spec), "_pt": title}
        if approx:
            props["_pa"] = any_approx = 1
        if spec.popup:
            props["_pv"] = [strings.setdefault(v, len(strings)) for v in values]
        # shapely's GeoJSON holds only numbers and type names: spliced in as it is
        feats.append(
            f'{{"type":"Feature","properties":{safe_json(props, separators=(",", ":"))},"geometry":{gj}}}'
        )
        name = cell_text(row.get("name"))
        if labels and spec.label and name:
            pt = geom if geom.geom_type == "Point" else geom.representative_point()
            label_items.append(
                [round(pt.y, 6), round(pt.x, 6), html_text(name), _label_priority(geom), _label_width(name)]
            )
    label_items.sort(key=lambda it: -it[3])
    pop_labels, caveat, source_line = popup_layer_parts(spec)
    return {
        "key": spec.key,
        "features": "[" + ",".join(feats) + "]",
        "n": len(feats),
        "styles": styles,
        "pop": {
            "labels": pop_labels,
            "strs": list(strings),
            "note": caveat,
            "src": source_line,
            "badge": APPROX_BADGE if any_approx else "",
        },
        "labels": label_items,
    }


_PAYLOADS: OrderedDict = OrderedDict()
_PAYLOADS_LOCK = threading.Lock()
#: Layer payloads kept (most recently used first out last): a page rerun with unchanged data reuses them.
PAYLOAD_CACHE_SIZE = 24


def data_fingerprint(gdf: gpd.GeoDataFrame, columns) -> str:
    """A digest of the geometries (WKB) and the given columns' values: equal data, equal digest."""
    import hashlib

    import shapely

    h = hashlib.blake2b(digest_size=16)
    h.update(str(len(gdf)).encode())
    wkb = shapely.to_wkb(gdf.geometry.values)
    h.update(b"".join(b if b is not None else b"-" for b in wkb))
    cols = [c for c in columns if c in gdf.columns]
    h.update(pickle.dumps((cols, list(gdf.index), gdf[cols].to_numpy(dtype=object).tolist()), protocol=5))
    return h.hexdigest()


def cached_layer_payload(
    gdf: gpd.GeoDataFrame, spec: LayerSpec, id_field: str | None, *, labels: bool
) -> dict:
    """:func:`layer_payload`, reused while the layer's data, spec and options are the same
    (keyed by a digest of the data, not by object identity: Streamlit hands out copies)."""
    cols = sorted(spec.fields() | {"name", "precision"} | ({id_field} if id_field else set()))
    key = (repr(spec), id_field, labels, data_fingerprint(gdf, cols))
    with _PAYLOADS_LOCK:
        hit = _PAYLOADS.get(key)
        if hit is not None:
            _PAYLOADS.move_to_end(key)
            return hit
    payload = layer_payload(gdf, spec, id_field, labels=labels)
    with _PAYLOADS_LOCK:
        _PAYLOADS[key] = payload
        while len(_PAYLOADS) > PAYLOAD_CACHE_SIZE:
            _PAYLOADS.popitem(last=False)
    return payload


class FeatureLayer(MacroElement):
    """One layer's features in one script: GeoJSON drawn by Leaflet, tooltips,
    popups assembled on click from the features' escaped values and the
    layer's caveat (once per layer), labels placed by the browser without
    overlaps (bigger features first; more appear when zoomed in)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
rpLayer({{ this.map_name }}, {{ this._parent.get_name() }}, {{ this.payload }});
{% endmacro %}"""
    )

    def __init__(self, payload: dict, map_name: str):
        super().__init__()
        self._name = "FeatureLayer"
        self.map_name = map_name
        # style table with readable separators, the rest compact; features already JSON
        parts = {k: v for k, v in payload.items() if k not in ("styles", "features", "n")}
        self.payload = (
            safe_json(parts, separators=(",", ":"))[:-1]
            + ',"styles":'
            + safe_json(payload["styles"])
            + ',"fc":{"type":"FeatureCollection","features":'
            + payload["features"]
            + "}}"
        )

    def render(self, **kwargs):
        script = self._template.module.script(self, kwargs)
        self.get_root().script.add_child(RawText(script), name=self.get_name())


def _root_map(el):
    while el is not None and not isinstance(el, folium.Map):
        el = getattr(el, "_parent", None)
    return el


def _ensure_layer_js(m: folium.Map) -> None:
    if not getattr(m, "_rp_layer_js", False):
        _ScriptElement(IDENTIFY_JS, "RenewalIdentifyJs").add_to(m)
        _ScriptElement(_LAYER_JS, "RenewalLayerJs").add_to(m)
        m._rp_layer_js = True


def add_layer(
    parent,
    spec: LayerSpec,
    gdf: gpd.GeoDataFrame,
    *,
    labels: bool = False,
    id_field: str | None = None,
    show: bool | None = None,
) -> folium.FeatureGroup:
    """Draw ``gdf`` as the layer ``spec`` into ``parent`` (a map); return its FeatureGroup.

    ``id_field`` names a column copied to each feature's ``_id`` property so a
    click can be traced back to a row (st_folium returns the clicked feature,
    with ``_layer`` set to the layer key).
    """
    m = _root_map(parent)
    _ensure_layer_js(m)
    # the layer control shows the name as HTML
    group = folium.FeatureGroup(name=html_text(spec.title_zh), show=spec.visible if show is None else show)
    payload = cached_layer_payload(gdf, spec, id_field, labels=labels)
    if payload["n"]:
        FeatureLayer(payload, m.get_name()).add_to(group)
    group.add_to(parent)
    return group


#: A map option for the page only: a click on a feature also gives the page the clicked position.
CLICK_THROUGH_OPTION = "rp_click_through"


def standalone_map_html(m: folium.Map) -> str:
    """The map as one standalone HTML file, the same from the pages and from ``export-map``: a copy with
    the 查找名称 box (:func:`for_export`) and without the options that only serve the page (a downloaded
    map has no page to give a clicked position to); ``m`` itself is left as it is."""
    out = for_export(m)
    out.options.pop(CLICK_THROUGH_OPTION, None)
    return standalone_html(out)


def draw_scene(
    scene: Scene,
    *,
    basemap: str = DEFAULT_BASEMAP,
    labels: bool = False,
    legend: bool = True,
    collapse_control: bool = True,
    click_through: bool = False,
    legend_corner: str = "bottomleft",
) -> folium.Map:
    """Draw a scene with folium: basemap, its layers in order, grouped layer control, legend, bookmarks.

    The scene is WGS84; geometries, extent and bookmarks are shifted to the
    basemap's display coordinates here (GCJ-02 for 高德). ``legend_corner``: where the legend sits
    (``bottomright`` on a map with the drawing tools, whose toolbar runs down the left side).
    ``click_through``: a click on a feature is also a click on the map at that position (its popup still
    opens), for a page that takes a location from a click (the coverage what-if): layers drawn over the
    whole district would otherwise take every click.
    """
    bm = BASEMAPS.get(basemap) or BASEMAPS[DEFAULT_BASEMAP]
    fit = display_bounds(scene.extent, bm) if scene.extent is not None else None
    m = new_map(bm.key, bounds=fit)
    if click_through:
        m.options[CLICK_THROUGH_OPTION] = True  # read by the layers' click handlers (rpClickThrough)
    if sum(len(layer.data) for layer in scene.layers) > CANVAS_FROM:
        m.options["prefer_canvas"] = True  # thousands of SVG elements are slow to draw
    groups: dict[str, list] = {}
    layer_groups: dict[str, folium.FeatureGroup] = {}
    for layer in scene.layers:
        fg = add_layer(m, layer.spec, to_display(layer.data, bm), labels=labels, id_field=layer.id_field)
        groups.setdefault(layer.spec.group or "其他", []).append(fg)
        layer_groups[layer.key] = fg
    if groups:
        from folium.plugins import GroupedLayerControl

        ordered = {html_text(g): groups[g] for g in (*GROUPS, "其他") if g in groups}
        ctl = GroupedLayerControl(
            ordered, exclusive_groups=False, collapsed=collapse_control, position="topright"
        )
        ctl.options["collapsed"] = collapse_control  # folium 0.20 drops collapsed=False otherwise
        ctl.options["groupCheckboxes"] = True  # a group (一站, 一带, ...) switches on/off as a whole
        ctl.add_to(m)
    if legend and scene.legend:
        _MapControl(legend_html(scene.legend, scene.footnote), "rp-legend", legend_corner).add_to(m)
    if groups:
        LegendSync(layer_groups).add_to(m)  # legend rows and group checkboxes follow the switches
    if scene.bookmarks:
        ViewBookmarks({label: display_bounds(b, bm) for label, b in scene.bookmarks.items()}).add_to(m)
    m._rp_scene, m._rp_basemap = scene, bm.key  # for the 定位 box (name search, marker shift)
    return m


#: The name search of exported maps: our own script file.
FIND_JS = (Path(__file__).parent / "static" / "find.js").read_text(encoding="utf-8")


class _FindControl(MacroElement):
    _template = Template(
        "{% macro script(this, kwargs) %}rpFindControl({{ this._parent.get_name() }});{% endmacro %}"
    )

    def __init__(self):
        super().__init__()
        self._name = "FindControl"


def for_export(m: folium.Map) -> folium.Map:
    """A copy of ``m`` for a standalone file: with a 查找名称 box over the features it carries (the pages
    have the 定位 box above the map instead). ``m`` itself is left as it is."""
    import copy

    out = copy.deepcopy(m)
    _ScriptElement(FIND_JS, "RenewalFindJs").add_to(out)
    _FindControl().add_to(out)
    return out


def named_layers(m: folium.Map) -> list[tuple[str, gpd.GeoDataFrame]]:
    """The (title, WGS84 data) of every layer drawn on ``m`` by :func:`draw_scene` (for a name search)."""
    scene = getattr(m, "_rp_scene", None)
    return [(layer.spec.title_zh, layer.data) for layer in scene.layers] if scene is not None else []


def add_goto_marker(m: folium.Map, lon: float, lat: float, label: str) -> None:
    """Mark a WGS84 position on ``m`` (shifted like the layers on a GCJ-02 basemap) and centre the map on it."""
    from shapely.geometry import Point

    bm = BASEMAPS.get(getattr(m, "_rp_basemap", DEFAULT_BASEMAP)) or BASEMAPS[DEFAULT_BASEMAP]
    pt = display_geometry(Point(lon, lat), bm)
    _ScriptElement(leaflet_icon_js(), "LeafletMarkerIcons").add_to(m)
    GotoMarker(pt.y, pt.x, label).add_to(m)


def build_map(
    keys: Iterable[str],
    data: Mapping[str, gpd.GeoDataFrame],
    *,
    basemap: str = DEFAULT_BASEMAP,
    labels: bool = False,
    bookmarks: Mapping[str, gpd.GeoDataFrame] | None = None,
    fit: gpd.GeoDataFrame | None = None,
    legend: bool = True,
    footnote: str = DEFAULT_FOOTNOTE,
    id_fields: Mapping[str, str] | None = None,
    collapse_control: bool = True,
) -> folium.Map:
    """Registered layers ``keys`` with ``data`` (WGS84, selected) as a scene, drawn (:func:`draw_scene`)."""
    scene = scene_from_data(
        keys, data, bookmarks=bookmarks, extent=fit, footnote=footnote, id_fields=id_fields
    )
    return draw_scene(scene, basemap=basemap, labels=labels, legend=legend, collapse_control=collapse_control)


def add_draw_control(m: folium.Map, geom=None, *, basemap: str = DEFAULT_BASEMAP) -> None:
    """Folium's Draw plugin on ``m``; ``geom`` (WGS84) is put in the editable group so it can be reshaped."""
    from folium.plugins import Draw

    # markers (a point site being edited, a new point drawn) need the marker images: before any marker
    _ScriptElement(leaflet_icon_js(), "LeafletMarkerIcons").add_to(m)
    group = folium.FeatureGroup(name="编辑图形", control=False).add_to(m)
    geom = display_geometry(geom, BASEMAPS.get(basemap) or BASEMAPS[DEFAULT_BASEMAP])
    if geom is not None and not geom.is_empty:
        style = {"color": "#f39c12", "weight": 3}
        for part in getattr(geom, "geoms", [geom]):
            if part.geom_type == "Polygon":
                rings = [part.exterior, *part.interiors]
                folium.Polygon([[(y, x) for x, y in r.coords] for r in rings], **style).add_to(group)
            elif part.geom_type == "LineString":
                folium.PolyLine([(y, x) for x, y in part.coords], **style).add_to(group)
            elif part.geom_type == "Point":
                folium.Marker([part.y, part.x]).add_to(group)
    Draw(
        feature_group=group,
        show_geometry_on_click=False,
        position="topleft",
        draw_options={
            "circle": False,
            "circlemarker": False,
            "polyline": {"metric": True, "feet": False},
            "polygon": {"allowIntersection": False, "showArea": True, "metric": True, "feet": False},
        },
        edit_options={"poly": {"allowIntersection": False}},
    ).add_to(m)
