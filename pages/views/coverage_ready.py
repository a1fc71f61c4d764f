"""The 生活圈覆盖 page's readiness panel and its choices (categories, life circle, mode)."""

from __future__ import annotations

import streamlit as st

from pages.views import coverage_data as cd
from pages.views import html_table
from renewal.analysis.coverage_report import MODE_ZH


def readiness(all_fac, *, existing: int, plan: int, net, pop_label: str, zones) -> None:
    """What is loaded and what is missing, then the facilities per source."""
    st.subheader("数据准备情况")
    html_table.show(
        cd.readiness_rows(
            existing=existing,
            plan=plan,
            network=net.report if net is not None else None,
            population=pop_label,
            zones=f"已上传{len(zones)}个分区" if zones is not None else "",
        )
    )
    if not existing:
        st.warning(
            "现状设施未加载：下面只计算规划设施（位置示意）的覆盖，结果不是全区的实际覆盖。"
            "请在下方导入设施清单或 OpenStreetMap 数据（或命令行 import-osm）。"
        )
    html_table.show(cd.source_counts(all_fac))


def choices(std, all_fac, net) -> tuple[list[str], str, str]:
    """The chosen categories, life circle and mode."""
    c1, c2, c3 = st.columns([3, 2, 2])
    present = [k for k in std.categories if k in set(all_fac["category"])]
    with c1:
        chosen = st.multiselect(
            "设施类别",
            present,
            default=present,
            format_func=lambda k: std.categories[k].name_zh,
            key="cov_cats",
        )
    circle_opts = [cd.STANDARD_CIRCLE, *std.life_circles]
    with c2:
        circle = st.selectbox(
            "生活圈",
            circle_opts,
            format_func=lambda c: (
                "按标准（各类别各自的生活圈）"
                if c == cd.STANDARD_CIRCLE
                else f"{std.life_circles[c]['name_zh']}（{std.life_circles[c]['walk_m']}米）"
            ),
            key="cov_circle",
        )
    modes = ["radius"] + (["network"] if net is not None else [])
    with c3:
        mode = st.radio("计算方式", modes, format_func=MODE_ZH.get, key="cov_mode", horizontal=True)
        if net is None:
            st.caption("步行网络模式需先导入路网（import-osm）。")
    return chosen, circle, mode


def placeholder_choice(existing: int, n_placeholder: int) -> bool:
    """计入位置待定设施: whether the plan facilities of undetermined location (位置待定) count. On by default
    only while no other facilities are loaded (then they are all there is); the planner's choice is kept
    for each of the two situations."""
    if not n_placeholder:
        return False
    key = "cov_placeholders_with_existing" if existing else "cov_placeholders_alone"
    return st.checkbox(
        "计入位置待定设施",
        value=not existing,
        key=key,
        help=f"规划纲要提及、位置尚未确定的设施共 {n_placeholder} 处（图上以点线表示）；计入时覆盖结果仅供示意。",
    )
