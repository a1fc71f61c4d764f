"""The 生活圈覆盖 page's what-if: facilities added or removed (kept in the page state)."""

from __future__ import annotations

import streamlit as st

from layers.basemaps import BASEMAPS
from pages import _ui
from pages.views import coverage_data as cd
from pages.views.coverage_state import CoveragePageState
from pages.views.text import markdown_literal
from renewal.analysis.whatif import what_if
from renewal.crs import gcj02_to_wgs84
from renewal.errors import InputError

#: The tab's widgets (kept while another tab is open).
WIDGETS = ("cov_add_cat", "cov_add_site", "cov_rm")


def applied(state: CoveragePageState, all_fac, chosen) -> tuple[list[dict], list[str]]:
    """The what-ifs that apply now: those of the chosen categories (the others are kept for when
    their category is chosen again). (additions, removed facility ids)"""
    add_now = [a for a in state.added if a["category"] in chosen]
    ids = set(all_fac.loc[all_fac["category"].isin(chosen), "facility_id"])
    return add_now, [r for r in state.removed if r in ids]


def apply(state: CoveragePageState, base, all_fac, chosen, std):
    """The result with the what-ifs of the chosen categories applied, and the area they gained."""
    add_now, rm_now = applied(state, all_fac, chosen)
    result = base
    if add_now or rm_now:
        try:
            result = what_if(
                base, add=cd.added_facilities(add_now, std), remove=rm_now or None, geometry=True
            )
        except InputError as err:
            _ui.show_input_error(err)
    gained = cd.gained_area(base, result, chosen) if result is not base else None
    return result, gained


def changed_rows(delta, chosen):
    """The rows of a what-if's ``delta`` whose category is chosen and whose coverage or count changed."""
    d = delta[delta["category"].isin(chosen)]
    moved = (d["delta_land_share"].abs() >= 5e-4) | (d["delta_n_facilities"] != 0)
    return d[moved]


def _add_controls(state: CoveragePageState, chosen, std, out, basemap, sites) -> None:
    added, cands = state.added, state.candidates
    add_cat = st.selectbox(
        "新增设施类别", chosen, format_func=lambda k: std.categories[k].name_zh, key="cov_add_cat"
    )
    clicked = (out or {}).get("last_clicked") if isinstance(out, dict) else None
    if clicked:
        lon, lat = float(clicked["lng"]), float(clicked["lat"])
        if BASEMAPS[basemap].display_crs == "gcj02":
            lon, lat = (float(v) for v in gcj02_to_wgs84(lon, lat))
        new = {"name": f"假设{std.categories[add_cat].name_zh}{len(added) + 1}", "category": add_cat}
        st.button(
            f"在地图点击处（{lon:.5f}, {lat:.5f}）新增",
            key="cov_add_click",
            on_click=_append,
            args=(added, new | {"lon": lon, "lat": lat}),
        )
        st.button(
            "把点击处加入选址候选",
            key="cov_cand_click",
            on_click=_append,
            args=(cands, {"name": f"点击位置{len(cands) + 1}", "lon": lon, "lat": lat}),
        )
    if sites is not None and not sites.empty:
        pts = cd.site_points(sites)
        pick = st.selectbox(
            "或选择城市更新项目",
            list(range(len(pts))),
            format_func=lambda i: pts["name"].iat[i],
            key="cov_add_site",
        )
        p = pts.geometry.iat[pick]
        new = {
            "name": f"{pts['name'].iat[pick]}（假设{std.categories[add_cat].name_zh}）",
            "category": add_cat,
        }
        st.button(
            "在所选更新项目新增",
            key="cov_add_site_btn",
            on_click=_append,
            args=(added, new | {"lon": p.x, "lat": p.y}),
        )


def _remove_controls(state: CoveragePageState, all_fac, chosen) -> None:
    shown = all_fac[all_fac["category"].isin(chosen) & ~all_fac["facility_id"].isin(state.removed)]
    options: list[str] = ["", *shown["facility_id"]]
    rm = st.selectbox(
        "撤除设施",
        options,
        format_func=lambda f: (
            "（不撤除）" if not f else f"{shown.set_index('facility_id').at[f, 'name']}（{f}）"
        ),
        key="cov_rm",
    )
    st.button("撤除所选设施", key="cov_rm_btn", disabled=not rm, on_click=_append, args=(state.removed, rm))
    st.button(
        "清除全部假设",
        key="cov_reset",
        disabled=not (state.added or state.removed),
        on_click=_reset,
        args=(state,),
    )


def _append(items: list, item) -> None:
    """A what-if button's callback: the change is in the page state before the run the click starts, so
    that one run draws it (not a run that records it and a second, ``st.rerun``, that shows it)."""
    items.append(item)


def _reset(state: CoveragePageState) -> None:
    state.added, state.removed = [], []


def controls(state: CoveragePageState, result, all_fac, chosen, std, *, out, basemap, sites) -> None:
    """The deltas of the what-ifs, and the buttons adding and removing facilities."""
    st.caption(
        "新增设施：在地图上点击位置，或选择城市更新项目；撤除设施：选择现有设施。地图和统计按假设重算。"
    )
    if result.delta is not None:
        d = changed_rows(result.delta, chosen)
        if d.empty:
            st.caption("当前假设没有改变所选类别的覆盖。")
        for _, r in d.iterrows():
            st.metric(
                f"{std.categories[r['category']].name_zh} 用地覆盖率",
                f"{r['land_share_after']:.1%}",
                f"{r['delta_land_share'] * 100:+.1f} 个百分点",
            )
    w1, w2 = st.columns(2)
    with w1:
        _add_controls(state, chosen, std, out, basemap, sites)
    with w2:
        _remove_controls(state, all_fac, chosen)
    if state.added:
        st.caption(markdown_literal("假设新增：" + "、".join(a["name"] for a in state.added)))
