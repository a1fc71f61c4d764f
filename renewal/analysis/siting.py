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
    """Choose ``k`` of ``candidates`` for a new ``category`` facility, greedily: each step takes the
    candidate that adds the most newly covered population or land.

    Parameters
    ----------
    result : CoverageResult
        A result with its engine state.
    candidates : GeoDataFrame
        Points or polygons (e.g. renewal sites) with a CRS.
    category : str
        A standards key or name; a category the result did not compute starts from nothing covered.
    k : int
        How many sites at most (fewer when no candidate adds anything).
    id_col : str, optional
        The candidates' id column (default: the first of id/fid/facility_id/name/名称, else C1...).
    weight : {"population", "area"}, optional
        What a gain counts (default: population when the result has it, else area).

    Returns
    -------
    GeoDataFrame
        WGS84, one row per chosen candidate in order: ``rank``, ``candidate_id``, ``category``, ``gain``,
        ``weight``, ``share_after``.

    Raises
    ------
    InputError
        A result without engine state, an unknown category, no candidates, or population weight
        without population.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> from renewal.analysis.coverage import radius_coverage
    >>> area = gpd.GeoSeries([shapely.box(520000, 4330000, 521000, 4331000)], crs=4548)
    >>> school = gpd.GeoDataFrame({"category": ["小学"]}, geometry=[shapely.Point(520500, 4330500)], crs=4548)
    >>> res = radius_coverage(school, boundary=area)
    >>> sites = gpd.GeoDataFrame({"site_id": ["S1", "S2"]},
    ...                          geometry=[shapely.Point(520500, 4330550), shapely.Point(520050, 4330950)], crs=4548)
    >>> greedy_siting(res, sites, "小学", 1, id_col="site_id")[["rank", "candidate_id", "weight"]].to_dict("records")
    [{'rank': 1, 'candidate_id': 'S2', 'weight': 'area'}]
    """

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
