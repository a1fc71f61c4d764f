"""打印图纸: the print panel under every page map (an expander): the current map view or a named view,
paper, orientation, scale, title, subtitle, 编制单位, 制图日期, 审图号, 鹰眼图 and 示意图 stamp; the sheet is
drawn on click (PDF, SVG, PNG 300 dpi) by :func:`layers.render_print.draw_sheet`.

The current view comes from the map widget: :func:`pages._ui.show_map` with ``returned_objects``
:data:`REPORTS` returns the map's bounds (in the basemap's display coordinates); :func:`remember_view` keeps them, in WGS84, per map in the session."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from functools import partial
from typing import Any

import streamlit as st

from layers.basemaps import BASEMAPS, DEFAULT_BASEMAP
from layers.display import wgs84_bounds
from layers.fonts import FontError, cjk_font, missing_glyphs
from layers.render_print import (
    ORIENTATION_LABELS,
    ORIENTATIONS,
    PAPERS,
    SCALES,
    check_layout,
    draw_sheet,
    extent_line,
    parse_scale,
    sheet_bytes,
)
from layers.scene import Bounds, Scene, bounds_of
from pages import _ui
from pages.views import add_to_presentation
from pages.views.panels import lazy_expander
from renewal.errors import InputError
from renewal.zh import BEIJING

#: What a map with the panel asks ``show_map`` to return: its view (a pan or zoom then reruns the page once it
#: settles, and so does the first report after the map loads; nothing the panel keeps feeds the map: no loop).
REPORTS = ("bounds",)
CURRENT = "__current__"
FIT = "适应范围"
#: The plan's named views every panel offers (the 总体布局 bookmarks), by the layer that frames each.
PLAN_VIEWS = {"全区": "district", "一站": "station_area", "一带": "belt", "一园": "jinmao_park"}
#: The page each map with the panel is on (said on a view added to 汇报模式).
PAGES = {
    "home_map": "总体布局",
    "jinmao_map": "金贸产业园",
    "sites_map": "更新项目",
    "coverage_map": "生活圈覆盖",
    "gis_map": "数据管理",
}
FORMATS = (
    ("pdf", "PDF", "application/pdf"),
    ("svg", "SVG", "image/svg+xml"),
    ("png", "PNG 300dpi", "image/png"),
)


def panel_key(map_key: str) -> str:
    """The widget key of the 打印图纸 expander under the map ``map_key``."""
    return f"{map_key}_print_panel"


def view_key(map_key: str) -> str:
    return f"{map_key}_print_view"


def remember_view(map_key: str, out, basemap_key: str, state=None) -> Bounds | None:
    """Keep the bounds the map widget reported (``out["bounds"]``) in WGS84 for this map in ``state`` (the
    session's); return the kept view (None before the map has reported one)."""
    state = st.session_state if state is None else state
    raw: Any = (out or {}).get("bounds") if isinstance(out, dict) else None
    try:
        sw, ne = raw["_southWest"], raw["_northEast"]
        shown = (float(sw["lng"]), float(sw["lat"]), float(ne["lng"]), float(ne["lat"]))
    except (KeyError, TypeError, ValueError):
        shown = None
    if shown is not None and shown[0] < shown[2] and shown[1] < shown[3]:
        basemap = BASEMAPS.get(basemap_key) or BASEMAPS[DEFAULT_BASEMAP]
        state[view_key(map_key)] = wgs84_bounds(shown, basemap)
    return state.get(view_key(map_key))


def _plan_views(scene) -> dict[str, Bounds]:
    views = {k: b for k, key in PLAN_VIEWS.items() if (b := bounds_of(_ui.cached_layers((key,))[key]))}
    return {**views, **{k: b for k, b in scene.bookmarks.items() if k not in views}}


def _sheet_file(scene: Scene, options: dict[str, Any], fmt: str) -> bytes:
    """One sheet file, drawn when its download button is clicked."""
    return sheet_bytes(draw_sheet(scene, **options), fmt)


def _file_name(title: str, paper: str, orientation: str, fmt: str) -> str:
    stem = re.sub(r'[\\/:*?"<>|\s]+', "_", title).strip("_") or "地图"
    return f"{stem}_{paper.replace(':', 'x')}{ORIENTATION_LABELS[orientation]}.{fmt}"


def map_with_panel(m, *, key: str, height: int, also: tuple[str, ...] = ()) -> None:
    """A map whose only output is its view, with its 打印图纸 panel, in one fragment: a pan or zoom (and the
    first report after the map loads) reruns only the map and the panel, never the page. ``also``: more
    outputs kept in ``st.session_state[key]`` (e.g. ``all_drawings``), read by the page's next run."""

    @st.fragment
    def _map_and_panel() -> None:
        out = _ui.show_map(m, key=key, height=height, returned_objects=REPORTS + tuple(also))
        show(m, out, key=key)

    _map_and_panel()


def show(m, out, *, key: str, reports: bool = True) -> None:
    """The 打印图纸 expander for the map ``m`` (drawn by ``draw_scene``) shown under ``key``; ``out`` is
    what :func:`pages._ui.show_map` returned. ``reports=False``: the map does not report its view (a map a
    planner clicks into, whose page a pan must not rerun): the panel frames the map's own extent (the
    page's filter and selection, or the study area) or a named view."""
    scene = getattr(m, "_rp_scene", None)
    if scene is None:
        return
    current = remember_view(key, out, getattr(m, "_rp_basemap", DEFAULT_BASEMAP)) if reports else None
    here = "当前地图范围" if reports else "地图范围（按当前筛选与选择）"
    add_to_presentation.show(m, current or scene.extent, key=key, page=PAGES.get(key, ""))
    box, drawn = lazy_expander("打印图纸", panel_key(key))
    with box:
        if not drawn:
            return
        views = _plan_views(scene)
        frame = st.selectbox(
            "图幅范围",
            [CURRENT, *views],
            format_func=lambda v: here if v == CURRENT else f"命名视图：{v}",
            key=f"{key}_print_frame",
        )
        extent = (current or scene.extent) if frame == CURRENT else views[frame]
        if frame == CURRENT and current is None and reports:
            st.caption("地图尚未报告当前范围，按地图的初始范围打印。")
        if extent is not None:
            st.caption(
                extent_line(extent).replace("图幅范围", "所选范围", 1) + "（图纸按纸张比例在其周围取景）"
            )
        c1, c2, c3 = st.columns(3)
        paper = c1.selectbox("纸张", list(PAPERS), index=1, key=f"{key}_print_paper")
        orientation = c2.selectbox(
            "方向", ORIENTATIONS, format_func=ORIENTATION_LABELS.__getitem__, key=f"{key}_print_orient"
        )
        scale_text = c3.selectbox(
            "比例尺", [FIT, *(f"1:{n}" for n in SCALES)], key=f"{key}_print_scale", accept_new_options=True
        )
        d1, d2 = st.columns(2)
        title = d1.text_input("图名", scene.title, key=f"{key}_print_title", max_chars=100)
        subtitle = d2.text_input("副标题（可选）", key=f"{key}_print_subtitle", max_chars=100)
        e1, e2 = st.columns(2)
        org = e1.text_input("编制单位", key=f"{key}_print_org", max_chars=60)
        review_no = e2.text_input("审图号（可选）", key=f"{key}_print_review", max_chars=60)
        f1, f2 = st.columns(2)
        date = f1.date_input(
            "制图日期", datetime.now(BEIJING).date(), key=f"{key}_print_date", format="YYYY/MM/DD"
        )
        inset = f2.checkbox("鹰眼图（全区位置）", True, key=f"{key}_print_inset")
        stamp = f2.checkbox("示意图标记（图面含示意内容时）", True, key=f"{key}_print_stamp")
        try:
            scale = parse_scale(scale_text or "")
            check_layout(paper, orientation, scale, org.strip(), review_no.strip())
            if not title.strip():
                raise InputError("title is empty", "请填写图名。")
            cjk_font()  # the files are drawn on click: say now if they cannot be
            missing = missing_glyphs([title, subtitle, org, review_no])
            if missing:
                raise InputError(
                    f"the font cannot draw {''.join(missing)!r}",
                    "图名、副标题、编制单位或审图号中有字体无法显示的字符：" + "".join(missing),
                )
        except InputError as err:
            _ui.show_input_error(err)
            return
        except FontError:
            st.error("无法生成图纸：找不到可显示中文的字体。")
            return
        sheet_scene = dataclasses.replace(scene, title=title.strip(), extent=extent)
        options: dict[str, Any] = {
            "paper": paper,
            "orientation": orientation,
            "scale": scale,
            "subtitle": subtitle.strip(),
            "org": org.strip(),
            "review_no": review_no.strip(),
            "date": date,
            "inset": inset,
            "stamp": stamp,
        }
        for fmt, label, mime in FORMATS:  # one per line: the full label even in a narrow map column
            _ui.download_button(
                f"下载图纸（{label}，{paper}{ORIENTATION_LABELS[orientation]}）",
                partial(_sheet_file, sheet_scene, options, fmt),  # drawn on click
                file_name=_file_name(title.strip(), paper, orientation, fmt),
                mime=mime,
                key=f"{key}_print_{fmt}",
            )
