"""The 城市体检-style ledger of supply-and-demand runs: each indicator with its definition, value, unit,
target (where the standards file gives one), clause, verification status, data source and time.

Pure: :func:`indicators` turns one :class:`~renewal.analysis.supply_report.SupplyResult` into rows
(district totals by the method's own definitions, from :func:`renewal.analysis.supply_demand.zone_table`
over one zone); :func:`ledger_sheets` lays one or more runs out as workbook sheets (one sheet of
indicators per run, one of zones when the run had zones). Writing the workbook is the caller's job
(``renewal.io.write.xlsx_bytes`` / ``write_xlsx``: text cells stay text, never formulas).

Per-1,000 ratios (千人学位数 = places per 1,000 residents, 每千名…人口床位数 = beds per 1,000 of the age
group) are compared with ``capacity_ratios`` of the standards file; the bundled file gives none, and
the ledger says so instead of inventing a target.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from renewal.analysis import supply_demand as sd
from renewal.analysis.demand import age_group
from renewal.analysis.supply_report import CAPACITY, METHOD_ZH, SupplyResult, demand_label, gap_definition
from renewal.standards import Standards, load_standards

LEDGER_COLUMNS = (
    "指标",
    "定义",
    "数值",
    "单位",
    "目标值",
    "依据条款",
    "核对状态",
    "数据来源",
    "计算时间（北京时间）",
)
ZONE_COLUMNS = ("分区", "需求人数", "标准距离内需求占比（%）", "设施数", "缺容量设施数", "容量合计", "缺口")
UNITS = {"places": "个", "beds": "张"}
NO_TARGET = "内置标准未给出"


def totals(res: SupplyResult) -> dict[str, float]:
    """District totals of a run: ``demand``, ``demand_in_reach``, ``share_in_reach``, ``n_facilities``,
    ``n_no_capacity``, ``capacity`` (known capacities summed) and ``gap`` (the method's definition)."""
    fz = np.zeros(len(res.facilities), dtype=np.int64)
    cz = np.zeros(len(res.cells), dtype=np.int64)
    row = sd.zone_table(res.method, fz, cz, 1, res.facilities, res.cells).iloc[0]
    return {k: float(v) for k, v in row.items()}


def _status(verified: bool) -> str:
    return "已核对" if verified else "未核对（请核对后使用）"


def _num(value: float | None, digits: int = 1) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), digits)


def indicators(res: SupplyResult, standards: Standards | None = None) -> pd.DataFrame:
    """One run's indicators: columns ``code`` plus :data:`LEDGER_COLUMNS` except the time."""
    std = standards or load_standards()
    cat = std.categories[res.category]
    field, cap_zh = CAPACITY[res.category]
    unit = UNITS[field]
    group = age_group(res.category)
    t = totals(res)
    ratio = std.capacity_ratios.get(res.category)
    reach_zh = f"{res.cutoff:.0f}米{'步行路网距离' if res.mode == 'network' else '直线距离'}"
    fac_src = "规划人员的设施清单（容量列）"
    dem_src = res.demand.source_zh

    def target(per: str) -> tuple[str, str, str]:
        if ratio is None or ratio.per != per:
            return NO_TARGET, "", ""
        return f"{ratio.value:g} {ratio.unit}".strip(), ratio.clause, _status(ratio.verified)

    cap, dem, pop = t["capacity"], t["demand"], res.demand.population_total
    people = res.demand.people_total  # per-1,000 ratios are per person of the age group, beds or not
    per_served = cap / people * 1000 if people > 0 else np.nan
    rate = res.demand.rate
    upper = "（按每人1张床位计，是上限，不是规划缺口）" if field == "beds" and rate is None else ""
    per_res = cap / pop * 1000 if pop else np.nan
    rows = [
        (
            "capacity",
            f"{cat.name_zh}{cap_zh}总数",
            f"设施清单中{cat.name_zh}的{cap_zh}之和（缺{cap_zh}数据的设施不计）",
            _num(cap, 0),
            unit,
            "",
            "",
            "",
            fac_src,
        ),
        (
            "n_no_capacity",
            f"缺{cap_zh}数据的{cat.name_zh}数",
            "计入服务覆盖，不计入容量",
            int(t["n_no_capacity"]),
            "处",
            "",
            "",
            "",
            fac_src,
        ),
        (
            "demand",
            f"{group.name_zh}人数",
            "人口数据中该年龄组人数之和",
            _num(people, 0),
            "人",
            "",
            "",
            "",
            dem_src,
        ),
        *(
            []
            if rate is None
            else [
                (
                    "bed_rate",
                    "每千名老年人床位数（采用标准）",
                    "规划所需床位的换算标准",
                    rate.value,
                    "张/千人",
                    "",
                    "",
                    "",
                    rate.source_zh,
                ),
                (
                    "bed_demand",
                    f"{cat.name_zh}床位需求",
                    f"{group.name_zh}人数 × {rate.value:g} ÷ 1000",
                    _num(dem, 0),
                    unit,
                    "",
                    "",
                    "",
                    f"{dem_src}",
                ),
            ]
        ),  # fmt: skip
        (
            "share_in_reach",
            f"{reach_zh}内有{cat.name_zh}的{group.name_zh}占比",
            f"{reach_zh}内至少有一处{cat.name_zh}的需求人数 ÷ 需求人数",
            _num(t["share_in_reach"] * 100),
            "%",
            "",
            cat.clause,
            _status(cat.verified),
            f"{dem_src}；{fac_src}",
        ),
        (
            "gap",
            f"{cat.name_zh}{cap_zh}缺口数",
            f"{gap_definition(res)[1]}（{METHOD_ZH[res.method]}）{upper}",
            _num(t["gap"], 0),
            unit,
            "",
            cat.clause,
            _status(cat.verified),
            f"{dem_src}；{fac_src}",
        ),
        (
            "per_1000_served",
            f"每千名{group.name_zh}人口{cap_zh}数",
            f"{cap_zh}总数 ÷ {group.name_zh}人数 × 1000",
            _num(per_served),
            f"{unit}/千人",
            *target("served"),
            f"{dem_src}；{fac_src}",
        ),
    ]
    if pop:
        rows.append(("per_1000_residents", f"千人{cap_zh}数", f"{cap_zh}总数 ÷ 常住人口 × 1000", _num(per_res),
                     f"{unit}/千人", *target("residents"), f"人口数据合计 {pop:,.0f} 人；{fac_src}"))  # fmt: skip
    else:
        rows.append(("per_1000_residents", f"千人{cap_zh}数", f"{cap_zh}总数 ÷ 常住人口 × 1000（未计算：需求来自"
                     "年龄列，没有常住人口合计）", None, f"{unit}/千人", *target("residents"), dem_src))  # fmt: skip
    land = res.landuse
    if land is not None:
        rows.append(("residential_land_coverage", f"{cat.name_zh}服务半径覆盖率（居住用地）",
                     land.definition_zh(cat.name_zh), _num(land.share * 100), "%", "", cat.clause,
                     _status(cat.verified), f"用地图层“{land.source}”；{fac_src}"))  # fmt: skip
    out = pd.DataFrame(rows, columns=["code", *LEDGER_COLUMNS[:-1]])
    out["目标值"] = out["目标值"].where(out["code"].str.startswith("per_1000"), "")
    return out


def zone_rows(res: SupplyResult) -> pd.DataFrame | None:
    """The run's zones in Chinese (:data:`ZONE_COLUMNS`; 床位需求（张） instead of 需求人数 under a
    beds-per-1,000 rate), None without zones."""
    if res.zones is None:
        return None
    z = res.zones
    label, unit = demand_label(res)
    demand_col = "需求人数" if unit == "人" else f"{label}（{unit}）"
    return pd.DataFrame(
        {
            "分区": z["zone"].astype(str).to_numpy(),
            demand_col: z["demand"].round(0).to_numpy(),
            "标准距离内需求占比（%）": (z["share_in_reach"] * 100).round(1).to_numpy(),
            "设施数": z["n_facilities"].astype(int).to_numpy(),
            "缺容量设施数": z["n_no_capacity"].astype(int).to_numpy(),
            "容量合计": z["capacity"].round(0).to_numpy(),
            "缺口": z["gap"].round(0).to_numpy(),
        },
    )


def sheet_name(res: SupplyResult, standards: Standards) -> str:
    return f"{standards.categories[res.category].name_zh}{CAPACITY[res.category][1]}"


def ledger_sheets(
    results: list[SupplyResult], standards: Standards | None = None, *, stamp: str
) -> dict[str, pd.DataFrame]:
    """The ledger: per run a sheet of indicators (named e.g. 小学学位) and, with zones, one per zone
    (…·分区, the gap's definition and the time in its last columns), then 说明 (method, distance,
    demand source, notes). ``stamp`` (the time of the run as 北京时间, ``renewal.zh.beijing_time``) is
    written on every row."""
    std = standards or load_standards()
    sheets: dict[str, pd.DataFrame] = {}
    about = []
    for res in results:
        name = sheet_name(res, std)
        sheets[name] = indicators(res, std).drop(columns="code").assign(**{LEDGER_COLUMNS[-1]: stamp})
        zones = zone_rows(res)
        if zones is not None:
            gap_zh = gap_definition(res)[1]
            sheets[f"{name}·分区"] = zones.assign(
                缺口定义=gap_zh, 数据来源=res.demand.source_zh, **{LEDGER_COLUMNS[-1]: stamp}
            )
        cat = std.categories[res.category]
        about += [
            (name, "计算方法", METHOD_ZH[res.method]),
            (
                name,
                "标准距离",
                f"{res.cutoff:.0f}米（{'步行路网距离' if res.mode == 'network' else '直线距离'}）；{cat.clause}",
            ),
            (name, "需求来源", res.demand.source_zh),
            *(
                []
                if res.demand.rate is None
                else [
                    (
                        name,
                        "每千名老年人床位数",
                        f"{res.demand.rate.value:g}张/千人（{res.demand.rate.source_zh}）",
                    )
                ]
            ),
            *((name, "提示", zh) for _, zh in res.notes),
        ]
    sheets["说明"] = pd.DataFrame(about, columns=["指标组", "项目", "内容"]).assign(
        **{LEDGER_COLUMNS[-1]: stamp}
    )
    return sheets
