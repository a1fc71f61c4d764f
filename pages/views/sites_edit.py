"""更新项目 page: the edit form of the selected site and the 新增 form.

The edit form's widgets are keyed by the page state's ``form_gen``: a save, an undo or a new
selection starts a fresh form from the stored values, while a refused stale save keeps
what the planner typed (the next click saves it over the newest version).
"""

from __future__ import annotations

import streamlit as st

import geodata
from layers import interaction
from pages import _ui
from pages.views.sites_state import SitesPageState
from pages.views.text import markdown_literal
from renewal.errors import ConflictError, InputError, StoreUnavailable
from renewal.sites import schema

ST = geodata.STATUS_LABELS
PR = geodata.PRECISION_LABELS
AREAS = ("", *schema.RENEWAL_AREAS)
NEW_STATUS = "planned"  # a planner's new site is planned until someone says otherwise


def _index(options, value) -> int | None:
    return list(options).index(value) if value in options else None


def _form_values(row, gen: int) -> dict:
    key = f"edit_{gen}_"
    return {
        "name": st.text_input("名称", row["name"], key=key + "name"),
        "site_type": st.selectbox(  # an unknown or missing type is not replaced by the first one
            "类型",
            schema.SITE_TYPES,
            index=_index(schema.SITE_TYPES, row["site_type"]),
            placeholder="（未指定）",
            key=key + "type",
        ),
        "renewal_area": st.selectbox(
            "所属更新片区",
            AREAS,
            index=_index(AREAS, row["renewal_area"]) or 0,
            format_func=lambda a: a or "（无）",
            key=key + "area",
        ),
        "status": st.selectbox(
            "状态", list(ST), index=_index(ST, row["status"]), format_func=ST.get, key=key + "status"
        ),
        "precision": st.selectbox(
            "定位精度", list(PR), index=_index(PR, row["precision"]), format_func=PR.get, key=key + "prec"
        ),
        "position_source": st.text_area("定位依据", row["position_source"], key=key + "psrc"),
    }


def edit_form(state: SitesPageState, store, chosen, drawings, crs: str) -> None:
    """Edit the selected site's attributes (and, if asked, its geometry from the map)."""
    row = chosen.iloc[0]
    sel = row["site_id"]
    with st.expander("修改此项目（属性与图形）", expanded=bool(state.conflict)), st.form("edit_site"):
        if state.conflict:
            st.error(state.conflict)
        values = _form_values(row, state.form_gen)
        use_drawn = st.checkbox(
            "使用地图上绘制或编辑的图形",
            value=False,
            key=f"edit_{state.form_gen}_drawn",
            help="用地图左上角的绘图工具编辑橙色的现有图形，或删除它后绘制一个新图形。"
            "地图上同类图形多于一个时不会使用。",
        )
        if not st.form_submit_button("保存修改"):
            return
    if values["site_type"] is None:  # not chosen: keep what the site has
        values["site_type"] = row["site_type"]
    props = {**row.to_dict(), **values}
    drawn, draw_warning = interaction.drawing_for_site(drawings, row.geometry, crs)
    if use_drawn and drawn is None:  # missing or ambiguous drawing: change nothing
        st.warning(draw_warning + "本次未保存任何修改。")
        return
    try:
        version = store.save_site(
            sel, props, drawn if use_drawn else row.geometry, expected_version=state.edit_version
        )
    except ConflictError:
        try:
            newest = store.site(sel)[2]
        except InputError as err:  # deleted meanwhile, or the store cannot be read now
            _ui.show_input_error(err)
            return
        state.conflict = (
            f"保存未执行：此项目已被其他会话修改（现为第 {newest} 版，您编辑的是第 {state.edit_version} 版），"
            "上方的项目卡片显示最新内容。您填写的内容仍保留在表单中；再次点击“保存修改”将以您填写的内容覆盖最新版本。"
        )
        state.edit_version = newest
        st.rerun()
    except StoreUnavailable as err:  # the team database does not answer: say so inside the open form
        state.conflict = markdown_literal(err.message_zh)
        st.rerun()
    except InputError as err:
        _ui.show_input_error(err)
        return
    state.start_edit(sel, version)
    st.toast("已保存（自相交的图形已自动修复）。" if store.last_notes else "已保存。")
    st.rerun()


def add_form(state: SitesPageState, store, new_geom, new_drawing) -> None:
    """Add a site at the newest unused drawing of the map."""
    with st.expander("新增项目（先在地图上绘制图形）"), st.form("add_site"):
        name = st.text_input("名称", key="new_name")
        stype = st.selectbox("类型", schema.SITE_TYPES, index=None, placeholder="请选择类型", key="new_type")
        status = st.selectbox(
            "状态", list(ST), index=list(ST).index(NEW_STATUS), format_func=ST.get, key="new_status"
        )
        psrc = st.text_area("定位依据", "规划人员在地图上绘制", key="new_psrc")
        if not st.form_submit_button("新增"):
            return
    try:
        if new_geom is None:
            raise InputError(
                "No new drawing on the map.",
                "请先在地图上绘制项目的位置或范围（已用于新增的图形不会再次使用）。",
            )
        if stype is None:
            raise InputError("Choose the site's type.", "请选择项目类型。")
        sid = store.add_site(
            {
                "name": name,
                "site_type": stype,
                "status": status,
                "precision": "approximate",
                "position_source": psrc,
                "source": "规划人员新增",
            },
            new_geom,
        )
    except InputError as err:
        _ui.show_input_error(err)
        return
    state.used_drawings.append(interaction.drawing_key(new_drawing))
    state.selected = sid
    st.toast(f"已新增 {markdown_literal(sid)}。")
    st.rerun()
