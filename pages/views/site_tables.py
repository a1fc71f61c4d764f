"""Pure helpers of the 更新项目 page (no Streamlit): the table, the selection, the history table."""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import pandas as pd

import geodata
from renewal.sites.query import with_measures
from renewal.sites.schema import ACTION_LABELS, FIELD_LABELS

TABLE_COLUMNS = ("site_id", "name", "site_type", "renewal_area", "status", "precision", "area_m2", "length_m")


def site_table(gdf: gpd.GeoDataFrame, selected: str | None = None) -> pd.DataFrame:
    """The page's table: a 选中 marker, Chinese headers, status and precision labels, computed measures."""
    m = gdf if "area_m2" in gdf.columns else with_measures(gdf)
    out = pd.DataFrame(m[list(TABLE_COLUMNS)]).reset_index(drop=True)
    out.insert(0, "选中", (out["site_id"] == selected).map({True: "▶", False: ""}) if selected else "")
    out["status"] = out["status"].map(lambda v: geodata.STATUS_LABELS.get(v, v))
    out["precision"] = out["precision"].map(lambda v: geodata.PRECISION_LABELS.get(v, v))
    return out.rename(columns=FIELD_LABELS)


def selected_first(gdf: gpd.GeoDataFrame, selected: str | None) -> gpd.GeoDataFrame:
    """``gdf`` with the selected site's row moved to the top (order otherwise unchanged)."""
    if not selected or selected not in set(gdf["site_id"]):
        return gdf
    top = gdf["site_id"] == selected
    return pd.concat([gdf[top], gdf[~top]])


def resolve_selection(
    current: str | None,
    *,
    table_pick: str | None,
    last_table_pick: str | None,
    map_pick: str | None,
    last_map_pick: str | None,
    visible: Iterable[str],
) -> str | None:
    """Which site is selected after a rerun: a new table pick, else a new map click, else the current one.

    A pick is "new" when it differs from the one seen on the previous run, so
    the table and the map stay in step whichever the user touched last.
    """
    visible = set(visible)
    if table_pick and table_pick != last_table_pick and table_pick in visible:
        return table_pick
    if map_pick and map_pick != last_map_pick and map_pick in visible:
        return map_pick
    return current if current in visible else None


def history_table(changes) -> pd.DataFrame:
    """History rows (:class:`renewal.storage.Change`) as a plain-text table with Chinese headers."""
    return pd.DataFrame(
        {
            "时间（UTC）": [c.at for c in changes],
            "会话": [c.session for c in changes],
            "操作": [ACTION_LABELS.get(c.action, c.action) for c in changes],
            "编号": [c.site_id for c in changes],
            "名称": [((c.after or c.before or {}).get("properties") or {}).get("name", "") for c in changes],
            "已撤销": ["是" if c.undone_by else "" for c in changes],
        },
        dtype=str,
    )
