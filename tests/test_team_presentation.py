"""The planner views of 汇报模式 kept in the team database (issue 22 follow-up): two workspaces ("servers") on
one database see one presentation after the pages' sync (views with equal features, order, deletes), two
servers adding at once both keep their view, a refused or bad change and an unreachable database write
nothing, and ``workspace push``/``pull`` carry the presentation through the team tables."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from cli.main import main
from layers.maps import jinmao_scene
from layers.presentation import snapshot_layers
from renewal.errors import InputError, StoreUnavailable
from renewal.storage import open_store
from renewal.storage import presentation_views as pv
from renewal.storage.access import Actor, ViewerRefused
from renewal.storage.layer_stores import open_layer_store, sync_shared_files
from renewal.storage.postgis import PostgisStore
from renewal.storage.postgis_layers import TeamLayerStore, manifest_path
from tests.store_backends import postgis_schema
from tests.test_presentation_views import _add as add_view

EDITOR = Actor("张工", "编辑")
OTHER = Actor("李工", "编辑")
VIEWER = Actor("王工", "查看")
BUILTIN = ["layout", "station", "belt", "park", "sites", "coverage"]
DOWN = "postgresql://postgres@127.0.0.1:1/renewal_test"  # nothing listens there


@pytest.fixture(scope="module")
def layers():
    return snapshot_layers(jinmao_scene())


@pytest.fixture
def team(tmp_path):
    with postgis_schema() as url:
        yield url, tmp_path / "server_a", tmp_path / "server_b"


def _add(layers, ws, url, title="金贸放大", actor=EDITOR):
    return add_view(layers, title, ws, actor=actor, database=url)


def _same_features(got, want) -> None:
    assert list(got) == list(want)
    for key, gdf in want.items():
        assert len(got[key]) == len(gdf) > 0 and got[key].crs.equals("EPSG:4326")
        assert got[key].geometry.geom_equals_exact(gdf.geometry.reset_index(drop=True), 1e-9).all()
        cols = [c for c in gdf.columns if c != "geometry"]
        assert got[key][cols].astype(str).values.tolist() == gdf[cols].astype(str).values.tolist()


def _gpkgs(ws) -> list[str]:
    folder = ws / pv.FOLDER
    return sorted(p.name for p in folder.glob("*.gpkg")) if folder.exists() else []


def test_a_view_added_on_one_server_is_listed_on_the_other_with_equal_features(layers, team):
    url, a, b = team
    view = _add(layers, a, url)
    assert pv.load_deck(a).views == (view,)  # the writing server's copy is up to date at once
    assert pv.load_deck(b).views == ()  # the other server's until its next sync
    assert sync_shared_files(b, database=url) == ["presentation"]
    deck = pv.load_deck(b)
    assert deck.views == (view,) and deck.history == pv.load_deck(a).history
    _same_features(pv.view_layers(deck.views[0], b), layers)
    assert sync_shared_files(b, database=url) == []  # nothing fetched again while the hash matches
    # recorded like the other shared files: who, when, version, history
    entry = open_layer_store(database=url).get("presentation")
    assert entry is not None and entry.who == "张工" and entry.version == 1 and entry.count == 1
    assert [(h["name"], h["action"], h["who"]) for h in open_layer_store(database=url).history()] == [
        ("presentation", "import", "张工")
    ]


def test_order_and_delete_on_one_server_are_seen_on_the_other(layers, team):
    url, a, b = team
    first, second = _add(layers, a, url, "甲"), _add(layers, a, url, "乙")
    sync_shared_files(b, database=url)
    order = [*BUILTIN[:2], second.view_id, *BUILTIN[2:], first.view_id]
    pv.save_order(OTHER, order, b, database=url)
    sync_shared_files(a, database=url)
    assert pv.slide_order(BUILTIN, pv.load_deck(a)) == order
    pv.remove_view(EDITOR, second.view_id, a, database=url)
    assert _gpkgs(a) == [f"{first.view_id}.gpkg"]
    assert sync_shared_files(b, database=url) == ["presentation"]
    deck = pv.load_deck(b)
    assert [v.view_id for v in deck.views] == [first.view_id]
    assert pv.slide_order(BUILTIN, deck) == [k for k in order if k != second.view_id]
    assert _gpkgs(b) == [f"{first.view_id}.gpkg"]  # the removed view's file is gone from B's folder too
    assert [h["action"] for h in deck.history] == ["add", "add", "order", "remove"]
    assert deck.history[2]["who"] == "李工"
    assert open_layer_store(database=url).get("presentation").version == 4


def _server_adding(ws: str, url: str, who: str, name: str, start) -> None:
    """One app server's process adding three views as soon as the other is ready too."""
    layers = snapshot_layers(jinmao_scene())
    start.wait(120)
    for i in range(3):
        _add(layers, Path(ws), url, f"{name}{i}", Actor(who, "编辑"))


def test_two_servers_adding_at_once_both_keep_their_views(team):
    url, a, b = team
    ctx = multiprocessing.get_context("spawn")  # two processes, as two servers: own pools, own caches
    start = ctx.Barrier(2)
    procs = [
        ctx.Process(target=_server_adding, args=(str(a), url, "张工", "甲", start)),
        ctx.Process(target=_server_adding, args=(str(b), url, "李工", "乙", start)),
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(300)
    assert [proc.exitcode for proc in procs] == [0, 0]
    for ws in (a, b):
        sync_shared_files(ws, database=url)
        deck = pv.load_deck(ws)
        assert sorted(v.title for v in deck.views) == sorted(f"{n}{i}" for n in "甲乙" for i in range(3))
        assert len(_gpkgs(ws)) == 6
    assert open_layer_store(database=url).get("presentation").version == 6


def test_a_viewer_bad_input_and_a_stale_order_change_nothing(layers, team):
    url, a, b = team
    with pytest.raises(ViewerRefused):
        _add(layers, a, url, actor=VIEWER)
    assert open_layer_store(database=url).get("presentation") is None
    assert not (a / pv.FOLDER).exists() and not manifest_path(a, pv.KIND).exists()
    view = _add(layers, a, url)
    sync_shared_files(b, database=url)
    with pytest.raises(InputError, match="title is longer"):
        _add(layers, b, url, "长" * (pv.MAX_TITLE + 1))
    with pytest.raises(ViewerRefused):
        pv.remove_view(VIEWER, view.view_id, b, database=url)
    other = _add(layers, a, url, "乙")
    with pytest.raises(InputError) as stale:  # B's order from before A added a second view
        pv.save_order(OTHER, [*BUILTIN, view.view_id], b, database=url)
    assert "刷新页面" in stale.value.message_zh
    store = open_layer_store(database=url)
    assert store.get("presentation").version == 2
    assert [h["who"] for h in store.history()] == ["张工", "张工"]
    sync_shared_files(b, database=url)
    assert [v.view_id for v in pv.load_deck(b).views] == [view.view_id, other.view_id]


def test_an_unreachable_database_is_said_in_chinese_and_nothing_is_written(layers, team):
    url, a, _ = team
    _add(layers, a, url)
    before = (a / pv.FOLDER / pv.INDEX).read_bytes()
    files = sorted(p.name for p in (a / pv.FOLDER).iterdir())
    with pytest.raises(StoreUnavailable) as err:
        _add(layers, a, DOWN, "乙")
    assert "团队数据库" in err.value.message_zh
    with pytest.raises(StoreUnavailable):
        pv.save_order(EDITOR, None, a, database=DOWN)
    assert (a / pv.FOLDER / pv.INDEX).read_bytes() == before
    assert sorted(p.name for p in (a / pv.FOLDER).iterdir()) == files
    assert open_layer_store(database=url).get("presentation").version == 1


def test_push_and_pull_carry_the_presentation(layers, tmp_path):
    src, other, back = tmp_path / "src", tmp_path / "other", tmp_path / "back"
    open_store(src)  # a GeoPackage workspace
    first = _add(layers, src, None, "甲")
    second = _add(layers, src, None, "乙")
    pv.save_order(EDITOR, [second.view_id, *BUILTIN, first.view_id], src)
    with postgis_schema() as url:
        assert main(["--workspace", str(src), "workspace", "push", "--to", url]) == 0
        assert not [n for n in PostgisStore(url).dump().files if n.startswith(pv.FOLDER)]  # not as copies
        entry = open_layer_store(database=url).get("presentation")
        assert entry is not None and entry.count == 2 and entry.who.startswith("本机用户")
        assert sync_shared_files(other, database=url) == ["presentation"]  # a server on the database
        assert pv.load_deck(other) == pv.load_deck(src)
        _same_features(pv.view_layers(second, other), layers)
        third = _add(layers, other, url, "丙")  # a change on the team database, then pulled
        assert main(["--workspace", str(back), "workspace", "pull", "--from", url]) == 0
        assert TeamLayerStore(url).folder_contents(pv.KIND).keys() == {
            f"{pv.FOLDER}/{n}"
            for n in (pv.INDEX, *(f"{v}.gpkg" for v in (first.view_id, second.view_id, third.view_id)))
        }
    deck = pv.load_deck(back)
    assert [v.title for v in deck.views] == ["甲", "乙", "丙"]
    assert pv.slide_order(BUILTIN, deck) == [second.view_id, *BUILTIN, first.view_id, third.view_id]
    _same_features(pv.view_layers(deck.views[2], back), layers)
    # the pulled workspace works on its own again (lock file, no database)
    pv.remove_view(EDITOR, first.view_id, back)
    assert [v.title for v in pv.load_deck(back).views] == ["乙", "丙"]


def test_the_deck_command_on_another_server_holds_the_view(layers, team, tmp_path):
    url, a, b = team
    _add(layers, a, url, "甲服务器的视图")
    out = tmp_path / "deck.html"
    assert main(["--database", url, "--workspace", str(b), "deck", "--out", str(out), "--no-sites"]) == 0
    assert "甲服务器的视图" in out.read_text(encoding="utf-8")
    assert [v.title for v in pv.load_deck(b).views] == ["甲服务器的视图"]
