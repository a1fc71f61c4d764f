"""Preparing the coverage engine's inputs: metric layers, boundary, facility ids and categories."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import geodata
from renewal.analysis.arrays import FloatArray
from renewal.crs import METRIC_EPSG, STORAGE_EPSG, epsg_crs, metric_epsg_for_geometry, to_metric
from renewal.errors import InputError, Notice
from renewal.standards import Standards

ID_CANDIDATES = ("id", "fid", "facility_id", "name", "名称")


class CoverageWarning(UserWarning):
    """Data was dropped, refused or reprojected during a coverage run."""


# --------------------------------------------------------------- inputs
def to_metric_gdf(
    gdf: gpd.GeoDataFrame | gpd.GeoSeries, what: str, epsg: int = METRIC_EPSG
) -> gpd.GeoDataFrame:
    """``gdf`` without missing/empty geometries, in the metric CRS ``epsg`` (no CRS: an error)."""

    if not isinstance(gdf, gpd.GeoDataFrame | gpd.GeoSeries):
        raise InputError(f"{what}: expected a GeoDataFrame", f"{what}：需要地理数据表")
    if gdf.crs is None:
        raise InputError(
            f"The {what} layer has no coordinate reference system (CRS).",
            f"{what}图层没有坐标参考系（CRS）。",
        )
    if isinstance(gdf, gpd.GeoSeries):
        gdf = gpd.GeoDataFrame(geometry=gdf)
    g = gdf.geometry.values
    ok = ~(shapely.is_missing(g) | shapely.is_empty(g))
    if not ok.all():
        gdf = gdf[ok]
    return gdf if gdf.crs == epsg_crs(epsg) else to_metric(gdf, epsg)


def boundary_metric(
    boundary: shapely.Geometry | gpd.GeoDataFrame | gpd.GeoSeries | None,
) -> tuple[shapely.Geometry, int]:
    """The study area (default: the district; a WGS84 geometry or a layer with a CRS) as one polygon
    in its own metric CRS, and that CRS's EPSG code (:func:`renewal.crs.metric_epsg_for_geometry`)."""
    if boundary is None:
        boundary = geodata.load("district")
    if isinstance(boundary, shapely.Geometry):
        boundary = gpd.GeoSeries([boundary], crs=STORAGE_EPSG)
    wgs = to_metric_gdf(boundary, "boundary", STORAGE_EPSG)
    if len(wgs) == 0:
        raise InputError("The boundary is empty.", "边界为空。")
    epsg = metric_epsg_for_geometry(shapely.box(*wgs.total_bounds))
    b = to_metric_gdf(boundary, "boundary", epsg)
    geom = shapely.make_valid(shapely.union_all(b.geometry.values))
    if geom.area <= 0:
        raise InputError("The boundary has no area (not a polygon).", "边界没有面积（不是面要素）。")
    return geom, epsg


def points_xy(gdf_m: gpd.GeoDataFrame) -> FloatArray:
    """(n, 2) coordinates of each feature's point (a point itself, else a point on its surface)."""
    g = gdf_m.geometry.values
    pts = np.where(shapely.get_type_id(g) == 0, g, shapely.point_on_surface(g))
    xy: FloatArray = shapely.get_coordinates(pts).reshape(-1, 2)
    return xy


def facility_ids(gdf: gpd.GeoDataFrame, id_col: str | None) -> tuple[pd.Series, str | None]:
    """The facility ids as text (``id_col``, else the first unique complete column of
    :data:`ID_CANDIDATES`, else F1, F2, ...) and the column they came from (None when numbered)."""
    if id_col is None:
        for c in ID_CANDIDATES:
            if c in gdf.columns and gdf[c].notna().all() and gdf[c].is_unique:
                id_col = c
                break
    if id_col is None:
        return pd.Series([f"F{i + 1}" for i in range(len(gdf))], index=gdf.index), None
    if id_col not in gdf.columns:
        raise InputError(f"Facility id column {id_col!r} not found", f"找不到设施编号列 {id_col!r}")
    return gdf[id_col].astype(str), id_col


def prepare_facilities(
    facilities: gpd.GeoDataFrame,
    standards: Standards,
    *,
    category_col: str = "category",
    id_col: str | None = None,
    categories: Iterable[str] | None = None,
    cutoffs: Mapping[str, float] | None = None,
    epsg: int = METRIC_EPSG,
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Metric facilities with ``facility_id`` and ``category`` (a standards key).

    ``epsg``: the study area's metric CRS. Rows whose category is not in the standards are dropped with a warning
    unless a cut-off for that raw value is in ``cutoffs``.
    """
    gdf = to_metric_gdf(facilities, "facilities", epsg).copy()
    if len(gdf) == 0:
        raise InputError("The facilities layer has no features.", "设施图层没有要素。")
    ids, _ = facility_ids(gdf, id_col)
    gdf["facility_id"] = ids.values
    cutoffs = dict(cutoffs or {})
    msgs: list[str] = []
    if category_col not in gdf.columns:
        if len(cutoffs) == 1:
            gdf["category"] = next(iter(cutoffs))
        else:
            raise InputError(
                f"The facilities have no {category_col!r} column; give --category-field or one cut-off.",
                f"设施没有类别列 {category_col!r}；请指定类别字段或给出一个距离阈值。",
            )
    else:
        raw = gdf[category_col]
        keys = [standards.resolve(v) or (str(v) if str(v) in cutoffs else None) for v in raw]
        gdf["category"] = keys
        unknown = sorted({str(v) for v, k in zip(raw, keys, strict=True) if k is None})
        if unknown:
            n = sum(k is None for k in keys)
            msgs.append(
                Notice(
                    f"{n} facilities with categories not in the standards were skipped: {unknown}",
                    f"{n} 处设施的类别不在标准中，未参与计算：{'、'.join(unknown)}",
                )
            )
            warnings.warn(msgs[-1], CoverageWarning, stacklevel=3)
        gdf = gdf[gdf["category"].notna()]
    if categories:
        gdf = gdf[gdf["category"].isin(categories)]
    if len(gdf) == 0:
        raise InputError("No facilities of a known category.", "没有属于已定义类别的设施。")
    return gdf.reset_index(drop=True), msgs


def category_cutoff(standards: Standards, key: str, mode: str, cutoffs: Mapping[str, float] | None) -> float:
    """The cut-off (m) of category ``key`` in ``mode``: the planner's from ``cutoffs``, else the standards'."""
    if cutoffs and key in cutoffs:
        return float(cutoffs[key])
    return standards.distance(key, mode)


#: Renewal sites whose position is a stand-in, not a located site: a low location confidence or a
#: placeholder precision. Siting leaves them out unless the planner asks (then the result says so).
PLACEHOLDER_CONFIDENCE = "低"
PLACEHOLDER_PRECISION = "placeholder"


def placeholder_sites(sites: gpd.GeoDataFrame) -> pd.Series:
    """True for the sites whose point is a placeholder (see :data:`PLACEHOLDER_CONFIDENCE`)."""
    mask = pd.Series(False, index=sites.index)
    if "location_confidence" in sites:
        mask |= sites["location_confidence"].astype(str) == PLACEHOLDER_CONFIDENCE
    if "precision" in sites:
        mask |= sites["precision"].astype(str) == PLACEHOLDER_PRECISION
    return mask
