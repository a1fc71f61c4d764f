"""Supply and demand of places (学位) and beds (床位): which children or elders have a place within reach.

Pure computing in metres (EPSG:4548); no files, no Streamlit. Inputs are arrays: facility capacities
(NaN = capacity unknown: such a facility is counted, but supplies nothing), demand per point or cell,
and the facility–demand pairs within the standard distance (:class:`Reach`), from a distance matrix
(:meth:`Reach.from_matrix`), straight lines (:func:`radius_reach`) or the walking network the
coverage engine uses (:func:`network_reach`: its snapping and cut-off Dijkstra, one run per facility).

Methods
-------
``balance(reach, capacity, demand)``
    Within-reach balance: per facility, the demand within its catchment against its capacity; per
    cell, the places within reach and those places per child of the cell.
``two_step_fca(reach, capacity, demand, decay=None, sigma=None)``
    Two-step floating catchment (Luo & Wang 2003): ``R_j = S_j / sum_i W(d_ij) P_i`` per facility,
    ``A_i = sum_j W(d_ij) R_j`` per cell, ``W = 1`` (no decay) or ``exp(-d^2 / (2 sigma^2))``
    (Gaussian, the form pysal ``access`` uses), both within the cut-off.
``assign(reach, capacity, demand, method="greedy"|"flow")``
    Capacitated assignment: ``greedy`` gives the closest pairs first (each child to the nearest
    facility with free places); ``flow`` is a min-cost maximum flow (one scipy HiGHS linear programme:
    the most children placed, then the least total distance). Unplaced = demand without a place
    within the standard distance.
``zone_table(...)``
    Per 街道 / 社区 polygon: demand, share within reach, capacity, facilities lacking a capacity, and
    the gap (缺口) by the method's definition, which the table carries beside the number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from scipy import sparse

from renewal.analysis.arrays import ArrayLike, BoolArray, FloatArray, IntArray
from renewal.analysis.network import WalkNetwork
from renewal.errors import InputError

DECAYS = (None, "gaussian")
ASSIGN_METHODS = ("greedy", "flow")


# ------------------------------------------------------------------ reach
@dataclass
class Reach:
    """Facility–demand pairs within the cut-off: ``fac[k]`` reaches ``cell[k]`` at ``dist[k]`` metres."""

    fac: IntArray
    cell: IntArray
    dist: FloatArray
    n_fac: int
    n_cell: int
    cutoff: float

    @classmethod
    def from_matrix(cls, dist: ArrayLike, cutoff: float) -> Reach:
        """From a dense (n_fac, n_cell) distance matrix (NaN / inf = unreachable)."""
        d = np.asarray(dist, dtype=float)
        if d.ndim != 2:
            raise InputError("The distance matrix must be 2-D (facilities x cells).", "距离矩阵须为二维。")
        ok = np.isfinite(d) & (d <= cutoff)
        f, c = np.nonzero(ok)
        return cls(f.astype(np.int64), c.astype(np.int64), d[f, c], d.shape[0], d.shape[1], float(cutoff))

    def matrix(self, values: ArrayLike) -> sparse.csr_matrix:
        """A (n_fac, n_cell) sparse matrix of ``values`` (one per pair)."""
        return sparse.csr_matrix((values, (self.fac, self.cell)), shape=(self.n_fac, self.n_cell))


def radius_reach(fac_xy: ArrayLike, cell_xy: ArrayLike, cutoff: float) -> Reach:
    """Straight-line pairs within ``cutoff`` metres."""
    fxy, cxy = _xy(fac_xy), _xy(cell_xy)
    tree = shapely.STRtree(shapely.points(cxy))
    f, c = tree.query(shapely.points(fxy), predicate="dwithin", distance=cutoff)
    d = np.hypot(*(fxy[f] - cxy[c]).T)
    keep = d <= cutoff
    return Reach(f[keep], c[keep], d[keep], len(fxy), len(cxy), float(cutoff))


def _xy(xy: ArrayLike) -> FloatArray:
    """Points as an (n, 2) float array."""
    return np.asarray(xy, dtype=np.float64).reshape(-1, 2)


def network_reach(
    net: WalkNetwork,
    fac_xy: ArrayLike,
    cell_xy: ArrayLike,
    cutoff: float,
    *,
    max_snap: float = 200.0,
    count_snap: bool = True,
) -> tuple[Reach, dict[str, int]]:
    """Walking-network pairs within ``cutoff``: the engine's snapping and cut-off Dijkstra per facility.

    Cells are first narrowed to those within the straight-line bound (the walk is never shorter than
    the straight line between the snapped points; off-network legs widen the bound when they are not
    counted); only those are snapped. Returns the pairs and the counts of facilities, and of cells
    within that bound of a facility, refused by the snap distance (farther cells reach nothing anyway).
    """
    fxy, cxy = _xy(fac_xy), _xy(cell_xy)
    bound = cutoff if count_snap else cutoff + 2 * max_snap
    tree = shapely.STRtree(shapely.points(cxy))
    near_f, near_c = tree.query(shapely.points(fxy), predicate="dwithin", distance=bound)
    # only cells near some facility are snapped (snapping is most of the time on a fine grid)
    cand_all, near_pos = np.unique(near_c, return_inverse=True)
    fsnap, csnap = net.snap(fxy, max_snap=max_snap), net.snap(cxy[cand_all], max_snap=max_snap)
    starts = np.searchsorted(near_f, np.arange(len(fxy) + 1))
    parts_f: list[IntArray] = []
    parts_c: list[IntArray] = []
    parts_d: list[FloatArray] = []
    for j in np.flatnonzero(fsnap.ok):
        pos = near_pos[starts[j] : starts[j + 1]]
        pos = pos[csnap.ok[pos]]
        if len(pos) == 0:
            continue
        one = fsnap.subset(np.array([j]))
        nd = net.single_source(one, cutoff, count_snap=count_snap)
        d, _ = net.point_distances(nd, one, csnap.subset(pos), count_snap=count_snap)
        ok = np.isfinite(d)
        parts_f.append(np.full(int(ok.sum()), j, dtype=np.int64))
        parts_c.append(cand_all[pos[ok]])
        parts_d.append(d[ok])
    reach = Reach(
        np.concatenate(parts_f) if parts_f else np.zeros(0, np.int64),
        np.concatenate(parts_c) if parts_c else np.zeros(0, np.int64),
        np.concatenate(parts_d) if parts_d else np.zeros(0, np.float64),
        len(fxy),
        len(cxy),
        float(cutoff),
    )
    return reach, {"facilities_unsnapped": fsnap.n_refused, "cells_unsnapped": csnap.n_refused}


# ------------------------------------------------------------------ inputs
def _arrays(reach: Reach, capacity: ArrayLike, demand: ArrayLike) -> tuple[FloatArray, BoolArray, FloatArray]:
    cap = np.asarray(capacity, dtype=np.float64).reshape(-1)
    dem = np.asarray(demand, dtype=np.float64).reshape(-1)
    if len(cap) != reach.n_fac or len(dem) != reach.n_cell:
        raise InputError(
            f"Sizes differ: {len(cap)} capacities for {reach.n_fac} facilities, "
            f"{len(dem)} demands for {reach.n_cell} cells.",
            "设施容量或需求的数量与距离数据不一致。",
        )
    if (cap[np.isfinite(cap)] < 0).any() or (dem < 0).any() or not np.isfinite(dem).all():
        raise InputError(
            "Capacities must be non-negative (or missing) and demand non-negative and present.",
            "容量须为非负数（可缺失），需求须为非负数且不可缺失。",
        )
    known = np.isfinite(cap)
    return np.where(known, cap, 0.0), known, dem


def decay_weights(dist: ArrayLike, decay: str | None = None, sigma: float | None = None) -> FloatArray:
    """Weights of pairs: 1 without decay; ``exp(-d^2 / (2 sigma^2))`` for ``gaussian``."""
    d = np.asarray(dist, dtype=np.float64)
    if decay is None:
        return np.ones_like(d)
    if decay != "gaussian":
        raise InputError(f"Unknown distance decay {decay!r}; use none or gaussian.", "未知的距离衰减函数。")
    if sigma is None or not np.isfinite(sigma) or sigma <= 0:
        raise InputError(
            "A Gaussian decay needs a positive sigma (metres).", "高斯衰减需要正的 sigma（米）。"
        )
    weights: FloatArray = np.exp(-d * d / (2.0 * float(sigma) ** 2))
    return weights


def _per_cell_unknown(reach: Reach, known: BoolArray) -> FloatArray:
    counts = np.bincount(reach.cell, weights=(~known[reach.fac]).astype(float), minlength=reach.n_cell)
    return np.asarray(counts, dtype=np.float64)  # weighted: already float64 (numpy's stubs say intp)


# ------------------------------------------------------------------ methods
def balance(reach: Reach, capacity: ArrayLike, demand: ArrayLike) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Within-reach balance. Facility table: ``capacity`` (NaN unknown), ``demand_in_reach``,
    ``surplus`` (capacity - demand in reach; NaN if unknown), ``per_child`` (capacity / demand in
    reach). Cell table: ``demand``, ``n_fac_in_reach``, ``n_unknown_in_reach``, ``places_in_reach``
    (capacities summed over the facilities within reach) and ``places_per_child`` (that / demand)."""
    cap, known, dem = _arrays(reach, capacity, demand)
    dem_in = np.bincount(reach.fac, weights=dem[reach.cell], minlength=reach.n_fac)
    places = np.bincount(reach.cell, weights=cap[reach.fac], minlength=reach.n_cell)
    nfac = np.bincount(reach.cell, minlength=reach.n_cell)
    capn = np.where(known, cap, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        fac = pd.DataFrame(
            {
                "capacity": capn,
                "demand_in_reach": dem_in,
                "surplus": capn - dem_in,
                "per_child": np.where(dem_in > 0, capn / dem_in, np.nan),
            }
        )
        cell = pd.DataFrame(
            {
                "demand": dem,
                "n_fac_in_reach": nfac,
                "n_unknown_in_reach": _per_cell_unknown(reach, known).astype(int),
                "places_in_reach": places,
                "places_per_child": np.where(dem > 0, places / dem, np.nan),
            }
        )
    return fac, cell


def two_step_fca(
    reach: Reach,
    capacity: ArrayLike,
    demand: ArrayLike,
    *,
    decay: str | None = None,
    sigma: float | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two-step floating catchment. Facility table: ``capacity``, ``weighted_demand``
    (``sum_i W P_i``), ``ratio`` (``R_j``; NaN when the capacity is unknown or nobody is in reach).
    Cell table: ``demand``, ``access`` (``A_i``, places per child), ``places`` (``A_i * P_i``),
    ``n_fac_in_reach``, ``n_unknown_in_reach``. Facilities with unknown capacity supply nothing (ratio
    NaN; the demand within their reach is still shown)."""
    cap, known, dem = _arrays(reach, capacity, demand)
    w = decay_weights(reach.dist, decay, sigma)
    wd = np.bincount(reach.fac, weights=w * dem[reach.cell], minlength=reach.n_fac)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(known & (wd > 0), cap / wd, np.nan)
    r_pair = np.nan_to_num(ratio[reach.fac], nan=0.0)
    acc = np.bincount(reach.cell, weights=w * r_pair, minlength=reach.n_cell)
    fac = pd.DataFrame({"capacity": np.where(known, cap, np.nan), "weighted_demand": wd, "ratio": ratio})
    cell = pd.DataFrame(
        {
            "demand": dem,
            "access": acc,
            "places": acc * dem,
            "n_fac_in_reach": np.bincount(reach.cell, minlength=reach.n_cell),
            "n_unknown_in_reach": _per_cell_unknown(reach, known).astype(int),
        }
    )
    return fac, cell


def _greedy(reach: Reach, cap: FloatArray, dem: FloatArray) -> FloatArray:
    order = np.lexsort((reach.cell, reach.fac, reach.dist))
    left_c, left_d = cap.copy(), dem.copy()
    x = np.zeros(len(order))
    fac, cell = reach.fac.tolist(), reach.cell.tolist()
    lc, ld = left_c.tolist(), left_d.tolist()
    for k in order.tolist():
        j, i = fac[k], cell[k]
        a = lc[j] if lc[j] < ld[i] else ld[i]
        if a > 0:
            x[k] = a
            lc[j] -= a
            ld[i] -= a
    return x


def _flow(reach: Reach, cap: FloatArray, dem: FloatArray) -> FloatArray:
    """Min-cost maximum flow as one linear programme (scipy HiGHS) over the pairs.

    Each placed child earns ``M`` and costs its distance: ``min sum (d - M) x``. With ``M`` above
    ``n_fac * max(d)`` every augmenting path (at most ``n_fac`` forward pairs) gains, so the optimum
    places the most children and, among those placements, walks the least.
    """
    from scipy.optimize import linprog

    n = len(reach.dist)
    if n == 0:
        return np.zeros(0)
    cells, ci = np.unique(reach.cell, return_inverse=True)  # only rows that constrain something
    facs, fi = np.unique(reach.fac, return_inverse=True)
    a_ub = sparse.vstack(
        [
            sparse.csr_matrix((np.ones(n), (ci, np.arange(n))), shape=(len(cells), n)),
            sparse.csr_matrix((np.ones(n), (fi, np.arange(n))), shape=(len(facs), n)),
        ]
    ).tocsr()
    b_ub = np.concatenate([dem[cells], cap[facs]])
    big = (len(facs) + 1) * (float(reach.dist.max()) + 1.0)
    res = linprog(reach.dist - big, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
    if res.status != 0:  # pragma: no cover - a bounded, feasible programme (x = 0 is feasible)
        raise RuntimeError(f"linprog failed: {res.message}")
    x: FloatArray = np.clip(res.x, 0, None)
    return x


def assign(
    reach: Reach, capacity: ArrayLike, demand: ArrayLike, *, method: str = "greedy"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Capacitated assignment within the cut-off. Facility table: ``capacity``, ``assigned``,
    ``free`` (capacity - assigned; NaN unknown). Cell table: ``demand``, ``assigned``, ``unplaced``
    (demand without a place within the standard distance), ``mean_dist_m`` (mean walk of the
    placed), ``n_unknown_in_reach``. Facilities with unknown capacity take nobody."""
    if method not in ASSIGN_METHODS:
        raise InputError(f"Unknown assignment method {method!r}; use greedy or flow.", "未知的分配方法。")
    cap, known, dem = _arrays(reach, capacity, demand)
    x = _greedy(reach, cap, dem) if method == "greedy" else _flow(reach, cap, dem)
    got_f = np.bincount(reach.fac, weights=x, minlength=reach.n_fac)
    got_c = np.bincount(reach.cell, weights=x, minlength=reach.n_cell)
    walk = np.bincount(reach.cell, weights=x * reach.dist, minlength=reach.n_cell)
    capn = np.where(known, cap, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        cell = pd.DataFrame(
            {
                "demand": dem,
                "assigned": got_c,
                "unplaced": np.clip(dem - got_c, 0, None),
                "mean_dist_m": np.where(got_c > 0, walk / got_c, np.nan),
                "n_fac_in_reach": np.bincount(reach.cell, minlength=reach.n_cell),
                "n_unknown_in_reach": _per_cell_unknown(reach, known).astype(int),
            }
        )
    fac = pd.DataFrame({"capacity": capn, "assigned": got_f, "free": capn - got_f})
    return fac, cell


# ------------------------------------------------------------------ zones
#: What the gap (缺口) of each method is, printed beside the number.
GAP_DEFINITIONS = {
    "balance": (
        "Zone demand minus the capacity of the facilities located in the zone (not below 0)",
        "街道/社区内需求人数减去位于该区内设施的容量（不小于0）",
    ),
    "2sfca": (
        "Sum over cells of demand x (1 - 2SFCA places per child), cells with enough places count 0",
        "各格网需求人数 ×（1 − 两步移动搜索法人均可达学位/床位）之和（可达量充足的格网计0）",
    ),
    "assign": (
        "Demand left without a place within the standard distance (capacitated assignment)",
        "按容量分配后，在标准距离内未获得学位/床位的人数",
    ),
}


def points_in_zones(xy: ArrayLike, zone_geoms: Sequence[shapely.Geometry] | ArrayLike) -> IntArray:
    """Index of the zone holding each point (-1 outside every zone; the first zone on overlaps)."""
    pts = _xy(xy)
    geoms = np.asarray(zone_geoms, dtype=object)
    out = np.full(len(pts), -1, dtype=np.int64)
    if len(pts) == 0 or len(geoms) == 0:
        return out
    tree = shapely.STRtree(geoms)
    p, z = tree.query(shapely.points(pts), predicate="intersects")
    o = np.lexsort((z, p))
    p, z = p[o], z[o]
    first = np.r_[True, p[1:] != p[:-1]] if len(p) else np.zeros(0, bool)
    out[p[first]] = z[first]
    return out


def zone_table(
    method: str,
    fac_zone: ArrayLike,
    cell_zone: ArrayLike,
    n_zones: int,
    fac_table: pd.DataFrame,
    cell_table: pd.DataFrame,
) -> pd.DataFrame:
    """Per zone: ``demand``, ``demand_in_reach`` / ``share_in_reach`` (demand with at least one
    facility within the standard distance), ``n_facilities``, ``n_no_capacity``, ``capacity`` (of
    the facilities in the zone with a known capacity), ``gap`` (by :data:`GAP_DEFINITIONS`)."""
    if method not in GAP_DEFINITIONS:
        raise InputError(f"Unknown method {method!r}", "未知的计算方法。")
    fz: IntArray = np.asarray(fac_zone)
    cz: IntArray = np.asarray(cell_zone)
    fin, cin = fz >= 0, cz >= 0

    def per_zone(idx: IntArray, mask: BoolArray, values: ArrayLike) -> FloatArray:
        sums = np.bincount(idx[mask], weights=np.asarray(values, float)[mask], minlength=n_zones)
        return np.asarray(sums, dtype=np.float64)  # weighted: already float64

    dem = cell_table["demand"].to_numpy(float)
    reached = cell_table["n_fac_in_reach"].to_numpy() > 0
    cap = fac_table["capacity"].to_numpy(float)
    zdem = per_zone(cz, cin, dem)
    zin = per_zone(cz, cin, np.where(reached, dem, 0.0))
    zcap = per_zone(fz, fin, np.nan_to_num(cap))
    if method == "balance":
        gap = np.clip(zdem - zcap, 0, None)
    elif method == "2sfca":
        gap = per_zone(cz, cin, dem * np.clip(1 - cell_table["access"].to_numpy(float), 0, None))
    else:
        gap = per_zone(cz, cin, cell_table["unplaced"].to_numpy(float))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(zdem > 0, zin / zdem, np.nan)
    return pd.DataFrame(
        {
            "demand": zdem,
            "demand_in_reach": zin,
            "share_in_reach": share,
            "n_facilities": np.bincount(fz[fin], minlength=n_zones),
            "n_no_capacity": np.bincount(fz[fin & ~np.isfinite(cap)], minlength=n_zones),
            "capacity": zcap,
            "gap": gap,
        }
    )
