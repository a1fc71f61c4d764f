"""CRS helpers: metric maths in EPSG:4548, GCJ-02/BD-09 conversions with known values."""

import numpy as np
import pytest
from geopandas.testing import assert_geoseries_equal
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import LineString, Point

from renewal import crs


def test_gcj02_check_value_from_provenance():
    # PROVENANCE.md: WGS84 (117.2105, 39.1365) maps to GCJ-02 (117.21679, 39.13752)
    lon, lat = crs.wgs84_to_gcj02(117.2105, 39.1365)
    assert float(lon) == pytest.approx(117.21679, abs=1e-5)
    assert float(lat) == pytest.approx(39.13752, abs=1e-5)


def test_gcj02_shift_near_hedong_is_about_550_m():
    wgs = Point(117.25, 39.12)
    gcj = Point(*[float(v) for v in crs.wgs84_to_gcj02(wgs.x, wgs.y)])
    shift = crs.geometry_to_metric(wgs).distance(crs.geometry_to_metric(gcj))
    assert 450 < shift < 650


@given(st.floats(117.15, 117.35), st.floats(39.0, 39.2))
def test_gcj02_round_trip(lon, lat):
    glon, glat = crs.wgs84_to_gcj02(lon, lat)
    wlon, wlat = crs.gcj02_to_wgs84(glon, glat)
    assert abs(float(wlon) - lon) < 1e-8 and abs(float(wlat) - lat) < 1e-8


def test_outside_china_is_unchanged():
    lon, lat = crs.wgs84_to_gcj02(2.35, 48.85)
    assert float(lon) == 2.35 and float(lat) == 48.85


def test_bd09_to_wgs84_inverts_the_published_forward_formula():
    # forward GCJ-02 -> BD-09 (published formula), then back
    glon, glat = 117.21679, 39.13752
    x_pi = np.pi * 3000.0 / 180.0
    z = np.sqrt(glon**2 + glat**2) + 0.00002 * np.sin(glat * x_pi)
    theta = np.arctan2(glat, glon) + 0.000003 * np.cos(glon * x_pi)
    blon, blat = z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006
    lon, lat = crs.bd09_to_gcj02(blon, blat)
    assert float(lon) == pytest.approx(glon, abs=2e-5) and float(lat) == pytest.approx(glat, abs=2e-5)


def test_metric_length_of_a_known_line():
    a = crs.geometry_to_storage(Point(500_000, 4_330_000))
    b = crs.geometry_to_storage(Point(500_300, 4_330_400))
    assert crs.length_m(LineString([a, b])) == pytest.approx(500.0, abs=0.01)


def test_to_metric_refuses_missing_crs():
    import geopandas as gpd

    from renewal.errors import InputError

    with pytest.raises(InputError) as exc:
        crs.to_metric(gpd.GeoDataFrame(geometry=[Point(1, 2)]))
    assert "坐标参考系" in exc.value.message_zh


def test_metric_and_storage_projections_are_cheap_in_a_new_thread_and_equal_to_to_crs():
    """Issue 22: Streamlit runs every page run in a new thread, and pyproj makes a transformer built from two
    CRSs again in every thread (0.1-0.2 s each way: 0.35 s of every 更新项目 run went there). to_metric and
    to_storage go through the PROJ pipeline instead: the same coordinates, for a GeoDataFrame (its other
    columns kept) and a GeoSeries; another CRS pair and 3-D data still go through to_crs."""
    import statistics
    import threading
    import time

    import geopandas as gpd
    from shapely.geometry import Point

    from renewal.crs import area_m2, geometry_to_metric, geometry_to_storage, to_metric, to_storage
    from renewal.sites.query import bundled_sites

    sites = bundled_sites()
    metric = to_metric(sites)
    assert metric.crs.to_epsg() == 4548 and list(metric.columns) == list(sites.columns)
    assert metric.drop(columns="geometry").equals(sites.drop(columns="geometry"))
    want = sites.to_crs(4548)
    assert_geoseries_equal(metric.geometry, want.geometry, check_less_precise=True)  # within 0.5e-6 m
    back = to_storage(metric.geometry)
    assert isinstance(back, gpd.GeoSeries) and back.crs.to_epsg() == 4326
    assert max(a.hausdorff_distance(b) for a, b in zip(sites.geometry, back, strict=True)) < 1e-9
    z = gpd.GeoDataFrame(geometry=[Point(117.2, 39.1, 5.0)], crs=4326)
    assert to_metric(z).geometry.iloc[0].has_z  # 3-D: through to_crs, z kept
    web = gpd.GeoDataFrame(geometry=[Point(13_050_000, 4_740_000)], crs=3857)
    assert to_storage(web).geometry.iloc[0].equals_exact(web.to_crs(4326).geometry.iloc[0], 1e-9)

    # one geometry at a time (the site card's area and length, the what-if): the same pipeline
    for geom, projected in zip(sites.geometry, want.geometry, strict=True):
        assert geometry_to_metric(geom).equals_exact(projected, 1e-6)
        assert geometry_to_storage(projected).equals_exact(geom, 1e-9)
    took = []

    def page_run():
        t = time.perf_counter()
        to_storage(to_metric(sites))
        area_m2(sites.geometry.iloc[0])  # the card's measure, in the same new thread
        geometry_to_storage(geometry_to_metric(sites.geometry.iloc[0]))
        took.append(time.perf_counter() - t)

    for _ in range(3):  # three "page runs", each in a new thread as Streamlit runs them
        th = threading.Thread(target=page_run)
        th.start()
        th.join()
    assert statistics.median(took) < 0.05, took  # was 0.15-0.35 s (a PROJ database search per thread)
