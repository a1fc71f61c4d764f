"""Go to a place: what a planner types into a map's 定位 box, read as a position.

:func:`parse_position` reads coordinates in the systems a Chinese planner meets (WGS84 from a GPS or
a GIS file, GCJ-02 from 高德/腾讯, BD-09 from 百度, CGCS2000 3-degree Gauss–Krüger x/y from survey
and planning drawings, with or without the zone number before the easting) and converts them to
WGS84 with :mod:`renewal.crs`, saying in Chinese which format it recognised. :func:`find_by_name`
looks a name up in the features of the loaded layers. No geocoding service is asked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import geopandas as gpd

from renewal import crs
from renewal.errors import InputError

#: Words that name the system of a lon/lat pair (lower case; checked in order, longest first).
SYSTEM_WORDS: tuple[tuple[str, str], ...] = (
    ("wgs84", "wgs84"),
    ("wgs-84", "wgs84"),
    ("wgs", "wgs84"),
    ("gps", "wgs84"),
    ("gcj-02", "gcj02"),
    ("gcj02", "gcj02"),
    ("gcj", "gcj02"),
    ("高德", "gcj02"),
    ("腾讯", "gcj02"),
    ("火星", "gcj02"),
    ("bd-09", "bd09"),
    ("bd09", "bd09"),
    ("bd", "bd09"),
    ("百度", "bd09"),
)
SYSTEM_LABELS_ZH = {
    "wgs84": "WGS84经纬度",
    "gcj02": "高德/腾讯坐标（GCJ-02）",
    "bd09": "百度坐标（BD-09）",
}
#: CGCS2000 3-degree Gauss–Krüger: zone n (25–45) has central meridian 3n° and EPSG 4513 + (n − 25)
#: with the zone number before the easting; EPSG:4534 + (n − 25) without it (Tianjin: zone 39, 4548).
GK_ZONES = range(25, 46)
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Position:
    """Where to go: WGS84 lon/lat, what was recognised (Chinese), and a name when found by name."""

    lon: float
    lat: float
    recognised_zh: str
    name: str = ""


def _bad(text: str) -> InputError:
    return InputError(
        f"Not a coordinate pair nor a known name: {text!r}",
        "无法识别：请输入坐标（如 117.23,39.12；高德 117.24,39.12；百度 117.25,39.13；"
        "CGCS2000 X,Y 如 4330000,521000）或图层中的名称。",
    )


def _in_china(lon: float, lat: float) -> bool:
    x0, y0, x1, y1 = crs.CHINA_BOX
    return x0 <= lon <= x1 and y0 <= lat <= y1


def _gauss_kruger(a: float, b: float) -> Position | None:
    """Two projected numbers: the northing (X, 7 digits in China) and the easting (Y, 6 digits, or
    8 with the zone number), in either order."""
    in_north = [v for v in (a, b) if 1e6 < v < 7e6]
    if len(in_north) != 1:
        return None
    north = in_north[0]
    east = b if north == a else a
    if 1e5 <= east < 1e6:
        epsg, label = crs.METRIC_EPSG, "CGCS2000 高斯-克吕格3度带坐标（中央经线117°，不带带号，EPSG:4548）"
    elif 1e7 <= east < 1e8 and int(east // 1e6) in GK_ZONES:
        zone = int(east // 1e6)
        epsg = 4513 + zone - 25
        label = f"CGCS2000 高斯-克吕格3度带坐标（带号{zone}，中央经线{zone * 3}°，EPSG:{epsg}）"
    else:
        return None
    lon, lat = crs.xy_to_wgs84([east], [north], epsg)
    return Position(float(lon[0]), float(lat[0]), label)


def parse_position(text: str) -> Position | None:
    """The position ``text`` gives as coordinates, or None when it holds no coordinate pair.

    Raises :class:`InputError` for two numbers that are no position in China."""
    rest = (text or "").strip().lower().replace("，", ",").replace("；", ";")
    system = next((s for word, s in SYSTEM_WORDS if word in rest), "wgs84")
    for word, _ in sorted(SYSTEM_WORDS, key=lambda w: -len(w[0])):  # "gcj-02" holds no number
        rest = rest.replace(word, " ")
    numbers = _NUMBER.findall(rest)
    words = _NUMBER.sub(" ", rest)
    if len(numbers) != 2 or re.search(r"[^\s,;：:=()（）/xyen\u4e00-\u9fff°]", words):
        return None
    a, b = float(numbers[0]), float(numbers[1])
    if abs(a) > 1000 or abs(b) > 1000:
        pos = _gauss_kruger(a, b)
        if pos is None or not _in_china(pos.lon, pos.lat):
            raise InputError(
                f"Projected coordinates {a}, {b} are not CGCS2000 Gauss-Kruger in China",
                f"坐标 {numbers[0]}, {numbers[1]} 不是中国范围内的CGCS2000高斯-克吕格坐标（X为北坐标7位，Y为东坐标6位或带带号8位）。",
            )
        return pos
    lon, lat, swapped = a, b, False
    if not _in_china(lon, lat) and _in_china(b, a):
        lon, lat, swapped = b, a, True
    if not _in_china(lon, lat):
        raise InputError(
            f"Coordinates {a}, {b} are not in China",
            f"坐标 {numbers[0]}, {numbers[1]} 不在中国范围内（经度73–136°，纬度17–54°）。",
        )
    label = SYSTEM_LABELS_ZH[system] + ("，纬度在前" if swapped else "")
    if system == "wgs84":
        return Position(lon, lat, label)
    glon, glat = crs.xy_to_wgs84([lon], [lat], system)
    return Position(float(glon[0]), float(glat[0]), label)


def find_by_name(layers: Iterable[tuple[str, gpd.GeoDataFrame]], text: str) -> list[Position]:
    """Features whose ``name`` equals ``text`` (first) or contains it, from ``(layer title, WGS84
    frame)`` pairs, each as the position of its representative point."""
    needle = (text or "").strip().casefold()
    if not needle:
        return []
    exact: list[Position] = []
    partial: list[Position] = []
    for title, gdf in layers:
        if "name" not in gdf.columns or gdf.empty:
            continue
        names = gdf["name"].astype("string").fillna("")
        for name, geom in zip(names, gdf.geometry, strict=True):
            key = str(name).strip().casefold()
            if not key or geom is None or geom.is_empty or needle not in key:
                continue
            pt = geom if geom.geom_type == "Point" else geom.representative_point()
            found = Position(pt.x, pt.y, f"名称（图层：{title}）", str(name))
            (exact if key == needle else partial).append(found)
    return exact + partial


def locate(text: str, layers: Iterable[tuple[str, gpd.GeoDataFrame]]) -> tuple[Position, int]:
    """Coordinates, else a name: the position to go to and how many features matched the name
    (1 for coordinates). Raises :class:`InputError` (Chinese message) when neither."""
    layers = list(layers)
    try:
        pos = parse_position(text)
    except InputError:  # two numbers that are no place: a name with numbers in it ("3号楼 2期")?
        found = find_by_name(layers, text)
        if found:
            return found[0], len(found)
        raise
    if pos is not None:
        return pos, 1
    found = find_by_name(layers, text)
    if not found:
        raise _bad(text)
    return found[0], len(found)
