"""Readable interactive maps (issue 9), checked in the rendered HTML: Chinese control texts,
metric-only scale, points in the point pane and filled, legend folded by default with rows
tied to their layers, layer groups switchable as a group."""

from __future__ import annotations

import json
import re

from layers import assets
from layers.draw_control import add_draw_control
from layers.legend import legend_html
from layers.map_controls import DRAW_LOCAL_ZH, POINT_PANE
from layers.maps import layout_map, layout_scene
from layers.render import new_map


def _html(m) -> str:
    return m.get_root().render()


def test_layout_map_html_has_chinese_controls_metric_scale_and_point_pane():
    text = _html(layout_map())
    assert "imperial: false" in text and "imperial: true" not in text
    assert all(json.dumps(t, ensure_ascii=False) in text for t in ("放大", "缩小", "图层"))  # safe_json
    # the layer script draws points as filled discs (the whole symbol takes a click) in the point pane
    setup = json.loads(re.search(r"rpMapSetup\(map_\w+, (\{.*?\})\);\n", text).group(1))
    assert setup["pane"] == POINT_PANE and setup["titles"][".leaflet-control-zoom-in"] == "放大"
    assert "L.circleMarker(ll, L.extend({pane: cfg.pane, fill: true}" in text
    assert '"groupCheckboxes": true' in text
    legend = legend_html(layout_scene().legend)
    assert legend.startswith("<details><summary>")  # folded until LegendSync opens it on a wide map


def test_legend_rows_carry_their_layer_key():
    keys = set(re.findall(r'data-layer="(\w+)"', legend_html(layout_scene().legend)))
    assert {"jinmao_park", "belt", "station_area"} <= keys


def test_draw_texts_are_chinese_everywhere_the_plugin_has_english():
    js = assets.inline_js("leaflet-draw", "leaflet.draw.js")
    start = js.index("L.drawLocal=") + len("L.drawLocal=")
    # every leaf key of the plugin's table has a Chinese text
    english_keys = set(re.findall(r"(\w+):\"", js[start : js.index(",L.Draw.Event")]))
    ours = set()

    def walk(d):
        for k, v in d.items():
            walk(v) if isinstance(v, dict) else ours.add(k)

    walk(DRAW_LOCAL_ZH)
    assert english_keys <= ours
    m = new_map()
    add_draw_control(m)
    text = _html(m)
    assert json.dumps("绘制多边形", ensure_ascii=False) in text and '"feet": false' in text


def test_standalone_layout_html_holds_the_map_once():
    text = assets.standalone_html(layout_map())
    assert text.count("L.map(") == 1
