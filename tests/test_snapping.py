"""Snapping a drawn shape to other sites' vertices and the district boundary (renewal.sites.snapping)."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from layers.draw_control import SNAP_LABEL, snap_payload
from renewal.crs import METRIC_EPSG, convert_geometry, wgs84_to_gcj02
from renewal.sites.snapping import TOLERANCE_M, snap_geometry, snap_targets

LON, LAT = 117.25, 39.12
OTHER = Polygon([(LON, LAT), (LON + 0.002, LAT), (LON + 0.002, LAT + 0.0015), (LON, LAT + 0.0015)])
DISTRICT = box(LON - 0.01, LAT - 0.01, LON + 0.01, LAT + 0.01)


def _metres(a: Point, b: Point) -> float:
    return convert_geometry(a, 4326, METRIC_EPSG).distance(convert_geometry(b, 4326, METRIC_EPSG))


def test_a_rounded_vertex_lands_exactly_on_the_other_sites_vertex():
    targets = snap_targets([OTHER], DISTRICT)
    corner = (LON + 0.002, LAT + 0.0015)
    near = (round(corner[0] + 4e-7, 6), round(corner[1] - 4e-7, 6))  # as the browser returns it
    drawn = Polygon([near, (LON + 0.004, LAT + 0.0015), (LON + 0.004, LAT + 0.003)])
    out = snap_geometry(drawn, targets)
    assert out.exterior.coords[0] == corner and out.exterior.coords[-1] == corner  # ring still closed
    assert out.exterior.coords[1] == drawn.exterior.coords[1]  # far vertices untouched
    assert out.is_valid


def test_a_vertex_beyond_the_tolerance_is_not_moved():
    targets = snap_targets([OTHER])
    far = Point(LON + 0.002 + 5e-6, LAT)  # about 0.43 m east
    assert _metres(far, Point(LON + 0.002, LAT)) > TOLERANCE_M
    out = snap_geometry(LineString([far, (LON + 0.01, LAT + 0.01)]), targets)
    assert out.coords[0] == far.coords[0]


def test_a_vertex_near_the_boundary_goes_onto_the_boundary_line():
    targets = snap_targets([], DISTRICT)
    near = Point(LON + 0.00123, LAT + 0.01 - 1e-6)  # 0.11 m inside the north edge, between its vertices
    out = snap_geometry(LineString([near, (LON, LAT)]), targets)
    x, y = out.coords[0]
    assert abs(y - (LAT + 0.01)) < 1e-9 and abs(x - near.x) < 1e-7
    assert shapely.distance(Point(x, y), DISTRICT.boundary) < 1e-9


def test_the_payload_is_in_display_coordinates_with_the_chinese_label():
    targets = snap_targets([OTHER], DISTRICT)
    plain = snap_payload(targets, "none")
    assert plain["label"] == SNAP_LABEL == "吸附：区界与其他项目的顶点"
    assert [LAT, LON] in plain["vertices"]
    amap = snap_payload(targets, "amap")
    glon, glat = wgs84_to_gcj02(np.array([LON]), np.array([LAT]))
    first = min(amap["vertices"], key=lambda v: abs(v[0] - glat[0]) + abs(v[1] - glon[0]))
    assert abs(first[0] - glat[0]) < 1e-8 and abs(first[1] - glon[0]) < 1e-8
    assert len(amap["lines"]) == 1 and len(amap["lines"][0]) == 5
