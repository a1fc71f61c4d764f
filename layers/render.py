"""The one renderer: a :class:`~layers.registry.LayerSpec` plus a GeoDataFrame
becomes folium objects.

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
from collections.abc import Iterable, Mapping

import folium
import geodata
import geopandas as gpd
from branca.element import MacroElement
from jinja2 import Template
from renewal.crs import geometry_to_gcj02

from layers.basemaps import BASEMAPS, DEFAULT_BASEMAP, Basemap
from layers.registry import GROUPS, REGISTRY, LayerSpec

APPROX_DASH = "6 5"
APPROX_BADGE = "位置示意"


# --------------------------------------------------------------------------
# Data selection
# --------------------------------------------------------------------------

def _cell_matches(value, allowed: tuple[str, ...]) -> bool:
    if value is None or (isinstance(value, float) and value != value):
        return False
    parts = str(value).split("|")
    return any(p in allowed for p in parts)


def select(gdf: gpd.GeoDataFrame, spec: LayerSpec) -> gpd.GeoDataFrame:
    """The features of ``gdf`` that ``spec`` shows (its ``where`` and ``geom_types`` filters)."""
    mask = gdf.geometry.notna()
    for column, allowed in spec.where:
        if column not in gdf.columns:
            return gdf.iloc[0:0]
        mask &= gdf[column].map(lambda v, a=allowed: _cell_matches(v, a))
    if spec.geom_types:
        mask &= gdf.geom_type.isin(spec.geom_types)
    return gdf[mask]


def load_layer(key: str) -> gpd.GeoDataFrame:
    """Load and select the features of a registered layer from bundled geodata."""
    spec = REGISTRY[key]
    return select(geodata.load(spec.source), spec)


def load_layers(keys: Iterable[str]) -> dict[str, gpd.GeoDataFrame]:
    return {k: load_layer(k) for k in keys}


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


# --------------------------------------------------------------------------
# Feature text and style
# --------------------------------------------------------------------------

def _text(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def _label_value(field: str, value) -> str:
    text = _text(value)
    if field == "status":
        return geodata.STATUS_LABELS.get(text, text)
    if field == "precision":
        return geodata.PRECISION_LABELS.get(text, text)
    if field == "confidence":
        return geodata.CONFIDENCE_LABELS.get(text, text)
    return text


def feature_precision(row: Mapping, spec: LayerSpec) -> str:
    """The feature's own ``precision`` if it has one, else its layer's manifest precision."""
    own = _text(row.get("precision"))
    if own:
        return own
    try:
        return geodata.meta(spec.source).precision
    except geodata.GeodataError:
        return ""


def is_approximate(precision: str) -> bool:
    return precision in geodata.APPROXIMATE_PRECISIONS


def tooltip_html(row: Mapping, spec: LayerSpec) -> str:
    parts = [html.escape(_label_value(f, row.get(f))) for f in spec.tooltip]
    parts = [p for p in parts if p]
    if is_approximate(feature_precision(row, spec)):
        parts.append(f"<i>（{APPROX_BADGE}）</i>")
    return "<br>".join(parts)


def popup_html(row: Mapping, spec: LayerSpec) -> str:
    """Escaped popup HTML for one feature."""
    name = html.escape(_text(row.get("name")) or _text(row.get(spec.tooltip[0] if spec.tooltip else "")))
    prec = feature_precision(row, spec)
    rows = []
    for field, label in spec.popup:
        value = _label_value(field, row.get(field))
        if value:
            rows.append(f"<tr><th>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>")
    badge = f'<span class="rp-badge">{APPROX_BADGE}</span>' if is_approximate(prec) else ""
    caveat = ""
    try:
        meta = geodata.meta(spec.source)
        caveat = meta.caveat_zh
        source_line = f"图层：{html.escape(spec.title_zh)}"
    except geodata.GeodataError:
        source_line = html.escape(spec.title_zh)
    note = f'<div class="rp-note">{html.escape(caveat)}</div>' if caveat else ""
    return (
        f'<div class="rp"><div class="rp-title">{name}{badge}</div>'
        f'<table class="rp-table">{"".join(rows)}</table>{note}'
        f'<div class="rp-src">{source_line}</div></div>'
    )


def feature_style(row: Mapping, spec: LayerSpec, geom_type: str) -> dict:
    """Leaflet path options for one feature (approximate: dashed or hollow)."""
    st = spec.style
    color = st.color
    if st.color_field and _text(row.get(st.color_field)):
        color = _text(row.get(st.color_field))
    if st.color_by:
        color = dict(st.color_map).get(_text(row.get(st.color_by)), color)
    style = {
        "color": color,
        "weight": st.weight,
        "opacity": st.opacity,
        "fillColor": st.fill_color or color,
        "fillOpacity": st.fill_opacity,
    }
    if st.dash_array:
        style["dashArray"] = st.dash_array
    approx = is_approximate(feature_precision(row, spec))
    if geom_type in ("Point", "MultiPoint"):
        style["radius"] = st.radius
        if approx:  # hollow, dashed ring
            style.update(fillOpacity=0.0, dashArray="3 3", weight=max(st.weight, 2.5))
    elif approx:
        style["dashArray"] = APPROX_DASH
    return style


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
        self.views = [
            {"label": label, "bounds": [[b[1], b[0]], [b[3], b[2]]]} for label, b in views.items()
        ]


def _symbol_svg(spec: LayerSpec, approximate: bool, geom_type: str, color: str | None = None) -> str:
    st = spec.style
    color = html.escape(color or (st.color_map[0][1] if st.color_by and st.color_map else st.color))
    fill = html.escape(color if st.color_by else (st.fill_color or color))
    dash = ' stroke-dasharray="4 3"' if approximate else ""
    if geom_type in ("Point", "MultiPoint"):
        fo = 0 if approximate else max(st.fill_opacity, 0.3)
        return (f'<svg width="22" height="14"><circle cx="11" cy="7" r="5" stroke="{color}" '
                f'stroke-width="2" fill="{fill}" fill-opacity="{fo}"{dash}/></svg>')
    if geom_type in ("LineString", "MultiLineString"):
        return (f'<svg width="22" height="14"><line x1="1" y1="7" x2="21" y2="7" stroke="{color}" '
                f'stroke-width="{min(st.weight, 5)}"{dash}/></svg>')
    return (f'<svg width="22" height="14"><rect x="2" y="2" width="18" height="10" stroke="{color}" '
            f'stroke-width="1.5" fill="{fill}" fill-opacity="{max(st.fill_opacity, 0.15)}"{dash}/></svg>')


def legend_html(entries: list[tuple[LayerSpec, bool, str]], footnote: str = "",
                categories: Mapping[str, list[str]] | None = None) -> str:
    """Legend HTML (escaped) from (spec, approximate?, geometry type) entries, grouped.

    ``categories`` maps a layer key to the values of its ``color_by`` field that are
    on the map; each gets its own row with its colour.
    """
    out = ['<details open><summary><b>图例</b></summary>']
    for group in (*GROUPS, ""):
        items = [e for e in entries if e[0].group == group]
        if not items:
            continue
        if group:
            out.append(f"<h4>{html.escape(group)}</h4>")
        for spec, approx, gtype in items:
            out.append(f'<div><span class="rp-sym">{_symbol_svg(spec, approx, gtype)}</span>'
                       f"{html.escape(spec.title_zh)}</div>")
            colors = dict(spec.style.color_map)
            for value in (categories or {}).get(spec.key, []):
                sym = _symbol_svg(spec, approx, gtype, colors.get(value, spec.style.color))
                out.append(f'<div style="margin-left:14px"><span class="rp-sym">{sym}</span>'
                           f"{html.escape(value)}</div>")
    out.append(
        '<h4>符号说明</h4><div><span class="rp-sym"><svg width="22" height="14"><rect x="2" y="2" width="18" '
        'height="10" stroke="#555" stroke-width="1.5" fill="none" stroke-dasharray="4 3"/></svg></span>'
        "虚线、空心 = 位置示意（未经测绘）</div>"
    )
    if footnote:
        out.append(f'<div class="rp-foot">{html.escape(footnote)}</div>')
    out.append("</details>")
    return "".join(out)


DEFAULT_FOOTNOTE = (
    "区界、海河由高德行政区划推算（误差约数十米）；地铁为2016年快照；"
    "规划要素按《河东区“十五五”规划纲要》文字示意，未经测绘。"
)


def new_map(basemap_key: str = DEFAULT_BASEMAP, *, bounds=None, fullscreen: bool = True) -> folium.Map:
    """An empty map with the chosen basemap (no tiles for ``none``), scale bar and CSS."""
    basemap = BASEMAPS.get(basemap_key) or BASEMAPS[DEFAULT_BASEMAP]
    m = folium.Map(location=[39.118, 117.25], zoom_start=13, tiles=None, control_scale=True,
                   prefer_canvas=False, max_zoom=basemap.max_zoom)
    for i, url in enumerate(basemap.tile_urls()):
        folium.TileLayer(
            tiles=url, attr=basemap.attribution if i == 0 else "", name=basemap.title_zh,
            subdomains=basemap.subdomains, max_zoom=basemap.max_zoom, control=False, overlay=False,
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
            props["_id"] = _text(row[id_field])
        else:
            props["_id"] = _text(idx)
        feats.append({"type": "Feature", "properties": props, "geometry": geom.__geo_interface__})
    return {"type": "FeatureCollection", "features": feats}


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
            marker=folium.CircleMarker(radius=spec.style.radius),
            on_each_feature=folium.JsCode(_ON_EACH_FEATURE),
            control=False,
        ).add_to(group)
    if labels and spec.label:
        for _, row in gdf.iterrows():
            geom = row.geometry
            name = _text(row.get("name"))
            if geom is None or geom.is_empty or not name:
                continue
            pt = geom if geom.geom_type == "Point" else geom.representative_point()
            folium.Marker(
                [pt.y, pt.x],
                icon=folium.DivIcon(
                    html=f'<div class="rp-label">{html.escape(name)}</div>',
                    icon_size=(0, 0), icon_anchor=(-8, 8),
                ),
                interactive=False,
            ).add_to(group)
    group.add_to(parent)
    return group


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
    """A complete map: basemap, the given layers in z-order, grouped layer control, legend, bookmarks.

    ``data`` maps layer keys to WGS84 GeoDataFrames (already selected, see
    :func:`load_layer`). ``bookmarks`` maps Chinese labels to GeoDataFrames
    whose extent each bookmark button fits. ``fit`` is the initial extent.
    """
    bm = BASEMAPS.get(basemap) or BASEMAPS[DEFAULT_BASEMAP]
    specs = sorted((REGISTRY[k] for k in keys if k in data), key=lambda s: s.z)
    fit_bounds = None
    if fit is not None and not fit.empty:
        fit_bounds = tuple(to_display(fit, bm).total_bounds)
    m = new_map(bm.key, bounds=fit_bounds)
    groups: dict[str, list] = {}
    entries = []
    categories: dict[str, list[str]] = {}
    for spec in specs:
        gdf = to_display(data[spec.key], bm)
        fg = add_layer(m, spec, gdf, labels=labels, id_field=(id_fields or {}).get(spec.key))
        groups.setdefault(spec.group or "其他", []).append(fg)
        if not gdf.empty:
            approx = any(is_approximate(feature_precision(r, spec)) for _, r in gdf.iterrows())
            entries.append((spec, approx, gdf.geom_type.iloc[0]))
            if spec.style.color_by and spec.style.color_by in gdf.columns:
                present = set(gdf[spec.style.color_by].dropna().astype(str))
                categories[spec.key] = [v for v, _ in spec.style.color_map if v in present] + sorted(
                    present - {v for v, _ in spec.style.color_map})
    if groups:
        from folium.plugins import GroupedLayerControl

        ordered = {g: groups[g] for g in (*GROUPS, "其他") if g in groups}
        ctl = GroupedLayerControl(ordered, exclusive_groups=False, collapsed=collapse_control, position="topright")
        ctl.options["collapsed"] = collapse_control  # folium 0.20 drops collapsed=False otherwise
        ctl.add_to(m)
    if legend and entries:
        _MapControl(legend_html(entries, footnote, categories), "rp-legend", "bottomleft").add_to(m)
    if bookmarks:
        views = {
            label: tuple(to_display(g, bm).total_bounds) for label, g in bookmarks.items() if not g.empty
        }
        ViewBookmarks(views).add_to(m)
    return m


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
    Draw(feature_group=group, show_geometry_on_click=False, position="topleft",
         draw_options={"circle": False, "circlemarker": False,
                       "polygon": {"allowIntersection": False, "showArea": True}},
         edit_options={"poly": {"allowIntersection": False}}).add_to(m)
