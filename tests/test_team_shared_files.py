"""The facility inventory and the walking network shared through the team database (issue 17): saved whole
with version, hash and history; each server's workspace folder is a cache fetched by hash, so a second
server sees what the first saved, a stale replace is refused, and a damaged copy is never swapped in."""

from __future__ import annotations

import json

import pytest

from cli.main import main
from renewal.analysis.facilities import load_workspace_facilities, workspace_facilities_path
from renewal.analysis.network_files import load_workspace_network
from renewal.errors import ConflictError, StoreError
from renewal.storage.access import Actor
from renewal.storage.layer_stores import open_layer_store, sync_shared_files
from renewal.storage.postgis_layers import CACHE_NOTE
from renewal.storage.shared_files import facilities_version, save_facilities
from tests.store_backends import postgis_schema
from tests.test_import_osm import write_extract


@pytest.fixture
def team(tmp_path):
    with postgis_schema() as url:
        yield url, tmp_path / "server_a", tmp_path / "server_b"


def test_an_osm_import_on_one_server_is_read_by_the_other(team, tmp_path):
    url, a, b = team
    extract = write_extract(tmp_path / "hedong.osm.pbf")
    assert main(["--database", url, "--workspace", str(a), "import-osm", str(extract)]) == 0
    assert load_workspace_facilities(b) is None
    assert sorted(sync_shared_files(b, database=url)) == ["facilities", "network"]
    fac_a, fac_b = load_workspace_facilities(a), load_workspace_facilities(b)
    assert len(fac_b) > 0 and sorted(fac_b["facility_id"]) == sorted(fac_a["facility_id"])
    assert load_workspace_network(b).n_edges == load_workspace_network(a).n_edges > 0
    assert sync_shared_files(b, database=url) == []  # nothing fetched again while the hashes match
    store = open_layer_store(database=url)
    files = {e.name: e for e in store.files()}
    assert set(files) == {"facilities", "network"} and {e.version for e in files.values()} == {1}
    assert files["facilities"].who.startswith("本机用户")
    assert {h["name"] for h in store.history()} == {"facilities", "network"}


def test_a_facility_list_replaced_on_b_is_seen_on_a_and_a_stale_replace_is_refused(team):
    url, a, b = team
    first = save_facilities(
        _facilities(3), actor=Actor("张工"), workspace=a, source_file="甲.xlsx", database=url
    )
    sync_shared_files(b, database=url)
    seen_on_a = facilities_version(a, database=url)
    assert seen_on_a == first.version == 1
    second = save_facilities(
        _facilities(2),
        actor=Actor("李工"),
        workspace=b,
        database=url,
        expected_version=1,
        source_file="乙.xlsx",
    )
    assert second.version == 2 and len(load_workspace_facilities(b)) == 2
    assert len(load_workspace_facilities(a)) == 3  # a's cache is old until it syncs
    with pytest.raises(ConflictError):  # 张工 on a saw version 1
        save_facilities(
            _facilities(5), actor=Actor("张工"), workspace=a, database=url, expected_version=seen_on_a
        )
    assert sync_shared_files(a, database=url) == ["facilities"]
    assert sorted(load_workspace_facilities(a)["name"]) == ["设施0", "设施1"]
    hist = open_layer_store(database=url).history("facilities")
    assert [(h["who"], h["action"], h["version"]) for h in hist] == [
        ("李工", "replace", 2),
        ("张工", "import", 1),
    ]


def test_a_copy_that_does_not_match_its_hash_is_not_swapped_in(team):
    import psycopg

    url, a, b = team
    save_facilities(_facilities(3), actor=Actor("张工"), workspace=a, database=url)
    sync_shared_files(b, database=url)
    before = workspace_facilities_path(b).read_bytes()
    save_facilities(_facilities(1), actor=Actor("张工"), workspace=a, database=url)
    with psycopg.connect(url) as con:  # the stored blob damaged behind the app's back
        con.execute(
            "UPDATE shared_blobs SET content = 'x'::bytea WHERE sha256 = (SELECT sha256 FROM layer_catalog WHERE name = 'facilities')"
        )
    with pytest.raises(StoreError):
        sync_shared_files(b, database=url)
    assert workspace_facilities_path(b).read_bytes() == before  # the old copy kept whole
    assert len(json.loads((b / CACHE_NOTE).read_text())) == 1


def _facilities(n: int):
    import geopandas as gpd
    from shapely.geometry import Point

    return gpd.GeoDataFrame(
        {
            "facility_id": [f"F{i}" for i in range(n)],
            "name": [f"设施{i}" for i in range(n)],
            "category": ["小学"] * n,
            "status": ["现状"] * n,
        },
        geometry=[Point(117.22 + i / 1000, 39.11) for i in range(n)],
        crs=4326,
    )


def test_a_study_area_set_on_one_server_is_the_other_servers_and_a_viewer_cannot_set_it(team):
    from shapely.geometry import box

    from renewal.storage.access import ViewerRefused
    from renewal.storage.shared_files import current_study_area, restore_study_area, save_study_area

    url, a, b = team
    square = box(117.30, 39.05, 117.34, 39.08)
    save_study_area(square, "东丽区试点", actor=Actor("张工"), workspace=a, database=url)
    assert current_study_area(b, database=url).is_default  # not fetched yet: the bundled district
    assert sync_shared_files(b, database=url) == ["study_area"]
    on_b = current_study_area(b, database=url)
    assert on_b.name == "东丽区试点" and on_b.geometry.equals(square) and on_b.who == "张工"
    with pytest.raises(ViewerRefused):
        save_study_area(box(0, 0, 1, 1), "x", actor=Actor("王工", role="查看"), workspace=b, database=url)
    restore_study_area(actor=Actor("李工"), workspace=b, database=url)
    sync_shared_files(a, database=url)
    assert current_study_area(a, database=url).is_default
    assert [h["who"] for h in open_layer_store(database=url).history("study_area")][:2] == ["李工", "张工"]


def test_osm_review_decisions_are_recorded_and_shared_with_the_other_server(team):
    from renewal.analysis.osm_review import load_decisions
    from renewal.storage.access import ViewerRefused
    from renewal.storage.shared_files import save_osm_review

    url, a, b = team
    decisions = {"way/42": ("primary",), "node/7": ()}
    entry = save_osm_review(decisions, actor=Actor("张工"), workspace=a, database=url)
    assert entry.kind == "osm_review" and entry.version == 1 and entry.count == 2
    assert load_decisions(b) == {}
    assert sync_shared_files(b, database=url) == ["osm_review"]
    assert load_decisions(b) == decisions
    with pytest.raises(ViewerRefused):
        save_osm_review({}, actor=Actor("王工", role="查看"), workspace=b, database=url)
    assert load_decisions(b) == decisions  # nothing changed
    history = open_layer_store(database=url).history("osm_review")
    assert [(h["who"], h["count"]) for h in history] == [("张工", 2)]
