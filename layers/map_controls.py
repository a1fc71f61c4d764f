"""Readable interactive maps: the Leaflet-side pieces the folium back-end adds to every map.

* :class:`ChineseControls`: zoom, layer-control, full-screen, draw-toolbar and
  measure texts in Chinese; a metric-only scale bar; a map pane above the
  polygons where point symbols are drawn (:data:`POINT_PANE`), so a point is
  clickable over its whole symbol even where an area lies on top of it.
* :class:`LegendSync`: the legend shows only the layers that are switched on,
  starts collapsed on small screens (narrow map), and can be folded by the planner.
* :func:`add_measure`: the measure control (distance in 米/公里, area in 平方米/公顷, Chinese texts).
* :class:`GotoMarker`: the marker of the 定位 box (the map centred on a typed coordinate or name).
* :class:`FocusWithoutScroll`: the first click on a map partly below the fold is not lost
  (Leaflet focuses the map on mouse-down, which scrolled the page under the mouse).

These are folium MacroElements with plain JavaScript (they work in st_folium
and in standalone HTML); their values go in as JSON made by :func:`layers.markup.safe_json`.
"""

from __future__ import annotations

from collections.abc import Mapping

from branca.element import MacroElement
from jinja2 import Template

from layers.markup import html_text, safe_json

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


class ChineseControls(MacroElement):
    """Chinese control texts, a metric-only scale bar and the point pane, for one map.

    Must be added to the map before its layers and controls (the pane has to
    exist before a point is drawn into it; ``L.drawLocal`` before the draw
    toolbar is built).
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
(function(){
  var map = {{ this._parent.get_name() }};
  if (!map.getPane({{ this.pane }})) {
    map.createPane({{ this.pane }}); map.getPane({{ this.pane }}).style.zIndex = 450;
  }
  if (window.L && L.drawLocal) {
    (function merge(dst, src){ for (var k in src) { if (typeof src[k] === 'object') { dst[k] = dst[k] || {}; merge(dst[k], src[k]); } else { dst[k] = src[k]; } } })(L.drawLocal, {{ this.draw_local }});
  }
  L.control.scale({metric: true, imperial: false, position: 'bottomright'}).addTo(map);
  var titles = {{ this.titles }};
  function retitle(){
    var box = map.getContainer();
    for (var sel in titles) {
      box.querySelectorAll(sel).forEach(function(el){ el.title = titles[sel]; el.setAttribute('aria-label', titles[sel]); });
    }
  }
  map.whenReady(function(){ retitle(); setTimeout(retitle, 0); setTimeout(retitle, 500); });
})();
{% endmacro %}"""
    )

    def __init__(self):
        super().__init__()
        self._name = "ChineseControls"
        self.pane = safe_json(POINT_PANE)
        self.draw_local = safe_json(DRAW_LOCAL_ZH)
        self.titles = safe_json(CONTROL_TITLES_ZH)


class FocusWithoutScroll(MacroElement):
    """Leaflet focuses the map (for its keyboard handler) on every first mouse-down; inside the map
    widget's frame that focus scrolled the page to bring the frame into view, so the mouse-up landed
    elsewhere and the planner's first click on a map partly below the fold was lost. The map is
    focused without scrolling instead (keyboard panning and zooming still work)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
(function(){
  var map = {{ this._parent.get_name() }}, kb = map.keyboard;
  if (!kb) { return; }
  var on = kb.enabled();
  if (on) { kb.disable(); }
  kb._onMouseDown = function(){ if (!this._focused) { this._map.getContainer().focus({preventScroll: true}); } };
  if (on) { kb.enable(); }
})();
{% endmacro %}"""
    )

    def __init__(self):
        super().__init__()
        self._name = "FocusWithoutScroll"


class LegendSync(MacroElement):
    """Keeps the legend to the layers that are switched on; folds it on small maps; ticks a
    layer group's checkbox when all its layers are on (so one click switches the group off).

    ``layers`` maps a layer key (the ``data-layer`` of its legend rows) to its
    folium FeatureGroup. A group heading hides when all its rows are hidden.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
(function(){
  var map = {{ this._parent.get_name() }};
  var groups = { {%- for key, fg in this.layers.items() %}{{ this.json(key) }}: {{ fg.get_name() }},{% endfor %} };
  function syncGroups(){  // a group's checkbox is ticked when all its layers are on
    map.getContainer().querySelectorAll('.leaflet-control-layers-group').forEach(function(g){
      var sel = g.querySelector('.leaflet-control-layers-group-selector');
      var boxes = g.querySelectorAll('.leaflet-control-layers-selector'), on = 0;
      boxes.forEach(function(b){ if (b.checked) { on++; } });
      if (sel) { sel.checked = boxes.length > 0 && on === boxes.length; }
    });
  }
  function sync(){
    setTimeout(syncGroups, 0);  // after the layer control has updated its own checkboxes
    var box = map.getContainer().querySelector('.rp-legend');
    if (!box) { return; }
    box.querySelectorAll('[data-layer]').forEach(function(row){
      var fg = groups[row.getAttribute('data-layer')];
      row.style.display = (!fg || map.hasLayer(fg)) ? '' : 'none';
    });
    box.querySelectorAll('[data-legend-group]').forEach(function(sec){
      var rows = sec.querySelectorAll('[data-layer]'), shown = 0;
      rows.forEach(function(r){ if (r.style.display !== 'none') { shown++; } });
      sec.style.display = shown ? '' : 'none';
    });
  }
  map.on('layeradd layerremove', sync);
  map.whenReady(function(){
    var det = map.getContainer().querySelector('.rp-legend details');
    if (det && map.getContainer().clientWidth >= {{ this.small_px }}) { det.open = true; }
    sync();
  });
})();
{% endmacro %}"""
    )

    def __init__(self, layers: Mapping[str, object]):
        super().__init__()
        self._name = "LegendSync"
        self.json = safe_json
        self.layers = dict(layers)
        self.small_px = SMALL_MAP_PX


class LargeLabels(MacroElement):
    """Larger name labels and legend text, for a map shown on a projector (汇报模式)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
(function(){
  if (document.getElementById('rp-large')) { return; }
  var s = document.createElement('style'); s.id = 'rp-large';
  s.textContent = '.rp-label { font-size: 16px !important; } .rp-legend { font-size: 14px !important; }';
  document.head.appendChild(s);
})();
{% endmacro %}"""
    )

    def __init__(self):
        super().__init__()
        self._name = "LargeLabels"


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


def add_measure(m) -> None:
    """The measure control (distance and area) on ``m``."""
    from folium.plugins import MeasureControl
    from folium.template import Template as FoliumTemplate  # has folium's tojavascript filter

    class Measure(MeasureControl):
        # folium's script, without its comment's URL (a standalone file names no web address)
        _template = FoliumTemplate(
            """{% macro script(this, kwargs) %}
var {{ this.get_name() }} = new L.Control.Measure({{ this.options|tojavascript }});
{{ this._parent.get_name() }}.addControl({{ this.get_name() }});
L.Control.Measure.include({  // leaflet-measure 2.1.7 with Leaflet >= 1.8: no autopan on the capture marker
  _setCaptureMarkerIcon: function () {
    this._captureMarker.options.autoPanOnFocus = false;
    this._captureMarker.setIcon(L.divIcon({iconSize: this._map.getSize().multiplyBy(2)}));
  },
});
{% endmacro %}"""
        )

    Measure(**MEASURE_OPTIONS).add_to(m)


class GotoMarker(MacroElement):
    """A marker where the planner asked to go (定位), the map centred on it; ``map._rpGoto`` is the marker.

    ``lat``/``lon`` are in the map's display coordinates; ``label`` is plain text (escaped here)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
(function(){
  var map = {{ this._parent.get_name() }};
  var mk = L.marker([{{ this.lat }}, {{ this.lon }}], {title: {{ this.title }}, zIndexOffset: 1000});
  mk.bindTooltip({{ this.tip }}, {permanent: true, direction: 'top', className: 'rp-goto'});
  mk.addTo(map);
  map._rpGoto = mk;
  map.whenReady(function(){ map.setView(mk.getLatLng(), Math.max(map.getZoom(), {{ this.zoom }})); });
})();
{% endmacro %}"""
    )

    def __init__(self, lat: float, lon: float, label: str, zoom: int = 16):
        super().__init__()
        self._name = "GotoMarker"
        self.lat, self.lon, self.zoom = float(lat), float(lon), int(zoom)
        self.title = safe_json(label)
        self.tip = safe_json(html_text(label))
