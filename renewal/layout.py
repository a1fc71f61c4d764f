"""Figures about the plan's spatial layout (一站一带一园多点), computed in EPSG:4548."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from geodata import APPROXIMATE_PRECISIONS, PRECISION_LABELS
from renewal.crs import to_metric

if TYPE_CHECKING:
    import geopandas as gpd

ZONE_ORDER = ("东南", "东北", "西南", "西北")


def polygon_areas_m2(gdf: gpd.GeoDataFrame) -> pd.Series:
    """Area of each feature in m², computed in the metric CRS (EPSG:4548)."""
    if gdf.empty:
        return pd.Series(dtype=float)
    return to_metric(gdf).geometry.area


def approx_area_zh(m2: float) -> str:
    """``约 0.9 平方公里``: an area of a schematic outline, never to the square metre."""
    km2 = float(m2) / 1e6
    return f"约 {km2:.1f} 平方公里" if km2 >= 0.1 else f"约 {km2:.2f} 平方公里"


def _jinmao_zones(layout: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    zones = layout[
        (layout["category"] == "园区片区") & layout.geom_type.isin(["Polygon", "MultiPolygon"])
    ].copy()
    zones["area_m2"] = polygon_areas_m2(zones)
    zones["_order"] = zones["zone"].map({z: i for i, z in enumerate(ZONE_ORDER)})
    return zones.sort_values("_order")


def jinmao_zone_areas_m2(layout: gpd.GeoDataFrame) -> pd.Series:
    """The four zones' computed areas (m², EPSG:4548) by zone, in the table's order."""
    zones = _jinmao_zones(layout)
    return pd.Series(zones["area_m2"].values, index=zones["zone"].values)


def jinmao_zone_table(layout: gpd.GeoDataFrame) -> pd.DataFrame:
    """The four zones of 金贸产业园: anchors, industries, area (rounded: 约 … 平方公里, the outlines are
    schematic), plan words, precision."""
    zones = _jinmao_zones(layout)
    return pd.DataFrame(
        {
            "片区": zones["zone"].values,
            "核心单位与项目": zones["anchors"].values,
            "目标产业与业态": zones["industries"].values,
            "示意面积": zones["area_m2"].map(approx_area_zh).values,
            "规划原文": zones["plan_text"].values,
            "定位精度": zones["precision"].map(lambda p: PRECISION_LABELS.get(p, p)).values,
        }
    )


def station_area_summary(layout: gpd.GeoDataFrame) -> dict[str, float | None]:
    """The drawn 站产城融合发展片区 (Hedong part): computed area beside the plan's figure."""
    area = layout[(layout["category"] == "功能片区") & layout["layout"].str.contains("一站")]
    if area.empty:
        return {"drawn_km2": None, "plan_km2": None, "ratio": None}
    drawn = float(polygon_areas_m2(area).sum()) / 1e6
    plan = float(area["plan_area_km2"].iloc[0])
    return {"drawn_km2": drawn, "plan_km2": plan, "ratio": drawn / plan if plan else None}


def layout_counts(layout: gpd.GeoDataFrame) -> pd.DataFrame:
    """How many features each layout element has, and how many are only approximately placed."""
    rows = []
    exploded = layout.assign(_el=layout["layout"].str.split("|")).explode("_el")
    for element in ("一站", "一带", "一园", "多点"):
        part = exploded[exploded["_el"] == element]
        rows.append(
            {
                "布局要素": element,
                "要素数": int(len(part)),
                "其中位置示意": int(part["precision"].isin(APPROXIMATE_PRECISIONS).sum()),
            }
        )
    return pd.DataFrame(rows)
