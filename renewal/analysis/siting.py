"""Greedy siting: which candidate sites add the most coverage for a new facility."""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from renewal.analysis.arrays import IntArray
from renewal.analysis.coverage import CategoryState, CoverageResult, covered_cells, distances_from_new
from renewal.analysis.inputs import category_cutoff, facility_ids, points_xy, to_metric_gdf
from renewal.analysis.network import TOL
from renewal.crs import STORAGE_EPSG, epsg_crs
from renewal.errors import InputError


def greedy_siting(
    result: CoverageResult,
    candidates: gpd.GeoDataFrame,
    category: str,
    k: int,
    *,
    id_col: str | None = None,
    weight: str | None = None,
) -> gpd.GeoDataFrame:
    """Choose ``k`` of ``candidates`` (points or polygons, e.g. renewal sites)
    for a new ``category`` facility, greedily maximising the newly covered
    population (``weight="population"``, the default when population was
    given) or land (``weight="area"``). Returns the chosen candidates (WGS84)
    in order with their marginal and cumulative gains."""

    ctx, states = result.context, result.category_states
    if ctx is None or states is None:
        raise InputError("This result cannot be used for siting (no engine state).", "该结果不支持选址分析。")
    std = ctx.standards
    key = std.resolve(category) or category
    if key not in states and key not in std.categories:
        std.category(key)  # raises a clear error
    cat = states.get(key)
    if cat is None:
        cutoff = category_cutoff(std, key, ctx.mode, None)
        cat = CategoryState(
            key, std.category(key).name_zh, cutoff, None, dist=np.full(len(ctx.cell_xy), np.inf)
        )
    if weight is None:
        weight = "population" if ctx.cell_pop is not None else "area"
    if weight == "population" and ctx.cell_pop is None:
        raise InputError("Siting by population needs population data.", "按人口选址需要人口数据。")
    w = ctx.cell_pop if weight == "population" and ctx.cell_pop is not None else ctx.cell_area
    cand = to_metric_gdf(candidates, "candidates", ctx.epsg).reset_index(drop=True)
    if len(cand) == 0:
        raise InputError("No candidate sites.", "没有候选地块。")
    ids, _ = facility_ids(cand, id_col)
    xy = points_xy(cand)
    covered = covered_cells(cat).copy()
    reach: list[IntArray] = []
    for i in range(len(cand)):
        d, _nd, _s = distances_from_new(ctx, cat, xy[i])
        reach.append(np.flatnonzero(d <= cat.cutoff + TOL) if d is not None else np.array([], dtype=np.int64))
    total_w = float(w.sum())
    chosen: set[int] = set()
    rows: list[dict[str, object]] = []
    base = float(w[covered].sum())
    for rank in range(1, min(k, len(cand)) + 1):
        gains = np.array(
            [-1.0 if i in chosen else float(w[r[~covered[r]]].sum()) for i, r in enumerate(reach)]
        )
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break
        chosen.add(best)
        covered[reach[best]] = True
        base += gains[best]
        rows.append(
            {
                "rank": rank,
                "candidate_id": ids.iat[best],
                "category": key,
                "gain": gains[best],
                "weight": weight,
                "share_after": base / total_w if total_w else np.nan,
                "geometry": cand.geometry.iat[best],
            }
        )
    if not rows:
        return gpd.GeoDataFrame({"rank": [], "candidate_id": [], "gain": []}, geometry=[], crs=STORAGE_EPSG)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=epsg_crs(ctx.epsg)).to_crs(STORAGE_EPSG)
