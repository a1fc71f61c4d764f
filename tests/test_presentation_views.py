"""The planner's own views of 汇报模式 (issue 22): the workspace store (round trip, order, refused viewer,
atomic writes, bad input changes nothing) and the slides built from it."""

from __future__ import annotations

import json
import os

import pytest

from layers.maps import jinmao_scene
from layers.presentation import (
    ordered_slides,
    planner_slides,
    presentation_html,
    presentation_slides,
    snapshot_layers,
)
from renewal.errors import InputError
from renewal.io.atomic import atomic_output
from renewal.storage import presentation_views as pv
from renewal.storage.access import Actor, ViewerRefused

EDITOR = Actor("张工", "编辑")
VIEWER = Actor("李工", "查看")
EXTENT = (117.22, 39.10, 117.26, 39.13)
BUILTIN = ["layout", "station", "belt", "park", "sites", "coverage"]


@pytest.fixture(scope="module")
def layers():
    return snapshot_layers(jinmao_scene())


def _add(layers, title="金贸放大", workspace=None, *, actor=EDITOR, **extra):
    """A view of the 金贸 map added by ``actor`` (``extra``: ``switches``, ``database``, ``page`` …)."""
    kw = {"page": "金贸产业园", "extent": EXTENT, "basemap": "gaode", **extra}
    return pv.add_view(actor, title=title, layers=layers, workspace=workspace, **kw)


def _files(ws):
    folder = ws / pv.FOLDER
    return sorted(p.name for p in folder.iterdir() if p.name != pv.LOCK) if folder.exists() else []


def test_a_view_round_trips_with_its_layers(layers, tmp_path):
    view = _add(layers, "  金贸放大  ", tmp_path)
    deck = pv.load_deck(tmp_path)
    assert deck.views == (view,)
    assert view.title == "金贸放大" and view.extent == EXTENT and view.basemap == "gaode"
    assert view.who == "张工" and view.page == "金贸产业园" and view.layers == tuple(layers)
    back = pv.view_layers(view, tmp_path)
    assert list(back) == list(layers)
    for key, gdf in layers.items():
        assert len(back[key]) == len(gdf) and back[key].crs.equals("EPSG:4326")
        assert back[key].geometry.geom_equals_exact(gdf.geometry.reset_index(drop=True), 1e-9).all()
    assert [h["action"] for h in deck.history] == ["add"] and deck.history[0]["who"] == "张工"


def test_order_default_saved_moved_and_reset(layers, tmp_path):
    a, b = _add(layers, "甲", tmp_path), _add(layers, "乙", tmp_path)
    deck = pv.load_deck(tmp_path)
    assert pv.slide_order(BUILTIN, deck) == [*BUILTIN, a.view_id, b.view_id]
    order = [*BUILTIN[:2], b.view_id, *BUILTIN[2:], a.view_id]
    pv.save_order(EDITOR, order, tmp_path)
    assert pv.slide_order(BUILTIN, pv.load_deck(tmp_path)) == order
    c = _add(layers, "丙", tmp_path)  # a new view goes last
    assert pv.slide_order(BUILTIN, pv.load_deck(tmp_path)) == [*order, c.view_id]
    # a built-in view not available now (no sites) is skipped, one newly available is appended
    assert pv.slide_order([k for k in BUILTIN if k != "sites"], pv.load_deck(tmp_path)) == [
        k for k in [*order, c.view_id] if k != "sites"
    ]
    pv.remove_view(EDITOR, b.view_id, tmp_path)
    assert b.view_id not in pv.slide_order(BUILTIN, pv.load_deck(tmp_path))
    assert f"{b.view_id}.gpkg" not in _files(tmp_path)
    pv.save_order(EDITOR, None, tmp_path)
    assert pv.slide_order(BUILTIN, pv.load_deck(tmp_path)) == [*BUILTIN, a.view_id, c.view_id]


def test_a_viewer_is_refused_and_nothing_is_written(layers, tmp_path):
    with pytest.raises(ViewerRefused) as err:
        pv.add_view(VIEWER, title="甲", page="", extent=EXTENT, basemap="", layers=layers, workspace=tmp_path)
    assert "查看" in err.value.message_zh
    assert _files(tmp_path) == []
    view = _add(layers, "甲", tmp_path)
    before = (tmp_path / pv.FOLDER / pv.INDEX).read_bytes()
    with pytest.raises(ViewerRefused):
        pv.save_order(VIEWER, None, tmp_path)
    with pytest.raises(ViewerRefused):
        pv.remove_view(VIEWER, view.view_id, tmp_path)
    assert (tmp_path / pv.FOLDER / pv.INDEX).read_bytes() == before


@pytest.mark.parametrize(
    ("title", "words"),
    [("", "请填写"), ("   ", "请填写"), ("长" * 31, "超过30个字"), ("一\n二", "控制字符")],
)
def test_bad_titles_are_said_in_chinese_and_change_nothing(layers, tmp_path, title, words):
    with pytest.raises(InputError) as err:
        _add(layers, title, tmp_path)
    assert words in err.value.message_zh
    assert _files(tmp_path) == []


@pytest.mark.parametrize("extent", [(), (1, 2, 1, 3), (0, 0, float("nan"), 1), (117, 39, 200, 40)])
def test_bad_extents_change_nothing(layers, tmp_path, extent):
    with pytest.raises(InputError) as err:
        pv.add_view(EDITOR, title="甲", page="", extent=extent, basemap="", layers=layers, workspace=tmp_path)
    assert "范围" in err.value.message_zh
    assert _files(tmp_path) == []


def test_an_order_that_drops_a_view_is_refused(layers, tmp_path):
    a = _add(layers, "甲", tmp_path)
    before = (tmp_path / pv.FOLDER / pv.INDEX).read_bytes()
    with pytest.raises(InputError, match="every added view"):
        pv.save_order(EDITOR, BUILTIN, tmp_path)
    with pytest.raises(InputError):
        pv.save_order(EDITOR, [*BUILTIN, a.view_id, a.view_id], tmp_path)
    assert (tmp_path / pv.FOLDER / pv.INDEX).read_bytes() == before


def test_a_failed_write_leaves_the_old_presentation(layers, tmp_path, monkeypatch):
    a = _add(layers, "甲", tmp_path)
    before = (tmp_path / pv.FOLDER / pv.INDEX).read_bytes()

    def broken(path, content):  # the disk fills while the GeoPackage is written into the folder
        with atomic_output(path) as tmp:
            tmp.write_bytes(content[:100])
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(pv, "write_bytes_atomic", broken)
    with pytest.raises(OSError):
        _add(layers, "乙", tmp_path)
    assert (tmp_path / pv.FOLDER / pv.INDEX).read_bytes() == before
    assert _files(tmp_path) == [f"{a.view_id}.gpkg", pv.INDEX]  # no temporary file left

    def no_json(path, text):
        raise OSError(28, "No space left on device")

    monkeypatch.undo()
    monkeypatch.setattr(pv, "write_text_atomic", no_json)
    with pytest.raises(OSError):
        pv.save_order(EDITOR, [a.view_id, *BUILTIN], tmp_path)
    assert (tmp_path / pv.FOLDER / pv.INDEX).read_bytes() == before


def test_a_damaged_index_is_said_in_chinese(tmp_path):
    (tmp_path / pv.FOLDER).mkdir()
    (tmp_path / pv.FOLDER / pv.INDEX).write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError) as err:
        pv.load_deck(tmp_path)
    assert "已损坏" in err.value.message_zh


def test_planner_slides_follow_the_saved_order_and_say_a_snapshot(layers, tmp_path):
    a, b = _add(layers, "甲视图", tmp_path), _add(layers, "乙视图", tmp_path)
    pv.save_order(EDITOR, [*BUILTIN[:1], b.view_id, *BUILTIN[1:], a.view_id], tmp_path)
    deck = pv.load_deck(tmp_path)
    builtin = presentation_slides(None)[:2]  # layout, station (quick)
    added, problems = planner_slides(deck, workspace=tmp_path)
    assert problems == []
    slides = ordered_slides(builtin, added, deck)
    assert [s.title for s in slides] == [builtin[0].title, "乙视图", builtin[1].title, "甲视图"]
    assert slides[1].scene.extent == EXTENT and slides[1].scene.keys == tuple(
        sorted(layers, key=list(layers).index)
    )
    assert "快照" in slides[1].note and "北京时间" in slides[1].note and "张工" in slides[1].note
    html = presentation_html(slides[1:2])
    assert "乙视图" in html and "快照" in html


def test_a_view_that_cannot_be_drawn_is_left_out_with_a_chinese_reason(layers, tmp_path):
    a = _add(layers, "甲", tmp_path)
    _add(layers, "乙", tmp_path)
    os.remove(tmp_path / pv.FOLDER / f"{a.view_id}.gpkg")
    doc = json.loads((tmp_path / pv.FOLDER / pv.INDEX).read_text(encoding="utf-8"))
    doc["views"][1]["layers"] = ["no_such_layer"]
    (tmp_path / pv.FOLDER / pv.INDEX).write_text(json.dumps(doc), encoding="utf-8")
    added, problems = planner_slides(pv.load_deck(tmp_path), workspace=tmp_path)
    assert added == []
    assert len(problems) == 2 and all("无法绘制" in p for p in problems)


def test_a_planner_title_is_text_in_the_presentation(layers, tmp_path):
    payload = '<img src=x onerror="alert(1)">{{ 7*7 }}'
    _add(layers, payload[:30], tmp_path)
    added, _ = planner_slides(pv.load_deck(tmp_path), workspace=tmp_path)
    html = presentation_html(added)
    assert "<img src=x" not in html and "&lt;img src=x" in html


def test_the_deck_command_writes_the_saved_views_in_the_saved_order(layers, tmp_path):
    import re

    from cli.main import main

    ws = tmp_path / "ws"
    a = _add(layers, "甲视图", ws)
    pv.save_order(EDITOR, [a.view_id, *BUILTIN], ws)
    out = tmp_path / "deck.html"
    assert main(["--workspace", str(ws), "deck", "--out", str(out), "--no-sites"]) == 0
    shown = re.findall(r'<h1 class="rp-title">(.*?)</h1>', out.read_text(encoding="utf-8"))
    assert shown[0] == "甲视图" and len(shown) == 6  # the saved view first, then the five without sites


def test_planners_adding_at_once_all_keep_their_view(layers, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    small = {k: layers[k] for k in list(layers)[:2]}
    with ThreadPoolExecutor(4) as pool:
        views = list(pool.map(lambda i: _add(small, f"视图{i}", tmp_path), range(6)))
    deck = pv.load_deck(tmp_path)
    assert sorted(v.view_id for v in deck.views) == sorted(v.view_id for v in views)
    assert len(deck.history) == 6


# --- the map's layer switches (issue 22 follow-up: the slide shows what the map showed) -----------------


def _reference_layer(visible: bool = False):
    """An imported reference layer as every page adds it (off by default)."""
    import geopandas as gpd
    from shapely.geometry import box

    from layers.registry import LayerSpec
    from layers.scene import SceneLayer

    gdf = gpd.GeoDataFrame({"name": ["参考地块"]}, geometry=[box(117.23, 39.11, 117.25, 39.12)], crs=4326)
    return SceneLayer(LayerSpec("imported:ref", "参考地块（参考）", "参考", visible=visible), gdf)


SWITCHES = {"metro_stations": False, "district": True, "imported:ref": True}


def _slide(layers, tmp_path, switches):
    view = _add(layers, "开关", tmp_path, page="总体布局", switches=switches)
    added, problems = planner_slides(pv.load_deck(tmp_path), [_reference_layer()], workspace=tmp_path)
    assert problems == [] and len(added) == 1
    return view, added[0]


def test_the_switches_round_trip_and_the_slide_draws_exactly_those(layers, tmp_path):
    from layers.render_print import drawn_layers, sheet_legend, source_note

    view, slide = _slide(layers, tmp_path, SWITCHES)
    assert pv.load_deck(tmp_path).views[0].switched == SWITCHES == view.switched
    doc = json.loads((tmp_path / pv.FOLDER / pv.INDEX).read_text(encoding="utf-8"))
    assert doc["views"][0]["switches"] == SWITCHES
    on = {layer.key: layer.spec.visible for layer in slide.scene.layers}
    # switched off stays off, switched on (the imported layer, off by default) is on, the rest keep default
    assert on["metro_stations"] is False and on["imported:ref"] is True and on["district"] is True
    assert on["metro_lines"] is True
    drawn = {layer.key for layer in drawn_layers(slide.scene)}  # the print sheets, PPTX and PDF
    assert "metro_stations" not in drawn and {"imported:ref", "metro_lines"} <= drawn
    legend = [e.label for e in sheet_legend(slide.scene)]
    assert "地铁站（2016年）" not in legend and "参考地块（参考）" in legend
    sources = source_note(slide.scene)  # the sheet names the sources of what it draws
    assert "地铁站（2016年）" not in sources and "地铁线（2016年示意）" in sources, sources


def test_the_page_and_html_draw_a_switched_off_layer_unticked(layers, tmp_path):
    import folium

    from layers.markup import html_text
    from layers.render import draw_scene

    _, slide = _slide(layers, tmp_path, SWITCHES)
    m = draw_scene(slide.scene)
    shown = {c.layer_name: c.show for c in m._children.values() if isinstance(c, folium.FeatureGroup)}
    assert shown[html_text("地铁站（2016年）")] is False  # available in the layer control, unticked
    assert shown[html_text("参考地块（参考）")] is True
    assert shown[html_text("地铁线（2016年示意）")] is True


def test_a_view_saved_before_the_switches_keeps_the_default_visibility(layers, tmp_path):
    _add(layers, "旧视图", tmp_path)
    doc = json.loads((tmp_path / pv.FOLDER / pv.INDEX).read_text(encoding="utf-8"))
    del doc["views"][0]["switches"]  # a views.json written before this change
    (tmp_path / pv.FOLDER / pv.INDEX).write_text(json.dumps(doc), encoding="utf-8")
    view = pv.load_deck(tmp_path).views[0]
    assert view.switches == ()
    added, problems = planner_slides(pv.load_deck(tmp_path), [_reference_layer()], workspace=tmp_path)
    assert problems == []
    on = {layer.key: layer.spec.visible for layer in added[0].scene.layers}
    assert all(on[k] for k in layers) and on["imported:ref"] is False


@pytest.mark.parametrize(
    "bad",
    [{"district": "yes"}, {"": True}, {"a\nb": True}, {"k" * 201: True}, ["district"]],
)
def test_bad_switches_are_refused_and_change_nothing(layers, tmp_path, bad):
    with pytest.raises(InputError) as err:
        _add(layers, "甲", tmp_path, page="", basemap="", switches=bad)
    assert "开关" in err.value.message_zh
    assert _files(tmp_path) == []


def test_damaged_switches_in_the_file_are_said_in_chinese(layers, tmp_path):
    _add(layers, "甲", tmp_path)
    doc = json.loads((tmp_path / pv.FOLDER / pv.INDEX).read_text(encoding="utf-8"))
    doc["views"][0]["switches"] = {"district": 1}
    (tmp_path / pv.FOLDER / pv.INDEX).write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError) as err:
        pv.load_deck(tmp_path)
    assert "已损坏" in err.value.message_zh


def test_the_browser_report_is_checked_against_the_map_keys():
    from layers.presentation import reported_switches

    scene = jinmao_scene()
    hostile = ['<img src=x onerror="alert(1)">', "metro_lines", 7, None, "imported:nope", {"k": 1}]
    got = reported_switches(scene, hostile)
    assert list(got) == list(scene.keys)  # every key of the map, nothing else
    assert got["metro_lines"] is True and sum(got.values()) == 1
    assert reported_switches(scene, []) == dict.fromkeys(scene.keys, False)  # all off is an answer
    assert reported_switches(scene, None) is None  # no report: defaults
    assert reported_switches(scene, "metro_lines") is None
    assert reported_switches(scene, {"metro_lines": True}) is None
