"""GCJ-02 conversion: renewal.crs (NumPy, vectorised) against prcoords (pure Python, one point at a time).

Prints the median and min-max of 5 runs for each tool on the same points (N points in and around
Hedong), single-threaded, plus the largest disagreement between the two. Run:
``python benchmarks/bench_crs.py [N]``.
"""

from __future__ import annotations

import os

# single-threaded as the docstring says: set before numpy loads (its BLAS/OpenMP pools read these once)
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import prcoords  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from renewal import crs  # noqa: E402

RUNS = 5


def timed(fn) -> tuple[float, float, float]:
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), max(times)


def main(n: int = 100_000) -> None:
    rng = np.random.default_rng(0)
    lon = rng.uniform(117.15, 117.35, n)
    lat = rng.uniform(39.05, 39.20, n)
    glon, glat = crs.wgs84_to_gcj02(lon, lat)
    pairs = list(zip(lat.tolist(), lon.tolist(), strict=True))
    gpairs = list(zip(glat.tolist(), glon.tolist(), strict=True))
    rows = [
        ("renewal.crs wgs84_to_gcj02 (vectorised)", timed(lambda: crs.wgs84_to_gcj02(lon, lat))),
        ("prcoords wgs_gcj (per point)", timed(lambda: [prcoords.wgs_gcj(p) for p in pairs])),
        ("renewal.crs gcj02_to_wgs84 (iterated to 1e-10 deg)", timed(lambda: crs.gcj02_to_wgs84(glon, glat))),
        (
            "prcoords gcj_wgs_bored (per point, iterated)",
            timed(lambda: [prcoords.gcj_wgs_bored(p) for p in gpairs]),
        ),
    ]
    print(f"N = {n} points, {RUNS} runs each, 1 thread")
    for name, (med, lo, hi) in rows:
        print(f"{name:55s} median {med * 1000:9.1f} ms  (min {lo * 1000:.1f}, max {hi * 1000:.1f})")
    back_lon, back_lat = crs.gcj02_to_wgs84(glon, glat)
    ours = np.hypot(back_lon - lon, back_lat - lat).max()
    ref = np.array([[c.lon, c.lat] for c in (prcoords.gcj_wgs_bored(p) for p in gpairs[:10_000])])
    theirs = np.hypot(ref[:, 0] - lon[:10_000], ref[:, 1] - lat[:10_000]).max()
    print(f"max round-trip error: renewal.crs {ours:.2e} deg; prcoords (first 10000) {theirs:.2e} deg")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
