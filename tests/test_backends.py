"""The two back-ends of a scene agree: what the interactive map (folium) shows at first and what a print
sheet (matplotlib) draws are the same layers, in the same order, with the same legend rows."""

from __future__ import annotations

import dataclasses
import re
from html import unescape

import folium
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from layers import folium_pins
from layers.feature_layers import FeatureLayer
from layers.render import draw_scene
from layers.render_print import draw_sheet, drawn_layers, legend_rows, sheet_legend
from layers.views import VIEWS, view_scene
from renewal.sites.query import bundled_sites


def _interactive(scene):
    """(titles of the layers the folium map shows at first, in drawing order; legend rows of those layers
    as (key, label), the sub-rows of a coloured-by-category layer included)."""
    m = draw_scene(scene, basemap="none")
    groups = [
        el
        for el in folium_pins.walk(m)
        if isinstance(el, folium.FeatureGroup)
        and any(isinstance(c, FeatureLayer) for c in folium_pins.children(el).values())
    ]
    titles = [unescape(g.layer_name) for g in groups if g.show]
    html = m.get_root().render()
    legend = json_unescape(re.search(r'rpControl\(map_\w+, "\w+", "rp-legend", (".*?")\);\n', html).group(1))
    rows = []
    for piece in legend.split('<div data-layer="')[1:]:  # a layer's rows run to the next layer or heading
        key, body = piece.split('"', 1)[0], piece.split("<h4>", 1)[0]
        rows += [(key, unescape(t)) for t in re.findall(r"</svg></span>([^<]*)</div>", body)]
    shown_keys = {layer.spec.key for layer in scene.layers if layer.spec.visible and not layer.data.empty}
    return titles, [(k, t) for k, t in rows if k in shown_keys]


def json_unescape(text: str) -> str:
    import json

    return json.loads(text)


def _printed(scene):
    """(titles of the layers a sheet draws; its legend rows as (key, label)) and the sheet's own texts."""
    fig = draw_sheet(scene, paper="A4")
    try:
        texts = {t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))}
    finally:
        plt.close(fig)
    rows, key = [], ""
    for text, entry, indent in legend_rows(sheet_legend(scene)):  # as _draw_legend writes them, grouped
        if entry is None:
            continue  # a group heading
        key = entry.key if indent == 0 else key
        rows.append((key, text))
    return [layer.spec.title_zh for layer in drawn_layers(scene)], rows, texts


@pytest.mark.parametrize("view", list(VIEWS))
def test_interactive_and_print_back_ends_show_the_same_layers_and_legend(view):
    scene = view_scene(view, sites=bundled_sites())
    titles, legend = _interactive(scene)
    p_titles, p_legend, _ = _printed(scene)
    assert titles and titles == p_titles
    assert legend and legend == p_legend
    # each row really drawn on a sheet whose extent holds every feature (a sheet's legend lists what lies
    # in its printed extent: the view's own sheet may leave out a layer outside it)
    whole = dataclasses.replace(
        scene, extent=tuple(pd.concat([layer.data for layer in scene.layers]).total_bounds)
    )
    drawn = _printed(whole)[2]
    missing = [label for _, label in p_legend if label not in drawn]
    assert not missing, missing


def test_the_comparison_sees_a_layer_one_back_end_would_leave_out():
    from dataclasses import replace

    scene = view_scene(next(iter(VIEWS)))
    first = scene.layers[0]
    hidden = replace(
        scene, layers=[replace(first, spec=replace(first.spec, visible=False)), *scene.layers[1:]]
    )
    assert _interactive(hidden)[0] != _interactive(scene)[0]
    assert _printed(hidden)[0] != _printed(scene)[0]
