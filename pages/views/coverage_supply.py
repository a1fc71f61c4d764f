"""The 生活圈覆盖 page's 学位与床位 (供需) section: school places or care beds against the demand within
reach (issue #19), from the planner's facility inventory (its 学位 / 床位 column) and population.

Choices: category, demand source (the census share of 60+/80+ where the bundled census has it, a share
the planner types, or the population field taken as the age group itself; school ages are never
derived), method. Shows supply, demand, the gap and per-1,000 ratios against the standards file's
target (or says there is none), the zones' gaps, a map of where places within reach fall short, and
the 城市体检 ledger and the detailed tables as downloads. The engine is
:func:`renewal.analysis.supply_report.supply_demand_run`; the ledger
:mod:`renewal.analysis.supply_ledger`.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import streamlit as st

from layers.maps import COVERAGE_BASE_KEYS, scenario_change_map, supply_layers, supply_map
from pages import _ui
from pages.views import coverage_supply_siting as siting
from pages.views.coverage_state import CoveragePageState
from pages.views.text import markdown_literal
from renewal.analysis.demand import age_group, census_share, check_bed_rate
from renewal.analysis.facilities import combine_facilities
from renewal.analysis.supply_ledger import UNITS, indicators, ledger_sheets, totals, zone_rows
from renewal.analysis.supply_report import (
    CAPACITY,
    METHOD_ZH,
    METHODS,
    demand_label,
    report_sheets,
    supply_demand_run,
)
from renewal.analysis.supply_scenarios import (
    compare,
    rate_mismatch,
    scenario_record,
    scenario_sheet,
    zone_changes,
)
from renewal.analysis.supply_siting import scenario_extras, with_new_sites
from renewal.errors import InputError
from renewal.io.read import read_vector
from renewal.io.write import xlsx_bytes
from renewal.storage.layers import open_layers
from renewal.storage.scenarios import open_scenarios
from renewal.zh import beijing_time

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The demand sources a planner chooses from (census only where the bundled census has the age band).
DEMAND_SOURCES = ("census", "share", "column")


@st.cache_resource(show_spinner="正在计算供需…", max_entries=16)
def _run(key, _fac, _pop, _zones, _net, category, method, demand, bed_rate, _land=None):
    source, field, share = demand
    opts = {"age_field": field} if source == "column" else {"pop_field": field, "share": share}
    if _land is not None:  # (features, field, title) of the land-use layer; its name and version are in key
        opts |= {"landuse": _land[0], "landuse_field": _land[1], "landuse_source": _land[2]}
    return supply_demand_run(
        _fac, _pop, category, method=method, net=_net, zones=_zones, bed_rate=bed_rate, **opts
    )


@st.cache_resource(show_spinner=False, max_entries=4)
def _layer(name: str, version: int):
    return open_layers().read(name)


def _landuse_choice():
    """``(features, field, title)`` of the imported land-use layer the planner picks for the 城市体检
    residential-land coverage, and a key naming it (layer, version, field); (None, "") when none."""
    try:
        layers = [lyr for lyr in open_layers().list() if lyr.kind in ("reference", "zones")]
    except (InputError, OSError):
        layers = []
    c1, c2 = st.columns(2)
    picked = c1.selectbox(
        "居住用地图层（城市体检口径，可选）",
        [None, *layers],
        format_func=lambda lyr: "不使用" if lyr is None else lyr.title,
        key="cov_sd_land_layer",
        help="在“数据管理”导入的用地现状或规划用地图层：服务半径覆盖率另按居住用地面积计算。",
    )
    if picked is None:
        if not layers:
            c1.caption("尚未导入用地图层（可在“数据管理”导入）。")
        return None, ""
    try:
        gdf = _layer(picked.name, picked.version)
    except (InputError, OSError) as err:
        msg = err.message_zh if isinstance(err, InputError) else _ui.os_error_zh(err)
        st.error("无法读取用地图层：" + markdown_literal(msg))
        return None, ""
    fields = [c for c in gdf.columns if c != "geometry"]
    field = c2.selectbox(
        "用地性质字段（代码R/07或名称含“居住”）", fields, key=f"cov_sd_land_field_{picked.name}"
    )
    return (gdf, field, picked.title), f"land:{picked.name}:{picked.version}:{field}"


def _population(areas):
    """The population as features (a raster's populated pixels as points) and the planner's field name."""
    if areas.population is None:
        return None, ""
    if isinstance(areas.population, bytes):
        pop = read_vector(areas.population, what="population", filename="population.tif").non_empty()
        return pop.rename(columns={"population": "人口栅格"}), "人口栅格"
    field = str(st.session_state.get("cov_pop_field") or "人口")
    return areas.population.rename(columns={"population": field}), field


def _demand_choice(key: str, field: str):
    """(source, field, share) for the run, or None when the planner has not given what it needs yet."""
    group = age_group(key)
    cs = census_share(group)
    labels = {
        "census": f"人口字段 × 2020年普查河东区{group.name_zh}占比（{cs:.2%}）" if cs is not None else "",
        "share": f"人口字段 × 填写的{group.name_zh}占比",
        "column": f"人口字段即{group.name_zh}人数",
    }
    options = [s for s in DEMAND_SOURCES if labels[s]]
    source = st.radio(
        "需求来源", options, format_func=labels.get, key=f"cov_sd_demand_{key}", horizontal=True
    )
    if cs is None:
        st.caption(
            f"内置的2020年普查只有5岁一组的年龄结构，得不出{group.name_zh}的占比，平台不推算：请填写占比"
            "（例如来自教育部门或街道统计），或上传含该年龄组人数的人口字段。"
        )
    if source == "census":
        return "census", field, None
    if source == "column":
        return "column", field, None
    pct = st.number_input(
        f"{group.name_zh}占人口的比例（%）",
        0.0,
        100.0,
        0.0,
        step=0.1,
        format="%.2f",
        key=f"cov_sd_share_{key}",
    )
    if pct <= 0:
        st.info(f"请填写{group.name_zh}占人口的比例后计算。")
        return None
    return "share", field, pct / 100


def _bed_rate_input(key: str, std):
    """The planner's beds per 1,000 older people (None: empty), for care-bed categories; a Chinese error
    and ``False`` when the number is not one a standard can have."""
    ratio = std.capacity_ratios.get(key)
    from_file = ratio is not None and ratio.per == "served"
    hint = (
        f"不填则采用标准文件的{ratio.value:g}张/千人（{ratio.clause or '未注明条款'}）"
        if from_file
        else "不填则按每人1张计算缺口上限"
    )
    value = st.number_input(
        "每千名老年人床位数（张/千人）",
        value=None,
        step=1.0,
        format="%g",
        placeholder="例如 40（当地养老服务设施规划的指标）",
        key=f"cov_sd_bed_rate_{key}",
    )
    st.caption(markdown_literal(f"规划所需床位 = 老年人数 × 该标准 ÷ 1000；{hint}。"))
    if value is None:
        return None
    try:
        return check_bed_rate(value)
    except InputError as err:
        _ui.show_input_error(err)
        return False


def _key(fac, pop_key, zone_key, mode, net_key) -> str:
    h = hashlib.sha1()
    for c in ("facility_id", "category", "places", "beds"):
        h.update(str(fac[c].tolist()).encode())
    h.update(np.asarray(fac.geometry.x).tobytes() + np.asarray(fac.geometry.y).tobytes())
    return "|".join((h.hexdigest(), pop_key, zone_key, mode, net_key))


def section(state: CoveragePageState, ws_fac, areas, net, std, *, net_key: str, basemap, labels) -> None:
    """The 学位与床位 section (``net``: the walking network when the page is in network mode, else None)."""
    st.subheader("学位与床位（供需）")
    st.caption(
        "在标准距离内，现状设施的学位（学校、幼儿园）或床位（养老设施）能否满足周边需求："
        "供给来自设施清单的“学位”（或 班数 × 每班人数）、“床位”列，需求来自人口数据。"
        "规划设施位置示意、没有容量，不参与供需计算。"
    )
    fac = combine_facilities({"ws": ws_fac, "up": state.upload}, capacity=True)
    keys = [k for k in CAPACITY if k in std.categories]
    present = [k for k in keys if k in set(fac["category"])]
    c1, c2 = st.columns(2)
    key = c1.selectbox(
        "供需类别",
        keys,
        index=keys.index(present[0]) if present else 0,
        format_func=lambda k: f"{std.categories[k].name_zh}（{CAPACITY[k][1]}）",
        key="cov_sd_category",
    )
    method = c2.selectbox("计算方法", METHODS, format_func=METHOD_ZH.__getitem__, key="cov_sd_method")
    cat_zh, (cap_field, cap_zh) = std.categories[key].name_zh, CAPACITY[key]
    mine = fac[fac["category"] == key]
    if mine.empty:
        have = "、".join(std.categories[k].name_zh for k in present)
        st.info(
            f"现状设施清单中没有{cat_zh}"
            + (f"（清单中有：{have}，可在“供需类别”中选择）" if have else "")
            + f"：请在上方“导入设施清单”上传带“{cap_zh}”列的清单（模板见“下载设施清单Excel模板”）。"
        )
        return
    known = int(mine[cap_field].notna().sum())
    st.caption(f"容量：设施清单的“{cap_zh}”列；{len(mine)}处{cat_zh}中{known}处有{cap_zh}数据。")
    pop, field = _population(areas)
    if pop is None:
        st.info("供需计算需要人口数据：请在上方“人口与分区（可选）”上传人口栅格或带人口字段的面。")
        return
    demand = _demand_choice(key, field)
    if demand is None:
        return
    bed_rate = _bed_rate_input(key, std) if cap_field == "beds" else None
    if bed_rate is False:
        return
    mode = "network" if net is not None else "radius"
    land, land_key = _landuse_choice()
    run_key = (
        _key(fac, areas.pop_key, areas.zone_key, mode, net_key)
        + f"|{key}|{method}|{demand}|{bed_rate}|{land_key}"
    )
    try:
        res = _run(run_key, fac, pop, areas.zones, net, key, method, demand, bed_rate, land)
    except InputError as err:
        _ui.show_input_error(err)
        return
    name = f"{cat_zh}{cap_zh}"
    _results(res, std, cat_zh, cap_zh, basemap=basemap, labels=labels, sited=siting.current(run_key))
    source, field, share = demand
    opts = {"age_field": field} if source == "column" else {"pop_field": field, "share": share}

    def save(sited) -> None:
        def record_of(title: str) -> dict:
            ids = ",".join(sited.steps["site_id"])
            after = _run(
                f"{run_key}|sited:{ids}|{sited.new_capacity}",
                with_new_sites(fac, sited),
                pop,
                areas.zones,
                net,
                key,
                method,
                demand,
                bed_rate,
                land,
            )
            return scenario_record(after, title, who=_ui.actor().label, standards=std) | scenario_extras(
                sited
            )

        save_form(record_of, name, key="cov_sd_site_scn", what="选址结果")

    siting.part(run_key, fac, pop, areas.zones, net, key, {**opts, "bed_rate": bed_rate}, cap_zh, save=save)
    _scenarios(res, std, name, basemap=basemap, labels=labels)


def _figures(res, std, cat_zh: str, cap_zh: str) -> None:
    """The figures, indicators and zones' gaps of a run (above its map)."""
    t = totals(res)
    unit = "张" if cap_zh == "床位" else "个"
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(f"供给：{cap_zh}总数", f"{t['capacity']:,.0f}{unit}")
    label, dem_unit = demand_label(res)
    m2.metric(
        f"{label}（{dem_unit}）" if res.demand.rate is not None else label, f"{t['demand']:,.0f}{dem_unit}"
    )
    m3.metric("标准距离内需求占比", f"{t['share_in_reach']:.1%}" if np.isfinite(t["share_in_reach"]) else "—")
    # without a beds-per-1,000 rate the gap counts one bed per older person: an upper bound, said so
    upper = cap_zh == "床位" and res.demand.rate is None
    m4.metric(f"{cap_zh}缺口（按每人1张，上限）" if upper else f"{cap_zh}缺口", f"{t['gap']:,.0f}{unit}")
    if upper:
        st.warning(
            "床位缺口按每位需求人口1张床位计算，是上限而非规划缺口：内置标准没有“每千名老年人床位数”指标，"
            "平台不推算。请在上方填写当地每千名老年人床位标准（规划所需床位 = 需求人数 × 标准 ÷ 1000），"
            "或由管理员在标准文件中补充千人床位指标。"
        )
    elif res.demand.rate is not None:
        rate = res.demand.rate
        st.caption(
            markdown_literal(
                f"床位需求 = {res.demand.people_total:,.0f}名老年人 × {rate.value:g} ÷ 1000 = "
                f"{t['demand']:,.0f}张（标准来源：{rate.source_zh}）。"
            )
        )
    if res.landuse is not None:
        land = res.landuse
        st.metric(
            f"{cat_zh}服务半径覆盖率（居住用地）", f"{land.share:.1%}" if np.isfinite(land.share) else "—"
        )
        st.caption(markdown_literal("定义：" + land.definition_zh(cat_zh) + "。"))
    st.caption(
        markdown_literal(
            f"需求来源：{res.demand.source_zh}。距离：{res.cutoff:.0f}米"
            f"（{'步行路网距离' if res.mode == 'network' else '直线距离（服务半径）'}）。"
        )
    )
    for _, zh in res.notes:
        st.warning(markdown_literal(zh))
    st.markdown("**城市体检指标**")
    st.dataframe(indicators(res, std).drop(columns="code"), hide_index=True, width="stretch")
    ratio = std.capacity_ratios.get(res.category)
    if ratio is None:
        st.caption(
            f"内置标准文件未给出{cat_zh}的千人{cap_zh}指标，表中“目标值”为“内置标准未给出”（可在标准文件中补充）。"
        )
    zones = zone_rows(res)
    if zones is None:
        st.info("上传分区面（街道/社区）后可按分区查看缺口。")
    else:
        st.markdown(f"**分区{cap_zh}缺口**")
        st.dataframe(zones, hide_index=True, width="stretch")


def _results(res, std, cat_zh: str, cap_zh: str, *, basemap, labels, sited=None) -> None:
    # everything above the map in one container: a figure, warning or table that comes or goes (a land-use
    # layer picked, a bed rate typed) must not move the map to another place in the page, where st_folium's
    # frame stays blank
    with st.container():
        _figures(res, std, cat_zh, cap_zh)
    footnote = (
        f"红色需求点：标准距离内人均可达{cap_zh}不足1；分区按{METHOD_ZH[res.method]}的缺口着色。"
        "规划设施不参与供需计算。区界由高德行政区划推算。"
        + (
            "紫色点：按容量选址的新增设施（需求点与分区仍为现状）。"
            if sited is not None and not sited.steps.empty
            else ""
        )
    )
    m = supply_map(
        supply_layers(res, None if sited is None else sited.steps),
        title=f"{cat_zh}{cap_zh}供需",
        footnote=footnote,
        basemap=basemap,
        labels=labels,
        data=_ui.cached_layers(COVERAGE_BASE_KEYS),
    )
    _ui.show_map(m, key="supply_map", height=520)
    d1, d2 = st.columns(2)
    _ui.download_button(
        "城市体检台账（Excel）",
        lambda: xlsx_bytes(ledger_sheets([res], std, stamp=beijing_time(datetime.now(UTC)))),
        file_name=f"城市体检台账_{cat_zh}{cap_zh}.xlsx",
        mime=XLSX_MIME,
        where=d1,
    )
    _ui.download_button(
        "供需明细（Excel）",
        lambda: xlsx_bytes(report_sheets(res, std)),
        file_name=f"{cat_zh}{cap_zh}供需明细.xlsx",
        mime=XLSX_MIME,
        where=d2,
    )


def scenario_label(record: dict) -> str:
    """``名称（北京时间）``: how a saved scenario is listed and headed."""
    return f"{record['name']}（{beijing_time(record.get('saved_at'))}）"


def save_form(record_of, name: str, *, key: str, what: str = "") -> None:
    """The 保存为情景 form: ``record_of(title)`` makes the record; saved in the store with the version the
    planner last saw when 同名时覆盖 is ticked (someone's newer save is refused, not overwritten)."""
    if not _ui.viewer_notice("保存情景"):
        return
    c1, c2 = st.columns([3, 1])
    title = c1.text_input(f"{what}情景名称", key=f"{key}_name", max_chars=40)
    replace = c2.checkbox("同名时覆盖", key=f"{key}_replace")
    if st.button(f"{what}保存为情景", key=f"{key}_save"):
        seen = st.session_state.get(SEEN_KEY, {}).get((title.strip(), name))
        try:
            store = open_scenarios(actor=_ui.actor())
            store.save(record_of(title), actor=_ui.actor(), expected_version=seen if replace else None)
            st.success(markdown_literal(f"已保存情景“{title.strip()}”。"))
        except InputError as err:
            _ui.show_input_error(err)
        except OSError as err:
            st.error("无法保存情景：" + markdown_literal(_ui.os_error_zh(err)))


#: The versions of the scenarios as last listed ({(name, set): version}): what an overwrite expects.
SEEN_KEY = "cov_sd_scn_seen"


def _scenarios(res, std, name: str, *, basemap, labels) -> None:
    """Save the shown figures as a named scenario (in the store) and compare saved ones side by side."""
    st.markdown(f"**{name}情景（保存与对比）**")
    st.caption(
        "把当前结果保存为情景（例如“现状”），修改设施清单（如新增一所学校及其学位）后再保存一个情景，然后并列对比："
        "第一个选中的情景为基准，其余列出相对基准的变化。情景保存在工作区数据库（或团队数据库），并记录保存人和时间。"
    )
    save_form(
        lambda title: scenario_record(res, title, who=_ui.actor().label, standards=std),
        name,
        key="cov_sd_scn",
    )
    scenario_list(
        name, zones=res.zones, unit=UNITS[CAPACITY[res.category][0]], basemap=basemap, map_labels=labels
    )


def scenario_list(name: str, *, zones=None, unit: str = "", basemap="none", map_labels=True) -> None:
    """The saved scenarios of indicator set ``name``: pick and compare, download the comparison."""
    try:
        saved = open_scenarios(actor=_ui.actor()).list(name)
    except InputError as err:
        _ui.show_input_error(err)
        return
    except OSError as err:
        st.error("无法读取已保存的情景：" + markdown_literal(_ui.os_error_zh(err)))
        return
    st.session_state[SEEN_KEY] = {(d["name"], name): d["version"] for d in saved}
    if not saved:
        st.info(f"还没有保存的{name}情景。")
        return
    labels = {scenario_label(d): d for d in saved}  # a name saved twice (覆盖) keeps one entry
    chosen = st.multiselect(  # a new key per count: after a save the newest is chosen beside the baseline
        "对比的情景（第一个为基准）",
        list(labels),
        default=[list(labels)[0], *list(labels)[1:][-2:]],
        key=f"cov_sd_scn_pick_{len(labels)}",
    )
    if not chosen:
        return
    records = [labels[c] for c in chosen]
    table = compare(records, chosen)
    mismatch = rate_mismatch(records)
    if mismatch:
        st.warning(markdown_literal(mismatch))
    st.dataframe(table, hide_index=True, width="stretch")
    sheets = {
        "情景对比": table,
        "情景": scenario_sheet(records, chosen, beijing_time=beijing_time),
        **({"说明": pd.DataFrame({"说明": [mismatch]})} if mismatch else {}),
    }
    _ui.download_button(
        "情景对比（Excel）",
        lambda: xlsx_bytes(sheets),
        file_name=f"{name}情景对比.xlsx",
        mime=XLSX_MIME,
        key="cov_sd_scn_xlsx",
    )
    _change_map(records, zones, name, unit, basemap=basemap, labels=map_labels)


def _change_map(records: list[dict], zones, name: str, unit: str, *, basemap, labels) -> None:
    """Where the last compared scenario gained or lost places against the baseline, zone by zone, on the
    current run's zone shapes (a saved scenario keeps its figures per zone, not the shapes)."""
    changes = zone_changes(records)
    if len(records) < 2 or changes.empty:
        return
    if zones is None or zones.empty:
        st.caption("分区缺口变化图需要分区：请在上方“人口与分区（可选）”上传分区面。")
        return
    base, last = records[0]["name"], records[-1]["name"]
    m, missing = scenario_change_map(
        zones,
        changes,
        unit=unit,
        title=f"{name}：“{last}”较“{base}”的分区缺口变化",
        footnote=f"绿色：缺口减少（标准距离内获得{name[-2:]}）；红色：缺口增加；灰色：不变。分区形状取自当前分区图层。",
        basemap=basemap,
        labels=labels,
        data=_ui.cached_layers(COVERAGE_BASE_KEYS),
    )
    st.markdown("**" + markdown_literal(f"“{last}”较“{base}”的分区缺口变化") + "**")
    if missing:
        st.caption(f"{missing} 个分区在当前分区图层中没有同名的面，未画出。")
    _ui.show_map(m, key="supply_change_map", height=420)
