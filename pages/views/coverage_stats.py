"""The 生活圈覆盖 page's statistics: coverage per category, beside the 2020 census, per zone."""

from __future__ import annotations

import streamlit as st

from pages.views import coverage_data as cd
from pages.views import html_table, panels
from pages.views.text import markdown_literal
from renewal.analysis.coverage_report import PLACEHOLDER_ITEM, circles_zh, shortfall, stats_zh, zone_stats_zh

#: The tab's widgets (kept while another tab is open).
WIDGETS = ("cov_threshold",)


def statistics(base, stats, result, chosen, std, about, *, hedong: bool = True) -> None:  # noqa: PLR0913
    """The statistics ``stats`` (the chosen categories' rows of ``result.stats``); ``about``: (项目, 内容)
    pairs (:func:`renewal.analysis.coverage_report.about_lines`) stated above the table; ``hedong``: the
    study area is the district (the 2020 census figures beside the statistics are Hedong's, else left
    out). Under them the sources of the life-circle distances."""
    lines = [f"{item}：{text}" for item, text in about if item != PLACEHOLDER_ITEM]
    for item, text in about:
        if item == PLACEHOLDER_ITEM:
            st.warning(markdown_literal(text))
    if lines:
        st.caption(markdown_literal("\n".join(lines)))  # one element: the tab is drawn on every switch
    table = stats_zh(stats, std)
    st.dataframe(table, hide_index=True, width="stretch")  # wide (11 columns): a grid that scrolls
    _bars(table[["设施类别", "用地覆盖率（%）"]])
    if hedong:
        _census(base, stats)
    else:
        st.caption("2020年人口普查对照为河东区全区数据，研究范围不是河东区区界时不显示。")
    _zones(result, chosen)
    box, drawn = panels.lazy_expander("生活圈距离的来源与核对状态", "cov_circle_sources")
    with box:
        if not drawn:
            return
        st.dataframe(circles_zh(std), hide_index=True, width="stretch")
        st.caption(
            "标准原文未能逐条核对，标为“未核对”的距离请在正式使用前核实（可编辑 geodata/standards/life_circle.yaml）。"
        )


def _bars(table) -> None:
    """Each category's coverage as a horizontal bar, in the table's order: a Vega-Lite chart given its spec
    (``st.bar_chart`` builds it through Altair, whose schema check took 12 of the tab's ~30 ms per switch)."""
    category, share = table.columns
    st.vega_lite_chart(
        table,
        {
            "mark": {"type": "bar", "tooltip": True},
            "encoding": {
                "y": {"field": category, "type": "nominal", "sort": None, "title": category},
                "x": {"field": share, "type": "quantitative", "title": share, "scale": {"domain": [0, 100]}},
            },
        },
        width="stretch",
    )


def _census(base, stats) -> None:
    census = cd.census_summary()
    st.caption(
        f"2020年第七次人口普查：河东区常住人口 {census['pop_2020']:,.0f} 人，60岁及以上约 {census['n_60p']:,.0f} 人"
        f"（{census['share_60p']:.1%}），0–14岁占 {census['share_0_14']:.1%}（区级总数，无街道分项；来源：国家统计局分县资料）。"
    )
    html_table.show(cd.census_beside(stats, census))  # four columns, read: drawn at once on every switch
    if base.context.cell_pop is not None:
        msg = cd.population_check(float(base.context.cell_pop.sum()), census["pop_2020"])
        if msg:
            st.warning(msg)


def _zones(result, chosen) -> None:
    if result.zone_stats is not None:
        st.markdown("**分区覆盖**")
        zs = result.zone_stats[result.zone_stats["category"].isin(chosen)]
        st.dataframe(zone_stats_zh(zs), hide_index=True, width="stretch")
        pivot = zs.pivot_table(index="zone", columns="name_zh", values="land_share") * 100
        st.bar_chart(pivot)
        thr = st.slider(
            "达标线（用地覆盖率 %）", 50, 100, panels.initial("cov_threshold", 90), key="cov_threshold"
        )
        st.markdown("**未达标分区（城市体检口径，可直接转交）**")
        st.dataframe(shortfall(zs, thr / 100), hide_index=True, width="stretch")
