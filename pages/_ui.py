"""Shared Streamlit glue: cached loaders, the basemap picker, the map widget
wrapper and error display. Pages stay thin by calling these."""

from __future__ import annotations

import errno
import threading
import weakref

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

import geodata
from layers import assets
from layers.basemaps import BASEMAPS, DEFAULT_BASEMAP, TIANDITU_KEY_ENV
from layers.imported import imported_scene_layers
from layers.render import live_detached, standalone_map_html
from layers.scene import load_layers
from pages import _signin as signin
from pages.views import panels, text, ui_state
from pages.views.map_goto import goto_box
from pages.views.text import markdown_literal
from renewal.crs import to_metric, to_storage
from renewal.errors import InputError, StoreUnavailable
from renewal.storage import current_sites, open_store, resolve_database, store_handle
from renewal.storage.access import Actor, local_actor, save_setting
from renewal.storage.base import changed_by_others
from renewal.storage.layer_stores import open_layer_store, sync_shared_files
from renewal.zh import beijing_time, date_label, person_label


def _keep_basemap() -> None:
    """Widget callback: the chosen basemap, kept across pages (the widget's own value is not)."""
    ui_state.get().basemap = str(st.session_state[ui_state.BASEMAP_WIDGET])


def _keep_labels() -> None:
    ui_state.get().labels = bool(st.session_state[ui_state.LABELS_WIDGET])


@st.cache_resource(show_spinner=False)
def _static_ready() -> str:
    """Copy the map's scripts and stylesheets into static/ once per server process."""
    return str(assets.ensure_static())


@st.cache_data(show_spinner=False)
def cached_layers(keys: tuple[str, ...]) -> dict[str, gpd.GeoDataFrame]:
    return load_layers(keys)


@st.cache_data(show_spinner=False, max_entries=4)
def _imported_layers(location: str, stamp: tuple[int, int]) -> tuple[list, list[str]]:
    warnings: list[str] = []
    return imported_scene_layers(open_layer_store(), warnings=warnings), warnings


def imported_layers_key() -> tuple[str, tuple[int, int]] | None:
    """What the imported layers are now (their store and its newest change), for keying a cached map;
    None when they cannot be read."""
    try:
        store = open_layer_store()
        return store.location, store.stamp()
    except InputError:
        return None


def imported_layers() -> list:
    """The imported layers (数据管理; the team database's when one is set) as scene layers for every map's
    layer control, or []; each in its saved style (a saved style that cannot be used is said, the layer
    drawn plain)."""
    try:
        key = imported_layers_key()
        if key is None:
            return []
        layers, warnings = _imported_layers(*key)
        for line in warnings:
            st.warning(markdown_literal(line))
        return layers
    except InputError as err:
        show_input_error(err)
        return []


@st.cache_data(show_spinner=False)
def cached_geodata(name: str) -> gpd.GeoDataFrame:
    return geodata.load(name)


@st.cache_data(show_spinner=False)
def cached_table(name: str) -> pd.DataFrame:
    return geodata.load_table(name)


def require_app_navigation() -> None:
    """Make sure this page runs inside the app's navigation (titles, wide layout, sidebar).

    Streamlit 1.67 runs a page file directly, without app.py, when the first request
    to a fresh server is a deep link (its legacy pages/ discovery is on until
    st.navigation is first called). Then this runs the app's navigation here, which
    resolves the same URL and runs this page properly, and stops the outer run.
    """
    from streamlit.runtime.pages_manager import PagesManager  # the flag behind that legacy mode

    if PagesManager.uses_pages_directory:
        from pages._nav import run_app

        run_app()
        st.stop()
    shared_files_synced()


def team_database() -> bool:
    """Whether this server works on a team database (``$RENEWAL_DATABASE_URL``)."""
    return bool(resolve_database())


def shared_files_synced() -> None:
    """With a team database, this server's copies of the shared files (facility inventory, walking network,
    study area, colour table, the planner views of 汇报模式 …) brought up to the database's before the page
    reads them (one small query when nothing changed); when the database does not answer, the copies kept
    here are used, and the page says so."""
    if not resolve_database():
        return
    try:
        sync_shared_files()
    except InputError as err:
        st.warning(
            "暂时无法读取团队数据库，设施清单、步行路网、汇报视图等共享数据使用本服务器上次读取的版本。"
            + markdown_literal(err.message_zh)
        )


def map_options() -> tuple[str, bool]:
    """Sidebar controls shared by every map page: basemap and labels. Returns (basemap, labels)."""
    keys = [k for k, b in BASEMAPS.items() if b.available()]
    kept = ui_state.get()
    if kept.basemap not in keys:
        kept.basemap = DEFAULT_BASEMAP
    # the widgets start from the kept choice on every page
    st.session_state[ui_state.BASEMAP_WIDGET] = kept.basemap
    st.session_state[ui_state.LABELS_WIDGET] = kept.labels
    with st.sidebar:
        st.selectbox(
            "底图",
            keys,
            format_func=lambda k: BASEMAPS[k].title_zh,
            key=ui_state.BASEMAP_WIDGET,
            on_change=_keep_basemap,
        )
        st.toggle("显示名称标注", key=ui_state.LABELS_WIDGET, on_change=_keep_labels)
        note = BASEMAPS[kept.basemap].note_zh
        if note:
            st.caption(note)
        missing = [b.title_zh for b in BASEMAPS.values() if not b.available()]
        if missing:
            st.caption("未启用：" + "、".join(missing) + "（缺少密钥）")
        _tile_key_form()
    return kept.basemap, kept.labels


def _tile_key_form() -> None:
    """The 天地图 key, saved in the workspace on this machine (never in the repository); not for a viewer."""
    if not actor().can_edit:
        return
    with st.expander("天地图密钥"), st.form("tianditu_key", clear_on_submit=True):
        value = st.text_input(
            "密钥（tk）", type="password", help="在天地图官网申请；保存在本机工作区，不上传、不提交。"
        )
        if st.form_submit_button("保存在本机"):
            if not value.strip().isalnum():
                st.error("密钥应为字母和数字。")
                return
            try:
                save_setting(actor(), TIANDITU_KEY_ENV, value)
            except InputError as err:
                show_input_error(err)
                return
            except OSError as err:
                st.error("无法保存密钥：" + markdown_literal(err.strerror or str(err)))
                return
            st.toast("已保存天地图密钥。可在“底图”中选择天地图。")
            st.rerun()


@st.cache_resource(show_spinner=False, max_entries=16)
def _shared(_build, key: str, inputs: tuple):
    return _build()


def shared_map(build, key: str, inputs: tuple):
    """``build()`` (a map, or a tuple holding one), built once per ``inputs`` and shared by every session: a
    page load then costs the server no scene and no map drawing (one session at a time shows or exports the
    shared map: :func:`map_lock`). ``inputs`` must name everything the map depends on. While the map's 定位
    box (``key``) has text, a fresh map, not shared (the box puts its marker on the map)."""
    if str(st.session_state.get(f"{key}_goto") or "").strip():
        return build()
    return _shared(build, key, inputs)


_MAP_LOCKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_MAP_LOCKS_LOCK = threading.Lock()


def map_lock(m) -> threading.Lock:
    """The lock ``m`` is shown and exported under: st_folium renames a map's elements while it renders, and a
    standalone export of the same map object (built on click, in a thread of its own) runs beside a rerun
    that shows it again (a map fragment's rerun reuses the page run's map)."""
    with _MAP_LOCKS_LOCK:  # kept beside the map, not on it: a map is deep-copied for its standalone file
        return _MAP_LOCKS.setdefault(m, threading.Lock())


def show_map(
    m,
    *,
    key: str,
    height: int = 640,
    returned_objects: tuple[str, ...] = (),
    on_change=None,
):
    """Show a folium map with local scripts. Only ``returned_objects`` rerun the page,
    so panning and zooming never do (unless ``"bounds"`` is one: the 打印图纸 panel's current view). The 定位 box
    above it centres it on a typed coordinate or name.

    ``on_change`` runs before the rerun a map interaction starts, with the map's new value in
    ``st.session_state[key]``: a page can take a click into its state there and draw the answer in that
    one run (instead of reading the click while drawing and rerunning again).

    Shown under :func:`map_lock`: showing a map renames its elements for a moment, and a map may be shared
    between sessions (:func:`shared_map`) or exported while it is shown."""
    goto_box(m, key)
    _static_ready()
    with map_lock(m), assets.ids_kept(m):  # st_folium renames the elements (see ids_kept)
        assets.localize(m, mode="served")
        with live_detached(m) as live:  # a map drawn live: a change in its layers alone keeps the map
            return st_folium(
                m,
                key=key,
                height=height,
                use_container_width=True,
                returned_objects=list(returned_objects),
                on_change=on_change,
                feature_group_to_add=live,
            )


def preview_map(
    gdf: gpd.GeoDataFrame, *, key: str, title: str, tooltip: tuple[str, ...] = (), alts=()
) -> None:
    """An upload's features in red over the district (``alts``: (label, WGS84 geometries) in blue, other
    readings of the same numbers), zoomed to the features: where the file lands before it is imported."""
    from layers.registry import REGISTRY, LayerSpec, Style
    from layers.render import draw_scene
    from layers.scene import SceneLayer, make_scene

    kept = ui_state.get()
    basemap, labels = kept.basemap, kept.labels
    layers = [SceneLayer(REGISTRY["district"], cached_layers(("district",))["district"])]
    spec = LayerSpec("preview", title, "其他", style=Style(color="#d62728"), tooltip=tooltip, z=90)
    layers.append(SceneLayer(spec, gdf))
    for i, (label, geoms) in enumerate(alts):
        alt = gdf.set_geometry(geoms.values).set_crs(4326, allow_override=True)
        layers.append(
            SceneLayer(
                LayerSpec(f"alt{i}", label, "其他", style=Style(color="#1f77b4"), tooltip=tooltip, z=80), alt
            )
        )
    # the features and 300 m around them (one point alone has no extent to zoom to)
    extent = None if gdf.empty else gpd.GeoDataFrame(geometry=to_metric(gdf).buffer(300)).pipe(to_storage)
    m = draw_scene(make_scene(layers, extent=extent), basemap=basemap, labels=labels)
    show_map(m, key=key, height=480)


def show_input_error(err: InputError) -> None:
    """The Chinese message only (``err.details`` are English, for the CLI and logs), shown literally:
    names and file names inside it are data, never Markdown (no links, no images)."""
    st.error(markdown_literal(err.message_zh))


def show_write_error(err: OSError) -> None:
    """A workspace write that failed (full disk, permissions): the system's reason, shown literally."""
    st.error("无法保存到工作区：" + markdown_literal(err.strerror or str(err)))


def provenance_expander(names: tuple[str, ...]) -> None:
    """Where each shown layer came from, its licence and caveats: a panel drawn once opened (a page load
    does not make the browser load its data grid for it)."""
    box, drawn = panels.lazy_expander("数据来源与说明", "provenance_" + "_".join(names))
    with box:
        if not drawn:
            return
        rows = []
        for n in names:
            m = geodata.meta(n)
            rows.append(
                {
                    "图层": m.title_zh,
                    "来源": m.source,
                    "许可": m.licence,
                    "坐标系": m.crs,
                    "时间": date_label(m.date),
                    "精度": geodata.PRECISION_LABELS.get(m.precision, m.precision),
                    "说明": m.caveat_zh,
                }
            )
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def current_sites_or_none() -> gpd.GeoDataFrame | None:
    """The current renewal-site catalogue (workspace edits included), or None with a notice."""
    try:
        return current_sites()
    except InputError as err:
        show_input_error(err)
        return None


def download_button(
    label: str, data, *, file_name: str, mime: str, key: str | None = None, disabled: bool = False, where=None
) -> None:
    """A download button in ``where`` (a column or container; the page when None) whose click reruns
    nothing (``on_click="ignore"``). ``data``: bytes, or a callable that builds them when clicked.

    Streamlit 1.67 clears a session's unsent messages when a whole-page rerun starts. A download button
    outside a fragment started such a rerun with its own click, 10 ms after asking for its file, and a file
    built in less time was answered just before the rerun cleared the queue: the answer never reached the
    button, which kept its spinner and gave no file. Nothing on the page depends on a download, so no
    download reruns it."""
    (where or st).download_button(
        label, data, file_name=file_name, mime=mime, key=key, disabled=disabled, on_click="ignore"
    )


def export_map_button(m, *, file_name: str = "河东区总体布局.html") -> None:
    """Offer the map as one standalone HTML file (scripts inline; opens offline), built under :func:`map_lock`."""

    def html() -> bytes:
        with map_lock(m):
            return standalone_map_html(m).encode("utf-8")

    download_button(
        "下载地图（独立HTML文件，可离线打开、放入汇报）",
        html,  # built on click, not every rerun
        file_name=file_name,
        mime="text/html",
    )


def meeting_downloads(view_key: str, scene, sites, *, sheet_label: str = "下载地图（PDF图纸）") -> None:
    """Two buttons: the view's map sheet as a 16:9 PDF and the meeting deck (PPTX), built on click."""
    from layers.deck import deck_bytes
    from layers.fonts import FontError, cjk_font
    from layers.render_print import draw_sheet
    from layers.views import VIEWS

    try:
        cjk_font()  # the files are built on click; say now if they cannot be
    except FontError as err:
        st.error(f"无法生成图纸和幻灯片：找不到可显示中文的字体。{err}")
        return

    def sheet_pdf() -> bytes:
        import io

        buf = io.BytesIO()
        draw_sheet(scene, paper="16:9", subtitle=VIEWS[view_key].caption).savefig(buf, format="pdf")
        return buf.getvalue()

    c1, c2 = st.columns(2)
    download_button(sheet_label, sheet_pdf, file_name=f"{scene.title}.pdf", mime="application/pdf", where=c1)
    download_button(
        "下载汇报幻灯片（PPTX）",
        lambda: deck_bytes(sites=sites),
        file_name="河东区总体布局汇报.pptx",
        mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
        where=c2,
    )


def presentation_downloads(html: str, slides, sites, *, file_stem: str) -> None:
    """汇报模式's downloads, built on click: the offline HTML presentation, the PPTX deck and the PDF with the
    same views (``slides``: :func:`layers.presentation.presentation_slides`)."""
    from layers.deck import deck_bytes, deck_pdf_bytes
    from layers.fonts import FontError, cjk_font

    c1, c2, c3 = st.columns(3)
    download_button(
        "下载离线演示（HTML，无网络可放映）",
        html.encode("utf-8"),
        file_name=f"{file_stem}.html",
        mime="text/html",
        where=c1,
    )
    try:
        cjk_font()  # the files are built on click; say now if they cannot be
    except FontError as err:
        st.error(f"无法生成幻灯片和PDF：找不到可显示中文的字体。{err}")
        return
    download_button(
        "下载汇报幻灯片（PPTX）",
        lambda: deck_bytes(sites=sites, slides=slides),
        file_name=f"{file_stem}.pptx",
        mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
        where=c2,
    )
    download_button(
        "下载汇报文档（PDF，每页一图）",
        lambda: deck_pdf_bytes(slides),
        file_name=f"{file_stem}.pdf",
        mime="application/pdf",
        where=c3,
    )


# ---- 更新项目 page helpers (renewal sites: workspace store, drawing) ----


def actor() -> Actor:
    """Who writes from this browser: the signed-in person, else (no users file) this machine's user.

    Every store write takes it; the store refuses a viewer's write whatever the page offers.
    """
    user = signin.current_user()
    if user is not None:
        return Actor(user.name, user.role)
    return local_actor()


def session_id() -> str:
    """Who is editing, as recorded in the history: the signed-in person's name, else ``本机用户 <login>``.

    A person's name makes "undo my last change" work across reloads and sessions.
    """
    return actor().label


def viewer_notice(what: str) -> bool:
    """True when the person may change data; else say in Chinese why ``what`` is not offered."""
    if actor().can_edit:
        return True
    st.info(f"您的角色为“查看”：可以浏览和下载，不能{what}。如需修改，请联系管理员授予“编辑”角色。")
    return False


def person_name() -> str:
    """Who is working, as shown: :func:`session_id` read through ``renewal.zh.person_label`` (a name as it
    is; a bare browser-session code as 未登录用户, the command line as 命令行)."""
    return person_label(session_id())


#: Chinese words for the operating-system errors a workspace meets (full disk, no permission...).
OS_ERRORS_ZH = {
    errno.ENOSPC: "磁盘空间不足",
    errno.EDQUOT: "磁盘配额已满",
    errno.EACCES: "没有读写权限",
    errno.EPERM: "没有读写权限",
    errno.EROFS: "文件系统只读",
    errno.ENOTDIR: "工作区路径中有一项不是文件夹",
    errno.EISDIR: "应为文件的位置是一个文件夹",
}


def os_error_zh(err: OSError) -> str:
    """An operating-system error in Chinese (the English reason in brackets when not known)."""
    return OS_ERRORS_ZH.get(err.errno, f"系统错误（{err.strerror or err}）")


def open_sites_store():
    """The site store (seeded on first use; read-only for a viewer) or None with a Chinese notice."""
    if signin.current_user() is None:
        signin.require_sign_in()  # stops the page at the sign-in form when a users file exists
    try:
        store = open_store(actor=actor())
    except StoreUnavailable as err:  # the team database does not answer: keep the page (and its forms)
        st.warning(markdown_literal(err.message_zh))
        return store_handle(actor=actor())
    except (InputError, OSError) as err:
        msg = err.message_zh if isinstance(err, InputError) else os_error_zh(err)
        st.warning("无法打开工作区数据文件，仅可浏览内置目录，不能编辑：" + markdown_literal(msg))
        return None
    if store.read_only:
        st.info("您的角色为“查看”：可以浏览和下载，不能修改数据。")
    return store


def read_sites(store):
    """The store's sites, remembered for this browser session. While the team database does not answer,
    the last catalogue this session read, with a notice, so the page and what the planner typed stay
    (a save then says the database is down and keeps the form). Raises when nothing was read before."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    try:
        sites = store.sites()
    except StoreUnavailable:
        last = ui_state.get().last_sites
        if last is None:
            raise
        st.warning(
            f"团队数据库暂时无法连接：下面显示的是本页 {last[1]}（北京时间）读取的内容。"
            "您填写的内容会保留在表单中，数据库恢复后再次点击保存即可。"
        )
        return last[0]
    ui_state.get().last_sites = (sites, datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%H:%M:%S"))
    return sites


def can_edit(store) -> bool:
    """Whether the page may offer editing: a store that is there and writable for this person."""
    return store is not None and not getattr(store, "read_only", False)


def changed_elsewhere_notice(store, site_id: str | None, opened_version: int | None, current_version) -> None:
    """Say so when the shown site was changed by someone else since this page opened it."""
    if store is None or not site_id or opened_version is None or current_version is None:
        return
    try:
        change = changed_by_others(store, site_id, int(opened_version), int(current_version))
    except InputError:
        return
    if change is not None:
        st.warning(
            text.markdown_literal(
                f"此项目在您打开后已被 {person_label(change.session)} 修改（北京时间 {beijing_time(change.at)}）。"
                "表单中显示的是最新内容；您此前基于旧版本的保存会被拒绝，以免覆盖他人的修改。"
            )
        )
