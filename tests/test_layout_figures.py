"""Areas and summaries of the layout, computed in EPSG:4548, against known answers."""

import geopandas as gpd
import pytest
from shapely.geometry import box

import geodata
from renewal.crs import area_m2, geometry_to_storage
from renewal.layout import jinmao_zone_table, layout_counts, polygon_areas_m2, station_area_summary


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
    assert table["示意面积（㎡）"].sum() == pytest.approx(park_area, abs=5)
    assert (table["示意面积（㎡）"] > 100_000).all()


def test_station_area_summary_reports_drawn_vs_plan():
    s = station_area_summary(geodata.load("layout"))
    assert s["plan_km2"] == pytest.approx(6.53)
    assert 0.8 < s["ratio"] < 1.2  # schematic extent sized on the plan's figure
    assert s["drawn_km2"] == pytest.approx(s["ratio"] * 6.53)


def test_layout_counts_cover_the_four_elements():
    counts = layout_counts(geodata.load("layout")).set_index("布局要素")
    assert (counts["要素数"] > 0).all()
    assert (counts["其中位置示意"] <= counts["要素数"]).all()
