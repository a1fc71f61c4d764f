"""Siting with capacity (issue #19): where new schools or care homes, each with a given number of places
(学位 / 床位), leave the fewest children (or elders) without a place within the standard distance.

The measure is the capacitated assignment's: the most demand that can be given a place within reach
(a maximum flow: demand → facilities within the cut-off → their capacity), the rest is *unplaced*.
:func:`capacity_siting` adds new facilities at candidate sites (renewal sites; placeholders are left
out by the callers unless the planner includes them) greedily, each step the site that places the most
more demand (its *gain*), either ``k`` sites or until ``target_share`` of the demand has a place within
reach (the fewest sites the greedy order needs). Placing is a submodular function of the chosen set (a
maximum flow to capacitated sinks), so the greedy order is within (1 - 1/e) of the best ``k`` and can be
found lazily (a candidate is re-solved only while its last gain could still be the best); the tests check
it against all subsets on small cases.

Demand and capacities are counted in hundredths (the integer maximum flow of
:func:`scipy.sparse.csgraph.maximum_flow`), so figures are exact to 0.01 person.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import maximum_flow

from renewal.analysis import supply_demand as sd
from renewal.analysis.arrays import ArrayLike
from renewal.analysis.inputs import facility_ids, points_xy, to_metric_gdf
from renewal.analysis.network import WalkNetwork
from renewal.analysis.supply_report import CAPACITY, SupplyResult, supply_demand_run
from renewal.crs import STORAGE_EPSG
from renewal.errors import InputError
from renewal.standards import Standards

#: Demand and capacity are counted in 1/SCALE of a person for the integer maximum flow.
SCALE = 100
MAX_K = 50


class DemandOptions(TypedDict, total=False):
    """What :func:`capacity_siting` passes on to :func:`~renewal.analysis.supply_report.supply_demand_run`."""

    age_field: str | None
    pop_field: str | None
    share: float | None
    zones: gpd.GeoDataFrame | None
    cutoff: float | None
    bed_rate: float | None
    standards: Standards | None


class Placer:
    """The most demand placed within reach by the existing facilities plus a chosen set of candidates.

    ``reach`` pairs facilities ``0..n_fac-1`` (existing first, then the candidates) with demand cells;
    ``capacity`` is per facility (NaN: unknown, places nobody)."""

    def __init__(self, reach: sd.Reach, capacity: ArrayLike, demand: ArrayLike, n_existing: int) -> None:
        self.n_cell, self.n_fac, self.n_existing = reach.n_cell, reach.n_fac, n_existing
        dem = np.rint(np.nan_to_num(np.asarray(demand, float), nan=0.0).clip(0) * SCALE).astype(np.int64)
        cap = np.rint(np.nan_to_num(np.asarray(capacity, float), nan=0.0).clip(0) * SCALE).astype(np.int64)
        if dem.sum() + cap.sum() >= np.iinfo(np.int32).max:
            raise InputError(
                "The demand or capacity is too large for siting (over 20 million people).",
                "需求或容量过大（超过两千万人），无法计算选址。",
            )
        self.demand_total = float(dem.sum()) / SCALE
        self._dem, self._cap = dem, cap
        # nodes: 0 source, 1..n_cell cells, then facilities, then the sink
        self._fac0, self._sink = 1 + self.n_cell, 1 + self.n_cell + self.n_fac
        big = int(dem.sum()) + 1
        src = np.concatenate([np.zeros(self.n_cell, np.int64), 1 + reach.cell])
        dst = np.concatenate([1 + np.arange(self.n_cell), self._fac0 + reach.fac])
        val = np.concatenate([dem, np.full(len(reach.cell), big)])
        self._base = (src, dst, val)
        # what a facility could place at most: its capacity, and the demand within its reach
        within = np.bincount(reach.fac, weights=dem[reach.cell].astype(float), minlength=self.n_fac)
        self.bounds = np.minimum(within, cap).astype(float)[n_existing:] / SCALE

    def placed(self, chosen: Sequence[int] = ()) -> float:
        """Demand placed within reach with the existing facilities and candidates ``chosen`` (indices)."""
        fac = np.concatenate([np.arange(self.n_existing), self.n_existing + np.asarray(chosen, np.int64)])
        src, dst, val = self._base
        n = self._sink + 1
        g = sparse.csr_array(
            (
                np.concatenate([val, self._cap[fac]]).astype(np.int32),
                (
                    np.concatenate([src, self._fac0 + fac]),
                    np.concatenate([dst, np.full(len(fac), self._sink)]),
                ),
            ),
            shape=(n, n),
        )
        g.sum_duplicates()
        return float(maximum_flow(g, 0, self._sink).flow_value) / SCALE


@dataclass
class SitingResult:
    """The greedy steps: ``steps`` (rank, site_id, name, capacity, gain, placed, unplaced, share; WGS84
    points), the demand placed before any new site, the total demand, and the stop rule's outcome."""

    steps: gpd.GeoDataFrame
    base_placed: float
    demand_total: float
    new_capacity: float
    k: int | None
    target_share: float | None
    reached: bool
    supply: SupplyResult
    #: Whether placeholder renewal sites were among the candidates (set by the caller that chose them).
    include_placeholders: bool = False

    @property
    def base_share(self) -> float:
        return self.base_placed / self.demand_total if self.demand_total else float("nan")


def check_siting_options(
    k: int | None, target_share: float | None, new_capacity: float | str | None
) -> tuple[int | None, float | None, float]:
    """``(k, target_share, new_capacity)`` checked: exactly one of K (1..50) or a share (0 < s <= 1),
    and a positive capacity."""
    if (k is None) == (target_share is None):
        raise InputError(
            "Give either the number of new sites (K) or a target share, not both.",
            "请填写新增设施数 K 或目标比例（二选一）。",
        )
    if k is not None and not (1 <= int(k) <= MAX_K and float(k) == int(k)):
        raise InputError(f"K must be a whole number from 1 to {MAX_K}.", f"新增设施数须为1至{MAX_K}的整数。")
    if target_share is not None and not (0 < float(target_share) <= 1):
        raise InputError(
            "The target share must be above 0 and at most 1 (e.g. 0.85).", "目标比例须大于0且不超过100%。"
        )
    try:
        cap = float(new_capacity) if new_capacity is not None else float("nan")
    except (TypeError, ValueError):
        cap = float("nan")
    if not (np.isfinite(cap) and 0 < cap <= 1e6):
        raise InputError(
            "The new facilities' capacity must be a positive number (places or beds each).",
            "新增设施的容量（学位或床位）须为正数。",
        )
    return (None if k is None else int(k)), (None if target_share is None else float(target_share)), cap


def greedy_steps(
    placer: Placer, n_cand: int, *, k: int | None, target: float | None
) -> tuple[list[tuple[int, float]], bool]:
    """The greedy order: [(candidate index, placed after)], and whether the target (or K) was reached.

    Lazy greedy: a candidate's gain only shrinks as others are chosen (placing is submodular), so each
    round re-solves candidates in the order of their last known gain (at first: the least of capacity and
    demand within reach) and takes the first whose fresh gain is at least every other's bound."""
    placed = placer.placed()
    steps: list[tuple[int, float]] = []
    chosen: list[int] = []
    limit = k if k is not None else n_cand
    goal = None if target is None else target * placer.demand_total
    heap = [(-float(b), c) for c, b in enumerate(placer.bounds[:n_cand]) if b > 1e-9]
    heapq.heapify(heap)
    while heap and len(chosen) < limit and (goal is None or placed < goal - 1e-9):
        best = None
        while heap:
            _, c = heapq.heappop(heap)
            v = placer.placed([*chosen, c])
            if v - placed <= 1e-9:
                continue  # places nobody more now, nor later
            if not heap or v - placed >= -heap[0][0] - 1e-9:
                best = (c, v)
                break
            heapq.heappush(heap, (-(v - placed), c))
        if best is None:
            break  # no candidate places anybody more
        chosen.append(best[0])
        steps.append(best)
        placed = best[1]
    reached = len(chosen) == k if goal is None else placed >= goal - 1e-9
    return steps, reached


def capacity_siting(  # noqa: PLR0913
    facilities: gpd.GeoDataFrame,
    population: gpd.GeoDataFrame,
    category: str,
    candidates: gpd.GeoDataFrame,
    *,
    new_capacity: float,
    k: int | None = None,
    target_share: float | None = None,
    net: WalkNetwork | None = None,
    id_col: str | None = "site_id",
    max_snap: float = 200.0,
    **demand_opts: Unpack[DemandOptions],
) -> SitingResult:
    """New facilities of ``category``, ``new_capacity`` places each, at ``candidates``: ``k`` of them, or
    the fewest to place ``target_share`` of the demand within reach (a lazy greedy over a max flow).

    Parameters
    ----------
    facilities, population : GeoDataFrame
        As for :func:`~renewal.analysis.supply_report.supply_demand_run`.
    category : str
        A standards key or name.
    candidates : GeoDataFrame
        Points or polygons (e.g. renewal sites) with a CRS.
    new_capacity : float
        Places (or beds) of each new facility, above 0.
    k : int, optional
        How many new facilities (1 to 50); give ``k`` or ``target_share``, not both.
    target_share : float, optional
        The share of the demand to place within reach (0 < s <= 1).
    net : WalkNetwork, optional
        Walking distances (default: straight lines).
    id_col : str, optional
        The candidates' id column.
    max_snap : float
        Metres from the network beyond which a point is refused.
    **demand_opts
        :class:`DemandOptions`, passed on to ``supply_demand_run``.

    Returns
    -------
    SitingResult
        ``steps`` (WGS84: rank, site_id, name, capacity, gain, placed, unplaced, share), the demand placed
        before, the total, and whether the target (or K) was reached.

    Raises
    ------
    InputError
        Both or neither of ``k`` and ``target_share``, a bad capacity, no candidates, or as for
        ``supply_demand_run``.

    Examples
    --------
    The school places the 80 children near it; a new one at site S1 places the other 50:

    >>> import geopandas as gpd, shapely
    >>> school = gpd.GeoDataFrame({"category": ["小学"], "places": [100]},
    ...                           geometry=[shapely.Point(520000, 4330000)], crs=4548)
    >>> kids = gpd.GeoDataFrame({"6-11岁": [80, 50]},
    ...                         geometry=[shapely.Point(520300, 4330000), shapely.Point(522000, 4330000)], crs=4548)
    >>> sites = gpd.GeoDataFrame({"site_id": ["S1", "S2"], "name": ["甲", "乙"]},
    ...                          geometry=[shapely.Point(521900, 4330000), shapely.Point(525000, 4330000)], crs=4548)
    >>> sited = capacity_siting(school, kids, "小学", sites, new_capacity=60, k=1)
    >>> sited.base_placed, sited.demand_total, sited.reached
    (80.0, 130.0, True)
    >>> sited.steps[["rank", "site_id", "gain", "share"]].to_dict("records")
    [{'rank': 1, 'site_id': 'S1', 'gain': 50.0, 'share': 1.0}]
    """
    k, target_share, new_capacity = check_siting_options(k, target_share, new_capacity)
    cand = to_metric_gdf(candidates, "candidates").reset_index(drop=True)
    if cand.empty:
        raise InputError("No candidate sites.", "没有候选地块。")
    res = supply_demand_run(
        facilities,
        population,
        category,
        method="assign",
        assign_method="flow",
        net=net,
        max_snap=max_snap,
        **demand_opts,
    )
    fac_m = res.facilities.to_crs(cand.crs)
    cells_m = res.cells.to_crs(cand.crs)
    xy = np.vstack([points_xy(fac_m), points_xy(cand)])
    if net is not None:
        reach, _ = sd.network_reach(net, xy, points_xy(cells_m), res.cutoff, max_snap=max_snap)
    else:
        reach = sd.radius_reach(xy, points_xy(cells_m), res.cutoff)
    cap = np.concatenate([res.facilities["capacity"].to_numpy(float), np.full(len(cand), new_capacity)])
    placer = Placer(reach, cap, res.cells["demand"].to_numpy(float), len(fac_m))
    base = placer.placed()
    steps, reached = greedy_steps(placer, len(cand), k=k, target=target_share)
    ids, _ = facility_ids(cand, id_col if id_col in cand.columns else None)
    names = cand["name"].astype(str) if "name" in cand.columns else ids.astype(str)
    rows: list[dict[str, Any]] = []
    before = base
    total = placer.demand_total
    for rank, (c, after) in enumerate(steps, 1):
        rows.append(
            {
                "rank": rank,
                "site_id": str(ids.iat[c]),
                "name": names.iat[c],
                "capacity": new_capacity,
                "gain": after - before,
                "placed": after,
                "unplaced": total - after,
                "share": after / total if total else np.nan,
                "geometry": points_xy(cand.iloc[[c]])[0],
            }
        )
        before = after
    table = pd.DataFrame(
        rows,
        columns=["rank", "site_id", "name", "capacity", "gain", "placed", "unplaced", "share", "geometry"],
    )
    pts = gpd.points_from_xy(*np.asarray(table["geometry"].tolist()).reshape(-1, 2).T, crs=cand.crs)
    out = gpd.GeoDataFrame(table.drop(columns="geometry"), geometry=pts).to_crs(STORAGE_EPSG)
    return SitingResult(out, base, total, new_capacity, k, target_share, reached, res)


def with_new_sites(facilities: gpd.GeoDataFrame, siting: SitingResult) -> gpd.GeoDataFrame:
    """``facilities`` with the chosen sites added as facilities of the siting's category, each with the
    new capacity (名称: ``新增：<site name>``): the inventory a scenario of the siting runs on."""
    key = siting.supply.category
    cap_field = CAPACITY[key][0]
    base = facilities.to_crs(STORAGE_EPSG) if facilities.crs is not None else facilities
    new = gpd.GeoDataFrame(
        {
            "facility_id": [f"新增-{s}" for s in siting.steps["site_id"]],
            "name": [f"新增：{n}" for n in siting.steps["name"]],
            "category": key,
            cap_field: siting.new_capacity,
        },
        geometry=siting.steps.geometry.values,
        crs=STORAGE_EPSG,
    )
    return gpd.GeoDataFrame(pd.concat([base, new], ignore_index=True), geometry="geometry", crs=STORAGE_EPSG)


def scenario_extras(siting: SitingResult) -> dict[str, Any]:
    """What a scenario of the siting adds to its record: the facility changes and the siting's parameters."""
    return {
        "changes": site_changes(siting),
        "parameters": {
            "site_k": siting.k,
            "target_share": siting.target_share,
            "new_capacity": siting.new_capacity,
            "include_placeholders": siting.include_placeholders,
        },
    }


def site_changes(siting: SitingResult) -> list[dict[str, Any]]:
    """The siting's new facilities as a scenario's facility changes (plain JSON values)."""
    return [
        {
            "action": "新增",
            "site_id": r.site_id,
            "name": r.name,
            "capacity": float(r.capacity),
            "lon": round(float(r.geometry.x), 6),
            "lat": round(float(r.geometry.y), 6),
            "gain": round(float(r.gain), 2),
        }
        for r in siting.steps.itertuples()
    ]


#: Chinese headers of the siting steps (the sheet keeps the English codes as its first row).
HEADERS_ZH = {
    "rank": "顺序",
    "site_id": "地块编号",
    "name": "候选地块",
    "capacity": "新增容量",
    "gain": "本步新增获得学位/床位人数",
    "placed": "累计标准距离内获得学位/床位人数",
    "unplaced": "累计未获得人数",
    "share": "累计获得比例",
}


def siting_sheet(siting: SitingResult) -> pd.DataFrame:
    """The steps with Chinese headers and the English codes as the first row, then the rule and outcome."""
    table = siting.steps.drop(columns="geometry").copy()
    table["lon"], table["lat"] = siting.steps.geometry.x.round(6), siting.steps.geometry.y.round(6)
    body = pd.concat([pd.DataFrame([list(table.columns)], columns=table.columns), table.astype(object)])
    body.columns = [HEADERS_ZH.get(c, {"lon": "经度", "lat": "纬度"}.get(c, c)) for c in table.columns]
    return body.reset_index(drop=True)


def outcome_text(siting: SitingResult) -> tuple[str, str]:
    """(English, Chinese) of the rule and its outcome, e.g. the target not reached with every site."""
    before = f"{siting.base_placed:,.0f} of {siting.demand_total:,.0f} ({siting.base_share:.1%})"
    before_zh = f"{siting.base_placed:,.0f}/{siting.demand_total:,.0f}（{siting.base_share:.1%}）"
    n = len(siting.steps)
    if siting.k is not None:
        en = f"{n} of K={siting.k} new facilities of {siting.new_capacity:g} each; placed before: {before}"
        zh = f"新增{siting.k}处（每处容量{siting.new_capacity:g}），选出{n}处；新增前标准距离内获得：{before_zh}"
        if n < siting.k:
            en += "; the other candidates place nobody more"
            zh += "；其余候选地块不能再增加获得人数"
        return en, zh
    goal = f"{(siting.target_share or 0.0) * 100:g}%"  # no K: a target share was given
    if siting.reached:
        return (
            f"{n} new facilities reach the target share {goal}; placed before: {before}",
            f"新增{n}处即达到目标比例{goal}；新增前：{before_zh}",
        )
    return (
        f"the target share {goal} is not reached with {n} new facilities (no candidate places more); "
        f"placed before: {before}",
        f"候选地块全部用上（{n}处有效）仍达不到目标比例{goal}；新增前：{before_zh}",
    )
