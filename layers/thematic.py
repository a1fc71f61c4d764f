"""Thematic styling (专题图) and highlights of a layer, as scene layers.

:func:`thematic_layer` colours a layer's features by one field: a numeric field in classes (equal interval
or quantile, :mod:`renewal.classify`) along a sequential ramp, or a text field by category in a
qualitative palette. The classes become a ``color_by`` style on a helper column, so the legend rows
(:func:`layers.scene.legend_entry` categories), the page map, the offline HTML and the print sheet all show
the same classes in the same colours. :func:`labelled` labels a layer by a field, :func:`with_fill_opacity`
sets its fill's opacity; :func:`styled` applies all three from a saved :class:`renewal.layer_style.LayerStyle`
(how every map draws an imported layer whose style is kept in the workspace). :func:`highlight_layer` draws picked features (table rows, a query
result) over everything: a thick cyan outline (no ramp or palette uses it), nearly no fill, so a styled layer's class colours still show through.
"""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
from matplotlib.colors import LinearSegmentedColormap, to_hex

from layers.registry import LayerSpec, Style
from layers.scene import SceneLayer
from renewal.classify import BY_TABLE, CATEGORIES, classify
from renewal.errors import InputError
from renewal.landuse_colors import ColorEntry, classes_by_table
from renewal.layer_style import LayerStyle

CLASS_FIELD = "_class"
#: Sequential ramps (ColorBrewer, light to dark), by Chinese name.
RAMPS: dict[str, tuple[str, ...]] = {
    "蓝色渐变": ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"),
    "绿色渐变": ("#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c"),
    "橙红渐变": ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"),
    "紫色渐变": ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f"),
}
#: Categories (ColorBrewer Set3 + Paired), cycled.
CATEGORY_COLORS = (
    "#8dd3c7", "#fdb462", "#bebada", "#fb8072", "#80b1d3", "#b3de69",
    "#fccde5", "#bc80bd", "#ccebc5", "#ffed6f", "#1f78b4", "#33a02c",
)  # fmt: skip
NO_DATA_COLOR = "#bdbdbd"
#: Values a colour table has no code for: a neutral grey with no land-use meaning (drawn, said 未匹配).
UNMATCHED_COLOR = "#d9d9d9"
#: How opaque a thematic layer's fill is unless the planner chooses otherwise.
THEMATIC_OPACITY = 0.65
HIGHLIGHT = Style(color="#00e5ff", weight=4, opacity=1.0, fill_color="#00e5ff", fill_opacity=0.08, radius=9)


def ramp_colors(ramp: str, n: int) -> list[str]:
    """``n`` colours evenly along a ramp of :data:`RAMPS`."""
    cmap = LinearSegmentedColormap.from_list(ramp, RAMPS[ramp])
    return [to_hex(cmap(x)) for x in (np.linspace(0.1, 1.0, n) if n > 1 else [0.7])]


def _class_style(layer: SceneLayer, color_map: tuple[tuple[str, str], ...]) -> Style:
    base = layer.spec.style
    return replace(
        base,
        color="#555555",
        fill_color=None,
        fill_opacity=max(base.fill_opacity, THEMATIC_OPACITY),
        color_field=None,
        color_by=CLASS_FIELD,
        color_map=color_map,
    )


def table_layer(
    layer: SceneLayer, field: str, entries: tuple[ColorEntry, ...], title: str = ""
) -> SceneLayer:
    """``layer`` coloured by the land-use codes in ``field`` with a colour table's rows (exact code, else
    its parent code); its legend lists the table's rows in use by name, then 未匹配 and 无数据 in grey."""
    labels, rows = classes_by_table(layer.data[field], entries)
    grey = {True: NO_DATA_COLOR, False: UNMATCHED_COLOR}
    cmap = tuple((label, color or grey[label == "无数据"]) for label, color in rows)
    spec = replace(
        layer.spec,
        style=_class_style(layer, cmap),
        title_zh=title or f"{layer.spec.title_zh}（按{field}）",
        visible=True,
    )
    return SceneLayer(spec, layer.data.assign(**{CLASS_FIELD: labels.to_numpy()}), layer.id_field)


def thematic_layer(
    layer: SceneLayer, field: str, method: str, n: int = 5, ramp: str = "蓝色渐变", title: str = ""
) -> SceneLayer:
    """``layer`` coloured by ``field``: classes (numeric) or categories (text); its legend lists them."""
    labels, order = classify(layer.data[field], method, n)
    real = [c for c in order if c not in ("无数据", "其他")]
    if method == CATEGORIES:
        colors = [CATEGORY_COLORS[i % len(CATEGORY_COLORS)] for i in range(len(real))]
    else:
        colors = ramp_colors(ramp, len(real))
    cmap = dict(zip(real, colors, strict=True))
    cmap.update({c: NO_DATA_COLOR for c in order if c not in cmap})
    style = _class_style(layer, tuple((c, cmap[c]) for c in order))
    spec = replace(
        layer.spec, style=style, title_zh=title or f"{layer.spec.title_zh}（按{field}）", visible=True
    )
    return SceneLayer(spec, layer.data.assign(**{CLASS_FIELD: labels.to_numpy()}), layer.id_field)


def highlight_layer(
    key: str, title: str, data: gpd.GeoDataFrame, tooltip: tuple[str, ...] = ()
) -> SceneLayer:
    """Picked features drawn on top in :data:`HIGHLIGHT`."""
    spec = LayerSpec(key, title, "参考", style=HIGHLIGHT, tooltip=tooltip, z=95)
    return SceneLayer(spec, data)


def labelled(layer: SceneLayer, field: str | None) -> SceneLayer:
    """``layer`` labelled on the map by ``field`` (None: no labels); empty cells get no label."""
    if field is None:
        return SceneLayer(replace(layer.spec, label=False), layer.data, layer.id_field)
    text = layer.data[field].map(lambda v: "" if v is None or (isinstance(v, float) and v != v) else str(v))
    return SceneLayer(
        replace(layer.spec, label=True), layer.data.assign(name=text.to_numpy()), layer.id_field
    )


def with_fill_opacity(layer: SceneLayer, opacity: float) -> SceneLayer:
    """``layer`` with its polygons filled at ``opacity`` (0 transparent … 1 opaque)."""
    style = replace(layer.spec.style, fill_opacity=min(max(float(opacity), 0.0), 1.0))
    return SceneLayer(replace(layer.spec, style=style), layer.data, layer.id_field)


def styled(layer: SceneLayer, style: LayerStyle, field_title: str = "", title: str = "") -> SceneLayer:
    """``layer`` drawn in ``style``: coloured by its field (titled ``<title>（按<field_title>）``), labelled, at
    its opacity. :class:`InputError` when the style does not fit the layer (a field it lacks, an unknown ramp)."""
    missing = [f for f in (style.field, style.label) if f is not None and f not in layer.data.columns]
    if missing:
        raise InputError(
            f"The saved style names fields the layer lacks: {missing}",
            f"保存的样式所用字段（{'、'.join(missing)}）在图层中不存在，已按默认样式绘制。",
        )
    if style.field is not None and style.method not in (CATEGORIES, BY_TABLE) and style.ramp not in RAMPS:
        raise InputError(
            f"Unknown colour ramp {style.ramp!r}", "保存的样式所用色带不存在，已按默认样式绘制。"
        )
    out = layer
    if style.field is not None and style.method == BY_TABLE:
        name = f"{title or layer.spec.title_zh}（按{field_title or style.field}，用地分类配色表）"
        out = table_layer(out, style.field, style.entries, name)
    elif style.field is not None:
        name = f"{title or layer.spec.title_zh}（按{field_title or style.field}）"
        out = thematic_layer(out, style.field, style.method, style.classes, style.ramp or "蓝色渐变", name)
    if style.label is not None:
        out = labelled(out, style.label)
    if style.opacity is not None:
        out = with_fill_opacity(out, style.opacity)
    return out
