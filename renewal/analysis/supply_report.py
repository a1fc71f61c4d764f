"""A supply-and-demand run on layers (facilities, population, zones) and its tables with Chinese headers.

:func:`supply_demand_run` takes GeoDataFrames (any CRS), picks the category's facilities and their
capacity (学位 for schools and kindergartens, 床位 for elderly care), the demand per population feature
(:func:`renewal.analysis.demand.demand_for`), the pairs within the standard distance (walking network
or straight line) and one method of :mod:`renewal.analysis.supply_demand`. :func:`report_sheets` gives
the per-facility, per-cell, per-zone and 说明 sheets: a Chinese header and, as the first row, the
stable English column codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from renewal.analysis import supply_demand as sd
from renewal.analysis.demand import BedRate, Demand, age_group, beds_needed, check_bed_rate, demand_for
from renewal.analysis.inputs import facility_ids, points_xy, to_metric_gdf
from renewal.analysis.network import WalkNetwork
from renewal.analysis.supply_landuse import LandCoverage, residential_coverage
from renewal.crs import STORAGE_EPSG
from renewal.errors import InputError
from renewal.standards import Standards, load_standards

METHODS = ("2sfca", "balance", "assign")
METHOD_ZH = {"2sfca": "两步移动搜索法（2SFCA）", "balance": "服务范围内供需平衡", "assign": "按容量就近分配"}
#: Capacity field per category family, and its Chinese name.
CAPACITY = {
    "kindergarten": ("places", "学位"),
    "primary_school": ("places", "学位"),
    "middle_school": ("places", "学位"),
    "elderly_day_care": ("beds", "床位"),
    "nursing_home": ("beds", "床位"),
    "elderly_care_home": ("beds", "床位"),
}
ZONE_NAME_COLUMNS = ("name", "名称", "街道", "社区", "街道名称", "社区名称", "NAME")

#: English code -> Chinese header, for every column the sheets may hold.
HEADERS = {
    "facility_id": "设施编号",
    "name": "名称",
    "zone": "所在分区",
    "cell_id": "格网/需求点编号",
    "capacity": "容量",
    "demand": "需求人数",
    "demand_in_reach": "服务范围内需求人数",
    "surplus": "容量减需求",
    "per_child": "人均容量",
    "weighted_demand": "加权需求人数",
    "ratio": "供需比（R）",
    "access": "人均可达容量（A）",
    "places": "可达容量",
    "places_in_reach": "服务范围内容量合计",
    "places_per_child": "人均服务范围内容量",
    "n_fac_in_reach": "服务范围内设施数",
    "n_unknown_in_reach": "其中缺容量设施数",
    "assigned": "已分配人数",
    "free": "剩余容量",
    "unplaced": "标准距离内无位人数",
    "mean_dist_m": "平均距离（米）",
    "share_in_reach": "标准距离内需求占比",
    "n_facilities": "设施数",
    "n_no_capacity": "缺容量设施数",
    "gap": "缺口",
    "item": "项目",
    "value": "内容",
}


@dataclass
class SupplyResult:
    category: str
    method: str
    cutoff: float
    mode: str
    facilities: gpd.GeoDataFrame
    cells: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame | None
    demand: Demand
    notes: list[tuple[str, str]] = field(default_factory=list)  # (English, Chinese)
    decay: str | None = None
    sigma: float | None = None
    #: Residential-land coverage (城市体检 口径) when a land-use layer was given, else None.
    landuse: LandCoverage | None = None


def _zone_names(zones: gpd.GeoDataFrame) -> list[str]:
    col = next((c for c in ZONE_NAME_COLUMNS if c in zones.columns), None)
    if col is None:
        return [f"Z{i + 1}" for i in range(len(zones))]
    return [str(v) for v in zones[col]]


def _bed_rate(std: Standards, key: str, given: float | str | None) -> BedRate | None:
    """The beds-per-1,000 rate of a run: the planner's, else the standards file's (per the age group)."""
    if CAPACITY[key][0] != "beds":
        if given is not None:
            raise InputError(
                "Beds per 1,000 older people apply to elderly-care categories only.",
                "每千名老年人床位数只适用于养老设施类别。",
            )
        return None
    if given is not None:
        return BedRate(check_bed_rate(given), "规划人员填写", "planner-given")
    ratio = std.capacity_ratios.get(key)
    if ratio is None or ratio.per != "served":
        return None
    clause = ratio.clause or "未注明条款"
    return BedRate(check_bed_rate(ratio.value), f"标准文件：{clause}", f"standards file: {clause}")


def demand_label(res: SupplyResult) -> tuple[str, str]:
    """What the run's demand counts, and its unit: 床位需求 in beds under a rate, else 需求人数."""
    return ("床位需求", "张") if res.demand.rate is not None else ("需求人数", "人")


def gap_definition(res: SupplyResult) -> tuple[str, str]:
    """The method's gap definition (English, Chinese), counted in beds needed under a bed rate."""
    en, zh = sd.GAP_DEFINITIONS[res.method]
    if res.demand.rate is None:
        return en, zh
    zh = zh.replace("需求人数", "床位需求").replace("学位/床位的人数", "床位的床位需求")
    zh = zh.replace("人均可达学位/床位", "每张床位需求可达床位")
    return f"{en} (demand in beds: people x {res.demand.rate.value:g} / 1000)", zh


def _land(
    landuse: gpd.GeoDataFrame | None, field: str | None, fac: gpd.GeoDataFrame, radius: float, source: str
) -> LandCoverage | None:
    """Residential-land coverage of ``fac`` within ``radius`` (the service radius), if a layer was given."""
    if landuse is None:
        return None
    return residential_coverage(landuse, str(field or ""), fac, radius, source=source)


def _checked_category(std: Standards, category: str, method: str) -> str:
    """The standards key of a category with places or beds, the method known; else :class:`InputError`."""
    key = std.resolve(category)
    if key is None or key not in CAPACITY:
        raise InputError(
            f"Category {category!r} is not one with places or beds: use one of "
            f"{[std.categories[k].name_zh for k in CAPACITY if k in std.categories]}",
            f"类别 {category!r} 不是有学位或床位的设施类别。",
        )
    age_group(key)
    if method not in METHODS:
        raise InputError(f"Unknown method {method!r}; use one of {METHODS}", "未知的计算方法。")
    return key


def supply_demand_run(  # noqa: PLR0913
    facilities: gpd.GeoDataFrame,
    population: gpd.GeoDataFrame,
    category: str,
    *,
    method: str = "2sfca",
    net: WalkNetwork | None = None,
    zones: gpd.GeoDataFrame | None = None,
    cutoff: float | None = None,
    standards: Standards | None = None,
    decay: str | None = None,
    sigma: float | None = None,
    assign_method: str = "greedy",
    age_field: str | None = None,
    pop_field: str | None = None,
    share: float | None = None,
    max_snap: float = 200.0,
    bed_rate: float | None = None,
    landuse: gpd.GeoDataFrame | None = None,
    landuse_field: str | None = None,
    landuse_source: str = "",
) -> SupplyResult:
    """Supply and demand of one category by one method (see the module docstring).

    For care beds, ``bed_rate`` (beds per 1,000 older people, given by the planner) or else the standards
    file's ``capacity_ratios`` entry per ``served`` turns the demand into beds needed (people × rate ÷
    1000); without either, one bed per person (an upper bound, said by the callers). With ``landuse``
    (polygons) and ``landuse_field`` (its land-use code or name), the share of residential land within the
    category's service radius is computed too (:mod:`renewal.analysis.supply_landuse`).

    Parameters
    ----------
    facilities : GeoDataFrame
        The inventory with a CRS, a ``category`` column and the capacity (``places``/学位, or 班数 ×
        每班人数; ``beds``/床位).
    population : GeoDataFrame
        Demand points or polygons with an age column (``age_field``), or people (``pop_field``) and a
        ``share``.
    category : str
        A standards key or name.
    method : {"2sfca", "balance", "assign"}
    net : WalkNetwork, optional
        Walking distances (default: straight lines).
    zones : GeoDataFrame, optional
        街道 / 社区 polygons for the per-zone table.
    cutoff : float, optional
        Metres (default: the standards' distance of the category).
    decay, sigma, assign_method, age_field, pop_field, share, max_snap, bed_rate, landuse, landuse_field, landuse_source
        See the module docstring.

    Returns
    -------
    SupplyResult
        ``facilities`` (capacity and what it serves), ``cells`` (demand and what it gets), ``zones``,
        the ``demand`` description and ``notes``.

    Raises
    ------
    InputError
        An unknown category or method, no facility of the category, no capacity at all, bad demand.

    Examples
    --------
    One school of 100 places; 80 children within 500 m, 50 farther away:

    >>> import geopandas as gpd, shapely
    >>> school = gpd.GeoDataFrame({"category": ["小学"], "places": [100]},
    ...                           geometry=[shapely.Point(520000, 4330000)], crs=4548)
    >>> kids = gpd.GeoDataFrame({"6-11岁": [80, 50]},
    ...                         geometry=[shapely.Point(520300, 4330000), shapely.Point(522000, 4330000)], crs=4548)
    >>> res = supply_demand_run(school, kids, "小学", method="assign")
    >>> res.cutoff, res.mode
    (500.0, 'radius')
    >>> res.cells[["demand", "assigned", "unplaced"]].to_dict("records")
    [{'demand': 80.0, 'assigned': 80.0, 'unplaced': 0.0}, {'demand': 50.0, 'assigned': 0.0, 'unplaced': 50.0}]
    >>> res.facilities[["capacity", "assigned", "free"]].to_dict("records")
    [{'capacity': 100.0, 'assigned': 80.0, 'free': 20.0}]
    """
    std = standards or load_standards()
    key = _checked_category(std, category, method)
    cap_field, cap_zh = CAPACITY[key]
    rate = _bed_rate(std, key, bed_rate)
    mode = "network" if net is not None else "radius"
    if cutoff is None:
        cutoff = std.distance(key, mode)
    if decay == "gaussian" and sigma is None:
        sigma = cutoff / 2.0
    fac = to_metric_gdf(facilities, "facilities").reset_index(drop=True)
    if "category" not in fac.columns:
        raise InputError("The facilities have no category column.", "设施数据没有类别列。")
    fac = fac[fac["category"].astype(str).map(lambda v: std.resolve(v) == key)].reset_index(drop=True)
    if fac.empty:
        raise InputError(
            f"No facility of category {std.categories[key].name_zh} ({key}) in the inventory.",
            f"设施清单中没有{std.categories[key].name_zh}。",
        )
    capacity = (
        pd.to_numeric(fac[cap_field], errors="coerce").to_numpy(float)
        if cap_field in fac.columns
        else np.full(len(fac), np.nan)
    )
    if np.isnan(capacity).all():
        alt_en = ", or 班数 x 每班人数" if cap_field == "places" else ""
        alt_zh = "（或 班数 × 每班人数）" if cap_field == "places" else ""
        raise InputError(
            f"No capacity column or no capacity value: none of the {len(fac)} facilities of "
            f"{std.categories[key].name_zh} has {cap_zh} ({cap_field}{alt_en}), needed for supply and demand.",
            f"设施数据没有容量：{len(fac)}个{std.categories[key].name_zh}均无“{cap_zh}”{alt_zh}数据，无法计算供需。",
        )
    pop = to_metric_gdf(population, "population").reset_index(drop=True)
    if pop.empty:
        raise InputError("The population layer has no features.", "人口数据没有要素。")
    dem = demand_for(pop, key, age_field=age_field, pop_field=pop_field, share=share)
    if rate is not None:
        dem = beds_needed(dem, rate)
    fxy, cxy = points_xy(fac), points_xy(pop)
    notes: list[tuple[str, str]] = []
    if net is not None:
        reach, info = sd.network_reach(net, fxy, cxy, cutoff, max_snap=max_snap)
        if info["facilities_unsnapped"] or info["cells_unsnapped"]:
            notes.append(
                (
                    f"{info['facilities_unsnapped']} facilities and {info['cells_unsnapped']} demand points are "
                    f"farther than {max_snap:.0f} m from the network and reach nothing",
                    f"{info['facilities_unsnapped']}个设施、{info['cells_unsnapped']}个需求点距路网超过"
                    f"{max_snap:.0f}米，视为不可达",
                )
            )
    else:
        reach = sd.radius_reach(fxy, cxy, cutoff)
    if method == "2sfca":
        ft, ct = sd.two_step_fca(reach, capacity, dem.values, decay=decay, sigma=sigma)
    elif method == "balance":
        ft, ct = sd.balance(reach, capacity, dem.values)
    else:
        ft, ct = sd.assign(reach, capacity, dem.values, method=assign_method)
    n_missing = int(np.isnan(capacity).sum())
    if n_missing:
        notes.append(
            (
                f"{n_missing} of {len(fac)} facilities have no {cap_field} ({cap_zh}): they count for coverage, "
                f"not for capacity",
                f"{len(fac)}个设施中有{n_missing}个缺少{cap_zh}数据：计入覆盖，不计入容量",
            )
        )
    ids, _ = facility_ids(fac, "facility_id" if "facility_id" in fac.columns else None)
    names = fac["name"].astype(str) if "name" in fac.columns else ids
    ft.insert(0, "name", names.to_numpy())
    ft.insert(0, "facility_id", ids.to_numpy())
    cell_ids = [f"C{i + 1}" for i in range(len(pop))]
    ct.insert(0, "cell_id", cell_ids)
    zt = None
    if zones is not None:
        zm = to_metric_gdf(zones, "zones").reset_index(drop=True)
        zg = zm.geometry.values
        fz, cz = sd.points_in_zones(fxy, zg), sd.points_in_zones(cxy, zg)
        zt = sd.zone_table(method, fz, cz, len(zm), ft, ct)
        zn = np.array(_zone_names(zm) + [""], dtype=object)
        zt.insert(0, "zone", zn[:-1])
        ft.insert(2, "zone", zn[fz])
        ct.insert(1, "zone", zn[cz])
        zt = gpd.GeoDataFrame(zt, geometry=zm.geometry.values, crs=zm.crs).to_crs(STORAGE_EPSG)
    radius = float(cutoff) if mode == "radius" else std.distance(key, "radius")
    land = _land(landuse, landuse_field, fac, radius, landuse_source)
    fac_out = gpd.GeoDataFrame(ft, geometry=fac.geometry.values, crs=fac.crs).to_crs(STORAGE_EPSG)
    cell_out = gpd.GeoDataFrame(ct, geometry=pop.geometry.values, crs=pop.crs).to_crs(STORAGE_EPSG)
    return SupplyResult(
        key,
        method,
        float(cutoff),
        mode,
        fac_out,
        cell_out,
        zt,
        dem,
        notes,
        decay if method == "2sfca" else None,
        sigma if method == "2sfca" else None,
        land,
    )


def _labelled(table: pd.DataFrame, headers: dict[str, str] | None = None) -> pd.DataFrame:
    """Chinese headers (``headers`` over :data:`HEADERS`), and the English codes as the first row."""
    names = {**HEADERS, **(headers or {})}
    cols = [c for c in table.columns if c != "geometry"]
    body = pd.DataFrame(table[cols]).astype(object)
    codes = pd.DataFrame([cols], columns=cols, dtype=object)
    out = pd.concat([codes, body], ignore_index=True)
    out.columns = [names.get(c, c) for c in cols]
    return out.where(out.notna(), None)


def report_sheets(res: SupplyResult, standards: Standards | None = None) -> dict[str, pd.DataFrame]:
    """设施 / 需求点 / 分区 (when zones were given) / 说明, each with Chinese headers and an English code row."""
    std = standards or load_standards()
    cat = std.categories[res.category]
    cap_zh = CAPACITY[res.category][1]
    gap_en, gap_zh = gap_definition(res)
    about = [
        ("category", f"{cat.name_zh}（{res.category}）"),
        ("method", f"{METHOD_ZH[res.method]}（{res.method}）"),
        ("capacity", cap_zh),
        ("distance", f"{res.cutoff:.0f}米（{'步行路网距离' if res.mode == 'network' else '直线距离'}）"),
        ("distance_source", f"{cat.clause}；核对状态：{'已核对' if cat.verified else '未核对'}"),
        ("decay", "无" if res.decay is None else f"高斯 exp(-d²/(2σ²))，σ = {res.sigma:.0f}米"),
        ("demand", res.demand.source_zh),
        (
            "bed_rate",
            "无：按每人1张床位计（上限，不是规划缺口）"
            if res.demand.rate is None
            else f"每千名老年人{res.demand.rate.value:g}张（{res.demand.rate.source_zh}）",
        ),
        ("demand_points", "每个人口要素（点、面或人口栅格像元）以其位置（面取内部代表点）计算距离"),
        ("gap_definition", gap_zh),
        ("gap_definition_en", gap_en),
    ] + [(f"note_{i + 1}", zh) for i, (_, zh) in enumerate(res.notes)]
    if cap_zh != "床位":
        about = [a for a in about if a[0] != "bed_rate"]
    heads = {}
    if res.demand.rate is not None:
        heads = {
            "demand": "床位需求（张）",
            "demand_in_reach": "服务范围内床位需求（张）",
            "weighted_demand": "加权床位需求（张）",
            "assigned": "已分配床位（张）",
            "unplaced": "标准距离内未满足床位需求（张）",
        }
    sheets = {
        "设施": _labelled(res.facilities, heads),
        "需求点": _labelled(res.cells, heads),
    }
    if res.zones is not None:
        sheets["分区"] = _labelled(res.zones, heads)
    sheets["说明"] = _labelled(pd.DataFrame(about, columns=["item", "value"]))
    return sheets
