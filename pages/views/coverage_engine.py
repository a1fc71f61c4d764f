"""Cached inputs and engine runs of the 生活圈覆盖 page: results are cached on their inputs so
switching category or circle does not recompute distances."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from pages.views import coverage_data as cd
from pages.views.heavy import run_heavy
from renewal.analysis.coverage import CoverageOptions, network_coverage, radius_coverage
from renewal.analysis.facilities import load_workspace_facilities
from renewal.analysis.network_files import load_workspace_network
from renewal.analysis.recut import recut
from renewal.standards import load_standards


@st.cache_resource(show_spinner=False)
def standards():
    return load_standards()


def mtime(path: Path) -> float:
    return path.stat().st_mtime if path.exists() else 0.0


@st.cache_resource(show_spinner="正在读取工作区路网…")
def network(path: str, mtime: float):
    return load_workspace_network(Path(path).parent.parent) if mtime else None


@st.cache_data(show_spinner=False)
def workspace_facilities(workspace: str, mtime: float):
    return load_workspace_facilities(Path(workspace)) if mtime else None


@st.cache_resource(show_spinner="正在计算距离…", max_entries=8)
def distances(base_key, mode, _fac, _net, _pop, _zones, _area=None):
    """One engine run for all categories at the largest distance any circle needs (no polygons), in a
    worker process; ``_area``: the study area (WGS84 geometry; None: the district), its grid, clipping and
    metric CRS (``base_key`` must name it)."""
    std = standards()
    polygons = _pop is not None and not isinstance(
        _pop, str | bytes
    )  # polygons, not a raster (path or upload)
    options = CoverageOptions(
        cutoffs=cd.search_cutoffs(std, mode),
        population=_pop,
        pop_field="population" if polygons else None,
        zones=_zones,
        geometry=False,
    )
    # in a worker process (pages/views/heavy.py): the server stays free for the other planners' pages,
    # and the run is stopped when its browser goes away
    if mode == "network":
        return run_heavy(network_coverage, _net, _fac, std, _area, options)
    return run_heavy(radius_coverage, _fac, std, _area, options)


@st.cache_resource(show_spinner="正在生成服务范围和缺口…", max_entries=64)
def _polygons(base_key, mode, circle, category, _base):
    """Catchment and gap polygons of one category at one circle (cached per pair)."""
    res = recut(_base, cd.circle_cutoffs(standards(), circle, mode), categories=[category])
    return res.catchments, res.gaps


def view(base_key, mode, circle, categories, base):
    """The chosen categories at the chosen circle, re-cut from the stored distances (no new search):
    statistics at once, polygons from the per-category cache."""
    res = recut(
        base, cd.circle_cutoffs(standards(), circle, mode), categories=list(categories), geometry=False
    )
    parts = [_polygons(base_key, mode, circle, c, base) for c in categories]
    return dataclasses.replace(
        res,
        catchments=pd.concat([p[0] for p in parts], ignore_index=True),
        gaps=pd.concat([p[1] for p in parts], ignore_index=True),
    )


def bytes_key(data: bytes | None) -> str:
    return hashlib.sha1(data).hexdigest() if data else ""
