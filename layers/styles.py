"""Style resolution, once, for every map back-end.

A :class:`~layers.registry.Style` plus one feature becomes a dict of plain
values (colours, pixel widths, a dash pattern, a radius, the approximate
flag); each back-end only converts those values to its own options
(:func:`layers.render.leaflet_style` for folium/Leaflet, a matplotlib back-end
would map them to ``edgecolor``/``linestyle``/``markersize``). The legend's
symbols come from :func:`legend_style`, also as plain values.

No folium here, no HTML: this module is data in, data out.
"""

from __future__ import annotations

from collections.abc import Mapping

import geodata
from layers.registry import LayerSpec

#: Dash pattern (on, off; pixels) of approximate lines and polygon outlines.
APPROX_DASH: tuple[float, ...] = (6, 5)
#: Dash pattern of the hollow ring of an approximate point.
APPROX_POINT_DASH: tuple[float, ...] = (3, 3)
#: Dash pattern of an approximate symbol in the legend.
LEGEND_APPROX_DASH: tuple[float, ...] = (4, 3)
#: The badge/tooltip word for an approximate feature.
APPROX_BADGE = "位置示意"
#: The legend's explanation of the dashed/hollow symbols.
APPROX_LEGEND_TEXT = "虚线、空心 = 位置示意（未经测绘）"
#: Dotted (on, off; pixels): a placeholder, an item the plan names without any place to put it.
PLACEHOLDER_DASH: tuple[float, ...] = (1.5, 4)
#: The badge/tooltip word for a placeholder feature.
PLACEHOLDER_BADGE = "位置待定"
#: The legend's explanation of the dotted symbols.
PLACEHOLDER_LEGEND_TEXT = "点线、空心 = 位置待定（规划未给位置，点位仅为占位，选址默认不用）"

POINT, LINE, POLYGON = "point", "line", "polygon"


def cell_text(value: object) -> str:
    """A data cell as text: ``""`` for None/NaN."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def geometry_kind(geom_type: str) -> str:
    """``point``, ``line`` or ``polygon`` for a shapely geometry type name."""
    if geom_type in ("Point", "MultiPoint"):
        return POINT
    if geom_type in ("LineString", "MultiLineString"):
        return LINE
    return POLYGON


def feature_precision(row: Mapping, spec: LayerSpec) -> str:
    """The feature's own ``precision`` if it has one, else its layer's manifest precision ("" for none)."""
    own = cell_text(row.get("precision"))
    if own or not spec.source:
        return own
    try:
        return geodata.meta(spec.source).precision
    except geodata.GeodataError:
        return ""


def is_approximate(precision: str) -> bool:
    return precision in geodata.APPROXIMATE_PRECISIONS


def is_placeholder(precision: str) -> bool:
    return precision in geodata.PLACEHOLDER_PRECISIONS


def precision_badge(precision: str) -> str:
    """The word a feature's tooltip and popup carry: 位置待定, 位置示意, or "" (surveyed or real data)."""
    if is_placeholder(precision):
        return PLACEHOLDER_BADGE
    return APPROX_BADGE if is_approximate(precision) else ""


def feature_color(row: Mapping, spec: LayerSpec) -> str:
    """The stroke colour of one feature: the style's colour, from ``color_field``, or from ``color_map``."""
    st = spec.style
    color = st.color
    if st.color_field and cell_text(row.get(st.color_field)):
        color = cell_text(row.get(st.color_field))
    if st.color_by:
        color = dict(st.color_map).get(cell_text(row.get(st.color_by)), color)
    return color


def resolve_style(row: Mapping, spec: LayerSpec, geom_type: str) -> dict:
    """How one feature is drawn, as back-end-neutral values.

    Keys: ``kind`` (point/line/polygon), ``stroke`` and ``fill`` (colours),
    ``weight`` (stroke width, px), ``opacity``, ``fill_opacity``, ``dash``
    (on/off pattern in px, or None for solid), ``radius`` (px, points only,
    else None), ``approximate`` and ``placeholder``. Approximate points are hollow with a
    dashed ring; approximate lines and polygons are dashed; placeholders (位置待定) are dotted.
    """
    st = spec.style
    kind = geometry_kind(geom_type)
    color = feature_color(row, spec)
    precision = feature_precision(row, spec)
    approx = is_approximate(precision)
    style = {
        "kind": kind,
        "stroke": color,
        "fill": st.fill_color or color,
        "weight": st.weight,
        "opacity": st.opacity,
        "fill_opacity": st.fill_opacity,
        "dash": tuple(st.dash_array) if st.dash_array else None,
        "radius": st.radius if kind == POINT else None,
        "approximate": approx,
        "placeholder": is_placeholder(precision),
    }
    if kind == POINT:
        if approx:  # hollow, dashed ring (dotted: a placeholder)
            style.update(fill_opacity=0.0, dash=APPROX_POINT_DASH, weight=max(st.weight, 2.5))
    elif approx:
        style["dash"] = APPROX_DASH
    if style["placeholder"]:
        style["dash"] = PLACEHOLDER_DASH
    return style


def legend_style(spec: LayerSpec, approximate: bool, color: str | None = None) -> dict:
    """The legend symbol's values for a layer (or one ``color_by`` category when ``color`` is given).

    Keys: ``stroke``, ``fill``, ``weight``, ``fill_opacity``, ``radius``,
    ``dash`` (:data:`LEGEND_APPROX_DASH` when approximate, else None). A
    ``color_by`` layer's own row shows its first category colour.
    """
    st = spec.style
    stroke = color or (st.color_map[0][1] if st.color_by and st.color_map else st.color)
    return {
        "stroke": stroke,
        "fill": stroke if st.color_by else (st.fill_color or stroke),
        "weight": st.weight,
        "fill_opacity": st.fill_opacity,
        "radius": st.radius,
        "dash": LEGEND_APPROX_DASH if approximate else None,
    }
