"""Every page runs without an exception (Streamlit AppTest), and shows its key content."""

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.page_tables import html_tables

ROOT = Path(__file__).resolve().parent.parent


def _run(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=60)
    at.run()
    return at


def test_home_page_runs_and_shows_indicators():
    at = _run("home.py")
    assert not at.exception, at.exception
    assert "一站一带一园多点" in at.title[0].value
    frames = html_tables(at)
    indicator = next(f for f in frames if "指标" in f.columns)
    assert len(set(indicator["序号"])) == 18
    counts = next(f for f in frames if "布局要素" in f.columns).set_index("布局要素")
    assert list(counts.index) == ["一站", "一带", "一园", "多点"] and (counts["要素数"] > 0).all()
    assert not at.dataframe  # no data grid to load on the first page a planner opens
    labels = [m.label for m in at.metric]
    assert "规划面积" in labels


def test_jinmao_page_runs_and_lists_four_zones():
    at = _run("jinmao.py")
    assert not at.exception, at.exception
    zones = next(df for df in html_tables(at) if "片区" in df.columns)
    assert list(zones["片区"]) == ["东南", "东北", "西南", "西北"]
    assert all(str(v).startswith("约 ") and str(v).endswith(" 平方公里") for v in zones["示意面积"])
    caption = " ".join(c.value for c in at.caption)
    assert "示意面积合计约 2.7 平方公里" in caption and "㎡" not in caption


def _map_script(at: AppTest) -> str:
    """The Leaflet script the page sends to the map component (st_folium's arguments)."""
    maps = [el for el in at.main if el.type == "component_instance"]
    assert len(maps) == 1, [el.type for el in at.main]
    return maps[0].proto.json_args


@pytest.mark.parametrize(
    "basemap, host", [("none", None), ("amap", "autonavi.com"), ("carto", "basemaps.cartocdn.com")]
)
def test_home_page_switches_basemap(basemap, host):
    from layers.basemaps import BASEMAPS

    at = _run("home.py")
    at.sidebar.selectbox[0].set_value(basemap).run()
    assert not at.exception, at.exception
    script = _map_script(at)
    tile_hosts = {"autonavi.com", "basemaps.cartocdn.com", "tile.openstreetmap.org", "tianditu.gov.cn"}
    assert {h for h in tile_hosts if h in script} == ({host} if host else set())
    assert BASEMAPS[basemap].tiles or "L.tileLayer" not in script


def test_app_runs_the_layout_page_first_inside_the_navigation():
    """app.py is navigation only: opened at its root it runs 总体布局 (the default page) with the
    sidebar's shared controls; the page list itself is walked in Chromium (tests/e2e)."""
    from pages._nav import PAGES

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert "一站一带一园多点" in at.title[0].value
    assert [title for _, title, _ in PAGES] == [
        "总体布局",
        "金贸产业园",
        "更新项目",
        "生活圈覆盖",
        "汇报模式",
        "数据管理",
    ]
    assert at.sidebar.selectbox[0].label and _map_script(at)


def test_chosen_basemap_and_labels_are_kept_across_pages():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.sidebar.selectbox[0].set_value("carto").run()
    at.sidebar.toggle[0].set_value(False).run()
    at.switch_page("pages/jinmao.py").run()
    assert not at.exception, at.exception
    assert at.sidebar.selectbox[0].value == "carto"
    assert at.sidebar.toggle[0].value is False
    at.switch_page("pages/home.py").run()
    assert at.sidebar.selectbox[0].value == "carto"


def test_present_page_embeds_every_view_in_one_presentation_with_its_downloads():
    """The slides switch in the browser (tests/e2e/test_journey_present.py); the page gives one document
    with every view's title, in order, and the three downloads."""
    from layers.views import VIEWS

    at = _run("present.py")
    assert not at.exception, at.exception
    frames = at.get("iframe")
    assert len(frames) == 1
    html = frames[0].proto.srcdoc
    assert re.findall(r'<h1 class="rp-title">(.*?)</h1>', html) == [v.title for v in VIEWS.values()]
    labels = [b.label for b in at.get("download_button")]
    assert [label[:6] for label in labels] == ["下载离线演示", "下载汇报幻灯", "下载汇报文档"], labels


def _leaflet(at: AppTest) -> str:
    """The map's Leaflet script alone (the header's includes may come in another order on a re-render)."""
    import json

    return json.loads(_map_script(at))["script"]


def test_home_map_is_drawn_once_for_every_planner_and_again_when_its_inputs_change(tmp_path, monkeypatch):
    """Issue 22 (server CPU per page load): the layout map is built once and shared by every session while
    basemap, labels, the sites and the imported layers are the same; a site renamed in the workspace, or
    labels switched off, gives a new map; a 定位 marker goes on that planner's own map only."""
    import streamlit as st

    import layers.views
    from renewal.storage import open_store

    monkeypatch.setenv("RENEWAL_WORKSPACE", str(tmp_path))
    st.cache_resource.clear()
    built = []
    real = layers.views.view_scene
    monkeypatch.setattr(layers.views, "view_scene", lambda *a, **k: built.append(a) or real(*a, **k))
    first, second = _run("home.py"), _run("home.py")  # two planners' sessions
    assert not first.exception and not second.exception
    assert len(built) == 1
    assert _leaflet(first) == _leaflet(second)

    second.sidebar.toggle[0].set_value(False).run()  # labels off: another map
    assert len(built) == 2 and _leaflet(second) != _leaflet(first)

    store = open_store(tmp_path, session="test")  # a colleague renames a site in the workspace
    _, geom, version = store.site("RS-021")
    store.save_site("RS-021", {"name": "管乐器厂（改名）"}, geom, expected_version=version, fields=["name"])
    third = _run("home.py")
    shared = _leaflet(third)
    assert len(built) == 3 and "管乐器厂（改名）" in shared

    third.text_input(key="home_map_goto").set_value("117.2375,39.1215").run()  # a 定位 marker
    marked = _leaflet(third)
    assert marked != shared and len(built) == 4  # this planner's own map, with the marker
    assert _leaflet(_run("home.py")) == shared and len(built) == 4  # the shared map has no marker


def test_a_maps_html_export_waits_while_a_rerun_shows_the_same_map(monkeypatch):
    """A map fragment's rerun shows the page run's map object again (st_folium renames its elements while it
    renders) while the planner's 下载地图 builds a standalone file of the same object in another thread: the
    two take the map's one lock, so the file is never built from a half-renamed map."""
    import threading

    import folium

    from pages import _ui

    m = folium.Map(location=[39.12, 117.25], zoom_start=13, tiles=None)
    made: dict = {}
    monkeypatch.setattr(_ui.st, "download_button", lambda label, data, **kw: made.update(data=data))
    _ui.export_map_button(m, file_name="图.html")
    assert _ui.map_lock(m) is _ui.map_lock(m)  # one lock per map object
    got: list[bytes] = []
    with _ui.map_lock(m):  # as show_map holds it while st_folium renders the map
        worker = threading.Thread(target=lambda: got.append(made["data"]()))
        worker.start()
        worker.join(0.5)
        assert worker.is_alive() and not got  # the export waits for the rerun to finish showing the map
    worker.join(30)
    assert got and got[0].startswith(b"<!DOCTYPE html>")


def _stray_download_buttons(root: Path) -> list[str]:
    """Streamlit download buttons made anywhere but pages/_ui.download_button (which makes its click rerun
    nothing), as ``file:line``."""
    import ast

    stray = []
    for path in sorted([root / "app.py", *(root / "pages").rglob("*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        allowed = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == "download_button" and path.name == "_ui.py":
                allowed |= {id(n) for n in ast.walk(node)}
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "download_button"
                and not (isinstance(node.func.value, ast.Name) and node.func.value.id == "_ui")
                and id(node) not in allowed
            ):
                stray.append(f"{path.relative_to(root).as_posix()}:{node.lineno}")
    return stray


def test_every_download_button_is_the_one_that_reruns_nothing(tmp_path):
    assert _stray_download_buttons(ROOT) == []
    # the check finds one made directly (a column's, as the pages once did)
    (tmp_path / "pages").mkdir()
    (tmp_path / "app.py").write_text("")
    (tmp_path / "pages" / "p.py").write_text('c1, c2 = st.columns(2)\nc2.download_button("下载", b"x")\n')
    assert _stray_download_buttons(tmp_path) == ["pages/p.py:2"]


def test_a_download_button_asks_for_no_rerun():
    def page():
        from pages import _ui

        _ui.download_button("下载", b"x", file_name="a.txt", mime="text/plain")

    at = AppTest.from_function(page)
    at.run()
    assert not at.exception
    button = at.get("download_button")[0]
    assert button.proto.ignore_rerun, "the click would rerun the page and lose a quick file's answer"
