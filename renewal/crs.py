"""Coordinate reference systems: one place for every CRS decision.

* Storage CRS: WGS84 (EPSG:4326).
* Metric CRS: CGCS2000 / 3-degree Gauss-Kruger CM 117E (EPSG:4548). Every
  length, area and buffer is computed there.
* Chinese web coordinates (GCJ-02 for Amap/Tencent, BD-09 for Baidu) are
  converted only at the edges: on import, and for display over a GCJ-02
  basemap. They never enter stored data.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
from pyproj import CRS, Transformer
from shapely import transform as shp_transform
from shapely.geometry.base import BaseGeometry

STORAGE_EPSG = 4326
METRIC_EPSG = 4548
METRIC_CRS = CRS.from_epsg(METRIC_EPSG)

# Krasovsky 1940 ellipsoid parameters used by the published GCJ-02 formula.
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0


@cache
def transformer(src: int | str, dst: int | str) -> Transformer:
    """A cached, always_xy transformer between two CRSs."""
    return Transformer.from_crs(src, dst, always_xy=True)


def to_metric(gdf):
    """Return ``gdf`` projected to the metric CRS (EPSG:4548).

    Refuses data without a CRS: guessing is how a district ends up in the sea.
    """
    if gdf.crs is None:
        from renewal.errors import InputError

        raise InputError(
            "The layer has no coordinate reference system; cannot compute in metres.",
            "图层没有坐标参考系，无法按米计算。",
        )
    return gdf.to_crs(METRIC_EPSG)


def to_storage(gdf):
    """Return ``gdf`` in the storage CRS (WGS84)."""
    return gdf.to_crs(STORAGE_EPSG)


def geometry_to_metric(geom: BaseGeometry) -> BaseGeometry:
    """Project one WGS84 shapely geometry to EPSG:4548."""
    t = transformer(STORAGE_EPSG, METRIC_EPSG)
    return shp_transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def geometry_to_storage(geom: BaseGeometry) -> BaseGeometry:
    """Project one EPSG:4548 shapely geometry back to WGS84."""
    t = transformer(METRIC_EPSG, STORAGE_EPSG)
    return shp_transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def area_m2(geom: BaseGeometry) -> float:
    """Area of a WGS84 geometry in square metres (computed in EPSG:4548)."""
    return float(geometry_to_metric(geom).area)


def length_m(geom: BaseGeometry) -> float:
    """Length of a WGS84 geometry in metres (computed in EPSG:4548)."""
    return float(geometry_to_metric(geom).length)


# --- GCJ-02 / BD-09 ---------------------------------------------------------


def _out_of_china(lon, lat):
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _delta(lon, lat):
    x = lon - 105.0
    y = lat - 35.0
    dlat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    )
    radlat = lat / 180.0 * np.pi
    magic = 1 - _GCJ_EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_GCJ_A * (1 - _GCJ_EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_GCJ_A / sqrtmagic * np.cos(radlat) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon, lat):
    """Forward GCJ-02 obfuscation (public formula). Accepts scalars or arrays."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    dlon, dlat = _delta(lon, lat)
    out = _out_of_china(lon, lat)
    return np.where(out, lon, lon + dlon), np.where(out, lat, lat + dlat)


def gcj02_to_wgs84(lon, lat, iterations: int = 10):
    """Inverse of :func:`wgs84_to_gcj02` by fixed-point iteration (error < 1e-9 deg)."""
    glon = np.asarray(lon, dtype=float)
    glat = np.asarray(lat, dtype=float)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(iterations):
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        wlon = wlon - (flon - glon)
        wlat = wlat - (flat - glat)
    return wlon, wlat


def bd09_to_gcj02(lon, lat):
    """Baidu BD-09 to GCJ-02."""
    lon = np.asarray(lon, dtype=float) - 0.0065
    lat = np.asarray(lat, dtype=float) - 0.006
    z = np.sqrt(lon * lon + lat * lat) - 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) - 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def bd09_to_wgs84(lon, lat):
    """Baidu BD-09 to WGS84."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


COORDINATE_SYSTEMS = {
    "wgs84": "WGS84 (GPS, OpenStreetMap, 天地图)",
    "gcj02": "GCJ-02 (高德/腾讯)",
    "bd09": "BD-09 (百度)",
}


def _xy_converter(fn):
    def convert(xy):
        lon, lat = fn(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    return convert


def geometry_from_web(geom: BaseGeometry, system: str) -> BaseGeometry:
    """Convert a geometry whose numbers are in ``system`` (wgs84/gcj02/bd09) to WGS84."""
    if system == "wgs84":
        return geom
    fn = {"gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}[system]
    return shp_transform(geom, _xy_converter(fn))


def geometry_to_gcj02(geom: BaseGeometry) -> BaseGeometry:
    """WGS84 geometry to GCJ-02 numbers, for display over a GCJ-02 basemap only."""
    return shp_transform(geom, _xy_converter(wgs84_to_gcj02))
