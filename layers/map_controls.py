"""Readable interactive maps: the Leaflet-side pieces the folium back-end adds to every map.

* :class:`ChineseControls`: zoom, layer-control, full-screen, draw-toolbar and
  measure texts in Chinese; a metric-only scale bar; a map pane above the
  polygons where point symbols are drawn (:data:`POINT_PANE`), so a point is
  clickable over its whole symbol even where an area lies on top of it.
* :class:`LegendSync`: the legend shows only the layers that are switched on,
  starts collapsed on small screens (narrow map), and can be folded by the planner.
* :func:`add_measure`: the measure control (distance in 米/公里, area in 平方米/公顷, Chinese texts).
* :class:`GotoMarker`: the marker of the 定位 box (the map centred on a typed coordinate or name).
* :class:`InstantClicks`: a click or a finished drawing reaches the page without the widget's debounce.
* :class:`FocusWithoutScroll`: the first click on a map partly below the fold is not lost
  (Leaflet focuses the map on mouse-down, which scrolled the page under the mouse).

Each is a call of a function of the project's script library (``layers/static/rp_map.js``, added to
every map by :func:`layers.render.new_map`) with its values as JSON (:class:`layers.elements.MapCall`);
they work in st_folium and in standalone HTML.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import folium
from branca.element import Element
from folium.plugins import GroupedLayerControl
from folium.template import Template

from layers.elements import MapCall, Ref
from layers.markup import html_text

#: The Leaflet pane point symbols are drawn in (z-index between polygons (400) and labels (600)).
POINT_PANE = "rp-points"
#: Maps narrower than this (px) start with the legend collapsed.
SMALL_MAP_PX = 760

#: leaflet-draw texts (L.drawLocal) in Chinese, same structure as the plugin's English table.
DRAW_LOCAL_ZH: dict = {
    "draw": {
        "toolbar": {
            "actions": {"title": "取消绘制", "text": "取消"},
            "finish": {"title": "完成绘制", "text": "完成"},
            "undo": {"title": "删除最后一个点", "text": "删除最后一点"},
            "buttons": {
                "polyline": "绘制折线",
                "polygon": "绘制多边形",
                "rectangle": "绘制矩形",
                "circle": "绘制圆",
                "marker": "放置标记",
                "circlemarker": "放置圆点",
            },
        },
        "handlers": {
            "circle": {"tooltip": {"start": "按住并拖动以绘制圆。"}, "radius": "半径"},
            "circlemarker": {"tooltip": {"start": "单击地图放置圆点。"}},
            "marker": {"tooltip": {"start": "单击地图放置标记。"}},
            "polygon": {
                "tooltip": {
                    "start": "单击开始绘制多边形。",
                    "cont": "单击继续绘制。",
                    "end": "单击第一个点闭合图形。",
                }
            },
            "polyline": {
                "error": "<strong>错误：</strong>边线不能相交！",
                "tooltip": {
                    "start": "单击开始绘制折线。",
                    "cont": "单击继续绘制。",
                    "end": "单击最后一个点完成折线。",
                },
            },
            "rectangle": {"tooltip": {"start": "按住并拖动以绘制矩形。"}},
            "simpleshape": {"tooltip": {"end": "松开鼠标完成绘制。"}},
        },
    },
    "edit": {
        "toolbar": {
            "actions": {
                "save": {"title": "保存修改", "text": "保存"},
                "cancel": {"title": "取消编辑，放弃全部修改", "text": "取消"},
                "clearAll": {"title": "清除全部图形", "text": "全部清除"},
            },
            "buttons": {
                "edit": "编辑图形",
                "editDisabled": "没有可编辑的图形",
                "remove": "删除图形",
                "removeDisabled": "没有可删除的图形",
            },
        },
        "handlers": {
            "edit": {"tooltip": {"text": "拖动节点或标记以修改图形。", "subtext": "点“取消”可撤销修改。"}},
            "remove": {"tooltip": {"text": "单击要删除的图形。"}},
        },
    },
}

#: Titles of Leaflet's and the plugins' buttons, by CSS selector, set after the controls exist.
CONTROL_TITLES_ZH: dict[str, str] = {
    ".leaflet-control-zoom-in": "放大",
    ".leaflet-control-zoom-out": "缩小",
    ".leaflet-control-layers-toggle": "图层",
    ".leaflet-control-measure-toggle": "测量距离和面积",
}


#: Label placement (browser side): at most this many name labels at once on a map, collisions hidden.
MAX_LABELS = 600


class ChineseControls(MapCall):
    """Chinese control texts, a metric-only scale bar and the point pane, for one map (``rpMapSetup``).

    Must be added to the map before its layers and controls (the pane has to exist before a point is drawn
    into it; ``L.drawLocal`` before the draw toolbar is built).
    """

    def __init__(self) -> None:
        cfg = {
            "pane": POINT_PANE,
            "maxLabels": MAX_LABELS,
            "drawLocal": DRAW_LOCAL_ZH,
            "titles": CONTROL_TITLES_ZH,
        }
        super().__init__("rpMapSetup", cfg)


class FocusWithoutScroll(MapCall):
    """Leaflet focuses the map (for its keyboard handler) on every first mouse-down; inside the map
    widget's frame that focus scrolled the page to bring the frame into view, so the mouse-up landed
    elsewhere and the planner's first click on a map partly below the fold was lost. The map is
    focused without scrolling instead (keyboard panning and zooming still work)."""

    def __init__(self) -> None:
        super().__init__("rpFocusWithoutScroll")


class InstantClicks(MapCall):
    """In the page's map widget a click (on a feature or the map) or a finished drawing reaches the page at
    once, not after streamlit_folium's 250 ms debounce meant for panning (``rpInstantClicks``): a click on a
    site shows its card a quarter of a second sooner (issue 22). Panning and zooming stay debounced."""

    def __init__(self) -> None:
        super().__init__("rpInstantClicks")


class LegendSync(MapCall):
    """Keeps the legend to the layers that are switched on; folds it on small maps; ticks a
    layer group's checkbox when all its layers are on (so one click switches the group off).

    ``layers`` maps a layer key (the ``data-layer`` of its legend rows) to its
    folium FeatureGroup. A group heading hides when all its rows are hidden.
    """

    def __init__(self, layers: Mapping[str, Element], *, map_name: str | None = None):
        super().__init__(
            "rpLegendSync", {str(k): Ref(fg) for k, fg in layers.items()}, SMALL_MAP_PX, map_name=map_name
        )


class LayerSwitches(GroupedLayerControl):
    """The layer control: layers by group (一站, 一带, ...), each group switched on and off as a whole, added
    to the map under one name (``rpSwapControl``), so a map's live part drawn again replaces it.

    ``groups``: group title (HTML, escaped) -> its FeatureGroups. Layers made with ``show=False`` start off."""

    _template = Template(
        """{% macro script(this, kwargs) %}
rpSwapControl({{ this.map_name }}, "layers", L.control.groupedLayers(null, {
{%- for group_name, overlays in this.grouped_overlays.items() %}
{{ group_name|tojson }}: {
{%- for overlaykey, val in overlays.items() %}{{ overlaykey|tojson }}: {{ val }},{%- endfor %}
},
{%- endfor %}
}, {{ this.options|tojavascript }}));
{%- for val in this.layers_untoggle %}
{{ val }}.remove();
{%- endfor %}
{% endmacro %}"""
    )

    def __init__(self, groups: Mapping[str, list], map_name: str, *, collapsed: bool) -> None:
        super().__init__(groups, exclusive_groups=False, collapsed=collapsed, position="topright")
        self._name = "LayerSwitches"
        self.map_name = map_name
        self.options["collapsed"] = collapsed  # folium 0.20 drops collapsed=False otherwise
        self.options["groupCheckboxes"] = True  # a group (一站, 一带, ...) switches on/off as a whole


class LargeLabels(MapCall):
    """Larger name labels and legend text, for a map shown on a projector (汇报模式)."""

    def __init__(self) -> None:
        super().__init__("rpLargeLabels", with_map=False)


#: leaflet-measure options: Chinese texts (its own ``cn`` table), 米/公里 and 平方米/公顷. Lengths and
#: areas are geodesic on the sphere (the plugin's own calculation); in Hedong they differ from the
#: EPSG:4548 values by well under 0.5 % (``tests/e2e/test_journey_gistools.py`` measures it).
MEASURE_OPTIONS: dict = {
    "position": "topright",  # under the layer control; its corner is drawn over the legend
    "primary_length_unit": "meters",
    "secondary_length_unit": "kilometers",
    "primary_area_unit": "sqmeters",
    "secondary_area_unit": "hectares",
    "localization": "cn",
    "active_color": "#d35400",
    "completed_color": "#c0392b",
}


@functools.cache
def _measure_control() -> type:
    """folium's MeasureControl with its script without the comment's URL (a standalone file names no web
    address): one class, its template compiled once (a map is drawn on every switch of a page)."""
    from folium.plugins import MeasureControl
    from folium.template import Template as FoliumTemplate  # has folium's tojavascript filter

    class Measure(MeasureControl):
        _template = FoliumTemplate(
            """{% macro script(this, kwargs) %}
rpPatchMeasure();
var {{ this.get_name() }} = new L.Control.Measure({{ this.options|tojavascript }});
{{ this._parent.get_name() }}.addControl({{ this.get_name() }});
{% endmacro %}"""
        )

    return Measure


def add_measure(m: folium.Map) -> None:
    """The measure control (distance and area) on ``m``."""
    _measure_control()(**MEASURE_OPTIONS).add_to(m)


class GotoMarker(MapCall):
    """A marker where the planner asked to go (定位), the map centred on it; ``map._rpGoto`` is the marker.

    ``lat``/``lon`` are in the map's display coordinates; ``label`` is plain text (escaped here)."""

    def __init__(self, lat: float, lon: float, label: str, zoom: int = 16):
        super().__init__("rpGotoMarker", float(lat), float(lon), label, html_text(label), int(zoom))
