"""Queries on the site catalogue: the bundled catalogue, measures, filters, the detail card.

Planners' edits live in the workspace store (:mod:`renewal.storage`);
:func:`renewal.storage.current_sites` returns the workspace catalogue or this
module's :func:`bundled_sites`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

import geodata
from renewal.crs import METRIC_EPSG, area_m2, length_m, to_metric, to_storage
from renewal.sites.schema import FIELD_LABELS, NO_PLAN_TEXT, NUMBER_FIELDS, clean_text, normalise_columns


def bundled_sites() -> gpd.GeoDataFrame:
    """The bundled catalogue (read-only), with every site field present."""
    return normalise_columns(geodata.load("renewal_sites"))


def with_measures(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add ``area_m2`` (polygons) and ``length_m`` (lines), computed in EPSG:4548; NaN otherwise."""
    out = gdf.copy()
    if out.empty:
        out["area_m2"] = pd.Series(dtype=float)
        out["length_m"] = pd.Series(dtype=float)
        return out
    metric = to_metric(out.geometry)
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
    """Sites matching every given filter (empty filter: no restriction); ``query`` see :func:`matches`."""
    mask = pd.Series(True, index=gdf.index)
    areas, types, statuses = list(areas), list(types), list(statuses)
    if areas:
        mask &= gdf["renewal_area"].isin(areas)
    if types:
        mask &= gdf["site_type"].isin(types)
    if statuses:
        mask &= gdf["status"].isin(statuses)
    q = search_key(query)
    if q:
        mask &= gdf.apply(lambda row: matches(row, q), axis=1).astype(bool) if len(gdf) else mask
    return gdf[mask]


#: Fields the search reads: short ones match by abbreviation too (保障房 finds 保障性住房), long ones by substring.
SEARCH_SHORT_FIELDS = ("site_id", "name", "site_type", "renewal_area", "category")
SEARCH_LONG_FIELDS = ("plan_text", "plan_clause", "plan_note")
_SEARCH_IGNORED = str.maketrans("", "", " -_－—·、\t")


def search_key(text: object) -> str:
    """Search text folded for matching: lower case, without spaces, hyphens and underscores (RS035 = RS-035)."""
    return clean_text(text).lower().translate(_SEARCH_IGNORED)


def _in_order(query: str, text: str) -> bool:
    chars = iter(text)
    return all(c in chars for c in query)


def matches(row: Mapping[str, Any], query: str) -> bool:
    """Whether a site matches a folded search ``query`` (:func:`search_key`).

    Id, name, type, renewal area and category match when they contain the query, or (for a query
    of two or more characters) its characters in order, as an abbreviation; the plan's words,
    clause and note when they contain it.
    """
    for f in SEARCH_SHORT_FIELDS:
        text = search_key(row.get(f))
        if query in text or (len(query) > 1 and _in_order(query, text)):
            return True
    return any(query in search_key(row.get(f)) for f in SEARCH_LONG_FIELDS)


def site_card(row: Mapping[str, Any]) -> dict[str, str]:
    """The detail card of one site: Chinese label -> display text (plain text, not HTML)."""
    geom = row.get("geometry")
    card = {
        "名称": clean_text(row.get("name")),
        "编号": clean_text(row.get("site_id")),
        "类型": clean_text(row.get("site_type")),
        "所属更新片区": clean_text(row.get("renewal_area")) or "—",
        "规划条款": clean_text(row.get("plan_clause")),
        "规划原文": clean_text(row.get("plan_text")),
        "状态": geodata.STATUS_LABELS.get(clean_text(row.get("status")), clean_text(row.get("status"))),
        "定位精度": geodata.PRECISION_LABELS.get(
            clean_text(row.get("precision")), clean_text(row.get("precision"))
        ),
        "定位依据": clean_text(row.get("position_source")),
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
    if clean_text(row.get("location_confidence")):
        conf = clean_text(row.get("location_confidence"))
        card["位置可信度"] = geodata.CONFIDENCE_LABELS.get(conf, conf)  # a code (low …) by its label
    return card


def plan_text_or_note(row: Mapping[str, Any]) -> str:
    """The plan's words of a site, or :data:`NO_PLAN_TEXT` when there are none."""
    return clean_text(row.get("plan_text")) or NO_PLAN_TEXT


def focus_extent(
    gdf: gpd.GeoDataFrame, margin_m: float = 300.0, min_span_m: float = 1500.0
) -> gpd.GeoDataFrame:
    """A WGS84 frame around ``gdf`` grown by ``margin_m`` and to at least ``min_span_m`` each way, so a
    single point or a small plot is shown with its neighbourhood (streets, stations, other sites)."""
    if gdf.empty:
        return gdf
    minx, miny, maxx, maxy = to_metric(gdf).total_bounds  # the envelope of all
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    half_w = max((maxx - minx) / 2 + margin_m, min_span_m / 2)
    half_h = max((maxy - miny) / 2 + margin_m, min_span_m / 2)
    hull = shapely.box(cx - half_w, cy - half_h, cx + half_w, cy + half_h)
    return to_storage(gpd.GeoDataFrame(geometry=[hull], crs=METRIC_EPSG))
