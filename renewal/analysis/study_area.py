"""The study area: the district by default, or any polygon file a planner brings.

:func:`read_area` reads a polygon layer (GeoJSON, GeoPackage, zipped Shapefile, KML ...)
through the one reader and returns its union in WGS84; :func:`clip_area` adds a buffer
(measured in the area's own metric CRS, :func:`renewal.crs.metric_epsg_for_geometry`).
"""

from __future__ import annotations

import geopandas as gpd
import shapely

import geodata
from renewal.crs import STORAGE_EPSG, metric_epsg_for_geometry
from renewal.errors import InputError


def read_area(source, *, layer: str | None = None) -> shapely.Geometry:
    """The union of the polygons in ``source`` (path or GeoDataFrame), WGS84."""
    from renewal.io.read import read_vector

    gdf = read_vector(source, what="study area", layer=layer).non_empty()
    g = gdf.geometry.values
    polys = g[shapely.get_dimensions(g) == 2]
    if len(polys) == 0:
        raise InputError(
            f"The study-area file has no polygons ({len(g)} features of other kinds).",
            f"研究范围文件中没有面要素（共 {len(g)} 个非面要素）。",
        )
    area = shapely.make_valid(shapely.union_all(polys))
    if area.is_empty or area.area <= 0:
        raise InputError("The study area has no area.", "研究范围没有面积。")
    return area


def default_area() -> shapely.Geometry:
    """The bundled district boundary (WGS84)."""
    return shapely.union_all(geodata.load("district").geometry.values)


def clip_area(buffer_m: float, area=None) -> shapely.Geometry:
    """``area`` (WGS84 geometry or GeoDataFrame; default: the district) plus ``buffer_m``, WGS84."""
    if not buffer_m >= 0:
        raise InputError(f"--buffer must be >= 0, got {buffer_m}", f"缓冲距离须不小于0，当前为 {buffer_m}")
    if area is None:
        area = default_area()
    elif isinstance(area, gpd.GeoDataFrame | gpd.GeoSeries):
        area = shapely.union_all(area.to_crs(STORAGE_EPSG).geometry.values)
    epsg = metric_epsg_for_geometry(area)
    m = gpd.GeoSeries([area], crs=STORAGE_EPSG).to_crs(epsg).iloc[0].buffer(buffer_m)
    return gpd.GeoSeries([m], crs=epsg).to_crs(STORAGE_EPSG).iloc[0]


def describe_bounds(bounds) -> str:
    """``lon 24.935..24.953, lat 60.164..60.179``."""
    x0, y0, x1, y1 = bounds
    return f"lon {x0:.3f}..{x1:.3f}, lat {y0:.3f}..{y1:.3f}"
