"""Benchmark of the 生活圈覆盖 page's server work and of import-osm (not a test: it prints figures).

    python benchmarks/bench_coverage_page.py [--side 224] [--osm-side 1000] [--repeat 5] [--skip-osm]

Data: the synthetic walking network of ``bench_coverage.py`` (jittered 224 x 224 lattice,
80 m spacing, about 50,000 nodes, laid over Hedong in EPSG:4548) with 200 facilities in 8
categories (25 each) at random points near edges inside the district; the grid is the district boundary in 50 m
cells (the page's default).

Timed (one process, one thread for the engine; medians with min-max of ``--repeat`` runs):
* the distances: one network-coverage run of all 8 categories at 1000 m without polygons, what
  the page computes once per (facilities, mode, network, population, zones) and caches;
* switching category or life circle: the page's server work from the cached distances: re-cut
  at the circle's distance (renewal.analysis.recut) with the chosen category's catchment and gap
  polygons, statistics table, map layers, scene, folium map rendered to HTML;
* what-if add of one facility in the engine (statistics; and with the polygons of the changed
  category, which the page uses to highlight the newly covered area);
* the size of the coverage map HTML sent to the browser (one category; all 8);
* ``import-osm`` on a synthetic extract of ``osm-side`` x ``osm-side`` nodes (1,000,000 by
  default) written with osmium: wall time and peak memory of the child process.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import geopandas as gpd  # noqa: E402
import shapely  # noqa: E402
from bench_coverage import facilities_on_edges, synthetic_network  # noqa: E402

import geodata  # noqa: E402
from layers.maps import coverage_layers, coverage_map  # noqa: E402
from renewal.analysis.coverage import CoverageOptions, network_coverage  # noqa: E402
from renewal.analysis.coverage_report import stats_zh  # noqa: E402
from renewal.analysis.recut import recut  # noqa: E402
from renewal.analysis.whatif import what_if  # noqa: E402
from renewal.crs import METRIC_EPSG  # noqa: E402
from renewal.standards import load_standards  # noqa: E402


def runs(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return times, out


def fmt(times, unit="ms"):
    k = 1000 if unit == "ms" else 1
    return f"{statistics.median(times) * k:.1f} {unit} (min {min(times) * k:.1f}, max {max(times) * k:.1f}, n={len(times)})"


def page_figures(args, std):
    net = synthetic_network(args.side, 0)
    # facilities near edges, kept where they lie in the district (plus 300 m), as a planner's would
    cand = facilities_on_edges(net, 5000, 0)
    district = gpd.GeoSeries([geodata.load("district").to_crs(METRIC_EPSG).geometry.iloc[0].buffer(300)])
    xy = cand[district.iloc[0].contains(shapely.points(cand))][:200]
    assert len(xy) == 200
    keys = list(std.categories)[:8]
    fac = gpd.GeoDataFrame(
        {
            "facility_id": [f"F{i}" for i in range(200)],
            "name": [f"设施{i}" for i in range(200)],
            "category": np.repeat(keys, 25),
            "name_zh": [std.categories[k].name_zh for k in np.repeat(keys, 25)],
            "precision": "",
            "source_zh": "基准测试",
        },
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs=METRIC_EPSG,
    )
    _ = net.graph, net.tree
    print(f"network: {net.n_nodes} nodes, {net.n_edges} edges; 200 facilities in 8 categories; 50 m grid")
    search = {k: 1000.0 for k in std.categories}  # the largest distance any circle choice needs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full, base = runs(
            lambda: network_coverage(
                net, fac, std, options=CoverageOptions(cell=50.0, cutoffs=search, geometry=False)
            ),
            max(2, args.repeat // 2),
        )
    print(
        f"distances: network coverage run, 8 categories at 1000 m, no polygons ({len(base.context.grid)} cells; "
        f"once per facilities/mode/network, cached): {fmt(full, 's')}"
    )
    fac_wgs = fac.to_crs(4326)
    circles = {"standard": None, **{c: float(v["walk_m"]) for c, v in std.life_circles.items()}}

    def switch(cat, circle):
        cut = {cat: circles[circle] or std.distance(cat, "network")}
        res = recut(base, cut, categories=[cat])  # polygons of the chosen category only
        table = stats_zh(res.stats, std)
        html = coverage_map(coverage_layers(res, fac_wgs, [cat])).get_root().render()
        return res, table, html

    per, sizes, stored = [], [], {}
    for cat in keys:
        for circle in circles:
            t, (res, _, html) = runs(lambda c=cat, ci=circle: switch(c, ci), args.repeat)
            per += t
            sizes.append(len(html.encode("utf-8")))
            stored[cat, circle] = res
    print(
        f"switch to a new (category, circle) pair (re-cut stored distances + that category's polygons, table, "
        f"map HTML), 8 categories x {len(circles)} circles x {args.repeat}: {fmt(per)}"
    )

    def switch_cached(cat, circle):  # the page's path once the pair's polygons are cached
        cut = {cat: circles[circle] or std.distance(cat, "network")}
        res = recut(base, cut, categories=[cat], geometry=False)
        res = dataclasses.replace(
            res, catchments=stored[cat, circle].catchments, gaps=stored[cat, circle].gaps
        )
        table = stats_zh(res.stats, std)
        return table, coverage_map(coverage_layers(res, fac_wgs, [cat])).get_root().render()

    per = []
    for cat in keys:
        for circle in circles:
            per += runs(lambda c=cat, ci=circle: switch_cached(c, ci), args.repeat)[0]
    print(
        f"switch back to a seen (category, circle) pair (statistics re-cut, cached polygons, map HTML): {fmt(per)}"
    )
    print(
        f"coverage map HTML, one category: median {statistics.median(sizes) / 1e6:.2f} MB, max {max(sizes) / 1e6:.2f} MB"
    )
    t, res = runs(lambda: recut(base, {k: std.distance(k, "network") for k in keys}), 2)
    print(f"all 8 categories at their standard distance with polygons: {fmt(t, 's')}")
    html = coverage_map(coverage_layers(res, fac_wgs, keys)).get_root().render()
    print(f"coverage map HTML, all 8 categories: {len(html.encode('utf-8')) / 1e6:.2f} MB")

    new = fac.iloc[[0]].copy()
    new["facility_id"] = "NEW"
    new["geometry"] = gpd.points_from_xy([xy[100, 0] + 300], [xy[100, 1] + 300])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t, _ = runs(lambda: what_if(res, add=new, geometry=False), max(args.repeat, 7))
        print(f"what-if add one facility (statistics): {fmt(t)}")
        t, _ = runs(lambda: what_if(res, add=new, geometry=True), args.repeat)
        print(f"what-if add one facility (statistics + polygons of the changed category): {fmt(t)}")


def write_osm(path: Path, side: int) -> int:
    """A side x side lattice of walking ways over Hedong plus 2,000 tagged facility nodes."""
    import osmium
    from osmium.osm.mutable import Node, Way

    lon = np.linspace(117.17, 117.33, side)
    lat = np.linspace(39.06, 39.19, side)
    tags = [
        {"amenity": "kindergarten"},
        {"amenity": "school", "isced:level": "1"},
        {"amenity": "school", "name": "某中学"},
        {"amenity": "clinic"},
        {"amenity": "social_facility", "social_facility": "nursing_home"},
        {"amenity": "school"},
    ]
    w = osmium.SimpleWriter(str(path))
    for i in range(side):
        for j in range(side):
            w.add_node(Node(id=i * side + j + 1, location=(float(lon[i]), float(lat[j]))))
    rng = np.random.default_rng(0)
    for k in range(2000):
        w.add_node(
            Node(
                id=side * side + k + 1,
                location=(float(rng.uniform(117.19, 117.31)), float(rng.uniform(39.08, 39.17))),
                tags=tags[k % len(tags)],
            )
        )
    wid = 1
    for i in range(side):
        w.add_way(Way(id=wid, nodes=[i * side + j + 1 for j in range(side)], tags={"highway": "residential"}))
        wid += 1
    for j in range(side):
        w.add_way(Way(id=wid, nodes=[i * side + j + 1 for i in range(side)], tags={"highway": "footway"}))
        wid += 1
    w.close()
    return side * side + 2000


def osm_figures(args):
    with tempfile.TemporaryDirectory(prefix="bench-osm-") as tmp:
        path = Path(tmp) / "synthetic.osm.pbf"
        t = time.perf_counter()
        n = write_osm(path, args.osm_side)
        print(
            f"synthetic extract: {n:,} nodes, {2 * args.osm_side:,} ways, {path.stat().st_size / 1e6:.1f} MB "
            f"(written in {time.perf_counter() - t:.0f} s)"
        )
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        t = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "renewal", "--workspace", str(Path(tmp) / "ws"), "import-osm", str(path)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - t
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        tail = [
            line for line in proc.stdout.splitlines() if line.startswith(("network:", "facilities:", "could"))
        ]
        print(
            f"import-osm: exit {proc.returncode}, {wall:.1f} s wall, peak RSS {peak:.0f} MB; "
            + "; ".join(tail)
        )
        if proc.returncode:
            print(proc.stderr[-2000:])


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--side", type=int, default=224)
    ap.add_argument("--osm-side", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--skip-osm", action="store_true")
    ap.add_argument("--skip-page", action="store_true")
    args = ap.parse_args(argv)
    print(
        f"# coverage page benchmark  {time.strftime('%Y-%m-%d %H:%M')}  python {platform.python_version()}  "
        f"{platform.machine()}  nproc {os.cpu_count()}  load {os.getloadavg()[0]:.1f}  (single process)"
    )
    std = load_standards()
    if not args.skip_page:
        page_figures(args, std)
    if not args.skip_osm:
        osm_figures(args)


if __name__ == "__main__":
    main()
