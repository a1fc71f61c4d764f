"""Property tests (hypothesis): coverage is a share in [0, 1], never smaller for
a larger cut-off or an added facility, and unchanged under translation."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from renewal.analysis.coverage import CoverageOptions, network_coverage, radius_coverage
from renewal.analysis.network import WalkNetwork
from renewal.analysis.whatif import what_if
from tests.coverage_fixtures import X0, Y0, box_gdf, grid_nodes_edges, points_gdf

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

coord = st.floats(min_value=0, max_value=1000, allow_nan=False, allow_infinity=False)
points = st.lists(st.tuples(coord, coord), min_size=1, max_size=4)
radius = st.floats(min_value=10, max_value=900)


def _fac(pts, dx=0.0, dy=0.0):
    xy = np.array(pts) + [X0 + dx, Y0 + dy]
    return points_gdf(xy, category=["kindergarten"] * len(xy))


def _boundary(dx=0.0, dy=0.0):
    return box_gdf(X0 + dx, Y0 + dy, X0 + dx + 1000, Y0 + dy + 800)


def _net(dx=0.0, dy=0.0):
    xy, edges = grid_nodes_edges(9, 125.0, X0 + dx, Y0 + dy)
    return WalkNetwork.from_arrays(xy, edges)


NET = _net()


def _share(res):
    return float(res.stats["land_share"].iat[0])


@SETTINGS
@given(points, radius, radius)
def test_radius_share_in_unit_interval_and_monotone_in_cutoff(pts, r1, r2):
    lo, hi = sorted((r1, r2))
    a = _share(
        radius_coverage(
            _fac(pts), boundary=_boundary(), options=CoverageOptions(cell=100, cutoffs={"kindergarten": lo})
        )
    )
    b = _share(
        radius_coverage(
            _fac(pts), boundary=_boundary(), options=CoverageOptions(cell=100, cutoffs={"kindergarten": hi})
        )
    )
    assert 0.0 <= a <= b + 1e-9 <= 1.0 + 1e-9


@SETTINGS
@given(points, st.tuples(coord, coord), radius)
def test_radius_share_never_drops_when_a_facility_is_added(pts, extra, r):
    a = _share(
        radius_coverage(
            _fac(pts), boundary=_boundary(), options=CoverageOptions(cell=100, cutoffs={"kindergarten": r})
        )
    )
    b = _share(
        radius_coverage(
            _fac(pts + [extra]),
            boundary=_boundary(),
            options=CoverageOptions(cell=100, cutoffs={"kindergarten": r}),
        )
    )
    assert a <= b + 1e-9


@SETTINGS
@given(points, radius, st.floats(-3000, 3000), st.floats(-3000, 3000))
def test_radius_share_unchanged_under_translation(pts, r, dx, dy):
    a = _share(
        radius_coverage(
            _fac(pts), boundary=_boundary(), options=CoverageOptions(cell=100, cutoffs={"kindergarten": r})
        )
    )
    b = _share(
        radius_coverage(
            _fac(pts, dx, dy),
            boundary=_boundary(dx, dy),
            options=CoverageOptions(cell=100, cutoffs={"kindergarten": r}),
        )
    )
    assert abs(a - b) < 1e-6


@SETTINGS
@given(points, radius, radius)
def test_network_share_in_unit_interval_and_monotone_in_cutoff(pts, r1, r2):
    lo, hi = sorted((r1, r2))
    a = _share(
        network_coverage(
            NET,
            _fac(pts),
            boundary=_boundary(),
            options=CoverageOptions(cell=50, cutoffs={"kindergarten": lo}),
        )
    )
    b = _share(
        network_coverage(
            NET,
            _fac(pts),
            boundary=_boundary(),
            options=CoverageOptions(cell=50, cutoffs={"kindergarten": hi}),
        )
    )
    assert 0.0 <= a <= b <= 1.0


@SETTINGS
@given(points, st.tuples(coord, coord), radius)
def test_network_share_never_drops_when_a_facility_is_added(pts, extra, r):
    base = network_coverage(
        NET, _fac(pts), boundary=_boundary(), options=CoverageOptions(cell=50, cutoffs={"kindergarten": r})
    )
    full = network_coverage(
        NET,
        _fac(pts + [extra]),
        boundary=_boundary(),
        options=CoverageOptions(cell=50, cutoffs={"kindergarten": r}),
    )
    added = what_if(base, add=_fac([extra]))
    assert _share(base) <= _share(full)
    assert abs(_share(added) - _share(full)) < 1e-9


@SETTINGS
@given(points, radius, st.integers(-20, 20), st.integers(-20, 20))
def test_network_share_unchanged_under_translation(pts, r, i, j):
    dx, dy = i * 137.5, j * 91.25  # binary-exact shifts keep the float arithmetic comparable
    a = _share(
        network_coverage(
            NET,
            _fac(pts),
            boundary=_boundary(),
            options=CoverageOptions(cell=50, cutoffs={"kindergarten": r}),
        )
    )
    b = _share(
        network_coverage(
            _net(dx, dy),
            _fac(pts, dx, dy),
            boundary=_boundary(dx, dy),
            options=CoverageOptions(cell=50, cutoffs={"kindergarten": r}),
        )
    )
    assert abs(a - b) < 1e-9
