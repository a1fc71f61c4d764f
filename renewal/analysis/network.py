"""Walking networks: build, snap, shortest paths and partial-edge catchments.

Everything here is metric: coordinates are metres of the network's metric CRS
(``WalkNetwork.crs``: the study area's, EPSG:4548 for Hedong; ``net.to_crs(epsg)`` moves it to
another study area's). Input layers in any CRS are projected on load; layers without a CRS are
refused.

Public API
----------
Reading and saving files (OSM extracts, line layers, the workspace copy) is in
:mod:`renewal.analysis.network_files` (``read_network``, ``save_network``).

``WalkNetwork.from_lines(lines, crs=None, *, node_tolerance=0.01, epsg=None)``
    Build from shapely lines (or a GeoDataFrame of lines). Lines are noded
    where they meet (a shared vertex or a crossing); vertices are first snapped
    to a grid of ``node_tolerance`` metres (1 cm) so near-misses join.
``WalkNetwork.from_noded_lines(gdf, epsg=None)``
    Lines that already meet only at their ends (OSMnx edges, a saved network,
    OSM ways split at shared nodes): no noding, so bridges stay bridges.
``WalkNetwork.from_arrays(node_xy, edges)``
    Straight edges between given nodes (tests, benchmarks).
``net.snap(xy, max_snap=...) -> Snap``
    Nearest point on an edge (not just the nearest node); points farther than
    ``max_snap`` metres are refused (``Snap.ok`` is False) and counted.
``net.node_distances(snap, cutoff) -> NodeDistances``
    One multi-source Dijkstra (scipy.sparse.csgraph, ``limit=cutoff``) from
    all snapped sources: distance and nearest source per node.
``net.point_distances(node_dist, sources_snap, targets_snap) -> (dist, source)``
    Distances from the sources to points on edges (handles a source and a
    target on the same edge).
``net.single_source(snap, cutoff) -> NodeDistances``
    One new point without rebuilding the graph (what-if, siting).
``net.catchment_pieces(node_dist, sources_snap) -> (geoms, source)``
    The reached edge pieces, an edge partly within reach cut at the remaining
    distance, attributed to the nearest source.
``catchment_polygons(geoms, source, n_sources, width=25)``
    Pieces buffered by a small width, one polygon per source: not hulls.

Distances include the off-network legs (facility to its snapped point and
origin to its snapped point) unless ``count_snap=False``.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from shapely.geometry import LineString

from renewal.analysis.arrays import ArrayLike, BoolArray, FloatArray, IntArray, ObjectArray
from renewal.crs import METRIC_EPSG, epsg_crs, metric_epsg_for_geometry, to_metric, transformer
from renewal.errors import InputError

log = logging.getLogger(__name__)

#: Smallest edge weight given to scipy (explicit zeros are ambiguous there).
_EPS = 1e-9

#: Distances this close to the cut-off count as within it (floating point).
TOL = 1e-6

#: Nodes are identified to the millimetre (``_from_noded`` rounds end points to 1 mm): a point this close
#: to a node is at that node.
NODE_TOL = 1e-3

#: A distance function along an edge: (slope, intercept, source), or (0, (offset, snap), source) for a
#: source on the edge (see :func:`_envelope_cover`).
_Piece = tuple[float, float | tuple[float, float], int]


def _limit(cutoff: float) -> float:
    return float(cutoff) + TOL if np.isfinite(cutoff) else np.inf


class NetworkWarning(UserWarning):
    """Something was dropped or refused while building or using a network."""


@dataclass
class Snap:
    """Points snapped onto network edges (metric).

    ``edge``/``offset`` (distance from the edge's first node ``u``) are valid
    where ``ok``; ``dist`` is the straight distance to the edge (NaN if no
    edge is within the maximum snap distance).
    """

    edge: IntArray
    offset: FloatArray
    dist: FloatArray
    ok: BoolArray
    max_snap: float

    def __len__(self) -> int:
        return len(self.edge)

    @property
    def n_refused(self) -> int:
        return int((~self.ok).sum())

    def subset(self, mask: BoolArray | IntArray) -> Snap:
        return Snap(self.edge[mask], self.offset[mask], self.dist[mask], self.ok[mask], self.max_snap)


@dataclass
class NodeDistances:
    """Result of one multi-source run: per node, distance (inf if beyond the
    cut-off) and the index of the nearest source (-1 if none)."""

    dist: FloatArray
    source: IntArray
    cutoff: float


def _local_epsg(layer: Any) -> int:
    """The local metric CRS of a layer's extent."""
    return metric_epsg_for_geometry(shapely.box(*to_metric(layer, 4326).total_bounds))


@dataclass
class WalkNetwork:
    """An undirected walking network in metres of the metric CRS ``crs`` (EPSG:4548 for Hedong)."""

    node_xy: FloatArray
    edge_u: IntArray
    edge_v: IntArray
    edge_len: FloatArray
    edge_geom: ObjectArray  # shapely LineStrings, oriented u -> v
    report: dict[str, Any] = field(default_factory=dict)  # counts and lengths (m), and the source file
    #: EPSG code of the metric CRS the coordinates are in (EPSG:4548 unless built for another study area).
    crs: int = METRIC_EPSG

    def __post_init__(self) -> None:
        self._tree: shapely.STRtree | None = None
        self._graph: sparse.csr_matrix | None = None

    # ------------------------------------------------------------------ build
    @classmethod
    def from_lines(
        cls, lines: Any, crs: Any = None, *, node_tolerance: float = 0.01, epsg: int | None = None
    ) -> WalkNetwork:
        """Build from lines; noded where they meet or cross.

        Parameters
        ----------
        lines : GeoDataFrame, GeoSeries or iterable of shapely lines
            A layer's own CRS is used (none is an error); bare geometries are in ``crs``.
        crs : CRS, optional
            The CRS of bare geometries (default EPSG:4548).
        node_tolerance : float
            Metres: vertices are first snapped to a grid of that size (default 1 cm), joining lines that
            nearly meet (a T-junction that misses by floating-point noise after reprojection).
        epsg : int, optional
            The metric CRS to build in (default: a layer's own local metric CRS,
            :func:`renewal.crs.metric_epsg_for_geometry` of its extent; EPSG:4548 for bare geometries).

        Returns
        -------
        WalkNetwork
            The largest connected component (the others are dropped with a warning and counted in
            ``report``).

        Raises
        ------
        InputError
            A layer without a CRS, an empty layer, no usable lines.

        Examples
        --------
        Two crossing streets become four edges meeting at one node:

        >>> import geopandas as gpd, shapely
        >>> streets = gpd.GeoSeries([shapely.LineString([(520000, 4330500), (521000, 4330500)]),
        ...                          shapely.LineString([(520500, 4330000), (520500, 4331000)])], crs=4548)
        >>> net = WalkNetwork.from_lines(streets)
        >>> net.n_nodes, net.n_edges, net.crs, net.report["length_m"]
        (5, 4, 4548, 2000.0)
        >>> snap = net.snap([(520500, 4330800)])
        >>> float(snap.dist[0]), bool(snap.ok[0])
        (0.0, True)
        """
        import geopandas as gpd

        if isinstance(lines, gpd.GeoDataFrame | gpd.GeoSeries):
            if lines.crs is None:
                raise InputError(
                    "The network layer has no coordinate reference system (CRS).",
                    "路网图层没有坐标参考系（CRS）。",
                )
            epsg = epsg or _local_epsg(lines)
            geoms = np.asarray(to_metric(lines, epsg).geometry.values, dtype=object)
        else:
            geoms = np.asarray(list(lines), dtype=object)
            epsg = epsg or METRIC_EPSG
            if crs is not None and gpd.GeoSeries(geoms, crs=crs).crs != epsg_crs(epsg):
                geoms = np.asarray(to_metric(gpd.GeoSeries(geoms, crs=crs), epsg).values, dtype=object)
        if len(geoms) == 0:
            raise InputError("The network layer is empty.", "路网图层为空。")
        geoms = geoms[~pd.isna(geoms)]
        parts = shapely.get_parts(geoms)
        types = shapely.get_type_id(parts)
        lines_only = parts[(types == 1) | (types == 2)]
        if (types == 2).any():
            lines_only = np.array(
                [LineString(g.coords) if g.geom_type == "LinearRing" else g for g in lines_only]
            )
        lines_only = lines_only[~shapely.is_empty(lines_only)]
        lines_only = lines_only[shapely.length(lines_only) > 0]
        if len(lines_only) == 0:
            raise InputError(
                "The network layer has no usable lines (only points/polygons or empty geometries).",
                "路网图层中没有可用的线要素（只有点、面或空几何）。",
            )
        n_in = len(lines_only)
        grid = node_tolerance if node_tolerance and node_tolerance > 0 else None
        noded = shapely.union_all(lines_only, grid_size=grid)
        pieces = shapely.get_parts(noded)
        pieces = pieces[shapely.get_type_id(pieces) == 1]
        net = cls._from_noded(np.asarray(pieces, dtype=object), epsg)
        net.report["input_lines"] = n_in
        return net

    @classmethod
    def from_noded_lines(cls, lines: Any, epsg: int | None = None) -> WalkNetwork:
        """Build from lines that already meet only at their ends (OSMnx edges,
        a topologically clean road graph): no noding, so bridges stay bridges.
        ``lines`` is a GeoDataFrame/GeoSeries with a CRS; built in the metric CRS ``epsg``
        (default: the layer's local one)."""
        if getattr(lines, "crs", None) is None:
            raise InputError(
                "The network layer has no coordinate reference system (CRS).",
                "路网图层没有坐标参考系（CRS）。",
            )
        epsg = epsg or _local_epsg(lines)
        geoms = np.asarray(to_metric(lines, epsg).geometry.values, dtype=object)
        parts = shapely.get_parts(geoms[~pd.isna(geoms)])
        return cls._from_noded(np.asarray(parts[shapely.get_type_id(parts) == 1], dtype=object), epsg)

    @classmethod
    def _from_noded(cls, pieces: ObjectArray, crs: int = METRIC_EPSG) -> WalkNetwork:
        if len(pieces) == 0:
            raise InputError("No usable lines in the network.", "路网中没有可用的线。")
        lengths = shapely.length(pieces)
        keep = lengths > 0
        pieces, lengths = pieces[keep], lengths[keep]
        starts = shapely.get_coordinates(shapely.get_point(pieces, 0))
        ends = shapely.get_coordinates(shapely.get_point(pieces, -1))
        allxy = np.round(np.vstack([starts, ends]), 3)  # 1 mm node identity
        uniq, inv = np.unique(allxy, axis=0, return_inverse=True)
        inv = inv.ravel()
        u, v = inv[: len(pieces)], inv[len(pieces) :]
        loops = u == v
        u, v, pieces, lengths = u[~loops], v[~loops], pieces[~loops], lengths[~loops]
        if len(u) == 0:
            raise InputError("No usable lines in the network.", "路网中没有可用的线。")
        # Largest connected component.
        n = len(uniq)
        adj = sparse.coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
        ncomp, labels = csgraph.connected_components(adj, directed=False)
        report: dict[str, Any] = {
            "nodes_in": int(n),
            "edges_in": int(len(u)),
            "components": int(ncomp),
        }
        if ncomp > 1:
            sizes = np.bincount(labels[u], weights=lengths, minlength=ncomp)
            big = int(np.argmax(sizes))
            keep_e = labels[u] == big
            dropped_len = float(lengths[~keep_e].sum())
            report.update(
                dropped_components=int(ncomp - 1),
                dropped_edges=int((~keep_e).sum()),
                dropped_length_m=round(dropped_len, 1),
                dropped_share=round(dropped_len / float(lengths.sum()), 4),
            )
            warnings.warn(
                f"Network has {ncomp} disconnected pieces; kept the largest "
                f"({keep_e.sum()} edges), dropped {ncomp - 1} pieces: {(~keep_e).sum()} edges, "
                f"{dropped_len:.0f} m ({100 * dropped_len / lengths.sum():.1f}% of length).",
                NetworkWarning,
                stacklevel=3,
            )
            u, v, pieces, lengths = u[keep_e], v[keep_e], pieces[keep_e], lengths[keep_e]
            used = np.unique(np.concatenate([u, v]))
            remap = -np.ones(n, dtype=np.int64)
            remap[used] = np.arange(len(used))
            u, v, uniq = remap[u], remap[v], uniq[used]
        else:
            report.update(dropped_components=0, dropped_edges=0, dropped_length_m=0.0, dropped_share=0.0)
        report.update(nodes=int(len(uniq)), edges=int(len(u)), length_m=round(float(lengths.sum()), 1))
        return cls(
            node_xy=uniq.astype(float),
            edge_u=u.astype(np.int64),
            edge_v=v.astype(np.int64),
            edge_len=lengths.astype(float),
            edge_geom=pieces,
            report=report,
            crs=crs,
        )

    @classmethod
    def from_arrays(cls, node_xy: ArrayLike, edges: ArrayLike) -> WalkNetwork:
        """Straight-edge network from node coordinates and (u, v) pairs (tests, benchmarks)."""
        node_xy = np.asarray(node_xy, dtype=float)
        edges = np.asarray(edges, dtype=np.int64)
        coords = np.stack([node_xy[edges[:, 0]], node_xy[edges[:, 1]]], axis=1)
        geoms = shapely.linestrings(coords)
        net = cls(
            node_xy=node_xy,
            edge_u=edges[:, 0].copy(),
            edge_v=edges[:, 1].copy(),
            edge_len=shapely.length(geoms),
            edge_geom=np.asarray(geoms, dtype=object),
            report={"nodes": len(node_xy), "edges": len(edges)},
        )
        return net

    # ------------------------------------------------------------- properties
    @property
    def n_nodes(self) -> int:
        return len(self.node_xy)

    @property
    def n_edges(self) -> int:
        return len(self.edge_u)

    @property
    def tree(self) -> shapely.STRtree:
        if self._tree is None:
            self._tree = shapely.STRtree(self.edge_geom)
        return self._tree

    @property
    def graph(self) -> sparse.csr_matrix:
        """Symmetric CSR adjacency (parallel edges: the shortest kept)."""
        if self._graph is None:
            n = self.n_nodes
            r = np.concatenate([self.edge_u, self.edge_v])
            c = np.concatenate([self.edge_v, self.edge_u])
            w = np.maximum(np.concatenate([self.edge_len, self.edge_len]), _EPS)
            self._graph = _coo_min_csr(r, c, w, n)
        return self._graph

    def bounds(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) of the nodes, in metres of ``crs``."""
        return (*self.node_xy.min(axis=0), *self.node_xy.max(axis=0))

    def to_crs(self, epsg: int) -> WalkNetwork:
        """The same graph (nodes, edges, components) in another metric CRS: coordinates reprojected,
        edge lengths measured again there."""
        if epsg == self.crs:
            return self
        t = transformer(self.crs, epsg)

        def move(xy: FloatArray) -> FloatArray:
            return np.column_stack(t.transform(xy[:, 0], xy[:, 1]))

        geoms = shapely.transform(self.edge_geom, move)
        lengths = shapely.length(geoms)
        report = dict(self.report, length_m=round(float(lengths.sum()), 1), reprojected_from=self.crs)
        return WalkNetwork(
            move(self.node_xy),
            self.edge_u,
            self.edge_v,
            lengths,
            np.asarray(geoms, dtype=object),
            report,
            epsg,
        )

    def to_geodataframe(self) -> Any:
        import geopandas as gpd

        return gpd.GeoDataFrame(
            {"u": self.edge_u, "v": self.edge_v, "length_m": self.edge_len},
            geometry=list(self.edge_geom),
            crs=epsg_crs(self.crs),
        )

    # ---------------------------------------------------------------- snapping
    def snap(self, xy: FloatArray | Iterable[Any], max_snap: float = 200.0) -> Snap:
        """Snap points (an (n, 2) array in metres, or shapely points) onto edges."""
        pts = _as_points(xy)
        n = len(pts)
        edge = np.full(n, -1, dtype=np.int64)
        offset = np.full(n, np.nan)
        dist = np.full(n, np.nan)
        if n:
            idx, dd = self.tree.query_nearest(
                pts, max_distance=max_snap, return_distance=True, all_matches=False
            )
            pi, ei = idx
            edge[pi] = ei
            dist[pi] = dd
            offset[pi] = shapely.line_locate_point(self.edge_geom[ei], pts[pi])
            offset[pi] = np.clip(offset[pi], 0.0, self.edge_len[ei])
        return Snap(edge, offset, dist, edge >= 0, float(max_snap))

    # ----------------------------------------------------------- shortest paths
    def node_distances(self, src: Snap, cutoff: float, *, count_snap: bool = True) -> NodeDistances:
        """Multi-source Dijkstra with a cut-off from snapped points.

        Each source becomes a virtual node joined to both ends of its edge with
        the fractional lengths (plus its snap distance if ``count_snap``); one
        scipy run with ``min_only=True`` gives per node the distance and which
        source is nearest.
        """
        n = self.n_nodes
        ok = np.flatnonzero(src.ok)
        if len(ok) == 0:
            return NodeDistances(np.full(n, np.inf), np.full(n, -1, dtype=np.int64), float(cutoff))
        e = src.edge[ok]
        extra = src.dist[ok] if count_snap else np.zeros(len(ok))
        offset, length = src.offset[ok], self.edge_len[e]
        # A source on a node (within the 1 mm that identifies nodes) with no off-network leg starts at that
        # node itself (no virtual node, no graph copy); every other source becomes a virtual node joined to
        # both ends of its edge.
        at_u = (offset <= NODE_TOL) & (extra <= 0)
        at_v = (length - offset <= NODE_TOL) & (extra <= 0) & ~at_u
        direct = at_u | at_v
        nodes = np.where(at_u, self.edge_u[e], self.edge_v[e])[direct]
        nodes, first = np.unique(nodes, return_index=True)  # two sources on one node: either is nearest
        virtual = np.flatnonzero(~direct)
        k = len(virtual)
        owner = np.full(n + k, -1, dtype=np.int64)
        owner[nodes] = ok[np.flatnonzero(direct)[first]]
        graph, indices = self.graph, nodes
        if k:
            vn = n + np.arange(k)
            ev, ov, xv = e[virtual], offset[virtual], extra[virtual]
            rows = np.concatenate([vn, vn])
            cols = np.concatenate([self.edge_u[ev], self.edge_v[ev]])
            w = np.concatenate([ov + xv, length[virtual] - ov + xv])
            graph = _append_rows(self.graph, rows - n, cols, np.maximum(w, _EPS), k)
            indices = np.concatenate([nodes, vn])
            owner[vn] = ok[virtual]
        dist, _pred, sources = csgraph.dijkstra(
            graph,
            directed=True,
            indices=indices,
            limit=_limit(cutoff),
            min_only=True,
            return_predecessors=True,
        )
        s = sources[:n]
        reached = np.flatnonzero(s >= 0)  # scipy marks unreached nodes with a negative source
        out = np.full(n, -1, dtype=np.int64)
        out[reached] = owner[s[reached]]
        return NodeDistances(dist[:n], out, float(cutoff))

    def point_distances(
        self, nd: NodeDistances, src: Snap, dst: Snap, *, count_snap: bool = True
    ) -> tuple[FloatArray, IntArray]:
        """Distance (inf beyond the cut-off or unsnapped) and nearest source
        index (-1) for points ``dst`` given node distances from ``src``."""
        m = len(dst)
        out = np.full(m, np.inf)
        who = np.full(m, -1, dtype=np.int64)
        ok = np.flatnonzero(dst.ok)
        if len(ok) == 0:
            return out, who
        e = dst.edge[ok]
        s = dst.offset[ok]
        du = nd.dist[self.edge_u[e]] + s
        dv = nd.dist[self.edge_v[e]] + (self.edge_len[e] - s)
        d = np.minimum(du, dv)
        w = np.where(du <= dv, nd.source[self.edge_u[e]], nd.source[self.edge_v[e]])
        # Sources on the same edge as a target: the direct way along the edge.
        sok = np.flatnonzero(src.ok)
        if len(sok):
            order = np.argsort(src.edge[sok], kind="stable")
            sok_e = sok[order]
            se = src.edge[sok_e]
            lo = np.searchsorted(se, e, "left")
            cnt = np.searchsorted(se, e, "right") - lo
            if cnt.any():
                pos = np.repeat(np.arange(len(ok)), cnt)
                first = np.cumsum(cnt) - cnt
                sid = sok_e[lo[pos] + np.arange(len(pos)) - first[pos]]
                dd = np.abs(s[pos] - src.offset[sid]) + (src.dist[sid] if count_snap else 0.0)
                o = np.lexsort((dd, pos))  # stable: among ties the lowest source index
                o = o[np.r_[True, pos[o][1:] != pos[o][:-1]]]
                pos, sid, dd = pos[o], sid[o], dd[o]
                better = dd < d[pos]
                d[pos[better]] = dd[better]
                w[pos[better]] = sid[better]
        if count_snap:
            d = d + dst.dist[ok]
        reach = d <= nd.cutoff + TOL
        out[ok[reach]] = d[reach]
        who[ok[reach]] = w[reach]
        return out, who

    def single_source(self, src: Snap, cutoff: float, *, count_snap: bool = True) -> NodeDistances:
        """Node distances from one snapped point, without rebuilding the graph
        (two runs from the edge's end nodes): used by what-if and siting."""
        if len(src) != 1 or not src.ok[0]:
            return NodeDistances(np.full(self.n_nodes, np.inf), np.full(self.n_nodes, -1), float(cutoff))
        e = int(src.edge[0])
        t = float(src.offset[0]) + (float(src.dist[0]) if count_snap else 0.0)
        tv = float(self.edge_len[e] - src.offset[0]) + (float(src.dist[0]) if count_snap else 0.0)
        # the graph is symmetric: directed=True gives the same distances
        # without scipy transposing the matrix on every call
        dmat = csgraph.dijkstra(
            self.graph, directed=True, indices=[self.edge_u[e], self.edge_v[e]], limit=_limit(cutoff)
        )
        d = np.minimum(dmat[0] + t, dmat[1] + tv)
        d[d > cutoff + TOL] = np.inf
        return NodeDistances(d, np.where(np.isfinite(d), 0, -1).astype(np.int64), float(cutoff))

    # -------------------------------------------------------------- catchments
    def catchment_pieces(
        self, nd: NodeDistances, src: Snap, *, count_snap: bool = True
    ) -> tuple[ObjectArray, IntArray]:
        """Reached edge pieces (metric LineStrings) and the source each serves.

        An edge whose ends are both within reach of the same source and whose
        two reaches overlap is kept whole; otherwise each end contributes the
        piece up to its remaining distance, and where two sources meet on an
        edge it is split at the point of equal distance. A source on an edge
        also covers the stretch around itself.
        """
        c = nd.cutoff
        du = nd.dist[self.edge_u]
        dv = nd.dist[self.edge_v]
        L = self.edge_len
        ru = np.where(np.isfinite(du), c - du, -1.0)
        rv = np.where(np.isfinite(dv), c - dv, -1.0)
        su = nd.source[self.edge_u]
        sv = nd.source[self.edge_v]
        eidx: list[IntArray] = []
        a: list[FloatArray] = []
        b: list[FloatArray] = []
        who: list[IntArray] = []
        reached_u = ru >= 0
        reached_v = rv >= 0
        same = reached_u & reached_v & (su == sv)
        full = same & (ru + rv >= L)
        # whole edges
        eidx.append(np.flatnonzero(full))
        a.append(np.zeros(full.sum()))
        b.append(L[full])
        who.append(su[full])
        # end pieces
        with np.errstate(invalid="ignore"):
            mid = np.where(reached_u & reached_v & ~same, (dv + L - du) / 2.0, np.nan)
        pu = reached_u & ~full
        end_u = np.minimum(ru, L)
        end_u = np.where(np.isfinite(mid), np.minimum(end_u, mid), end_u)
        eidx.append(np.flatnonzero(pu))
        a.append(np.zeros(pu.sum()))
        b.append(end_u[pu])
        who.append(su[pu])
        pv = reached_v & ~full
        start_v = np.maximum(L - rv, 0.0)
        start_v = np.where(np.isfinite(mid), np.maximum(start_v, mid), start_v)
        eidx.append(np.flatnonzero(pv))
        a.append(start_v[pv])
        b.append(L[pv])
        who.append(sv[pv])
        # Edges that carry sources: the exact lower envelope of all distance
        # functions along the edge replaces the end pieces computed above.
        sok = np.flatnonzero(src.ok)
        if len(sok):
            sx = src.dist[sok] if count_snap else np.zeros(len(sok))
            special = np.unique(src.edge[sok])
            drop = [~np.isin(x, special) for x in eidx]
            eidx = [x[d] for x, d in zip(eidx, drop, strict=True)]
            a = [x[d] for x, d in zip(a, drop, strict=True)]
            b = [x[d] for x, d in zip(b, drop, strict=True)]
            who = [x[d] for x, d in zip(who, drop, strict=True)]
            by_edge = pd.Series(np.arange(len(sok))).groupby(src.edge[sok]).apply(list)
            se: list[int] = []
            sa: list[float] = []
            sb: list[float] = []
            sw: list[int] = []
            for e_, members in by_edge.items():
                e_ = int(e_)
                fun: list[_Piece] = []  # (slope, intercept, source)
                if np.isfinite(du[e_]):
                    fun.append((1.0, du[e_], su[e_]))
                if np.isfinite(dv[e_]):
                    fun.append((-1.0, dv[e_] + L[e_], sv[e_]))
                for m in members:
                    fun.append((0.0, (src.offset[sok[m]], sx[m]), sok[m]))
                for lo, hi, w in _envelope_cover(fun, float(L[e_]), c):
                    se.append(e_)
                    sa.append(lo)
                    sb.append(hi)
                    sw.append(w)
            eidx.append(np.array(se, dtype=np.int64))
            a.append(np.array(sa, dtype=float))
            b.append(np.array(sb, dtype=float))
            who.append(np.array(sw, dtype=np.int64))
        e_all = np.concatenate(eidx).astype(np.int64)
        a_all = np.concatenate(a)
        b_all = np.concatenate(b)
        w_all = np.concatenate(who).astype(np.int64)
        keep = (b_all - a_all) > 1e-6
        e_all, a_all, b_all, w_all = _merge_intervals(e_all[keep], a_all[keep], b_all[keep], w_all[keep])
        geoms = edge_substrings(self.edge_geom, self.edge_len, e_all, a_all, b_all)
        return geoms, w_all


# ---------------------------------------------------------------- helpers
def _as_points(xy: FloatArray | Iterable[Any]) -> ObjectArray:
    if isinstance(xy, np.ndarray) and xy.dtype != object and xy.ndim == 2:
        pts: ObjectArray = shapely.points(xy)
        return pts
    items: list[Any] = list(xy)
    arr: ObjectArray = np.asarray(items, dtype=object)
    if len(arr) and not isinstance(arr[0], shapely.Geometry):
        pts = shapely.points(np.asarray(list(arr), dtype=float))
        return pts
    return arr


def _coo_min_csr(r: IntArray, c: IntArray, w: FloatArray, n: int) -> sparse.csr_matrix:
    """CSR matrix keeping the minimum weight of duplicate (r, c) entries."""
    order = np.lexsort((w, c, r))
    r, c, w = r[order], c[order], w[order]
    first = np.ones(len(r), dtype=bool)
    first[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
    r, c, w = r[first], c[first], w[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, r + 1, 1)
    indptr = np.cumsum(indptr)
    return sparse.csr_matrix((w, c.astype(np.int32), indptr), shape=(n, n))


def _append_rows(
    g: sparse.csr_matrix, rows: IntArray, cols: IntArray, w: FloatArray, k: int
) -> sparse.csr_matrix:
    """``g`` grown by ``k`` new nodes whose outgoing edges are (rows, cols, w)
    (rows numbered from 0 among the new nodes). Built directly on the CSR
    arrays: no re-sort of the base graph."""
    n = g.shape[0]
    order = np.argsort(rows, kind="stable")
    rows, cols, w = rows[order], cols[order], w[order]
    counts = np.bincount(rows, minlength=k)
    indptr = np.concatenate([g.indptr, g.indptr[-1] + np.cumsum(counts)])
    indices = np.concatenate([g.indices, cols.astype(g.indices.dtype)])
    data = np.concatenate([g.data, w])
    return sparse.csr_matrix((data, indices, indptr), shape=(n + k, n + k))


def _envelope_cover(fun: Sequence[_Piece], L: float, c: float) -> list[tuple[float, float, int]]:
    """Pieces [lo, hi] of [0, L] where the minimum of the distance functions is
    <= c, each with the source of the minimal function.

    ``fun`` holds (slope, intercept, source) lines with slope +1 (reached from
    the edge's start) or -1 (from its end), and (0, (t, snap), source) for a
    source on the edge: |x - t| + snap. Every place where the minimum can change
    or cross c is a breakpoint, so each sub-interval has one minimal function.
    """
    lines: list[tuple[float, float]] = []  # all straight pieces, for the breakpoints
    pts = {0.0, L}
    for s_, i_, _ in fun:
        if isinstance(i_, tuple):
            t, sx = i_
            lines += [(1.0, sx - t), (-1.0, sx + t)]
            if 0.0 < t < L:
                pts.add(t)
        else:
            lines.append((s_, i_))
    for s1, i1 in lines:
        x = (c - i1) / s1
        if 0.0 < x < L:
            pts.add(x)
        for s2, i2 in lines:
            if s1 > 0 > s2:
                x = (i2 - i1) / 2.0
                if 0.0 < x < L:
                    pts.add(x)

    def value(f: _Piece, x: float) -> float:
        s_, i_, _ = f
        return abs(x - i_[0]) + i_[1] if isinstance(i_, tuple) else s_ * x + i_

    xs = sorted(pts)
    out: list[tuple[float, float, int]] = []
    for lo, hi in zip(xs[:-1], xs[1:], strict=True):
        if hi - lo <= 1e-9:
            continue
        mid = (lo + hi) / 2.0
        vals = [value(f, mid) for f in fun]
        k = int(np.argmin(vals))
        if vals[k] > c + 1e-9:
            continue
        w = int(fun[k][2])
        if out and out[-1][2] == w and abs(out[-1][1] - lo) < 1e-9:
            out[-1] = (out[-1][0], hi, w)
        else:
            out.append((lo, hi, w))
    return out


def _merge_intervals(
    eidx: IntArray, a: FloatArray, b: FloatArray, who: IntArray
) -> tuple[IntArray, FloatArray, FloatArray, IntArray]:
    """Merge overlapping [a, b] intervals of the same (edge, source)."""
    if len(eidx) < 2:
        return eidx, a, b, who
    order = np.lexsort((a, who, eidx))
    eidx, a, b, who = eidx[order], a[order], b[order], who[order]
    same = np.zeros(len(eidx), dtype=bool)
    same[1:] = (eidx[1:] == eidx[:-1]) & (who[1:] == who[:-1])
    if not same.any():
        return eidx, a, b, who
    # running max of b within each (edge, source) run
    run = np.cumsum(~same)
    bmax: FloatArray = pd.Series(b).groupby(run).cummax().to_numpy()
    new = ~same.copy()
    new[1:] |= a[1:] > bmax[:-1] + 1e-9
    grp = np.cumsum(new) - 1
    ng = grp[-1] + 1
    out_b = np.full(ng, -np.inf)
    np.maximum.at(out_b, grp, b)
    first = np.flatnonzero(new)
    return eidx[first], a[first], out_b, who[first]


def edge_substrings(
    edge_geom: ObjectArray, edge_len: FloatArray, eidx: IntArray, a: FloatArray, b: FloatArray
) -> ObjectArray:
    """Pieces [a, b] (metres from the start) of the given edges."""
    out = np.empty(len(eidx), dtype=object)
    whole = (a <= 1e-9) & (b >= edge_len[eidx] - 1e-9)
    out[whole] = edge_geom[eidx[whole]]
    part = np.flatnonzero(~whole)
    if len(part):
        from shapely.ops import substring

        g = edge_geom[eidx[part]]
        two = shapely.get_num_coordinates(g) == 2
        if two.any():  # straight edges: interpolate the two ends directly
            p2 = part[two]
            xy = shapely.get_coordinates(g[two]).reshape(-1, 2, 2)
            L = edge_len[eidx[p2]][:, None]
            d = xy[:, 1] - xy[:, 0]
            ends = np.stack(
                [xy[:, 0] + d * (a[p2][:, None] / L), xy[:, 0] + d * (b[p2][:, None] / L)], axis=1
            )
            out[p2] = shapely.linestrings(ends)
        for i in part[~two]:
            out[i] = substring(edge_geom[eidx[i]], float(a[i]), float(b[i]))
    return out


def catchment_polygons(
    geoms: ObjectArray, source: IntArray, n_sources: int, *, width: float = 25.0, threads: int = 2
) -> ObjectArray:
    """One polygon per source index (None where nothing was reached): the
    reached pieces buffered by ``width`` metres (not a hull).

    The pieces of each source are first joined into long chains that pass
    through the junctions: at every node the piece ends are paired two by two
    (an odd one out ends there), the pairs are given their own copy of the
    node (1 mm apart) and ``line_merge`` joins each pair. One round buffer
    (``quad_segs=2``: octagonal facets) of the chains then equals the buffer of
    all pieces up to the facets, because every interior vertex of a chain gets
    the full disc and every free end a round cap; GEOS does it several times
    faster than buffering short pieces and joining them. Sources are processed
    in ``threads`` threads (GEOS releases the GIL).
    """
    out = np.full(n_sources, None, dtype=object)
    if len(geoms) == 0:
        return out
    order = np.argsort(source, kind="stable")
    s = source[order]
    g = shapely.force_2d(geoms[order])
    uniq = np.unique(s)
    grp = np.searchsorted(uniq, s)
    multi = shapely.line_merge(shapely.multilinestrings(_paired_at_nodes(g, grp), indices=grp))

    def work(idx: IntArray) -> ObjectArray:
        buffered: ObjectArray = shapely.buffer(multi[idx], width, quad_segs=2)
        return buffered

    chunks = [c for c in np.array_split(np.arange(len(uniq)), max(1, min(threads, len(uniq)) * 4)) if len(c)]
    if threads > 1 and len(chunks) > 1 and len(geoms) > 2000:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(threads) as ex:
            parts = list(ex.map(work, chunks))
    else:
        parts = [work(c) for c in chunks]
    out[uniq] = np.concatenate(parts)
    return out


def _paired_at_nodes(g: ObjectArray, grp: IntArray) -> ObjectArray:
    """Pieces whose end points are moved so that, within each group, exactly two
    piece ends share a point at every node (the k-th pair of a node moved k mm
    east; node identity at 1 cm): ``line_merge`` then makes chains through the
    junctions instead of stopping at each one."""
    n = len(g)
    coords, cidx = shapely.get_coordinates(g, return_index=True)
    first = np.searchsorted(cidx, np.arange(n), "left")
    last = np.searchsorted(cidx, np.arange(n), "right") - 1
    ends = np.concatenate([first, last])
    at = np.round(coords[ends], 2)
    _, node = np.unique(np.column_stack([np.concatenate([grp, grp]), at]), axis=0, return_inverse=True)
    node = node.ravel()
    o = np.argsort(node, kind="stable")
    ns = node[o]
    start = np.r_[0, np.flatnonzero(ns[1:] != ns[:-1]) + 1]
    rank = np.arange(len(ns)) - np.repeat(start, np.diff(np.r_[start, len(ns)]))
    k = np.empty(len(ns), dtype=np.int64)
    k[o] = rank // 2
    moved = coords.copy()
    moved[ends, 0] = at[:, 0] + k * 1e-3
    moved[ends, 1] = at[:, 1]
    paired: ObjectArray = shapely.set_coordinates(g.copy(), moved)
    return paired
