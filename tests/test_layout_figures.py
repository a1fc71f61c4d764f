"""Areas and summaries of the layout, computed in EPSG:4548, against known answers."""

import re

import geopandas as gpd
import pytest
from shapely.geometry import box

import geodata
from renewal.crs import area_m2, geometry_to_storage
from renewal.layout import (
    jinmao_zone_areas_m2,
    jinmao_zone_table,
    layout_counts,
    polygon_areas_m2,
    station_area_summary,
)


def test_square_of_known_size_has_known_area():
    # a 1 km x 1 km square built in EPSG:4548, stored in WGS84
    sq = geometry_to_storage(box(500_000, 4_330_000, 501_000, 4_331_000))
    gdf = gpd.GeoDataFrame(geometry=[sq], crs=4326)
    assert polygon_areas_m2(gdf).iloc[0] == pytest.approx(1_000_000, rel=1e-6)
    assert area_m2(sq) == pytest.approx(1_000_000, rel=1e-6)


def test_jinmao_zones_partition_the_park():
    lay = geodata.load("layout")
    table = jinmao_zone_table(lay)
    assert list(table["片区"]) == ["东南", "东北", "西南", "西北"]
    park = lay[lay["name"] == "金贸产业园"]
    park_area = float(polygon_areas_m2(park).iloc[0])
    areas = jinmao_zone_areas_m2(lay)
    assert areas.sum() == pytest.approx(park_area, abs=5)
    assert (areas > 100_000).all()
    # shown rounded, as the schematic outlines allow: 约 … 平方公里, never to the square metre
    assert list(table["示意面积"]) == [f"约 {a / 1e6:.1f} 平方公里" for a in areas]
    assert all(re.fullmatch(r"约 \d+\.\d 平方公里", t) for t in table["示意面积"])


def test_station_area_summary_reports_drawn_vs_plan():
    lay = geodata.load("layout")
    s = station_area_summary(lay)
    assert s["plan_km2"] == pytest.approx(6.53)
    # the drawn area, measured independently here in EPSG:4548
    area = lay[lay["name"] == "天津站站产城融合发展片区（河东部分）"].to_crs(4548).geometry.area.sum() / 1e6
    assert s["drawn_km2"] == pytest.approx(area, rel=1e-9)
    assert s["ratio"] == pytest.approx(area / 6.53)
    assert 0.8 < s["ratio"] < 1.2  # schematic extent sized on the plan's figure


def test_station_area_summary_without_the_area():
    lay = geodata.load("layout")
    s = station_area_summary(lay[lay["category"] != "功能片区"])
    assert s == {"drawn_km2": None, "plan_km2": None, "ratio": None}


def test_layout_counts_count_every_approximate_precision():
    lay = geodata.load("layout")
    counts = layout_counts(lay).set_index("布局要素")
    assert (counts["要素数"] > 0).all()
    # every layout feature is placed from text: all of them are approximate of some kind
    assert (counts["其中位置示意"] == counts["要素数"]).all()
    one = lay[lay["layout"] == "多点"].head(2).copy()
    one["precision"] = ["geocoded", "surveyed"]
    c = layout_counts(one).set_index("布局要素").loc["多点"]
    assert (c["要素数"], c["其中位置示意"]) == (2, 1)


def test_jinmao_table_shows_chinese_precision_labels():
    table = jinmao_zone_table(geodata.load("layout"))
    assert set(table["定位精度"]) <= set(geodata.PRECISION_LABELS.values())
