"""Query by location against a shape drawn on the map (数据管理 › 属性表与空间查询 › 在地图上绘制范围)."""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import box, mapping

from layers.interaction import geometry_from_drawings
from renewal.analysis.spatial_query import INTERSECTS, WITHIN, query_by_location
from renewal.crs import METRIC_EPSG, geometry_to_gcj02
from renewal.sites.query import bundled_sites


def _drawn(geom, crs: str = "wgs84") -> gpd.GeoDataFrame:
    """The reference the page builds from the map's drawings (GeoJSON in display coordinates)."""
    shown = geometry_to_gcj02(geom) if crs == "gcj02" else geom
    got, _ = geometry_from_drawings([{"type": "Feature", "geometry": mapping(shown)}], crs)
    return gpd.GeoDataFrame({"name": ["绘制范围"]}, geometry=[got], crs=4326)


def test_a_drawn_rectangle_gives_what_a_spatial_join_gives():
    sites = bundled_sites()
    rect = box(117.22, 39.10, 117.245, 39.125)
    for crs in ("wgs84", "gcj02"):
        ref = _drawn(rect, crs)
        for pred in (INTERSECTS, WITHIN):
            got = query_by_location(sites, ref, pred)
            rect_m = gpd.GeoDataFrame(geometry=[rect], crs=4326).to_crs(METRIC_EPSG)  # compared in metres
            join = gpd.sjoin(sites.to_crs(METRIC_EPSG), rect_m, predicate=pred)
            assert sorted(got["site_id"]) == sorted(join["site_id"].unique())
    assert 0 < len(query_by_location(sites, _drawn(rect), INTERSECTS)) < len(sites)
