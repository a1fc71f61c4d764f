"""renewal.goto: what a planner types into a map's 定位 box, against renewal.crs's own conversions."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from renewal import crs
from renewal.errors import InputError
from renewal.goto import find_by_name, locate, parse_position

HEDONG = (117.2312, 39.1205)  # WGS84, in the district


def _metres(a, b) -> float:
    s = gpd.GeoSeries([Point(a), Point(b)], crs=4326).to_crs(crs.METRIC_EPSG)
    return s.iloc[0].distance(s.iloc[1])


def test_wgs84_pair_and_swapped_order():
    pos = parse_position("117.2312, 39.1205")
    assert (pos.lon, pos.lat) == HEDONG and pos.recognised_zh == "WGS84经纬度"
    swapped = parse_position("39.1205，117.2312")
    assert (swapped.lon, swapped.lat) == HEDONG and "纬度在前" in swapped.recognised_zh


@pytest.mark.parametrize(
    ("prefix", "forward", "label"),
    [
        ("高德", crs.wgs84_to_gcj02, "GCJ-02"),
        ("腾讯", crs.wgs84_to_gcj02, "GCJ-02"),
        ("GCJ02", crs.wgs84_to_gcj02, "GCJ-02"),
        ("百度", crs.wgs84_to_bd09, "BD-09"),
        ("bd09", crs.wgs84_to_bd09, "BD-09"),
    ],
)
def test_web_coordinates_convert_back_to_the_wgs84_point(prefix, forward, label):
    x, y = forward(*HEDONG)
    pos = parse_position(f"{prefix} {float(x):.6f},{float(y):.6f}")
    assert label in pos.recognised_zh
    assert _metres(HEDONG, (pos.lon, pos.lat)) < 0.5
    # without the word the same numbers are WGS84: a different place, about 500 m away
    plain = parse_position(f"{float(x):.6f},{float(y):.6f}")
    assert _metres(HEDONG, (plain.lon, plain.lat)) > 300


def test_gauss_kruger_with_and_without_zone_number_in_either_order():
    east, north = crs.xy_from_wgs84([HEDONG[0]], [HEDONG[1]], crs.METRIC_EPSG)
    e, n = float(east[0]), float(north[0])
    for text, epsg in (
        (f"{n:.2f},{e:.2f}", "EPSG:4548"),
        (f"{e:.2f} {n:.2f}", "EPSG:4548"),
        (f"X={n:.3f} Y={39e6 + e:.3f}", "EPSG:4527"),
    ):
        pos = parse_position(text)
        assert epsg in pos.recognised_zh and "CGCS2000" in pos.recognised_zh, text
        assert _metres(HEDONG, (pos.lon, pos.lat)) < 0.05, text


@pytest.mark.parametrize("text", ["1, 2", "9999999,12", "4331906,99999999", "500, 91"])
def test_numbers_that_are_no_place_in_china_are_refused_in_chinese(text):
    with pytest.raises(InputError) as err:
        parse_position(text)
    assert "坐标" in err.value.message_zh


def test_names_exact_first_then_partial_and_unknown_text_refused():
    layers = [
        (
            "更新项目",
            gpd.GeoDataFrame(
                {"name": ["一机床项目", "机床"]},
                geometry=[box(117.2, 39.1, 117.21, 39.11), Point(117.3, 39.13)],
                crs=4326,
            ),
        ),
        ("设施", gpd.GeoDataFrame({"name": [None]}, geometry=[Point(117.25, 39.12)], crs=4326)),
    ]
    found = find_by_name(layers, "机床")
    assert [f.name for f in found] == ["机床", "一机床项目"]
    pos, count = locate("一机床", layers)
    assert pos.name == "一机床项目" and count == 1 and "更新项目" in pos.recognised_zh
    assert box(117.2, 39.1, 117.21, 39.11).contains(Point(pos.lon, pos.lat))
    assert parse_position("一机床") is None
    numbered = [
        ("导入图层", gpd.GeoDataFrame({"name": ["3号楼 2期"]}, geometry=[Point(117.24, 39.12)], crs=4326))
    ]
    assert locate("3号楼 2期", numbered)[0].name == "3号楼 2期"  # numbers in a name: still a name
    with pytest.raises(InputError) as err:
        locate("<b>不存在</b>", layers)
    assert "无法识别" in err.value.message_zh
