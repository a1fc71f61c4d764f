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


# ------------------------------------------------------------------ the engine follows the study area
HELSINKI_BOX = (24.93, 60.16, 24.96, 60.18)


def _helsinki_streets():
    """A small street grid in central Helsinki (WGS84 lines every 0.005 degrees)."""
    import geopandas as gpd
    import shapely

    x0, y0, x1, y1 = HELSINKI_BOX
    lines = [shapely.LineString([(x0, y), (x1, y)]) for y in (60.165, 60.170, 60.175)]
    lines += [shapely.LineString([(x, y0), (x, y1)]) for x in (24.935, 24.945, 24.955)]
    return gpd.GeoDataFrame(geometry=lines, crs=4326)


def test_crs_labels_in_chinese():
    from renewal.crs import metric_crs_zh

    assert metric_crs_zh(4548) == "CGCS2000 / 3度带高斯-克吕格 CM 117E (EPSG:4548)"
    assert metric_crs_zh(4534) == "CGCS2000 / 3度带高斯-克吕格 CM 75E (EPSG:4534)"
    assert metric_crs_zh(32635) == "WGS 84 / UTM 第35带 北半球 (EPSG:32635)"
    assert metric_crs_zh(32756) == "WGS 84 / UTM 第56带 南半球 (EPSG:32756)"


def test_a_line_layer_network_is_built_in_its_own_zone_and_saved_with_it(tmp_path):
    from renewal.analysis.network import WalkNetwork
    from renewal.analysis.network_files import read_network, save_network

    net = WalkNetwork.from_lines(_helsinki_streets())
    assert net.crs == 32635
    geodesic = sum(GEOD.geometry_length(g) for g in _helsinki_streets().geometry)
    assert net.report["length_m"] == pytest.approx(geodesic, rel=1e-3)
    path = tmp_path / "net.gpkg"
    save_network(net, path)
    back = read_network(path)
    assert back.crs == 32635 and back.report["length_m"] == pytest.approx(net.report["length_m"], abs=0.01)


def test_coverage_measures_in_the_study_areas_crs_and_reprojects_a_network_built_elsewhere():
    import geopandas as gpd
    import shapely

    from renewal.analysis.coverage import CoverageOptions, network_coverage, radius_coverage
    from renewal.analysis.network import WalkNetwork
    from renewal.analysis.recut import recut

    area = shapely.box(*HELSINKI_BOX)
    fac = gpd.GeoDataFrame({"category": ["kindergarten"]}, geometry=[shapely.Point(24.945, 60.170)], crs=4326)
    old = WalkNetwork.from_lines(_helsinki_streets(), epsg=METRIC_EPSG)  # as every network was built before
    assert old.report["length_m"] > 1.1 * WalkNetwork.from_lines(_helsinki_streets()).report["length_m"]
    res = network_coverage(
        old, fac, boundary=area, options=CoverageOptions(cutoffs={"kindergarten": 300.0}, cell=25.0)
    )
    assert res.metric_epsg == 32635 and res.metric_crs_zh.endswith("(EPSG:32635)")
    notes = [w for w in res.warnings if "reprojected" in str(w)]
    assert len(notes) == 1 and "EPSG:32635" in getattr(notes[0], "zh", "")
    assert res.context.net.crs == 32635
    # along the street from the kindergarten at the crossing: 300 m in UTM 35N, not 300 m of EPSG:4548
    grid = res.grid.to_crs(32635)
    centre = gpd.GeoSeries([fac.geometry.iloc[0]], crs=4326).to_crs(32635).iloc[0]
    on_street = grid[(grid.geometry.centroid.y - centre.y).abs() < 13]
    reach = on_street[on_street["kindergarten_covered"]].geometry.centroid.x
    assert (reach - centre.x).abs().max() == pytest.approx(300, abs=26)
    # radius mode too, and the public engine state re-cuts
    r = radius_coverage(
        fac, boundary=area, options=CoverageOptions(cutoffs={"kindergarten": 300.0}, cell=25.0)
    )
    assert r.metric_epsg == 32635
    covered = r.stats["covered_area_m2"].iloc[0]
    assert covered == pytest.approx(3.1366 * 300**2, rel=2e-3)  # the disc's 64-gon area, in true metres
    assert set(r.category_states) == {"kindergarten"} and r.context.epsg == 32635
    assert recut(r, {"kindergarten": 150.0}).stats["covered_area_m2"].iloc[0] < covered / 3
