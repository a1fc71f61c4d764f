"""Walking networks from and to files: OpenStreetMap extracts, line layers, the workspace copy.

``read_network(path)`` builds a :class:`~renewal.analysis.network.WalkNetwork`
from an OSM file (``.osm.pbf`` / ``.osm``: walking ways only, noded at shared
OSM nodes so bridges do not become junctions) or a line layer (GeoJSON,
GeoPackage, Shapefile: noded where lines meet or cross). ``save_network``
writes the edges as a GeoPackage (WGS84, layer ``walk_network_edges``) that
``read_network`` reads back without noding. ``workspace_network_path`` is where
``import-network`` / ``fetch-network`` keep it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from renewal.analysis.arrays import FloatArray
from renewal.analysis.network import WalkNetwork
from renewal.analysis.osm_read import check_extract_covers, check_osm_path, no_ways_error, read_extract
from renewal.analysis.study_area import clip_area, default_area
from renewal.crs import METRIC_EPSG, metric_epsg_for_geometry, to_storage, transformer
from renewal.errors import InputError
from renewal.io.atomic import atomic_output
from renewal.settings import workspace_dir

#: Layer name of a network written by :func:`save_network`; such a file is
#: read back without noding (its edges already meet only at their ends).
SAVED_LAYER = "walk_network_edges"

OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz", ".osc", ".o5m")


def workspace_network_path(workspace: Path | None = None) -> Path:
    """Where ``import-network`` and ``fetch-network`` store the walking network."""
    return Path(workspace if workspace is not None else workspace_dir()) / "network" / "walk_network.gpkg"


def is_osm_path(path: str | os.PathLike[str]) -> bool:
    """An OSM file by its name (``.osm.pbf``, ``.osm`` ...)."""
    name = str(path).lower()
    return any(name.endswith(s) for s in OSM_SUFFIXES)


def read_network(
    path: str | os.PathLike[str],
    *,
    node_tolerance: float = 0.01,
    layer: str | None = None,
    area: shapely.Geometry | None = None,
    buffer_m: float = 1000.0,
) -> WalkNetwork:
    """Build from an OSM file (walking ways near ``area`` + ``buffer_m``, see :func:`read_osm_network`)
    or a line layer."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"Network file not found: {path}", f"找不到路网文件：{path}")
    if path.stat().st_size == 0:
        raise InputError(f"Network file is empty: {path}", f"路网文件为空：{path}")
    if is_osm_path(path):
        return read_osm_network(path, area=area, buffer_m=buffer_m)
    try:
        import pyogrio

        saved = layer is None and SAVED_LAYER in set(pyogrio.list_layers(path)[:, 0])
        if saved:
            layer = SAVED_LAYER
        gdf = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
    except Exception as exc:
        raise InputError(
            f"Cannot read network file {path}: {exc}", f"无法读取路网文件 {path}：{exc}"
        ) from exc
    if saved:  # in the metric CRS it was built in (older files: EPSG:4548, the only one then)
        epsg = int(gdf["metric_epsg"].iloc[0]) if "metric_epsg" in gdf.columns and len(gdf) else METRIC_EPSG
        net = WalkNetwork.from_noded_lines(gdf.drop(columns="metric_epsg", errors="ignore"), epsg)
    else:
        net = WalkNetwork.from_lines(gdf, node_tolerance=node_tolerance)
    net.report["source"] = str(path)
    return net


def read_osm_network(
    path: str | os.PathLike[str], *, area: shapely.Geometry | None = None, buffer_m: float = 1000.0
) -> WalkNetwork:
    """Walking ways of an OSM file near the study area (``area``, WGS84; default: the district)
    plus ``buffer_m``, streamed and clipped like ``import-osm`` (an extract missing the area is
    refused from its header), noded at shared OSM nodes, in the study area's metric CRS."""
    path = check_osm_path(path)
    clip = clip_area(buffer_m, area)
    check_extract_covers(path, clip)
    col = read_extract(path, clip, None)
    if not col.ways:
        raise no_ways_error(path, buffer_m, clip)
    net = network_from_osm_ways(
        col.ways, metric_epsg_for_geometry(area if area is not None else default_area())
    )
    net.report.update(
        {"source": str(path), "osm_ways": col.n["ways"], "walk_ways": len(col.ways), "buffer_m": buffer_m}
    )
    return net


def network_from_osm_ways(
    ways: list[tuple[list[int], list[tuple[float, float]]]], epsg: int = METRIC_EPSG
) -> WalkNetwork:
    """A network from OSM ways given as (node ids, WGS84 lon/lat points), noded at shared OSM nodes,
    in the metric CRS ``epsg`` (the study area's; EPSG:4548 for Tianjin)."""
    # Split ways at nodes used more than once (junctions) and at their ends.
    count: dict[int, int] = {}
    for ids, _ in ways:
        for i in ids:
            count[i] = count.get(i, 0) + 1
        count[ids[0]] += 1
        count[ids[-1]] += 1
    t = transformer(4326, epsg)
    lines: list[FloatArray] = []
    for ids, pts in ways:
        xy = np.array(pts)
        x, y = t.transform(xy[:, 0], xy[:, 1])
        start = 0
        for k in range(1, len(ids)):
            if count[ids[k]] > 1 or k == len(ids) - 1:
                seg = np.column_stack([x[start : k + 1], y[start : k + 1]])
                if len(seg) >= 2:
                    lines.append(seg)
                start = k
    if lines:
        idx = np.repeat(np.arange(len(lines)), [len(seg) for seg in lines])
        geoms = shapely.linestrings(np.vstack(lines), indices=idx)
    else:
        geoms = np.array([])
    return WalkNetwork._from_noded(np.asarray(geoms, dtype=object), epsg)


def save_network(net: WalkNetwork, path: Path | str) -> None:
    """Write the edges as a GeoPackage (WGS84, with the ``metric_epsg`` it was built in), atomically."""

    logging.getLogger("pyogrio").setLevel(logging.WARNING)
    with atomic_output(path) as tmp:
        edges = to_storage(net.to_geodataframe()).assign(metric_epsg=int(net.crs))
        edges.to_file(tmp, driver="GPKG", layer=SAVED_LAYER)


def load_workspace_network(workspace: Path | None = None) -> WalkNetwork | None:
    """The network stored by ``import-network`` / ``fetch-network``, or None."""
    path = workspace_network_path(workspace)
    return read_network(path) if path.exists() else None
