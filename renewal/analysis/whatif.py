"""What-if: coverage after adding or removing facilities, without a full recompute."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from renewal.analysis.coverage import (
    CategoryState,
    CoverageResult,
    EngineContext,
    assemble,
    distances_from_new,
    run_category,
)
from renewal.analysis.inputs import ID_CANDIDATES, category_cutoff, points_xy, prepare_facilities
from renewal.analysis.network import NetworkWarning, NodeDistances, Snap
from renewal.crs import epsg_crs
from renewal.errors import InputError, Notice
from renewal.standards import Standards


def what_if(
    result: CoverageResult,
    add: gpd.GeoDataFrame | None = None,
    remove: Iterable[object] | None = None,
    *,
    category_col: str = "category",
    id_col: str | None = None,
    geometry: bool = False,
) -> CoverageResult:
    """Coverage after adding facilities and/or removing some, without a full recompute.

    Additions use only the new facility's own search combined with the stored distances; removals
    re-run the affected categories.

    Parameters
    ----------
    result : CoverageResult
        A result with its engine state (from :func:`~renewal.analysis.coverage.radius_coverage` or
        :func:`~renewal.analysis.coverage.network_coverage`).
    add : GeoDataFrame, optional
        New facilities (with a CRS and a category column); numbered NEW1, NEW2 ... without an id column.
    remove : iterable of facility ids, optional
    category_col, id_col : str, optional
        The category and id columns of ``add``.
    geometry : bool
        Also rebuild the catchment and gap polygons of the changed categories.

    Returns
    -------
    CoverageResult
        The new result; ``delta`` compares the statistics before and after per category.

    Raises
    ------
    InputError
        A result without engine state, ids to remove that do not exist, or bad new facilities.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> from renewal.analysis.coverage import radius_coverage
    >>> area = gpd.GeoSeries([shapely.box(520000, 4330000, 521000, 4331000)], crs=4548)
    >>> school = gpd.GeoDataFrame({"category": ["小学"]}, geometry=[shapely.Point(520500, 4330500)], crs=4548)
    >>> before = radius_coverage(school, boundary=area)
    >>> new = gpd.GeoDataFrame({"category": ["小学"]}, geometry=[shapely.Point(520100, 4330100)], crs=4548)
    >>> after = what_if(before, add=new)
    >>> after.delta[["n_facilities_before", "n_facilities_after", "land_share_before", "land_share_after"]].round(3).to_dict("records")
    [{'n_facilities_before': 1, 'n_facilities_after': 2, 'land_share_before': 0.784, 'land_share_after': 0.839}]
    """

    ctx = result.context
    if ctx is None or result.category_states is None:
        raise InputError("This result cannot be edited (no engine state).", "该结果不支持假设分析。")
    cats = {k: copy.copy(c) for k, c in result.category_states.items()}
    changed: set[str] = set()
    msgs: list[str] = []
    remove_ids = {str(r) for r in remove} if remove is not None else set()
    if remove_ids:
        found: set[str] = set()
        for key, cat in list(cats.items()):
            mask = cat.fac["facility_id"].astype(str).isin(remove_ids)
            if mask.any():
                found |= set(cat.fac["facility_id"][mask].astype(str))
                cat.fac = cat.fac[~mask].reset_index(drop=True)
                changed.add(key)
                if len(cat.fac) == 0:
                    cat.dist = np.full(len(ctx.cell_xy), np.inf)
                    cat.near = np.full(len(ctx.cell_xy), -1, dtype=np.int64)
                    if ctx.mode == "network":
                        _no_sources(ctx, cat)
                else:
                    msgs += run_category(ctx, cat)
        missing = remove_ids - found
        if missing:
            raise InputError(
                f"Facilities to remove not found: {sorted(missing)}", f"要删除的设施不存在：{sorted(missing)}"
            )
    if add is not None and len(add):
        std = ctx.standards
        cutoffs = {k: c.cutoff for k, c in cats.items()}
        new, m = prepare_facilities(
            add, std, category_col=category_col, id_col=id_col, cutoffs=cutoffs, epsg=ctx.epsg
        )
        msgs += m
        if id_col is None and not any(c in getattr(add, "columns", []) for c in ID_CANDIDATES):
            new["facility_id"] = [f"NEW{i + 1}" for i in range(len(new))]
        xy = points_xy(new)
        new_keys = new["category"].to_numpy()
        new_ids = new["facility_id"].to_numpy()
        added: dict[str, list[int]] = {}  # category -> rows of ``new`` appended to its facilities
        for i in range(len(new)):
            key = new_keys[i]
            if key not in cats:
                cats[key] = _empty_category(ctx, std, key, new.iloc[0:0])
            cat = cats[key]
            d, nd, s = distances_from_new(ctx, cat, xy[i])
            if d is None:
                msgs.append(
                    Notice(
                        f"New facility {new_ids[i]} is off the network; not added",
                        f"假设新增的设施 {new_ids[i]} 离步行路网太远，未加入计算",
                    )
                )
                warnings.warn(msgs[-1], NetworkWarning, stacklevel=2)
                continue
            rows = added.setdefault(key, [])
            idx = len(cat.fac) + len(rows)
            rows.append(i)
            better = d < cat.dist
            cat.dist = np.where(better, d, cat.dist)
            cat.near = np.where(better, idx, cat.near)
            if ctx.mode == "network" and nd is not None and s is not None:
                old_nd, fs = _network_state(cat)
                nb = nd.dist < old_nd.dist
                cat.nd = NodeDistances(
                    np.where(nb, nd.dist, old_nd.dist), np.where(nb, idx, old_nd.source), cat.cutoff
                )
                cat.fsnap = Snap(
                    np.append(fs.edge, s.edge),
                    np.append(fs.offset, s.offset),
                    np.append(fs.dist, s.dist),
                    np.append(fs.ok, s.ok),
                    fs.max_snap,
                )
            changed.add(key)
        for key, rows in added.items():
            cat = cats[key]
            fac = pd.concat([cat.fac, new.iloc[rows]], ignore_index=True)
            cat.fac = gpd.GeoDataFrame(fac, geometry="geometry", crs=epsg_crs(ctx.epsg))
    out = assemble(ctx, cats, result.warnings + msgs, geometry=geometry, old=result, changed=changed)
    out.delta = _delta(result.stats, out.stats)
    return out


def _empty_category(ctx: EngineContext, std: Standards, key: str, empty: gpd.GeoDataFrame) -> CategoryState:
    """A category that had no facilities before a what-if adds one."""
    c = std.category(key)
    cat = CategoryState(
        key,
        c.name_zh,
        category_cutoff(std, key, ctx.mode, None),
        empty,
        dist=np.full(len(ctx.cell_xy), np.inf),
        near=np.full(len(ctx.cell_xy), -1, dtype=np.int64),
    )
    if ctx.mode == "network":
        _no_sources(ctx, cat)
    return cat


def _no_sources(ctx: EngineContext, cat: CategoryState) -> None:
    """The network state of a category left without facilities."""
    if ctx.net is None:
        raise ValueError("a network-mode coverage context has a network")
    cat.fsnap = ctx.net.snap(np.empty((0, 2)))
    cat.nd = ctx.net.node_distances(cat.fsnap, cat.cutoff)


def _network_state(cat: CategoryState) -> tuple[NodeDistances, Snap]:
    """A network-mode category's node distances and snapped facilities (set by ``run_category``)."""
    if cat.nd is None or cat.fsnap is None:
        raise ValueError("run_category comes first")
    return cat.nd, cat.fsnap


def _delta(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Before/after statistics per category (outer join on the category,
    sorted; a category new in ``after`` counts 0 before)."""
    cols = ["n_facilities", "land_share"] + (["population_share"] if "population_share" in after else [])
    keys = sorted(set(before["category"]) | set(after["category"]))
    ai = {k: i for i, k in enumerate(after["category"])}
    bi = {k: i for i, k in enumerate(before["category"])}
    out: dict[str, Any] = {"category": keys}
    delta: dict[str, Any] = {}
    for side, idx, frame in (("after", ai, after), ("before", bi, before)):
        for c in cols:
            v = frame[c].to_numpy() if c in frame else np.zeros(len(frame))
            have = np.array([k in idx for k in keys])
            col = v[[idx.get(k, 0) for k in keys]] if len(v) else np.zeros(len(keys))
            if not have.all():
                col = np.where(have, col, np.nan if side == "after" else 0.0)
            out[f"{c}_{side}"] = col
    for c in cols:
        delta[f"delta_{c}"] = out[f"{c}_after"] - out[f"{c}_before"]
    return pd.DataFrame({**out, **delta})
