"""The drawing tools (folium's Draw plugin, Chinese texts) for correcting an outline or adding a site."""

from __future__ import annotations

from typing import Any

import folium
from shapely.geometry.base import BaseGeometry

from layers.assets import leaflet_icon_js
from layers.basemaps import BASEMAPS, DEFAULT_BASEMAP
from layers.display import display_geometry
from layers.elements import Script


def add_draw_control(
    m: folium.Map, geom: BaseGeometry | None = None, *, basemap: str = DEFAULT_BASEMAP
) -> None:
    """Folium's Draw plugin on ``m``; ``geom`` (WGS84) is put in the editable group so it can be reshaped."""
    from folium.plugins import Draw

    # markers (a point site being edited, a new point drawn) need the marker images: before any marker
    Script(leaflet_icon_js(), "LeafletMarkerIcons").add_to(m)
    group = folium.FeatureGroup(name="编辑图形", control=False).add_to(m)
    geom = display_geometry(geom, BASEMAPS.get(basemap) or BASEMAPS[DEFAULT_BASEMAP])
    if geom is not None and not geom.is_empty:
        style: dict[str, Any] = {"color": "#f39c12", "weight": 3}
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
