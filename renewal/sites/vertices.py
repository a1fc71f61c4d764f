"""A site's vertices as a numbered list, and a vertex replaced by coordinates a planner types.

Vertices are numbered from 1 over the parts, rings and lines of a geometry in order; a ring's closing
vertex is not listed (it moves with the first). :func:`replace_vertices` reads each typed text with
:func:`renewal.goto.parse_position` (WGS84, 高德/腾讯 GCJ-02, 百度 BD-09, CGCS2000 Gauss–Krüger X/Y),
converts it to WGS84 and says in Chinese what it recognised; text it cannot read is an
:class:`~renewal.errors.InputError` and nothing is replaced.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from renewal.errors import InputError
from renewal.goto import parse_position


@dataclass(frozen=True)
class VertexChange:
    """One replaced vertex: its number, the WGS84 position, what the text was read as (Chinese)."""

    number: int
    lon: float
    lat: float
    recognised_zh: str


def _rings(geom: BaseGeometry) -> list[tuple[NDArray[np.float64], bool]]:
    """Every coordinate sequence of ``geom`` in order, with whether it is a closed ring."""
    out: list[tuple[NDArray[np.float64], bool]] = []
    for part in getattr(geom, "geoms", [geom]):
        if part.geom_type == "Polygon":
            for ring in [part.exterior, *part.interiors]:
                out.append((np.asarray(ring.coords, dtype=float), True))
        elif not part.is_empty:
            out.append((np.asarray(part.coords, dtype=float), False))
    return out


def vertex_list(geom: BaseGeometry | None) -> list[tuple[float, float]]:
    """The vertices (lon, lat) numbered 1, 2, … in this order (closing vertices left out)."""
    if geom is None or geom.is_empty:
        return []
    out: list[tuple[float, float]] = []
    for coords, closed in _rings(geom):
        out.extend(map(tuple, (coords[:-1] if closed else coords).tolist()))
    return out


def parse_vertex(number: int, text: str) -> VertexChange:
    """The WGS84 position typed for vertex ``number`` (Chinese message for text that is no coordinate)."""
    try:
        pos = parse_position(text)
    except InputError as err:
        raise InputError(f"Vertex {number}: {err}", f"第 {number} 点：{err.message_zh}") from err
    if pos is None:
        raise InputError(
            f"Vertex {number}: not a coordinate pair: {text!r}",
            f"第 {number} 点：无法识别为坐标（如 117.23,39.12；高德 117.24,39.12；百度 117.25,39.13；"
            "CGCS2000 X,Y 如 4330000,521000），顶点未修改。",
        )
    return VertexChange(number, pos.lon, pos.lat, pos.recognised_zh)


def replace_vertices(geom: BaseGeometry, edits: Mapping[int, str]) -> tuple[BaseGeometry, list[VertexChange]]:
    """``geom`` with the vertices numbered in ``edits`` (1-based) moved to the typed positions.

    Raises :class:`InputError` (English and Chinese) for an unknown number or text that is no
    coordinate; then nothing is replaced."""
    count = len(vertex_list(geom))
    changes = []
    for number, text in sorted(edits.items()):
        if not 1 <= number <= count:
            raise InputError(f"No vertex {number} (1-{count})", f"没有第 {number} 点（共 {count} 点）。")
        changes.append(parse_vertex(number, text))
    if not changes:
        return geom, []
    new = np.array(vertex_list(geom), dtype=float)
    for c in changes:
        new[c.number - 1] = (c.lon, c.lat)
    flat: list[NDArray[np.float64]] = []
    start = 0
    for coords, closed in _rings(geom):
        n = len(coords) - 1 if closed else len(coords)
        part = new[start : start + n]
        flat.append(np.vstack([part, part[:1]]) if closed else part)
        start += n
    every = np.vstack(flat)  # in shapely's coordinate order, closing vertices included
    return shapely.transform(geom, lambda xy: every), changes
