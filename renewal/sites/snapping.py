"""Snapping a drawn shape's vertices to the district boundary and to other sites' vertices.

The map snaps while the planner draws (``layers/static/snap.js``, within a few pixels on screen); the
drawing then comes back from the browser rounded to 1e-6° (about 0.1 m), and over 高德 tiles through
the GCJ-02 inverse. :func:`snap_geometry` puts every vertex that lies within :data:`TOLERANCE_M` of a
target exactly on it: a vertex of another site (or of the boundary) first, else the nearest point of the
boundary line. Distances are measured in the metric CRS (EPSG:4548 in Hedong); coordinates stay WGS84.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from renewal.crs import METRIC_EPSG, thread_cheap_transformer

#: A vertex this close (metres) to a target is put on it: larger than the browser's rounding of a
#: snapped vertex (1e-6°, under 0.08 m) and far smaller than anything a planner means at plan scale.
TOLERANCE_M = 0.25


@dataclass(frozen=True)
class SnapTargets:
    """What vertices snap to, in WGS84: points (``vertices``, shape (n, 2) lon/lat) and boundary lines."""

    vertices: NDArray[np.float64]
    lines: tuple[LineString, ...]

    @property
    def empty(self) -> bool:
        return len(self.vertices) == 0 and not self.lines


def _coords(geom: BaseGeometry | None) -> NDArray[np.float64]:
    if geom is None or geom.is_empty:
        return np.empty((0, 2))
    return np.asarray(shapely.get_coordinates(geom), dtype=float)


def _boundary_lines(geom: BaseGeometry | None) -> tuple[LineString, ...]:
    if geom is None or geom.is_empty:
        return ()
    line = geom.boundary if geom.geom_type in ("Polygon", "MultiPolygon") else geom
    parts = getattr(line, "geoms", [line])
    return tuple(LineString(p.coords) for p in parts if p.geom_type in ("LineString", "LinearRing"))


def snap_targets(others: Iterable[BaseGeometry | None], boundary: BaseGeometry | None = None) -> SnapTargets:
    """The targets: every vertex of ``others`` (other sites) and of ``boundary`` (the district), and
    the boundary's lines."""
    arrays = [_coords(g) for g in others] + [_coords(boundary)]
    vertices = np.unique(np.concatenate(arrays), axis=0) if arrays else np.empty((0, 2))
    return SnapTargets(vertices=vertices, lines=_boundary_lines(boundary))


def _to_metric(xy: NDArray[np.float64]) -> NDArray[np.float64]:
    x, y = thread_cheap_transformer(4326, METRIC_EPSG).transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def _segments(lines: tuple[LineString, ...]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The lines' segments as their start and end points (two (n, 2) arrays)."""
    coords = [np.asarray(line.coords, dtype=float) for line in lines if len(line.coords) > 1]
    return np.concatenate([c[:-1] for c in coords]), np.concatenate([c[1:] for c in coords])


def snap_coords(
    xy: NDArray[np.float64], targets: SnapTargets, tolerance_m: float = TOLERANCE_M
) -> NDArray[np.float64]:
    """``xy`` (n, 2) WGS84 with every coordinate within ``tolerance_m`` of a target put on it."""
    out = np.array(xy, dtype=float, copy=True)
    if len(out) == 0 or targets.empty:
        return out
    pts = _to_metric(out)
    if len(targets.vertices):
        tv = _to_metric(targets.vertices)
        dist = np.hypot(pts[:, None, 0] - tv[None, :, 0], pts[:, None, 1] - tv[None, :, 1])
        nearest = dist.argmin(axis=1)
        close = dist[np.arange(len(pts)), nearest] <= tolerance_m
        out[close] = targets.vertices[nearest[close]]
    else:
        close = np.zeros(len(out), dtype=bool)
    if targets.lines:
        a_wgs, b_wgs = _segments(targets.lines)
        a, b = _to_metric(a_wgs), _to_metric(b_wgs)
        ab = b - a
        length2 = np.maximum((ab**2).sum(axis=1), 1e-18)
        for i in np.flatnonzero(~close):
            t = np.clip(((pts[i] - a) * ab).sum(axis=1) / length2, 0.0, 1.0)
            dist = np.hypot(*(a + t[:, None] * ab - pts[i]).T)
            j = int(dist.argmin())
            if dist[j] <= tolerance_m:  # on the stored (WGS84) segment, at the same fraction of it
                out[i] = a_wgs[j] + t[j] * (b_wgs[j] - a_wgs[j])
    return out


def snap_geometry(geom: BaseGeometry, targets: SnapTargets, tolerance_m: float = TOLERANCE_M) -> BaseGeometry:
    """``geom`` (WGS84) with its vertices snapped (:func:`snap_coords`); rings stay closed."""
    if geom.is_empty or targets.empty:
        return geom
    return shapely.transform(geom, lambda xy: snap_coords(xy, targets, tolerance_m))
