"""The drawing tools (folium's Draw plugin, Chinese texts) for correcting an outline or adding a site."""

from __future__ import annotations

from typing import Any

import folium
import shapely
from shapely.geometry.base import BaseGeometry

from layers.assets import leaflet_icon_js
from layers.basemaps import BASEMAPS, DEFAULT_BASEMAP
from layers.display import display_geometry
from layers.elements import MapCall, Ref, Script, asset_script
from layers.render import live_part
from renewal.sites.snapping import SnapTargets

#: Snapping distance on screen (pixels) and its texts on the map.
SNAP_PX = 10
SNAP_LABEL = "吸附：区界与其他项目的顶点"
SNAP_HINT = "绘制或编辑图形时，距其他项目顶点或区界 10 像素以内的顶点自动对齐；取消勾选可关闭吸附"


def _latlngs(xy: Any, digits: int = 8) -> list[list[float]]:
    return [[round(float(y), digits), round(float(x), digits)] for x, y in xy]


def snap_payload(targets: SnapTargets, basemap: str = DEFAULT_BASEMAP) -> dict[str, Any]:
    """The snapping targets as rpSnap's JSON: [lat, lon] in the basemap's display coordinates."""
    shown = BASEMAPS.get(basemap) or BASEMAPS[DEFAULT_BASEMAP]
    vertices = (
        display_geometry(shapely.MultiPoint(targets.vertices), shown) if len(targets.vertices) else None
    )
    lines = [display_geometry(line, shown) for line in targets.lines]
    return {
        "px": SNAP_PX,
        "label": SNAP_LABEL,
        "hint": SNAP_HINT,
        "vertices": _latlngs(shapely.get_coordinates(vertices)) if vertices is not None else [],
        "lines": [_latlngs(line.coords) for line in lines],
    }


#: How the shape being reshaped is drawn.
EDIT_STYLE: dict[str, Any] = {"color": "#f39c12", "weight": 3}


def edit_shapes(geom: BaseGeometry | None) -> list[dict[str, Any]]:
    """A geometry (display coordinates) as rpEditShapes' parts: polygons (rings), lines and points, [lat, lon]."""
    if geom is None or geom.is_empty:
        return []
    out: list[dict[str, Any]] = []
    for part in getattr(geom, "geoms", [geom]):
        if part.geom_type == "Polygon":
            rings = [part.exterior, *part.interiors]
            out.append({"kind": "polygon", "latlngs": [_latlngs(r.coords) for r in rings]})
        elif part.geom_type == "LineString":
            out.append({"kind": "line", "latlngs": _latlngs(part.coords)})
        elif part.geom_type == "Point":
            out.append({"kind": "point", "latlngs": _latlngs(part.coords)[0]})
    return out


def add_draw_control(
    m: folium.Map,
    geom: BaseGeometry | None = None,
    *,
    basemap: str = DEFAULT_BASEMAP,
    snap: SnapTargets | None = None,
    shapes: tuple[str, ...] | None = None,
) -> None:
    """Folium's Draw plugin on ``m``; ``geom`` (WGS84) is put in the editable group so it can be reshaped
    (``rpEditShapes``; on a map drawn live, by its live part, so a new selection swaps only that shape).

    With ``snap`` (other sites' vertices, the district boundary) drawn and dragged vertices snap to them
    within :data:`SNAP_PX` pixels, said on the map with a checkbox to turn it off (``layers/static/snap.js``).
    ``shapes``: the drawing tools offered (``polygon``, ``rectangle``, ``polyline``, ``marker``; all four
    by default)."""
    from folium.plugins import Draw

    # markers (a point site being edited, a new point drawn) need the marker images: before any marker
    Script(leaflet_icon_js(), "LeafletMarkerIcons").add_to(m)
    group = folium.FeatureGroup(name="编辑图形", control=False).add_to(m)
    MapCall("rpEditGroup", Ref(group)).add_to(m)
    # what changes with the page's choices goes into the live part of a map drawn live: the shape to reshape
    # (a new selection keeps the map and what the planner drew on it) and the snapping targets (a filter)
    holder = live_part(m) or m
    parts = edit_shapes(display_geometry(geom, BASEMAPS.get(basemap) or BASEMAPS[DEFAULT_BASEMAP]))
    MapCall("rpEditShapes", parts, EDIT_STYLE, map_name=m.get_name()).add_to(holder)
    options: dict = {
        "circle": False,
        "circlemarker": False,
        "polyline": {"metric": True, "feet": False},
        "polygon": {"allowIntersection": False, "showArea": True, "metric": True, "feet": False},
    }
    for tool in ("polyline", "polygon", "rectangle", "marker"):
        if shapes is not None and tool not in shapes:
            options[tool] = False
    Draw(
        feature_group=group,
        show_geometry_on_click=False,
        position="topleft",
        draw_options=options,
        edit_options={"poly": {"allowIntersection": False}},
    ).add_to(m)
    if snap is not None and not snap.empty:
        asset_script("snap.js").add_to(m)
        MapCall("rpSnap", snap_payload(snap, basemap), map_name=m.get_name()).add_to(holder)
