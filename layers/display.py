"""Display coordinates: WGS84 data shifted to what the basemap draws in (GCJ-02 for 高德), only to draw it.

Stored and computed data stay WGS84; the folium back-end (:mod:`layers.render`) and the presentation shift
geometries, extents and markers here, at the edge.
"""

from __future__ import annotations

from typing import overload

import geopandas as gpd
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from layers.basemaps import Basemap
from layers.scene import Bounds, as_bounds
from renewal.crs import gcj02_to_wgs84, geometry_to_gcj02


@overload
def display_geometry(geom: None, basemap: Basemap) -> None: ...
@overload
def display_geometry(geom: BaseGeometry, basemap: Basemap) -> BaseGeometry: ...
def display_geometry(geom: BaseGeometry | None, basemap: Basemap) -> BaseGeometry | None:
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


def display_bounds(bounds: Bounds, basemap: Basemap) -> Bounds:
    """WGS84 bounds in the basemap's display coordinates (the shifted box's bounds for GCJ-02)."""
    if basemap.display_crs != "gcj02":
        return bounds
    return as_bounds(geometry_to_gcj02(box(*bounds)).bounds)


def wgs84_bounds(bounds: Bounds, basemap: Basemap) -> Bounds:
    """Display bounds (what a map in the basemap's coordinates shows) back in WGS84: the inverse of
    :func:`display_bounds` (corners converted from GCJ-02 for 高德)."""
    if basemap.display_crs != "gcj02":
        return as_bounds(bounds)
    w, s = gcj02_to_wgs84(bounds[0], bounds[1])
    e, n = gcj02_to_wgs84(bounds[2], bounds[3])
    return (float(w), float(s), float(e), float(n))
