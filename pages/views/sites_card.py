"""更新项目 page: the detail card of the selected site (every data text literal)."""

from __future__ import annotations

import streamlit as st

import geodata
from pages.views.text import markdown_literal
from renewal.sites import query as catalogue


def card(chosen) -> None:
    """The selected site's card, or a hint to select one."""
    if chosen.empty:
        st.info("请在表格或地图上选择一个项目。")
        return
    row = chosen.iloc[0]
    fields = catalogue.site_card(row)
    st.subheader(markdown_literal(fields.pop("名称")))  # data text shown literally, not as Markdown
    if row["precision"] in geodata.PLACEHOLDER_PRECISIONS:
        st.caption("⚠ 位置待定：规划未给位置，点位仅为占位，须核实修正；建议选址默认不用")
    elif row["precision"] in geodata.APPROXIMATE_PRECISIONS:
        st.caption("⚠ 位置示意，未经测绘")
    st.markdown("**规划原文**")
    fields.pop("规划原文")
    st.info(markdown_literal(catalogue.plan_text_or_note(row)))  # a planner-added site has no plan words
    # st.table renders Markdown in its cells: every value literal (a type, an area, a source a colleague typed)
    st.table({"项目": list(fields), "内容": [markdown_literal(v) for v in fields.values()]})
