"""The 更新项目 page (Streamlit AppTest): filtering, selection, card, editing, downloads, errors."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pages.views.sites_state import STATE_KEY, SitesPageState
from renewal.storage import open_store, store_path
from renewal.storage.gpkg import GpkgStore as Store
from tests.sites_panels import open_panels

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "sites.py")


@pytest.fixture
def ws(tmp_path, monkeypatch):
    monkeypatch.setenv("RENEWAL_WORKSPACE", str(tmp_path))
    return tmp_path


def run(**state) -> AppTest:
    """Run the page with its state object starting from ``state`` (fields of SitesPageState)."""
    at = open_panels(AppTest.from_file(PAGE, default_timeout=90))
    if state:
        at.session_state[STATE_KEY] = SitesPageState(**state)
    at.run()
    assert not at.exception, at.exception
    return at


def page_state(at) -> SitesPageState:
    return at.session_state[STATE_KEY]


def table(at):
    return next(d.value for d in at.dataframe if "编号" in d.value.columns)


def test_page_lists_all_sites_and_seeds_the_workspace(ws):
    at = run()
    t = table(at)
    assert len(t) == 36
    assert {"名称", "类型", "所属更新片区", "状态", "定位精度", "计算面积（㎡）", "计算长度（米）"} <= set(
        t.columns
    )
    assert store_path(ws).exists()  # seeded on first run
    assert [b.label for b in at.get("download_button")] == [  # in the popover; 打印图纸's once it is opened
        "GeoJSON",
        "GeoPackage",
        "Shapefile（zip压缩）",
        "KML",
        "CSV（几何为WKT）",
        "Excel表格",
    ]


def test_filter_by_area_type_status_and_search(ws):
    at = run()
    at.sidebar.multiselect(key="f_area").set_value(["大直沽片区"]).run()
    t = table(at)
    assert set(t["所属更新片区"]) == {"大直沽片区"} and len(t) == 4
    at.sidebar.multiselect(key="f_type").set_value(["片区地块"]).run()
    assert set(table(at)["名称"]) == {"18号地", "四号台", "棉一地块"}
    at.sidebar.multiselect(key="f_area").set_value([]).run()
    at.sidebar.multiselect(key="f_type").set_value([]).run()
    at.sidebar.multiselect(key="f_status").set_value(["existing"]).run()
    assert set(table(at)["状态"]) == {"已建成"}
    at.sidebar.multiselect(key="f_status").set_value([]).run()
    at.sidebar.text_input(key="f_query").set_value("护仓").run()
    assert list(table(at)["名称"]) == ["护仓河水质巩固提升项目"]
    at.sidebar.text_input(key="f_query").set_value("没有这个项目").run()
    assert len(table(at)) == 0
    data = [
        b for b in at.get("download_button") if not b.proto.label.startswith("下载图纸")
    ]  # not the map sheet
    assert data and all(b.proto.disabled for b in data)


def test_selected_site_opens_its_card(ws):
    at = run(selected="RS-004")
    assert any(s.value == "金贸产业园片区" for s in at.subheader)
    assert any("金贸产业园片区重点加快一机床项目产业地块及金二地块建设" in i.value for i in at.info)
    card = at.table[0].value
    items = dict(zip(card["项目"], card["内容"], strict=True))
    assert items["规划条款"].startswith("第六章 第二节")
    assert items["状态"] == "持续推进" and items["定位精度"] == "示意范围"
    assert "㎡" in items["计算面积"] and "EPSG:4548" in items["计算面积"]


def test_a_placeholder_site_says_its_position_is_undetermined(ws):
    at = run(selected="RS-021")  # 管乐器厂: the plan gives no place at all
    assert any(s.value == "管乐器厂" for s in at.subheader)
    assert any(c.value.startswith("⚠ 位置待定") for c in at.caption)
    card = at.table[0].value
    assert dict(zip(card["项目"], card["内容"], strict=True))["定位精度"] == "位置待定（占位示意）"
    assert "位置待定（占位示意）" in set(table(at)["定位精度"])


def test_selection_outside_the_filter_is_dropped(ws):
    at = run(selected="RS-004")
    at.sidebar.multiselect(key="f_area").set_value(["富民路片区"]).run()
    assert page_state(at).selected is None
    assert any("请在表格或地图上选择" in i.value for i in at.info)


def test_map_click_selects_the_site(ws):
    click = {
        "type": "Feature",
        "properties": {"_id": "RS-035", "_layer": "renewal_sites"},
        "geometry": {"type": "Point", "coordinates": [117.25, 39.11]},
    }
    at = run(map_feature=click)
    assert page_state(at).selected == "RS-035"
    assert any(s.value == "护仓河水质巩固提升项目" for s in at.subheader)


def test_edit_attributes_from_the_form_and_undo(ws):
    at = run(selected="RS-021")
    form_name = next(t for t in at.text_input if t.label == "名称" and t.value == "管乐器厂")
    form_name.set_value("管乐器厂（已核实）")
    next(b for b in at.button if b.label == "保存修改").click().run()
    assert not at.exception, at.exception
    s = Store(store_path(ws))
    assert s.site("RS-021")[0]["name"] == "管乐器厂（已核实）"
    # no users file: the change names this machine's user, labelled as such (was a random "web-…" id)
    assert s.history("RS-021")[0].session == f"本机用户 {__import__('getpass').getuser()}"
    at.button(key="undo").click().run()
    assert not at.exception, at.exception
    assert s.site("RS-021")[0]["name"] == "管乐器厂"
    assert any(
        t.label == "名称" and t.value == "管乐器厂" for t in at.text_input
    )  # the form shows the undone state
    # editing again after an undo is not mistaken for a conflict
    next(t for t in at.text_input if t.label == "名称").set_value("管乐器厂（再改）")
    next(b for b in at.button if b.label == "保存修改").click().run()
    assert not at.error
    assert s.site("RS-021")[0]["name"] == "管乐器厂（再改）"


def test_empty_name_is_refused_in_chinese(ws):
    at = run(selected="RS-021")
    next(t for t in at.text_input if t.label == "名称" and t.value == "管乐器厂").set_value("  ")
    next(b for b in at.button if b.label == "保存修改").click().run()
    assert any("名称不能为空" in e.value for e in at.error)
    assert Store(store_path(ws)).site("RS-021")[0]["name"] == "管乐器厂"


def test_concurrent_save_is_refused_and_what_was_typed_is_kept(ws):
    at = run(selected="RS-021")
    other = Store(store_path(ws), session="other")
    p, g, v = other.site("RS-021")
    other.save_site("RS-021", {**p, "name": "别人改的"}, g, expected_version=v)
    next(t for t in at.text_input if t.label == "名称").set_value("我改的")
    next(t for t in at.text_area if t.label == "定位依据").set_value("我核实的依据")
    next(b for b in at.button if b.label == "保存修改").click().run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert any("其他会话" in e for e in errors)
    assert not any("重新载入" in e for e in errors)  # the page did not ask for a reload it needs not
    assert Store(store_path(ws)).site("RS-021")[0]["name"] == "别人改的"
    # what the planner typed is still in the form; the card shows the other session's version
    assert any(t.label == "名称" and t.value == "我改的" for t in at.text_input)
    assert any(t.label == "定位依据" and t.value == "我核实的依据" for t in at.text_area)
    assert any(s.value == "别人改的" for s in at.subheader)
    # saving again is deliberate: it applies the kept values over the newest version
    next(b for b in at.button if b.label == "保存修改").click().run()
    assert not at.error
    saved = Store(store_path(ws)).site("RS-021")[0]
    assert saved["name"] == "我改的" and saved["position_source"] == "我核实的依据"


def test_read_only_workspace_is_reported(ws):
    open_store(ws)
    store_path(ws).chmod(0o444)
    try:
        at = run(selected="RS-021")
        next(t for t in at.text_input if t.label == "名称").set_value("x")
        next(b for b in at.button if b.label == "保存修改").click().run()
        assert any("只读" in e.value for e in at.error)
    finally:
        store_path(ws).chmod(0o644)


def test_html_like_name_is_shown_as_plain_text(ws):
    s = open_store(ws)
    p, g, v = s.site("RS-021")
    s.save_site("RS-021", {**p, "name": "<script>alert(1)</script>"}, g, expected_version=v)
    at = run(selected="RS-021")
    assert "<script>alert(1)</script>" in set(table(at)["名称"])  # the table shows it as text
    heads = [h.value for h in at.subheader]
    assert (
        r"\<script\>alert\(1\)\</script\>" in heads
    )  # the card's title: every Markdown/HTML character escaped
    assert not any("<script>" in h for h in heads)
    assert not any("<script>" in m.value for m in at.markdown)  # never as raw markdown/HTML


def test_markdown_characters_in_data_are_shown_literally_and_empty_plan_text_is_explained(ws):
    from shapely.geometry import Point

    s = open_store(ws)
    sid = s.add_site(
        {"name": "*重点* _项目_ $1$", "status": "planned", "site_type": "微更新"}, Point(117.2277, 39.1100)
    )
    at = run(selected=sid)
    assert r"\*重点\* \_项目\_ \$1\$" in [h.value for h in at.subheader]
    assert [i.value for i in at.info] == ["（规划人员新增，无规划原文）"]


def test_selected_row_is_marked_and_on_top(ws):
    at = run(selected="RS-004")
    t = table(at)
    assert list(t.loc[t["选中"] != "", "编号"]) == ["RS-004"]
    assert t["编号"].iloc[0] == "RS-004" and len(t) == 36


def tick_row(at, row):
    """What the browser sends when a row's checkbox is ticked."""
    key = f"sites_table_{page_state(at).table_gen}"
    at.session_state[key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, at.exception


def test_choosing_a_row_selects_the_site_and_a_map_click_moves_the_row(ws):
    at = run()
    tick_row(at, 3)
    assert page_state(at).selected == "RS-004"
    assert any(s.value == "金贸产业园片区" for s in at.subheader)
    t = table(at)  # the row stays where it was clicked (nothing jumps from under the mouse), marked
    assert t["编号"].iloc[3] == "RS-004" and list(t.loc[t["选中"] != "", "编号"]) == ["RS-004"]
    assert t["编号"].iloc[0] == "RS-001"
    # then a click on the map selects another site; the table follows (a new table, the site on top)
    page_state(at).map_feature = {"properties": {"_id": "RS-015", "_layer": "renewal_sites"}}
    at.run()
    assert page_state(at).selected == "RS-015"
    t = table(at)
    assert t["编号"].iloc[0] == "RS-015" and list(t.loc[t["选中"] != "", "编号"]) == ["RS-015"]
    # and choosing a row again (the 3rd row of the re-ordered table) wins over the old map click
    third = t["编号"].iloc[2]
    tick_row(at, 2)
    assert page_state(at).selected == third
    t = table(at)  # the order the planner clicked in is kept
    assert t["编号"].iloc[0] == "RS-015" and list(t.loc[t["选中"] != "", "编号"]) == [third]


def test_adding_without_a_drawing_is_refused_in_chinese(ws):
    at = run()
    at.text_input(key="new_name").set_value("新地块")
    next(b for b in at.button if b.label == "新增").click().run()
    assert any("请先在地图上绘制" in e.value for e in at.error)
    assert len(Store(store_path(ws)).sites()) == 36


def test_damaged_store_falls_back_to_bundled_catalogue(ws):
    store_path(ws).write_bytes(b"not a database" * 100)
    at = run()
    assert any("无法读取工作区数据文件" in e.value for e in at.error)
    assert len(table(at)) == 36  # still browsable
    assert not [b for b in at.button if b.label == "保存修改"]  # but not editable
    notices = [w.value for w in at.warning if "当前显示内置目录（不含工作区修改）" in w.value]
    assert len(notices) == 2  # above the table and above the downloads


def test_workspace_store_shows_no_bundled_notice(ws):
    at = run()
    assert not [w for w in at.warning if "内置目录" in w.value]


def test_without_a_map_edit_no_shape_choice_is_shown_and_the_shape_is_kept(ws):
    at = run(selected="RS-021")
    assert not [c for c in at.checkbox if c.label == "使用地图上绘制或编辑的图形"]
    before = Store(store_path(ws)).site("RS-021")
    next(t for t in at.text_input if t.label == "名称" and t.value == "管乐器厂").set_value("管乐器厂（改）")
    next(b for b in at.button if b.label == "保存修改").click().run()
    assert not at.exception, at.exception
    after = Store(store_path(ws)).site("RS-021")
    assert after[0]["name"] == "管乐器厂（改）" and after[1].equals(before[1])


def test_refused_save_shows_the_diff_and_the_next_save_keeps_the_colleagues_fields(ws):
    at = run(selected="RS-021")
    other = Store(store_path(ws), session="张三")
    p, g, v = other.site("RS-021")
    other.save_site(
        "RS-021", {**p, "status": "existing", "position_source": "现场核实"}, g, expected_version=v
    )
    next(t for t in at.text_input if t.label == "名称").set_value("管乐器厂（李四）")
    next(b for b in at.button if b.label == "保存修改").click().run()
    assert not at.exception, at.exception
    assert any("张三" in e.value and "保存未执行" in e.value for e in at.error)
    diff = next(d.value for d in at.table if "对方的修改" in d.value.columns)
    assert diff.loc["状态", "对方的修改"] == "已建成" and diff.loc["状态", "您的修改"] == "（未改）"
    assert diff.loc["状态", "修改人"] == "张三" and "年" in diff.loc["状态", "修改时间（北京时间）"]
    assert diff.loc["名称", "您的修改"] == "管乐器厂（李四）" and diff.loc["名称", "对方的修改"] == "（未改）"
    choice = next(r for r in at.radio if r.label == "再次保存时")
    assert choice.value == "keep_theirs"
    next(b for b in at.button if b.label == "保存修改").click().run()
    assert not at.error
    saved = Store(store_path(ws)).site("RS-021")[0]
    assert saved["name"] == "管乐器厂（李四）"
    assert saved["status"] == "existing" and saved["position_source"] == "现场核实"


def test_text_a_colleague_typed_shows_literally_in_the_card_and_the_refused_save(ws):
    """Markdown in a site's fields and in a colleague's name is shown as typed: the card's table (st.table
    renders Markdown in its cells) and the refused save's message get it escaped, never as a link."""
    from pages.views.text import markdown_literal

    link, name = "[点我](javascript:alert(1))", "**张三**[链](http://e.x)"
    at = run(selected="RS-021")
    other = Store(store_path(ws), session=name)
    p, g, v = other.site("RS-021")
    other.save_site("RS-021", {**p, "position_source": link}, g, expected_version=v)
    next(t for t in at.text_input if t.label == "名称").set_value("管乐器厂（李四）")
    next(b for b in at.button if b.label == "保存修改").click().run()
    assert not at.exception, at.exception
    said = next(e.value for e in at.error if "保存未执行" in e.value)
    assert markdown_literal(name) in said and name not in said, said
    card = dict(zip(at.table[0].value["项目"], at.table[0].value["内容"], strict=True))
    assert card["定位依据"] == markdown_literal(link)


def test_after_a_refused_save_the_planner_may_overwrite_with_their_version(ws):
    at = run(selected="RS-021")
    other = Store(store_path(ws), session="张三")
    p, g, v = other.site("RS-021")
    other.save_site("RS-021", {**p, "status": "existing"}, g, expected_version=v)
    next(t for t in at.text_input if t.label == "名称").set_value("管乐器厂（李四）")
    next(b for b in at.button if b.label == "保存修改").click().run()
    next(r for r in at.radio if r.label == "再次保存时").set_value("mine_over")
    next(b for b in at.button if b.label == "保存修改").click().run()
    assert not at.error
    saved = Store(store_path(ws)).site("RS-021")[0]
    assert saved["name"] == "管乐器厂（李四）" and saved["status"] == p["status"]


# ---- issue 11: the page as planners use it ---------------------------------------------------


def test_search_finds_plan_words_type_area_and_ids_without_hyphen(ws):
    at = run()
    for query, expected in (("保障房", {"RS-028"}), ("RS035", {"RS-035"}), ("rs-035", {"RS-035"})):
        at.sidebar.text_input(key="f_query").set_value(query).run()
        assert set(table(at)["编号"]) == expected, query
    at.sidebar.text_input(key="f_query").set_value(
        "大直沽"
    ).run()  # the area finds its sites, not only its name
    assert set(table(at)["所属更新片区"]) >= {"大直沽片区"} and len(table(at)) == 4


def url(at, name) -> list[str]:
    value = at.query_params.get(name, [])
    return value if isinstance(value, list) else [value]


def test_selection_and_filters_are_kept_in_the_url(ws):
    at = open_panels(AppTest.from_file(PAGE, default_timeout=90))
    at.query_params.update({"site": "RS-004", "area": ["金贸产业园片区", "不存在的片区"], "q": "金贸"})
    at.run()
    assert not at.exception, at.exception
    assert page_state(at).selected == "RS-004"  # a shared link opens the site
    assert at.sidebar.multiselect(key="f_area").value == ["金贸产业园片区"]  # unknown values dropped
    assert at.sidebar.text_input(key="f_query").value == "金贸"
    tick_row(at, 1)  # another site chosen: the URL follows
    chosen = page_state(at).selected
    assert chosen != "RS-004" and url(at, "site") == [chosen]
    assert url(at, "area") == ["金贸产业园片区"] and url(at, "q") == ["金贸"]


def test_a_url_site_id_that_is_not_an_id_is_ignored(ws):
    at = AppTest.from_file(PAGE, default_timeout=90)
    at.query_params["site"] = "<script>x</script>"
    at.run()
    assert not at.exception and page_state(at).selected is None


def test_a_row_click_keeps_the_table_and_a_map_click_ticks_its_site_in_a_new_one(ws):
    at = run()
    gen = page_state(at).table_gen
    tick_row(at, 3)
    # a row click keeps the table (same key: the browser's grid is updated, not built again; same order)
    assert page_state(at).table_gen == gen
    frame = next(d for d in at.dataframe if "编号" in d.value.columns)
    assert frame.value["编号"].iloc[3] == "RS-004"
    assert at.session_state[f"sites_table_{gen}"]["selection"]["rows"] == [3]  # its checkbox stays ticked
    # a map click right after is not overridden by that ticked row, and its site is ticked on top
    page_state(at).map_feature = {"properties": {"_id": "RS-015", "_layer": "renewal_sites"}}
    at.run()
    assert page_state(at).selected == "RS-015"
    new = page_state(at).table_gen
    assert new != gen
    frame = next(d for d in at.dataframe if "编号" in d.value.columns)
    assert frame.value["编号"].iloc[0] == "RS-015"
    assert at.session_state[f"sites_table_{new}"]["selection"]["rows"] == [0]
    # a filter that changes the rows: a new table again, the selected site on top
    at.sidebar.text_input(key="f_query").set_value("片区").run()
    assert page_state(at).table_gen != new


def test_downloads_are_built_only_when_clicked(ws, monkeypatch):
    from renewal.sites import exchange

    calls = []
    monkeypatch.setattr(exchange, "export_bytes", lambda *a, **k: calls.append(a) or b"")
    at = run(selected="RS-004")
    at.sidebar.text_input(key="f_query").set_value("片区").run()
    assert not at.exception and calls == []  # nothing built on any rerun


def test_missing_type_is_not_preselected_and_saving_keeps_it(ws):
    from shapely.geometry import Point

    sid = open_store(ws).add_site({"name": "无类型地块", "status": "planned"}, Point(117.2277, 39.1100))
    at = run(selected=sid)
    box = next(s for s in at.selectbox if s.label == "类型" and s.key and s.key.startswith("edit_"))
    assert box.value is None
    next(t for t in at.text_input if t.label == "名称").set_value("无类型地块（核实）")
    next(b for b in at.button if b.label == "保存修改").click().run()
    props = Store(store_path(ws)).site(sid)[0]
    assert props["name"] == "无类型地块（核实）" and props["site_type"] == ""


def test_new_site_form_starts_planned_without_a_type(ws):
    at = run()
    assert at.selectbox(key="new_status").value == "planned"
    assert at.selectbox(key="new_type").value is None


def test_a_site_drawn_outside_the_district_is_refused(ws, monkeypatch):
    from pages import _ui

    far = {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [116.40, 39.90]}}
    monkeypatch.setattr(_ui, "show_map", lambda *a, **k: {"last_active_drawing": far, "all_drawings": [far]})
    at = run()
    at.text_input(key="new_name").set_value("北京的点")
    at.selectbox(key="new_type").set_value("微更新")
    next(b for b in at.button if b.label == "新增").click().run()
    assert not at.exception, at.exception
    assert any("区界外" in e.value for e in at.error)
    assert len(Store(store_path(ws)).sites()) == 36


def test_a_map_click_is_taken_into_the_page_state_before_the_rerun(monkeypatch):
    """Issue 22: the map's change callback makes a clicked site the page's map pick before the rerun, so
    that one run selects it and draws its card (the page used to read the click while drawing the map
    and run a second time to show it). A feature that is not a site, or a drawing, changes nothing."""
    from pages.views import sites_browse

    state = SitesPageState(selected="RS-001")
    site = {"properties": {"_layer": "renewal_sites", "_id": "RS-021"}}
    session = {STATE_KEY: state, sites_browse.MAP_KEY: {"last_active_drawing": site, "all_drawings": None}}
    monkeypatch.setattr(sites_browse.st, "session_state", session)
    sites_browse._map_clicked()
    assert state.map_feature == site
    for other in ({"properties": {"_layer": "metro_stations", "_id": "x"}}, {"geometry": {}}, None):
        session[sites_browse.MAP_KEY] = {"last_active_drawing": other}
        sites_browse._map_clicked()
        assert state.map_feature == site


def test_the_edit_vertex_and_add_panels_are_drawn_once_opened_and_stay_drawn_when_folded(ws):
    """Issue 22: a click that selects a site re-sends no form the planner did not open (the forms were a
    third of the browser's work per click). Opened, a panel is drawn; folded again, it is still drawn (what
    the planner typed stays in the browser: tests/e2e/test_journey_fragments.py); another selection starts
    its edit and vertex panels afresh."""
    from pages.views.sites_edit import PANELS

    at = AppTest.from_file(PAGE, default_timeout=90)
    at.session_state[STATE_KEY] = SitesPageState(selected="RS-021")
    at.run()
    assert not at.exception, at.exception
    labels = [e.label for e in at.expander]
    assert {"修改此项目（属性与图形）", "按坐标输入或修改顶点", "新增项目（先在地图上绘制图形）"} <= set(
        labels
    )
    buttons = [b.label for b in at.button]
    assert "保存修改" not in buttons and "新增" not in buttons and not at.text_area
    at.session_state[PANELS["edit"]] = True  # the planner opens 修改此项目
    at.run()
    buttons = [b.label for b in at.button]
    assert "保存修改" in buttons and "新增" not in buttons and len(at.text_area) == 1
    at.session_state[PANELS["edit"]] = False  # folded again: the form is still drawn
    at.run()
    assert "保存修改" in [b.label for b in at.button] and len(at.text_area) == 1
    state = page_state(at)
    state.start_edit("RS-004", 1)  # another selection: its edit panel is drawn only when opened again
    assert "edit" not in state.panels_shown and "vertices" not in state.panels_shown
