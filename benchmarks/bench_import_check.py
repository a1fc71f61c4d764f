"""Time of checking a file of sites before an import (read + validate every feature), the part the
page shows a progress bar for and that runs before the workspace store is called (not a test).

    python benchmarks/bench_import_check.py [--sizes 20000 100000] [--repeats 3]

Synthetic GeoJSON of point sites inside Hedong District (a name and a type each; no CRS member, so
the web-coordinates note is given). One thread (GDAL and shapely as installed, no parallelism).
Prints the median and the min-max of ``--repeats`` runs per size.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from renewal.sites.importing import read_sites_bytes  # noqa: E402


def inside_points(k: int = 2_000) -> list[tuple[float, float]]:
    """``k`` points on a regular lattice inside the district polygon (WGS84)."""
    import numpy as np
    import shapely

    import geodata

    district = geodata.load("district").geometry.union_all()
    minx, miny, maxx, maxy = district.bounds
    side = 60
    xs, ys = np.meshgrid(np.linspace(minx, maxx, side), np.linspace(miny, maxy, side))
    pts = shapely.points(xs.ravel(), ys.ravel())
    inside = pts[shapely.contains(district, pts)]
    return [(p.x, p.y) for p in inside[:k]]


def collection(n: int) -> bytes:
    pts = inside_points()
    features = [
        {
            "type": "Feature",
            "properties": {"name": f"地块{i}", "site_type": "微更新"},
            "geometry": {"type": "Point", "coordinates": list(pts[i % len(pts)])},
        }
        for i in range(n)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode("utf-8")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, one thread")
    for n in args.sizes:
        data = collection(n)
        times = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            res = read_sites_bytes(data, "bench.geojson")
            times.append(time.perf_counter() - t)
            assert res.ok and len(res.records) == n, res.summary_en()
        print(
            f"{n:>7} features ({len(data) / 1e6:.1f} MB): median {statistics.median(times):.2f} s, "
            f"min-max {min(times):.2f}-{max(times):.2f} s over {len(times)} runs, "
            f"{n / statistics.median(times):,.0f} features/s"
        )


if __name__ == "__main__":
    main()
