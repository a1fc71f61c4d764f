"""Accessibility: distance from each origin to its nearest facility (per category)."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import shapely

from renewal.analysis.arrays import IntArray, ObjectArray
from renewal.analysis.inputs import facility_ids, points_xy, to_metric_gdf
from renewal.analysis.network import NetworkWarning, WalkNetwork
from renewal.crs import METRIC_EPSG, STORAGE_EPSG, metric_epsg_for_geometry
from renewal.errors import InputError
from renewal.standards import Standards


def accessibility(  # noqa: PLR0913
    facilities: gpd.GeoDataFrame,
    origins: gpd.GeoDataFrame,
    net: WalkNetwork | None = None,
    *,
    category_col: str = "category",
    id_col: str | None = None,
    max_snap: float = 200.0,
    count_snap: bool = True,
    cutoff: float = np.inf,
    standards: Standards | None = None,
    epsg: int | None = None,
) -> gpd.GeoDataFrame:
    """Distance from each origin to the nearest facility (per category when the facilities have
    ``category_col``) and that facility's id.

    Network mode when ``net`` is given, else straight lines (radius mode).

    Parameters
    ----------
    facilities, origins : GeoDataFrame
        Layers with a CRS; the origins keep their own columns.
    net : WalkNetwork, optional
        Walking network (reprojected to ``epsg`` when that is given).
    category_col, id_col : str, optional
        The facilities' category and id columns.
    max_snap : float
        Metres from the network beyond which an origin or facility is refused (network mode).
    count_snap : bool
        Count the straight legs to the network.
    cutoff : float
        Farther than this (m) is no distance (NaN).
    standards : Standards, optional
        Not used (kept for the callers' common signature).
    epsg : int, optional
        The metric CRS (default: the network's, else the origins' local one).

    Returns
    -------
    GeoDataFrame
        WGS84 origins with ``dist_m`` / ``facility_id`` (or ``dist_m_<cat>`` / ``facility_id_<cat>``)
        and, in network mode, ``snap_m``; ``attrs["metric_epsg"]`` says the CRS.

    Raises
    ------
    InputError
        A layer without a CRS or without features.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> school = gpd.GeoDataFrame({"name": ["一小"], "category": ["小学"]},
    ...                           geometry=[shapely.Point(520500, 4330500)], crs=4548)
    >>> homes = gpd.GeoDataFrame({"home": ["h1", "h2"]},
    ...                          geometry=[shapely.Point(520500, 4330800), shapely.Point(520900, 4330500)], crs=4548)
    >>> out = accessibility(school, homes)
    >>> out[["home", "dist_m_小学", "facility_id_小学"]].to_dict("records")
    [{'home': 'h1', 'dist_m_小学': 300.0, 'facility_id_小学': '一小'}, {'home': 'h2', 'dist_m_小学': 400.0, 'facility_id_小学': '一小'}]
    >>> out.attrs["metric_epsg"]
    4548
    """
    if epsg is not None:
        net = net.to_crs(epsg) if net is not None else None
    elif net is not None:
        epsg = net.crs
    else:
        wgs = to_metric_gdf(origins, "origins", STORAGE_EPSG)
        epsg = metric_epsg_for_geometry(shapely.box(*wgs.total_bounds)) if len(wgs) else METRIC_EPSG
    fac = to_metric_gdf(facilities, "facilities", epsg).reset_index(drop=True)
    org = to_metric_gdf(origins, "origins", epsg).reset_index(drop=True)
    if len(fac) == 0:
        raise InputError("The facilities layer has no features.", "设施图层没有要素。")
    if len(org) == 0:
        raise InputError("The origins layer has no features.", "起点图层没有要素。")
    id_series, _ = facility_ids(fac, id_col)
    ids: ObjectArray = id_series.to_numpy(dtype=object)
    fxy, oxy = points_xy(fac), points_xy(org)
    out = org.copy()
    groups: list[tuple[str | None, IntArray]] = [(None, np.arange(len(fac)))]
    if category_col in fac.columns:
        cats = fac[category_col].astype(str)
        groups = [(c, np.flatnonzero(cats.to_numpy() == c)) for c in sorted(cats.unique())]
    osnap = None
    fsnap_all = None
    if net is not None:
        osnap = net.snap(oxy, max_snap=max_snap)
        fsnap_all = net.snap(fxy, max_snap=max_snap)
        out["snap_m"] = np.round(osnap.dist, 2)
        if osnap.n_refused:
            warnings.warn(
                f"{osnap.n_refused} origins are farther than {max_snap:.0f} m from the network "
                f"and get no distance",
                NetworkWarning,
                stacklevel=2,
            )
        if fsnap_all.n_refused:
            warnings.warn(
                f"{fsnap_all.n_refused} facilities are farther than {max_snap:.0f} m from the "
                f"network and were ignored: {list(ids[~fsnap_all.ok][:10])}",
                NetworkWarning,
                stacklevel=2,
            )
    for name, idx in groups:
        sfx = "" if name is None else f"_{name}"
        if net is None:
            tree = shapely.STRtree(shapely.points(fxy[idx]))
            (oi, fi), d = tree.query_nearest(shapely.points(oxy), return_distance=True, all_matches=False)
            dist = np.full(len(org), np.nan)
            who = np.full(len(org), -1, dtype=np.int64)
            dist[oi], who[oi] = d, idx[fi]
            dist[dist > cutoff] = np.nan
        elif fsnap_all is not None and osnap is not None:
            fs = fsnap_all.subset(idx)
            nd = net.node_distances(fs, cutoff, count_snap=count_snap)
            d, w = net.point_distances(nd, fs, osnap, count_snap=count_snap)
            dist = np.where(np.isfinite(d), d, np.nan)
            who = np.where(w >= 0, idx[np.clip(w, 0, None)], -1)
        out[f"dist_m{sfx}"] = np.round(dist, 2)
        out[f"facility_id{sfx}"] = np.concatenate([ids, np.array([None], dtype=object)])[who]
    cols = [c for c in out.columns if c != out.geometry.name] + [out.geometry.name]
    out = out[cols].to_crs(STORAGE_EPSG)
    out.attrs["metric_epsg"] = int(epsg)
    return out
