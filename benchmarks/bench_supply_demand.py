"""Supply and demand (issue 19) on the 50,000-node synthetic network (not a test: it prints figures).

    python benchmarks/bench_supply_demand.py [--side 224] [--seed 0] [--repeat 5] [--cutoff 500]

The network of ``bench_coverage.py`` (jittered 80 m lattice, ~50,000 nodes for side 224), 200 facilities
of one category on its edges with random capacities (500-2,000 places), and a 50 m grid of demand cells
over the network's extent (cell centres; ~128,000 cells) with random children per cell. Timed:

* reach: the facility-cell pairs within the cut-off on the walking network
  (``supply_demand.network_reach``: snapping every cell, one cut-off Dijkstra per facility);
* 2SFCA / balance / assignment (greedy, and min-cost max flow) on those pairs;
* the same 2SFCA in pysal ``access`` (``Access.two_stage_fca`` on the same pairs as its cost table),
  results checked equal to 1e-6 per cell.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_coverage import facilities_on_edges, fmt, synthetic_network, timed  # noqa: E402

from renewal.analysis import supply_demand as sd  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--side", type=int, default=224)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cutoff", type=float, default=500.0)
    ap.add_argument("--cell", type=float, default=50.0)
    args = ap.parse_args()
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} (1 min)"
    )
    rng = np.random.default_rng(args.seed + 7)
    net = synthetic_network(args.side, args.seed)
    fxy = facilities_on_edges(net, 200, args.seed)
    x0, y0, x1, y1 = net.bounds()
    gx, gy = np.meshgrid(
        np.arange(x0, x1, args.cell) + args.cell / 2, np.arange(y0, y1, args.cell) + args.cell / 2
    )
    cxy = np.column_stack([gx.ravel(), gy.ravel()])
    dem = rng.gamma(2.0, 1.5, len(cxy))  # ~3 children per 50 m cell
    cap = rng.integers(500, 2001, len(fxy)).astype(float)
    _ = net.graph, net.tree
    print(
        f"network {net.n_nodes} nodes, {net.n_edges} edges; 200 facilities; {len(cxy)} cells of "
        f"{args.cell:.0f} m; cut-off {args.cutoff:.0f} m; {dem.sum():.0f} children, {cap.sum():.0f} places"
    )

    t_reach, (reach, info) = timed(lambda: sd.network_reach(net, fxy, cxy, args.cutoff), args.repeat)
    print(f"  reach (pairs on the network)  {fmt(t_reach)}: {len(reach.dist)} pairs, {info}")
    t_2s, (f2, c2) = timed(lambda: sd.two_step_fca(reach, cap, dem), args.repeat)
    print(f"  2SFCA                         {fmt(t_2s)}")
    t_2g, (_, c2g) = timed(lambda: sd.two_step_fca(reach, cap, dem, decay="gaussian", sigma=250), args.repeat)
    print(f"  2SFCA Gaussian                {fmt(t_2g)}")
    t_bal, _ = timed(lambda: sd.balance(reach, cap, dem), args.repeat)
    print(f"  balance                       {fmt(t_bal)}")
    t_gr, (_, cg) = timed(lambda: sd.assign(reach, cap, dem, method="greedy"), args.repeat)
    print(f"  assignment greedy             {fmt(t_gr)}: unplaced {cg['unplaced'].sum():.0f}")
    t_fl, (_, cf) = timed(lambda: sd.assign(reach, cap, dem, method="flow"), max(1, args.repeat // 2))
    print(f"  assignment min-cost flow      {fmt(t_fl)}: unplaced {cf['unplaced'].sum():.0f}")
    print(
        f"  => reach + 2SFCA {1000 * (t_reach[0] + t_2s[0]):.0f} ms; reach + balance "
        f"{1000 * (t_reach[0] + t_bal[0]):.0f} ms; reach + greedy {1000 * (t_reach[0] + t_gr[0]):.0f} ms; "
        f"reach + flow {1000 * (t_reach[0] + t_fl[0]):.0f} ms"
    )

    import access
    from access import weights

    def pysal(decay):
        a = access.Access(
            demand_df=pd.DataFrame({"geoid": np.arange(len(cxy)), "pop": dem}),
            demand_index="geoid",
            demand_value="pop",
            supply_df=pd.DataFrame({"geoid": np.arange(len(fxy)), "cap": cap}),
            supply_index="geoid",
            supply_value="cap",
            cost_df=pd.DataFrame({"origin": reach.cell, "dest": reach.fac, "cost": reach.dist}),
            cost_origin="origin",
            cost_dest="dest",
            cost_name="cost",
        )
        w = weights.gaussian(250) if decay else None
        out = a.two_stage_fca(name="x", max_cost=args.cutoff, weight_fn=w, normalize=False)
        return out.reindex(np.arange(len(cxy))).fillna(0.0).to_numpy().ravel()

    for label, mine, decay in (("", c2, False), (" Gaussian", c2g, True)):
        t_acc, theirs = timed(lambda decay=decay: pysal(decay), max(1, args.repeat // 2))
        diff = float(np.max(np.abs(mine["access"].to_numpy() - theirs)))
        t_mine = t_2s if not decay else t_2g
        print(
            f"  access 2SFCA{label:<9}          {fmt(t_acc)}: max |difference| {diff:.2e} "
            f"({'EQUAL' if diff <= 1e-6 else 'DIFFERENT'}); {t_acc[0] / t_mine[0]:.0f} x ours"
        )


if __name__ == "__main__":
    main()
