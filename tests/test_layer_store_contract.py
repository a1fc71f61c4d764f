"""The imported-layer store's contract, run against both backends (the workspace's ``layers.gpkg`` and the
team database): import, replace, remove and style as one transaction with a history row and versions, a
viewer refused, a stale replace refused, and undo of one's own last change (refused when someone else
changed the layer since). Plus: four processes importing at once on one database lose nothing."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import geopandas as gpd
import pytest
from shapely.geometry import Point

from renewal.auth import VIEWER
from renewal.errors import ConflictError, InputError
from renewal.layer_style import LayerStyle
from renewal.storage.access import Actor, ViewerRefused
from renewal.storage.layer_stores import open_layer_store
from tests.store_backends import BACKENDS, postgis_schema

ZHANG, LI = Actor("张工"), Actor("李工")
VIEW = Actor("王工", VIEWER)


@pytest.fixture(params=BACKENDS)
def where(request, tmp_path):
    """Keyword arguments of ``open_layer_store`` naming one fresh store of each backend."""
    if request.param == "gpkg":
        yield {"workspace": tmp_path, "database": ""}
    else:
        with postgis_schema() as url:
            yield {"workspace": tmp_path / "unused", "database": url}


def _gdf(*names: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"名称": list(names)}, geometry=[Point(117.2 + i / 100, 39.1) for i in range(len(names))], crs=4326
    )


def _put(store, name, gdf, actor, **kw):
    return store.put(name, "reference", gdf, source_file=f"{name}.gpkg", crs="EPSG:4326", actor=actor, **kw)


def test_import_replace_remove_with_history_and_versions(where):
    store = open_layer_store(**where)
    assert store.list() == [] and store.stamp() == (0, 0)
    first = _put(store, "ref_a", _gdf("甲", "乙"), ZHANG, title="控规")
    assert (first.version, first.who, first.count, first.title) == (1, "张工", 2, "控规")
    assert list(open_layer_store(**where).read("ref_a")["名称"]) == ["甲", "乙"]  # another handle sees it
    with pytest.raises(InputError, match="exists already") as exists:
        _put(store, "ref_a", _gdf("丙"), LI)
    # the planner reads when, in 北京时间, never the stored UTC text
    assert "（北京时间）导入" in exists.value.message_zh and first.imported_at not in exists.value.message_zh
    second = _put(store, "ref_a", _gdf("丙"), LI, replace=True, expected_version=1)
    assert second.version == 2 and store.get("ref_a").who == "李工"
    with pytest.raises(ConflictError) as stale:  # 张工 saw version 1: a stale replace is refused
        _put(store, "ref_a", _gdf("丁"), ZHANG, replace=True, expected_version=1)
    assert "（北京时间）" in stale.value.message_zh and second.imported_at not in stale.value.message_zh
    assert list(store.read("ref_a")["名称"]) == ["丙"]
    store.remove("ref_a", actor=LI, expected_version=2)
    assert store.get("ref_a") is None
    hist = store.history("ref_a")
    assert [(h["action"], h["who"]) for h in hist] == [
        ("remove", "李工"),
        ("replace", "李工"),
        ("import", "张工"),
    ]
    assert store.stamp() == (hist[0]["id"], 0)
    assert _put(store, "ref_a", _gdf("戊"), ZHANG).version == 3  # a version never repeats


def test_a_viewer_changes_nothing(where):
    store = open_layer_store(**where)
    _put(store, "ref_a", _gdf("甲"), ZHANG)
    before = (store.list(), store.history())
    for write in (
        lambda: _put(store, "ref_b", _gdf("乙"), VIEW),
        lambda: _put(store, "ref_a", _gdf("乙"), VIEW, replace=True),
        lambda: store.remove("ref_a", actor=VIEW),
        lambda: store.save_style("ref_a", LayerStyle(), actor=VIEW),
        lambda: store.undo_last(actor=VIEW),
    ):
        with pytest.raises(ViewerRefused):
            write()
    assert (store.list(), store.history()) == before


def test_style_saved_and_undone(where):
    store = open_layer_store(**where)
    _put(store, "ref_a", _gdf("甲"), ZHANG)
    style = LayerStyle(label="名称", opacity=0.5)
    store.save_style("ref_a", style, actor=ZHANG)
    assert store.style("ref_a") == style and store.history()[0]["action"] == "style"
    assert store.undo_last(actor=ZHANG)["action"] == "style"
    assert store.style("ref_a") is None and store.get("ref_a") is not None


def test_undo_of_ones_own_last_change(where):
    store = open_layer_store(**where)
    assert store.undo_last(actor=ZHANG) is None  # nothing of theirs yet
    _put(store, "ref_a", _gdf("甲", "乙"), ZHANG, title="旧标题")
    store.save_style("ref_a", LayerStyle(opacity=0.4), actor=ZHANG)
    _put(store, "ref_a", _gdf("丙"), ZHANG, title="新标题", replace=True)
    done = store.undo_last(actor=ZHANG)  # the replace: old features and title back, a new version
    assert done["action"] == "replace"
    now = store.get("ref_a")
    assert (now.title, now.count, now.version) == ("旧标题", 2, 3)
    assert list(store.read("ref_a")["名称"]) == ["甲", "乙"] and store.style("ref_a").opacity == 0.4
    store.remove("ref_a", actor=ZHANG)
    assert store.undo_last(actor=ZHANG)["action"] == "remove"  # removed layer back, with its style
    assert list(store.read("ref_a")["名称"]) == ["甲", "乙"] and store.style("ref_a").opacity == 0.4
    assert store.undo_last(actor=ZHANG)["action"] == "style"  # the next older own change
    assert store.style("ref_a") is None
    assert store.undo_last(actor=ZHANG)["action"] == "import"
    assert store.get("ref_a") is None and store.undo_last(actor=ZHANG) is None
    actions = [h["action"] for h in store.history("ref_a")]
    assert actions.count("undo") == 4
    assert all(h["undone_by"] for h in store.history("ref_a") if h["action"] != "undo")


def test_undo_refused_when_someone_else_changed_the_layer_since(where):
    store = open_layer_store(**where)
    _put(store, "ref_a", _gdf("甲"), ZHANG)
    _put(store, "ref_b", _gdf("乙"), LI)  # another layer: does not block
    _put(store, "ref_a", _gdf("丙"), LI, replace=True)
    before = (store.list(), store.history(), list(store.read("ref_a")["名称"]))
    with pytest.raises(ConflictError) as err:
        store.undo_last(actor=ZHANG)
    assert "李工" in err.value.message_zh and "未撤销" in err.value.message_zh
    assert (store.list(), store.history(), list(store.read("ref_a")["名称"])) == before
    assert store.undo_last(actor=LI)["action"] == "replace"  # 李工's own last change
    assert list(store.read("ref_a")["名称"]) == ["甲"]


IMPORTER = textwrap.dedent(
    """
    import sys
    import geopandas as gpd
    from shapely.geometry import Point
    from renewal.storage.access import Actor
    from renewal.storage.layer_stores import open_layer_store

    worker, url, workspace = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    store = open_layer_store(workspace, database=url)
    for i in range(5):
        gdf = gpd.GeoDataFrame({"n": [i]}, geometry=[Point(117.2, 39.1)], crs=4326)
        store.put(f"ref_w{worker}_{i}", "reference", gdf, source_file="x.gpkg", crs="EPSG:4326",
                  actor=Actor(f"规划师{worker}"))
    """
)


def test_four_processes_importing_at_once_lose_nothing(where):
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", IMPORTER, str(w), where["database"], str(where["workspace"])],
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(4)
    ]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, errors
    store = open_layer_store(**where)
    expected = {f"ref_w{w}_{i}" for w in range(4) for i in range(5)}
    assert {lyr.name for lyr in store.list()} == expected
    hist = store.history()
    assert len(hist) == 20 and {h["name"] for h in hist} == expected
    assert {h["who"] for h in hist} == {f"规划师{w}" for w in range(4)}


def test_cli_imports_into_the_team_database_and_undoes(tmp_path, capsys):
    """``--database``: a layer imported from one workspace folder is listed from another; ``layers undo``
    takes it back; a second undo has nothing left and says so."""
    from cli.main import main

    path = tmp_path / "ref.geojson"
    _gdf("甲").to_file(path)
    with postgis_schema() as url:
        db = ["--database", url]
        assert (
            main(
                [*db, "--workspace", str(tmp_path / "a"), "import", str(path), "--layer", "reference"]
                + ["--name", "ref_x", "--yes"]
            )
            == 0
        )
        capsys.readouterr()
        assert main([*db, "--workspace", str(tmp_path / "b"), "layers", "list"]) == 0
        listing = capsys.readouterr().out
        assert "ref_x\treference" in listing and "1 layer(s)" in listing
        assert not (tmp_path / "a" / "layers.gpkg").exists()  # nothing written to the local folder
        assert main([*db, "--workspace", str(tmp_path / "b"), "layers", "undo"]) == 0
        assert "Undid your import of layer 'ref_x'" in capsys.readouterr().out
        assert open_layer_store(database=url).list() == []
        assert main([*db, "layers", "undo"]) == 0
        assert "Nothing to undo" in capsys.readouterr().out
