"""CRS helpers: metric maths in EPSG:4548, GCJ-02/BD-09 conversions with known values."""

import numpy as np
import pytest
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
