"""The metric CRS follows the study area: projected lengths against geodesic ones at several
longitudes (inside China the CGCS2000 3-degree Gauss-Kruger zone, elsewhere UTM)."""

from __future__ import annotations

import pytest
from pyproj import Geod, Transformer

from renewal.crs import METRIC_EPSG, metric_epsg_for

GEOD = Geod(ellps="WGS84")

PLACES = {  # lon, lat, expected EPSG
    "Kashgar": (75.99, 39.47, 4534),  # CGCS2000 / 3-degree Gauss-Kruger CM 75E
    "Urumqi": (87.62, 43.83, 4538),
    "Lhasa": (91.11, 29.65, 4539),
    "Tianjin Hedong": (117.25, 39.12, 4548),
    "Harbin": (126.63, 45.75, 4551),
    "Helsinki": (24.94, 60.17, 32635),
    "Sydney": (151.21, -33.87, 32756),
    "New York": (-74.0, 40.71, 32618),
}


def projected_vs_geodesic(epsg: int, lon: float, lat: float) -> float:
    """Largest relative error of a 2 km east-west and north-south line projected in ``epsg``."""
    t = Transformer.from_crs(4326, epsg, always_xy=True)
    worst = 0.0
    for dlon, dlat in ((0.02, 0.0), (0.0, 0.018)):
        lon2, lat2 = lon + dlon, lat + dlat
        (x0, x1), (y0, y1) = t.transform([lon, lon2], [lat, lat2])
        proj = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
        geo = GEOD.inv(lon, lat, lon2, lat2)[2]
        worst = max(worst, abs(proj / geo - 1))
    return worst


@pytest.mark.parametrize("place", list(PLACES))
def test_the_area_crs_measures_like_the_ellipsoid(place):
    lon, lat, _ = PLACES[place]
    assert projected_vs_geodesic(metric_epsg_for(lon, lat), lon, lat) < 1.2e-3


def test_zone_by_longitude():
    got = {p: metric_epsg_for(lon, lat) for p, (lon, lat, _) in PLACES.items()}
    assert got == {p: e for p, (_, _, e) in PLACES.items()}


def test_the_fixed_tianjin_crs_was_wrong_elsewhere():
    """What the one CRS did: Helsinki about +15 %, Urumqi several per cent longer."""
    assert projected_vs_geodesic(METRIC_EPSG, 24.94, 60.17) > 0.10
    assert projected_vs_geodesic(METRIC_EPSG, 87.62, 43.83) > 0.04
    assert projected_vs_geodesic(METRIC_EPSG, 117.25, 39.12) < 1e-4
