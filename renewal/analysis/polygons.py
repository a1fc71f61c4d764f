"""Polygon hygiene for the coverage layers: valid, polygonal geometry that overlays never fail on.

The engine's gap polygons (the district minus the union of many circles, or traced raster cells clipped
to the district) have nearly coincident edges; after a reprojection some come out invalid (a ring that
touches itself), and GEOS then fails on any later overlay ("TopologyException: side location conflict",
"unable to assign free hole to a shell"). :func:`valid_polygons` repairs them once, where they are made.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from renewal.analysis.arrays import ObjectArray

#: Type ids of shapely's Polygon and MultiPolygon.
_POLYGONAL = (3, 6)


def polygon_parts(geoms: ObjectArray | list[Any]) -> ObjectArray:
    """The single polygons among the parts of ``geoms`` (a repair or an overlay may leave lines or points)."""
    parts = shapely.get_parts(np.asarray(geoms, dtype=object))
    polys: ObjectArray = parts[shapely.get_type_id(parts) == 3]
    return polys


def valid_polygons(geoms: ObjectArray | list[Any]) -> ObjectArray:
    """Each of ``geoms`` valid and polygonal: invalid ones repaired (:func:`shapely.make_valid`) keeping
    only their polygons (an empty polygon when nothing polygonal is left); valid polygons unchanged."""
    out: ObjectArray = np.asarray(geoms, dtype=object).copy()
    if not len(out):
        return out
    bad = ~shapely.is_valid(out) | ~np.isin(shapely.get_type_id(out), _POLYGONAL)
    for i in np.flatnonzero(bad):
        g = out[i]
        if g is None:
            continue
        parts = polygon_parts([shapely.make_valid(g)])
        out[i] = shapely.union_all(parts) if len(parts) else shapely.Polygon()
    return out


def union_on_grid(geoms: ObjectArray | list[Any], grid: float) -> shapely.Geometry:
    """The union of ``geoms`` (made valid) snapped to a fixed precision ``grid`` (in their CRS's units)."""
    parts = polygon_parts(valid_polygons(geoms))
    parts = polygon_parts(shapely.set_precision(parts, grid))
    return shapely.union_all(parts, grid_size=grid)
