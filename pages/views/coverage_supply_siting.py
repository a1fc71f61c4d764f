"""The 供需 tab's 按容量选址 part: new schools or care homes, each with the planner's capacity, at renewal
sites (placeholders left out unless ticked), K of them or the fewest to a target share, each step with
its gain; the chosen sites go on the supply map and the result can be saved as a scenario.

The engine is :func:`renewal.analysis.supply_siting.capacity_siting`.
"""

from __future__ import annotations

import streamlit as st

from pages import _ui
from pages.views import coverage_data as cd
from pages.views.text import markdown_literal
from renewal.analysis.inputs import placeholder_sites
from renewal.analysis.supply_siting import capacity_siting, outcome_text
from renewal.errors import InputError

STATE_KEY = "cov_sd_sited"


def current(run_key: str):
    """The siting computed for the inputs ``run_key`` (None when there is none, or the inputs changed)."""
    got = st.session_state.get(STATE_KEY)
    return got[1] if got is not None and got[0] == run_key else None


def part(run_key: str, fac, pop, zones, net, key: str, opts: dict, cap_zh: str, *, save) -> None:  # noqa: PLR0913
    """The form, the steps table, and ``save(sited)`` (the 保存为情景 form of the run with the new sites);
    ``opts``: the demand options of :func:`~renewal.analysis.supply_report.supply_demand_run`."""
    st.markdown("**按容量选址（新增设施位置）**")
    st.caption(
        f"在城市更新项目中选出新增设施的位置，每处新增设施有填写的{cap_zh}数：每一步选能使标准距离内"
        f"获得{cap_zh}的人数增加最多的地块（按容量分配计算，一个地块的{cap_zh}用满后不再计入）。"
    )
    sites = _ui.current_sites_or_none()
    if sites is None or sites.empty:
        st.info("没有城市更新项目可作候选地块。")
        return
    held = placeholder_sites(sites)
    c1, c2, c3 = st.columns(3)
    how = c1.radio("选址方式", ("k", "share"), format_func={"k": "新增K处", "share": "达到目标比例"}.get)
    if how == "k":
        k, target = int(c2.number_input("新增设施数 K", 1, 20, 1, key="cov_sd_site_k")), None
    else:
        pct = c2.number_input("目标比例（%）", 1.0, 100.0, 85.0, step=1.0, key="cov_sd_site_share")
        k, target = None, pct / 100
    capacity = c3.number_input(
        f"每处新增{cap_zh}", value=None, min_value=1.0, step=10.0, format="%g", key="cov_sd_site_cap"
    )
    keep = st.checkbox(
        f"包含位置待定的更新项目（{int(held.sum())}处，点位仅为示意）", value=False, key="cov_sd_site_held"
    )
    if st.button("计算按容量选址", key="cov_sd_site_go"):
        if capacity is None:
            st.error(f"请填写每处新增设施的{cap_zh}数。")
        else:
            cands = cd.site_points(sites if keep else sites[~held])
            with st.spinner("正在选址…"):
                try:
                    sited = capacity_siting(
                        fac, pop, key, cands, new_capacity=capacity, k=k, target_share=target, **opts
                    )
                    sited.include_placeholders = bool(keep)
                    st.session_state[STATE_KEY] = (run_key, sited)
                    st.rerun()
                except InputError as err:
                    _ui.show_input_error(err)
    sited = current(run_key)
    if sited is None:
        return
    _steps(sited, set(sites.loc[held, "site_id"]), cap_zh)
    if not sited.steps.empty:
        save(sited)


def _steps(sited, held_ids: set, cap_zh: str) -> None:
    st.caption(markdown_literal(outcome_text(sited)[1]))
    if sited.steps.empty:
        st.info(f"没有候选地块能增加标准距离内获得{cap_zh}的人数。")
        return
    if set(sited.steps["site_id"]) & held_ids:
        st.warning("选址结果中含位置待定的更新项目（点位仅为示意），结果不可靠，仅供讨论，不能作为选址依据。")
    table = (
        sited.steps.drop(columns="geometry")
        .assign(share=sited.steps["share"] * 100)
        .rename(
            columns={
                "rank": "顺序",
                "site_id": "地块编号",
                "name": "候选地块",
                "capacity": f"新增{cap_zh}",
                "gain": "本步新增获得人数",
                "placed": "累计获得人数",
                "unplaced": "累计未获得人数",
                "share": "累计获得比例（%）",
            }
        )
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "累计获得比例（%）": st.column_config.NumberColumn(format="%.2f"),
            "本步新增获得人数": st.column_config.NumberColumn(format="%.0f"),
            "累计获得人数": st.column_config.NumberColumn(format="%.0f"),
            "累计未获得人数": st.column_config.NumberColumn(format="%.0f"),
        },
    )
