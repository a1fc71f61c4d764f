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
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
from pyproj import CRS, Transformer
from shapely import transform as shp_transform
from shapely.geometry.base import BaseGeometry

if TYPE_CHECKING:
    import numpy.typing as npt

#: Two coordinate arrays: (lon, lat) or (x, y).
XY = tuple["npt.NDArray[np.float64]", "npt.NDArray[np.float64]"]
#: A geopandas GeoDataFrame or GeoSeries (geopandas has no type stubs: Any to mypy).
GeoFrame = Any

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


#: Rough extent of China (lon/lat) inside which the CGCS2000 3-degree Gauss-Kruger zones apply.
CHINA_BOX = (73.0, 17.0, 136.0, 54.0)


def metric_epsg_for(lon: float, lat: float) -> int:
    """The local metric CRS for a study area centred at ``lon``/``lat`` (WGS84 degrees).

    Inside China: the CGCS2000 3-degree Gauss-Kruger zone whose central meridian is nearest
    (EPSG:4534 = CM 75E ... EPSG:4554 = CM 135E; Tianjin -> EPSG:4548). Elsewhere: the UTM zone
    (EPSG:326xx north, 327xx south). Within a zone the scale error stays below about 0.1 %.
    """
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise ValueError(f"not a WGS84 position: {lon}, {lat}")
    x0, y0, x1, y1 = CHINA_BOX
    if x0 <= lon <= x1 and y0 <= lat <= y1:
        cm = min(max(round(lon / 3.0) * 3, 75), 135)
        return 4534 + (cm - 75) // 3
    zone = min(int((lon + 180.0) // 6.0) + 1, 60)
    return (32600 if lat >= 0 else 32700) + zone


def metric_epsg_for_geometry(geom: BaseGeometry) -> int:
    """:func:`metric_epsg_for` the centre of a WGS84 geometry's bounding box."""
    x0, y0, x1, y1 = geom.bounds
    return metric_epsg_for((x0 + x1) / 2.0, (y0 + y1) / 2.0)


def crs_label(epsg: int) -> str:
    """``EPSG:4548 (CGCS2000 / 3-degree Gauss-Kruger CM 117E)``: how outputs state their metric CRS."""
    return f"EPSG:{epsg} ({CRS.from_epsg(epsg).name})"


@cache
def epsg_crs(epsg: int) -> CRS:
    """``CRS.from_epsg``, made once per code."""
    return CRS.from_epsg(epsg)


def metric_crs_zh(epsg: int) -> str:
    """How pages and sheets name a metric CRS in Chinese, e.g.
    ``CGCS2000 / 3度带高斯-克吕格 CM 117E (EPSG:4548)`` or ``WGS 84 / UTM 第35带 北半球 (EPSG:32635)``."""
    if 4534 <= epsg <= 4554:
        return f"CGCS2000 / 3度带高斯-克吕格 CM {75 + 3 * (epsg - 4534)}E (EPSG:{epsg})"
    if 32601 <= epsg <= 32660 or 32701 <= epsg <= 32760:
        half = "北半球" if epsg < 32700 else "南半球"
        return f"WGS 84 / UTM 第{epsg % 100}带 {half} (EPSG:{epsg})"
    return f"{CRS.from_epsg(epsg).name} (EPSG:{epsg})"


@cache
def thread_cheap_transformer(src: int, dst: int) -> Transformer:
    """:func:`transformer` as its PROJ pipeline: the same operation, but cheap in a new thread.

    pyproj makes a transformer built from two CRSs again in every thread that uses it (a search of PROJ's
    database: 0.1-0.2 s), and Streamlit runs every page run in a new thread; a pipeline is made again in
    well under a millisecond."""
    return Transformer.from_pipeline(transformer(src, dst).definition)


def _epsg(crs: object) -> int | None:
    """The EPSG code of a CRS made from one (``EPSG:4326``), without asking PROJ's database; else None."""
    srs = str(getattr(crs, "srs", "") or "")
    return int(srs[5:]) if srs.upper().startswith("EPSG:") and srs[5:].isdigit() else None


def _reproject(gdf: GeoFrame, epsg: int) -> GeoFrame:
    """``gdf.to_crs(epsg)`` (a GeoDataFrame or GeoSeries) between WGS84 and an EPSG-coded CRS through
    :func:`thread_cheap_transformer`; any other pair, or 3-D data, through ``to_crs``."""
    import geopandas as gpd
    import shapely

    src = _epsg(gdf.crs)
    pair = STORAGE_EPSG in {src, epsg} and src is not None and src != epsg
    geoms = gdf.geometry.values if isinstance(gdf, gpd.GeoDataFrame) else gdf.values
    if not pair or bool(shapely.has_z(geoms).any()):
        return gdf.to_crs(epsg)
    t = thread_cheap_transformer(src, epsg)
    moved = gpd.GeoSeries(
        shapely.transform(geoms, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1]))),
        index=gdf.index,
        crs=epsg,
    )
    if not isinstance(gdf, gpd.GeoDataFrame):
        return moved.rename(gdf.name)
    out = gdf.copy()
    out[gdf.geometry.name] = moved
    return out.set_crs(epsg, allow_override=True)


def to_metric(gdf: GeoFrame, epsg: int = METRIC_EPSG) -> GeoFrame:
    """Return ``gdf`` (a GeoDataFrame or GeoSeries) projected to a metric CRS (default EPSG:4548;
    a study area's own: :func:`metric_epsg_for_geometry`).

    Refuses data without a CRS: guessing is how a district ends up in the sea.
    """
    if gdf.crs is None:
        from renewal.errors import InputError

        raise InputError(
            "The layer has no coordinate reference system; cannot compute in metres.",
            "图层没有坐标参考系，无法按米计算。",
        )
    return _reproject(gdf, epsg)


def to_storage(gdf: GeoFrame) -> GeoFrame:
    """Return ``gdf`` (a GeoDataFrame or GeoSeries) in the storage CRS (WGS84)."""
    return _reproject(gdf, STORAGE_EPSG)


def geometry_to_metric(geom: BaseGeometry) -> BaseGeometry:
    """Project one WGS84 shapely geometry to EPSG:4548 (through :func:`thread_cheap_transformer`: a page
    run's new thread does not search PROJ's database again)."""
    t = thread_cheap_transformer(STORAGE_EPSG, METRIC_EPSG)
    return shp_transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def geometry_to_storage(geom: BaseGeometry) -> BaseGeometry:
    """Project one EPSG:4548 shapely geometry back to WGS84 (:func:`thread_cheap_transformer`)."""
    t = thread_cheap_transformer(METRIC_EPSG, STORAGE_EPSG)
    return shp_transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def area_m2(geom: BaseGeometry) -> float:
    """Area of a WGS84 geometry in square metres (computed in EPSG:4548)."""
    return float(geometry_to_metric(geom).area)


def length_m(geom: BaseGeometry) -> float:
    """Length of a WGS84 geometry in metres (computed in EPSG:4548)."""
    return float(geometry_to_metric(geom).length)


# --- GCJ-02 / BD-09 ---------------------------------------------------------


def _out_of_china(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _delta(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> XY:
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


def wgs84_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> XY:
    """Forward GCJ-02 obfuscation (public formula). Accepts scalars or arrays."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    dlon, dlat = _delta(lon, lat)
    out = _out_of_china(lon, lat)
    return np.where(out, lon, lon + dlon), np.where(out, lat, lat + dlat)


def gcj02_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike, iterations: int = 30, tol: float = 1e-10) -> XY:
    """Inverse of :func:`wgs84_to_gcj02` by fixed-point iteration until the forward
    formula reproduces the input within ``tol`` degrees (~1e-5 m; typically 3-5 steps)."""
    glon = np.asarray(lon, dtype=float)
    glat = np.asarray(lat, dtype=float)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(iterations):
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        dlon, dlat = flon - glon, flat - glat
        wlon = wlon - dlon
        wlat = wlat - dlat
        if np.all(np.abs(dlon) < tol) and np.all(np.abs(dlat) < tol):
            break
    return wlon, wlat


def _bd09_to_gcj02_closed(lon: npt.ArrayLike, lat: npt.ArrayLike) -> XY:
    lon = np.asarray(lon, dtype=float) - 0.0065
    lat = np.asarray(lat, dtype=float) - 0.006
    z = np.sqrt(lon * lon + lat * lat) - 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) - 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def bd09_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike, iterations: int = 10, tol: float = 1e-11) -> XY:
    """Baidu BD-09 to GCJ-02: the published closed form (~1e-6 deg off), refined by fixed-point iteration
    against :func:`gcj02_to_bd09` until the forward formula reproduces the input within ``tol`` degrees."""
    blon = np.asarray(lon, dtype=float)
    blat = np.asarray(lat, dtype=float)
    glon, glat = _bd09_to_gcj02_closed(blon, blat)
    for _ in range(iterations):
        flon, flat = gcj02_to_bd09(glon, glat)
        dlon, dlat = flon - blon, flat - blat
        glon, glat = glon - dlon, glat - dlat
        if np.all(np.abs(dlon) < tol) and np.all(np.abs(dlat) < tol):
            break
    return glon, glat


def bd09_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> XY:
    """Baidu BD-09 to WGS84."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def gcj02_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> XY:
    """GCJ-02 to Baidu BD-09 (published forward formula)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def wgs84_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> XY:
    """WGS84 to Baidu BD-09."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


COORDINATE_SYSTEMS = {
    "wgs84": "WGS84 (GPS, OpenStreetMap, 天地图)",
    "gcj02": "GCJ-02 (高德/腾讯)",
    "bd09": "BD-09 (百度)",
}


def _xy_converter(
    fn: Callable[[npt.ArrayLike, npt.ArrayLike], XY],
) -> Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]]:
    def convert(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        lon, lat = fn(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    return convert


def geometry_from_web(geom: BaseGeometry, system: str) -> BaseGeometry:
    """Convert a geometry whose numbers are in ``system`` (wgs84/gcj02/bd09) to WGS84."""
    if system == "wgs84":
        return geom
    to_wgs84: dict[str, Callable[[npt.ArrayLike, npt.ArrayLike], XY]] = {
        "gcj02": gcj02_to_wgs84,
        "bd09": bd09_to_wgs84,
    }
    fn = to_wgs84[system]
    return shp_transform(geom, _xy_converter(fn))


def geometry_to_gcj02(geom: BaseGeometry) -> BaseGeometry:
    """WGS84 geometry to GCJ-02 numbers, for display over a GCJ-02 basemap only."""
    return shp_transform(geom, _xy_converter(wgs84_to_gcj02))


# --- Named coordinate systems -------------------------------------------------

#: Names a planner may type (CLI ``--crs``/``--from``/``--to``; the page's choice) -> EPSG code or web system.
CRS_ALIASES: dict[str, int | str] = {
    "wgs84": 4326,
    "cgcs2000": 4490,
    "cgcs2000_gk": METRIC_EPSG,  # CGCS2000 3-degree Gauss-Kruger CM 117E, no zone prefix
    "cgcs2000_gk39": 4527,  # the same with zone prefix 39 (false easting 39 500 000)
    "utm50n": 32650,
    "webmercator": 3857,
    "gcj02": "gcj02",
    "bd09": "bd09",
}

#: Chinese names of the systems offered for export and suggestion.
CRS_LABELS_ZH = {
    "wgs84": "WGS84（GPS、OpenStreetMap）",
    "cgcs2000": "CGCS2000 经纬度（天地图）",
    "cgcs2000_gk": "CGCS2000 3度带高斯-克吕格 CM 117E（EPSG:4548）",
    "cgcs2000_gk39": "CGCS2000 3度带高斯-克吕格 39带，带号（EPSG:4527）",
    "utm50n": "WGS84 UTM 50N（EPSG:32650）",
    "webmercator": "Web墨卡托（EPSG:3857）",
    "gcj02": "GCJ-02（高德/腾讯）",
    "bd09": "BD-09（百度）",
}


@dataclass(frozen=True)
class NamedCRS:
    """A coordinate system by name: an EPSG code, or a Chinese web system (numbers look like WGS84 degrees)."""

    name: str  # canonical: wgs84, gcj02, bd09, cgcs2000, or EPSG:NNNN
    epsg: int  # the CRS a GIS should be told (4326 for gcj02/bd09: they have no EPSG code)
    web: str = ""  # "gcj02" / "bd09" / ""

    @property
    def crs(self) -> CRS:
        return CRS.from_epsg(self.epsg)

    @property
    def is_geographic(self) -> bool:
        return bool(self.web) or self.crs.is_geographic

    @property
    def describe(self) -> str:
        """English one-liner: ``WGS84 (EPSG:4326)``, ``GCJ-02 (Amap/Tencent)``, ``EPSG:4548``."""
        if self.web:
            return {"gcj02": "GCJ-02 (Amap/Tencent)", "bd09": "BD-09 (Baidu)"}[self.web]
        if self.name.startswith("EPSG:") or not self.epsg:
            return self.name
        return f"{self.name.upper().replace('CGCS2000', 'CGCS2000')} (EPSG:{self.epsg})"

    @property
    def label_zh(self) -> str:
        alias = self.web or next(
            (k for k, v in CRS_ALIASES.items() if v == self.epsg and k in CRS_LABELS_ZH), self.name
        )
        return CRS_LABELS_ZH.get(alias, f"{self.name}（{self.crs.name}）")


#: A coordinate system as the functions below accept it: a name, an EPSG code or a :class:`NamedCRS`.
CrsName = str | int | NamedCRS


def parse_crs(name: str | int | NamedCRS | None) -> NamedCRS:
    """``wgs84``, ``cgcs2000``, ``gcj02``, ``bd09``, ``utm50n``, ``cgcs2000_gk``, ``EPSG:4548``, ``4548`` ... ->
    :class:`NamedCRS`; an InputError for anything else."""
    from renewal.errors import InputError

    if isinstance(name, NamedCRS):
        return name
    key = str(name if name is not None else "").strip().lower().replace("-", "").replace(" ", "")
    known = {k.replace("_", ""): k for k in CRS_ALIASES}
    if key.replace("_", "") in known:
        canon = known[key.replace("_", "")]
        target = CRS_ALIASES[canon]
        if isinstance(target, str):
            return NamedCRS(canon, STORAGE_EPSG, web=target)
        return NamedCRS(canon if canon in ("wgs84", "cgcs2000") else f"EPSG:{target}", int(target))
    code = key.removeprefix("epsg:").removeprefix("epsg")
    if code.isdigit():
        try:
            CRS.from_epsg(int(code))
        except Exception as exc:  # pyproj.exceptions.CRSError
            raise InputError(f"Unknown EPSG code {name!r}", f"未知的EPSG代码“{name}”") from exc
        epsg = int(code)
        alias = {4326: "wgs84", 4490: "cgcs2000"}.get(epsg, f"EPSG:{epsg}")
        return NamedCRS(alias, epsg)
    raise InputError(
        f"Unknown coordinate system {name!r}; use one of {', '.join(CRS_ALIASES)} or EPSG:NNNN",
        f"未知坐标系“{name}”，可选：{'、'.join(CRS_ALIASES)} 或 EPSG代码（如 EPSG:4548）",
    )


def xy_to_wgs84(x: npt.ArrayLike, y: npt.ArrayLike, src: str | int | NamedCRS) -> XY:
    """Arrays of coordinates in ``src`` to WGS84 lon/lat arrays."""
    src = parse_crs(src)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if src.web == "gcj02":
        return gcj02_to_wgs84(x, y)
    if src.web == "bd09":
        return bd09_to_wgs84(x, y)
    if src.epsg == STORAGE_EPSG:
        return x, y
    lon, lat = transformer(src.epsg, STORAGE_EPSG).transform(x, y)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


#: The latitude where the Web Mercator square ends (a Mercator projection of ±90° is infinite).
MERCATOR_MAX_LAT = 85.0511287798
#: A projected coordinate farther than this from its origin (metres, or feet) is no place on Earth: the
#: projection broke down there (the far pole of a polar stereographic projection, …).
MAX_PROJECTED = 1e8


@cache
def _is_mercator(epsg: int) -> bool:
    op = CRS.from_epsg(epsg).coordinate_operation
    name = (op.method_name if op is not None else "").lower()
    return "mercator" in name and "transverse" not in name


def check_projectable(lat: npt.ArrayLike, x: npt.ArrayLike, y: npt.ArrayLike, dst: NamedCRS) -> None:
    """Refuse (InputError) points that a projected ``dst`` cannot show: a Mercator projection beyond
    ±:data:`MERCATOR_MAX_LAT`, or any result that is not finite or beyond :data:`MAX_PROJECTED`.
    ``lat``: the WGS84 latitudes, ``x``/``y``: their projected coordinates (blank points are skipped)."""
    from renewal.errors import InputError

    lat = np.asarray(lat, dtype=float)
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    given = np.isfinite(lat)
    bad = given & ~(
        np.isfinite(x) & np.isfinite(y) & (np.abs(x) < MAX_PROJECTED) & (np.abs(y) < MAX_PROJECTED)
    )
    mercator = _is_mercator(dst.epsg)
    if mercator:
        bad |= given & (np.abs(lat) > MERCATOR_MAX_LAT)
    if not bad.any():
        return
    first = int(np.flatnonzero(bad)[0])
    limit_en = f" (a Mercator projection ends at latitude ±{MERCATOR_MAX_LAT:.2f}°)" if mercator else ""
    limit_zh = f"（墨卡托投影只到纬度±{MERCATOR_MAX_LAT:.2f}°）" if mercator else ""
    raise InputError(
        f"{int(bad.sum())} point(s) cannot be converted to {dst.name}{limit_en}: the first is point "
        f"{first + 1}, latitude {lat[first]:g}; nothing was written",
        f"有 {int(bad.sum())} 个点无法转换到 {dst.name}{limit_zh}：第一个是第 {first + 1} 个点，"
        f"纬度 {lat[first]:g}；未写出任何文件",
    )


def xy_from_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike, dst: str | int | NamedCRS) -> XY:
    """WGS84 lon/lat arrays to coordinates in ``dst`` (an InputError for points it cannot show)."""
    dst = parse_crs(dst)
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    if dst.web == "gcj02":
        return wgs84_to_gcj02(lon, lat)
    if dst.web == "bd09":
        return wgs84_to_bd09(lon, lat)
    if dst.epsg == STORAGE_EPSG:
        return lon, lat
    x, y = transformer(STORAGE_EPSG, dst.epsg).transform(lon, lat)
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if not CRS.from_epsg(dst.epsg).is_geographic:
        check_projectable(lat, x, y, dst)
    return x, y


def convert_xy(x: npt.ArrayLike, y: npt.ArrayLike, src: CrsName, dst: CrsName) -> XY:
    """Coordinates from ``src`` to ``dst`` (any two named systems, through WGS84)."""
    src, dst = parse_crs(src), parse_crs(dst)
    if src == dst:
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return xy_from_wgs84(*xy_to_wgs84(x, y, src), dst)


def convert_geometry(geom: BaseGeometry, src: CrsName, dst: CrsName) -> BaseGeometry:
    """One shapely geometry from ``src`` to ``dst``."""
    if geom is None or geom.is_empty:
        return geom
    src, dst = parse_crs(src), parse_crs(dst)
    return shp_transform(geom, lambda xy: np.column_stack(convert_xy(xy[:, 0], xy[:, 1], src, dst)))


def gdf_to_crs(gdf: GeoFrame, dst: CrsName) -> GeoFrame:
    """A WGS84 GeoDataFrame with coordinates in ``dst`` (gcj02/bd09: numbers changed, CRS left as EPSG:4326,
    since they have no EPSG code)."""
    dst = parse_crs(dst)
    if gdf.crs is None or gdf.crs.to_epsg() != STORAGE_EPSG:
        gdf = gdf.to_crs(STORAGE_EPSG)
    if not dst.web:
        if dst.epsg == STORAGE_EPSG:
            return gdf.copy()
        out = gdf.to_crs(dst.epsg)
        if not out.crs.is_geographic:
            import shapely

            before = shapely.get_coordinates(gdf.geometry.to_numpy())
            after = shapely.get_coordinates(out.geometry.to_numpy())
            check_projectable(before[:, 1], after[:, 0], after[:, 1], dst)
        return out
    out = gdf.copy()
    out[out.geometry.name] = [convert_geometry(g, "wgs84", dst) for g in gdf.geometry]
    return out.set_crs(STORAGE_EPSG, allow_override=True)


def gdf_from_crs(gdf: GeoFrame, src: CrsName) -> GeoFrame:
    """A GeoDataFrame whose numbers are in ``src`` (its own CRS ignored for gcj02/bd09) as WGS84."""
    src = parse_crs(src)
    if not src.web:
        gdf = gdf.set_crs(src.epsg, allow_override=True)
        return gdf.to_crs(STORAGE_EPSG) if src.epsg != STORAGE_EPSG else gdf
    out = gdf.copy()
    out[out.geometry.name] = [convert_geometry(g, src, "wgs84") for g in gdf.geometry]
    return out.set_crs(STORAGE_EPSG, allow_override=True)
