"""City-scale coverage by district tiles (not a test: it prints figures).

    python benchmarks/bench_city.py [--side 1000] [--tiles 4] [--halo 1000] [--cell 100] [--geometry]

A synthetic walking network of side x side nodes (the lattice of
``bench_coverage.synthetic_network``: 80 m spacing, jittered, 8 % of edges
removed, diagonal short-cuts; about 1 million nodes for side 1000, the size of
Tianjin's built-up area) is cut into tiles x tiles square "districts". Each
district is run on its own with the network and the facilities within
``--halo`` metres beyond its boundary (1 km: more than the longest cut-off), so
walks that cross a district line count; the district's grid cells are its own.
The districts' statistics are summed into city figures. Facilities: one per
category per 1.5 km x 1.5 km on average, in 8 categories.

Reports time per step and the peak resident memory of the process (it must
fit in 8 GB), and checks on one district that the tiled answer equals a run
on the whole network for the cells of that district.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_coverage import synthetic_network  # noqa: E402

from renewal.analysis.network import NetworkWarning, WalkNetwork  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def sub_network(net: WalkNetwork, box) -> WalkNetwork:
    """The edges with an end inside ``box`` (minx, miny, maxx, maxy), renumbered; largest component."""
    minx, miny, maxx, maxy = box
    xy = net.node_xy
    inside = (xy[:, 0] >= minx) & (xy[:, 0] <= maxx) & (xy[:, 1] >= miny) & (xy[:, 1] <= maxy)
    keep = inside[net.edge_u] | inside[net.edge_v]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NetworkWarning)
        return WalkNetwork._from_noded(np.asarray(net.edge_geom[keep], dtype=object))


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--side", type=int, default=1000)
    ap.add_argument("--tiles", type=int, default=4)
    ap.add_argument("--halo", type=float, default=1000.0)
    ap.add_argument("--cell", type=float, default=100.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--geometry", action="store_true", help="also build catchment and gap polygons")
    args = ap.parse_args(argv)

    import geopandas as gpd
    import shapely

    from renewal.analysis.coverage import CoverageOptions, network_coverage
    from renewal.standards import load_standards

    logging.getLogger("renewal").setLevel(logging.ERROR)  # per-district notes (far facilities) are expected
    std = load_standards()
    keys = list(std.categories)[:8]
    print(
        f"# city benchmark {time.strftime('%Y-%m-%d %H:%M')}  cores {os.cpu_count()}  "
        f"load average {os.getloadavg()[0]:.2f}  (scipy Dijkstra 1 thread; catchment polygons 2 threads)"
    )
    t0 = time.perf_counter()
    net = synthetic_network(args.side, args.seed)
    t_build = time.perf_counter() - t0
    minx, miny, maxx, maxy = net.bounds()
    area_km2 = (maxx - minx) * (maxy - miny) / 1e6
    print(
        f"network: {net.n_nodes:,} nodes, {net.n_edges:,} edges, {net.edge_len.sum() / 1000:,.0f} km, "
        f"{area_km2:,.0f} km2; built in {t_build:.1f} s; peak memory so far {peak_mb():,.0f} MB"
    )
    rng = np.random.default_rng(args.seed + 5)
    n_per_cat = max(1, int(area_km2 / 2.25))
    e = rng.integers(0, net.n_edges, n_per_cat * len(keys))
    f = rng.uniform(0, 1, len(e))
    a, b = net.node_xy[net.edge_u[e]], net.node_xy[net.edge_v[e]]
    fxy = a + f[:, None] * (b - a)
    fac = gpd.GeoDataFrame(
        {"category": np.repeat(keys, n_per_cat), "id": [f"F{i}" for i in range(len(e))]},
        geometry=gpd.points_from_xy(fxy[:, 0], fxy[:, 1]),
        crs=4548,
    )
    print(f"facilities: {len(fac):,} ({n_per_cat:,} per category, 8 categories)")

    xs = np.linspace(minx, maxx, args.tiles + 1)
    ys = np.linspace(miny, maxy, args.tiles + 1)
    totals: dict[str, list[float]] = {k: [0.0, 0.0] for k in keys}  # covered, total land
    t_tiles, results = [], {}
    for i in range(args.tiles):
        for j in range(args.tiles):
            t = time.perf_counter()
            tile = (xs[i], ys[j], xs[i + 1], ys[j + 1])
            halo = (tile[0] - args.halo, tile[1] - args.halo, tile[2] + args.halo, tile[3] + args.halo)
            sub = sub_network(net, halo)
            fx, fy = fxy[:, 0], fxy[:, 1]
            near = (fx >= halo[0]) & (fx <= halo[2]) & (fy >= halo[1]) & (fy <= halo[3])
            boundary = gpd.GeoSeries([shapely.box(*tile)], crs=4548)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = network_coverage(
                    sub,
                    fac[near],
                    std,
                    boundary,
                    options=CoverageOptions(cell=args.cell, geometry=args.geometry),
                )
            for r in res.stats.itertuples():
                totals[r.category][0] += r.covered_area_m2
                totals[r.category][1] += r.land_area_m2
            dt = time.perf_counter() - t
            t_tiles.append(dt)
            results[(i, j)] = (tile, res)
            print(
                f"  district {i},{j}: network {sub.n_nodes:,} nodes with the 1 km halo, "
                f"{int(near.sum()):,} facilities, {len(res.grid):,} cells: {dt:.1f} s; peak {peak_mb():,.0f} MB"
            )
            if (i, j) != (1, 1):
                results.pop((i, j))  # keep one for the check below
    print(
        f"all {len(t_tiles)} districts: {sum(t_tiles):.1f} s (median {np.median(t_tiles):.1f} s, "
        f"{min(t_tiles):.1f}-{max(t_tiles):.1f}); peak resident memory {peak_mb():,.0f} MB "
        f"({'fits' if peak_mb() < 8192 else 'DOES NOT fit'} in 8 GB)"
    )
    for k in keys:
        cov, land = totals[k]
        print(f"  {k:24s} cut-off {std.category(k).walk_m:5.0f} m  land covered {100 * cov / land:5.1f} %")

    if (1, 1) in results and args.tiles >= 3:
        # the halo makes a district's answer equal to a whole-city run for its own cells
        tile, res = results[(1, 1)]
        t = time.perf_counter()
        boundary = gpd.GeoSeries([shapely.box(*tile)], crs=4548)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            whole = network_coverage(
                net, fac, std, boundary, options=CoverageOptions(cell=args.cell, geometry=False)
            )
        same = all(
            np.array_equal(res.grid[f"{k}_covered"].to_numpy(), whole.grid[f"{k}_covered"].to_numpy())
            for k in keys
        )
        print(
            f"check district 1,1 against the whole network ({time.perf_counter() - t:.1f} s): covered cells "
            f"{'EQUAL' if same else 'DIFFERENT'} in all 8 categories"
        )


if __name__ == "__main__":
    main()
