"""Workspace layers: import zones/population/reference with checks, summary before writing, one atomic write,
replace/remove with history; a failed write changes nothing."""

import getpass

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from shapely.geometry import Point, Polygon

from cli.main import main
from renewal.errors import InputError, StoreError
from renewal.layer_import import check_layer
from renewal.storage.access import Actor
from renewal.storage.layers import LayerStore, open_layers

X, Y = 117.2277, 39.11


def square(x, y, d=0.005):
    return Polygon([(x, y), (x + d, y), (x + d, y + d), (x, y + d)])


def bowtie(x, y, d=0.005):
    return Polygon([(x, y), (x + d, y + d), (x + d, y), (x, y + d)])


def test_zones_repair_and_refuse(tmp_path):
    path = tmp_path / "z.geojson"
    gpd.GeoDataFrame({"名称": ["甲", "乙"]}, geometry=[square(X, Y), bowtie(X, Y)], crs=4326).to_file(path)
    c = check_layer(path, "zones")
    assert c.ok and c.gdf.geometry.is_valid.all() and "name" in c.fields
    assert any("修复" in zh for _, zh in c.notes)
    pts = tmp_path / "p.geojson"
    gpd.GeoDataFrame({"name": ["点"]}, geometry=[Point(X, Y)], crs=4326).to_file(pts)
    c2 = check_layer(pts, "zones")
    assert not c2.ok and "必须是面" in c2.problems[0][1] and "[1]" in c2.problems[0][0]


def test_population_fields_and_raster(tmp_path):
    path = tmp_path / "pop.geojson"
    gpd.GeoDataFrame({"人口": [100, -5, "x"]}, geometry=[square(X, Y)] * 3, crs=4326).to_file(path)
    c = check_layer(path, "population")
    assert not c.ok and "[2, 3]" in c.problems[0][0]
    tif = tmp_path / "pop.tif"
    with rasterio.open(
        tif,
        "w",
        driver="GTiff",
        width=3,
        height=2,
        count=1,
        dtype="float32",
        crs="EPSG:4548",
        transform=rasterio.Affine(100, 0, 520_000, 0, -100, 4_330_000),
        nodata=-1,
    ) as dst:
        dst.write(np.array([[[1, 0, 2], [3, -1, 4]]], dtype="float32"))
    c2 = check_layer(tif, "population")
    assert c2.ok and c2.count == 4 and c2.gdf["population"].sum() == 10
    assert c2.gdf.crs.to_epsg() == 4326


def test_cli_summary_dry_run_then_write_replace_remove(tmp_path, capsys):
    ws = tmp_path / "ws"
    path = tmp_path / "zones.geojson"
    gpd.GeoDataFrame({"name": ["甲"]}, geometry=[square(X, Y)], crs=4326).to_file(path)
    assert main(["--workspace", str(ws), "import", str(path), "--layer", "zones"]) == 0
    out = capsys.readouterr().out
    assert "Features:  1" in out and "Dry run" in out and not (ws / "layers.gpkg").exists()
    assert main(["--workspace", str(ws), "import", str(path), "--layer", "zones", "--yes"]) == 0
    assert main(["--workspace", str(ws), "import", str(path), "--layer", "zones", "--yes"]) == 2  # exists
    assert main(["--workspace", str(ws), "import", str(path), "--layer", "zones", "--yes", "--replace"]) == 0
    capsys.readouterr()
    assert main(["--workspace", str(ws), "layers", "list"]) == 0
    listing = capsys.readouterr().out
    assert "zones\tzones" in listing and "zones.geojson" in listing and "1 layer(s)" in listing
    assert main(["--workspace", str(ws), "layers", "remove", "zones"]) == 0
    hist = open_layers(ws).history("zones")
    assert [h["action"] for h in hist] == ["remove", "replace", "import"]
    # the command line records the machine's user, labelled as such (there is no free-text --who)
    assert {h["who"] for h in hist} == {f"本机用户 {getpass.getuser()}"}
    assert [h["version"] for h in hist] == [None, 2, 1]
    assert open_layers(ws).list() == []


def test_reference_layer_needs_an_ascii_name(tmp_path, capsys):
    path = tmp_path / "控规用地.geojson"
    gpd.GeoDataFrame({"name": ["甲"]}, geometry=[square(X, Y)], crs=4326).to_file(path)
    ws = tmp_path / "ws"
    assert main(["--workspace", str(ws), "import", str(path), "--layer", "reference", "--yes"]) == 2
    assert "--name" in capsys.readouterr().err
    args = ["--workspace", str(ws), "import", str(path), "--layer", "reference", "--yes"]
    assert main([*args, "--name", "kg", "--title", "控规用地"]) == 0
    assert open_layers(ws).get("kg").title == "控规用地"


def test_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    store = LayerStore(tmp_path / "layers.gpkg")
    gdf = gpd.GeoDataFrame({"name": ["甲"]}, geometry=[square(X, Y)], crs=4326)
    store.put("zones", "zones", gdf, source_file="a.geojson", crs="wgs84", actor=Actor("me"))
    before = (tmp_path / "layers.gpkg").read_bytes()

    def broken():
        raise OSError("disk full")

    store.before_commit = broken  # everything written inside the transaction, then it fails
    with pytest.raises(StoreError):
        store.put(
            "zones", "zones", gdf, source_file="b.geojson", crs="wgs84", actor=Actor("me"), replace=True
        )
    assert (tmp_path / "layers.gpkg").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["layers.gpkg"]
    assert store.get("zones").source_file == "a.geojson" and len(store.history()) == 1


def test_two_layers_coexist_and_bad_names_refused(tmp_path):
    store = LayerStore(tmp_path / "layers.gpkg")
    gdf = gpd.GeoDataFrame({"name": ["甲"]}, geometry=[square(X, Y)], crs=4326)
    store.put("zones", "zones", gdf, source_file="a", crs="wgs84", actor=Actor("me"))
    store.put("ref_a", "reference", gdf.assign(name="乙"), source_file="b", crs="wgs84", actor=Actor("me"))
    assert store.read("zones")["name"].tolist() == ["甲"] and store.read("ref_a")["name"].tolist() == ["乙"]
    store.put(
        "zones", "zones", gdf.assign(name="丙"), source_file="c", crs="wgs84", actor=Actor("me"), replace=True
    )
    assert store.read("zones")["name"].tolist() == ["丙"] and store.read("ref_a")["name"].tolist() == ["乙"]
    for bad in ("Zones", "1a", "a-b", "名称", "x" * 41, "lyr; DROP TABLE"):
        with pytest.raises(InputError):
            store.put(bad, "reference", gdf, source_file="a", crs="wgs84", actor=Actor("me"))


def test_features_outside_the_district_are_reported(tmp_path):
    path = tmp_path / "r.geojson"
    gpd.GeoDataFrame(
        {"name": ["区内", "区外", "区内2"]},
        geometry=[Point(X, Y), Point(117.05, 39.05), Point(X + 0.01, Y)],
        crs=4326,
    ).to_file(path)
    c = check_layer(path, "reference")
    assert c.ok and any("[2]" in en and "outside" in en for en, _ in c.notes)


def test_reference_polygons_repaired(tmp_path):
    path = tmp_path / "r.geojson"
    gpd.GeoDataFrame(
        {"name": ["蝴蝶", "线"]}, geometry=[bowtie(X, Y), Point(X, Y).buffer(0.001).exterior], crs=4326
    ).to_file(path)
    c = check_layer(path, "reference")
    assert c.ok and c.gdf.geometry.is_valid.all() and c.gdf.geom_type.iloc[1] == "LineString"
    assert any("[1]" in en for en, _ in c.notes)
