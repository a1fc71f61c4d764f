"""Pure helpers of the 生活圈覆盖 page (no Streamlit): inputs, readiness, map layers, census figures."""

from __future__ import annotations

import hashlib

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import geodata
from renewal.analysis.facilities import FACILITY_FIELDS
from renewal.analysis.polygons import polygon_parts, union_on_grid
from renewal.crs import METRIC_EPSG, STORAGE_EPSG, to_metric, to_storage
from renewal.standards import Standards

#: Circle choices: "standard" = each category at its own life circle.
STANDARD_CIRCLE = "standard"


def facilities_key(gdf: gpd.GeoDataFrame) -> str:
    """A stable hash of a facility layer (ids, categories, positions) for cache keys."""
    h = hashlib.sha1()
    for fid, cat, geom in zip(gdf["facility_id"], gdf["category"], gdf.geometry, strict=True):
        h.update(f"{fid}|{cat}|".encode())
        h.update(shapely.to_wkb(geom))
    return h.hexdigest()


def circle_cutoffs(standards: Standards, circle: str, mode: str) -> dict[str, float]:
    """Distances per category for a life-circle choice (standard: each category's own distance)."""
    if circle == STANDARD_CIRCLE:
        return {k: standards.distance(k, mode) for k in standards.categories}
    walk = float(standards.life_circles[circle]["walk_m"])
    return {k: walk for k in standards.categories}


def search_cutoffs(standards: Standards, mode: str) -> dict[str, float]:
    """The one distance to search with, per category: the largest any circle choice needs."""
    choices = [STANDARD_CIRCLE, *standards.life_circles]
    return {k: max(circle_cutoffs(standards, c, mode)[k] for c in choices) for k in standards.categories}


def source_counts(fac: gpd.GeoDataFrame) -> pd.DataFrame:
    """Facilities by category and source (the readiness panel)."""
    if fac.empty:
        return pd.DataFrame(columns=["设施类别", "数据来源", "设施数"])
    t = fac.groupby(["name_zh", "source_zh"]).size().reset_index(name="设施数")
    return t.rename(columns={"name_zh": "设施类别", "source_zh": "数据来源"})


def readiness_rows(
    *, existing: int, plan: int, network: dict | None, population: str, zones: str
) -> pd.DataFrame:
    """Which inputs are loaded; for each missing one what it adds and how to load it."""
    yes, no = "已加载", "未加载"
    rows = [
        {
            "输入": "规划设施（内置）",
            "状态": f"{yes}：{plan}处（位置示意）",
            "作用": "规划新建学校、养老设施的示意覆盖",
            "如何加载": "内置，无需操作",
        },
        {
            "输入": "现状设施",
            "状态": f"{yes}：{existing}处" if existing else no,
            "作用": "全区实际覆盖与缺口（没有现状设施时结果不是全区实际覆盖）",
            "如何加载": "下方“导入设施清单”上传 Excel/CSV/GeoJSON/GeoPackage/Shapefile；"
            "或命令行 python -m renewal import-osm 文件.osm.pbf",
        },
        {
            "输入": "步行路网",
            "状态": f"{yes}：{network['nodes']}个节点，{network['length_m'] / 1000:.0f}公里"
            if network
            else no,
            "作用": "按实际步行距离计算（步行网络模式），服务范围为可达街道",
            "如何加载": "命令行 python -m renewal import-osm 文件.osm.pbf（或 import-network）",
        },
        {
            "输入": "人口",
            "状态": population or no,
            "作用": "人口覆盖率、按人口选址",
            "如何加载": "下方“人口与分区”上传人口栅格（GeoTIFF）或带人口字段的面",
        },
        {
            "输入": "分区（街道/社区）",
            "状态": zones or no,
            "作用": "分区覆盖率、未达标分区清单",
            "如何加载": "下方“人口与分区”上传分区面文件（GeoJSON/GeoPackage/Shapefile）",
        },
    ]
    return pd.DataFrame(rows)


def census_summary() -> dict:
    """Hedong's 2020 census figures (district totals) as numbers."""
    row = geodata.load_table("census2020_hedong").iloc[0]
    num = {k: float(v) for k, v in row.items() if k not in ("code", "name")}
    return {"name": row["name"], **num}


CENSUS_BESIDE = {  # which census figure a category's coverage is read against
    "kindergarten": ("n_age1_4", "1–4岁儿童"),
    "primary_school": ("n_age5_9", "5–9岁儿童"),
    "middle_school": ("n_age10_14", "10–14岁少年"),
    "elderly_day_care": ("n_60p", "60岁及以上老人"),
    "nursing_home": ("n_60p", "60岁及以上老人"),
    "elderly_care_home": ("n_80p", "80岁及以上老人"),
    "health_centre": ("pop_2020", "常住人口"),
    "health_station": ("pop_2020", "常住人口"),
}


def census_beside(stats: pd.DataFrame, census: dict) -> pd.DataFrame:
    """Each category's land coverage beside the census group it serves (2020, district totals)."""
    rows = []
    for _, r in stats.iterrows():
        field, label = CENSUS_BESIDE.get(r["category"], ("pop_2020", "常住人口"))
        rows.append(
            {
                "设施类别": r["name_zh"],
                "服务人群（2020普查）": label,
                "全区人数": int(round(census[field])),
                "用地覆盖率（%）": round(float(r["land_share"]) * 100, 1),
            }
        )
    return pd.DataFrame(rows)


def population_check(total: float, census_total: float) -> str:
    """A Chinese warning when an imported population differs from the census by more than 30 %."""
    if census_total <= 0 or not np.isfinite(total):
        return ""
    diff = total / census_total - 1
    if abs(diff) > 0.3:
        return (
            f"导入人口合计 {total:,.0f} 人，与2020年普查常住人口 {census_total:,.0f} 人相差 {diff:+.0%}"
            "（超过30%）：请检查人口数据的范围、单位或坐标系。"
        )
    return ""


#: The fixed precision grid (metres) of the what-if's polygon overlay: snapping both sides to one grid
#: keeps GEOS from failing on nearly coincident edges ("TopologyException: side location conflict").
OVERLAY_GRID_M = 0.01


def gained_area(before, after, categories) -> gpd.GeoDataFrame:
    """Area newly covered after a what-if (gaps before minus gaps after), per category, WGS84."""
    rows = []
    for key in categories:
        b = before.gaps[before.gaps["category"] == key]
        a = after.gaps[after.gaps["category"] == key]
        if b.empty:
            continue
        before_m, after_m = (union_on_grid(to_metric(g).geometry.values, OVERLAY_GRID_M) for g in (b, a))
        diff = shapely.difference(before_m, after_m, grid_size=OVERLAY_GRID_M)
        diff = shapely.union_all(polygon_parts([diff]), grid_size=OVERLAY_GRID_M)
        if diff.is_empty or diff.area < 1:
            continue
        rows.append(
            {
                "category": key,
                "name_zh": b["name_zh"].iat[0],
                "area_m2": round(diff.area, 1),
                "geometry": diff,
            }
        )
    if not rows:
        return gpd.GeoDataFrame({"category": [], "name_zh": [], "area_m2": []}, geometry=[], crs=STORAGE_EPSG)
    return to_storage(gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC_EPSG))


def added_facilities(items: list[dict], standards: Standards) -> gpd.GeoDataFrame:
    """The what-if additions (dicts with name, category, lon, lat) as a facility layer."""
    if not items:
        return gpd.GeoDataFrame({c: [] for c in FACILITY_FIELDS}, geometry=[], crs=STORAGE_EPSG)
    rows = [
        {
            "facility_id": f"NEW{i + 1}",
            "name": it["name"],
            "category": it["category"],
            "name_zh": standards.categories[it["category"]].name_zh,
            "address": "",
            "status": "假设",
            "source_zh": "假设新增",
            "precision": "",
            "geometry": shapely.Point(it["lon"], it["lat"]),
        }
        for i, it in enumerate(items)
    ]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=STORAGE_EPSG)


def site_points(sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Renewal sites as candidate points (a point inside each polygon or on each line), WGS84."""
    g = sites[["site_id", "name", "geometry"]].copy()
    g["geometry"] = to_storage(to_metric(g).geometry.representative_point()).values
    return gpd.GeoDataFrame(g, geometry="geometry", crs=STORAGE_EPSG).reset_index(drop=True)


def clicked_points(items: list[dict]) -> gpd.GeoDataFrame:
    """Siting candidates clicked on the map (dicts with name, lon, lat) with ``site_id`` C1, C2…"""
    return gpd.GeoDataFrame(
        {"site_id": [f"C{i + 1}" for i in range(len(items))], "name": [it["name"] for it in items]},
        geometry=[shapely.Point(it["lon"], it["lat"]) for it in items],
        crs=STORAGE_EPSG,
    )


def scenario_label(added: list[dict], removed: list[str]) -> str:
    """The what-if scenario in Chinese ("" when the result is the current state): what every export says."""
    if not added and not removed:
        return ""
    parts = ([f"假设新增{len(added)}处"] if added else []) + (
        [f"假设撤除{len(removed)}处"] if removed else []
    )
    return "假设情景（" + "、".join(parts) + "，非现状）"


def scenario_table(
    added: list[dict], removed: list[str], fac: gpd.GeoDataFrame, standards: Standards
) -> pd.DataFrame:
    """The scenario's facilities, one row each: what was added (with its position) or removed."""
    names = dict(zip(fac["facility_id"].astype(str), fac["name"].astype(str), strict=True))
    cats = dict(zip(fac["facility_id"].astype(str), fac["name_zh"].astype(str), strict=True))
    rows = [
        {
            "假设": "新增",
            "设施名称": a["name"],
            "设施类别": standards.categories[a["category"]].name_zh,
            "经度": round(float(a["lon"]), 6),
            "纬度": round(float(a["lat"]), 6),
        }
        for a in added
    ]
    rows += [
        {"假设": "撤除", "设施名称": names.get(r, r), "设施类别": cats.get(r, ""), "经度": None, "纬度": None}
        for r in removed
    ]
    return pd.DataFrame(rows, columns=["假设", "设施名称", "设施类别", "经度", "纬度"])


def mark_scenario(sheets: dict, scenario: str, table: pd.DataFrame) -> dict:
    """The report's sheets marked as a scenario: the scenario's facilities on a first sheet, and a 情景
    column first in every table (a sheet copied on its own still says it is not the current state)."""
    if not scenario:
        return sheets
    out = {"假设情景说明": table.assign(说明=scenario)}
    for name, df in sheets.items():
        out[name] = None if df is None else pd.DataFrame(df).assign(情景=scenario)[["情景", *df.columns]]
    return out
