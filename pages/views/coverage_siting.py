"""The 生活圈覆盖 page's suggested sites (greedy siting over renewal sites or clicked points)."""

from __future__ import annotations

import streamlit as st

from pages import _ui
from pages.views import coverage_data as cd
from pages.views import panels
from pages.views.coverage_state import CoveragePageState
from renewal.analysis.coverage_report import gain_text
from renewal.analysis.inputs import placeholder_sites
from renewal.analysis.siting import greedy_siting
from renewal.errors import InputError

#: The tab's widgets (kept while another tab is open).
WIDGETS = ("cov_pool", "cov_site_placeholders", "cov_site_cat", "cov_k")


def siting(state: CoveragePageState, result, chosen, std, *, sites, weight) -> None:
    st.caption("贪心选择：每一步选新增覆盖最多的候选位置。")
    cands = state.candidates
    pools = (["sites"] if sites is not None and not sites.empty else []) + (["clicked"] if cands else [])
    pool = st.radio(
        "候选位置",
        pools or ["sites"],
        format_func={"sites": "城市更新项目", "clicked": f"地图点击的位置（{len(cands)}处）"}.get,
        key="cov_pool",
        horizontal=True,
    )
    mask = placeholder_sites(sites) if sites is not None else None
    shaky = set(sites.loc[mask, "site_id"]) if mask is not None else set()
    if pool == "sites" and pools:
        keep = st.checkbox(
            f"包含位置待定的更新项目（{len(shaky)}处，定位可信度低，点位仅为示意）",
            value=False,
            key="cov_site_placeholders",
            help="这些项目的点位不是实际位置，按它们计算的建议选址不可靠。",
        )
        candidates = cd.site_points(sites if keep or mask is None else sites[~mask])
    else:
        candidates = cd.clicked_points(cands)
    s1, s2, s3 = st.columns([2, 1, 1])
    with s1:
        site_cat = st.selectbox(
            "设施类别", chosen, format_func=lambda k: std.categories[k].name_zh, key="cov_site_cat"
        )
    with s2:
        k = st.number_input("新增设施数 K", 1, 20, panels.initial("cov_k", 3), key="cov_k")
    with s3:
        go = st.button("计算建议选址", key="cov_site_btn", disabled=candidates.empty)
    if go:
        with st.spinner("正在选址…"):
            try:
                sug = greedy_siting(result, candidates, site_cat, int(k), id_col="site_id")
                sug["name"] = sug["candidate_id"].map(
                    dict(zip(candidates["site_id"], candidates["name"], strict=True))
                )
                state.suggested = sug
            except InputError as err:
                _ui.show_input_error(err)
        st.rerun()
    suggested = state.suggested
    if suggested is not None and not suggested.empty:
        if set(suggested["candidate_id"]) & shaky:
            st.warning(
                "建议选址中含位置待定的更新项目（点位仅为示意），结果不可靠，仅供讨论，不能作为选址依据。"
            )
        sug = suggested.assign(新增覆盖=[gain_text(g, weight) for g in suggested["gain"]])
        st.dataframe(
            sug[["rank", "name", "新增覆盖", "share_after"]].rename(
                columns={"rank": "顺序", "name": "候选位置", "share_after": "累计覆盖率"}
            ),
            hide_index=True,
            width="stretch",
            column_config={"累计覆盖率": st.column_config.NumberColumn(format="%.3f")},
        )
    elif suggested is not None:
        st.info("所有候选更新项目都不能再增加覆盖。")
