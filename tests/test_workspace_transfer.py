"""``workspace push`` / ``pull``: GeoPackage -> PostGIS -> GeoPackage without loss."""

from __future__ import annotations

import pytest
from shapely.geometry import Point, box

from cli.main import main
from renewal.errors import StoreError
from renewal.storage import open_store, store_path
from renewal.storage.gpkg import GpkgStore
from renewal.storage.layers import open_layers
from renewal.storage.postgis import PostgisStore
from tests.store_backends import postgis_schema, state

INSIDE = Point(117.2277, 39.1100)
OUTLINE = box(117.2290, 39.1110, 117.2310, 39.1125)


@pytest.fixture
def pg_url():
    with postgis_schema() as url:
        yield url


def edited_workspace(ws):
    """A workspace with every kind of change, an undone one, a NaN number and an extra file."""
    a = open_store(ws, session="张三")
    p, g, v = a.site("RS-008")
    a.save_site(
        "RS-008",
        {**p, "name": "改名‘引号’", "plan_note": "第一行\n第二行", "length_plan_m": 12.5},
        OUTLINE,
        expected_version=v,
    )
    a.add_site({"name": "新增", "status": "planned", "plan_note": "=1+1"}, INSIDE)
    a.add_sites([({"name": f"导入{i}", "status": "planned"}, INSIDE) for i in range(3)])
    b = open_store(ws, session="李四")
    p, g, v = b.site("RS-021")
    b.delete_site("RS-021", expected_version=v)
    a.undo(session="张三")  # the last import row: RS-040 removed, its id stays used
    (ws / "network").mkdir()
    (ws / "network" / "walk_network.gpkg").write_bytes(bytes(range(256)) * 10)
    return a


def test_push_then_pull_round_trip_is_lossless(tmp_path, pg_url):
    src = tmp_path / "src"
    store = edited_workspace(src)
    before = GpkgStore(store_path(src)).dump()
    assert main(["--workspace", str(src), "workspace", "push", "--to", pg_url]) == 0
    pg = PostgisStore(pg_url, session="x")
    assert state(pg) == state(store)  # the same sites, versions, geometries and history through the seam
    got = pg.dump()
    assert got.sites == before.sites and got.history == before.history and got.meta == before.meta
    assert got.files == {"network/walk_network.gpkg": bytes(range(256)) * 10}

    back = tmp_path / "back"
    assert main(["--workspace", str(back), "workspace", "pull", "--from", pg_url]) == 0
    again = GpkgStore(store_path(back)).dump()
    assert again.sites == before.sites and again.history == before.history and again.meta == before.meta
    assert (back / "network" / "walk_network.gpkg").read_bytes() == bytes(range(256)) * 10
    # both copies carry on the same way: undo of one's own change, and the next new id
    for s in (PostgisStore(pg_url, session="李四"), GpkgStore(store_path(back), session="李四")):
        assert s.undo(session="李四").site_id == "RS-021"
        assert s.add_site({"name": "再新增", "status": "planned"}, INSIDE) == "RS-041"


def test_push_refuses_a_database_with_changes_unless_replace(tmp_path, pg_url, capsys):
    ws = tmp_path / "ws"
    edited_workspace(ws)
    other = open_store(database=pg_url, session="王五")
    p, g, v = other.site("RS-005")
    other.save_site("RS-005", {**p, "name": "数据库里的修改"}, g, expected_version=v)
    before = state(other)
    assert main(["--workspace", str(ws), "workspace", "push", "--to", pg_url]) == 2
    assert "--replace" in capsys.readouterr().err
    assert state(other) == before
    assert main(["--workspace", str(ws), "workspace", "push", "--to", pg_url, "--replace"]) == 0
    assert state(other) == state(GpkgStore(store_path(ws)))


def test_pull_from_an_empty_database_or_a_bad_url_changes_nothing(tmp_path, pg_url, capsys):
    ws = tmp_path / "ws"
    assert main(["--workspace", str(ws), "workspace", "pull", "--from", pg_url]) == 2
    assert "no workspace" in capsys.readouterr().err
    assert main(["--workspace", str(ws), "workspace", "pull", "--from", "sqlite:///x"]) == 2
    assert not store_path(ws).exists()


def test_cli_commands_use_the_database_given_with_database(tmp_path, pg_url, capsys):
    geojson = tmp_path / "new.geojson"
    geojson.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "命令行导入"},'
        ' "geometry": {"type": "Point", "coordinates": [117.2277, 39.11]}}]}',
        encoding="utf-8",
    )
    ws = tmp_path / "ws"
    assert (
        main(
            [
                "--workspace",
                str(ws),
                "--database",
                pg_url,
                "import",
                str(geojson),
                "--layer",
                "sites",
                "--yes",
            ]
        )
        == 0
    )
    assert "RS-037" in capsys.readouterr().out
    assert not store_path(ws).exists()  # the workspace folder's GeoPackage was not used
    assert main(["--database", pg_url, "sites", "list", "--query", "命令行"]) == 0
    assert "RS-037\t命令行导入" in capsys.readouterr().out
    assert main(["--database", pg_url, "sites", "history"]) == 0
    assert "cli-import\timport\tRS-037" in capsys.readouterr().out
    assert main(["--database", pg_url, "sites", "undo"]) == 0
    assert "RS-037" not in set(PostgisStore(pg_url).sites()["site_id"])


def test_a_database_from_a_newer_app_is_refused(pg_url):
    import psycopg

    open_store(database=pg_url)
    with psycopg.connect(pg_url) as con:
        con.execute("UPDATE renewal_meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError) as ei:
        open_store(database=pg_url)
    assert "newer version" in ei.value.message_en and "升级" in ei.value.message_zh


def test_pull_never_overwrites_local_files_without_replace_and_never_pulls_credentials(
    tmp_path, pg_url, capsys
):
    """Issue 23, item 6: a pull replaced the workspace's own layers and facility inventory without
    --replace, and a users.json row planted in the database replaced the local users file."""
    src = tmp_path / "src"
    edited_workspace(src)
    _layer(src, "ref_team")
    (src / "facilities.xlsx").write_bytes(b"team inventory")
    assert main(["--workspace", str(src), "workspace", "push", "--to", pg_url]) == 0
    import psycopg

    with psycopg.connect(pg_url) as con:  # an attacker with database access plants an account
        con.execute(
            "INSERT INTO workspace_files VALUES (%s, %s), (%s, %s)",
            ("users.json", b'{"attacker": {"role": "edit"}}', ".streamlit/secrets.toml", b"x = 1"),
        )

    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "layers.gpkg").write_bytes(b"my own layers")
    (ws / "facilities.xlsx").write_bytes(b"team inventory")  # identical: not a conflict
    (ws / "users.json").write_bytes(b'{"me": {}}')
    capsys.readouterr()
    assert main(["--workspace", str(ws), "workspace", "pull", "--from", pg_url]) == 2
    err = capsys.readouterr().err
    assert "layers.gpkg" in err and "--replace" in err and "facilities.xlsx" not in err
    assert (ws / "layers.gpkg").read_bytes() == b"my own layers"
    assert not GpkgStore(store_path(ws)).dump().history  # nothing copied

    assert main(["--workspace", str(ws), "workspace", "pull", "--from", pg_url, "--replace"]) == 0
    out = capsys.readouterr().out
    assert "'users.json'" in out and ".backups" in out
    assert [lyr.name for lyr in open_layers(ws).list()] == ["ref_team"]  # the team's layers, restored
    assert (ws / "users.json").read_bytes() == b'{"me": {}}'  # credentials never pulled
    assert not (ws / ".streamlit").exists()
    (backup,) = (ws / ".backups").iterdir()
    assert (backup / "layers.gpkg").read_bytes() == b"my own layers"
    assert (backup / "sites.gpkg").exists()
    # and a pull into a fresh workspace never creates a users file either
    fresh = tmp_path / "fresh"
    assert main(["--workspace", str(fresh), "workspace", "pull", "--from", pg_url]) == 0
    assert not (fresh / "users.json").exists() and [lyr.name for lyr in open_layers(fresh).list()] == [
        "ref_team"
    ]


def _layer(workspace, name: str, who: str = "张工"):
    import geopandas as gpd

    from renewal.storage.access import Actor
    from renewal.storage.layers import open_layers

    gdf = gpd.GeoDataFrame({"名称": ["甲"]}, geometry=[Point(117.22, 39.11)], crs=4326)
    return open_layers(workspace).put(
        name, "reference", gdf, source_file=f"{name}.gpkg", crs="EPSG:4326", actor=Actor(who), title="控规"
    )


def test_push_puts_layers_styles_history_and_shared_files_into_the_team_tables(tmp_path, pg_url):
    """Issue 17: after ``workspace push`` every server reads the layers and the facility list from the
    database (not a copy of the folder's files); a second push onto them is refused without --replace."""
    import geopandas as gpd

    from renewal.layer_style import LayerStyle
    from renewal.storage.access import Actor
    from renewal.storage.layer_stores import open_layer_store, sync_shared_files
    from renewal.storage.layers import open_layers
    from renewal.storage.shared_files import save_facilities

    src = tmp_path / "src"
    edited_workspace(src)
    _layer(src, "ref_a")
    open_layers(src).save_style("ref_a", LayerStyle(opacity=0.3), actor=Actor("李工"))
    fac = gpd.GeoDataFrame(
        {"facility_id": ["F1"], "name": ["河东小学"], "category": ["小学"], "status": ["现状"]},
        geometry=[Point(117.22, 39.11)],
        crs=4326,
    )
    save_facilities(fac, actor=Actor("张工"), workspace=src, database="")
    assert main(["--workspace", str(src), "workspace", "push", "--to", pg_url]) == 0
    team = open_layer_store(database=pg_url)
    assert [lyr.name for lyr in team.list()] == ["ref_a"] and team.style("ref_a").opacity == 0.3
    assert [h["action"] for h in team.history()] == [h["action"] for h in open_layers(src).history()]
    assert list(team.read("ref_a")["名称"]) == ["甲"]
    other = tmp_path / "server_b"
    assert sync_shared_files(other, database=pg_url) == ["facilities"]
    from renewal.analysis.facilities import load_workspace_facilities

    assert list(load_workspace_facilities(other)["name"]) == ["河东小学"]
    assert (
        main(["--workspace", str(src), "workspace", "push", "--to", pg_url]) == 2
    )  # the database has changes


def test_pull_brings_the_team_layers_and_facility_list_as_they_are_now(tmp_path, pg_url):
    """After a push, changes made on the servers (a layer imported, the facility list replaced) come back
    with ``workspace pull`` — not the copy taken at push time."""
    import geopandas as gpd

    from renewal.analysis.facilities import load_workspace_facilities
    from renewal.storage.access import Actor
    from renewal.storage.layer_stores import open_layer_store
    from renewal.storage.shared_files import save_facilities

    src = tmp_path / "src"
    edited_workspace(src)
    _layer(src, "ref_old")
    assert main(["--workspace", str(src), "workspace", "push", "--to", pg_url]) == 0
    team = open_layer_store(database=pg_url)
    gdf = gpd.GeoDataFrame({"名称": ["乙"]}, geometry=[Point(117.23, 39.12)], crs=4326)
    team.put("ref_new", "reference", gdf, source_file="new.gpkg", crs="EPSG:4326", actor=Actor("李工"))
    fac = gpd.GeoDataFrame(
        {"facility_id": ["F1"], "name": ["河东小学"], "category": ["小学"], "status": ["现状"]},
        geometry=[Point(117.22, 39.11)],
        crs=4326,
    )
    save_facilities(fac, actor=Actor("李工"), workspace=tmp_path / "server", database=pg_url)
    back = tmp_path / "back"
    assert main(["--workspace", str(back), "workspace", "pull", "--from", pg_url]) == 0
    local = open_layers(back)
    assert [lyr.name for lyr in local.list()] == ["ref_new", "ref_old"]
    assert [h["who"] for h in local.history("ref_new")] == ["李工"]
    assert list(load_workspace_facilities(back)["name"]) == ["河东小学"]
    # pulled again over a workspace that has the team's layers: its own layers file is not overwritten
    assert main(["--workspace", str(back), "workspace", "pull", "--from", pg_url]) == 2
