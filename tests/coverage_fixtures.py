"""Synthetic data with known answers for the coverage and network tests.

All geometry is made in EPSG:4548 metres around (X0, Y0), a point inside
Hedong, and handed to the engine as GeoDataFrames with their CRS."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

X0, Y0 = 520000.0, 4330000.0


def grid_nodes_edges(n: int, spacing: float = 100.0, x0: float = X0, y0: float = Y0):
    """An n x n lattice: node k = j * n + i at (x0 + i*spacing, y0 + j*spacing)."""
    xy = np.array([(x0 + i * spacing, y0 + j * spacing) for j in range(n) for i in range(n)])
    edges = []
    for j in range(n):
        for i in range(n):
            k = j * n + i
            if i < n - 1:
                edges.append((k, k + 1))
            if j < n - 1:
                edges.append((k, k + n))
    return xy, np.array(edges)


def grid_lines_gdf(n: int, spacing: float = 100.0, x0: float = X0, y0: float = Y0, crs=4548):
    """The lattice as long straight lines (rows and columns) that cross: the
    builder must node them at every crossing."""
    lines = []
    for j in range(n):
        lines.append(shapely.LineString([(x0, y0 + j * spacing), (x0 + (n - 1) * spacing, y0 + j * spacing)]))
    for i in range(n):
        lines.append(shapely.LineString([(x0 + i * spacing, y0), (x0 + i * spacing, y0 + (n - 1) * spacing)]))
    g = gpd.GeoDataFrame({"name": [f"L{k}" for k in range(len(lines))]}, geometry=lines, crs=4548)
    return g.to_crs(crs)


def points_gdf(xy, crs=4548, **cols):
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    return gpd.GeoDataFrame(dict(cols), geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=4548).to_crs(crs)


def box_gdf(x0, y0, x1, y1, crs=4548, **cols):
    return gpd.GeoDataFrame(dict(cols) or None, geometry=[shapely.box(x0, y0, x1, y1)], crs=4548).to_crs(crs)


def lattice_within(k: float, spacing: float = 100.0) -> int:
    """Number of lattice nodes within Manhattan distance k (metres) of an interior node."""
    m = int(np.floor(k / spacing + 1e-9))
    return 2 * m * m + 2 * m + 1


OSM_XML = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="test">
{nodes}
{ways}
</osm>
"""


def write_osm(path, nodes, ways):
    """nodes: {id: (lon, lat)}; ways: [(id, [node ids], {tag: value})]."""
    ns = "\n".join(
        f'  <node id="{i}" version="1" lat="{lat:.8f}" lon="{lon:.8f}"/>' for i, (lon, lat) in nodes.items()
    )
    ws = []
    for wid, refs, tags in ways:
        body = "".join(f'<nd ref="{r}"/>' for r in refs) + "".join(
            f'<tag k="{k}" v="{v}"/>' for k, v in tags.items()
        )
        ws.append(f'  <way id="{wid}" version="1">{body}</way>')
    path.write_text(OSM_XML.format(nodes=ns, ways="\n".join(ws)), encoding="utf-8")
    return path
