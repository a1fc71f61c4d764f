"""The what-if's newly covered area on the bundled data: the overlay that failed with GEOS's
"TopologyException: side location conflict" (issue #16 item 2) gives the right area instead."""

from __future__ import annotations

import warnings

import pytest
import shapely
from geopandas import GeoSeries

import geodata
from pages.views import coverage_data as cd
from renewal.analysis.coverage import CoverageOptions, radius_coverage
from renewal.analysis.facilities import combine_facilities, plan_facilities
from renewal.analysis.recut import recut
from renewal.analysis.whatif import what_if
from renewal.crs import METRIC_EPSG
from renewal.standards import load_standards


@pytest.fixture(scope="module")
def fifteen_minute_schools():
    """The plan's facilities, primary schools at the 15-minute circle (1000 m), with polygons."""
    std = load_standards()
    fac = combine_facilities({"plan": plan_facilities(std)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dist = radius_coverage(
            fac, std, options=CoverageOptions(cutoffs=cd.search_cutoffs(std, "radius"), geometry=False)
        )
        base = recut(dist, cd.circle_cutoffs(std, "15min", "radius"), categories=["primary_school"])
    return std, base, cd.site_points(geodata.load("renewal_sites"))


@pytest.mark.parametrize("site", ["有色金属厂", "麻纺厂城市更新项目"])
def test_gained_area_of_a_school_added_at_a_renewal_site(fifteen_minute_schools, site):
    std, base, points = fifteen_minute_schools
    p = points.loc[points["name"] == site].geometry.iat[0]
    add = cd.added_facilities(
        [{"name": "假设小学", "category": "primary_school", "lon": p.x, "lat": p.y}], std
    )
    after = what_if(base, add=add, geometry=True)
    # the engine's gaps made GEOS fail (nearly coincident edges, invalid after the reprojection): now valid
    assert shapely.is_valid(after.gaps.geometry.values).all()
    assert set(after.gaps.geom_type) <= {"Polygon", "MultiPolygon"}
    gained = cd.gained_area(base, after, ["primary_school"])
    assert list(gained["category"]) == ["primary_school"]
    area = float(gained["area_m2"].iat[0])
    # the gain is the what-if's own change of covered land (both from the same polygons), within 0.1 %
    before = base.stats.set_index("category").at["primary_school", "covered_area_m2"]
    now = after.stats.set_index("category").at["primary_school", "covered_area_m2"]
    assert area == pytest.approx(now - before, rel=1e-3)
    # and it lies within 1000 m of the new school (plus the overlay grid)
    school = shapely.Point(p.x, p.y)
    metric = gained.to_crs(METRIC_EPSG).geometry.iat[0]
    centre = GeoSeries([school], crs=4326).to_crs(METRIC_EPSG).iat[0]
    assert metric.difference(centre.buffer(1000.5)).area < 1.0


def test_valid_polygons_repairs_self_touching_rings_and_keeps_only_polygons():
    from renewal.analysis.polygons import union_on_grid, valid_polygons

    bowtie = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])  # invalid: the ring crosses itself
    square = shapely.box(5, 5, 6, 6)
    out = valid_polygons([bowtie, square, shapely.LineString([(0, 0), (1, 1)])])
    assert shapely.is_valid(out).all()
    assert out[0].area == pytest.approx(2.0) and out[1] is square and out[2].is_empty
    with pytest.raises(shapely.errors.GEOSException):
        shapely.union_all([bowtie, square])  # what the page did before
    assert union_on_grid([bowtie, square], 0.01).area == pytest.approx(3.0)


def test_several_categories_show_per_cell_how_many_are_out_of_reach_one_shows_covered_vs_gap():
    """Issue #16 item 7: gaps of several categories no longer stack into one opaque red district."""
    from layers.maps import coverage_layers
    from layers.registry import COVERAGE_GAPS_KEY, COVERAGE_MISSING_KEY
    from renewal.analysis.coverage import missing_counts

    std = load_standards()
    fac = combine_facilities({"plan": plan_facilities(std)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = radius_coverage(fac, std)
    cats = list(res.stats["category"])
    assert len(cats) == 3
    m = missing_counts(res, cats).set_index("missing")
    assert list(m.index) == [1, 2, 3] and list(m["missing_zh"]) == ["1类不可达", "2类不可达", "3类不可达"]
    gap_area = res.gaps.groupby("category")["area_m2"].sum()
    # everything out of reach of all three lies in each category's gap; the parts add up to the union
    assert m.at[3, "area_m2"] <= gap_area.min() * 1.01
    union = shapely.union_all(res.gaps.to_crs(METRIC_EPSG).geometry.values).area
    assert m["area_m2"].sum() == pytest.approx(union, rel=0.03)  # cells of 50 m against exact circles
    several = coverage_layers(res, fac, cats)
    assert COVERAGE_MISSING_KEY in several and COVERAGE_GAPS_KEY not in several
    one = coverage_layers(res, fac, ["primary_school"])
    assert COVERAGE_GAPS_KEY in one and COVERAGE_MISSING_KEY not in one
