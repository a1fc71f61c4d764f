"""A site's vertices by number, replaced by typed coordinates (renewal.sites.vertices)."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import MultiPolygon, Point, Polygon

from renewal.crs import gcj02_to_wgs84, wgs84_to_bd09, wgs84_to_gcj02, xy_from_wgs84
from renewal.errors import InputError
from renewal.sites.vertices import replace_vertices, vertex_list

SQUARE = Polygon([(117.25, 39.12), (117.26, 39.12), (117.26, 39.13), (117.25, 39.13)])


def test_vertices_are_numbered_without_the_closing_one():
    assert vertex_list(SQUARE) == [(117.25, 39.12), (117.26, 39.12), (117.26, 39.13), (117.25, 39.13)]
    two = MultiPolygon([SQUARE, Polygon([(117.3, 39.1), (117.31, 39.1), (117.31, 39.11)])])
    assert len(vertex_list(two)) == 7 and vertex_list(Point(117.2, 39.1)) == [(117.2, 39.1)]


def test_a_gcj02_vertex_is_converted_and_the_ring_stays_closed():
    glon, glat = wgs84_to_gcj02(np.array([117.251]), np.array([39.121]))
    new, changes = replace_vertices(SQUARE, {1: f"高德 {glon[0]:.7f},{glat[0]:.7f}"})
    wlon, wlat = gcj02_to_wgs84(np.array([round(glon[0], 7)]), np.array([round(glat[0], 7)]))
    assert new.exterior.coords[0] == new.exterior.coords[-1] == (float(wlon[0]), float(wlat[0]))
    assert abs(new.exterior.coords[0][0] - 117.251) < 1e-6  # the GCJ-02 shift (about 500 m) is undone
    assert "GCJ-02" in changes[0].recognised_zh
    assert new.exterior.coords[1:4] == SQUARE.exterior.coords[1:4]


def test_bd09_and_gauss_kruger_are_recognised():
    blon, blat = wgs84_to_bd09(np.array([117.262]), np.array([39.131]))
    x, y = xy_from_wgs84([117.255], [39.125], 4548)
    new, changes = replace_vertices(
        SQUARE, {3: f"百度 {blon[0]:.8f},{blat[0]:.8f}", 4: f"{y[0]:.3f},{x[0]:.3f}"}
    )
    assert abs(new.exterior.coords[2][0] - 117.262) < 1e-7 and abs(new.exterior.coords[2][1] - 39.131) < 1e-7
    assert abs(new.exterior.coords[3][0] - 117.255) < 1e-7 and abs(new.exterior.coords[3][1] - 39.125) < 1e-7
    assert "BD-09" in changes[0].recognised_zh and "EPSG:4548" in changes[1].recognised_zh


@pytest.mark.parametrize("text", ["abc", "117.2", "200,100", "1,2,3"])
def test_text_that_is_no_coordinate_is_refused_in_chinese(text):
    with pytest.raises(InputError) as err:
        replace_vertices(SQUARE, {2: text})
    assert err.value.message_zh.startswith("第 2 点")


def test_an_unknown_vertex_number_is_refused():
    with pytest.raises(InputError, match="No vertex 9"):
        replace_vertices(SQUARE, {9: "117.25,39.12"})
