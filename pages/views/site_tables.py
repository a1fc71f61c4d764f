"""Pure helpers of the 更新项目 page (no Streamlit): the table, the selection, the history table."""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import pandas as pd

import geodata
from renewal.sites.query import with_measures
from renewal.sites.schema import FIELD_LABELS, SITE_FIELDS
from renewal.zh import beijing_time, field_label, person_label, value_label

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


def _props(feature: dict | None) -> dict:
    return (feature or {}).get("properties") or {}


def change_summary(change) -> str:
    """What one change did, field by field: ``状态：规划 → 在建；图形：已修改`` (plain text)."""
    before, after = _props(change.before), _props(change.after)
    if change.before is None and change.after is not None:
        return "新增项目：" + (str(after.get("name") or "") or "（无名称）")
    if change.after is None and change.before is not None:
        return "删除项目：" + (str(before.get("name") or "") or "（无名称）")
    parts = []
    for f in (*SITE_FIELDS, *sorted((set(before) | set(after)) - set(SITE_FIELDS))):
        if f in ("version",):
            continue
        old, new = value_label(f, before.get(f)), value_label(f, after.get(f))
        if old != new:
            parts.append(f"{field_label(f)}：{old or '（空）'} → {new or '（空）'}")
    if (change.before or {}).get("geometry") != (change.after or {}).get("geometry"):
        parts.append("图形：已修改")
    return "；".join(parts) or "无字段变化"


def history_table(changes) -> pd.DataFrame:
    """History rows (:class:`renewal.storage.Change`) as a plain-text table: who, when (北京时间), what was
    done and what changed (before → after per field)."""
    return pd.DataFrame(
        {
            "时间（北京时间）": [beijing_time(c.at) for c in changes],
            "修改人": [person_label(c.session) for c in changes],
            "操作": [value_label("action", c.action) for c in changes],
            "编号": [c.site_id for c in changes],
            "名称": [_props(c.after).get("name") or _props(c.before).get("name") or "" for c in changes],
            "修改内容（修改前 → 修改后）": [change_summary(c) for c in changes],
            "已撤销": ["是" if c.undone_by else "" for c in changes],
        },
        dtype=str,
    )
