"""Is the data where it should be? Placement of a file's numbers under each likely coordinate system.

A planner's file lands in the wrong place when its coordinate system is wrong:
projected metres read as degrees (or the reverse), latitude and longitude
swapped, or Amap GCJ-02 numbers read as WGS84 (about 550 m east-north-east of
the truth in Tianjin). :func:`candidates` places the raw numbers under each
likely system and measures how far they fall from Hedong District (the bundled
boundary) and how well they line up with the bundled WGS84 references (the
district boundary and the metro stations); :func:`check` turns that into a verdict
with a suggestion.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
import shapely.ops
from shapely.geometry.base import BaseGeometry

from renewal.crs import METRIC_EPSG, NamedCRS, parse_crs, transformer, xy_to_wgs84

#: Systems tried, in order of how common they are for Hedong planners' files.
CANDIDATE_CRS = ("wgs84", "gcj02", "bd09", "EPSG:4548", "EPSG:4527", "utm50n", "webmercator")
SWAPPED = "wgs84_swapped"
#: Data whose typical point is farther than this from the district is implausible (metres).
NEAR_M = 10_000
#: GCJ-02 suspicion: the GCJ reading lines up with the references within this, and twice as well.
MATCH_M = 150
SAMPLE = 2000


@dataclass(frozen=True)
class Placement:
    """The raw numbers read as ``name``: where their typical point lies."""

    name: str
    label_zh: str
    lon: float  # median point, WGS84
    lat: float
    distance_m: float  # from the district (0 inside)
    match_m: float  # median distance of the points to the nearest reference feature (nan if far)

    @property
    def near(self) -> bool:
        return self.distance_m <= NEAR_M


@cache
def _references() -> tuple[BaseGeometry, list[BaseGeometry], shapely.STRtree]:
    import geodata

    district = geodata.load("district").to_crs(METRIC_EPSG)
    area = shapely.union_all(district.geometry.values)
    refs = [area.boundary]
    try:
        refs.extend(geodata.load("metro_stations").to_crs(METRIC_EPSG).geometry.values)
    except Exception:  # the references are a help, not a requirement
        pass
    tree = shapely.STRtree(refs)
    return area, refs, tree


def _sample_xy(geoms: Iterable[BaseGeometry | None]) -> npt.NDArray[np.float64]:
    present = [g for g in geoms if g is not None and not g.is_empty]
    if not present:
        return np.empty((0, 2))
    xy: npt.NDArray[np.float64] = shapely.get_coordinates(np.asarray(present, dtype=object))
    if len(xy) > SAMPLE:
        xy = xy[np.linspace(0, len(xy) - 1, SAMPLE).astype(int)]
    return xy[np.isfinite(xy).all(axis=1)]


def _haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return float(2 * 6_371_000 * np.arcsin(np.sqrt(np.clip(a, 0, 1))))


def _place(xy: np.ndarray, name: str) -> Placement | None:
    if name == SWAPPED:
        lon, lat = xy[:, 1], xy[:, 0]
        label = "WGS84，但经纬度互换"
        ok_range = True
    else:
        crs = parse_crs(name)
        label = crs.label_zh
        if crs.is_geographic and (np.abs(xy[:, 0]).max() > 180 or np.abs(xy[:, 1]).max() > 90):
            return None
        if not crs.is_geographic and np.abs(xy).max() < 1000:
            return None  # degrees are not metres
        with np.errstate(all="ignore"):
            lon, lat = xy_to_wgs84(xy[:, 0], xy[:, 1], crs)
        ok_range = True
    if not ok_range or not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        return None
    if np.abs(lat).max() > 90 or np.abs(lon).max() > 180:
        return None
    mlon, mlat = float(np.median(lon)), float(np.median(lat))
    area, refs, tree = _references()
    c = area.centroid
    clon, clat = transformer(METRIC_EPSG, 4326).transform(c.x, c.y)
    far = _haversine_m(mlon, mlat, clon, clat)
    distance, match = far, float("nan")
    if far < 200_000:
        mx, my = transformer(4326, METRIC_EPSG).transform(lon, lat)
        pts = shapely.points(np.asarray(mx), np.asarray(my))
        mid = shapely.Point(np.median(mx), np.median(my))
        distance = float(area.distance(mid))
        idx = tree.nearest(pts)
        match = float(np.median(shapely.distance(pts, np.asarray(refs, dtype=object)[idx])))
    return Placement(name, label, mlon, mlat, distance, match)


def candidates(
    geoms: Iterable[BaseGeometry | None], declared: str | NamedCRS | None = None
) -> list[Placement]:
    """The raw numbers of ``geoms`` placed under each likely system (and ``declared``), nearest first."""
    xy = _sample_xy(list(geoms))
    if len(xy) == 0:
        return []
    names = [parse_crs(n).name for n in CANDIDATE_CRS] + [SWAPPED]
    if declared is not None:
        d = parse_crs(declared).name
        if d not in names:
            names.insert(0, d)
    out = [p for p in (_place(xy, n) for n in names) if p is not None]
    order = {n: i for i, n in enumerate(names)}
    return sorted(
        out,
        key=lambda p: (not p.near, not p.match_m < MATCH_M, order[p.name], p.distance_m),
    )


def describe_candidates(geoms: Iterable[BaseGeometry | None], lang: str = "en") -> str:
    """One sentence naming the systems that put ``geoms`` in Hedong (for error messages)."""
    near = [p for p in candidates(geoms) if p.near][:3]
    if not near:
        return (
            "No common coordinate system puts it in Hedong District."
            if lang == "en"
            else "常用坐标系都不能把它放在河东区内。"
        )
    if lang == "en":
        return "Likely: " + "; ".join(
            f"{p.name} ({p.distance_m / 1000:.1f} km from the district)" for p in near
        )
    return "可能的坐标系：" + "；".join(
        f"{p.label_zh}（距河东区{p.distance_m / 1000:.1f}公里）" for p in near
    )


@dataclass(frozen=True)
class Verdict:
    ok: bool
    message_en: str
    message_zh: str
    declared: Placement | None
    suggestions: tuple[Placement, ...]


def check(raw: gpd.GeoSeries | list[BaseGeometry], declared: str | NamedCRS) -> Verdict:
    """Is data with these raw numbers, read as ``declared``, plausibly in Hedong? If not, what is likelier?"""
    declared = parse_crs(declared)
    places = candidates(raw, declared)
    mine = next((p for p in places if p.name == declared.name), None)
    others = tuple(p for p in places if p.name != declared.name and p.near)
    if mine is None or not mine.near:
        where = f"{mine.distance_m / 1000:.0f} km from" if mine else "nowhere near"
        where_zh = f"距河东区{mine.distance_m / 1000:.0f}公里" if mine else "远离河东区"
        hint = describe_candidates(raw, "en")
        return Verdict(
            False,
            f"read as {declared.name} the data lies {where} Hedong District. {hint}",
            f"按{declared.label_zh}读取，数据{where_zh}。" + describe_candidates(raw, "zh"),
            mine,
            others,
        )
    if not declared.web and declared.is_geographic:
        gcj = next((p for p in places if p.name == "gcj02"), None)
        if gcj and gcj.match_m < MATCH_M and gcj.match_m * 2 < mine.match_m:
            return Verdict(
                True,
                f"the data lies about {mine.match_m:.0f} m off the WGS84 references (district boundary, metro "
                f"stations) and {gcj.match_m:.0f} m off when read as GCJ-02 (Amap): it is probably GCJ-02.",
                f"数据与WGS84参考数据（区界、地铁站）相差约{mine.match_m:.0f}米，按GCJ-02（高德）读取只差"
                f"{gcj.match_m:.0f}米：很可能是GCJ-02坐标。",
                mine,
                (gcj,),
            )
    return Verdict(True, "", "", mine, ())


def place_as(raw: Iterable[BaseGeometry | None], name: str) -> gpd.GeoSeries:
    """The raw numbers read as ``name`` (a candidate, incl. :data:`SWAPPED`), as WGS84 geometries."""
    from renewal.crs import convert_geometry

    geoms = list(raw)
    if name == SWAPPED:
        out = [shapely.ops.transform(lambda x, y: (y, x), g) if g is not None else g for g in geoms]
    else:
        out = [convert_geometry(g, name, "wgs84") if g is not None else g for g in geoms]
    return gpd.GeoSeries(out, crs=4326)


def outside_district(gdf: gpd.GeoDataFrame, margin_m: float = 1000) -> np.ndarray:
    """Which features of a WGS84 layer lie wholly outside Hedong District plus ``margin_m`` (a boolean array)."""
    area = _references()[0].buffer(margin_m)
    geoms = gdf.to_crs(METRIC_EPSG).geometry.values
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    out = np.zeros(len(geoms), dtype=bool)
    out[present] = ~shapely.intersects(geoms[present], area)
    return out
