"""Coverage at other distances without a new search: re-cut a result computed at a larger cut-off.

The engine's distances are exact up to the cut-off they were searched with
(radius mode: exact at any distance). So one run at the largest distance the
page offers (the 15-minute circle) serves every life circle and every
category choice: :func:`recut` keeps the stored cell and node distances,
drops what lies beyond the new cut-off, and assembles statistics (and,
with ``geometry=True``, catchments and gaps) for the chosen categories only.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

import numpy as np

from renewal.analysis.coverage import CategoryState, CoverageResult, assemble
from renewal.analysis.network import TOL, NodeDistances
from renewal.errors import InputError


def recut(
    result: CoverageResult,
    cutoffs: dict[str, float],
    *,
    categories: Iterable[str] | None = None,
    geometry: bool = True,
) -> CoverageResult:
    """``result`` at ``cutoffs`` (per category; each at most the distance it was searched with).

    ``categories`` (keys) limits the output to those categories (default: all).
    """
    ctx = result.context
    states = result.category_states
    if ctx is None or states is None:
        raise InputError("This result cannot be re-cut (no engine state).", "该结果不支持更换距离。")
    wanted = None if categories is None else set(categories)
    keys = [k for k in states if wanted is None or k in wanted]
    cats: dict[str, CategoryState] = {}
    for key in keys:
        cat = copy.copy(states[key])
        new = float(cutoffs.get(key, cat.cutoff))
        if ctx.mode == "network" and new > cat.cutoff + TOL:
            raise InputError(
                f"{key}: cannot re-cut at {new:.0f} m a result searched to {cat.cutoff:.0f} m",
                f"{key}：距离 {new:.0f} 米超出已计算的 {cat.cutoff:.0f} 米，请重新计算",
            )
        if cat.nd is not None:
            keep = cat.nd.dist <= new + TOL
            cat.nd = NodeDistances(
                np.where(keep, cat.nd.dist, np.inf), np.where(keep, cat.nd.source, -1), new
            )
        cat.cutoff = new
        cats[key] = cat
    return assemble(ctx, cats, list(result.warnings), geometry=geometry)
