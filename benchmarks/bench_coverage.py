"""Benchmark of the coverage engine against the OSMnx-style networkx approach
and pandana, on one synthetic walking network (not a test: it prints figures).

    python benchmarks/bench_coverage.py [--side 224] [--seed 0] [--nx-facilities 200]

Synthetic network: a jittered lattice of side x side nodes (80 m spacing),
about 8% of the edges removed at random, plus diagonal short-cuts; the largest
component is kept (about 50,000 nodes for side 224). 200 facilities in 8
categories (25 each) at random points on edges; cut-offs from the standards
file (300 / 500 / 1000 m).

Timed, on the same data:
* engine: distances from every node to the nearest facility of each category
  (multi-source Dijkstra with cut-off, facilities on edges), all 8 categories;
* networkx (the OSMnx isochrone recipe): ``nx.ego_graph(G, node, radius=cutoff,
  distance="length")`` per facility, facilities at their nearest node;
* pandana: ``set_pois`` + ``nearest_pois`` per category (contraction-hierarchy
  precompute timed separately), facilities at their nearest node;
* engine what-if: one facility added to a category, coverage statistics of a
  100 m grid over the network updated;
* engine catchment polygons: reached edge pieces buffered, all 200 facilities.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# pandana's OpenMP threads otherwise spin after their parallel regions and slow whatever runs next
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from renewal.analysis.network import NetworkWarning, WalkNetwork, catchment_polygons  # noqa: E402
from renewal.standards import load_standards  # noqa: E402

X0, Y0 = 510000.0, 4320000.0


def synthetic_network(side: int, seed: int, spacing: float = 80.0) -> WalkNetwork:
    rng = np.random.default_rng(seed)
    i, j = np.meshgrid(np.arange(side), np.arange(side))
    xy = np.column_stack([i.ravel(), j.ravel()]).astype(float) * spacing
    xy += rng.normal(0, spacing * 0.12, xy.shape)
    xy += [X0, Y0]
    k = np.arange(side * side).reshape(side, side)
    edges = [
        np.column_stack([k[:, :-1].ravel(), k[:, 1:].ravel()]),
        np.column_stack([k[:-1, :].ravel(), k[1:, :].ravel()]),
    ]
    diag = np.column_stack([k[:-1, :-1].ravel(), k[1:, 1:].ravel()])
    edges.append(diag[rng.random(len(diag)) < 0.05])
    e = np.vstack(edges)
    e = e[rng.random(len(e)) > 0.08]
    net = WalkNetwork.from_arrays(xy, e)
    # keep the largest component through the normal builder path (edges are
    # already noded, so the line-noding step is skipped)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NetworkWarning)
        return WalkNetwork._from_noded(np.asarray(net.edge_geom, dtype=object))


def facilities_on_edges(net: WalkNetwork, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed + 1)
    e = rng.integers(0, net.n_edges, n)
    f = rng.uniform(0, 1, n)
    a, b = net.node_xy[net.edge_u[e]], net.node_xy[net.edge_v[e]]
    return a + f[:, None] * (b - a) + rng.normal(0, 5, (n, 2))


def timeit(fn, repeat=5):
    best = np.inf
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--side", type=int, default=224)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--nx-facilities",
        type=int,
        default=200,
        help="facilities timed with networkx (all 200 by default; fewer is extrapolated)",
    )
    args = ap.parse_args(argv)

    std = load_standards()
    keys = list(std.categories)[:8]
    cutoffs = np.array([std.category(k).walk_m for k in keys])
    t0 = time.perf_counter()
    net = synthetic_network(args.side, args.seed)
    t_build = time.perf_counter() - t0
    fxy = facilities_on_edges(net, 200, args.seed)
    cat_of = np.repeat(np.arange(8), 25)
    print(
        f"# coverage benchmark  {time.strftime('%Y-%m-%d %H:%M')}  python {platform.python_version()}  "
        f"{platform.machine()}  {platform.processor() or ''}"
    )
    print(
        f"network: {net.n_nodes} nodes, {net.n_edges} edges, {net.edge_len.sum() / 1000:.0f} km "
        f"(built in {t_build:.2f} s); 200 facilities in 8 categories; cut-offs {sorted(set(cutoffs.tolist()))} m"
    )
    _ = net.graph, net.tree  # built once per network, like loading it

    # ---- engine: 8 multi-source runs
    snaps = [net.snap(fxy[cat_of == c], max_snap=200) for c in range(8)]

    def engine():
        return [net.node_distances(snaps[c], cutoffs[c]) for c in range(8)]

    t_engine, nds = timeit(engine, 7)
    t_snap, _ = timeit(lambda: net.snap(fxy, max_snap=200), 5)
    print(
        f"engine     8 categories, node distances        {1000 * t_engine:8.1f} ms   (+ snapping 200 facilities "
        f"{1000 * t_snap:.1f} ms)"
    )

    # ---- catchment polygons for all 200 facilities
    def catch():
        polys = []
        for c in range(8):
            geoms, who = net.catchment_pieces(nds[c], snaps[c])
            polys.append(catchment_polygons(geoms, who, 25, width=25.0))
        return polys

    t_catch, polys = timeit(catch, 3)
    n_poly = sum(int(np.sum([p is not None for p in ps])) for ps in polys)
    print(f"engine     catchment polygons, {n_poly} facilities    {1000 * t_catch:8.1f} ms")

    # ---- what-if: one facility added, grid statistics updated
    import geopandas as gpd
    import shapely

    from renewal.analysis.coverage import network_coverage
    from renewal.analysis.whatif import what_if

    minx, miny, maxx, maxy = net.bounds()
    boundary = gpd.GeoSeries([shapely.box(minx, miny, maxx, maxy)], crs=4548)
    fac = gpd.GeoDataFrame(
        {"category": [keys[c] for c in cat_of], "id": [f"F{i}" for i in range(200)]},
        geometry=gpd.points_from_xy(fxy[:, 0], fxy[:, 1]),
        crs=4548,
    )
    t = time.perf_counter()
    res = network_coverage(net, fac, std, boundary, cell=100.0, geometry=False)
    t_cov = time.perf_counter() - t
    new = facilities_on_edges(net, 5, args.seed + 7)
    adds = [
        gpd.GeoDataFrame(
            {"category": [keys[0]], "id": [f"N{i}"]}, geometry=gpd.points_from_xy([p[0]], [p[1]]), crs=4548
        )
        for i, p in enumerate(new)
    ]
    times = []
    for a in adds:
        t = time.perf_counter()
        w = what_if(res, add=a)
        times.append(time.perf_counter() - t)
    t_whatif = float(np.median(times))
    print(
        f"engine     coverage run, {len(res.grid)} cells of 100 m, 8 categ. {t_cov:8.2f} s   (grid, snapping, stats)"
    )
    print(
        f"engine     what-if add one facility (median of 5) {1000 * t_whatif:8.1f} ms   "
        f"(statistics; the grid table is built on access) "
        f"(delta land share {w.delta.set_index('category').loc[keys[0], 'delta_land_share']:+.5f} for {keys[0]})"
    )

    # facilities at nearest nodes for the node-based competitors
    fnode = []
    for c in range(8):
        s = snaps[c]
        u, v = net.edge_u[s.edge], net.edge_v[s.edge]
        fnode.append(np.where(s.offset <= net.edge_len[s.edge] / 2, u, v))

    # ---- networkx ego_graph per facility (OSMnx isochrone recipe)
    import networkx as nx

    G = nx.Graph()
    G.add_weighted_edges_from(
        zip(net.edge_u.tolist(), net.edge_v.tolist(), net.edge_len.tolist(), strict=True), weight="length"
    )
    nsel = min(args.nx_facilities, 200)
    order = np.arange(200)[:nsel]

    def nx_run():
        for f in order:
            c = cat_of[f]
            node = int(fnode[c][f - 25 * c])
            nx.ego_graph(G, node, radius=float(cutoffs[c]), distance="length")

    t_nx, _ = timeit(nx_run, 1)
    t_nx_all = t_nx * 200 / nsel
    print(
        f"networkx   ego_graph per facility ({nsel} timed)    {1000 * t_nx_all:8.1f} ms"
        + ("" if nsel == 200 else " (extrapolated to 200)")
    )

    # ---- pandana
    t_pd = t_pre = np.nan
    try:
        import pandana
        import pandas as pd

        nodes = pd.DataFrame({"x": net.node_xy[:, 0], "y": net.node_xy[:, 1]})
        edf = pd.DataFrame({"from": net.edge_u, "to": net.edge_v, "length": net.edge_len})
        t = time.perf_counter()
        pnet = pandana.Network(nodes["x"], nodes["y"], edf["from"], edf["to"], edf[["length"]], twoway=True)
        pnet.precompute(float(cutoffs.max()))
        t_pre = time.perf_counter() - t

        def pd_set():
            for c in range(8):
                nid = fnode[c]
                pnet.set_pois(
                    category=f"c{c}",
                    maxdist=float(cutoffs[c]),
                    maxitems=1,
                    x_col=pd.Series(net.node_xy[nid, 0]),
                    y_col=pd.Series(net.node_xy[nid, 1]),
                )

        def pd_query():
            return [pnet.nearest_pois(float(cutoffs[c]), f"c{c}", num_pois=1) for c in range(8)]

        t_set, _ = timeit(pd_set, 3)
        t_query, pd_out = timeit(pd_query, 3)
        t_pd = t_set + t_query
        # sanity: same reached set as the engine with node-based facilities
        s0 = net.snap(net.node_xy[fnode[0]], max_snap=1)
        nd0 = net.node_distances(s0, cutoffs[0], count_snap=False)
        pd_d = pd_out[0].iloc[:, 0].to_numpy()
        reach_pd = pd_d < cutoffs[0]
        agree = np.mean(np.isfinite(nd0.dist) == reach_pd)
        both = np.isfinite(nd0.dist) & reach_pd
        maxdiff = np.max(np.abs(nd0.dist[both] - pd_d[both])) if both.any() else 0.0
        print(
            f"pandana    set_pois + nearest_pois, 8 categ.   {1000 * t_pd:8.1f} ms   (set_pois {1000 * t_set:.1f} ms, "
            f"nearest_pois {1000 * t_query:.1f} ms; precompute {t_pre:.2f} s, once per network)"
        )
        print(
            f"           agreement of reached nodes with the engine {agree:.4%}, max distance difference "
            f"{maxdiff:.3f} m"
        )
    except Exception as exc:  # pragma: no cover - benchmark environment
        print(f"pandana    unavailable: {exc}")

    print()
    print("ratios")
    print(f"  networkx / engine  {t_nx_all / t_engine:8.1f} x   (target >= 20)")
    if np.isfinite(t_pd):
        print(f"  pandana / engine   {t_pd / t_engine:8.2f} x   (target >= 1, pandana precompute excluded)")
        print(f"  pandana nearest_pois alone / engine {t_query / t_engine:8.2f} x")
    print("targets")
    print(f"  8 categories < 100 ms: {'yes' if t_engine < 0.1 else 'NO'} ({1000 * t_engine:.1f} ms)")
    print(f"  what-if add < 20 ms:   {'yes' if t_whatif < 0.02 else 'NO'} ({1000 * t_whatif:.1f} ms)")
    print(f"  200 catchments < 2 s:  {'yes' if t_catch < 2 else 'NO'} ({t_catch:.2f} s)")


if __name__ == "__main__":
    main()
