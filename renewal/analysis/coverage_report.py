"""Coverage statistics as the tables a planner reads: Chinese headers and labels.

Used by the coverage page (tables on screen, XLSX download) and by
``python -m renewal coverage --report`` so both give the same workbook.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from renewal.errors import notice_zh
from renewal.standards import Standards

if TYPE_CHECKING:
    from renewal.analysis.coverage import CoverageResult

MODE_ZH = {"radius": "服务半径", "network": "步行网络"}
VERIFIED_ZH = {True: "已核对", False: "未核对（请核实）"}

STATS_COLUMNS = {
    "name_zh": "设施类别",
    "circle_zh": "生活圈",
    "mode_zh": "计算方式",
    "cutoff_m": "距离（米）",
    "n_facilities": "设施数",
    "n_refused": "未接入路网设施数",
    "land_area_m2": "用地面积（㎡）",
    "covered_area_m2": "覆盖面积（㎡）",
    "land_pct": "用地覆盖率（%）",
    "population": "人口",
    "covered_population": "覆盖人口",
    "population_pct": "人口覆盖率（%）",
    "clause": "标准条款",
    "verified_zh": "距离核对状态",
}
ZONE_COLUMNS = {
    "zone": "分区",
    "name_zh": "设施类别",
    "cutoff_m": "距离（米）",
    "land_area_m2": "用地面积（㎡）",
    "covered_area_m2": "覆盖面积（㎡）",
    "land_pct": "用地覆盖率（%）",
    "population": "人口",
    "covered_population": "覆盖人口",
    "population_pct": "人口覆盖率（%）",
}


def _pct(series: pd.Series) -> pd.Series:
    return (pd.to_numeric(series, errors="coerce") * 100).round(1)


def circle_label(standards: Standards, category: str, level: str, mode: str, cutoff: float) -> str:
    """The life circle a row was computed at, in Chinese: the category's own level at its own distance,
    else the circle whose walking distance is ``cutoff``, else the distance itself."""
    circles = standards.life_circles
    own = standards.categories.get(category)
    if own is not None and mode in MODE_ZH and float(standards.distance(category, mode)) == float(cutoff):
        return str((circles.get(level) or {}).get("name_zh", level))
    for c in circles.values():
        if c and float(c.get("walk_m", -1)) == float(cutoff):
            return f"{c.get('name_zh', '')}（{float(cutoff):.0f}米）"
    return f"自定义距离（{float(cutoff):.0f}米）"


def stats_zh(stats: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """One row per category with Chinese headers and labels (shares as percentages)."""
    df = stats.copy()
    df["circle_zh"] = [
        circle_label(standards, k, lc, m, d)
        for k, lc, m, d in zip(df["category"], df["life_circle"], df["mode"], df["cutoff_m"], strict=True)
    ]
    df["mode_zh"] = df["mode"].map(MODE_ZH)
    df["land_pct"] = _pct(df["land_share"])
    if "population_share" in df:
        df["population_pct"] = _pct(df["population_share"])
    if "verified" in df:
        df["verified_zh"] = df["verified"].map(lambda v: VERIFIED_ZH.get(bool(v)) if v == v else "")
    cols = [c for c in STATS_COLUMNS if c in df.columns]
    return df[cols].rename(columns=STATS_COLUMNS)


def zone_stats_zh(zone_stats: pd.DataFrame | None) -> pd.DataFrame | None:
    """Zone x category statistics with Chinese headers (shares as percentages)."""
    if zone_stats is None:
        return None
    df = zone_stats.copy()
    df["land_pct"] = _pct(df["land_share"])
    if "population_share" in df:
        df["population_pct"] = _pct(df["population_share"])
    cols = [c for c in ZONE_COLUMNS if c in df.columns]
    return df[cols].rename(columns=ZONE_COLUMNS)


def shortfall(
    zone_stats: pd.DataFrame | None, threshold: float = 0.9, by: str = "land_share"
) -> pd.DataFrame:
    """Zones below ``threshold`` per category (城市体检 style): count and the list of zone names."""
    if zone_stats is None or by not in zone_stats:
        return pd.DataFrame(columns=["设施类别", "分区数", "未达标分区数", "未达标分区"])
    rows = []
    for name, g in zone_stats.groupby("name_zh", sort=False):
        low = g[pd.to_numeric(g[by], errors="coerce").fillna(0) < threshold]
        rows.append(
            {
                "设施类别": name,
                "分区数": len(g),
                "未达标分区数": len(low),
                "未达标分区": "、".join(low.sort_values(by)["zone"].astype(str)),
            }
        )
    return pd.DataFrame(rows)


def standards_zh(standards: Standards) -> pd.DataFrame:
    """The categories of the standards file with their distances, source and verification status."""
    return pd.DataFrame(
        [
            {
                "类别代码": c.key,
                "设施类别": c.name_zh,
                "生活圈": (standards.life_circles.get(c.life_circle) or {}).get("name_zh", c.life_circle),
                "服务半径（米）": c.radius_m,
                "步行距离（米）": c.walk_m,
                "标准条款": c.clause,
                "核对状态": VERIFIED_ZH[bool(c.verified)],
                "说明": c.note_zh,
            }
            for c in standards.categories.values()
        ]
    )


def circles_zh(standards: Standards) -> pd.DataFrame:
    """The life circles (5/10/15 min) with distance, source and verification status."""
    rows = []
    for key, c in standards.life_circles.items():
        c = c or {}
        rng = c.get("range_m") or [c.get("walk_m"), c.get("walk_m")]
        rows.append(
            {
                "生活圈": c.get("name_zh", key),
                "代码": key,
                "步行距离（米）": c.get("walk_m"),
                "标准范围（米）": f"{rng[0]}–{rng[1]}" if rng[0] != rng[1] else str(rng[0]),
                "来源": c.get("clause", ""),
                "核对状态": VERIFIED_ZH[bool(c.get("verified", False))],
                "说明": c.get("note_zh", ""),
            }
        )
    return pd.DataFrame(rows)


def report_sheets(
    stats: pd.DataFrame,
    zone_stats: pd.DataFrame | None,
    standards: Standards,
    warnings: list[str] | None = None,
    *,
    extra: dict[str, pd.DataFrame] | None = None,
    about: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame | None]:
    """The XLSX report's sheets: 覆盖统计, 计算说明 (``about``, :func:`about_sheet`), 分区统计, 未达标分区,
    标准, 生活圈, 提示."""
    sheets: dict[str, pd.DataFrame | None] = {"覆盖统计": stats_zh(stats, standards)}
    if about is not None:
        sheets["计算说明"] = about
    if zone_stats is not None:
        sheets["分区统计"] = zone_stats_zh(zone_stats)
        sheets["未达标分区（<90%）"] = shortfall(zone_stats, 0.9)
    sheets["设施类别与距离标准"] = standards_zh(standards)
    sheets["生活圈"] = circles_zh(standards)
    sheets.update(extra or {})
    sheets["提示"] = pd.DataFrame({"提示": [notice_zh(w) for w in warnings or []]}, dtype=object)
    return sheets


#: The 计算说明 item of the placeholder caveat (the page shows it as a warning).
PLACEHOLDER_ITEM = "位置待定设施"


def about_lines(
    result: CoverageResult, *, area_name: str = "河东区区界", placeholders: int = 0
) -> list[tuple[str, str]]:
    """What a coverage result was computed on, as (项目, 内容) pairs: mode, study area, metric CRS and,
    when placeholder facilities were counted, the caveat (:func:`placeholder_note`)."""
    rows = [
        ("计算方式", MODE_ZH.get(result.mode, result.mode)),
        ("研究范围", area_name),
        ("计量坐标系", f"{result.metric_crs_zh}：距离与面积均在该坐标系中计算"),
    ]
    if placeholders:
        rows.append((PLACEHOLDER_ITEM, placeholder_note(placeholders)))
    return rows


def about_sheet(rows: list[tuple[str, str]]) -> pd.DataFrame:
    """:func:`about_lines` as the report's 计算说明 sheet."""
    return pd.DataFrame(rows, columns=["项目", "内容"], dtype=object)


def placeholder_note(n: int) -> str:
    """The caveat when ``n`` plan facilities of undetermined location (位置待定) were counted."""
    return f"其中 {n} 处为位置待定的规划设施，覆盖结果仅供示意"


def gain_text(gain: float, weight: str) -> str:
    """A siting step's gain in Chinese: people or square metres."""
    if not np.isfinite(gain):
        return ""
    return f"{gain:,.0f} 人" if weight == "population" else f"{gain / 10_000:,.1f} 公顷"
