"""Roles below the pages: a 查看 (viewer) write is refused by the store on every write path, whatever asks;
every change names its person; imported layers are transactional (no lost import between processes)."""

from __future__ import annotations

import getpass
import subprocess
import sys
import textwrap
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Point

from renewal import auth
from renewal.analysis.facilities import load_workspace_facilities, workspace_facilities_path
from renewal.analysis.network import WalkNetwork
from renewal.analysis.network_files import workspace_network_path
from renewal.errors import ConflictError, InputError
from renewal.settings import local_settings_path
from renewal.storage import open_store
from renewal.storage.access import Actor, ViewerRefused, local_actor, save_setting
from renewal.storage.layers import open_layers
from renewal.storage.shared_files import save_facilities, save_network_for, save_osm_import
from tests.store_backends import BACKENDS, state
from tests.store_backends import backend as make_backend

VIEWER = Actor("王五", auth.VIEWER)
EDITOR = Actor("张三", auth.EDITOR)
X, Y = 117.2277, 39.11
ROOT = Path(__file__).resolve().parent.parent


def _points(n: int = 2, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": [f"点{i}" for i in range(n)], **cols},
        geometry=[Point(X + i * 1e-3, Y) for i in range(n)],
        crs=4326,
    )


def _facilities() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": ["第一小学", "社区卫生站"], "category": ["primary_school", "clinic"]},
        geometry=[Point(X, Y), Point(X + 0.002, Y + 0.001)],
        crs=4326,
    )


def _network() -> WalkNetwork:
    lines = gpd.GeoDataFrame(
        geometry=[
            shapely.LineString([(X, Y), (X + 0.01, Y)]),
            shapely.LineString([(X + 0.01, Y), (X + 0.01, Y + 0.01)]),
        ],
        crs=4326,
    )
    return WalkNetwork.from_noded_lines(lines)


def _refused(fn) -> None:
    with pytest.raises(ViewerRefused) as ei:
        fn()
    assert ei.value.message_zh.startswith("您的角色为“查看”") and "未作任何修改" in ei.value.message_zh


@pytest.mark.parametrize("kind", BACKENDS)
def test_a_viewer_site_store_refuses_every_write_on_both_backends(kind, tmp_path):
    with make_backend(kind, tmp_path) as b:
        editor = b.open("张三")
        before = state(editor)
        ro = open_store(actor=VIEWER, **b.location_kwargs)
        p, g, v = ro.site("RS-005")
        for write in (
            lambda: ro.save_site("RS-005", {**p, "name": "x"}, g, expected_version=v),
            lambda: ro.add_site({"name": "x", "status": "planned"}, g),
            lambda: ro.add_sites([({"name": "x", "status": "planned"}, g)]),
            lambda: ro.delete_site("RS-005", expected_version=v),
            lambda: ro.undo(),
        ):
            _refused(write)
        assert state(editor) == before
        # the same store opened for an editor writes, and names the person
        ed = open_store(actor=EDITOR, **b.location_kwargs)
        ed.save_site("RS-005", {**p, "name": "张三改的"}, g, expected_version=v)
        assert ed.history("RS-005")[0].session == "张三"


def test_a_viewer_cannot_import_replace_or_remove_a_layer(tmp_path):
    store = open_layers(tmp_path)
    _refused(
        lambda: store.put("zones", "zones", _points(), source_file="a.geojson", crs="wgs84", actor=VIEWER)
    )
    assert not (tmp_path / "layers.gpkg").exists()  # nothing written, not even an empty file
    store.put("zones", "zones", _points(), source_file="a.geojson", crs="wgs84", actor=EDITOR)
    before = (tmp_path / "layers.gpkg").read_bytes()
    _refused(
        lambda: store.put(
            "zones", "zones", _points(3), source_file="b.geojson", crs="wgs84", actor=VIEWER, replace=True
        )
    )
    _refused(lambda: store.remove("zones", actor=VIEWER))
    assert (tmp_path / "layers.gpkg").read_bytes() == before
    assert [h["who"] for h in store.history()] == ["张三"] and store.get("zones").who == "张三"


def test_a_viewer_cannot_save_facilities_networks_osm_imports_or_settings(tmp_path):
    _refused(lambda: save_facilities(_facilities(), actor=VIEWER, workspace=tmp_path))
    _refused(lambda: save_network_for(_network(), actor=VIEWER, workspace=tmp_path))
    _refused(lambda: save_osm_import(_network(), _facilities(), actor=VIEWER, workspace=tmp_path))
    _refused(lambda: save_setting(VIEWER, "TIANDITU_KEY", "abc123", tmp_path))
    assert not workspace_facilities_path(tmp_path).exists() and not workspace_network_path(tmp_path).exists()
    assert not local_settings_path(tmp_path).exists() and not (tmp_path / "layers.gpkg").exists()


def test_facility_and_network_saves_name_their_person_with_versions(tmp_path):
    me = local_actor()
    assert me.label == f"本机用户 {getpass.getuser()}"
    first = save_facilities(
        _facilities(), actor=me, workspace=tmp_path, source_file="清单.xlsx", expected_version=0
    )
    assert (first.version, first.who, first.count, first.source_file) == (1, me.label, 2, "清单.xlsx")
    assert len(load_workspace_facilities(tmp_path)) == 2
    # a replace from a page that saw version 0 (someone saved meanwhile) is refused; the file stays
    with pytest.raises(ConflictError) as ei:
        save_facilities(_facilities().iloc[:1], actor=EDITOR, workspace=tmp_path, expected_version=0)
    assert me.label in ei.value.message_zh
    assert len(load_workspace_facilities(tmp_path)) == 2
    save_facilities(_facilities().iloc[:1], actor=EDITOR, workspace=tmp_path, expected_version=1)
    save_osm_import(
        _network(), _facilities(), actor=EDITOR, workspace=tmp_path, source_file="tianjin.osm.pbf"
    )
    store = open_layers(tmp_path)
    files = {f.kind: f for f in store.files()}
    assert files["facilities"].version == 3 and files["network"].who == "张三"
    hist = store.history()
    assert [(h["name"], h["who"], h["action"]) for h in hist] == [
        ("facilities", "张三", "replace"),
        ("network", "张三", "import"),
        ("facilities", "张三", "replace"),
        ("facilities", me.label, "import"),
    ]
    assert store.list() == []  # shared files are not drawn as imported layers


def test_a_stale_layer_replace_is_refused(tmp_path):
    store = open_layers(tmp_path)
    seen = store.put("zones", "zones", _points(), source_file="a", crs="wgs84", actor=EDITOR).version
    store.put("zones", "zones", _points(3), source_file="b", crs="wgs84", actor=Actor("李四"), replace=True)
    with pytest.raises(ConflictError) as ei:
        store.put(
            "zones",
            "zones",
            _points(5),
            source_file="c",
            crs="wgs84",
            actor=EDITOR,
            replace=True,
            expected_version=seen,
        )
    assert "李四" in ei.value.message_zh
    with pytest.raises(ConflictError):
        store.remove("zones", actor=EDITOR, expected_version=seen)
    assert len(store.read("zones")) == 3 and store.get("zones").version == 2


def test_layer_columns_keep_their_types(tmp_path):
    import pandas as pd

    gdf = _points(2, when=pd.to_datetime(["2024-01-01", "2025-06-30"]), count=[1, 2])
    store = open_layers(tmp_path)
    store.put("ref_a", "reference", gdf, source_file="a", crs="wgs84", actor=EDITOR)
    back = store.read("ref_a")
    assert back["count"].tolist() == [1, 2] and str(back["when"].iloc[1].date()) == "2025-06-30"
    store.put("ref_a", "reference", _points(1), source_file="b", crs="wgs84", actor=EDITOR, replace=True)
    assert len(store.read("ref_a")) == 1


WORKER = textwrap.dedent(
    """
    import sys
    import geopandas as gpd
    from shapely.geometry import Point
    from renewal.storage.access import Actor
    from renewal.storage.layers import open_layers

    ws, proc = sys.argv[1], int(sys.argv[2])
    store = open_layers(__import__("pathlib").Path(ws))
    for j in range(5):
        gdf = gpd.GeoDataFrame({"name": [f"p{proc}-{j}"]}, geometry=[Point(117.22 + j * 1e-3, 39.11)], crs=4326)
        store.put(f"p{proc}_{j}", "reference", gdf, source_file=f"p{proc}_{j}.geojson", crs="wgs84",
                  actor=Actor(f"规划师{proc}"))
    print("ok")
    """
)


def test_four_processes_five_imports_each_lose_nothing(tmp_path):
    """4 processes x 5 concurrent imports into one workspace: all 20 layers and 20 history rows survive
    (the copy-and-rename store of 1679cf5 kept 7-13 of 20)."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(tmp_path), str(i)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(4)
    ]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0 and out.strip() == "ok", err
    store = open_layers(tmp_path)
    names = {lyr.name for lyr in store.list()}
    assert names == {f"p{i}_{j}" for i in range(4) for j in range(5)}
    hist = store.history()
    assert len(hist) == 20 and {h["name"] for h in hist} == names
    assert {h["who"] for h in hist} == {f"规划师{i}" for i in range(4)}
    assert store.read("p3_4")["name"].tolist() == ["p3-4"]


def test_an_import_of_a_taken_name_is_refused_inside_the_transaction(tmp_path):
    """The "does this name exist" check runs under the write lock: a second import of the same name fails."""
    store = open_layers(tmp_path)
    store.put("zones", "zones", _points(), source_file="a", crs="wgs84", actor=EDITOR)
    with pytest.raises(InputError) as ei:
        store.put("zones", "zones", _points(3), source_file="b", crs="wgs84", actor=Actor("李四"))
    assert "已存在" in ei.value.message_zh and "张三" in ei.value.message_zh
    assert len(store.read("zones")) == 2 and len(store.history()) == 1
