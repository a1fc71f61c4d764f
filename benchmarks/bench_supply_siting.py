"""Siting with capacity (issue 19): the greedy choice of new schools at candidate sites (not a test: it
prints figures).

    python benchmarks/bench_supply_siting.py [--seed 1] [--k 3] [--candidates 150]

A 50 m grid of demand cells over 8 x 8 km (25,600 cells, 0-6 children each), 200 existing schools with
200-1,500 places, ``--candidates`` candidate sites of 900 places each, straight-line reach of 500 m. Timed:
the reach, one maximum flow (``Placer.placed``), and the lazy greedy choice of ``--k`` sites
(``greedy_steps``), with the number of flows it solved against the plain greedy's ``k x candidates``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from renewal.analysis import supply_demand as sd  # noqa: E402
from renewal.analysis.supply_siting import Placer, greedy_steps  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--k", type=int, default=3)
    ap.add_argument("--candidates", type=int, default=150)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    xs, ys = np.meshgrid(np.arange(0, 8000, 50.0), np.arange(0, 8000, 50.0))
    cells = np.c_[xs.ravel(), ys.ravel()]
    dem = rng.uniform(0, 6, len(cells))
    n = args.candidates
    fac = rng.uniform(0, 8000, (200 + n, 2))
    cap = np.r_[rng.integers(200, 1500, 200), np.full(n, 900)].astype(float)
    t0 = time.perf_counter()
    reach = sd.radius_reach(fac, cells, 500.0)
    t1 = time.perf_counter()
    placer = Placer(reach, cap, dem, 200)
    base = placer.placed()
    t2 = time.perf_counter()
    solved = 0
    plain = placer.placed

    def counted(chosen=()):
        nonlocal solved
        solved += 1
        return plain(chosen)

    placer.placed = counted
    steps, _ = greedy_steps(placer, n, k=args.k, target=None)
    t3 = time.perf_counter()
    print(f"cells {len(cells):,}; pairs {len(reach.dist):,}; reach {t1 - t0:.2f} s; one flow {t2 - t1:.3f} s")
    print(f"K={args.k} of {n} candidates: {t3 - t2:.1f} s, {solved} flows (plain greedy: {args.k * n})")
    print(
        f"placed before {base:,.0f} of {placer.demand_total:,.0f}; after each step {[round(v) for _, v in steps]}"
    )


if __name__ == "__main__":
    main()
