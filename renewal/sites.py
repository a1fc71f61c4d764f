"""The renewal-site catalogue (更新项目): its fields, validation of a site, and queries.

A *site* is one renewal-related item the plan names (a renewal area, a plot, a
factory, a park, a pipe, a river), with the plan's words, the clause, status,
``precision`` and ``position_source``. The bundled catalogue is
``geodata.load("renewal_sites")``; planners' edits live in the workspace store
(:mod:`renewal.store`). :func:`current_sites` returns whichever applies.

Validation (:func:`validate_site`) is the one gate every edit and import
passes: a name, a known status and precision, a geometry that is valid (or
safely repairable) and lies in or near the district. Bad input raises
:class:`~renewal.errors.InputError` and changes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
import shapely.errors
import shapely.geometry
from shapely.geometry.base import BaseGeometry

import geodata
from renewal.crs import METRIC_EPSG, STORAGE_EPSG, area_m2, geometry_to_metric, length_m
from renewal.errors import InputError

#: Site types (Chinese), in display order.
SITE_TYPES = ("片区更新", "片区地块", "产业载体", "微更新", "老旧厂房", "保障性住房", "市政设施", "生态环境")

#: The four renewal areas of chapter 6 section 2.
RENEWAL_AREAS = ("天津站片区", "大直沽片区", "富民路片区", "金贸产业园片区")

#: Text attributes of a site, in column order (``site_id`` first).
TEXT_FIELDS = (
    "site_id", "name", "site_type", "category", "renewal_area", "plan_clause", "plan_text", "status",
    "precision", "position_source", "location_confidence", "source", "zone", "works", "tod", "plan_note",
)
#: Numeric plan figures a site may carry.
NUMBER_FIELDS = ("length_plan_m", "depth_plan_m", "road_count_plan")
SITE_FIELDS = TEXT_FIELDS + NUMBER_FIELDS

#: Fields a planner edits in the UI.
EDITABLE_FIELDS = ("name", "site_type", "renewal_area", "status", "precision", "position_source", "plan_note")

#: Chinese labels of the fields (tables, cards, spreadsheets).
FIELD_LABELS = {
    "site_id": "编号", "name": "名称", "site_type": "类型", "category": "类别", "renewal_area": "所属更新片区",
    "plan_clause": "规划条款", "plan_text": "规划原文", "status": "状态", "precision": "定位精度",
    "position_source": "定位依据", "location_confidence": "位置可信度", "source": "来源", "zone": "金贸园区片区",
    "works": "工程类别", "tod": "TOD项目", "plan_note": "备注", "length_plan_m": "规划长度（米）",
    "depth_plan_m": "规划水深（米）", "road_count_plan": "规划道路条数", "area_m2": "计算面积（㎡）",
    "length_m": "计算长度（米）", "version": "版本",
}

#: How far outside the district polygon a site may reach (metres): lines along the Haihe edge.
NEAR_DISTRICT_M = 200.0
#: Largest relative area change accepted when repairing an invalid polygon.
MAX_REPAIR_CHANGE = 0.01

_STATUS_BY_LABEL = {v: k for k, v in geodata.STATUS_LABELS.items()}
_PRECISION_BY_LABEL = {v: k for k, v in geodata.PRECISION_LABELS.items()}


# --------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------

def bundled_sites() -> gpd.GeoDataFrame:
    """The bundled catalogue (read-only), with every site field present."""
    return normalise_columns(geodata.load("renewal_sites"))


def current_sites(workspace: Path | None = None) -> gpd.GeoDataFrame:
    """Workspace sites if a store exists there, else the bundled catalogue.

    ``workspace`` defaults to :func:`renewal.settings.workspace_dir`. Never
    creates a store (reading must not write).
    """
    from renewal.store import Store, store_path

    path = store_path(workspace)
    if path.exists():
        return Store(path).sites()
    return bundled_sites()


def normalise_columns(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``gdf`` with every site field (missing text as "", numbers as NaN), site fields first."""
    gdf = gdf.copy()
    for f in TEXT_FIELDS:
        if f not in gdf.columns:
            gdf[f] = ""
        gdf[f] = gdf[f].map(_clean_text)
    for f in NUMBER_FIELDS:
        if f not in gdf.columns:
            gdf[f] = math.nan
        gdf[f] = pd.to_numeric(gdf[f], errors="coerce")
    extra = [c for c in gdf.columns if c not in SITE_FIELDS and c != gdf.geometry.name]
    return gdf[[*SITE_FIELDS, *extra, gdf.geometry.name]]


def _clean_text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@cache
def _district_metric() -> BaseGeometry:
    return geometry_to_metric(geodata.load("district").geometry.union_all())


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------

def repair_geometry(geom: BaseGeometry) -> tuple[BaseGeometry, str]:
    """Return a valid geometry and a note ("" if nothing changed).

    An invalid polygon is repaired with :func:`shapely.make_valid` only when
    the repaired area differs from the drawn one by less than
    :data:`MAX_REPAIR_CHANGE` (e.g. a duplicated vertex or a tiny loop);
    otherwise (a bow-tie, a figure eight) it is refused.
    """
    if geom.is_valid:
        return geom, ""
    reason = shapely.is_valid_reason(geom)
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        fixed = shapely.make_valid(geom)
        polys = [g for g in getattr(fixed, "geoms", [fixed]) if g.geom_type in ("Polygon", "MultiPolygon")]
        fixed = shapely.union_all(polys) if polys else None
        before, after = abs(area_m2(geom)), (area_m2(fixed) if fixed is not None else 0.0)
        change = abs(after - before) / max(before, after) if max(before, after) > 0 else 1.0
        if fixed is not None and not fixed.is_empty and fixed.is_valid and change < MAX_REPAIR_CHANGE:
            return fixed, f"repaired ({reason}); area changed {change:.2%}"
        raise InputError(
            f"The polygon intersects itself and cannot be repaired safely ({reason}; repair would change "
            f"its area by {change:.0%}). Redraw it without crossing edges.",
            f"多边形自相交，无法安全修复（修复会使面积改变约{change:.0%}）。请重新绘制，边线不要交叉。",
        )
    raise InputError(f"Invalid geometry: {reason}", f"几何图形无效：{reason}")


def check_geometry(geom) -> tuple[BaseGeometry, str]:
    """Validate one WGS84 geometry: present, finite, valid (or safely repaired), in or near the district."""
    if geom is None or (not isinstance(geom, BaseGeometry)) or geom.is_empty:
        raise InputError("The site has no geometry.", "该项目没有几何图形（位置或范围）。")
    minx, miny, maxx, maxy = geom.bounds
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)) or not (
        -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90
    ):
        raise InputError(
            f"Coordinates are not longitude/latitude (bounds {geom.bounds}).",
            "坐标不是经纬度（WGS84），请检查坐标系。",
        )
    geom, note = repair_geometry(geom)
    dist = geometry_to_metric(geom).distance(_district_metric())
    if dist > NEAR_DISTRICT_M:
        raise InputError(
            f"The geometry lies {dist / 1000:.1f} km outside Hedong District (limit {NEAR_DISTRICT_M:.0f} m). "
            "Check the position and the coordinate system (WGS84, GCJ-02 or BD-09).",
            f"图形位于河东区界外约{dist / 1000:.1f}公里（允许{NEAR_DISTRICT_M:.0f}米以内）。请检查位置和坐标系。",
        )
    return geom, note


def _known(value, labels: Mapping[str, str], by_label: Mapping[str, str]) -> str | None:
    text = _clean_text(value)
    if text in labels:
        return text
    return by_label.get(text)


def validate_site(props: Mapping, geom) -> tuple[dict, BaseGeometry, list[str]]:
    """Check a site's attributes and geometry; return (clean props, geometry, notes).

    Status and precision may be given as keys or Chinese labels. Raises
    :class:`InputError` listing every problem.
    """
    clean = {f: _clean_text(props.get(f)) for f in TEXT_FIELDS}
    problems_en: list[str] = []
    problems_zh: list[str] = []
    for f in NUMBER_FIELDS:
        text = _clean_text(props.get(f))
        number = pd.to_numeric(text, errors="coerce") if text else math.nan
        if text and (pd.isna(number) or not math.isfinite(float(number))):
            problems_en.append(f"{f} is not a number: {text!r}")
            problems_zh.append(f"{FIELD_LABELS[f]}不是数字：{text}")
            number = math.nan
        clean[f] = float(number)
    if not clean["name"]:
        problems_en.append("the name is empty")
        problems_zh.append("名称不能为空")
    status = _known(props.get("status"), geodata.STATUS_LABELS, _STATUS_BY_LABEL)
    if status is None:
        problems_en.append(f"unknown status {clean['status']!r} (use one of {', '.join(geodata.STATUS_LABELS)})")
        problems_zh.append(f"未知状态“{clean['status']}”（可选：{'、'.join(geodata.STATUS_LABELS.values())}）")
    else:
        clean["status"] = status
    precision = _known(props.get("precision") or "approximate", geodata.PRECISION_LABELS, _PRECISION_BY_LABEL)
    if precision is None:
        problems_en.append(f"unknown precision {clean['precision']!r}")
        problems_zh.append(f"未知定位精度“{clean['precision']}”")
    else:
        clean["precision"] = precision
    if clean["renewal_area"] and clean["renewal_area"] not in RENEWAL_AREAS:
        problems_en.append(f"unknown renewal area {clean['renewal_area']!r}")
        problems_zh.append(f"未知更新片区“{clean['renewal_area']}”")
    notes: list[str] = []
    try:
        geom, note = check_geometry(geom)
        if note:
            notes.append(note)
    except InputError as err:
        problems_en.append(err.message_en)
        problems_zh.append(err.message_zh)
    if problems_en:
        raise InputError(
            "Invalid site: " + "; ".join(problems_en),
            "项目数据有误：" + "；".join(problems_zh),
            details=problems_en,
        )
    return clean, geom, notes


# --------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------

def with_measures(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add ``area_m2`` (polygons) and ``length_m`` (lines), computed in EPSG:4548; NaN otherwise."""
    out = gdf.copy()
    if out.empty:
        out["area_m2"] = pd.Series(dtype=float)
        out["length_m"] = pd.Series(dtype=float)
        return out
    metric = out.geometry.to_crs(METRIC_EPSG)
    types = out.geom_type
    out["area_m2"] = metric.area.where(types.isin(["Polygon", "MultiPolygon"])).round(0)
    out["length_m"] = metric.length.where(types.isin(["LineString", "MultiLineString"])).round(0)
    return out


def filter_sites(
    gdf: gpd.GeoDataFrame,
    *,
    areas: Iterable[str] = (),
    types: Iterable[str] = (),
    statuses: Iterable[str] = (),
    query: str = "",
) -> gpd.GeoDataFrame:
    """Sites matching every given filter (empty filter: no restriction); ``query`` searches name and id."""
    mask = pd.Series(True, index=gdf.index)
    areas, types, statuses = list(areas), list(types), list(statuses)
    if areas:
        mask &= gdf["renewal_area"].isin(areas)
    if types:
        mask &= gdf["site_type"].isin(types)
    if statuses:
        mask &= gdf["status"].isin(statuses)
    q = query.strip().lower()
    if q:
        mask &= gdf["name"].str.lower().str.contains(q, regex=False) | gdf["site_id"].str.lower().str.contains(
            q, regex=False)
    return gdf[mask]


def site_card(row: Mapping) -> dict[str, str]:
    """The detail card of one site: Chinese label -> display text (plain text, not HTML)."""
    geom = row.get("geometry")
    card = {
        "名称": _clean_text(row.get("name")),
        "编号": _clean_text(row.get("site_id")),
        "类型": _clean_text(row.get("site_type")),
        "所属更新片区": _clean_text(row.get("renewal_area")) or "—",
        "规划条款": _clean_text(row.get("plan_clause")),
        "规划原文": _clean_text(row.get("plan_text")),
        "状态": geodata.STATUS_LABELS.get(_clean_text(row.get("status")), _clean_text(row.get("status"))),
        "定位精度": geodata.PRECISION_LABELS.get(_clean_text(row.get("precision")),
                                             _clean_text(row.get("precision"))),
        "定位依据": _clean_text(row.get("position_source")),
    }
    if geom is not None and not geom.is_empty:
        if geom.geom_type in ("Polygon", "MultiPolygon"):
            card["计算面积"] = f"{area_m2(geom):,.0f} ㎡（EPSG:4548）"
        elif geom.geom_type in ("LineString", "MultiLineString"):
            card["计算长度"] = f"{length_m(geom):,.0f} 米（EPSG:4548）"
    for f in NUMBER_FIELDS:
        v = row.get(f)
        if v is not None and pd.notna(v):
            card[FIELD_LABELS[f]] = f"{float(v):g}"
    if _clean_text(row.get("location_confidence")):
        card["位置可信度"] = _clean_text(row.get("location_confidence"))
    return card


#: Shown instead of an empty plan text (a site added by a planner has no words of the plan).
NO_PLAN_TEXT = "（规划人员新增，无规划原文）"

_MARKDOWN_SPECIAL = set("\\`*_{}[]()#+-.!|~$<>&")


def markdown_literal(text) -> str:
    """``text`` escaped for Streamlit's Markdown so it shows literally (``*`` ``_`` ``~`` ``$`` backticks, ``<``...).

    Every ASCII punctuation mark Markdown (CommonMark, math, HTML) could act on gets a backslash;
    line breaks are kept as hard breaks.
    """
    out = "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in _clean_text(text))
    return "  \n".join(out.splitlines())


def plan_text_or_note(row: Mapping) -> str:
    """The plan's words of a site, or :data:`NO_PLAN_TEXT` when there are none."""
    return _clean_text(row.get("plan_text")) or NO_PLAN_TEXT


def next_site_id(existing: Iterable[str]) -> str:
    """The next free ``RS-NNN`` id."""
    nums = [int(s[3:]) for s in existing if isinstance(s, str) and s.startswith("RS-") and s[3:].isdigit()]
    return f"RS-{max(nums, default=0) + 1:03d}"


def empty_sites() -> gpd.GeoDataFrame:
    """An empty site table with the catalogue's columns."""
    return gpd.GeoDataFrame({f: pd.Series(dtype=object if f in TEXT_FIELDS else float) for f in SITE_FIELDS},
                            geometry=gpd.GeoSeries([], crs=STORAGE_EPSG))


# --------------------------------------------------------------------------
# Helpers for the 更新项目 page (pure: no Streamlit)
# --------------------------------------------------------------------------

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


def geometry_from_drawings(features: list | None, display_crs: str = "wgs84") -> tuple[BaseGeometry | None, str]:
    """One WGS84 geometry from the GeoJSON features drawn or edited on the map, and a note.

    Features of the highest dimension win (a polygon drawn over a point
    replaces it); several of them become a Multi-geometry. ``display_crs`` is
    the coordinate system the map showed (``gcj02`` over Amap tiles): drawn
    numbers are converted back to WGS84.
    """
    from renewal.crs import geometry_from_web

    geoms = []
    for f in features or []:
        g = (f or {}).get("geometry")
        if not g:
            continue
        try:
            geoms.append(shapely.geometry.shape(g))
        except (ValueError, TypeError, AttributeError, KeyError, shapely.errors.ShapelyError):
            continue
    geoms = [g for g in geoms if not g.is_empty]
    if not geoms:
        return None, ""
    dim = max(shapely.get_dimensions(g) for g in geoms)
    keep = [g for g in geoms if shapely.get_dimensions(g) == dim]
    note = f"地图上有{len(geoms)}个图形，使用其中{len(keep)}个{('面', '线', '点')[2 - dim]}状图形" if len(
        keep) != len(geoms) else ""
    parts = []
    for g in keep:
        parts.extend(getattr(g, "geoms", [g]))
    cls = {0: shapely.geometry.MultiPoint, 1: shapely.geometry.MultiLineString, 2: shapely.geometry.MultiPolygon}
    geom = parts[0] if len(parts) == 1 else cls[dim](parts)
    if display_crs != "wgs84":
        geom = geometry_from_web(geom, display_crs)
    return geom, note


_DIM_WORDS = ("点", "线", "面")


def drawing_for_site(features: list | None, site_geom: BaseGeometry | None,
                     display_crs: str = "wgs84") -> tuple[BaseGeometry | None, str]:
    """The drawn geometry to save for a site, or (None, Chinese warning) when it is not clear which.

    Only drawn features of the site's kind (point, line or polygon) count. The drawing is used when
    exactly one of them is on the map, or when there are as many as the site has parts (its parts,
    reshaped). Anything else (none, or a new shape drawn beside the existing one) is ambiguous: the
    caller must not change the geometry.
    """
    if site_geom is None or site_geom.is_empty:
        return geometry_from_drawings(features, display_crs)[0], ""
    dim = int(shapely.get_dimensions(site_geom))
    word = _DIM_WORDS[dim]
    same = []
    for f in features or []:
        g = (f or {}).get("geometry")
        try:
            shp = shapely.geometry.shape(g) if g else None
        except (ValueError, TypeError, AttributeError, KeyError, shapely.errors.ShapelyError):
            shp = None
        if shp is not None and not shp.is_empty and int(shapely.get_dimensions(shp)) == dim:
            same.append(f)
    parts = len(getattr(site_geom, "geoms", [site_geom]))
    if not same:
        return None, f"地图上没有{word}状图形（该项目为{word}状），图形未修改。"
    if len(same) != 1 and len(same) != parts:
        return None, (f"地图上有{len(same)}个{word}状图形，无法确定使用哪一个，图形未修改。"
                      "请删除多余的图形，只保留一个后再保存。")
    return geometry_from_drawings(same, display_crs)[0], ""


def drawing_key(feature: Mapping | None) -> str:
    """A fingerprint of a drawn feature's geometry ("" if it has none), to recognise the same drawing again."""
    import hashlib
    import json

    geom = (feature or {}).get("geometry")
    if not geom:
        return ""
    return hashlib.sha256(json.dumps(geom, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:32]


def unused_drawing(feature: Mapping | None, used: Iterable[str]) -> Mapping | None:
    """``feature`` if it is a new drawing (not a clicked site, not already used for 新增), else None."""
    key = drawing_key(feature)
    if not key or clicked_site_id(feature) or key in set(used):
        return None
    return feature


def clicked_site_id(feature: Mapping | None) -> str | None:
    """The site id of a feature clicked on the map (the renderer copies it to ``_id``), else None."""
    if not feature:
        return None
    props = feature.get("properties") or {}
    if props.get("_layer") not in ("renewal_sites", "renewal_site_selected"):
        return None
    sid = props.get("_id")
    return str(sid) if sid else None


def focus_extent(gdf: gpd.GeoDataFrame, margin_m: float = 300.0) -> gpd.GeoDataFrame:
    """A WGS84 frame around ``gdf`` grown by ``margin_m`` (so a single point does not zoom to the maximum)."""
    if gdf.empty:
        return gdf
    hull = gdf.to_crs(METRIC_EPSG).geometry.union_all().envelope.buffer(margin_m)
    return gpd.GeoDataFrame(geometry=[hull], crs=METRIC_EPSG).to_crs(STORAGE_EPSG)


def resolve_selection(current: str | None, *, table_pick: str | None, last_table_pick: str | None,
                      map_pick: str | None, last_map_pick: str | None, visible: Iterable[str]) -> str | None:
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


ACTION_LABELS = {"create": "新增", "update": "修改", "delete": "删除", "import": "导入", "undo": "撤销"}


def history_table(changes) -> pd.DataFrame:
    """History rows (:class:`renewal.store.Change`) as a plain-text table with Chinese headers."""
    return pd.DataFrame({
        "时间（UTC）": [c.at for c in changes],
        "会话": [c.session for c in changes],
        "操作": [ACTION_LABELS.get(c.action, c.action) for c in changes],
        "编号": [c.site_id for c in changes],
        "名称": [((c.after or c.before or {}).get("properties") or {}).get("name", "") for c in changes],
        "已撤销": ["是" if c.undone_by else "" for c in changes],
    }, dtype=str)
