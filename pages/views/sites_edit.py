"""更新项目 page: the edit form of the selected site and the 新增 form.

The edit form's widgets are keyed by the page state's ``form_gen``: a save, an undo or a new
selection starts a fresh form from the stored values, while a refused stale save keeps
what the planner typed, shows what changed field by field (:mod:`renewal.sites.merge`), and the
next click saves only the planner's changed fields unless they choose to overwrite.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

import geodata
from layers import interaction
from pages import _ui
from pages.views.panels import lazy_expander
from pages.views.sites_state import PANELS, SitesPageState
from pages.views.text import markdown_literal
from renewal.crs import area_m2, length_m
from renewal.errors import ConflictError, InputError, StoreUnavailable
from renewal.sites import merge, schema, snapping, vertices
from renewal.sites.validate import validate_site
from renewal.zh import beijing_time

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
            "状态", list(ST), index=_index(ST, row["status"]), format_func=ST.__getitem__, key=key + "status"
        ),
        "precision": st.selectbox(
            "定位精度",
            list(PR),
            index=_index(PR, row["precision"]),
            format_func=PR.__getitem__,
            key=key + "prec",
        ),
        "position_source": st.text_area("定位依据", row["position_source"], key=key + "psrc"),
    }


CHOICES = {
    merge.KEEP_THEIRS: "保留对方的修改，只保存我改动的字段",
    merge.MINE_OVER: "用我的版本覆盖（表单中的全部内容）",
}
SHAPE_WORDS = {"Point": "点", "MultiPoint": "多点", "LineString": "线", "MultiLineString": "多段线"}


def _drawings_key(drawings) -> str:
    """A fingerprint of what the map's drawing tools returned (None before the planner touched them)."""
    return "" if drawings is None else interaction.drawing_key({"geometry": {"drawings": drawings}})


def _shown(field: str, value) -> str:
    """A value of the diff as a planner reads it: labels for codes, the shape's kind and size."""
    if field == merge.GEOMETRY:
        if value is None or value.is_empty:
            return "（无图形）"
        if value.geom_type in ("Polygon", "MultiPolygon"):
            return f"面，约 {area_m2(value):,.0f} ㎡"
        if value.geom_type == "Point":
            return f"点（{value.x:.5f}, {value.y:.5f}）"
        extra = f"，约 {length_m(value):,.0f} 米" if "Line" in value.geom_type else ""
        return SHAPE_WORDS.get(value.geom_type, "图形") + extra
    text = schema.clean_text(value)
    text = {"status": ST, "precision": PR}.get(field, {}).get(text, text)
    return text or "（空）"


def diff_table(diffs) -> pd.DataFrame:
    """The field-by-field diff after a refused save (plain text, Chinese labels, 北京时间)."""
    return pd.DataFrame(
        {
            "字段": [schema.FIELD_LABELS.get(d.field, "图形") for d in diffs],
            "您打开时": [_shown(d.field, d.base) for d in diffs],
            "对方的修改": [_shown(d.field, d.theirs) if d.theirs_changed else "（未改）" for d in diffs],
            "修改人": [(d.by or "其他会话") if d.theirs_changed else "" for d in diffs],
            "修改时间（北京时间）": [beijing_time(d.at) if d.theirs_changed and d.at else "" for d in diffs],
            "您的修改": [_shown(d.field, d.mine) if d.mine_changed else "（未改）" for d in diffs],
        },
        dtype=str,
    )


def _shape_choice(gen: int, drawn, warning: str) -> bool:
    """Inside the form: say what happens to a shape edited on the map; whether to save it."""
    if drawn is not None:
        st.info("地图上的图形已修改：点击“保存修改”时将一并保存新图形（取消下方勾选则只保存属性）。")
        return st.checkbox(
            "使用地图上绘制或编辑的图形",
            value=True,
            key=f"edit_{gen}_drawn_{_drawings_key(drawn.__geo_interface__)[:12]}",
            help="用地图左上角的绘图工具编辑橙色的现有图形，或删除它后绘制一个新图形。",
        )
    if warning:  # edited on the map, but not usable: said before saving
        st.warning(warning + "保存时只保存属性，图形保持不变。")
    return False


def edit_form(state: SitesPageState, store, chosen, drawings, crs: str) -> None:
    """The selected site's edit form (:func:`attribute_form`), then its vertices by coordinates
    (:func:`vertex_editor`)."""
    attribute_form(state, store, chosen, drawings, crs)
    vertex_editor(state, store, chosen)


def panel(state: SitesPageState, name: str, label: str, *, force: bool = False):
    """The expander ``name`` of :data:`~pages.views.sites_state.PANELS` and whether its content is drawn in
    this run."""
    return lazy_expander(label, PANELS[name], shown=state.panels_shown, force=force)


NEW_COORD = "新坐标（输入后回车）"
COORD_HELP = (
    "可输入 WGS84 经纬度（117.23,39.12）、高德/腾讯坐标（高德 117.24,39.12）、百度坐标（百度 117.25,39.13）"
    "或 CGCS2000 高斯-克吕格坐标 X,Y（4330000,521000）；换算为 WGS84 保存。"
)


def vertex_editor(state: SitesPageState, store, chosen) -> None:
    """The selected site's vertices in a table: a vertex typed in any coordinate format goes to WGS84,
    the new shape is previewed and checked, and saved with the version check (a bad coordinate: a Chinese
    message, nothing changed)."""
    row = chosen.iloc[0]
    geom = row.geometry
    points = vertices.vertex_list(geom)
    if not points:
        return
    box, shown = panel(state, "vertices", "按坐标输入或修改顶点")
    with box:
        if not shown:
            return
        st.caption(COORD_HELP)
        table = pd.DataFrame(
            {
                NEW_COORD: [""] * len(points),
                "序号": range(1, len(points) + 1),
                "经度（WGS84）": [p[0] for p in points],
                "纬度（WGS84）": [p[1] for p in points],
            }
        )
        edited = st.data_editor(
            table,
            hide_index=True,
            disabled=["序号", "经度（WGS84）", "纬度（WGS84）"],
            column_config={
                NEW_COORD: st.column_config.TextColumn(NEW_COORD, help=COORD_HELP, width="large"),
                "经度（WGS84）": st.column_config.NumberColumn(format="%.7f"),
                "纬度（WGS84）": st.column_config.NumberColumn(format="%.7f"),
            },
            key=f"vertices_{row['site_id']}_{state.form_gen}",
        )
        edits = {
            int(n): str(t).strip()
            for n, t in zip(edited["序号"], edited[NEW_COORD], strict=True)
            if str(t).strip()
        }
        if edits:
            _vertex_preview(state, store, row, edits)


def _vertex_preview(state: SitesPageState, store, row, edits: dict[int, str]) -> None:
    """What the typed vertices were read as, the new shape on a map, and the save button."""
    try:
        new_geom, changes = vertices.replace_vertices(row.geometry, edits)
        validate_site(row.to_dict(), new_geom)
    except InputError as err:
        _ui.show_input_error(err)
        return
    for c in changes:
        st.info(
            markdown_literal(
                f"第 {c.number} 点：识别为{c.recognised_zh}，换算为 WGS84 {c.lon:.7f}, {c.lat:.7f}"
            )
        )
    preview = gpd.GeoDataFrame({"name": [row["name"]]}, geometry=[new_geom], crs=4326)
    _ui.preview_map(preview, key=f"vertex_preview_{state.form_gen}", title="修改顶点后的图形")
    if not st.button("保存顶点修改", key=f"vertex_save_{state.form_gen}"):
        return
    try:
        version = store.save_site(
            row["site_id"],
            row.to_dict(),
            new_geom,
            expected_version=state.edit_version,
            fields=[merge.GEOMETRY],
        )
    except ConflictError:
        st.error("保存未执行：此项目在您打开后已被其他会话修改。请刷新页面后重新输入顶点坐标。")
        return
    except InputError as err:  # StoreUnavailable too: said in Chinese, nothing changed
        _ui.show_input_error(err)
        return
    state.start_edit(row["site_id"], version)
    st.toast("已保存顶点修改。")
    st.rerun()


def attribute_form(state: SitesPageState, store, chosen, drawings, crs: str) -> None:
    """Edit the selected site's attributes and its shape on the map.

    A shape edited or drawn on the map is saved with the form (the planner is told, and may untick it).
    Only the fields the planner changed are saved; after a refused stale save the form shows, field
    by field, what the other editor changed (who, when) and what this planner changed, and the next
    save keeps the other editor's changes unless the planner chooses to overwrite them."""
    row = chosen.iloc[0]
    sel = row["site_id"]
    if state.edit_base is None:  # the values the form starts from (the drawings seen so far are old)
        base = {f: row.get(f) for f in merge.FORM_FIELDS}
        state.edit_base = (base, row.geometry, state.edit_version, _drawings_key(drawings))
    base, base_geom, base_version, seen = state.edit_base
    touched = _drawings_key(drawings) != seen
    drawn, draw_warning = interaction.edited_shape(drawings, row.geometry, crs) if touched else (None, "")
    drawn = snapped(state, drawn)
    gen = state.form_gen
    box, shown = panel(state, "edit", "修改此项目（属性与图形）", force=bool(state.conflict) or touched)
    if not shown:
        return
    with box, st.form("edit_site"):
        choice = merge.KEEP_THEIRS
        if state.conflict:
            st.error(state.conflict)
            diff = diff_table(state.conflict_diffs)  # a static table, every cell literal (never Markdown)
            st.table(diff.map(markdown_literal).set_index("字段"))
            choice = st.radio("再次保存时", list(CHOICES), format_func=CHOICES.get, key=f"edit_{gen}_choice")
        values = _form_values(row, gen)
        use_drawn = _shape_choice(gen, drawn, draw_warning)
        if not st.form_submit_button("保存修改"):
            return
    if values["site_type"] is None:  # not chosen: keep what the site has
        values["site_type"] = row["site_type"]
    mine_geom = drawn if use_drawn else None
    mine_changed = merge.changed_fields(base, values, base_geom, mine_geom)
    fields = merge.fields_to_save(state.conflict_diffs, mine_changed, choice)
    if not fields:
        st.info("表单与打开时相同，没有需要保存的修改。")
        return
    try:
        version = store.save_site(
            sel,
            {**row.to_dict(), **values},
            mine_geom if mine_geom is not None else row.geometry,
            expected_version=state.edit_version,
            fields=fields,
        )
    except ConflictError:
        _refused(state, store, sel, values, mine_geom)
        return
    except StoreUnavailable as err:  # the team database does not answer: say so inside the open form
        state.conflict = markdown_literal(err.message_zh)
        st.rerun()
    except InputError as err:
        _ui.show_input_error(err)
        return
    state.start_edit(sel, version)
    st.toast("已保存（自相交的图形已自动修复）。" if store.last_notes else "已保存。")
    st.rerun()


def _refused(state: SitesPageState, store, sel: str, values: dict, mine_geom) -> None:
    """A stale save was refused: the diff against the newest version; the form keeps what was typed."""
    assert state.edit_base is not None  # the edit form that was saved set it
    base, base_geom, base_version, _seen = state.edit_base
    try:
        theirs, theirs_geom, newest = store.site(sel)
        changes = store.history(sel, limit=max(newest - base_version, 1))
    except InputError as err:  # deleted meanwhile, or the store cannot be read now
        _ui.show_input_error(err)
        return
    diffs = merge.field_diffs(
        base, theirs, values, changes, base_geom=base_geom, theirs_geom=theirs_geom, mine_geom=mine_geom
    )
    # who changed it: person labels (a signed-in name is any text), shown literally in the st.error
    people = "、".join(dict.fromkeys(d.by for d in diffs if d.theirs_changed and d.by)) or "他人"
    people = markdown_literal(people)
    state.conflict = (
        f"保存未执行：此项目在您打开后已被其他会话（{people}）修改（现为第 {newest} 版，您打开的是第 "
        f"{base_version} 版）。下表逐项列出对方和您的修改；您填写的内容仍在表单中。"
        "请选择再次保存的方式，然后再次点击“保存修改”。"
    )
    state.conflict_diffs = diffs
    state.edit_version = newest
    st.rerun()


def snapped(state: SitesPageState, geom):
    """A drawn shape with its vertices put exactly on the snapping targets they were snapped to on the map
    (the browser gives them back rounded to 1e-6°)."""
    targets = state.snap_targets
    if geom is None or not isinstance(targets, snapping.SnapTargets):
        return geom
    return snapping.snap_geometry(geom, targets)


def add_form(state: SitesPageState, store, new_geom, new_drawing) -> None:
    """Add a site at the newest unused drawing of the map."""
    new_geom = snapped(state, new_geom)
    box, shown = panel(state, "add", "新增项目（先在地图上绘制图形）")
    if not shown:
        return
    with box, st.form("add_site"):
        name = st.text_input("名称", key="new_name")
        stype = st.selectbox("类型", schema.SITE_TYPES, index=None, placeholder="请选择类型", key="new_type")
        status = st.selectbox(
            "状态", list(ST), index=list(ST).index(NEW_STATUS), format_func=ST.__getitem__, key="new_status"
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
    state.panels_shown.discard(PANELS["add"])
    state.selected = sid
    st.toast(f"已新增 {markdown_literal(sid)}。")
    st.rerun()
