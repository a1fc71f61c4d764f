"""The folium back-end: a :class:`~layers.scene.Scene` becomes a folium map
(:func:`draw_scene`); one :class:`~layers.registry.LayerSpec` plus a
GeoDataFrame becomes a folium FeatureGroup (:func:`add_layer`).

The scene says what is on the map and the resolved style values
(:mod:`layers.styles`); this module only converts them to Leaflet options,
HTML and folium elements, and shifts coordinates for the 高德 basemap.

Rules it enforces for every map:

* Text from data is escaped (``html.escape``) before it becomes HTML; the
  tooltip and popup HTML is built here, never by folium's GeoJsonTooltip
  (which inserts raw property values as HTML).
* Features whose ``precision`` is approximate are drawn dashed (lines,
  polygons) or hollow (points) and their popup says 位置示意.
* Nothing is fetched from the internet except the basemap tiles the user
  chose; the scripts are localised by :mod:`layers.assets`.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence

import folium
import geopandas as gpd
from branca.element import MacroElement
from jinja2 import Template
from shapely.geometry import box

import geodata
from layers.basemaps import BASEMAPS, DEFAULT_BASEMAP, Basemap
from layers.map_controls import POINT_PANE, ChineseControls, LegendSync
from layers.registry import GROUPS, LayerSpec
from layers.scene import DEFAULT_FOOTNOTE, Bounds, LegendEntry, Scene, scene_from_data
from layers.styles import (
    APPROX_BADGE,
    APPROX_LEGEND_TEXT,
    LEGEND_APPROX_DASH,
    LINE,
    POINT,
    cell_text,
    feature_precision,
    is_approximate,
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
    parts = [html.escape(_label_value(f, row.get(f))) for f in spec.tooltip]
    parts = [p for p in parts if p]
    if is_approximate(feature_precision(row, spec)):
        parts.append(f"<i>（{APPROX_BADGE}）</i>")
    return "<br>".join(parts)


def popup_html(row: Mapping, spec: LayerSpec) -> str:
    """Escaped popup HTML for one feature."""
    name = html.escape(
        cell_text(row.get("name")) or cell_text(row.get(spec.tooltip[0] if spec.tooltip else ""))
    )
    prec = feature_precision(row, spec)
    rows = []
    for field, label in spec.popup:
        value = _label_value(field, row.get(field))
        if value:
            rows.append(f"<tr><th>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>")
    badge = f'<span class="rp-badge">{APPROX_BADGE}</span>' if is_approximate(prec) else ""
    caveat = ""
    source_line = html.escape(spec.title_zh)
    if spec.source:
        try:
            caveat = geodata.meta(spec.source).caveat_zh
            source_line = f"图层：{html.escape(spec.title_zh)}"
        except geodata.GeodataError:
            pass
    note = f'<div class="rp-note">{html.escape(caveat)}</div>' if caveat else ""
    return (
        f'<div class="rp"><div class="rp-title">{name}{badge}</div>'
        f'<table class="rp-table">{"".join(rows)}</table>{note}'
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

_ON_EACH_FEATURE = """
function(feature, layer) {
    var p = feature.properties || {};
    if (p._tip) { layer.bindTooltip(p._tip, {sticky: true}); }
    if (p._pop) { layer.bindPopup(p._pop, {maxWidth: 380, minWidth: 240}); }
}
"""

MAP_CSS = """
.leaflet-container { background: #eef2f5; font-family: "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", sans-serif; }
.rp { font-size: 13px; line-height: 1.45; }
.rp-title { font-weight: 700; font-size: 14px; margin-bottom: 4px; }
.rp-badge { display: inline-block; margin-left: 6px; padding: 0 5px; border: 1px dashed #b03a2e; color: #b03a2e; border-radius: 3px; font-size: 11px; font-weight: 400; }
.rp-table th { text-align: left; vertical-align: top; padding-right: 8px; white-space: nowrap; color: #555; font-weight: 600; }
.rp-table td { max-width: 260px; }
.rp-note, .rp-src { margin-top: 4px; color: #777; font-size: 11px; }
.rp-label { font-size: 12px; font-weight: 600; color: #222; white-space: nowrap; text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 3px #fff; }
.rp-legend { background: rgba(255,255,255,0.93); padding: 6px 10px; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.3); font-size: 11.5px; max-height: 42vh; overflow-y: auto; line-height: 1.4; }
.leaflet-control-layers-expanded { font-size: 12.5px; max-height: 70vh; overflow-y: auto; }
.rp-legend summary { cursor: pointer; }
.rp-legend h4 { margin: 4px 0 2px; font-size: 12px; color: #333; }
.rp-legend .rp-sym { display: inline-block; width: 26px; vertical-align: middle; }
.rp-legend .rp-foot { margin-top: 6px; color: #666; font-size: 11px; max-width: 230px; }
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
  var Ctl = L.Control.extend({options: {position: {{ this.position|tojson }}},
    onAdd: function() { var d = L.DomUtil.create('div', {{ this.css_class|tojson }});
      d.innerHTML = {{ this.inner_html|tojson }};
      L.DomEvent.disableClickPropagation(d); L.DomEvent.disableScrollPropagation(d); return d; }});
  new Ctl().addTo(map);
})();
{% endmacro %}"""
    )

    def __init__(self, inner_html: str, css_class: str, position: str = "bottomleft"):
        super().__init__()
        self._name = "RenewalControl"
        self.inner_html = inner_html
        self.css_class = css_class
        self.position = position


class ViewBookmarks(MacroElement):
    """Buttons that fit the map to named extents (全区, 一站, 一带, 一园) without a page rerun."""

    _template = Template(
        """{% macro script(this, kwargs) %}
(function(){
  var map = {{ this._parent.get_name() }};
  var views = {{ this.views|tojson }};
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
        self.views = [{"label": label, "bounds": [[b[1], b[0]], [b[3], b[2]]]} for label, b in views.items()]


def _symbol_svg(entry: LegendEntry) -> str:
    """The legend symbol of an entry as inline SVG (escaped)."""
    color, fill = html.escape(entry.stroke), html.escape(entry.fill)
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
        out.append(f'<div data-legend-group="{html.escape(group)}">')
        if group:
            out.append(f"<h4>{html.escape(group)}</h4>")
        for entry in items:
            out.append(
                f'<div data-layer="{html.escape(entry.key)}">'
                f'<div><span class="rp-sym">{_symbol_svg(entry)}</span>{html.escape(entry.label)}</div>'
            )
            for sub in entry.categories:
                out.append(
                    f'<div style="margin-left:14px"><span class="rp-sym">{_symbol_svg(sub)}</span>'
                    f"{html.escape(sub.label)}</div>"
                )
            out.append("</div>")
        out.append("</div>")
    out.append(
        '<h4>符号说明</h4><div><span class="rp-sym"><svg width="22" height="14"><rect x="2" y="2" width="18" '
        'height="10" stroke="#555" stroke-width="1.5" fill="none" '
        f'stroke-dasharray="{dash_text(LEGEND_APPROX_DASH)}"/></svg></span>'
        f"{html.escape(APPROX_LEGEND_TEXT)}</div>"
    )
    if footnote:
        out.append(f'<div class="rp-foot">{html.escape(footnote)}</div>')
    out.append("</details>")
    return "".join(out)


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
    _css_element(MAP_CSS).add_to(m)
    if fullscreen:
        from folium.plugins import Fullscreen

        Fullscreen(title="全屏", title_cancel="退出全屏", position="topleft").add_to(m)
    if bounds is not None:
        minx, miny, maxx, maxy = bounds
        m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def _feature_collection(gdf: gpd.GeoDataFrame, spec: LayerSpec, id_field: str | None) -> dict:
    feats = []
    for idx, row in gdf.iterrows():
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        props = {
            "_tip": tooltip_html(row, spec),
            "_pop": popup_html(row, spec),
            "_style": feature_style(row, spec, geom.geom_type),
            "_layer": spec.key,
        }
        if id_field and id_field in row:
            props["_id"] = cell_text(row[id_field])
        else:
            props["_id"] = cell_text(idx)
        feats.append({"type": "Feature", "properties": props, "geometry": geom.__geo_interface__})
    return {"type": "FeatureCollection", "features": feats}


def _point_marker(radius: float) -> folium.CircleMarker:
    """The template of a point symbol: filled (so its whole disc takes a click, even when its
    fill is transparent) and drawn in the point pane above the polygons."""
    marker = folium.CircleMarker(radius=radius, fill=True)
    marker.options["pane"] = POINT_PANE
    return marker


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
    click can be traced back to a row (st_folium returns the clicked feature).
    """
    group = folium.FeatureGroup(name=spec.title_zh, show=spec.visible if show is None else show)
    fc = _feature_collection(gdf, spec, id_field)
    if fc["features"]:
        folium.GeoJson(
            fc,
            name=spec.title_zh,
            style_function=lambda f: f["properties"]["_style"],
            marker=_point_marker(spec.style.radius),
            on_each_feature=folium.JsCode(_ON_EACH_FEATURE),
            control=False,
        ).add_to(group)
    if labels and spec.label:
        for _, row in gdf.iterrows():
            geom = row.geometry
            name = cell_text(row.get("name"))
            if geom is None or geom.is_empty or not name:
                continue
            pt = geom if geom.geom_type == "Point" else geom.representative_point()
            folium.Marker(
                [pt.y, pt.x],
                icon=folium.DivIcon(
                    html=f'<div class="rp-label">{html.escape(name)}</div>',
                    icon_size=(0, 0),
                    icon_anchor=(-8, 8),
                ),
                interactive=False,
            ).add_to(group)
    group.add_to(parent)
    return group


def draw_scene(
    scene: Scene,
    *,
    basemap: str = DEFAULT_BASEMAP,
    labels: bool = False,
    legend: bool = True,
    collapse_control: bool = True,
) -> folium.Map:
    """Draw a scene with folium: basemap, its layers in order, grouped layer control, legend, bookmarks.

    The scene is WGS84; geometries, extent and bookmarks are shifted to the
    basemap's display coordinates here (GCJ-02 for 高德).
    """
    bm = BASEMAPS.get(basemap) or BASEMAPS[DEFAULT_BASEMAP]
    fit = display_bounds(scene.extent, bm) if scene.extent is not None else None
    m = new_map(bm.key, bounds=fit)
    groups: dict[str, list] = {}
    layer_groups: dict[str, folium.FeatureGroup] = {}
    for layer in scene.layers:
        fg = add_layer(m, layer.spec, to_display(layer.data, bm), labels=labels, id_field=layer.id_field)
        groups.setdefault(layer.spec.group or "其他", []).append(fg)
        layer_groups[layer.key] = fg
    if groups:
        from folium.plugins import GroupedLayerControl

        ordered = {g: groups[g] for g in (*GROUPS, "其他") if g in groups}
        ctl = GroupedLayerControl(
            ordered, exclusive_groups=False, collapsed=collapse_control, position="topright"
        )
        ctl.options["collapsed"] = collapse_control  # folium 0.20 drops collapsed=False otherwise
        ctl.options["groupCheckboxes"] = True  # a group (一站, 一带, ...) switches on/off as a whole
        ctl.add_to(m)
    if legend and scene.legend:
        _MapControl(legend_html(scene.legend, scene.footnote), "rp-legend", "bottomleft").add_to(m)
        LegendSync(layer_groups).add_to(m)
    if scene.bookmarks:
        ViewBookmarks({label: display_bounds(b, bm) for label, b in scene.bookmarks.items()}).add_to(m)
    return m


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
