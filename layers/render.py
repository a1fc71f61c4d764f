"""The folium back-end: a :class:`~layers.scene.Scene` becomes a folium map (:func:`draw_scene`, the one
entry point; :func:`new_map` is the empty map it starts from).

The back-end is in parts, one job each: display coordinates (:mod:`layers.display`), feature text
(:mod:`layers.feature_text`), Leaflet styles (:mod:`layers.leaflet_style`), the legend
(:mod:`layers.legend`), layer payloads and their cache (:mod:`layers.payload`), the feature-layer elements
(:mod:`layers.feature_layers`), map controls (:mod:`layers.map_controls`), the drawing tools
(:mod:`layers.draw_control`). The browser code is the project's own asset files (``layers/static``,
registered in :mod:`layers.assets`), called with JSON arguments (:mod:`layers.elements`).

Rules it enforces for every map:

* Text from data goes through :mod:`layers.markup` (``html_text`` into HTML, ``safe_json``
  into scripts) and is never compiled as a template; the tooltip and popup pieces are built here,
  never by folium's GeoJsonTooltip (which inserts raw property values as HTML).
* Features whose ``precision`` is approximate are drawn dashed (lines, polygons) or hollow (points)
  and their popup says 位置示意.
* Nothing is fetched from the internet except the basemap tiles the user chose; the scripts are
  localised by :mod:`layers.assets`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import folium
import geopandas as gpd

from layers import folium_pins as pins
from layers.assets import leaflet_icon_js, standalone_html
from layers.basemaps import BASEMAPS, DEFAULT_BASEMAP
from layers.display import display_bounds, display_geometry, to_display
from layers.elements import MapCall, Script, asset_script, style_sheet
from layers.feature_layers import add_layer
from layers.legend import legend_html
from layers.map_controls import (
    ChineseControls,
    FocusWithoutScroll,
    GotoMarker,
    InstantClicks,
    LayerSwitches,
    LegendSync,
    add_measure,
)
from layers.markup import html_text
from layers.registry import GROUPS
from layers.scene import Bounds, Scene

#: Text shown on a tile basemap that cannot load (no internet): the layers still draw.
OFFLINE_NOTE_ZH = "离线，底图不可用（图层照常显示）"

#: More features than this on one map: Leaflet draws vectors on a canvas, not as SVG elements.
CANVAS_FROM = 1000

#: A map option for the page only: a click on a feature also gives the page the clicked position.
CLICK_THROUGH_OPTION = "rp_click_through"


def new_map(
    basemap_key: str = DEFAULT_BASEMAP, *, bounds: Bounds | None = None, fullscreen: bool = True
) -> folium.Map:
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
    asset_script("rp_map.js").add_to(m)  # the functions every element below calls
    ChineseControls().add_to(m)  # before any layer: it creates the point pane
    FocusWithoutScroll().add_to(m)  # a first click on a map partly below the fold is not lost
    InstantClicks().add_to(m)  # a click reaches the page without the widget's 250 ms debounce
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
        MapCall("rpOfflineNote", OFFLINE_NOTE_ZH).add_to(m)
    style_sheet().add_to(m)
    if fullscreen:
        from folium.plugins import Fullscreen

        Fullscreen(title="全屏", title_cancel="退出全屏", position="topleft").add_to(m)
    add_measure(m)
    if bounds is not None:
        m.fit_bounds(leaflet_bounds(bounds))
    return m


def leaflet_bounds(b: Bounds) -> list[list[float]]:
    """(minx, miny, maxx, maxy) as Leaflet's [[south, west], [north, east]]."""
    return [[b[1], b[0]], [b[3], b[2]]]


def view_bookmarks(views: Mapping[str, tuple[float, float, float, float]]) -> MapCall:
    """Buttons that fit the map to named extents (全区, 一站, 一带, 一园) without a page rerun."""
    return MapCall(
        "rpBookmarks",
        [{"label": label, "bounds": leaflet_bounds(b)} for label, b in views.items()],
    )


def draw_scene(
    scene: Scene,
    *,
    basemap: str = DEFAULT_BASEMAP,
    labels: bool = False,
    legend: bool = True,
    collapse_control: bool = True,
    click_through: bool = False,
    legend_corner: str = "bottomleft",
    live: bool = False,
) -> folium.Map:
    """Draw a scene with folium: basemap, its layers in order, grouped layer control, legend, bookmarks.

    The scene is WGS84; geometries, extent and bookmarks are shifted to the
    basemap's display coordinates here (GCJ-02 for 高德). ``legend_corner``: where the legend sits
    (``bottomright`` on a map with the drawing tools, whose toolbar runs down the left side).
    ``click_through``: a click on a feature is also a click on the map at that position (its popup still
    opens), for a page that takes a location from a click (the coverage what-if): layers drawn over the
    whole district would otherwise take every click.

    ``live``: the layers, the layer control, the legend and the fit to the extent go into one FeatureGroup,
    :func:`live_part`, that a page shows with the map as streamlit-folium's ``feature_group_to_add``: when
    only they change, the browser swaps them on the map it has instead of loading the whole map again (the
    map is fitted again only when the extent changes, so the planner's view is kept otherwise). Other
    elements that change with the page's choices go into it too (the drawing tools' snapping targets).
    """
    bm = BASEMAPS.get(basemap) or BASEMAPS[DEFAULT_BASEMAP]
    fit = display_bounds(scene.extent, bm) if scene.extent is not None else None
    m = new_map(bm.key, bounds=None if live else fit)
    if click_through:
        m.options[CLICK_THROUGH_OPTION] = True  # read by the layers' click handlers (rpClickThrough)
    if sum(len(layer.data) for layer in scene.layers) > CANVAS_FROM:
        m.options["prefer_canvas"] = True  # thousands of SVG elements are slow to draw
    holder: folium.Map | folium.FeatureGroup = m
    if live:
        holder = folium.FeatureGroup(name="rp-live", control=False)
        holder.add_to(m)
        MapCall("rpLiveStart", map_name=m.get_name()).add_to(holder)
        if fit is not None:  # fitted when it changes (a what-if or a panel's rerun keeps the planner's view)
            MapCall("rpFit", leaflet_bounds(fit), map_name=m.get_name()).add_to(holder)
        m._rp_live = holder  # type: ignore[attr-defined]  # the project's own field, read by live_part
    groups: dict[str, list] = {}
    layer_groups: dict[str, folium.FeatureGroup] = {}
    for layer in scene.layers:
        fg = add_layer(holder, layer.spec, to_display(layer.data, bm), labels=labels, id_field=layer.id_field)
        groups.setdefault(layer.spec.group or "其他", []).append(fg)
        layer_groups[layer.key] = fg
    if groups:
        ordered = {html_text(g): groups[g] for g in (*GROUPS, "其他") if g in groups}
        LayerSwitches(ordered, m.get_name(), collapsed=collapse_control).add_to(holder)
    if legend and scene.legend:
        legend_box = legend_html(scene.legend, scene.footnote)
        MapCall("rpControl", legend_corner, "rp-legend", legend_box, map_name=m.get_name()).add_to(holder)
    if groups:
        LegendSync(layer_groups, map_name=m.get_name()).add_to(holder)  # legend and switches in step
    if scene.bookmarks:
        view_bookmarks({label: display_bounds(b, bm) for label, b in scene.bookmarks.items()}).add_to(m)
    # the project's own fields on the map, for the 定位 box (name search, marker shift) and the print panel,
    # read back with getattr; folium.Map declares no such fields
    m._rp_scene, m._rp_basemap = scene, bm.key  # type: ignore[attr-defined]
    return m


def live_part(m: folium.Map) -> folium.FeatureGroup | None:
    """The live part of a map drawn with ``draw_scene(live=True)`` (None for any other map)."""
    return getattr(m, "_rp_live", None)


#: The name streamlit-folium gives the map it shows (in its script and in a feature group's).
WIDGET_MAP_NAME = "map_div"


@contextmanager
def live_detached(m: folium.Map) -> Iterator[folium.FeatureGroup | None]:
    """Around ``st_folium``: the map without its live part (the widget draws the map from the rest and keys
    it by that script, so a change in the live part alone keeps the map), and the live part, to give the
    widget as ``feature_group_to_add``, its calls naming the map as the widget names it. Both are given
    back as they were after the block: the widget adds the part to the map again under another name, and
    rendering it there adds elements to it (``addTo`` lines under the widget's names), which go."""
    live = live_part(m)
    if live is None:
        yield None
        return
    key = next(k for k, v in pins.children(m).items() if v is live)
    order = list(pins.children(m))  # the live part goes back where it was (the file is the command's)
    own = m.get_name()
    named = [el for el in pins.walk(live) if getattr(el, "map_name", None) == own]
    kept = {el: set(pins.children(el)) for el in pins.walk(live)}  # the widget renders it under its names
    pins.remove_child(m, key)
    for el in named:
        el.map_name = WIDGET_MAP_NAME  # type: ignore[attr-defined]
    try:
        yield live
    finally:
        for el in named:
            el.map_name = own  # type: ignore[attr-defined]
        for el, names in kept.items():  # what that rendering added (``addTo`` lines under those names)
            for k in [k for k in pins.children(el) if k not in names]:
                pins.remove_child(el, k)
        now = {k: v for k, v in pins.children(m).items() if v is not live} | {key: live}
        pins.set_children(
            m, [(k, now[k]) for k in order if k in now] + [i for i in now.items() if i[0] not in order]
        )


def standalone_map_html(m: folium.Map) -> str:
    """The map as one standalone HTML file, the same from the pages and from ``export-map``: a copy with
    the 查找名称 box (:func:`for_export`) and without the options that only serve the page (a downloaded
    map has no page to give a clicked position to); ``m`` itself is left as it is."""
    out = for_export(m)
    out.options.pop(CLICK_THROUGH_OPTION, None)
    return standalone_html(out)


def for_export(m: folium.Map) -> folium.Map:
    """A copy of ``m`` for a standalone file: with a 查找名称 box over the features it carries (the pages
    have the 定位 box above the map instead). ``m`` itself is left as it is."""
    import copy

    out = copy.deepcopy(m)
    asset_script("find.js").add_to(out)
    MapCall("rpFindControl").add_to(out)
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
    Script(leaflet_icon_js(), "LeafletMarkerIcons").add_to(m)
    GotoMarker(pt.y, pt.x, label).add_to(m)
